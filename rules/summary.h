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
	struct pm_sum_tag *tags;
	size_t ntags;
	bool bigtable;
	struct pm_sum_module *modules;
	size_t nmodules;
	struct pm_sum_hit *hits;
	size_t nhits;
};

void pm_summary_deinit(struct pm_summary *s);
/** Tag as 4 chars + NUL. */
void pm_sum_tag_str(uint32_t tag, char out[5]);
/** Tag from 1..4 chars (space padded); false if not 1..4 printable chars. */
bool pm_sum_tag_parse(const char *s, uint32_t *ret);

#endif
