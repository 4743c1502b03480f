/* SPDX-License-Identifier: MIT */
/**
 * @file objprofile.h
 * L4, the profile of the holder walks: where the process, handle-table and object fields live
 * (_EPROCESS, _HANDLE_TABLE, _HANDLE_TABLE_ENTRY, _OBJECT_HEADER, _OBJECT_TYPE,
 * _MM_SESSION_SPACE.SessionId, _POOL_TRACKER_BIG_PAGES.ProcessBilled), as data.
 *
 * Two sources, one shape: the built-in layouts of the x64 build families the real-kernel facts
 * cover (fixtures/facts/ntkrnlmp-x64.json: 213 ntkrnlmp.pdb of 7601..22000, each family's
 * offsets identical in every one of its kernels), or the kernel's own PDB/ISF. Either layout is
 * checked by pm_obj_layout_check() before a walker uses it (every field inside its structure,
 * the widths the walkers decode), and the walkers check the bytes they read against it
 * (plausibility) before any figure is trusted.
 *
 * x64 only: the facts are of x64 kernels, and the handle-table entry forms of 32-bit kernels
 * are not modelled.
 */
#ifndef PM_OBJPROFILE_H
#define PM_OBJPROFILE_H

#include <stdbool.h>
#include <stdint.h>

#include "pm-diag.h"
#include "pm-error.h"
#include "symtab.h"

/* id, structure, member (dotted path), required by the walks */
#define PM_OBJ_FIELDS(X)                                                                   \
	X(EP_PID, "_EPROCESS", "UniqueProcessId", true)                                    \
	X(EP_LINKS, "_EPROCESS", "ActiveProcessLinks", true)                               \
	X(EP_NAME, "_EPROCESS", "ImageFileName", true)                                     \
	X(EP_OBJTABLE, "_EPROCESS", "ObjectTable", true)                                   \
	X(EP_PARENT, "_EPROCESS", "InheritedFromUniqueProcessId", false)                   \
	X(EP_CREATE, "_EPROCESS", "CreateTime", false)                                     \
	X(EP_COMMIT, "_EPROCESS", "CommitCharge", false)                                   \
	X(EP_COMMIT_PEAK, "_EPROCESS", "CommitChargePeak", false)                          \
	X(EP_QUOTA_USAGE, "_EPROCESS", "ProcessQuotaUsage", false)                         \
	X(EP_QUOTA_PEAK, "_EPROCESS", "ProcessQuotaPeak", false)                           \
	X(EP_SESSION, "_EPROCESS", "Session", false)                                       \
	X(EP_THREADS, "_EPROCESS", "ActiveThreads", false)                                 \
	X(HT_CODE, "_HANDLE_TABLE", "TableCode", true)                                     \
	X(HT_NEXT, "_HANDLE_TABLE", "NextHandleNeedingPool", true)                         \
	X(HT_COUNT, "_HANDLE_TABLE", "HandleCount", false)                                 \
	X(HT_PID, "_HANDLE_TABLE", "UniqueProcessId", false)                               \
	X(HTE_OBJECT, "_HANDLE_TABLE_ENTRY", "Object", false)                              \
	X(HTE_OBJBITS, "_HANDLE_TABLE_ENTRY", "ObjectPointerBits", false)                  \
	X(HTE_NEXTFREE, "_HANDLE_TABLE_ENTRY", "NextFreeTableEntry", false)                \
	X(HTE_HIGH, "_HANDLE_TABLE_ENTRY", "HighValue", false)                             \
	X(OH_TYPEIDX, "_OBJECT_HEADER", "TypeIndex", true)                                 \
	X(OH_BODY, "_OBJECT_HEADER", "Body", true)                                         \
	X(OH_HANDLES, "_OBJECT_HEADER", "HandleCount", false)                              \
	X(OT_NAME, "_OBJECT_TYPE", "Name", true)                                           \
	X(OT_INDEX, "_OBJECT_TYPE", "Index", true)                                         \
	X(OT_KEY, "_OBJECT_TYPE", "Key", true)                                             \
	X(OT_OBJECTS, "_OBJECT_TYPE", "TotalNumberOfObjects", false)                       \
	X(OT_HANDLES, "_OBJECT_TYPE", "TotalNumberOfHandles", false)                       \
	X(OT_POOLTYPE, "_OBJECT_TYPE", "TypeInfo.PoolType", false)                         \
	X(SS_ID, "_MM_SESSION_SPACE", "SessionId", false)                                  \
	X(BIG_BILLED, "_POOL_TRACKER_BIG_PAGES", "ProcessBilled", false)

enum pm_obj_field {
#define X(id, type, member, req) PM_OF_##id,
	PM_OBJ_FIELDS(X)
#undef X
	PM_OBJ_NFIELDS
};

/* the structures whose sizes a layout records (the read windows) */
#define PM_OBJ_TYPES(X)                                                                    \
	X(EPROCESS, "_EPROCESS")                                                           \
	X(HANDLE_TABLE, "_HANDLE_TABLE")                                                   \
	X(HTE, "_HANDLE_TABLE_ENTRY")                                                      \
	X(OBJECT_HEADER, "_OBJECT_HEADER")                                                 \
	X(OBJECT_TYPE, "_OBJECT_TYPE")                                                     \
	X(SESSION, "_MM_SESSION_SPACE")                                                    \
	X(BIG_ENTRY, "_POOL_TRACKER_BIG_PAGES")

enum pm_obj_struct {
#define X(id, name) PM_OT_##id,
	PM_OBJ_TYPES(X)
#undef X
	PM_OBJ_NTYPES
};

/** One member: @p size bytes at @p off; a bitfield has bitlen > 0. */
struct pm_obj_fld {
	bool present;
	uint32_t off, size;
	uint8_t bitpos, bitlen;
};

struct pm_obj_layout {
	char name[96];       /**< "built-in 19041 (x64)", "PDB ntkrnlmp.pdb" */
	const char *source;  /**< "built-in", "PDB", "ISF" */
	char provenance[240]; /**< where the figures come from */
	uint32_t family;     /**< built-in: the build family (19041 for 19041..19045); 0 symbols */
	/** _OBJECT_HEADER.TypeIndex is stored encoded with nt!ObHeaderCookie (14393 and later) */
	bool type_index_encoded;
	/** big-page entries carry an encoded ProcessBilled (nt!ExpPoolQuotaCookie exists) */
	bool has_quota_cookie;
	uint32_t size[PM_OBJ_NTYPES]; /**< 0: structure not described */
	struct pm_obj_fld f[PM_OBJ_NFIELDS];
};

/** Static names of a field ("_EPROCESS.UniqueProcessId") for messages. */
const char *pm_obj_field_type(enum pm_obj_field f);
const char *pm_obj_field_member(enum pm_obj_field f);
const char *pm_obj_type_name(enum pm_obj_struct t);

/** The build family whose built-in layout serves @p build (19041 for 19042..19045, 18362 for
 * 18363), 0 when the facts cover none. */
uint32_t pm_obj_family(uint32_t build);

/**
 * The built-in layout for an x64 kernel of @p build. PM_ERR_PROFILE, naming the build and the
 * families covered, when there is none: the walks are then absent, never guessed.
 */
struct pm_error *pm_obj_layout_builtin(uint32_t build, struct pm_obj_layout *ret);

/**
 * The layout the kernel's symbols give; members they lack stay absent (a required one makes
 * the whole layout fail). What was missing is said in @p notes. Validated like a built-in
 * one.
 */
struct pm_error *pm_obj_layout_from_symbols(struct pm_symtab *t, struct pm_obj_layout *ret,
					    struct pm_diags *notes);

/** Whether @p L can be walked with: required fields present, every field inside its
 * structure, structures of sane sizes, the widths the walkers decode. */
struct pm_error *pm_obj_layout_check(const struct pm_obj_layout *L);

/** Limits on structure sizes taken from symbols (bytes read per object). */
enum { PM_OBJ_MAX_STRUCT = 0x2000 };

#endif
