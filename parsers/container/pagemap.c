// SPDX-License-Identifier: MIT
// L1: the page map of a container, PFN -> file offset, for run lists and bitmaps (crashdump-format.md §2.2, §2.3, §2.5).
#include <endian.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pagemap.h"
#include "pm-reader.h"

static int run_cmp(const void *a, const void *b)
{
	const struct pm_phys_run *x = a, *y = b;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static void count_beyond_eof(struct pm_pagemap *pm)
{
	uint64_t size = pm->src->size;
	pm->pages_beyond_eof = 0;
	if (pm->runs) {
		for (size_t i = 0; i < pm->nruns; i++) {
			const struct pm_phys_run *r = &pm->runs[i];
			if (r->file_off >= size) {
				pm->pages_beyond_eof += r->count;
				continue;
			}
			uint64_t whole = (size - r->file_off) / PM_PAGE_SIZE;
			if (whole < r->count)
				pm->pages_beyond_eof += r->count - whole;
		}
	} else if (pm->bits) {
		uint64_t fit = 0;
		if (size > pm->first_page)
			fit = (size - pm->first_page) / PM_PAGE_SIZE;
		if (fit < pm->pages_present)
			pm->pages_beyond_eof = pm->pages_present - fit;
	}
}

struct pm_error *pm_pagemap_init_runs(struct pm_pagemap *pm, struct pm_source *src,
				      struct pm_phys_run *runs, size_t nruns)
{
	memset(pm, 0, sizeof(*pm));
	pm->src = src;
	if (nruns > 1) /* qsort() wants a non-null base even for 0 */
		qsort(runs, nruns, sizeof(*runs), run_cmp);
	uint64_t total = 0;
	for (size_t i = 0; i < nruns; i++) {
		uint64_t end;
		if (pm_ckd_add(&end, runs[i].pfn, runs[i].count)) {
			struct pm_error *err = pm_err(PM_ERR_FORMAT, "run at PFN %#" PRIx64 " of %"
						      PRIu64 " pages overflows", runs[i].pfn,
						      runs[i].count);
			free(runs);
			return err;
		}
		if (i + 1 < nruns && end > runs[i + 1].pfn) {
			struct pm_error *err = pm_err(
				PM_ERR_FORMAT, "runs overlap: the run of %" PRIu64 " pages at PFN %#"
				PRIx64 " (its pages at file offset %#" PRIx64 ") ends at PFN %#" PRIx64
				", past the start of the run at PFN %#" PRIx64 " (file offset %#"
				PRIx64 ")", runs[i].count, runs[i].pfn, runs[i].file_off, end,
				runs[i + 1].pfn, runs[i + 1].file_off);
			free(runs);
			return err;
		}
		if (end > pm->pfn_limit)
			pm->pfn_limit = end;
		total += runs[i].count;
	}
	pm->runs = runs;
	pm->nruns = nruns;
	pm->pages_present = total;
	count_beyond_eof(pm);
	return NULL;
}

/* ---- popcount: POPCNT where the processor has it, chosen at run time ------------------- */

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return le64toh(w);
}

/* The portable count (no table, no libgcc call): bits summed in ever wider fields. */
static inline uint64_t pc_portable(uint64_t w)
{
	w = w - ((w >> 1) & 0x5555555555555555ull);
	w = (w & 0x3333333333333333ull) + ((w >> 2) & 0x3333333333333333ull);
	w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0Full;
	return (w * 0x0101010101010101ull) >> 56;
}

static uint64_t count_portable(const uint8_t *p, size_t n)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += pc_portable(le64_at(p + 8 * i));
	return c;
}

enum { RANK_WORDS = 8 }; /* one cumulative count per 512 bits (a cache line of the bitmap) */
enum { RANK_AHEAD = 4096 }; /* prefetch distance: the next page's line, ahead of the prefetcher */

/* The rank table in one pass: rank[b] = set bits before block b (RANK_WORDS words each) of the
 * nfull whole words at p; returns their total. Whole blocks count their eight words in two
 * independent sums; the count is inlined, not called per block. */
#define RANK_LOOP(PC)                                                                          \
	uint64_t acc = 0;                                                                      \
	for (uint64_t b = 0; b < nblocks; b++) {                                               \
		rank[b] = acc;                                                                 \
		const uint8_t *q = p + 8 * RANK_WORDS * b;                                     \
		uint64_t w0 = b * RANK_WORDS;                                                  \
		if (w0 + RANK_WORDS <= nfull) {                                                \
			if (w0 + RANK_WORDS + RANK_AHEAD / 8 <= nfull)                         \
				__builtin_prefetch(q + RANK_AHEAD);                            \
			uint64_t a0 = PC(le64_at(q)) + PC(le64_at(q + 8)) +                    \
				      PC(le64_at(q + 16)) + PC(le64_at(q + 24));               \
			uint64_t a1 = PC(le64_at(q + 32)) + PC(le64_at(q + 40)) +              \
				      PC(le64_at(q + 48)) + PC(le64_at(q + 56));               \
			acc += a0 + a1;                                                        \
		} else {                                                                       \
			for (uint64_t w = w0; w < nfull; w++)                                  \
				acc += PC(le64_at(p + 8 * w));                                 \
		}                                                                              \
	}                                                                                      \
	return acc;

static uint64_t rank_portable(const uint8_t *p, uint64_t nfull, uint64_t *rank, uint64_t nblocks)
{
	RANK_LOOP(pc_portable)
}

#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
__attribute__((target("popcnt"))) static uint64_t count_hw(const uint8_t *p, size_t n)
{
	uint64_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += (uint64_t)__builtin_popcountll(le64_at(p + 8 * i));
	return c;
}

__attribute__((target("popcnt"))) static uint64_t rank_hw(const uint8_t *p, uint64_t nfull,
							   uint64_t *rank, uint64_t nblocks)
{
	RANK_LOOP((uint64_t)__builtin_popcountll)
}

bool pm_popcount_hw(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("popcnt");
}
#else
static uint64_t count_hw(const uint8_t *p, size_t n)
{
	return count_portable(p, n);
}

static uint64_t rank_hw(const uint8_t *p, uint64_t nfull, uint64_t *rank, uint64_t nblocks)
{
	return rank_portable(p, nfull, rank, nblocks);
}

bool pm_popcount_hw(void)
{
	return false;
}
#endif

uint64_t pm_popcount_le64(const uint8_t *words, size_t n, bool hw)
{
	return hw && pm_popcount_hw() ? count_hw(words, n) : count_portable(words, n);
}

uint64_t pm_popcount_rank(const uint8_t *words, uint64_t nfull, uint64_t *rank,
			  uint64_t nblocks, bool hw)
{
	return hw && pm_popcount_hw() ? rank_hw(words, nfull, rank, nblocks)
				      : rank_portable(words, nfull, rank, nblocks);
}

/* ---- bitmaps ------------------------------------------------------------------------------ */

static uint64_t bm_word(const struct pm_pagemap *pm, uint64_t i)
{
	return i < pm->nfull ? le64_at(pm->bits + 8 * i) : pm->tail;
}

/* Rank table, total and highest PFN + 1, over pm->bits (nbytes stored bytes). */
static struct pm_error *bitmap_index(struct pm_pagemap *pm, uint64_t nbits, size_t nbytes)
{
	pm->nbits = nbits;
	pm->nfull = nbits / 64;
	pm->tail = 0;
	if (nbits % 64) {
		/* Bits past nbits are not pages: the partial last word keeps only the bitmap's bits
		 * (vol3 issue #509: bit counts that are not a multiple of 32). */
		for (size_t b = (size_t)pm->nfull * 8, k = 0; b < nbytes && k < 8; b++, k++)
			pm->tail |= (uint64_t)pm->bits[b] << (8 * k);
		pm->tail &= (UINT64_C(1) << (nbits % 64)) - 1;
	}
	pm->popcount = pm_popcount_hw() ? count_hw : count_portable;
	uint64_t nwords = (nbits + 63) / 64, nblocks = (nwords + RANK_WORDS - 1) / RANK_WORDS;
	pm->rank = malloc((size_t)(nblocks ? nblocks : 1) * sizeof(*pm->rank));
	if (!pm->rank)
		return &pm_enomem;
	uint64_t acc = pm_popcount_rank(pm->bits, pm->nfull, pm->rank, nblocks,
					pm->popcount == count_hw);
	acc += pc_portable(pm->tail);
	pm->pages_present = acc;
	/* highest set bit: from the end, the first non-zero word */
	pm->pfn_limit = 0;
	for (uint64_t i = nwords; i-- > 0;) {
		uint64_t w = bm_word(pm, i);
		if (w) {
			pm->pfn_limit = i * 64 + 64 - (uint64_t)__builtin_clzll(w);
			break;
		}
	}
	count_beyond_eof(pm);
	return NULL;
}

struct pm_error *pm_pagemap_init_bitmap(struct pm_pagemap *pm, struct pm_source *src,
					uint64_t *words, uint64_t nbits, uint64_t first_page)
{
	memset(pm, 0, sizeof(*pm));
	pm->src = src;
	uint64_t nwords = (nbits + 63) / 64;
	/* host words -> the stored form, little-endian bytes, in place */
	for (uint64_t i = 0; i < nwords; i++)
		words[i] = htole64(words[i]);
	pm->bits_owned = words;
	pm->bits = (const uint8_t *)words;
	pm->first_page = first_page;
	struct pm_error *err = bitmap_index(pm, nbits, (size_t)nwords * 8);
	if (err)
		pm_pagemap_deinit(pm);
	return err;
}

struct pm_error *pm_pagemap_init_bitmap_at(struct pm_pagemap *pm, struct pm_source *src,
					   uint64_t bitmap_off, uint64_t nbits,
					   uint64_t first_page)
{
	memset(pm, 0, sizeof(*pm));
	pm->src = src;
	uint64_t nbytes = (nbits + 7) / 8;
	if (nbytes > SIZE_MAX / 2)
		return pm_err(PM_ERR_LIMIT, "bitmap of %" PRIu64 " bits", nbits);
	uint8_t *buf = NULL;
	if (!pm_source_can_map(src) && !(buf = malloc((size_t)nbytes ? (size_t)nbytes : 1)))
		return &pm_enomem;
	struct pm_error *err = pm_source_view(src, bitmap_off, (size_t)nbytes, buf, "bitmap",
					      &pm->bits_view);
	if (err && !buf && pm_err_code(err) != PM_ERR_TRUNCATED) { /* did not map: read it */
		pm_error_destroy(err);
		if (!(buf = malloc((size_t)nbytes ? (size_t)nbytes : 1)))
			return &pm_enomem;
		err = pm_source_view(src, bitmap_off, (size_t)nbytes, buf, "bitmap", &pm->bits_view);
	}
	if (err) {
		free(buf);
		return err;
	}
	pm->bits_owned = buf;
	pm->bits = pm->bits_view.data;
	pm->first_page = first_page;
	err = bitmap_index(pm, nbits, (size_t)nbytes);
	if (err)
		pm_pagemap_deinit(pm);
	return err;
}

void pm_pagemap_init_empty(struct pm_pagemap *pm, struct pm_source *src)
{
	memset(pm, 0, sizeof(*pm));
	pm->src = src;
}

void pm_pagemap_deinit(struct pm_pagemap *pm)
{
	free(pm->runs);
	if (pm->bits_view.data)
		pm_source_unview(pm->src, &pm->bits_view);
	free(pm->bits_owned);
	free(pm->rank);
	memset(pm, 0, sizeof(*pm));
}

/* Runs: the run holding @p pfn, or the first run after it (nruns when none). */
static size_t run_at_or_after(const struct pm_pagemap *pm, uint64_t pfn)
{
	size_t lo = 0, hi = pm->nruns;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct pm_phys_run *r = &pm->runs[mid];
		if (pfn - r->pfn < r->count && pfn >= r->pfn)
			return mid;
		if (pfn < r->pfn)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* Bitmap: set bits before @p pfn (pfn < nbits). */
static uint64_t bm_rank(const struct pm_pagemap *pm, uint64_t pfn)
{
	uint64_t wi = pfn >> 6, b0 = wi / RANK_WORDS * RANK_WORDS;
	uint64_t r = pm->rank[wi / RANK_WORDS];
	uint64_t full = wi < pm->nfull ? wi : pm->nfull;
	if (full > b0)
		r += pm->popcount(pm->bits + 8 * b0, (size_t)(full - b0));
	unsigned b = (unsigned)(pfn & 63);
	if (b)
		r += pc_portable(bm_word(pm, wi) & ((UINT64_C(1) << b) - 1));
	return r;
}

static bool bm_test(const struct pm_pagemap *pm, uint64_t pfn)
{
	return pfn < pm->nbits && (bm_word(pm, pfn >> 6) >> (pfn & 63) & 1);
}

/* Where @p pfn is stored, if the map holds it (no EOF check). */
static bool stored_at(const struct pm_pagemap *pm, uint64_t pfn, uint64_t *off)
{
	if (pm->runs) {
		size_t i = run_at_or_after(pm, pfn);
		if (i == pm->nruns || pfn < pm->runs[i].pfn)
			return false;
		*off = pm->runs[i].file_off + (pfn - pm->runs[i].pfn) * PM_PAGE_SIZE;
		return true;
	}
	if (pm->bits && bm_test(pm, pfn)) {
		*off = pm->first_page + bm_rank(pm, pfn) * PM_PAGE_SIZE;
		return true;
	}
	return false;
}

enum pm_page_status pm_pagemap_locate(const struct pm_pagemap *pm, uint64_t pfn,
				      uint64_t *off_ret)
{
	uint64_t off;
	if (!stored_at(pm, pfn, &off))
		return PM_PAGE_NOT_CAPTURED;
	if (pm->src->ops->has_page && !pm->src->ops->has_page(pm->src, pfn))
		return PM_PAGE_NOT_CAPTURED;
	/* Offsets are bounded by the validated file layout; check EOF per page. */
	if (off > pm->src->size || pm->src->size - off < PM_PAGE_SIZE)
		return PM_PAGE_BEYOND_EOF;
	*off_ret = off;
	return PM_PAGE_OK;
}

enum pm_page_status pm_pagemap_extent(const struct pm_pagemap *pm, uint64_t pfn, uint64_t max,
				      uint64_t *off_ret, uint64_t *count_ret)
{
	uint64_t off;
	enum pm_page_status st = pm_pagemap_locate(pm, pfn, &off);
	if (st != PM_PAGE_OK)
		return st;
	uint64_t n = 1;
	if (pm->runs) {
		const struct pm_phys_run *r = &pm->runs[run_at_or_after(pm, pfn)];
		n = r->count - (pfn - r->pfn);
	} else {
		/* consecutive set bits from pfn: consecutive in the file */
		uint64_t p = pfn;
		while (p < pm->nbits && p - pfn < max) {
			uint64_t w = ~bm_word(pm, p >> 6) >> (p & 63);
			uint64_t ones = w ? (uint64_t)__builtin_ctzll(w) : 64 - (p & 63);
			p += ones;
			if (ones == 0 || (p & 63))
				break;
		}
		n = p - pfn;
		if (p > pm->nbits)
			n = pm->nbits - pfn;
	}
	if (n > max)
		n = max;
	uint64_t fit = (pm->src->size - off) / PM_PAGE_SIZE; /* >= 1: checked by locate */
	if (n > fit)
		n = fit;
	/* A source that says per page whether it holds it (libkdumpfile) reads page by page
	 * anyway, so it is asked for one page at a time: read a window at a time, libkdumpfile
	 * 0.5.1 crashed inside kdump_read() on a kdump file cut in half (the
	 * container-kdump-half test). */
	if (pm->src->ops->has_page)
		n = 1;
	*off_ret = off;
	*count_ret = n;
	return PM_PAGE_OK;
}

bool pm_pagemap_next(const struct pm_pagemap *pm, uint64_t *pfn)
{
	uint64_t p = *pfn;
	if (pm->runs) {
		size_t i = run_at_or_after(pm, p); /* runs are sorted */
		if (i == pm->nruns)
			return false;
		*pfn = p < pm->runs[i].pfn ? pm->runs[i].pfn : p;
		return true;
	}
	if (pm->bits) {
		while (p < pm->nbits) {
			uint64_t w = bm_word(pm, p >> 6) >> (p & 63);
			if (w) {
				p += (uint64_t)__builtin_ctzll(w);
				if (p >= pm->nbits)
					return false;
				*pfn = p;
				return true;
			}
			p = (p | 63) + 1;
		}
	}
	return false;
}
