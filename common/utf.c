// SPDX-License-Identifier: MIT
#include <stdlib.h>

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
