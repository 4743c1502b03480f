// SPDX-License-Identifier: MIT
// The page map's counting and extents, and the physical streams: the portable popcount
// against POPCNT and a bit loop, a bitmap read in place against a naive walk, extents against
// page-by-page lookups, streams in file order with each page once and unreadable pages skipped.
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "physmem.h"

static uint32_t rng = 777;
static uint32_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static uint64_t rnd64(void)
{
	return (uint64_t)rnd() << 40 ^ (uint64_t)rnd() << 20 ^ rnd();
}

static void test_popcount(void)
{
	enum { N = 1000 };
	uint8_t *w = malloc(N * 8);
	for (size_t i = 0; i < N * 8; i++)
		w[i] = (uint8_t)rnd();
	memset(w, 0, 8);                /* edge words: none, all, one bit */
	memset(w + 8, 0xFF, 8);
	w[16] = 0x80;
	uint64_t naive = 0;
	for (size_t i = 0; i < N * 8; i++)
		for (int b = 0; b < 8; b++)
			naive += w[i] >> b & 1;
	CHECK_EQ_U64(pm_popcount_le64(w, N, false), naive);
	/* the POPCNT path (or, without it, the portable one again) agrees word by word */
	for (size_t k = 0; k < N; k++)
		CHECK_EQ_U64(pm_popcount_le64(w + 8 * k, 1, true),
			     pm_popcount_le64(w + 8 * k, 1, false));
	CHECK_EQ_U64(pm_popcount_le64(w, N, true), naive);
	CHECK_EQ_U64(pm_popcount_le64(w, 0, true), 0);
	/* the rank table, both paths, against a running naive count: whole blocks, a last block
	 * cut short (N = 1000 words is 125 blocks; nfull = 997 cuts the last), blocks past nfull */
	enum { NB = N / 8 + 2 };
	uint64_t rk_sw[NB], rk_hw[NB], nfull = N - 3;
	uint64_t tot_sw = pm_popcount_rank(w, nfull, rk_sw, NB, false);
	uint64_t tot_hw = pm_popcount_rank(w, nfull, rk_hw, NB, true);
	uint64_t run = 0;
	for (uint64_t b = 0; b < NB; b++) {
		CHECK_EQ_U64(rk_sw[b], run);
		CHECK_EQ_U64(rk_hw[b], run);
		for (uint64_t k = 8 * b; k < 8 * b + 8 && k < nfull; k++)
			run += pm_popcount_le64(w + 8 * k, 1, false);
	}
	CHECK_EQ_U64(tot_sw, run);
	CHECK_EQ_U64(tot_hw, run);
	CHECK_EQ_U64(pm_popcount_rank(w, 0, rk_hw, 1, true), 0);
	CHECK_EQ_U64(rk_hw[0], 0);
	fprintf(stderr, "POPCNT %s\n", pm_popcount_hw() ? "used" : "not available");
	free(w);
}

/* A bitmap dump image: the bitmap at 0x100 (nbits bits, not a multiple of 8 or 64), pages
 * from first_page. */
static void test_bitmap_at(void)
{
	const uint64_t nbits = 1203, first = 0x1000;
	uint8_t set[1203];
	uint64_t present = 0;
	for (uint64_t p = 0; p < nbits; p++) {
		/* runs of set and clear bits of varying length, so that extents cross words */
		set[p] = (p / 37 + p / 101) % 3 != 0;
		present += set[p];
	}
	size_t fsize = (size_t)first + (size_t)present * PM_PAGE_SIZE;
	uint8_t *file = calloc(1, fsize);
	for (uint64_t p = 0; p < nbits; p++)
		if (set[p])
			file[0x100 + p / 8] |= (uint8_t)(1u << (p % 8));
	file[0x100 + nbits / 8] |= 0x80; /* a stray bit past nbits in the last byte: ignored */
	uint64_t k = 0;
	for (uint64_t p = 0; p < nbits; p++)
		if (set[p])
			memcpy(file + first + k++ * PM_PAGE_SIZE, &p, sizeof(p));
	struct pm_source *src;
	CHECK_OK(pm_source_open_mem(file, fsize, "bitmap", &src));
	struct pm_pagemap pm;
	CHECK_OK(pm_pagemap_init_bitmap_at(&pm, src, 0x100, nbits, first));
	CHECK_EQ_U64(pm.pages_present, present);
	uint64_t rank = 0, last = 0;
	for (uint64_t p = 0; p < nbits + 100; p++) {
		uint64_t off = 0, n = 0;
		bool in = p < nbits && set[p];
		CHECK((pm_pagemap_locate(&pm, p, &off) == PM_PAGE_OK) == in);
		if (!in) {
			CHECK(pm_pagemap_extent(&pm, p, 64, &off, &n) == PM_PAGE_NOT_CAPTURED);
			continue;
		}
		last = p + 1;
		CHECK_EQ_U64(off, first + rank * PM_PAGE_SIZE);
		uint64_t run = 0;
		while (p + run < nbits && set[p + run])
			run++;
		CHECK(pm_pagemap_extent(&pm, p, 1000, &off, &n) == PM_PAGE_OK);
		CHECK_EQ_U64(n, run);
		CHECK_EQ_U64(off, first + rank * PM_PAGE_SIZE);
		CHECK(pm_pagemap_extent(&pm, p, 5, &off, &n) == PM_PAGE_OK);
		CHECK_EQ_U64(n, run < 5 ? run : 5);
		rank++;
	}
	CHECK_EQ_U64(pm.pfn_limit, last);
	/* next present page */
	uint64_t q = 0, seen = 0;
	while (pm_pagemap_next(&pm, &q)) {
		CHECK(set[q]);
		seen++;
		q++;
	}
	CHECK_EQ_U64(seen, present);
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
	free(file);
}

struct order {
	uint64_t n, last, bad;
	bool by_pfn;
};

static bool on_pfn(void *ctx, uint64_t pfn, const uint8_t *page)
{
	struct order *o = ctx;
	uint64_t tag;
	memcpy(&tag, page, 8);
	o->bad += tag != pfn || (o->n && pfn <= o->last);
	o->last = pfn;
	o->n++;
	return true;
}

static bool on_bytes(void *ctx, const uint8_t *page)
{
	struct order *o = ctx;
	uint64_t where;
	memcpy(&where, page + 8, 8); /* the page's place in the file */
	o->bad += o->n && where <= o->last;
	o->last = where;
	o->n++;
	return true;
}

/* Runs laid out of PFN order in the file; the file cut inside the last run. */
static void test_streams(void)
{
	enum { PAGES = 3000 };
	size_t fsize = (size_t)PAGES * PM_PAGE_SIZE - 100; /* the last page is cut */
	uint8_t *file = calloc(1, (size_t)PAGES * PM_PAGE_SIZE);
	struct pm_phys_run *r = calloc(3, sizeof(*r));
	r[0] = (struct pm_phys_run){ 1600, 1000, 2000 * PM_PAGE_SIZE };  /* file pages 2000-2999 */
	r[1] = (struct pm_phys_run){ 100, 1500, 0 };                     /* file pages 0-1499 */
	r[2] = (struct pm_phys_run){ 3000, 500, 1500 * PM_PAGE_SIZE };   /* file pages 1500-1999 */
	for (unsigned i = 0; i < 3; i++)
		for (uint64_t k = 0; k < r[i].count; k++) {
			uint64_t at = r[i].file_off + k * PM_PAGE_SIZE, pfn = r[i].pfn + k;
			memcpy(file + at, &pfn, 8);
			memcpy(file + at + 8, &at, 8);
		}
	struct pm_source *src;
	CHECK_OK(pm_source_open_mem(file, fsize, "runs", &src));
	struct pm_pagemap pm;
	CHECK_OK(pm_pagemap_init_runs(&pm, src, r, 3));
	struct order o = { 0, 0, 0, true };
	uint64_t unreadable = 0;
	CHECK_OK(pm_physmem_stream(&pm, 0, UINT64_MAX, 0, on_pfn, &o, &unreadable));
	CHECK_EQ_U64(o.n, PAGES - 1);
	CHECK_EQ_U64(o.bad, 0);
	CHECK_EQ_U64(unreadable, 1);
	/* a PFN range */
	memset(&o, 0, sizeof(o));
	CHECK_OK(pm_physmem_stream(&pm, 1000, 2100, 2048, on_pfn, &o, NULL));
	CHECK_EQ_U64(o.n, 1100);
	CHECK_EQ_U64(o.bad, 0);
	/* a set: pages named in a scattered order, some twice, streamed in file order, once */
	struct pm_physset *set;
	CHECK_OK(pm_physset_create(&pm, &set));
	uint64_t want = 0;
	for (unsigned i = 0; i < 4000; i++) {
		uint64_t pfn = rnd64() % 7000;
		bool added;
		enum pm_page_status st = pm_physset_add(set, pfn << 12, &added);
		uint64_t off;
		CHECK(st == pm_pagemap_locate(&pm, pfn, &off));
		want += added;
	}
	CHECK_EQ_U64(pm_physset_count(set), want);
	memset(&o, 0, sizeof(o));
	CHECK_OK(pm_physset_stream(set, on_bytes, &o));
	CHECK_EQ_U64(o.n, want);
	CHECK_EQ_U64(o.bad, 0);
	pm_physset_destroy(set);
	/* physmem reads across run boundaries: page by page the same bytes */
	uint8_t a[3 * PM_PAGE_SIZE], b[3 * PM_PAGE_SIZE];
	uint64_t pa = (1598ull << 12) + 7;
	CHECK_OK(pm_physmem_read(&pm, pa, a, sizeof(a) - 7)); /* PFN 1599 | 1600: file 1499 | 2000 */
	for (size_t k = 0; k < sizeof(a) - 7; k += 100) {
		size_t n = sizeof(a) - 7 - k < 100 ? sizeof(a) - 7 - k : 100;
		CHECK_OK(pm_physmem_read(&pm, pa + k, b + k, n));
	}
	CHECK(!memcmp(a, b, sizeof(a) - 7));
	CHECK_ERR(pm_physmem_read(&pm, 2598ull << 12, a, 2 * PM_PAGE_SIZE), PM_ERR_TRUNCATED);
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
	free(file);
}

int main(void)
{
	test_popcount();
	test_bitmap_at();
	test_streams();
	return TEST_RESULT();
}
