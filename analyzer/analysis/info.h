/* SPDX-License-Identifier: MIT */
/**
 * @file info.h
 * What `poolmortem info` reports about one dump: container, machine, bugcheck, memory
 * coverage, kernel identity, KDBG and modules. Plain typed values above the trust boundary;
 * every optional value is present or absent with a reason (never a silent 0).
 */
#ifndef PM_INFO_H
#define PM_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "container.h"
#include "discover.h"
#include "dmp.h"
#include "kdbg.h"
#include "modules.h"
#include "pe.h"
#include "pm-diag.h"
#include "pool.h"
#include "symstore.h"
#include "poolscan.h"
#include "session.h"
#include "vtop.h"

/** Why a value is missing. Stable strings for reports. */
#define PM_ABSENT_REASONS(X)                                                               \
	X(PRESENT, NULL)                                                                   \
	X(NOT_IN_HEADER, "not_in_header")                                                  \
	X(NOT_CAPTURED, "not_captured")                                                    \
	X(NOT_PRESENT, "not_present")                                                      \
	X(UNREADABLE, "unreadable")                                                        \
	X(NOT_APPLICABLE, "not_applicable")                                                \
	X(NO_KDBG, "no_kdbg")                                                              \
	X(FIELD_MISSING, "field_missing")

enum pm_absent {
#define X(n, s) PM_ABSENT_##n,
	PM_ABSENT_REASONS(X)
#undef X
};
const char *pm_absent_name(enum pm_absent a);

struct pm_opt_u64 {
	uint64_t v;
	enum pm_absent absent; /**< PM_ABSENT_PRESENT when v is valid */
};

struct pm_info_module {
	const struct pm_module *m; /**< borrowed from the module list */
	struct pm_pe_info pe;
	enum pm_absent pe_absent;
};

/** The pool bookkeeping (tracker, big-page table), each present or absent with why. */
struct pm_pool_info {
	bool gathered;
	bool has_syms;            /**< tier 3: syms came from the kernel's PDB/ISF */
	struct pm_pool_syms syms;
	bool has_track;
	struct pm_pooltrack track;
	char track_absent[400];
	bool has_big;
	struct pm_bigpool big;
	char big_absent[400];
	bool has_session;                /**< the session table (symbols only) */
	struct pm_session_pool session;
	char session_absent[400];
	bool scanned;
	bool has_scan;
	struct pm_scan scan;
	bool scan_needs_syms;     /**< 19H1+ without the kernel's symbols */
	char scan_absent[400];
};

/** One thing the analysis took from the symbols. */
struct pm_sym_use {
	char name[64];   /**< "PoolTrackTable", "_POOL_TRACKER_TABLE", "MiState.Vs.SystemPteInfo..." */
	char what[200];  /**< "variable at 0x...", "entry 0x38 bytes: Key +0x0, ..." */
};

enum { PM_MAX_SYM_USES = 64, PM_MAX_SYM_DIFFS = 16 };

/** The kernel's symbols (tier 3), when a symbol path was given. */
struct pm_sym_info {
	bool requested;     /**< a path was given (--symbols or _NT_SYMBOL_PATH) */
	const char *spec;   /**< that path */
	bool found;         /**< find.tab is the kernel's matching PDB/ISF */
	struct pm_symfind find;
	char absent[600];   /**< why not, when requested && !found */
	struct pm_sym_use uses[PM_MAX_SYM_USES];
	size_t nuses;
	char diffs[PM_MAX_SYM_DIFFS][320]; /**< where the symbols and the built-in profile differ */
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
	bool present;
	uint64_t v;
	const char *source;  /**< "ExPoolFailures", "MmPteFailures[0]", ... */
	const char *absent;  /**< "needs_symbols", "not_in_symbols", "unreadable" */
	char detail[240];
};

/** What `!vm` reads beyond the KDBG, through the kernel's symbols (info_mm.c). */
struct pm_mm_info {
	struct pm_count pool_failures;   /**< ExPoolFailures */
	struct pm_count pte_failures;    /**< MmPteFailures[0] (system PTEs) */
	struct pm_count commit_failures; /**< MiChargeCommitmentFailures[0] + [1] */
	struct pm_count free_ptes;       /**< MmTotalFreeSystemPtes[0] (before Windows 10) */
	bool has_sessions;               /**< !vm 4: the session list */
	struct pm_sessions sessions;
	const char *sessions_absent;
	char sessions_detail[320];
};

struct pm_info {
	struct pm_dmp *dmp;
	struct pm_discovery *disc; /**< headerless inputs: what was discovered, and how */
	struct pm_vmem vm;
	bool has_vm;
	char os_name[96];   /**< "" when the build is not in the table */
	struct pm_opt_u64 service_pack;
	char build_lab[96]; /**< NtBuildLab; "" when absent */
	struct pm_opt_u64 ram_pages; /**< MmNumberOfPhysicalPages */
	bool has_kdbg;
	struct pm_kdbg kdbg;
	char kdbg_absent[320]; /**< why not, when !has_kdbg */
	struct pm_opt_u64 kernel_base;
	const char *kernel_base_source; /**< "KDBG.KernBase", "first module", ... */
	struct pm_pe_info kernel_pe;
	bool kernel_headers; /**< kernel_pe's headers and sections were read */
	enum pm_absent kernel_pe_absent;
	char kernel_pe_why[320];
	struct pm_module_list modules;
	struct pm_info_module *mods; /**< modules.n entries */
	const char *modules_source;  /**< "PsLoadedModuleList", "triage driver list" */
	char modules_absent[320];
	bool incomplete;          /**< something a complete report needs could not be read */
	char incomplete_why[512]; /**< the first such problem */
	struct pm_diags diags;    /**< diagnostics above the container's own */
	struct pm_pool_info pool; /**< filled by pm_info_gather_pool() */
	struct pm_mm_info mm;     /**< filled by pm_info_gather_pool() */
	struct pm_sym_info sym;
};

/** The symbol path every later pm_info_gather*() searches (NULL: none; not copied). */
void pm_info_set_symbol_path(const char *spec);

/** Read the tag tracker and the big-page table (no symbols: KDBG + built-in layouts). */
void pm_info_gather_pool(struct pm_info *in);
/** The failure counters, free PTEs and sessions (symbols only); pm_info_gather_pool() calls
 * it. */
void pm_info_gather_mm(struct pm_info *in);
/** Walk the pool pages (`--scan`). */
void pm_info_gather_scan(struct pm_info *in);

/** Open the dump at @p path and gather everything `info` shows. */
struct pm_error *pm_info_gather(const char *path, struct pm_info **ret);
/** As pm_info_gather(), on @p src already opened from @p path (taken over, destroyed on
 * failure), in the container the probe table (container.h) finds for it. */
struct pm_error *pm_info_gather_opened(const char *path, struct pm_source *src,
				       struct pm_info **ret);
/** Same, from an already opened source (fuzzers, tests); takes ownership of @p src. */
struct pm_error *pm_info_gather_source(struct pm_source *src, struct pm_info **ret);
void pm_info_destroy(struct pm_info *info);

/**
 * Read @p len bytes of the dump's memory at @p addr (virtual through the kernel page tables,
 * or physical). On failure *absent_ret names why ("paged_out", "not_captured", ...; see
 * pm_va_status_name) and the error says where.
 */
struct pm_error *pm_info_read(const struct pm_info *in, bool phys, uint64_t addr, void *buf,
			      size_t len, const char **absent_ret);

#endif
