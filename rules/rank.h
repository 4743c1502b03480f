/* SPDX-License-Identifier: MIT */
/* Shared by the rules (private to rules/): ranking suspect tags and their owning drivers. */
#ifndef PM_RANK_H
#define PM_RANK_H

#include "rules.h"

/** Usage of @p pool in bytes from the summary (pool usage figure, else tracker total). */
bool pm_pool_usage_bytes(const struct pm_summary *s, enum pm_resource pool, uint64_t *ret,
			 const char **source_ret);
/** Rank tags consuming @p pool into fi->tags (largest first, with reasons). */
void pm_rank_tags(const struct pm_summary *s, const struct pm_rule_params *p,
		  enum pm_resource pool, struct pm_finding *fi);
/** Rank the likely owners of fi->tags[0..] into fi->drivers. */
void pm_rank_drivers(const struct pm_summary *s, const struct pm_rule_params *p,
		     struct pm_finding *fi);
/** Bugcheck knowledge for the dump's code, or NULL. */
const struct pm_bugcheck_info *pm_bugcheck_info(const struct pm_summary *s,
						const struct pm_rule_params *p);
/** Whether a pool maximum is a real limit (not the ~16 TB of x64 8.1+). */
bool pm_max_meaningful(const struct pm_summary *s, const struct pm_fig *max);

#endif
