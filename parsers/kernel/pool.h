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
 * the result, because real dumps come from builds nobody tabulated. With the kernel's symbols
 * (struct pm_pool_syms, validated by the profile: every field inside its entry) their
 * variables and layouts are used instead, and named as such.
 *
 * Contract of a partial read: a per-processor table that is not fully in the dump, or whose
 * keys disagree with processor 0's, is left out with a diagnostic and cpus_read says how many
 * were summed; the expansion table failing leaves the main table's counts standing. A table
 * whose entries cannot be read at all is an error (nothing is guessed). Searches that find
 * nothing are PM_ERR_NOT_FOUND, pages the dump lacks PM_ERR_NOT_CAPTURED.
 *
 * Ownership: a result (struct pm_pooltrack, pm_bigpool, pm_session_pool) owns its arrays and
 * is freed with its _deinit(); its layout pointers borrow from the built-in tables or from the
 * struct pm_pool_syms given in the context, which must outlive it.
 */
#ifndef PM_POOL_H
#define PM_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mmvars.h"
#include "pm-absent.h"
#include "profile.h"
#include "pe.h"
#include "pm-diag.h"
#include "vtop.h"


enum pm_tag_hash { PM_HASH_FOLD, PM_HASH_MUL };
const char *pm_tag_hash_name(enum pm_tag_hash h);

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
	enum pm_prov size_from; /**< SYMBOLS (PoolTrackTableSize) or SEARCH */
	uint64_t size_var;    /**< where the size was read; 0 for the statistical fit */
	/** a statistical fit explained a few more keys than the kernel's record, which was used:
	 * the per-tag figures are less certain (a diagnostic says so) */
	bool size_close_call;
	uint64_t size_rival;  /**< that fit's number of entries */
	const struct pm_tracker_layout *layout;
	bool layout_as_expected; /**< the build's tabulated layout fitted */
	enum pm_tag_hash hash;
	double home_fit;      /**< share of keys within 8 slots of their hash slot */
	unsigned cpus_read;
	unsigned cpus_expected;
	/** Tags whose frees, summed over the tables read, exceed their allocations beyond what
	 * the counters' races explain, and slots where another processor's table has a key that
	 * table 0 (the keys' master) lacks: a table's part is missing or damaged, and the sums are
	 * not to be trusted (issue 11). */
	uint64_t inconsistent;
	const char *cpus_how; /**< "ExPoolTagTables found in .data at 0x...", or why not */
	enum pm_prov cpus_from; /**< SYMBOLS, SEARCH, or NONE (one processor, or not found) */
	uint64_t tag_tables_va; /**< ExPoolTagTables, 0 if not found */
	bool layout_from_symbols;
	const struct pm_tracker_layout *builtin; /**< the layout the build's profile expects */
	const char *symbols;        /**< "PDB"/"ISF" when symbols were used, else NULL */
	enum pm_sym_format symbols_format; /**< the same, for decisions (when symbols) */
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
	uint64_t table_var; /**< where the table's variable was found in nt .data */
	uint64_t size_var;  /**< where its size was found (the symbols' variable with symbols) */
	const struct pm_big_layout *layout;
	bool layout_from_symbols;
	const struct pm_big_layout *builtin; /**< the layout the build's profile expects */
	const char *symbols; /**< "PDB"/"ISF" when the symbols located the table, else NULL */
	enum pm_sym_format symbols_format; /**< the same, for decisions (when symbols) */
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

/** Tag hash functions (§2.4), exposed for tests. */
uint32_t pm_tag_hash(enum pm_tag_hash h, uint32_t tag);
/** Pool class of a big entry's type field for a build (§3.1). */
const char *pm_big_pool_name(uint32_t build, uint32_t type);

#endif
