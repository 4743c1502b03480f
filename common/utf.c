// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "pm-utf.h"

static size_t put(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | c >> 6);
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | c >> 12);
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | c >> 18);
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

char *pm_utf16le_to_utf8(const uint8_t *in, size_t nchars)
{
	if (nchars > SIZE_MAX / 4 - 1)
		return NULL;
	char *out = malloc(nchars * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < nchars; i++) {
		uint32_t c = (uint32_t)in[2 * i] | (uint32_t)in[2 * i + 1] << 8;
		if (c >= 0xD800 && c < 0xDC00 && i + 1 < nchars) {
			uint32_t d = (uint32_t)in[2 * i + 2] | (uint32_t)in[2 * i + 3] << 8;
			if (d >= 0xDC00 && d < 0xE000) {
				c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
				i++;
			} else {
				c = 0xFFFD;
			}
		} else if ((c >= 0xD800 && c < 0xE000) || c == 0) {
			c = 0xFFFD;
		}
		/* a surrogate pair (2 units) yields 4 bytes: still within 3 bytes per unit */
		o += put(out + o, c);
	}
	out[o] = 0;
	return out;
}

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates,
 * nothing above U+10FFFF), or 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

size_t pm_utf8_invalid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t bad = 0;
	while (*p) {
		size_t n = utf8_seq(p);
		bad += n == 0;
		p += n ? n : 1;
	}
	return bad;
}

char *pm_utf8_repair(char *s)
{
	size_t bad = s ? pm_utf8_invalid(s) : 0;
	if (!bad)
		return s;
	size_t len = strlen(s);
	char *out = len < (SIZE_MAX - 1) / 3 - bad ? malloc(len + 2 * bad + 1) : NULL;
	if (!out) {
		free(s);
		return NULL;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	while (*p) {
		size_t n = utf8_seq(p);
		if (n) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			o += put(out + o, 0xFFFD);
			p++;
		}
	}
	out[o] = 0;
	free(s);
	return out;
}
