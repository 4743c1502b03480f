/* SPDX-License-Identifier: MIT */
/**
 * @file batch.h
 * Bulk analysis: discovery of dumps under paths (folders, .gz, .zip members), one forked
 * worker per dump (a crash, hang or memory blow-up is that dump's error line), NDJSON output
 * (schema poolmortem.batch/1: the analyze report plus "path" and "sha256"), resume, shards,
 * and the summary (duplicates counted once, buckets by verdict + tag + driver, top tags).
 */
#ifndef PM_BATCH_H
#define PM_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/** Summary of an NDJSON file (text or JSON); NULL if unreadable. Caller frees. */
char *pm_batch_summary(const char *ndjson_path, bool json);
/** Summary of NDJSON held in memory. */
char *pm_batch_summary_text(const char *ndjson, bool json);

#endif
