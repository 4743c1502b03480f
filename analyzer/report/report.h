/* SPDX-License-Identifier: MIT */
/**
 * @file report.h
 * Report writers for `info`: they build strings; only the CLI prints them.
 * The JSON schema is versioned ("poolmortem.info/1"): addresses as hex strings, absent values
 * as {"value": null, "absent": reason, "detail": text}.
 */
#ifndef PM_REPORT_H
#define PM_REPORT_H

#include "info.h"
#include "pm-error.h"

#define PM_INFO_SCHEMA "poolmortem.info/1"

/** Text for terminals. @p display_name is the path as the user gave it. */
struct pm_error *pm_report_info_text(const struct pm_info *in, const char *display_name,
				     char **ret);
/** JSON (pretty-printed, deterministic key order). */
struct pm_error *pm_report_info_json(const struct pm_info *in, const char *display_name,
				     char **ret);

/** `symbols`: the identity the kernel image asks for, where symbols were looked for, what was
 * found and what the analysis took from them. */
struct pm_error *pm_report_symbols_text(const struct pm_info *in, const char *display_name,
					char **ret);
struct pm_error *pm_report_symbols_json(const struct pm_info *in, const char *display_name,
					char **ret);

/** FILETIME (100 ns since 1601) to "YYYY-MM-DDTHH:MM:SSZ"; false if out of range. */
bool pm_filetime_iso(uint64_t ft, char out[32]);

#endif
