/* SPDX-License-Identifier: MIT */
/**
 * @file batch.h
 * Bulk analysis: discovery of dumps under paths (batch_discover.h), one forked worker per
 * dump (a crash, hang or memory blow-up is that dump's error line), NDJSON output (schema
 * poolmortem.batch/1: the analyze report plus "path" and "sha256"), resume, shards; the
 * summary is batch_summary.h's.
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
	const char *output; /**< NDJSON file (appended); NULL = stdout */
	unsigned jobs;
	bool resume;
	unsigned shard_i, shard_n; /**< shard_n 0 = no sharding */
	unsigned timeout_s;        /**< per dump; 0 = none */
	unsigned max_mem_mb;       /**< per worker address space; 0 = none */
	bool scan;
	bool progress;
	size_t max_dumps; /**< dumps listed at most (the rest are error lines); 0 = the default */
	struct pm_info_opts info; /**< how each dump is gathered (the symbol path) */
};

struct pm_batch_stats {
	size_t candidates, not_dumps, skipped_resume, analyzed, errors;
	double wall_s, cpu_s;
	unsigned jobs;
	bool failed_setup;
	char *stdout_lines; /**< the lines written to stdout (for the summary), caller frees */
};

int pm_batch_run(const struct pm_batch_opts *o, const struct pm_rule_params *params,
		 struct pm_batch_stats *st);

#endif
