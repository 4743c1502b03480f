/* SPDX-License-Identifier: MIT */
/* Shared by the rules (private to rules/): ranking suspect tags and their owning drivers. */
#ifndef PM_RANK_H
#define PM_RANK_H

#include "rules.h"

/** Usage of @p pool in bytes from the summary (pool usage figure, else tracker total). */
bool pm_pool_usage_bytes(const struct pm_summary *s, enum pm_resource pool, uint64_t *ret,
			 const char **source_ret);
/** Whether @p pool's usage is an estimate (the tag tracker's sums), not a counter. */
bool pm_pool_usage_estimate(const struct pm_summary *s, enum pm_resource pool);
/** Whether the summary's RAM is an upper bound (a bitmap's length, holes included). */
bool pm_ram_upper_bound(const struct pm_summary *s);
/** Whether the tag counts are partial data: fewer processors' tables than the machine has,
 * or tables that disagree with themselves (tags with more frees than allocations). */
bool pm_tracker_partial(const struct pm_summary *s);
/** Why the tag counts are partial, as a clause ("the tag counts come from 1 of 4 ..."). */
void pm_tracker_partial_text(const struct pm_summary *s, char *out, size_t n);
/** Rank tags of both pools into fi->tags against @p charged bytes of commit (@p what, from
 * @p src: "committed memory", "both pools"). */
void pm_rank_tags_commit(const struct pm_summary *s, const struct pm_rule_params *p,
			 struct pm_finding *fi, uint64_t charged, const char *what,
			 const char *src);
/** Rank tags consuming @p pool into fi->tags (largest first, with reasons). */
void pm_rank_tags(const struct pm_summary *s, const struct pm_rule_params *p,
		  enum pm_resource pool, struct pm_finding *fi);
/** Rank the likely owners of fi->tags[0..] into fi->drivers. */
void pm_rank_drivers(const struct pm_summary *s, const struct pm_rule_params *p,
		     struct pm_finding *fi);
/** The strongest owner of @p tag that may be blamed (one not found only through a shared
 * library tag), or NULL. */
const struct pm_ranked_driver *pm_rank_blamed(const struct pm_finding *fi, uint32_t tag);
/** Bugcheck knowledge for the dump's code, or NULL. */
const struct pm_bugcheck_info *pm_bugcheck_info(const struct pm_summary *s,
						const struct pm_rule_params *p);
/** The limits table's row for the dump's version and architecture, or NULL. */
const struct pm_limit *pm_limit_for(const struct pm_summary *s, const struct pm_rule_params *p);
/** Whether a figure is absent because this dump's copy of it is damaged: it could not be read
 * where the KDBG or the symbols say it is, or another figure contradicts it (implausible). */
bool pm_fig_damaged(const struct pm_fig *f);
/** Whether a figure is absent because the symbols given fail it: they lack it where every
 * real kernel of the build has it, or contradict themselves there. */
bool pm_fig_symbols_failed(const struct pm_fig *f);
/** Why a damaged figure, or one the symbols failed, is absent, as words ("implausible:
 * another figure contradicts it (see the coverage)", "unreadable in this dump (see the
 * diagnostics)", "not given by the symbol file (see the coverage)"); @p otherwise else. */
const char *pm_fig_absent_words(const struct pm_fig *f, const char *otherwise);
/** Whether the pools' maxima are the limit on this build (32-bit, x64 before 8.1), not RAM. */
bool pm_max_matters(const struct pm_summary *s);
/** Whether a pool maximum is a real limit (not the ~16 TB of x64 8.1+). */
bool pm_max_meaningful(const struct pm_summary *s, const struct pm_fig *max);

#endif
