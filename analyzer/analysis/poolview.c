// SPDX-License-Identifier: MIT
// `poolused` and `bigpool` views: tag patterns, row selection and sorting, and the scan's
// cross-check with the tracker (the renderings are in report/).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolview.h"

void pm_tag_str(uint32_t tag, char out[5])
{
	for (int i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(tag >> (8 * i));
		out[i] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
	}
	out[4] = 0;
}

static bool glob(const char *p, const char *s)
{
	if (!*p)
		return !*s;
	if (*p == '*')
		return glob(p + 1, s) || (*s && glob(p, s + 1));
	if (!*s)
		return false;
	return (*p == '?' || *p == *s) && glob(p + 1, s + 1);
}

bool pm_tag_match(const char *pattern, uint32_t tag)
{
	char t[5];
	if (!pattern)
		return true;
	pm_tag_str(tag, t);
	/* Short tags are padded with spaces; a pattern without * matches the padded form. */
	return glob(pattern, t) || (!strchr(pattern, '*') && strlen(pattern) < 4 &&
				    !memcmp(t + strlen(pattern), "    ", 4 - strlen(pattern)) &&
				    !strncmp(pattern, t, strlen(pattern)));
}

/* A row with its sort key computed once (the order is passed in, not kept in a global). */
struct row_key {
	const struct pm_tag_counts *c;
	uint64_t v;
	char tag[5];
};

static uint64_t sort_value(const struct pm_tag_counts *c, enum pm_pool_sort s)
{
	switch (s) {
	case PM_SORT_NONPAGED:
		return c->np_bytes;
	case PM_SORT_PAGED:
		return c->p_bytes;
	case PM_SORT_ALLOCS:
		return (c->np_allocs - c->np_frees) + (c->p_allocs - c->p_frees);
	case PM_SORT_TAG:
		break;
	}
	return 0;
}

static int key_cmp(const void *x, const void *y)
{
	const struct row_key *a = x, *b = y;
	if (a->v != b->v)
		return a->v > b->v ? -1 : 1; /* largest first */
	return strcmp(a->tag, b->tag);
}

const struct pm_tag_counts **pm_poolused_rows(const struct pm_pooltrack *t,
					     const struct pm_poolused_opts *o, size_t *n_ret,
					     size_t *nall_ret)
{
	const struct pm_tag_counts **rows = calloc(t->ntags ? t->ntags : 1, sizeof(*rows));
	struct row_key *keys = calloc(t->ntags ? t->ntags : 1, sizeof(*keys));
	if (!rows || !keys) {
		free(rows);
		free(keys);
		return NULL;
	}
	size_t n = 0;
	for (size_t i = 0; i < t->ntags; i++) {
		const struct pm_tag_counts *c = &t->tags[i];
		bool any = c->np_bytes || c->p_bytes || c->np_allocs != c->np_frees ||
			   c->p_allocs != c->p_frees;
		if ((any || o->verbose) && pm_tag_match(o->pattern, c->tag)) {
			keys[n].c = c;
			keys[n].v = sort_value(c, o->sort);
			pm_tag_str(c->tag, keys[n].tag);
			n++;
		}
	}
	if (n > 1) /* qsort() wants a non-null base even for 0 */
		qsort(keys, n, sizeof(*keys), key_cmp);
	for (size_t i = 0; i < n; i++)
		rows[i] = keys[i].c;
	free(keys);
	*nall_ret = n;
	if (o->top && n > o->top)
		n = o->top;
	*n_ret = n;
	return rows;
}

static bool big_is_paged(const struct pm_big_alloc *a)
{
	return a->pool && strstr(a->pool, "paged") && !strstr(a->pool, "nonpaged");
}

size_t pm_scan_consistency(const struct pm_pool_info *p, struct pm_scan_note **ret)
{
	*ret = NULL;
	if (!p->has_scan || !p->has_track)
		return 0;
	const struct pm_scan *sc = &p->scan;
	const struct pm_pooltrack *t = &p->track;
	size_t cap = 2 * (sc->ntags + t->ntags) + 1, n = 0;
	struct pm_scan_note *notes = calloc(cap, sizeof(*notes));
	if (!notes)
		return 0;
	/* every (tag, pool) either side knows of */
	for (size_t pass = 0; pass < 2; pass++) {
		size_t count = pass ? sc->ntags : t->ntags;
		for (size_t i = 0; i < count; i++) {
			uint32_t tag = pass ? sc->tags[i].tag : t->tags[i].tag;
			for (int paged = 0; paged < 2; paged++) {
				uint64_t out = 0, scanned = 0, big = 0;
				bool in_tracker = false;
				for (size_t k = 0; k < t->ntags; k++)
					if (t->tags[k].tag == tag) {
						in_tracker = true;
						out = paged ? t->tags[k].p_allocs - t->tags[k].p_frees
							    : t->tags[k].np_allocs - t->tags[k].np_frees;
					}
				for (size_t k = 0; k < sc->ntags; k++)
					if (sc->tags[k].tag == tag)
						scanned = paged ? sc->tags[k].p_count : sc->tags[k].np_count;
				if (pass && in_tracker)
					continue; /* already seen in the first pass */
				if (p->has_big)
					for (size_t k = 0; k < p->big.nallocs; k++)
						if (p->big.allocs[k].tag == tag &&
						    big_is_paged(&p->big.allocs[k]) == (bool)paged)
							big++;
				uint64_t small = out > big ? out - big : 0;
				if (small == scanned)
					continue;
				struct pm_scan_note *no = &notes[n++];
				no->tag = tag;
				no->paged = paged;
				no->tracker_small = small;
				no->scan_count = scanned;
				no->what = !in_tracker ? "found by the scan, unknown to the tracker"
					   : scanned > small
						   ? "the pages hold more allocated-looking chunks than "
						     "the tracker counts (lookaside lists keep freed "
						     "chunks looking allocated)"
						   : "the tracker counts more than the scanned pages hold "
						     "(pages not in the dump or paged out)";
				if (n == cap)
					goto done;
			}
		}
	}
done:
	*ret = notes;
	return n;
}
