/* SPDX-License-Identifier: MIT */
/** @file summary_json.h The summary as JSON (poolmortem.summary/1), both ways. */
#ifndef PM_SUMMARY_JSON_H
#define PM_SUMMARY_JSON_H

#include "pm-error.h"
#include "summary.h"

struct pm_error *pm_summary_to_json(const struct pm_summary *s, char **ret);
/** Parse untrusted JSON; @p what names the input in errors. */
struct pm_error *pm_summary_from_json(const char *text, const char *what, struct pm_summary *ret);

#endif
