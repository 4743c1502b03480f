/* SPDX-License-Identifier: MIT */
/**
 * @file holders.h
 * Who holds it: the processes (PsActiveProcessHead), their handles counted per object type,
 * each type's pool tag as the kernel records it, the pool quota and private commit charged to
 * each process, and the big pool allocations billed to processes (Server 2022 and later).
 *
 * The layout comes from the kernel's symbols when they were found, else from the built-in
 * rows of the builds the real-kernel facts cover (objprofile.h); every part is present or
 * absent with its reason, and each figure says where it came from. The handle walk streams:
 * memory is the process list, one compact (type, count) list per process and a fixed header
 * page cache, whatever the number of handles.
 */
#ifndef PM_HOLDERS_H
#define PM_HOLDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "billed.h"
#include "handles.h"
#include "info.h"
#include "objprofile.h"
#include "objtype.h"
#include "pm-absent.h"
#include "process.h"
#include "summary.h"

/** One process's handles of one type. */
struct pm_type_count {
	uint8_t type;
	uint64_t handles;
};

struct pm_holder_proc {
	struct pm_process p;
	bool walked;            /**< its handle table was walked (see the counts) */
	enum pm_absent why;     /**< why not */
	char absent[240];       /**< why not, in words */
	uint64_t handles;       /**< attributed to a type */
	uint64_t unattributed;  /**< in-use entries not attributed (bad pointer or header) */
	uint64_t header_absent; /**< entries whose object header is not in the dump */
	uint64_t unseen;        /**< entries in table pages not in the dump */
	bool has_kernel_count;  /**< _HANDLE_TABLE.HandleCount (7601) */
	uint64_t kernel_count;
	char problem[240];      /**< the first problem inside the table */
	struct pm_type_count *types; /**< by type index */
	size_t ntypes;
};

struct pm_holders {
	bool gathered;
	bool has_layout;
	struct pm_obj_layout layout;
	/* each part absent: a reason of the one vocabulary (pm-absent.h) and its detail */
	enum pm_absent layout_why, procs_why, types_why, handles_why, billed_why;
	char layout_absent[400];
	bool from_symbols;
	bool has_procs;
	struct pm_processes procs; /**< the list (procs.items), System first */
	struct pm_holder_proc *p;  /**< procs.n entries, same order */
	char procs_absent[400];
	bool has_types;
	struct pm_obj_types *types;
	char types_absent[400];
	bool has_handles;          /**< the handle tables were walked (some may have failed) */
	char handles_absent[400];
	uint64_t per_type[PM_MAX_OBJ_TYPES]; /**< handles counted, all processes */
	uint64_t handles, unattributed, header_absent, unseen;
	unsigned tables_walked, tables_failed;
	bool budget_spent;
	bool has_billed;
	struct pm_billed billed;
	char billed_absent[400];
};

/** Walk everything the dump allows (the pool must have been gathered for the billed part). */
void pm_holders_gather(struct pm_info *in, struct pm_holders *h);
void pm_holders_deinit(struct pm_holders *h);
/** The layout and the process list only (no handles, types or billing): what `vm` needs for
 * its per-process commit list. */
void pm_holders_gather_procs(struct pm_info *in, struct pm_holders *h);

/** The process of @p eprocess, or NULL. */
const struct pm_holder_proc *pm_holders_proc_at(const struct pm_holders *h, uint64_t eprocess);

/** The rules' view (summary.h: processes, types with their top holders, billed groups). */
struct pm_error *pm_holders_summarize(const struct pm_holders *h, struct pm_sum_holders *ret);

/** pm_holders_gather() then pm_holders_summarize(): what pm_summary_build() adds. */
struct pm_error *pm_holders_into_summary(struct pm_info *in, struct pm_sum_holders *ret);

/** Entries the handle walk of one dump reads at most (a crafted dump cannot make it run for
 * ever: 2^27 entries is 8 times the most handles a real table may hold). */
enum { PM_HOLDERS_BUDGET = 1 << 27, PM_HOLDERS_CACHE_PAGES = 256 };

#endif
