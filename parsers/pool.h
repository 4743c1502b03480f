/* SPDX-License-Identifier: MIT */
/**
 * @file pool.h
 * Kernel pool bookkeeping read without symbols (pool-internals.md §2, §3, §7):
 * the tag tracker (PoolTrackTable, one table per processor, summed and clamped as Windows
 * does) and the big-page table (PoolBigPageTable).
 *
 * Layouts are data (pool_layouts.c). The build number only orders the candidates: every
 * candidate layout, table size and hash is tried against the bytes (printable keys, keys at
 * their hash slot, the big table's self-entry) and the one that fits is used and named in
 * the result, because real dumps come from builds nobody tabulated.
 */
#ifndef PM_POOL_H
#define PM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmvars.h"
#include "pe.h"
#include "pm-diag.h"
#include "vtop.h"

/** A counter field inside a tracker entry. */
struct pm_field_loc {
	uint8_t off, width; /* width 4 or 8 */
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

enum pm_tag_hash { PM_HASH_FOLD, PM_HASH_MUL };
const char *pm_tag_hash_name(enum pm_tag_hash h);

/**
 * What the kernel's PDB or ISF says about the pool (tier 3): variable addresses and entry
 * layouts. has_* false where the symbols do not say (or say something unusable); the readers
 * then fall back to the built-in search for that part.
 */
struct pm_pool_syms {
	const char *source; /**< "PDB" or "ISF" */
	bool has_ptt, has_ptt_size, has_tag_tables, has_big, has_expansion, has_session;
	uint64_t ptt_var, ptt_size_var, tag_tables_var, big_var, big_size_var;
	uint64_t exp_var, exp_size_var; /**< PoolTrackTableExpansion, ...Size */
	uint64_t session_var, session_size_var; /**< ExpSessionPoolTrackTable, ...Size */
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

/** Where the pool globals are looked for: the kernel's writable sections. */
struct pm_pool_ctx {
	const struct pm_vmem *vm;
	uint32_t build;
	unsigned nprocs;
	uint64_t ptt_var;     /**< &PoolTrackTable (KDBG +0x1B8) */
	uint64_t kernel_base;
	const struct pm_pe_info *kernel_pe; /**< sections; NULL if the image is unreadable */
	struct pm_diags *diags;
	const struct pm_pool_syms *syms; /**< NULL: no symbols */
};

/** One tag's counters, summed over the processors' tables and clamped. */
struct pm_tag_counts {
	uint32_t tag; /**< protected bit (31) masked */
	uint64_t np_allocs, np_frees, np_bytes;
	uint64_t p_allocs, p_frees, p_bytes;
};

struct pm_pooltrack {
	uint64_t table0;      /**< value of PoolTrackTable */
	uint64_t entries;     /**< PoolTrackTableSize */
	const char *size_how; /**< "PoolTrackTableSize before PoolTrackTable", ... */
	const struct pm_tracker_layout *layout;
	bool layout_as_expected; /**< the build's tabulated layout fitted */
	enum pm_tag_hash hash;
	double home_fit;      /**< share of keys within 8 slots of their hash slot */
	unsigned cpus_read;
	unsigned cpus_expected;
	const char *cpus_how; /**< "ExPoolTagTables found in .data at 0x...", or why not */
	uint64_t tag_tables_va; /**< ExPoolTagTables, 0 if not found */
	bool layout_from_symbols;
	const struct pm_tracker_layout *builtin; /**< the layout the build's profile expects */
	const char *symbols;        /**< "PDB"/"ISF" when symbols were used, else NULL */
	bool expansion_read;        /**< PoolTrackTableExpansion was located (symbols only) */
	uint64_t expansion_entries; /**< its entries (0: no expansion table in use) */
	struct pm_tag_counts *tags;
	size_t ntags;
};

struct pm_big_alloc {
	uint64_t va;
	uint32_t tag;
	uint64_t bytes;
	bool has_type;
	uint32_t type; /**< raw type/flags field */
	const char *pool; /**< "nonpaged", "nonpaged_nx", "paged", "session_paged", ...; NULL if no type */
};

struct pm_bigpool {
	uint64_t table;   /**< PoolBigPageTable */
	uint64_t entries; /**< PoolBigPageTableSize */
	uint64_t table_var; /**< where the (table, size) pair was found in nt .data */
	const struct pm_big_layout *layout;
	bool layout_from_symbols;
	const struct pm_big_layout *builtin; /**< the layout the build's profile expects */
	const char *symbols; /**< "PDB"/"ISF" when the symbols located the table, else NULL */
	bool self_entry;  /**< the table's own 'Pool' entry was found */
	const char *how;
	uint64_t free_slots, unused_slots;
	struct pm_big_alloc *allocs; /**< live entries, sorted by VA */
	size_t nallocs;
	struct pm_big_alloc *freed;  /**< freed slots (Va bit 0 set) with their stale tag/size */
	size_t nfreed;
};

enum {
	PM_MAX_TRACKER_ENTRIES = (1 << 20) + 1,
	PM_MAX_BIG_ENTRIES = 0x1000000,
	PM_MAX_CPUS = 2048,
};

/** The paged session pool's tag table of the session the dump maps (symbols only, §2.6). */
struct pm_session_pool {
	uint64_t table, entries;
	const char *source; /**< "PDB"/"ISF" */
	struct pm_tag_counts *tags; /**< sorted by tag; paged counters only */
	size_t ntags;
};

struct pm_error *pm_pooltrack_read(const struct pm_pool_ctx *ctx, struct pm_pooltrack *ret);
/** Read the session table with @p L (the main table's layout). PM_ERR_NOT_PRESENT when the
 * symbols have no session table or it is not in use (a machine without sessions). */
struct pm_error *pm_session_pool_read(const struct pm_pool_ctx *ctx,
				      const struct pm_tracker_layout *L, struct pm_session_pool *ret);
void pm_session_pool_deinit(struct pm_session_pool *s);
void pm_pooltrack_deinit(struct pm_pooltrack *t);
struct pm_error *pm_bigpool_read(const struct pm_pool_ctx *ctx, struct pm_bigpool *ret);
void pm_bigpool_deinit(struct pm_bigpool *b);

struct pm_symtab;
struct pm_field;
/** Build @p out from the kernel's symbols (@p kernel_base: where the image is mapped); what
 * cannot be used is said in @p notes. Never fails as a whole. */
void pm_pool_syms_build(struct pm_symtab *t, uint64_t kernel_base, struct pm_pool_syms *out,
			struct pm_diags *notes);

/** Read the integer member @p f of the structure at @p base (1..8 bytes, little-endian,
 * bitfields extracted). */
struct pm_error *pm_sym_read_at(const struct pm_vmem *vm, uint64_t base, const struct pm_field *f,
				uint64_t *val);
/** Read the integer at symbol @p var (+ member @p path of its @p type; type NULL: the
 * pointer-sized variable itself) from the dump; bitfields are extracted. */
struct pm_error *pm_sym_read_field(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				   const char *var, const char *type, const char *path,
				   uint64_t *val);

/** Tag hash functions (§2.4), exposed for tests. */
uint32_t pm_tag_hash(enum pm_tag_hash h, uint32_t tag);
/** Pool class of a big entry's type field for a build (§3.1). */
const char *pm_big_pool_name(uint32_t build, uint32_t type);

/** Layout tables (pool_layouts.c). */
extern const struct pm_tracker_layout pm_tracker_layouts32[], pm_tracker_layouts64[];
extern const struct pm_big_layout pm_big_layouts32[], pm_big_layouts64[];
enum { PM_N_TRACKER_LAYOUTS = 3, PM_N_BIG_LAYOUTS32 = 4, PM_N_BIG_LAYOUTS64 = 4 };
/** Index of the layout tabulated for @p build (the first candidate tried). */
unsigned pm_expected_tracker_layout(uint32_t build, bool is64);
unsigned pm_expected_big_layout(uint32_t build, bool is64);

#endif
