/* SPDX-License-Identifier: MIT */
/**
 * @file info.h
 * The dump's summary as a few typed answers, one per layer: the container (struct pm_dmp),
 * the kernel's identity (struct pm_kernel), the symbols (struct pm_sym_info), the pool (struct
 * pm_pool_info) and the memory manager beyond the KDBG (struct pm_mm_info). Plain typed values
 * above the trust boundary: nothing here interprets dump bytes, and every optional value is
 * present (with its provenance) or absent with a reason from the one vocabulary (pm-absent.h).
 *
 * Ownership: a struct pm_info owns every answer in it and every string they hold; it is
 * freed with pm_info_destroy(). Views built from it (vmview.h, poolview.h) borrow from it.
 */
#ifndef PM_INFO_H
#define PM_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "discover.h"
#include "dmp.h"
#include "kdbg.h"
#include "kernel.h"
#include "modules.h"
#include "pe.h"
#include "pm-absent.h"
#include "pm-diag.h"
#include "pool.h"
#include "poolscan.h"
#include "session.h"
#include "symstore.h"
#include "vtop.h"

/** How a dump is gathered (the caller's choices; nothing is kept between dumps). */
struct pm_info_opts {
	/** The kernel's symbols: a symbol path (--symbols or _NT_SYMBOL_PATH); NULL or "": none.
	 * Copied. */
	const char *symbol_path;
};

/** A value present, or absent with a reason (never a silent 0). */
struct pm_opt_u64 {
	uint64_t v;
	enum pm_absent absent; /**< PM_ABSENT_PRESENT when v is valid */
};

/** The pool's answer: the bookkeeping (tracker, big-page table, session table, scan), each
 * present or absent with why (the reason, and a detail naming what failed). */
struct pm_pool_info {
	bool gathered;
	bool has_syms;            /**< tier 3: syms came from the kernel's PDB/ISF */
	struct pm_pool_syms syms;
	bool has_track;
	struct pm_pooltrack track;
	struct pm_absence track_absent;
	bool has_big;
	struct pm_bigpool big;
	struct pm_absence big_absent;
	bool has_session;                /**< the session table (symbols only) */
	struct pm_session_pool session;
	struct pm_absence session_absent;
	bool scanned;
	bool has_scan;
	struct pm_scan scan;
	/** NEEDS_SYMBOLS: 19H1+ without the kernel's symbols; NOT_AVAILABLE otherwise */
	struct pm_absence scan_absent;
};

/** One thing the analysis took from the symbols. */
struct pm_sym_use {
	char *name; /**< "PoolTrackTable", "_POOL_TRACKER_TABLE", "MiState.Vs.SystemPteInfo..." */
	char *what; /**< "variable at 0x...", "entry 0x38 bytes: Key +0x0, ..." */
};

enum { PM_MAX_SYM_USES = 64, PM_MAX_SYM_DIFFS = 16 };

/** The symbols' answer (tier 3), when a symbol path was given. */
struct pm_sym_info {
	bool requested;     /**< a path was given (--symbols or _NT_SYMBOL_PATH) */
	char *spec;         /**< that path (owned) */
	bool found;         /**< find.tab is the kernel's matching PDB/ISF */
	struct pm_symfind find;
	char *absent;       /**< why not, when requested && !found (owned) */
	const char *age_matched; /**< found: which of the file's ages is the image's ("DBI",
				  *   "PDB-info", "ISF"; pm_symtab_age_match) */
	struct pm_sym_use *uses; /**< at most PM_MAX_SYM_USES */
	size_t nuses;
	char **diffs;       /**< where the symbols and the built-in profile differ (at most
			       PM_MAX_SYM_DIFFS) */
	size_t ndiffs;
};

/** Record a use of the symbols (for `symbols` and the reports). */
void pm_sym_used(struct pm_sym_info *s, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** Record a difference between the symbols and the built-in profile (the symbols win). */
void pm_sym_differs(struct pm_sym_info *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** A count only the kernel's symbols reach (failure counters behind !vm's banners). */
struct pm_count {
	enum pm_absent absent; /**< PRESENT, NEEDS_SYMBOLS, NOT_IN_SYMBOLS, UNREADABLE, ... */
	uint64_t v;
	const char *source;    /**< "ExPoolFailures", "MmPteFailures[0]", ... when present */
	char *detail;          /**< why, when absent (owned) */
};

/** The memory manager's answer beyond the KDBG, through the kernel's symbols (info_mm.c). */
struct pm_mm_info {
	struct pm_count pool_failures;   /**< ExPoolFailures */
	struct pm_count pte_failures;    /**< MmPteFailures[0] (system PTEs) */
	struct pm_count commit_failures; /**< MiChargeCommitmentFailures[0] + [1] */
	struct pm_count free_ptes;       /**< MmTotalFreeSystemPtes[0] (before Windows 10) */
	bool has_sessions;               /**< !vm 4: the session list */
	struct pm_sessions sessions;
	struct pm_absence sessions_absent;
};

struct pm_info {
	struct pm_dmp *dmp;       /**< the container's answer */
	struct pm_kernel *k;      /**< the kernel's identity */
	char os_name[96];         /**< "" when the build is not in the table */
	struct pm_sym_info sym;   /**< the symbols' answer */
	struct pm_pool_info pool; /**< filled by pm_info_gather_pool() */
	struct pm_mm_info mm;     /**< filled by pm_info_gather_pool() */
	struct pm_diags diags;    /**< diagnostics above the container's own */
};

/** Read the tag tracker and the big-page table (no symbols: KDBG + built-in layouts). */
void pm_info_gather_pool(struct pm_info *in);
/** The failure counters, free PTEs and sessions (symbols only); pm_info_gather_pool() calls
 * it. */
void pm_info_gather_mm(struct pm_info *in);
/** Walk the pool pages (`--scan`). */
void pm_info_gather_scan(struct pm_info *in);

/** Open the dump at @p path and gather everything `info` shows. @p opts may be NULL. */
struct pm_error *pm_info_gather(const char *path, const struct pm_info_opts *opts,
				struct pm_info **ret);
/** As pm_info_gather(), on @p src already opened from @p path (taken over, destroyed on
 * failure), in the container the probe table (container.h) finds for it. */
struct pm_error *pm_info_gather_opened(const char *path, struct pm_source *src,
				       const struct pm_info_opts *opts, struct pm_info **ret);
/** Same, from an already opened crash dump source (fuzzers, tests); takes ownership of
 * @p src. */
struct pm_error *pm_info_gather_source(struct pm_source *src, const struct pm_info_opts *opts,
				       struct pm_info **ret);
void pm_info_destroy(struct pm_info *info);

/** Whether something a complete report needs could not be read; *why_ret the first such
 * problem (borrowed). */
bool pm_info_incomplete(const struct pm_info *in, const char **why_ret);

/** The index of the module whose image holds @p va (as `lm a` finds it); -1 when none does. */
long pm_info_module_at(const struct pm_info *in, uint64_t va);
/** Whether module @p i is the kernel (its base is the kernel's, or the first when unknown). */
bool pm_info_module_is_kernel(const struct pm_info *in, size_t i);
/**
 * The symbol store's key of module @p i's image file ("ntoskrnl.exe/0D8333E61046000":
 * TimeDateStamp then SizeOfImage), the one way to its PDB when the dump holds no image pages;
 * NULL when the dump does not give the TimeDateStamp (only triage driver lists of a known
 * layout do).
 */
const char *pm_info_module_image_key(const struct pm_info *in, size_t i, char *buf, size_t len);

/**
 * Read @p len bytes of the dump's memory at @p addr (virtual through the kernel page tables,
 * or physical). On failure *absent_ret names why ("paged_out", "not_captured", ...; see
 * pm_va_status_name) and the error says where.
 */
struct pm_error *pm_info_read(const struct pm_info *in, bool phys, uint64_t addr, void *buf,
			      size_t len, const char **absent_ret);

#endif
