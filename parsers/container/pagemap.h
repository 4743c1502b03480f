/* SPDX-License-Identifier: MIT */
/**
 * @file pagemap.h
 * L1, a container's page map: PFN -> file offset, or "not captured".
 *
 * Built once by the container back-end (the physical-memory layer above reads through it),
 * from a run/range list (sorted, binary-searched) or a bitmap (read in place from the file
 * where it maps, with a precomputed rank table: one cumulative count per 512 bits, so a lookup
 * is one array read plus at most eight popcounts, never a count over the bitmap; POPCNT where
 * the processor has it, chosen at run time). A page whose computed
 * offset lies beyond the end of the file is "beyond EOF" (a truncated dump), which is
 * reported separately from "not captured".
 */
#ifndef PM_PAGEMAP_H
#define PM_PAGEMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-error.h"
#include "source.h"

enum { PM_PAGE_SIZE = 4096, PM_PAGE_SHIFT = 12 };

enum pm_page_status { PM_PAGE_OK, PM_PAGE_NOT_CAPTURED, PM_PAGE_BEYOND_EOF };

struct pm_phys_run {
	uint64_t pfn;
	uint64_t count;
	uint64_t file_off; /**< file offset of the run's first page */
};

struct pm_pagemap {
	struct pm_source *src; /**< borrowed */
	struct pm_phys_run *runs;
	size_t nruns;
	const uint8_t *bits; /**< the bitmap as stored: bit p is bit (p & 7) of byte p >> 3 */
	uint64_t *rank;      /**< rank[i] = set bits before bit 512 * i */
	uint64_t nbits;
	uint64_t nfull;      /**< 64-bit words wholly inside the bitmap */
	uint64_t tail;       /**< the last, partial word (bits past nbits cleared) */
	uint64_t (*popcount)(const uint8_t *words, size_t n); /**< chosen at init */
	void *bits_owned;    /**< private: what to free */
	struct pm_view bits_view; /**< private: the mapped bitmap */
	uint64_t first_page;
	uint64_t pages_present;   /**< pages the container says it holds */
	uint64_t pfn_limit;       /**< highest PFN + 1 described by the container */
	uint64_t pages_beyond_eof; /**< of pages_present, how many lie past the end of the file */
};

/** Take ownership of @p runs (any order); overlaps are an error. */
struct pm_error *pm_pagemap_init_runs(struct pm_pagemap *pm, struct pm_source *src,
				      struct pm_phys_run *runs, size_t nruns);
/** Take ownership of @p words (nbits bits, rounded up to 64); pages stored from first_page. */
struct pm_error *pm_pagemap_init_bitmap(struct pm_pagemap *pm, struct pm_source *src,
					uint64_t *words, uint64_t nbits, uint64_t first_page);
/**
 * The bitmap of @p nbits bits stored in @p src at @p bitmap_off (bit p is bit (p & 7) of
 * byte p >> 3), mapped in place where the source maps, else read; pages stored from
 * @p first_page. The bitmap must lie inside the source (checked: PM_ERR_TRUNCATED).
 */
struct pm_error *pm_pagemap_init_bitmap_at(struct pm_pagemap *pm, struct pm_source *src,
					   uint64_t bitmap_off, uint64_t nbits,
					   uint64_t first_page);
/** An empty physical space (triage dumps). */
void pm_pagemap_init_empty(struct pm_pagemap *pm, struct pm_source *src);
void pm_pagemap_deinit(struct pm_pagemap *pm);

/** Where page @p pfn is stored. Writes *off_ret only for PM_PAGE_OK. */
enum pm_page_status pm_pagemap_locate(const struct pm_pagemap *pm, uint64_t pfn,
				      uint64_t *off_ret);

/** Next present page at or after *pfn; false when there is none. */
bool pm_pagemap_next(const struct pm_pagemap *pm, uint64_t *pfn);

/**
 * The pages from @p pfn on (at most @p max) that are present and lie one after another in the
 * file: *count_ret of them (at least 1), the first at file offset *off_ret. Any other status
 * is @p pfn's own (as pm_pagemap_locate()), with nothing written.
 */
enum pm_page_status pm_pagemap_extent(const struct pm_pagemap *pm, uint64_t pfn, uint64_t max,
				      uint64_t *off_ret, uint64_t *count_ret);

/**
 * Set bits in @p n little-endian 64-bit words at @p words: with the POPCNT instruction when
 * @p hw and the processor has it (pm_popcount_hw()), else by the portable code. Exposed so
 * that the two can be tested against each other.
 */
uint64_t pm_popcount_le64(const uint8_t *words, size_t n, bool hw);
/**
 * The rank table of @p nfull whole little-endian words: rank[b] = set bits before word 8 * b,
 * for b < @p nblocks (a block past nfull counts only the words before nfull); returns the set
 * bits of all nfull words. POPCNT under the same condition as pm_popcount_le64(). Exposed so
 * that the two paths can be tested against each other.
 */
uint64_t pm_popcount_rank(const uint8_t *words, uint64_t nfull, uint64_t *rank,
			  uint64_t nblocks, bool hw);
/** Whether this processor has POPCNT (the bitmap rank then uses it). */
bool pm_popcount_hw(void);

#endif
