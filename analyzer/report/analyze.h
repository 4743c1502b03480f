/* SPDX-License-Identifier: MIT */
/** @file analyze.h `analyze`: every pool view of one dump in one report (text or JSON). */
#ifndef PM_ANALYZE_H
#define PM_ANALYZE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "info.h"
#include "poolview.h"
#include "rules.h"
#include "samples.h"
#include "summary.h"

enum pm_format { PM_FMT_TEXT, PM_FMT_JSON, PM_FMT_MD, PM_FMT_HTML };

struct pm_analyze_opts {
	bool scan;  /**< walk the pool pages too */
	size_t top; /**< rows in the text poolused tables (JSON has every tag) */
	enum pm_format format;
	bool color; /**< ANSI colour in text (the CLI sets it on a TTY) */
	const struct pm_rule_params *params;
};

/** What the rules made of one dump. */
struct pm_analysis {
	struct pm_summary sum;
	struct pm_findings findings;
	struct pm_verdict verdict;
	struct pm_samples samples; /**< allocations of the verdict's suspect tag */
};

/** Gather the pool data as needed (hence not const; the scan with o->scan), build the summary,
 * run the rules and sample the suspect tag's allocations. */
struct pm_error *pm_analyze(struct pm_info *in, const struct pm_analyze_opts *o,
			    struct pm_analysis *ret);
void pm_analysis_deinit(struct pm_analysis *a);

/**
 * The analyze report as one tree (schema poolmortem.analyze/1): verdict, findings, the
 * suspect tag's samples, the summary, then info, vm, poolused and bigpool. A part that cannot be written keeps its key,
 * holding {"error": {"code", "message"}}.
 */
struct pm_error *pm_json_analyze(const struct pm_info *in, const struct pm_analysis *a,
				 const struct pm_analyze_opts *o, cJSON **ret);

/**
 * pm_analyze(), then the report in o->format as text (JSON pretty-printed from the tree). The
 * verdict is also returned (for the exit code).
 */
struct pm_error *pm_report_analyze(struct pm_info *in, const struct pm_analyze_opts *o,
				   char **ret, struct pm_verdict *verdict_ret);

#endif
