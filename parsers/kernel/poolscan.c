// SPDX-License-Identifier: MIT
// Pool-page scan over every present kernel page (pool-internals.md §1.1-§1.5).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "poolscan.h"

enum pm_pool_era pm_pool_era(uint32_t build)
{
	if (build <= 3790)
		return PM_ERA_NT5;
	return build < 18362 ? PM_ERA_NT6 : PM_ERA_SEGHEAP;
}

static bool printable(uint32_t tag)
{
	tag &= 0x7FFFFFFF;
	for (int i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(tag >> (8 * i));
		if (c < 0x20 || c > 0x7E)
			return false;
	}
	return true;
}

size_t pm_pool_page_parse(const uint8_t *page, bool is64, enum pm_pool_era era,
			  struct pm_chunk *out, size_t max)
{
	/* x86: 8-byte header, 8-byte units, 9-bit sizes; x64: 16 bytes, 16-byte units (§1.1-1.2) */
	const unsigned unit = is64 ? 16 : 8, units = 4096 / unit;
	unsigned pos = 0, prev_size = 0, n = 0, allocated = 0;
	if (era == PM_ERA_SEGHEAP)
		return 0;
	while (pos < units) {
		const uint8_t *h = page + pos * unit;
		unsigned prev, size, type;
		if (is64) {
			prev = h[0];
			size = h[2];
			type = h[3];
		} else {
			unsigned w0 = (unsigned)(h[0] | h[1] << 8), w1 = (unsigned)(h[2] | h[3] << 8);
			prev = w0 & 0x1FF;
			size = w1 & 0x1FF;
			type = w1 >> 9;
		}
		uint32_t tag = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 |
			       (uint32_t)h[7] << 24;
		/* chain invariants (§1.4): sizes >= 1, PreviousSize = previous BlockSize, the page
		 * covered exactly */
		if (size == 0 || size > units - pos || prev != prev_size)
			return 0;
		bool alloc = type != 0; /* free chunks have PoolType 0 before 19H1 (§1.5) */
		if (alloc && !printable(tag))
			return 0;
		if (n < max) {
			out[n].offset = pos * unit;
			out[n].size = size * unit;
			out[n].tag = tag & 0x7FFFFFFF;
			out[n].allocated = alloc;
			/* XP/2003 store ((type & 0x69) + 1) | 4: nonpaged is odd; Vista+ store
			 * (type & 0x6D) | 2: paged is odd (§1.3) */
			out[n].paged = era == PM_ERA_NT5 ? !(type & 1) : (type & 1);
		}
		n++;
		allocated += alloc;
		prev_size = size;
		pos += size;
	}
	return allocated && n <= max ? n : 0;
}

struct scan_state {
	const struct pm_vmem *vm;
	bool is64;
	enum pm_pool_era era;
	struct pm_scan *s;
	struct pm_physset *pages; /* the pages to parse: each frame once, read in file order */
	struct pm_scan_tag *tags;
	size_t ntags, cap;
	bool oom;
};

static struct pm_scan_tag *tag_slot(struct scan_state *st, uint32_t tag)
{
	/* binary search in the sorted array; tags are few (hundreds to thousands) */
	size_t lo = 0, hi = st->ntags;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (st->tags[mid].tag < tag)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < st->ntags && st->tags[lo].tag == tag)
		return &st->tags[lo];
	if (st->ntags == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		struct pm_scan_tag *t = realloc(st->tags, cap * sizeof(*t));
		if (!t) {
			st->oom = true;
			return NULL;
		}
		st->tags = t;
		st->cap = cap;
	}
	memmove(&st->tags[lo + 1], &st->tags[lo], (st->ntags - lo) * sizeof(*st->tags));
	memset(&st->tags[lo], 0, sizeof(*st->tags));
	st->tags[lo].tag = tag;
	st->ntags++;
	return &st->tags[lo];
}

/* The page tables name a kernel page: gather it (a frame mapped twice is examined once). */
static bool on_page(void *ctx, uint64_t va, uint64_t pa)
{
	(void)va;
	struct scan_state *st = ctx;
	bool added;
	pm_physset_add(st->pages, pa, &added);
	return true;
}

/* One gathered page, in file order. */
static bool parse_page(void *ctx, const uint8_t *page)
{
	struct scan_state *st = ctx;
	st->s->pages_examined++;
	st->s->bytes_read += PM_PAGE_SIZE;
	struct pm_chunk ch[512];
	size_t n = pm_pool_page_parse(page, st->is64, st->era, ch, 512);
	if (!n)
		return true;
	st->s->pool_pages++;
	for (size_t i = 0; i < n; i++) {
		st->s->chunks++;
		if (!ch[i].allocated) {
			st->s->free_chunks++;
			continue;
		}
		struct pm_scan_tag *t = tag_slot(st, ch[i].tag);
		if (!t)
			return false;
		if (ch[i].paged) {
			t->p_count++;
			t->p_bytes += ch[i].size;
		} else {
			t->np_count++;
			t->np_bytes += ch[i].size;
		}
	}
	return true;
}

struct pm_error *pm_pool_scan(const struct pm_vmem *vm, uint32_t build, struct pm_scan *ret)
{
	enum pm_pool_era era = pm_pool_era(build);
	if (era == PM_ERA_SEGHEAP)
		return pm_err(PM_ERR_UNSUPPORTED, "build %u keeps small pool allocations in the "
			      "segment heap; walking it needs ExPoolState and RtlpHpHeapGlobals "
			      "(symbols), so the pool-page scan is not available without them",
			      build);
	struct pm_scan s;
	memset(&s, 0, sizeof(s));
	struct scan_state st = { vm, pm_vmem_ptr_size(vm) == 8, era, &s, NULL, NULL, 0, 0, false };
	/* First the page tables (small), then the pages they name, streamed in the order they lie
	 * in the dump: the file is read forwards in large windows, not a page at a time in VA
	 * order. */
	PM_TRY(pm_physset_create(vm->pm, &st.pages));
	pm_vmem_walk_kernel(vm, on_page, &st, &s.tables_missing);
	struct pm_error *err = pm_physset_stream(st.pages, parse_page, &st);
	pm_physset_destroy(st.pages);
	if (err || st.oom) {
		free(st.tags);
		return err ? err : &pm_enomem;
	}
	s.tags = st.tags;
	s.ntags = st.ntags;
	*ret = s;
	return NULL;
}

void pm_scan_deinit(struct pm_scan *s)
{
	free(s->tags);
	memset(s, 0, sizeof(*s));
}
