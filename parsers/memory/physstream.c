// SPDX-License-Identifier: MIT
// L2: streaming physical pages in the order they lie in the dump, a window at a time.
//
// A window is a run of pages that lie together in the file (up to PM_STREAM_PAGES). It is
// mapped where the source maps (no copy: the consumer touches only the bytes it parses, from
// the page cache), else read with one call into a buffer. Before a window is handed out, the
// next one is announced to the source (read-ahead on a cold cache).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "physmem.h"

/* A set window with fewer pages than this is read page by page: mapping costs more than a
 * few reads (mmap + munmap + one fault per page, against one pread per page). */
enum { SET_MAP_MIN_PAGES = 4 };

/* Ask the processor for a page about to be handed out: a consumer that walks a page by chained
 * offsets (pool headers) would otherwise wait on each cache miss in turn, where a copy would
 * have streamed the page in (and mapped pages are not contiguous in physical memory, so the
 * hardware prefetcher stops at each page's end). */
static inline void prefetch_page(const uint8_t *p)
{
	for (unsigned i = 0; i < PM_PAGE_SIZE; i += 64)
		__builtin_prefetch(p + i);
}

struct window_buf {
	uint8_t *buf; /* PM_STREAM_PAGES pages, allocated on first use */
};

static struct pm_error *open_window(struct pm_source *src, struct window_buf *w, uint64_t off,
				    uint64_t npages, bool may_map, struct pm_view *v)
{
	size_t len = (size_t)npages * PM_PAGE_SIZE;
	if (!(may_map && pm_source_can_map(src)) && !w->buf &&
	    !(w->buf = malloc((size_t)PM_STREAM_PAGES * PM_PAGE_SIZE)))
		return &pm_enomem;
	if (!may_map && pm_source_can_map(src)) { /* read, not map */
		PM_TRY(pm_source_read_exact(src, off, w->buf, len, "physical pages"));
		memset(v, 0, sizeof(*v));
		v->data = w->buf;
		v->len = len;
		return NULL;
	}
	struct pm_error *err = pm_source_view(src, off, len, w->buf, "physical pages", v);
	if (err && !w->buf && pm_err_code(err) != PM_ERR_TRUNCATED) {
		/* the source did not map after all: read */
		pm_error_destroy(err);
		if (!(w->buf = malloc((size_t)PM_STREAM_PAGES * PM_PAGE_SIZE)))
			return &pm_enomem;
		err = pm_source_view(src, off, len, w->buf, "physical pages", v);
	}
	return err;
}

struct pm_error *pm_physmem_stream(const struct pm_pagemap *pm, uint64_t first_pfn,
				   uint64_t end_pfn, unsigned reads_from, pm_phys_page_fn fn,
				   void *ctx, uint64_t *unreadable_ret)
{
	struct window_buf w = { NULL };
	struct pm_error *err = NULL;
	uint64_t pfn = first_pfn, beyond = 0;
	bool go = true;
	while (go && pfn < end_pfn && pm_pagemap_next(pm, &pfn) && pfn < end_pfn) {
		uint64_t off, n, max = end_pfn - pfn;
		enum pm_page_status st = pm_pagemap_extent(
			pm, pfn, max < PM_STREAM_PAGES ? max : PM_STREAM_PAGES, &off, &n);
		if (st != PM_PAGE_OK) {
			beyond += st == PM_PAGE_BEYOND_EOF;
			pfn++;
			continue;
		}
		pm_source_will_need(pm->src, off + n * PM_PAGE_SIZE, n * PM_PAGE_SIZE);
		struct pm_view v;
		err = open_window(pm->src, &w, off, n, true, &v);
		if (err == &pm_enomem)
			break;
		if (err) { /* a read failed: page by page, skipping (and counting) what fails */
			pm_error_destroy(err);
			err = NULL;
			for (uint64_t k = 0; k < n && go; k++) {
				struct pm_error *e1 = open_window(pm->src, &w, off + k * PM_PAGE_SIZE, 1,
								  false, &v);
				if (!e1)
					go = fn(ctx, pfn + k, v.data);
				else
					beyond++;
				pm_error_destroy(e1);
			}
			pfn += n;
			continue;
		}
		for (uint64_t k = 0; k < n && go; k++) {
			if (k + 2 < n) { /* two pages ahead: the part the consumer reads */
				const uint8_t *q = v.data + (k + 2) * PM_PAGE_SIZE;
				__builtin_prefetch(q);
				for (unsigned i = reads_from; i < PM_PAGE_SIZE; i += 64)
					__builtin_prefetch(q + i);
			}
			go = fn(ctx, pfn + k, v.data + k * PM_PAGE_SIZE);
		}
		pm_source_unview(pm->src, &v);
		pfn += n;
	}
	free(w.buf);
	if (unreadable_ret)
		*unreadable_ret = beyond;
	return err;
}

/* ---- sets --------------------------------------------------------------------------------- */

struct pm_physset {
	const struct pm_pagemap *pm;
	uint64_t *bits;     /* one bit per page of the file: page k at phase + k * PM_PAGE_SIZE */
	uint64_t nkeys;
	uint64_t phase;     /* file offset of page 0 modulo the page size (of the first page added) */
	bool has_phase;
	uint64_t *odd;      /* pages whose offset has another phase (rare): their offsets */
	size_t nodd, odd_cap;
	uint64_t count;
};

struct pm_error *pm_physset_create(const struct pm_pagemap *pm, struct pm_physset **ret)
{
	struct pm_physset *s = calloc(1, sizeof(*s));
	if (!s)
		return &pm_enomem;
	s->pm = pm;
	s->nkeys = pm->src->size / PM_PAGE_SIZE + 1;
	s->bits = calloc((size_t)((s->nkeys + 63) / 64), sizeof(uint64_t));
	if (!s->bits) {
		free(s);
		return &pm_enomem;
	}
	*ret = s;
	return NULL;
}

void pm_physset_destroy(struct pm_physset *s)
{
	if (!s)
		return;
	free(s->bits);
	free(s->odd);
	free(s);
}

uint64_t pm_physset_count(const struct pm_physset *s)
{
	return s->count;
}

static bool add_odd(struct pm_physset *s, uint64_t off, bool *added)
{
	for (size_t i = 0; i < s->nodd; i++)
		if (s->odd[i] == off) {
			*added = false;
			return true;
		}
	if (s->nodd == s->odd_cap) {
		size_t cap = s->odd_cap ? s->odd_cap * 2 : 16;
		uint64_t *o = realloc(s->odd, cap * sizeof(*o));
		if (!o)
			return false;
		s->odd = o;
		s->odd_cap = cap;
	}
	s->odd[s->nodd++] = off;
	*added = true;
	return true;
}

enum pm_page_status pm_physset_add(struct pm_physset *s, uint64_t pa, bool *added)
{
	uint64_t off;
	*added = false;
	enum pm_page_status st = pm_pagemap_locate(s->pm, pa >> PM_PAGE_SHIFT, &off);
	if (st != PM_PAGE_OK)
		return st;
	if (!s->has_phase) {
		s->phase = off % PM_PAGE_SIZE;
		s->has_phase = true;
	}
	if (off % PM_PAGE_SIZE != s->phase) {
		if (!add_odd(s, off, added))
			return PM_PAGE_NOT_CAPTURED; /* out of memory: the page is not read */
	} else {
		uint64_t k = off / PM_PAGE_SIZE; /* < nkeys: the page lies inside the file */
		uint64_t bit = UINT64_C(1) << (k & 63);
		if (s->bits[k >> 6] & bit)
			return PM_PAGE_OK;
		s->bits[k >> 6] |= bit;
		*added = true;
	}
	s->count++;
	return PM_PAGE_OK;
}

/* Next set key at or after @p k, or nkeys. */
static uint64_t next_key(const struct pm_physset *s, uint64_t k)
{
	while (k < s->nkeys) {
		uint64_t w = s->bits[k >> 6] >> (k & 63);
		if (w)
			return k + (uint64_t)__builtin_ctzll(w);
		k = (k | 63) + 1;
	}
	return s->nkeys;
}

static bool key_set(const struct pm_physset *s, uint64_t k)
{
	return s->bits[k >> 6] >> (k & 63) & 1;
}

/* The set keys in [i, j] (all set), read with one call; a failed read is retried page by
 * page, and a page that cannot be read is skipped. */
static struct pm_error *set_run(struct pm_physset *s, struct window_buf *w, uint64_t i,
				uint64_t j, pm_page_bytes_fn fn, void *ctx, bool *go)
{
	struct pm_source *src = s->pm->src;
	struct pm_view v;
	struct pm_error *err = open_window(src, w, s->phase + i * PM_PAGE_SIZE, j - i + 1, false, &v);
	if (err == &pm_enomem)
		return err;
	if (!err) {
		for (uint64_t p = i; p <= j && *go; p++)
			*go = fn(ctx, v.data + (p - i) * PM_PAGE_SIZE);
		return NULL;
	}
	pm_error_destroy(err);
	for (uint64_t p = i; p <= j && *go; p++) {
		err = open_window(src, w, s->phase + p * PM_PAGE_SIZE, 1, false, &v);
		if (err == &pm_enomem)
			return err;
		if (!err)
			*go = fn(ctx, v.data);
		pm_error_destroy(err);
	}
	return NULL;
}

/* One window of the set: the keys in [k, last], @p n of them set. */
static struct pm_error *set_window(struct pm_physset *s, struct window_buf *w, uint64_t k,
				   uint64_t last, uint64_t n, pm_page_bytes_fn fn, void *ctx,
				   bool *go)
{
	struct pm_source *src = s->pm->src;
	if (n >= SET_MAP_MIN_PAGES && pm_source_can_map(src)) {
		struct pm_view v;
		struct pm_error *err = open_window(src, w, s->phase + k * PM_PAGE_SIZE, last - k + 1,
						   true, &v);
		if (err == &pm_enomem)
			return err;
		if (!err) {
			uint64_t i = k;
			while (*go) {
				uint64_t next = i < last ? next_key(s, i + 1) : last + 1;
				if (next <= last)
					prefetch_page(v.data + (next - k) * PM_PAGE_SIZE);
				*go = fn(ctx, v.data + (i - k) * PM_PAGE_SIZE);
				if (next > last)
					break;
				i = next;
			}
			pm_source_unview(src, &v);
			return NULL;
		}
		pm_error_destroy(err); /* read instead */
	}
	/* few pages, or a source that does not map: one read per run of adjacent pages */
	for (uint64_t i = k; i <= last && *go;) {
		if (!key_set(s, i)) {
			i++;
			continue;
		}
		uint64_t j = i;
		while (j + 1 <= last && key_set(s, j + 1))
			j++;
		PM_TRY(set_run(s, w, i, j, fn, ctx, go));
		i = j + 1;
	}
	return NULL;
}

struct pm_error *pm_physset_stream(struct pm_physset *s, pm_page_bytes_fn fn, void *ctx)
{
	struct window_buf w = { NULL };
	struct pm_error *err = NULL;
	bool go = true;
	for (uint64_t k = next_key(s, 0); go && k < s->nkeys;) {
		/* the window: set keys from k up to PM_STREAM_PAGES pages on */
		uint64_t end = s->nkeys - k < PM_STREAM_PAGES ? s->nkeys : k + PM_STREAM_PAGES;
		uint64_t last = k, n = 0;
		for (uint64_t i = k; i < end; i = next_key(s, i + 1)) {
			last = i;
			n++;
		}
		pm_source_will_need(s->pm->src, s->phase + (last + 1) * PM_PAGE_SIZE,
				    (uint64_t)PM_STREAM_PAGES * PM_PAGE_SIZE);
		if ((err = set_window(s, &w, k, last, n, fn, ctx, &go)))
			break;
		k = next_key(s, last + 1);
	}
	for (size_t i = 0; !err && go && i < s->nodd; i++) {
		struct pm_view v;
		struct pm_error *e1 = open_window(s->pm->src, &w, s->odd[i], 1, false, &v);
		if (e1 == &pm_enomem)
			err = e1;
		else if (!e1)
			go = fn(ctx, v.data);
		else
			pm_error_destroy(e1); /* unreadable: skipped */
	}
	free(w.buf);
	return err;
}
