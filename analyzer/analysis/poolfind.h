/* SPDX-License-Identifier: MIT */
/**
 * @file poolfind.h
 * `pool DUMP ADDR`: which pool allocation an address belongs to (what WinDbg's !pool answers):
 * a big allocation of the big-page table (live or freed), or a chunk of a classic small-pool
 * page (before 19H1) with the page's other chunks around it, or of a segment-heap subsegment
 * (19H1+: a VS chunk or an LFH block, with its neighbours on the page).
 */
#ifndef PM_POOLFIND_H
#define PM_POOLFIND_H

#include <stdbool.h>
#include <stdint.h>

#include "info.h"
#include "poolscan.h"
#include "segheap.h"

enum pm_pool_where {
	PM_POOL_NONE,      /**< no allocation found: why says why */
	PM_POOL_BIG,       /**< inside a live big allocation */
	PM_POOL_BIG_FREED, /**< inside a freed big-table slot (stale tag and size) */
	PM_POOL_SMALL,     /**< in a classic small-pool page: chunks[hit] holds it */
	PM_POOL_SEGHEAP,   /**< in a segment-heap allocation (19H1+): sh.blocks[sh.hit] holds it */
};

enum { PM_POOL_PAGE_CHUNKS = 512 };

struct pm_pool_at {
	enum pm_pool_where where;
	uint64_t addr;
	uint64_t base;  /**< the allocation's first byte (small: its POOL_HEADER) */
	uint64_t bytes; /**< its size (small: the block, header included) */
	uint32_t tag;
	const char *pool; /**< "nonpaged", "paged", ...; NULL when the entry says nothing */
	uint64_t page;    /**< small: the page's address */
	struct pm_chunk chunks[PM_POOL_PAGE_CHUNKS]; /**< small: the page's chunks, in order */
	size_t nchunks, hit;
	/** 19H1+: the segment-heap answer (sh.kind != PM_SH_NONE: a subsegment was found, even
	 * when no allocation of it holds the address; sh.limits: what could not be told) */
	struct pm_sh_at sh;
	char why[448];    /**< NONE: what was looked at and why nothing matched */
};

/** Find the allocation holding @p addr (pm_info_gather_pool() must have run). Never fails:
 * what cannot be looked at is said in @p ret->why. */
void pm_pool_at(const struct pm_info *in, uint64_t addr, struct pm_pool_at *ret);

#endif
