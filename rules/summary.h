/* SPDX-License-Identifier: MIT */
/**
 * @file summary.h
 * The analysis summary: the data contract between the analyzer and the rules.
 *
 * Rules read nothing else. A summary is built from a dump (analyzer/analysis/summary_build.c) or
 * loaded from JSON (summary_json.c), so every rule can be tested from a JSON file alone.
 * Every figure is present or absent with its reason (the one vocabulary, common/pm-absent.h);
 * present figures carry their provenance (an enum) and their source (text for people).
 */
#ifndef PM_SUMMARY_H
#define PM_SUMMARY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-absent.h"
#include "pm-verinfo.h"

/** A figure: present with its provenance and source, or absent with why (pm-absent.h). */
struct pm_fig {
	enum pm_absent absent; /**< PM_ABSENT_PRESENT when v is valid */
	uint64_t v;
	enum pm_prov from;     /**< KDBG, SYMBOL_LAYOUT, DESCRIPTORS, ESTIMATE, ...; NONE if absent */
	char source[64]; /**< "KDBG.MmAvailablePages", "tag tracker", "pool descriptors" */
};

struct pm_sum_tag {
	uint32_t tag;
	uint64_t np_outstanding, np_bytes, p_outstanding, p_bytes;
	uint64_t big_count, big_bytes; /**< live big-table entries with this tag */
};

/** Where a tag's four bytes were found in a driver image in the dump. */
struct pm_sum_hit {
	uint32_t tag;
	size_t module;      /**< index into modules */
	unsigned immediates; /**< as an immediate operand in executable code (mov/push imm32) */
	unsigned code;       /**< elsewhere in executable sections */
	unsigned data;       /**< in non-executable sections or headers */
};

struct pm_sum_module {
	char name[64];
	uint64_t base;
	uint32_t size;
	uint32_t timestamp; /**< from its PE header, 0 = unknown */
	bool image_read;    /**< its pages were searched for tags */
	struct pm_verinfo version; /**< its version resource, or why it is not in the dump */
};

/** A process as the rules see it (the holder walks, analyzer/analysis/holders.h). */
struct pm_sum_process {
	uint32_t pid;
	char name[16];
	bool has_commit;
	uint64_t commit_pages;   /**< private commit (CommitCharge) */
	bool has_quota;
	uint64_t quota_np, quota_p; /**< pool quota charged, bytes */
	bool has_handles;
	uint64_t handles;        /**< handles attributed to a type */
};

/** One process's handles of a type. */
struct pm_sum_holding {
	uint32_t pid;
	char name[16];
	uint64_t handles;
};

enum { PM_SUM_TOP_HOLDERS = 5 };

/** An object type, the pool tag its objects are allocated with, and who holds its handles. */
struct pm_sum_objtype {
	char name[32];
	uint32_t tag;         /**< the type's Key, protected bit masked */
	bool has_objects;
	uint64_t objects;     /**< TotalNumberOfObjects */
	uint64_t handles;     /**< counted in every process's table */
	bool has_kernel_handles;
	uint64_t kernel_handles; /**< TotalNumberOfHandles: the type's own count */
	struct pm_sum_holding top[PM_SUM_TOP_HOLDERS]; /**< most handles first */
	unsigned ntop;
};

/** Big allocations of one tag billed to one process. */
struct pm_sum_bill {
	uint32_t pid;
	char name[16];
	uint32_t tag;
	uint64_t count, bytes;
};

/** Who holds what (present parts only; each absent part says why). */
struct pm_sum_holders {
	bool processes;
	char processes_absent[400];
	bool processes_complete;  /**< the list was followed to its end */
	char layout[96];          /**< "built-in 19041 (x64)", "PDB ntkrnlmp.pdb" */
	bool handles;
	char handles_absent[400];
	uint64_t handles_counted, handles_unattributed, handles_unseen;
	unsigned tables_walked, tables_failed;
	bool billed;
	char billed_absent[400];
	uint64_t billed_live, billed_charged, billed_unexplained;
	struct pm_sum_process *procs;
	size_t nprocs;
	struct pm_sum_objtype *types;
	size_t ntypes;
	struct pm_sum_bill *bills;
	size_t nbills;
};

enum { PM_MAX_SUM_PROCS = 65536, PM_MAX_SUM_TYPES = 256, PM_MAX_SUM_BILLS = 256 };

/** One reading of the machine's RAM (pages), where it came from and how far it is trusted. */
struct pm_sum_ram {
	enum pm_prov from;   /**< SYMBOL_LAYOUT, KDBG, HEADER, ... */
	char source[80];     /**< "MiSystemPartition.Vp.NumberOfPhysicalPages", "bitmap size", ... */
	uint64_t pages;
	bool upper_bound;    /**< counts address holes too (a bitmap's length): at least RAM */
	bool stale;          /**< known not to hold the live value on this build (not used) */
	bool used;           /**< the one the summary's ram figure is */
};

enum { PM_SUM_MAX_RAM = 8, PM_SUM_MAX_IMPLAUSIBLE = 4 };

/** Whether the kernel's symbols were asked for and found. */
enum pm_sum_symbols { PM_SUM_SYM_NONE, PM_SUM_SYM_NOT_FOUND, PM_SUM_SYM_FOUND };

/**
 * How completely the dump and the tables behind the figures were read (the verdict's
 * confidence follows it). A summary without it (an older file) is taken as complete, with no
 * word on symbols.
 */
struct pm_sum_coverage {
	char dump_type[48];        /**< "kernel memory dump (bitmap)", "small memory dump", ... */
	bool incomplete;           /**< part of the dump a complete report needs was unreadable */
	char incomplete_why[240];
	uint64_t pages_missing;    /**< pages the container lists that lie past the file's end */
	bool kdbg_header_wrong;    /**< the header's KdDebuggerDataBlock did not lead to the KDBG */
	char kdbg_note[240];       /**< how the KDBG was found then, or why not */
	char tracker_absent[240];  /**< why there are no tag counters ("" when read) */
	char bigtable_absent[240]; /**< why there is no big-page table ("" when read) */
	enum pm_sum_symbols symbols;
	char symbols_note[240];    /**< why not found, or which file was used */
	/** symbols that match the kernel yet lack figures every real kernel of its build keeps
	 * (damaged, or not the kernel's own): which ("" none); the verdict's confidence falls */
	char symbols_gap[480];
	char pdb[64];              /**< the kernel's PDB name ("" unknown) */
	char pdb_key[48];          /**< its symbol-store key: GUID (32 hex digits) + age */
	struct pm_sum_ram ram[PM_SUM_MAX_RAM]; /**< every reading of RAM, the used one marked */
	unsigned nram;
	/** Figures read but contradicted by an independent one, each sentence naming both (the
	 * figures themselves are absent, PM_ABSENT_IMPLAUSIBLE): the verdict's confidence falls. */
	char implausible[PM_SUM_MAX_IMPLAUSIBLE][320];
	unsigned nimplausible;
};

struct pm_summary {
	char dump[256];
	uint32_t build;
	bool is64;
	char arch[12];
	char os[96];
	unsigned nprocs;
	int product_type; /**< 1 workstation, 2/3 server, 0 unknown */
	bool has_bugcheck; /**< false for a capture of a running system (no dump header) */
	uint32_t bugcheck;
	uint64_t params[4];
	bool triage;      /**< small dump: no pool data */
	struct pm_fig ram, available, np_usage, np_max, p_usage, p_max, committed, commit_limit,
		commit_peak, free_ptes;
	/** Counts since boot (symbols only): ExPoolFailures, MmPteFailures[0],
	 * MiChargeCommitmentFailures[0..1]. */
	struct pm_fig pool_failures, pte_failures, commit_failures;
	bool tracker;          /**< tag counters present */
	unsigned cpus_read, cpus_expected;
	/** Tags whose summed frees exceed their allocations beyond the counters' races: part of a
	 * table is missing or damaged (their sums, and the ranking, are partial data). */
	uint64_t tracker_inconsistent;
	struct pm_sum_tag *tags;
	size_t ntags;
	bool bigtable;
	struct pm_sum_module *modules;
	size_t nmodules;
	struct pm_sum_hit *hits;
	size_t nhits;
	struct pm_sum_holders holders;
	struct pm_sum_coverage coverage;
};

void pm_summary_deinit(struct pm_summary *s);
/** Tag as 4 chars + NUL. */
void pm_sum_tag_str(uint32_t tag, char out[5]);
/** Tag from 1..4 chars (space padded); false if not 1..4 printable chars. */
bool pm_sum_tag_parse(const char *s, uint32_t *ret);

#endif
