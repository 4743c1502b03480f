/* SPDX-License-Identifier: MIT */
/**
 * @file pagemap.h
 * L1, a container's page map: PFN -> file offset, or "not captured".
 *
 * Built once by the container back-end (the physical-memory layer above reads through it), from a run/range list (sorted, binary-searched) or a
 * bitmap (with a precomputed rank table: one cumulative count per 64-bit word, so a lookup is
 * one array read plus one popcount, never a count over the bitmap). A page whose computed
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
	uint64_t *bits; /**< bitmap words, LSB-first (bit p = bit p&63 of word p>>6) */
	uint64_t *rank; /**< rank[i] = set bits in words [0, i) */
	uint64_t nbits;
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
/** An empty physical space (triage dumps). */
void pm_pagemap_init_empty(struct pm_pagemap *pm, struct pm_source *src);
void pm_pagemap_deinit(struct pm_pagemap *pm);

/** Where page @p pfn is stored. Writes *off_ret only for PM_PAGE_OK. */
enum pm_page_status pm_pagemap_locate(const struct pm_pagemap *pm, uint64_t pfn,
				      uint64_t *off_ret);

/** Next present page at or after *pfn; false when there is none. */
bool pm_pagemap_next(const struct pm_pagemap *pm, uint64_t *pfn);

#endif
