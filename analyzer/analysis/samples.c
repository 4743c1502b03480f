// SPDX-License-Identifier: MIT
// Sample allocations of the suspect tag (samples.h): candidates from the big-page table and
// the scanned small-pool pages, the largest first then one of each other size, each one's
// first bytes read through the dump.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "samples.h"

enum { PAGE = 4096 };

struct cand {
	enum pm_sample_from from;
	uint64_t addr, bytes;
	const char *pool;
};

/* The candidates that can still be chosen, whatever comes later: the choice takes the largest,
 * then one of each other size, then the next largest, so only the PM_SAMPLES_MAX largest sizes
 * and, of each, the PM_SAMPLES_MAX lowest addresses matter. Kept sorted by size (descending),
 * then address: memory stays bounded however many allocations the tag has. */
enum { KEEP = PM_SAMPLES_MAX * PM_SAMPLES_MAX };

struct cands {
	struct cand v[KEEP + 1];
	size_t n;
};

/* Largest first; the same size: the lower address first (a stable, documented order). */
static bool before(const struct cand *x, const struct cand *y)
{
	return x->bytes != y->bytes ? x->bytes > y->bytes : x->addr < y->addr;
}

static void cand_add(struct cands *c, enum pm_sample_from from, uint64_t addr, uint64_t bytes,
		     const char *pool)
{
	struct cand x = { from, addr, bytes, pool };
	size_t i = c->n;
	while (i && before(&x, &c->v[i - 1]))
		i--;
	if (i == KEEP)
		return;
	memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof(c->v[0]));
	c->v[i] = x;
	c->n++;
	/* drop what can no longer be chosen: past the 5th size, past the 5th of a size */
	size_t out = 0, sizes = 0, same = 0;
	for (size_t k = 0; k < c->n; k++) {
		bool new_size = !k || c->v[k].bytes != c->v[k - 1].bytes;
		sizes += new_size;
		same = new_size ? 1 : same + 1;
		if (sizes <= PM_SAMPLES_MAX && same <= PM_SAMPLES_MAX)
			c->v[out++] = c->v[k];
	}
	c->n = out;
}

static void from_big(const struct pm_info *in, struct pm_samples *r, struct cands *c)
{
	const struct pm_pool_info *p = &in->pool;
	if (!p->has_big) {
		snprintf(r->big_note, sizeof(r->big_note), "the big-page table was not read: %s",
			 p->big_absent.detail ? p->big_absent.detail : "not available");
		return;
	}
	r->big_looked = true;
	for (size_t i = 0; i < p->big.nallocs; i++) {
		const struct pm_big_alloc *b = &p->big.allocs[i];
		if (b->tag != r->tag)
			continue;
		r->big_found++;
		cand_add(c, PM_SAMPLE_BIG, b->va, b->bytes, b->pool);
	}
}

struct small_walk {
	const struct pm_info *in;
	struct pm_samples *r;
	struct cands *c;
	enum pm_pool_era era;
	struct pm_chunk chunks[512];
};

/* One kernel page: its chunks of the tag, when it is a classic small-pool page. */
static bool small_page(void *ctx, uint64_t va, uint64_t pa)
{
	struct small_walk *w = ctx;
	uint8_t page[PAGE];
	const char *absent;
	struct pm_error *err = pm_info_read(w->in, true, pa, page, PAGE, &absent);
	if (err) {
		pm_error_destroy(err);
		return true;
	}
	size_t n = pm_pool_page_parse(page, w->in->k->is64, w->era, w->chunks, 512);
	for (size_t i = 0; i < n; i++) {
		const struct pm_chunk *ch = &w->chunks[i];
		if (!ch->allocated || ch->tag != w->r->tag)
			continue;
		w->r->small_found++;
		cand_add(w->c, PM_SAMPLE_SMALL, va + ch->offset, ch->size,
			 ch->paged ? "paged" : "nonpaged");
		if (w->r->small_found >= PM_SAMPLE_SMALL_MAX) {
			w->r->small_capped = true;
			return false;
		}
	}
	return true;
}

static void from_small(const struct pm_info *in, struct pm_samples *r, struct cands *c)
{
	const struct pm_pool_info *p = &in->pool;
	if (!p->scanned) {
		snprintf(r->small_note, sizeof(r->small_note), "the small-pool pages were not "
			 "scanned (--scan looks at them)");
		return;
	}
	if (!p->has_scan) {
		snprintf(r->small_note, sizeof(r->small_note), "the pool pages could not be scanned: "
			 "%s", p->scan_absent.detail ? p->scan_absent.detail : "not available");
		return;
	}
	if (p->scan.method != PM_SCAN_PAGES) {
		snprintf(r->small_note, sizeof(r->small_note), "small allocations live in the "
			 "segment heap on this build; its chunks are counted, not sampled");
		return;
	}
	bool counted = false;
	for (size_t i = 0; i < p->scan.ntags && !counted; i++)
		counted = p->scan.tags[i].tag == r->tag &&
			  (p->scan.tags[i].np_count || p->scan.tags[i].p_count);
	r->small_looked = true;
	if (!counted)
		return; /* the scan saw no chunk of the tag: no need to look again */
	struct small_walk *w = malloc(sizeof(*w));
	if (!w) {
		snprintf(r->small_note, sizeof(r->small_note), "out of memory");
		r->small_looked = false;
		return;
	}
	w->in = in;
	w->r = r;
	w->c = c;
	w->era = pm_pool_era((uint32_t)in->k->build.v);
	uint64_t missing = 0;
	pm_vmem_walk_kernel(&in->k->vm, small_page, w, &missing);
	free(w);
}

/* The largest, then one of each other size, then the next largest (c is sorted). */
static void choose(const struct cands *c, struct pm_samples *r)
{
	bool taken[KEEP + 1] = { false };
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->n && r->n < PM_SAMPLES_MAX; i++) {
			bool seen = false;
			for (size_t k = 0; k < r->n && pass == 0; k++)
				seen = seen || r->s[k].bytes == c->v[i].bytes;
			if (taken[i] || seen)
				continue;
			taken[i] = true;
			struct pm_sample *s = &r->s[r->n++];
			memset(s, 0, sizeof(*s));
			s->from = c->v[i].from;
			s->addr = c->v[i].addr;
			s->bytes = c->v[i].bytes;
			s->pool = c->v[i].pool;
		}
}

static void read_head(const struct pm_info *in, struct pm_sample *s)
{
	s->shown = s->bytes && s->bytes < PM_SAMPLE_HEAD ? s->bytes : PM_SAMPLE_HEAD;
	const char *absent = NULL;
	struct pm_error *err = pm_info_read(in, false, s->addr, s->head, (size_t)s->shown, &absent);
	if (!err) {
		s->read = true;
		return;
	}
	memset(s->head, 0, sizeof(s->head));
	s->absent = absent ? absent : "unreadable";
	snprintf(s->why, sizeof(s->why), "%s", pm_err_msg(err));
	pm_error_destroy(err);
}

void pm_samples_collect(const struct pm_info *in, uint32_t tag, struct pm_samples *r)
{
	memset(r, 0, sizeof(*r));
	r->is64 = in->k->is64;
	if (!tag)
		return;
	r->wanted = true;
	r->tag = tag;
	struct cands *c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(r->big_note, sizeof(r->big_note), "out of memory");
		snprintf(r->small_note, sizeof(r->small_note), "out of memory");
		return;
	}
	from_big(in, r, c);
	if (in->k->has_vm && !in->k->build.absent)
		from_small(in, r, c);
	else
		snprintf(r->small_note, sizeof(r->small_note), "no virtual memory to read");
	choose(c, r);
	free(c);
	for (size_t i = 0; i < r->n; i++)
		read_head(in, &r->s[i]);
}
