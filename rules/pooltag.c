// SPDX-License-Identifier: MIT
// pooltag.txt, read as Debugging Tools' own file has it (its header: "<PoolTag> -
// <binary-name> - <Description>"; `rem` and `//` comments) and as real copies are written:
// columns padded with spaces, tags shorter than four characters (the pool pads them with
// spaces: 'CM' is 'CM  '), tags with an inner space ('Dh 0'), wildcard tags ('CM??', 'Aml*'),
// `<unknown>` where the binary is not known, lines with only a tag and a description, the same
// tag on several lines (every line is kept), a line of prose, an indented continuation line,
// CRLF line ends and a DOS end-of-file byte (0x1A). Untrusted text: nothing is assumed about
// lengths; what does not fit a field is cut at the field's size.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules.h"

/* A real file has ~5000 entries and ~100 wildcards; every tag of a dump may be matched
 * against every wildcard, so their number is bounded well below the entries'. */
enum { PM_MAX_POOLTAG_ENTRIES = 1 << 20, PM_MAX_POOLTAG_WILD = 4096 };

/* Copy [s, e) without surrounding blanks into @p dst (cut to @p n - 1 bytes). */
static void trimmed(char *dst, size_t n, const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == 0x1A))
		e--;
	size_t len = (size_t)(e - s) < n - 1 ? (size_t)(e - s) : n - 1;
	memcpy(dst, s, len);
	dst[len] = 0;
}

static bool is_comment(const char *s)
{
	if (s[0] == '/' && s[1] == '/')
		return true;
	return (s[0] == 'r' || s[0] == 'R') && (s[1] == 'e' || s[1] == 'E') &&
	       (s[2] == 'm' || s[2] == 'M') && (!s[3] || s[3] == ' ' || s[3] == '\t' ||
						s[3] == '\r');
}

/* A binary field that names nothing: empty or "<unknown>" (any case). */
static bool no_binary(const char *b)
{
	return !*b || !strcasecmp(b, "<unknown>") || !strcasecmp(b, "unknown");
}

/* A single word naming an image or a kernel component ("x.sys", "nt!cm"): in a two-field
 * line it is the binary, not a description. */
static bool looks_like_binary(const char *s)
{
	if (!*s || strpbrk(s, " \t"))
		return false;
	const char *dot = strrchr(s, '.');
	return strchr(s, '!') || (dot && (!strcasecmp(dot, ".sys") || !strcasecmp(dot, ".dll") ||
					  !strcasecmp(dot, ".exe")));
}

/* The tag field: 1 to 4 printable characters (inner spaces allowed), '?' for any one
 * character, '*' for any run. Padded with spaces to 4 unless it holds '*'. Returns its
 * length as written (0: not a tag). */
static size_t parse_tag(const char *s, const char *e, struct pm_pooltag_entry *en)
{
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	size_t n = (size_t)(e - s);
	if (n == 0 || n > 4)
		return 0;
	memset(en->pattern, 0, sizeof(en->pattern));
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c > 0x7E)
			return 0;
		en->pattern[i] = (char)c;
	}
	en->wild = memchr(s, '?', n) || memchr(s, '*', n);
	if (!memchr(s, '*', n))
		for (size_t i = n; i < 4; i++)
			en->pattern[i] = ' ';
	en->tag = 0;
	if (!en->wild)
		for (int i = 0; i < 4; i++)
			en->tag |= (uint32_t)(unsigned char)en->pattern[i] << (8 * i);
	return n;
}

/* One entry line (not blank, not a comment, not indented); false when it is prose. */
static bool parse_entry(const char *line, const char *end, unsigned lineno,
			struct pm_pooltag_entry *en, struct pm_pooltag_stats *st)
{
	const char *d1 = strstr(line, " - ");
	size_t tn = d1 && d1 < end ? parse_tag(line, d1, en) : 0;
	if (!tn)
		return false;
	const char *f2 = d1 + 3, *d2 = strstr(f2, " - ");
	if (d2 && d2 >= end)
		d2 = NULL;
	char second[sizeof(en->desc)];
	if (d2) {
		trimmed(en->binary, sizeof(en->binary), f2, d2);
		trimmed(en->desc, sizeof(en->desc), d2 + 3, end);
	} else {
		trimmed(second, sizeof(second), f2, end);
		if (looks_like_binary(second)) {
			snprintf(en->binary, sizeof(en->binary), "%.95s", second);
			en->desc[0] = 0;
		} else {
			en->binary[0] = 0;
			snprintf(en->desc, sizeof(en->desc), "%s", second);
		}
	}
	if (no_binary(en->binary)) {
		st->no_binary += !d2;
		st->unknown_binary += d2 != NULL;
		en->binary[0] = 0;
	}
	en->line = lineno;
	st->entries++;
	st->wildcards += en->wild;
	st->short_tags += tn < 4 && !strchr(en->pattern, '*');
	return true;
}

/* Append @p extra to the last entry's description (an indented continuation line). */
static void continue_desc(struct pm_pooltag_entry *last, const char *extra)
{
	if (!*extra || !strcasecmp(extra, "<unknown>") || !strcmp(extra, last->binary))
		return;
	size_t k = strlen(last->desc);
	snprintf(last->desc + k, sizeof(last->desc) - k, "%s%s", k ? " " : "", extra);
}

static int entry_cmp(const void *a, const void *b)
{
	const struct pm_pooltag_entry *x = a, *y = b;
	if (x->wild != y->wild)
		return x->wild ? 1 : -1;
	if (!x->wild && x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	int c = x->wild ? strcmp(x->pattern, y->pattern) : 0;
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

struct pm_error *pm_pooltag_parse(struct pm_rule_params *p, char *text, const char *src)
{
	struct pm_pooltag_stats st = { 0 };
	size_t cap = p->npooltag + 256, n = p->npooltag;
	struct pm_pooltag_entry *e = realloc(p->pooltag, cap * sizeof(*e));
	if (!e)
		return &pm_enomem;
	p->pooltag = e;
	unsigned lineno = 0;
	size_t last = SIZE_MAX; /* the entry an indented line continues */
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		char *end = next ? next : line + strlen(line);
		if (next)
			*next++ = 0;
		lineno++;
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		char rest[sizeof(e->desc)];
		trimmed(rest, sizeof(rest), s, end);
		if (!rest[0]) {
			st.blank++;
			continue;
		}
		if (is_comment(s)) {
			st.comments++;
			continue;
		}
		if (s != line) { /* indented: the previous entry goes on */
			st.continuations++;
			if (last != SIZE_MAX)
				continue_desc(&e[last], rest);
			continue;
		}
		if (n == cap) {
			if (cap >= PM_MAX_POOLTAG_ENTRIES)
				return pm_err(PM_ERR_LIMIT, "%s: more than %d entries", src,
					      PM_MAX_POOLTAG_ENTRIES);
			cap *= 2;
			if (!(e = realloc(p->pooltag, cap * sizeof(*e))))
				return &pm_enomem;
			p->pooltag = e;
		}
		memset(&e[n], 0, sizeof(e[n]));
		if (!parse_entry(line, end, lineno, &e[n], &st)) {
			st.prose++;
			last = SIZE_MAX;
			continue;
		}
		if (e[n].wild && st.wildcards > PM_MAX_POOLTAG_WILD)
			return pm_err(PM_ERR_LIMIT, "%s line %u: more than %d wildcard tags", src,
				      lineno, PM_MAX_POOLTAG_WILD);
		e[n].seq = (unsigned)n;
		last = n++;
	}
	qsort(e, n, sizeof(*e), entry_cmp);
	p->npooltag = n;
	p->nexact = 0;
	while (p->nexact < n && !e[p->nexact].wild)
		p->nexact++;
	for (size_t i = 1; i < n; i++) /* the patterns written on more than one line */
		st.duplicates += !strcmp(e[i].pattern, e[i - 1].pattern) &&
				 (i < 2 || strcmp(e[i - 1].pattern, e[i - 2].pattern));
	st.entries = (unsigned)n;
	p->pooltag_stats = st;
	snprintf(p->pooltag_src, sizeof(p->pooltag_src), "%s", src);
	return NULL;
}

/* '?' one character, '*' any run (tags are 4 characters, short ones padded with spaces). */
static bool glob4(const char *pat, const char *t, size_t tn)
{
	for (; *pat; pat++) {
		if (*pat == '*') {
			for (size_t k = 0; k <= tn; k++)
				if (glob4(pat + 1, t + k, tn - k))
					return true;
			return false;
		}
		if (!tn || (*pat != '?' && *pat != *t))
			return false;
		t++, tn--;
	}
	return tn == 0;
}

static unsigned literals(const char *pat)
{
	unsigned n = 0;
	for (; *pat; pat++)
		n += *pat != '?' && *pat != '*';
	return n;
}

size_t pm_rule_pooltag(const struct pm_rule_params *p, uint32_t tag,
		       const struct pm_pooltag_entry **ret, size_t max)
{
	size_t lo = 0, hi = p->nexact, k = 0;
	while (lo < hi) { /* the first exact entry of @p tag */
		size_t mid = lo + (hi - lo) / 2;
		if (p->pooltag[mid].tag < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < p->nexact && p->pooltag[i].tag == tag; i++)
		if (k < max)
			ret[k++] = &p->pooltag[i];
	if (k)
		return k;
	char t[4];
	for (int i = 0; i < 4; i++)
		t[i] = (char)(tag >> (8 * i));
	const struct pm_pooltag_entry *best = NULL;
	for (size_t i = p->nexact; i < p->npooltag; i++) {
		const struct pm_pooltag_entry *w = &p->pooltag[i];
		if (glob4(w->pattern, t, 4) &&
		    (!best || literals(w->pattern) > literals(best->pattern) ||
		     (literals(w->pattern) == literals(best->pattern) && w->seq < best->seq)))
			best = w;
	}
	for (size_t i = p->nexact; best && i < p->npooltag; i++) /* every line of that pattern */
		if (!strcmp(p->pooltag[i].pattern, best->pattern) && k < max)
			ret[k++] = &p->pooltag[i];
	return k;
}

bool pm_rule_tag_describe(const struct pm_rule_params *p, uint32_t tag,
			  struct pm_tag_desc *ret)
{
	const struct pm_pooltag_entry *e[1];
	memset(ret, 0, sizeof(*ret));
	if (pm_rule_pooltag(p, tag, e, 1)) {
		ret->desc = e[0]->desc;
		ret->binary = e[0]->binary[0] ? e[0]->binary : NULL;
		ret->source = "pooltag.txt";
		ret->line = e[0]->line;
		ret->pattern = e[0]->wild ? e[0]->pattern : NULL;
		return true;
	}
	const struct pm_tag_info *k = pm_rule_tag(p, tag);
	if (k && (k->meaning[0] || k->owner[0])) {
		ret->desc = k->meaning;
		ret->binary = k->owner[0] ? k->owner : NULL;
		ret->source = k->source;
		return true;
	}
	return false;
}

const char *pm_rule_tag_description(const struct pm_rule_params *p, uint32_t tag, char *buf,
				    size_t n)
{
	struct pm_tag_desc d;
	char t[5];
	if (!pm_rule_tag_describe(p, tag, &d)) {
		pm_sum_tag_str(tag, t);
		snprintf(buf, n, "UNKNOWN pooltag '%s', please update pooltag.txt", t);
	} else if (d.binary) {
		snprintf(buf, n, "%s , Binary: %s", d.desc, d.binary);
	} else {
		snprintf(buf, n, "%s ", d.desc);
	}
	return buf;
}
