/* SPDX-License-Identifier: MIT */
/**
 * @file profile.h
 * L4, the profile: the layouts of the kernel structures the pool readers use, as data —
 * built-in per-build tables (pool_layouts.c) or taken from the kernel's PDB/ISF
 * (symprofile.c) — and the pool variables' addresses the symbols give.
 */
#ifndef PM_PROFILE_H
#define PM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-diag.h"
#include "symtab.h"
#include "vtop.h"

/** A counter field inside a tracker entry: off + width <= the entry's stride. */
struct pm_field_loc {
	unsigned off, width; /* width 4 or 8 */
};

struct pm_tracker_layout {
	const char *name; /**< "x64-0x28 (2003..1703)" */
	unsigned stride;
	struct pm_field_loc key, np_allocs, np_frees, np_bytes, p_allocs, p_frees, p_bytes;
};

enum pm_big_size_kind { PM_BIG_PAGES, PM_BIG_BYTES };
enum pm_big_type_kind { PM_BIG_TYPE_NONE, PM_BIG_TYPE_U32, PM_BIG_TYPE_BITS8_19 };

struct pm_big_layout {
	const char *name;
	unsigned stride;
	unsigned key_off;
	enum pm_big_size_kind size_kind;
	struct pm_field_loc size;
	enum pm_big_type_kind type_kind;
	unsigned type_off;
};

struct pm_desc_field {
	unsigned off, width;
};

struct pm_desc_layout {
	const char *name;
	bool split; /**< 1703+: allocated/deallocated page counters instead of totals */
	struct pm_desc_field ra, rd, pages, big, pa, pd, ba, bd;
};

/**
 * What the kernel's PDB or ISF says about the pool (tier 3): variable addresses and entry
 * layouts. has_* false where the symbols do not say (or say something unusable); the readers
 * then fall back to the built-in search for that part.
 */
/** Which kind of symbol file gave a layout or an address. */
enum pm_sym_format { PM_SYMFMT_PDB, PM_SYMFMT_ISF };

struct pm_pool_syms {
	const char *source; /**< "PDB" or "ISF" (for messages) */
	enum pm_sym_format format; /**< the same, for decisions */
	bool has_ptt, has_ptt_size, has_tag_tables, has_big, has_expansion, has_session;
	uint64_t ptt_var, ptt_size_var, tag_tables_var, big_var, big_size_var;
	uint64_t exp_var, exp_size_var; /**< PoolTrackTableExpansion, ...Size */
	uint64_t session_var, session_size_var; /**< ExpSessionPoolTrackTable, ...Size */
	const char *session_name; /**< what session_var is, for messages */
	/** 22000: no ExpSessionPoolTrackTable; the table is the current session's
	 * _MM_SESSION_SPACE.PoolTags (a pointer at session_tags_off), its size still
	 * ExpSessionPoolTrackTableSize (session_size_var) */
	bool has_session_tags_member;
	uint64_t session_tags_off;
	bool has_tracker;
	struct pm_tracker_layout tracker;
	char tracker_name[96];
	bool has_big_layout;
	struct pm_big_layout big;
	char big_name[96];
	bool has_desc_layout; /**< _POOL_DESCRIPTOR (a kernel that has pool descriptors) */
	struct pm_desc_layout desc;
	char desc_name[96];
};

/*
 * Symbol-given layouts are untrusted: a crafted or damaged PDB/ISF can say anything. Every
 * offset, width and size the readers use from the symbols goes through the checks below first,
 * and a symbol file that contradicts itself is reported as such (PM_ERR_BAD_SYMBOLS, the
 * message naming the file, the type and the member), never silently used or silently dropped.
 */

/** The largest structure size believed from symbols (the kernel's are far smaller). */
enum { PM_MAX_SYM_STRUCT = 1 << 20 };

/**
 * Member @p path (dotted) of @p type, checked against the type it is read from: the type's
 * size is 1..PM_MAX_SYM_STRUCT, the member lies inside it (offset + size <= sizeof(type), no
 * wrap), and a bitfield's bits lie inside its storage unit of 1..8 bytes. PM_ERR_PROFILE when
 * the symbols do not have the type or member (an older or newer kernel); PM_ERR_BAD_SYMBOLS
 * when they contradict themselves.
 */
struct pm_error *pm_sym_member(struct pm_symtab *t, const char *type, const char *path,
			       struct pm_field *ret);
/** sizeof(@p type), 1..PM_MAX_SYM_STRUCT; errors as pm_sym_member(). */
struct pm_error *pm_sym_type_size(struct pm_symtab *t, const char *type, uint64_t *ret);
/** The address of global @p name in the image mapped at @p kb; PM_ERR_BAD_SYMBOLS when its
 * RVA puts it beyond the address space. */
struct pm_error *pm_sym_global(struct pm_symtab *t, uint64_t kb, const char *name, uint64_t *ret);

/** A tracker layout the reader can use: stride 8..0x100, every field 4 or 8 bytes inside the
 * entry. Every built-in layout and every layout taken from symbols satisfies it. */
bool pm_tracker_layout_valid(const struct pm_tracker_layout *L);
/** A big-page layout the reader can use with @p ptr_size-byte pointers (Va at +0). */
bool pm_big_layout_valid(const struct pm_big_layout *L, unsigned ptr_size);

struct pm_symtab;
struct pm_field;
/** Build @p out from the kernel's symbols (@p kernel_base: where the image is mapped); what
 * cannot be used is said in @p notes. Never fails as a whole. */
void pm_pool_syms_build(struct pm_symtab *t, uint64_t kernel_base, struct pm_pool_syms *out,
			struct pm_diags *notes);

/** Read the integer member @p f of the structure at @p base (1..8 bytes, little-endian,
 * bitfields extracted; a bitfield whose bits do not fit its bytes is PM_ERR_BAD_SYMBOLS). */
struct pm_error *pm_sym_read_at(const struct pm_vmem *vm, uint64_t base, const struct pm_field *f,
				uint64_t *val);
/** Read the integer at symbol @p var (+ member @p path of its @p type; type NULL: the
 * pointer-sized variable itself) from the dump; bitfields are extracted. */
struct pm_error *pm_sym_read_field(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				   const char *var, const char *type, const char *path,
				   uint64_t *val);

/** Every field of @p L is 4 or 8 bytes inside the first 0x100 bytes (what read_one reads). */
bool pm_desc_layout_valid(const struct pm_desc_layout *L);

/**
 * Kernel changes that the parsers depend on, as data (pool_layouts.c): each holds from its
 * first build on. Parsing code asks pm_build_has() instead of comparing build numbers.
 */
enum pm_build_feature {
	PM_FEAT_L1TF_PTE_BIT,        /**< non-present PTEs carry a high physical bit (19H1+,
					  crashdump-format.md §6.4) */
	PM_FEAT_NO_POOL_DESCRIPTORS, /**< the pool descriptors are gone (19041+, pool-internals.md
					  §4.3) */
	PM_FEAT_BIG_POOL_FLAGS,      /**< big-page entries hold POOL_FLAG_* values, not a
					  POOL_TYPE (24H2, §3.1) */
	PM_FEAT_SEGMENT_SIG_UNKEYED, /**< a heap segment's Signature has no constant in its
					  XOR (24H2, §1.10) */
	_PM_FEAT_MAX
};
/** Whether build @p build has @p f (build 0, unknown, has none). */
bool pm_build_has(uint32_t build, enum pm_build_feature f);

/** Layout tables (pool_layouts.c). */
extern const struct pm_tracker_layout pm_tracker_layouts32[], pm_tracker_layouts64[];
extern const struct pm_big_layout pm_big_layouts32[], pm_big_layouts64[];
enum { PM_N_TRACKER_LAYOUTS = 3, PM_N_BIG_LAYOUTS32 = 4, PM_N_BIG_LAYOUTS64 = 4 };
/** Index of the layout tabulated for @p build (the first candidate tried). */
unsigned pm_expected_tracker_layout(uint32_t build, bool is64);
unsigned pm_expected_big_layout(uint32_t build, bool is64);

#endif
