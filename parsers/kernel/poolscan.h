/* SPDX-License-Identifier: MIT */
/**
 * @file poolscan.h
 * The pool-page scan (`--scan`): every present kernel page is tested for the classic
 * small-pool page layout (pool-internals.md §1.1-§1.5): POOL_HEADERs laid back to back from
 * the page start, PreviousSize chained, BlockSizes summing exactly to the page, allocated
 * chunks with printable tags. Allocated chunks are counted per tag and pool.
 *
 * Windows 10 19H1 (18362) and later keep small allocations in segment-heap subsegments
 * whose layout needs ExPoolState / RtlpHpHeapGlobals (§1.10): pm_pool_scan() refuses those
 * builds with PM_ERR_UNSUPPORTED rather than count garbage, and segheap.h fills the same
 * struct pm_scan from the kernel's symbols.
 */
#ifndef PM_POOLSCAN_H
#define PM_POOLSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtop.h"

struct pm_scan_tag {
	uint32_t tag;
	uint64_t np_count, np_bytes, p_count, p_bytes;
};

/** How the chunks were found. */
enum pm_scan_method {
	PM_SCAN_PAGES,   /**< every present kernel page parsed as a classic pool page (< 19H1) */
	PM_SCAN_SEGHEAP, /**< the segment heap walked from ExPoolState (19H1+, symbols) */
};

struct pm_scan {
	enum pm_scan_method method;
	uint64_t pages_examined; /**< kernel pages looked at */
	uint64_t pool_pages;     /**< of those, pages with a valid small-pool layout (pages of
				      valid subsegments for the segment heap) */
	uint64_t subsegments;    /**< segment heap: LFH and VS subsegments decoded */
	uint64_t undecoded;      /**< segment heap: subsegments and segment lists that did not
				      decode (their chunks are not counted) */
	uint64_t chunks, free_chunks;
	uint64_t bytes_read;
	uint64_t tables_missing; /**< page tables not in the dump (their pages not examined) */
	struct pm_scan_tag *tags; /**< sorted by tag */
	size_t ntags;
};

enum pm_pool_era { PM_ERA_NT5, PM_ERA_NT6, PM_ERA_SEGHEAP };
enum pm_pool_era pm_pool_era(uint32_t build);

/** Chunk seen by the page parser. */
struct pm_chunk {
	unsigned offset, size;
	uint32_t tag;
	bool allocated, paged;
};

/**
 * Parse one page as a classic small-pool page. Returns the number of chunks written to
 * @p out (at most @p max), or 0 if the page is not a pool page. Pure: used by the scan and
 * by the fuzzer.
 */
size_t pm_pool_page_parse(const uint8_t *page, bool is64, enum pm_pool_era era,
			  struct pm_chunk *out, size_t max);

struct pm_error *pm_pool_scan(const struct pm_vmem *vm, uint32_t build, struct pm_scan *ret);
void pm_scan_deinit(struct pm_scan *s);

#endif
