/* SPDX-License-Identifier: MIT */
/** @file analyze.h `analyze`: every pool view of one dump in one report (text or JSON). */
#ifndef PM_ANALYZE_H
#define PM_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>

#include "info.h"
#include "poolview.h"
#include "rules.h"

enum pm_format { PM_FMT_TEXT, PM_FMT_JSON, PM_FMT_MD, PM_FMT_HTML };

struct pm_analyze_opts {
	bool scan;  /**< walk the pool pages too */
	size_t top; /**< rows in the text poolused tables (JSON has every tag) */
	enum pm_format format;
	bool color; /**< ANSI colour in text (the CLI sets it on a TTY) */
	const struct pm_rule_params *params;
};

/**
 * Gathers the pool data as needed (hence not const), builds the summary, runs the rules and
 * renders. Schema poolmortem.analyze/1. The verdict is also returned (for the exit code).
 */
struct pm_error *pm_report_analyze(struct pm_info *in, const struct pm_analyze_opts *o,
				   char **ret, struct pm_verdict *verdict_ret);

#endif
