/* SPDX-License-Identifier: MIT */
/**
 * @file poolview.h
 * Views over the pool bookkeeping that `poolused` and `bigpool` print: row selection (tag
 * patterns with * and ?), sort orders and totals (their renderings are report.h's). Views
 * borrow from the pm_info they are made from; nothing here reads dump bytes.
 */
#ifndef PM_POOLVIEW_H
#define PM_POOLVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "info.h"
#include "rules.h"

enum pm_pool_sort { PM_SORT_TAG, PM_SORT_NONPAGED, PM_SORT_PAGED, PM_SORT_ALLOCS };

struct pm_poolused_opts {
	enum pm_pool_sort sort;
	size_t top;          /**< 0 = all rows */
	const char *pattern; /**< NULL = all tags */
	bool verbose;        /**< cumulative allocs and frees too, and rows with nothing outstanding */
	bool scan;           /**< add the pool-page scan and its cross-check with the tracker */
	const struct pm_rule_params *params; /**< the tags' descriptions (pooltag.txt, knowledge
						  base); NULL: no description column */
	bool session_only;   /**< !poolused 8: the session pool only */
};

/** A disagreement between the pool-page scan and the tag tracker for one tag and pool. */
struct pm_scan_note {
	uint32_t tag;
	bool paged;
	uint64_t tracker_small; /**< tracker outstanding minus the tag's live big allocations */
	uint64_t scan_count;    /**< allocated chunks the scan found */
	const char *what;
};

/** Cross-check scan and tracker (both must be present); caller frees *ret. */
size_t pm_scan_consistency(const struct pm_pool_info *p, struct pm_scan_note **ret);

struct pm_bigpool_opts {
	bool show_free; /**< list freed slots too (their tag and size are stale) */
	const char *pattern;
	const struct pm_rule_params *params; /**< the tags' descriptions; NULL: none */
};

/** Case-sensitive match of a 4-character tag against a pattern with * and ?. */
bool pm_tag_match(const char *pattern, uint32_t tag);
/** The tag as 4 printable characters ('?' for others) in @p out[5]. */
void pm_tag_str(uint32_t tag, char out[5]);

/** Selected, sorted rows (pointers into the tracker result); caller frees the array. The
 * first *n_ret are shown (o->top); all *nall_ret rows match o->pattern (the totals are theirs). */
const struct pm_tag_counts **pm_poolused_rows(const struct pm_pooltrack *t,
					     const struct pm_poolused_opts *o, size_t *n_ret,
					     size_t *nall_ret);


#endif
