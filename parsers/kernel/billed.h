/* SPDX-License-Identifier: MIT */
/**
 * @file billed.h
 * L5, big pool allocations billed to processes. From 20348 (Server 2022) the big-page table
 * entry carries ProcessBilled (+0x18, the facts table), stored as
 * `EPROCESS ^ ExpPoolQuotaCookie ^ Va`, and as `ExpPoolQuotaCookie ^ Va` (decoding to 0) when
 * no quota is charged (pool-internals.md §1.7, from decompiled ExpAddTagForBigPages /
 * ExReturnPoolQuota).
 *
 * The cookie comes from the symbols, or without them is derived from the entries themselves:
 * the value `ProcessBilled ^ Va` most entries share (the uncharged ones), the big table's own
 * entry, and — to tell the cookie from `cookie ^ EPROCESS` when one process is billed for most
 * entries — the kernel's writable sections, where ExpPoolQuotaCookie is stored. A candidate is
 * used only if every entry then decodes to 0 or to a process on the process list; entries that
 * decode to anything else are counted, never attributed.
 */
#ifndef PM_BILLED_H
#define PM_BILLED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "objprofile.h"
#include "pe.h"
#include "pool.h"
#include "vtop.h"

/** The charged allocations of one tag billed to one process. */
struct pm_billed_group {
	uint64_t process; /**< the _EPROCESS billed */
	uint32_t tag;
	uint64_t count, bytes;
};

struct pm_billed {
	uint64_t cookie;
	char cookie_how[200];
	uint64_t live;        /**< live entries examined */
	uint64_t charged;     /**< decoded to a process on the list */
	uint64_t uncharged;   /**< decoded to 0 */
	uint64_t unexplained; /**< decoded to something else: not attributed */
	uint64_t unreadable;  /**< table pages not in the dump (entries) */
	uint64_t dropped;     /**< charged, but beyond PM_MAX_BILLED_GROUPS groups */
	struct pm_billed_group *groups; /**< by (process, tag), largest bytes first */
	size_t n;
};

enum { PM_MAX_BILLED_GROUPS = 1 << 16 };

/**
 * Read ProcessBilled of every live entry of @p big (already read by pm_bigpool_read) and
 * attribute them. @p eprocs: the _EPROCESS addresses of the process list, sorted ascending.
 * @p have_cookie / @p cookie: the symbols' ExpPoolQuotaCookie; without it the cookie is
 * derived (@p kernel_base / @p kpe for the writable-section check; @p kpe may be NULL).
 * PM_ERR_PROFILE when the layout has no ProcessBilled (before 20348); PM_ERR_NOT_PRESENT when
 * no cookie can be settled.
 */
struct pm_error *pm_billed_read(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				const struct pm_bigpool *big, const uint64_t *eprocs, size_t neprocs,
				bool have_cookie, uint64_t cookie, uint64_t kernel_base,
				const struct pm_pe_info *kpe, struct pm_billed *ret);
void pm_billed_deinit(struct pm_billed *b);

#endif
