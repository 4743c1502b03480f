/* SPDX-License-Identifier: MIT */
/**
 * @file trend.h
 * Growth of tags across several dumps of one machine (grouped by what the dumps say about
 * the machine: release, build, processors, RAM, kernel identity; or forced into one group).
 * The rate is the least-squares slope of a tag's bytes against uptime (one boot) or the wall
 * clock (reboots in between), fastest-growing first. Schema poolmortem.trend/1.
 */
#ifndef PM_TREND_H
#define PM_TREND_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "pm-error.h"

/** @p docs are analyze (or batch line) reports. */
struct pm_error *pm_trend_report(const cJSON *const *docs, size_t n, bool one_machine, size_t top,
				 bool json, char **ret);

#endif
