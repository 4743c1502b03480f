/* SPDX-License-Identifier: MIT */
/**
 * @file report.h
 * Report writers for `info`, `symbols`, `poolused`, `bigpool`, `vm` and `read`: text is built
 * as strings, JSON as cJSON trees (the caller owns the tree and prints it once, with
 * pm_json_print()); only the CLI prints. The JSON schemas are versioned ("poolmortem.info/1",
 * ...): addresses as hex strings, absent values as {"value": null, "absent": reason,
 * "detail": text}.
 */
#ifndef PM_REPORT_H
#define PM_REPORT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "info.h"
#include "pm-error.h"
#include "poolview.h"
#include "vmview.h"

#define PM_INFO_SCHEMA "poolmortem.info/1"

/** Text for terminals. @p display_name is the path as the user gave it. */
struct pm_error *pm_report_info_text(const struct pm_info *in, const char *display_name,
				     char **ret);
/** JSON (schema poolmortem.info/1; deterministic key order). */
struct pm_error *pm_json_info(const struct pm_info *in, const char *display_name, cJSON **ret);

/** `symbols`: the identity the kernel image asks for, where symbols were looked for, what was
 * found and what the analysis took from them. */
struct pm_error *pm_report_symbols_text(const struct pm_info *in, const char *display_name,
					char **ret);
struct pm_error *pm_json_symbols(const struct pm_info *in, const char *display_name,
				 cJSON **ret);

/** `poolused` as WinDbg's !poolused prints it (o->top rows); an error when there is no
 * tracker. With o->scan, the pool-page scan and its cross-check. */
struct pm_error *pm_report_poolused_text(const struct pm_info *in,
					 const struct pm_poolused_opts *o, char **ret);
/** `bigpool`: the allocations and per-tag totals; an error when there is no table. */
struct pm_error *pm_report_bigpool_text(const struct pm_info *in, const struct pm_bigpool_opts *o,
					char **ret);
/** `vm` as WinDbg's !vm prints it, each line with its source or why it is missing. */
struct pm_error *pm_report_vm_text(const struct pm_vm_view *v, char **ret);

/** poolmortem.poolused/1: the tracker's tags (every tag, sorted as @p o says), session pool
 * and, with o->scan, the pool-page scan. */
struct pm_error *pm_json_poolused(const struct pm_info *in, const struct pm_poolused_opts *o,
				  cJSON **ret);
/** poolmortem.bigpool/1: the big-page table and its allocations. */
struct pm_error *pm_json_bigpool(const struct pm_info *in, const struct pm_bigpool_opts *o,
				 cJSON **ret);
/** poolmortem.vm/1: the !vm lines, descriptors, failure counters and sessions. */
struct pm_error *pm_json_vm(const struct pm_vm_view *v, cJSON **ret);
/** `read --json`: @p len bytes at @p addr as hex, or (@p buf NULL) why they are absent. */
struct pm_error *pm_json_read(bool phys, uint64_t addr, uint64_t len, const uint8_t *buf,
			      const char *absent, cJSON **ret);

#endif
