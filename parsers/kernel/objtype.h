/* SPDX-License-Identifier: MIT */
/**
 * @file objtype.h
 * L5, the kernel's object types: nt!ObTypeIndexTable (an array of _OBJECT_TYPE pointers; slot 0
 * is NULL, slot 1 the freed-object marker 0xbad0b0b0, slot 2 the "Type" type, then one per
 * type up to a NULL), each type's name, index, counts and — the link from a pool tag to a type
 * — its Key: the pool tag the kernel allocates that type's objects with. No hand-written tag
 * table: the tags are read from the kernel's own types.
 *
 * And the decoding of _OBJECT_HEADER.TypeIndex: from 14393 on it is stored as
 * `index ^ ObHeaderCookie ^ (header_address >> 8)` (low byte; volatility3
 * framework/symbols/windows/extensions/pool.py, a1961401, `get_object_type`). The cookie comes
 * from the symbols, or is derived from the type objects themselves: every _OBJECT_TYPE is an
 * object of the "Type" type, so each gives `stored ^ (header >> 8) ^ index("Type")`; all must
 * agree (and a cookie from the symbols must agree with them) before it is used.
 */
#ifndef PM_OBJTYPE_H
#define PM_OBJTYPE_H

#include <stdbool.h>
#include <stdint.h>

#include "objprofile.h"
#include "pe.h"
#include "pm-error.h"
#include "vtop.h"

enum { PM_MAX_OBJ_TYPES = 256, PM_MIN_OBJ_TYPES = 8 };
/** ObTypeIndexTable[1]: the index freed objects' headers get, never a type */
#define PM_OBJ_FREED_MARKER UINT64_C(0xBAD0B0B0)

struct pm_obj_type {
	bool present;
	uint64_t va;           /**< the _OBJECT_TYPE */
	char name[64];
	uint32_t key;          /**< pool tag of its objects, protected bit (31) masked */
	bool has_objects, has_handles;
	uint32_t objects, handles; /**< TotalNumberOfObjects / TotalNumberOfHandles */
	bool has_pool_type;
	uint32_t pool_type;    /**< TypeInfo.PoolType */
};

struct pm_obj_types {
	uint64_t table;        /**< &ObTypeIndexTable */
	char table_how[160];   /**< "ObTypeIndexTable (PDB)", "found in the kernel's .data at ..." */
	unsigned n;            /**< slots read: types are 2..n-1 */
	struct pm_obj_type t[PM_MAX_OBJ_TYPES];
	/* TypeIndex decoding */
	bool encoded;          /**< 14393+: stored ^ cookie ^ (header >> 8) */
	uint8_t cookie;
	char cookie_how[160];  /**< "ObHeaderCookie (PDB), agrees with 40 type objects", ... */
	unsigned type_type;    /**< index of the "Type" type */
};

/** Read the table at @p table and its types (names, keys, counts). At least PM_MIN_OBJ_TYPES
 * types with Index equal to their slot, slot 2 named "Type", else an error. */
struct pm_error *pm_obj_types_read(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				   uint64_t table, struct pm_obj_types *ret);

/** Look for ObTypeIndexTable in the kernel's writable sections (no symbols): slot 0 NULL,
 * slot 1 the marker, slot 2 a kernel pointer to a type named "Type" of Index 2; the match is
 * then read in full by pm_obj_types_read(). PM_ERR_NOT_PRESENT when nothing fits. */
struct pm_error *pm_obj_types_find(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				   uint64_t kernel_base, const struct pm_pe_info *kpe,
				   struct pm_obj_types *ret);

/**
 * Settle TypeIndex decoding on @p ts: with @p have_cookie (the symbols' ObHeaderCookie) check it
 * against the type objects; without, derive it from them. A layout with type_index_encoded
 * false must see every type object's TypeIndex equal to the "Type" type's index. Errors when
 * the type objects disagree (the cookie, or the layout, does not fit).
 */
struct pm_error *pm_obj_types_cookie(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				     struct pm_obj_types *ts, bool have_cookie, uint8_t cookie,
				     const char *cookie_source);

/** The type index an object header at @p header stores as @p stored (decoded when encoded). */
static inline unsigned pm_obj_type_index(const struct pm_obj_types *ts, uint64_t header,
					 uint8_t stored)
{
	return ts->encoded ? (unsigned)(uint8_t)(stored ^ ts->cookie ^ (uint8_t)(header >> 8))
			   : stored;
}

/**
 * Call @p fn for every 8-byte-aligned qword of the kernel's writable sections (page by page;
 * pages not in the dump are skipped and counted in *missing_ret). @p fn gets the qword's
 * address and the qwords at it and the next two (0 past the end); returning false stops.
 */
typedef bool (*pm_kdata_fn)(void *ctx, uint64_t va, const uint64_t q[3]);
struct pm_error *pm_kdata_scan(const struct pm_vmem *vm, uint64_t kernel_base,
			       const struct pm_pe_info *kpe, pm_kdata_fn fn, void *ctx,
			       uint64_t *missing_ret);

#endif
