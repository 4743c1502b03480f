/* SPDX-License-Identifier: MIT */
/** @file summary_holders.h The "holders" member of the summary JSON, both ways. */
#ifndef PM_SUMMARY_HOLDERS_H
#define PM_SUMMARY_HOLDERS_H

#include <cjson/cJSON.h>

#include "pm-error.h"
#include "summary.h"

/** Add "holders" to the summary object @p parent. */
struct pm_error *pm_sum_holders_json(const struct pm_sum_holders *h, cJSON *parent);
/** Read "holders" of the untrusted summary object @p parent (absent: every part absent,
 * "not in the summary"); on error the caller frees what was allocated (pm_summary_deinit). */
struct pm_error *pm_sum_holders_read(const cJSON *parent, const char *what,
				     struct pm_sum_holders *h);

#endif
