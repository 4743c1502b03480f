/* SPDX-License-Identifier: MIT */
/** @file analyze.h `analyze`: every pool view of one dump in one report (text or JSON). */
#ifndef PM_ANALYZE_H
#define PM_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>

#include "info.h"
#include "poolview.h"

struct pm_analyze_opts {
	bool scan;  /**< walk the pool pages too */
	size_t top; /**< rows in the text poolused tables (JSON has every tag) */
};

/** Gathers the pool data as needed (hence not const). Schema poolmortem.analyze/1. */
struct pm_error *pm_report_analyze(struct pm_info *in, const struct pm_analyze_opts *o, bool json,
				   char **ret);

#endif
