/* SPDX-License-Identifier: MIT */
/** @file summary_json.h The summary as JSON (poolmortem.summary/1), both ways. */
#ifndef PM_SUMMARY_JSON_H
#define PM_SUMMARY_JSON_H

#include <cjson/cJSON.h>

#include "pm-error.h"
#include "summary.h"

/** The summary as a tree (the caller owns it; the analyze report embeds it). */
struct pm_error *pm_summary_json(const struct pm_summary *s, cJSON **ret);
/** The same, printed (pretty). */
struct pm_error *pm_summary_to_json(const struct pm_summary *s, char **ret);
/** Parse untrusted JSON; @p what names the input in errors. */
struct pm_error *pm_summary_from_json(const char *text, const char *what, struct pm_summary *ret);

#endif
