/* SPDX-License-Identifier: MIT */
/**
 * @file batch_summary.h
 * The summary of a batch's NDJSON (every line of the output, earlier runs included):
 * duplicates (same SHA-256) counted once, buckets by verdict + tag + driver + holder, top tags summed
 * over the unique dumps, and the dumps that could not be analyzed. Schema
 * poolmortem.batch-summary/1 for JSON.
 */
#ifndef PM_BATCH_SUMMARY_H
#define PM_BATCH_SUMMARY_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "pm-error.h"
#include "strmap.h"

struct pm_batch_bucket {
	char key[200]; /**< "resource | tag | driver | holder", "healthy | - | - | -" or
			"inconclusive | - | - | -" */
	size_t count;
	char example[300]; /**< the first dump's path */
	size_t order;      /**< first seen (ties keep it) */
};

struct pm_batch_tagsum {
	char tag[5];
	double bytes; /**< summed over the unique dumps */
	size_t dumps;
	size_t order; /**< first seen (ties keep it) */
};

struct pm_batch_errline {
	char *path, *message;
};

struct pm_batch_summary {
	size_t total, errors, dups, healthy, unhealthy, inconclusive; /* unhealthy: at risk */
	struct pm_batch_bucket *buckets; /**< most dumps first */
	size_t nbuckets;
	struct pm_batch_tagsum *tags; /**< most bytes first */
	size_t ntags;
	struct pm_batch_errline *errs; /**< in the order of the lines */
	size_t nerrs;
	/* indexes: the unique dumps' SHA-256 (for the duplicate test), bucket and tag -> index */
	struct pm_strmap shas, bucket_ix, tag_ix;
};

/** An empty summary; add lines, then pm_batch_summary_finish(). */
void pm_batch_summary_init(struct pm_batch_summary *s);
/** One NDJSON line (without its newline); a line that does not parse is skipped. */
struct pm_error *pm_batch_summary_add(struct pm_batch_summary *s, const char *line, size_t len);
/** Rank the buckets and tags (no line may be added after). */
void pm_batch_summary_finish(struct pm_batch_summary *s);
/** Summarize NDJSON @p text (a half-written last line is skipped, as a killed batch leaves). */
struct pm_error *pm_batch_summarize(const char *text, struct pm_batch_summary *ret);
/** Summarize the NDJSON file @p path, line by line. */
struct pm_error *pm_batch_summarize_file(const char *path, struct pm_batch_summary *ret);
void pm_batch_summary_deinit(struct pm_batch_summary *s);
/** For people: buckets, top tags, errors. Caller frees. */
struct pm_error *pm_batch_summary_text(const struct pm_batch_summary *s, char **ret);
/** poolmortem.batch-summary/1. */
struct pm_error *pm_batch_summary_json(const struct pm_batch_summary *s, cJSON **ret);

#endif
