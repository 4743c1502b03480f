/* SPDX-License-Identifier: MIT */
/**
 * @file batch.h
 * Bulk analysis: discovery of dumps under paths (batch_discover.h), one forked worker per
 * dump (a crash, hang or memory blow-up is that dump's error record), one record per input
 * (batch_record.h: schema poolmortem.batch/1), resume, shards; the summary is
 * batch_summary.h's.
 */
#ifndef PM_BATCH_H
#define PM_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "info.h"
#include "rules.h"

struct pm_batch_opts {
	const char *const *paths;
	size_t npaths;
	const char *output; /**< NDJSON file (appended); NULL = stdout, as @p rows says */
	/** Without --output: 0 NDJSON on stdout, 1 rows for people on stdout, 2 nothing printed
	 * (the records are only kept, in stats.stdout_lines). */
	int rows;
	unsigned jobs;
	bool resume;
	unsigned shard_i, shard_n; /**< shard_n 0 = no sharding */
	unsigned timeout_s;        /**< per dump; 0 = none */
	unsigned max_mem_mb;       /**< per worker address space; 0 = none */
	bool scan;
	bool full_hash; /**< also the SHA-256 of every byte of each dump */
	bool progress;
	size_t max_dumps; /**< dumps listed at most (the rest are error records); 0 = the default */
	struct pm_info_opts info; /**< how each dump is gathered (the symbol path) */
};

struct pm_batch_stats {
	size_t candidates; /**< inputs with a record (all shards) */
	size_t others;     /**< files in folders that are not dumps (no record) */
	size_t skipped_resume, analyzed, errors, skipped;
	size_t missing; /**< paths named on the command line that do not exist */
	double wall_s, cpu_s;
	unsigned jobs;
	bool failed_setup;
	char *stdout_lines; /**< the records not written to a file (for the summary), caller frees */
};

int pm_batch_run(const struct pm_batch_opts *o, const struct pm_rule_params *params,
		 struct pm_batch_stats *st);

#endif
