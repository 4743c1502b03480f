/* SPDX-License-Identifier: MIT */
/**
 * @file samples.h
 * Driver evidence an engineer can check: a few allocations of the suspect tag, with address,
 * size, pool and first bytes, as WinDbg's `!poolfind TAG` then `db ADDR` would give them.
 *
 * Candidates come from the big-page table and, where the pool pages were scanned (`--scan`
 * on a build before 19H1, whose small-pool pages are classic POOL_HEADER pages), from the
 * small-pool pages. The chosen ones are the largest first, then one of each other size, then
 * the next largest. Each one's first bytes are read through the dump; a page the dump does
 * not hold says so with its reason (never zeros).
 */
#ifndef PM_SAMPLES_H
#define PM_SAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "info.h"

enum {
	PM_SAMPLES_MAX = 5,     /**< allocations shown */
	PM_SAMPLE_HEAD = 64,    /**< first bytes read of each (db ADDR L40) */
	PM_SAMPLE_SMALL_MAX = 64, /**< small-pool chunks of the tag looked at, at most */
};

enum pm_sample_from { PM_SAMPLE_BIG, PM_SAMPLE_SMALL };

struct pm_sample {
	enum pm_sample_from from;
	uint64_t addr;     /**< big: the allocation; small: its POOL_HEADER (as !poolfind lists it) */
	uint64_t bytes;    /**< big: its size; small: the block, header included */
	const char *pool;  /**< "nonpaged", "paged", ...; NULL when the entry says nothing */
	uint64_t shown;    /**< bytes asked for at addr (within the allocation) */
	bool read;
	uint8_t head[PM_SAMPLE_HEAD];
	const char *absent; /**< not read: why ("not_captured", "paged_out", ...) */
	char why[200];      /**< not read: the error's words */
};

struct pm_samples {
	bool wanted;        /**< there is a suspect tag */
	uint32_t tag;
	bool is64;          /**< how WinDbg writes the addresses */
	struct pm_sample s[PM_SAMPLES_MAX];
	size_t n;
	bool big_looked;
	uint64_t big_found;  /**< live big allocations of the tag */
	char big_note[200];  /**< why the big-page table was not looked at */
	bool small_looked;
	uint64_t small_found; /**< chunks of the tag in the small-pool pages looked at */
	bool small_capped;    /**< stopped at PM_SAMPLE_SMALL_MAX chunks */
	char small_note[240]; /**< why the small pool was not looked at */
};

/** Collect samples of @p tag (0: none wanted). Never fails: what could not be looked at, or
 * read, is said in @p ret. */
void pm_samples_collect(const struct pm_info *in, uint32_t tag, struct pm_samples *ret);

#endif
