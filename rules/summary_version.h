/* SPDX-License-Identifier: MIT */
/**
 * @file summary_version.h
 * A module's version resource (pm-verinfo.h) in the summary's JSON, in the reports' shape:
 * {"file_version", "product_version", "company", "product", "description",
 * "file_version_string", "original_filename", "string_table", "truncated"} (null: not in the
 * resource), or {"value": null, "absent": reason, "detail": why}.
 */
#ifndef PM_SUMMARY_VERSION_H
#define PM_SUMMARY_VERSION_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "pm-verinfo.h"

/** Add member "version" to @p module; false when out of memory. */
bool pm_sum_version_to_json(cJSON *module, const struct pm_verinfo *v);
/** Read member "version" of @p module; a summary without one (written before it was carried)
 * gives absent "not_available". Strings are cut to fit, on a character boundary. */
void pm_sum_version_from_json(const cJSON *module, struct pm_verinfo *v);

/** The JSON names of the strings, in enum pm_ver_str order. */
extern const char *const pm_sum_version_keys[PM_VER_NSTR];

#endif
