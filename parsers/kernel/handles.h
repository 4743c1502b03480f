/* SPDX-License-Identifier: MIT */
/**
 * @file handles.h
 * L5, a process's handle table (_HANDLE_TABLE), walked as a stream: TableCode's low two bits
 * give the levels (0: one page of entries; 1: a page of 512 pointers to such pages; 2: a page
 * of pointers to level-1 pages), NextHandleNeedingPool bounds the handle values allocated, and
 * every in-use entry leads to an _OBJECT_HEADER whose TypeIndex (decoded, objtype.h) names
 * the object's type. Handles are counted per type; nothing per handle is kept.
 *
 * An entry is in use when its object pointer is not 0 and it is not the reserved first entry
 * of a table page (its second qword, or on 7601 its NextFreeTableEntry, is -2:
 * EX_ADDITIONAL_INFO_SIGNATURE). The object pointer is Object & ~7 (7601: the three low bits
 * are the handle attributes) or, from 9600 on, ObjectPointerBits (bits 20..63) shifted left by
 * 4 and sign-extended: `(LONG_PTR)entry >> 16 & ~0xF` (volatility3 plugins/windows/handles.py,
 * a1961401, `_decode_pointer`, and the ISF bitfield of the facts table).
 *
 * Nothing is attributed on trust: the table must belong to the process (its UniqueProcessId),
 * every pointer must be a canonical, aligned kernel address, and an object counts for a type
 * only if its header is in the dump, decodes to a type the kernel has, and holds a handle
 * count between 1 and 2^24. Everything else is counted by why it was not attributed. Memory:
 * three table pages and a bounded page cache for the headers (pm_obj_cache).
 */
#ifndef PM_HANDLES_H
#define PM_HANDLES_H

#include <stdbool.h>
#include <stdint.h>

#include "objprofile.h"
#include "objtype.h"
#include "pm-error.h"
#include "vtop.h"

/** Windows' limit on handles per table (MAX_HANDLES, 1 << 24). */
enum { PM_MAX_HANDLES = 1 << 24, PM_HT_LOW = 256, PM_HT_MID = 512 };

struct pm_handle_visit {
	uint64_t handle; /**< the handle value (entry index * 4) */
	uint64_t header; /**< its _OBJECT_HEADER */
	unsigned type;   /**< decoded type index */
};

/** Called for each attributed handle; return false to stop the walk. */
typedef bool (*pm_handle_fn)(void *ctx, const struct pm_handle_visit *h);

struct pm_htable_stats {
	uint64_t table;           /**< the _HANDLE_TABLE */
	unsigned levels;
	uint64_t limit;           /**< NextHandleNeedingPool: handle values below it exist */
	uint64_t slots;           /**< entries examined */
	uint64_t handles;         /**< attributed to a type */
	uint64_t free;            /**< free entries */
	uint64_t bad_pointer;     /**< object pointer not a kernel object header address */
	uint64_t header_absent;   /**< header not in the dump */
	uint64_t bad_header;      /**< type index unknown or handle count implausible */
	uint64_t pages_absent;    /**< table pages not read (their entries are unseen) */
	uint64_t unseen;          /**< entries in those pages */
	bool has_kernel_count;    /**< _HANDLE_TABLE.HandleCount (7601 only) */
	uint64_t kernel_count;
	uint64_t per_type[PM_MAX_OBJ_TYPES];
	bool stopped;             /**< ended early: callback, budget or a structural problem */
	char problem[240];        /**< the first problem met ("" if none) */
};

/** A cache of object-header pages (direct-mapped, @p pages slots of 4 KiB, misses and absent
 * pages remembered), shared by every walk of one dump. */
struct pm_obj_cache;
struct pm_error *pm_obj_cache_new(const struct pm_vmem *vm, unsigned pages,
				  struct pm_obj_cache **ret);
void pm_obj_cache_destroy(struct pm_obj_cache *c);
/** Read through the cache (crossing pages); the error is that of the absent page. */
struct pm_error *pm_obj_cache_read(struct pm_obj_cache *c, uint64_t va, void *buf, size_t len);

/**
 * Walk the table at @p table of the process @p pid. Errors (nothing counted): the
 * _HANDLE_TABLE unreadable or not this process's, TableCode's level 3, a limit beyond what
 * the levels hold. Problems inside (absent pages, bad entries) are counted in @p st and the
 * first named in st->problem. @p budget: entries the caller still allows (decremented; the
 * walk stops when it reaches 0).
 */
struct pm_error *pm_htable_walk(struct pm_obj_cache *c, const struct pm_obj_layout *L,
				const struct pm_obj_types *ts, uint64_t table, uint64_t pid,
				uint64_t *budget, pm_handle_fn fn, void *ctx,
				struct pm_htable_stats *st);

#endif
