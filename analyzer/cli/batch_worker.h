/* SPDX-License-Identifier: MIT */
/** @file batch_worker.h One dump in a batch worker: its analysis and record. */
#ifndef PM_BATCH_WORKER_H
#define PM_BATCH_WORKER_H

#include <stdbool.h>

#include "batch_discover.h"
#include "info.h"
#include "rules.h"

struct pm_batch_job {
	bool scan, full_hash;
	const struct pm_info_opts *info;
	const struct pm_rule_params *params;
};

/** Analyze @p c: its record, a malloc'd line without newline (NULL: no memory even for an
 * error record); *is_error when it is an error record. */
char *pm_batch_analyze_one(const struct pm_batch_cand *c, const struct pm_batch_job *j,
			   bool *is_error);

#endif
