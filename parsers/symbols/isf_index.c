// SPDX-License-Identifier: MIT
// One pass over an ISF document (RFC 8259 JSON, checked strictly) that builds nothing but an
// index: where each entry of the top-level sections "symbols", "user_types", "enums" and
// "base_types" lies. The reader then parses only the entries a query asks for (a kernel's ISF
// is 6-10 MB of JSON, of which an analysis reads a few dozen types and symbols).
#include <stdlib.h>
#include <string.h>

#include "isf-priv.h"

enum { ISF_MAX_DEPTH = 1000 }; /* as cJSON's nesting limit */

struct sc {
	const char *s;
	size_t len, i;
	unsigned depth;
	bool oom;
	size_t bad_at;       /* first section entry that is not an object (its key), or SIZE_MAX */
	size_t bad_len;
	unsigned bad_section;
};

static const char *const section_names[ISF_NSECT] = { "symbols", "user_types", "enums",
						      "base_types", "metadata" };

/* Eight bytes at a time (SWAR): a word's bytes that are zero, or below 0x20, show as their
 * high bit in the result (exact for the lowest such byte, which is all that is used). */
static uint64_t load8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

static uint64_t zero_bytes(uint64_t w)
{
	return (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
}

static uint64_t low_bytes(uint64_t w) /* bytes < 0x20 */
{
	return (w - 0x2020202020202020ull) & ~w & 0x8080808080808080ull;
}

static void ws(struct sc *c)
{
	/* indentation: runs of spaces, eight at a time */
	while (c->len - c->i >= 8 && load8(c->s + c->i) == 0x2020202020202020ull)
		c->i += 8;
	while (c->i < c->len) {
		char ch = c->s[c->i];
		if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t')
			return;
		c->i++;
	}
}

static bool hex(char ch)
{
	return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* A string at c->i (its opening quote); c->i ends past the closing quote. */
static bool string(struct sc *c)
{
	const char *s = c->s;
	size_t i = c->i + 1, n = c->len;
	for (;;) {
		/* eight bytes at a time while none is a quote, a backslash or a control byte */
		while (n - i >= 8) {
			uint64_t w = load8(s + i);
			if (zero_bytes(w ^ 0x2222222222222222ull) | zero_bytes(w ^ 0x5C5C5C5C5C5C5C5Cull) |
			    low_bytes(w))
				break;
			i += 8;
		}
		while (i < n && s[i] != '"' && s[i] != '\\' && (unsigned char)s[i] >= 0x20)
			i++;
		if (i >= n || (unsigned char)s[i] < 0x20) {
			c->i = i;
			return false;
		}
		if (s[i] == '"') {
			c->i = i + 1;
			return true;
		}
		/* an escape */
		if (i + 1 >= n) {
			c->i = i;
			return false;
		}
		char e = s[i + 1];
		if (e == 'u') {
			if (i + 5 >= n || !hex(s[i + 2]) || !hex(s[i + 3]) || !hex(s[i + 4]) ||
			    !hex(s[i + 5])) {
				c->i = i;
				return false;
			}
			i += 6;
		} else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
			   e == 'r' || e == 't') {
			i += 2;
		} else {
			c->i = i;
			return false;
		}
	}
}

static bool digits(struct sc *c)
{
	size_t start = c->i;
	while (c->i < c->len && c->s[c->i] >= '0' && c->s[c->i] <= '9')
		c->i++;
	return c->i > start;
}

static bool number(struct sc *c)
{
	if (c->s[c->i] == '-')
		c->i++;
	if (c->i < c->len && c->s[c->i] == '0')
		c->i++;
	else if (!digits(c))
		return false;
	if (c->i < c->len && c->s[c->i] == '.') {
		c->i++;
		if (!digits(c))
			return false;
	}
	if (c->i < c->len && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
		c->i++;
		if (c->i < c->len && (c->s[c->i] == '+' || c->s[c->i] == '-'))
			c->i++;
		if (!digits(c))
			return false;
	}
	return true;
}

static bool literal(struct sc *c, const char *w, size_t n)
{
	if (c->len - c->i < n || memcmp(c->s + c->i, w, n))
		return false;
	c->i += n;
	return true;
}

static bool value(struct sc *c);

/* Members of an object or elements of an array (c->i just past the opening bracket). When
 * @p sec is a section, each member's key and value are recorded. */
static bool members(struct sc *c, bool is_object, struct isf_section *sec, unsigned which)
{
	char close = is_object ? '}' : ']';
	ws(c);
	if (c->i < c->len && c->s[c->i] == close) {
		c->i++;
		return true;
	}
	for (;;) {
		size_t key = 0, key_len = 0;
		if (is_object) {
			if (c->i >= c->len || c->s[c->i] != '"')
				return false;
			key = c->i + 1;
			if (!string(c))
				return false;
			key_len = c->i - 1 - key;
			ws(c);
			if (c->i >= c->len || c->s[c->i] != ':')
				return false;
			c->i++;
			ws(c);
		}
		size_t val = c->i;
		if (sec && (c->i >= c->len || c->s[c->i] != '{') && c->bad_at == SIZE_MAX) {
			c->bad_at = key;
			c->bad_len = key_len;
			c->bad_section = which;
		}
		if (!value(c))
			return false;
		if (sec) {
			if (sec->n == sec->cap) {
				size_t cap = sec->cap ? sec->cap * 2 : 256;
				struct isf_entry *e = realloc(sec->e, cap * sizeof(*e));
				if (!e) {
					c->oom = true;
					return false;
				}
				sec->e = e;
				sec->cap = cap;
			}
			sec->e[sec->n++] = (struct isf_entry){ (uint32_t)key, (uint32_t)key_len,
							       (uint32_t)val, (uint32_t)(c->i - val) };
		}
		ws(c);
		if (c->i < c->len && c->s[c->i] == ',') {
			c->i++;
			ws(c);
			continue;
		}
		if (c->i < c->len && c->s[c->i] == close) {
			c->i++;
			return true;
		}
		return false;
	}
}

static bool value(struct sc *c)
{
	if (c->i >= c->len)
		return false;
	switch (c->s[c->i]) {
	case '{':
	case '[': {
		if (++c->depth > ISF_MAX_DEPTH)
			return false;
		bool obj = c->s[c->i++] == '{';
		bool ok = members(c, obj, NULL, 0);
		c->depth--;
		return ok;
	}
	case '"':
		return string(c);
	case 't':
		return literal(c, "true", 4);
	case 'f':
		return literal(c, "false", 5);
	case 'n':
		return literal(c, "null", 4);
	default:
		return number(c);
	}
}

/* The top-level object: its sections are indexed. */
static bool top(struct sc *c, struct isf_index *ix)
{
	c->i++;
	c->depth = 1;
	ws(c);
	if (c->i < c->len && c->s[c->i] == '}') {
		c->i++;
		return true;
	}
	for (;;) {
		if (c->i >= c->len || c->s[c->i] != '"')
			return false;
		size_t key = c->i + 1;
		if (!string(c))
			return false;
		size_t key_len = c->i - 1 - key;
		ws(c);
		if (c->i >= c->len || c->s[c->i] != ':')
			return false;
		c->i++;
		ws(c);
		unsigned which = ISF_NSECT;
		for (unsigned k = 0; k < ISF_NSECT; k++)
			if (key_len == strlen(section_names[k]) &&
			    !memcmp(c->s + key, section_names[k], key_len))
				which = k;
		struct isf_section *sec = which < ISF_NSECT && !ix->sec[which].present
						  ? &ix->sec[which] : NULL;
		size_t val = c->i;
		bool ok;
		if (sec && c->i < c->len && c->s[c->i] == '{' && which != ISF_METADATA) {
			c->i++;
			c->depth++;
			ok = members(c, true, sec, which);
			c->depth--;
			sec->is_object = true;
		} else {
			if (sec)
				sec->is_object = c->i < c->len && c->s[c->i] == '{';
			ok = value(c);
		}
		if (!ok)
			return false;
		if (sec) {
			sec->present = true;
			sec->val = val;
			sec->val_len = c->i - val;
		}
		ws(c);
		if (c->i < c->len && c->s[c->i] == ',') {
			c->i++;
			ws(c);
			continue;
		}
		if (c->i < c->len && c->s[c->i] == '}') {
			c->i++;
			return true;
		}
		return false;
	}
}

enum isf_scan_status pm_isf_scan(const char *json, size_t len, struct isf_index *ix, size_t *at,
				 size_t *at_len, unsigned *section_of)
{
	memset(ix, 0, sizeof(*ix));
	if (len > UINT32_MAX) {
		*at = 0;
		return ISF_SCAN_SYNTAX;
	}
	struct sc c = { json, len, 0, 0, false, SIZE_MAX, 0, 0 };
	ws(&c);
	bool ok = c.i < len && json[c.i] == '{' ? top(&c, ix) : value(&c);
	if (ok) {
		ws(&c);
		ok = c.i == len;
	}
	if (c.oom)
		return ISF_SCAN_NOMEM;
	if (!ok) {
		*at = c.i;
		return ISF_SCAN_SYNTAX;
	}
	if (c.bad_at != SIZE_MAX) {
		*at = c.bad_at;
		*at_len = c.bad_len;
		*section_of = c.bad_section;
		return ISF_SCAN_NOT_OBJECT;
	}
	return ISF_SCAN_OK;
}

void pm_isf_index_free(struct isf_index *ix)
{
	for (unsigned k = 0; k < ISF_NSECT; k++)
		free(ix->sec[k].e);
	memset(ix, 0, sizeof(*ix));
}
