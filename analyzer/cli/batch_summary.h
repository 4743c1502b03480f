/* SPDX-License-Identifier: MIT */
/**
 * @file batch_summary.h
 * The summary of batch records (every line of a batch's output, earlier runs included, or
 * of several shards' outputs: `merge`). It does not depend on the order of the lines:
 *
 * - one record per input: a later record of the same canonical path and content head
 *   replaces an earlier one (a re-run), and a record made without reading the input (a
 *   missing file) is replaced by any later record of its path;
 * - duplicates: analyzed records with the same identity ("id", or "sha256") are one dump,
 *   counted once (the first by path);
 * - machines: unique dumps that say the same machine (release, build, processors, RAM,
 *   kernel) and the same boot (system time minus uptime, within 5 s) are snapshots of one
 *   machine: the top tags add up only each such machine's latest snapshot;
 * - buckets by verdict + tag + driver + holder, each with its members (paths) and machines;
 * - the lists of errors, skipped files, incomplete dumps and duplicates.
 *
 * Schema poolmortem.batch-summary/1 for JSON.
 */
#ifndef PM_BATCH_SUMMARY_H
#define PM_BATCH_SUMMARY_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "pm-error.h"
#include "strmap.h"

struct pm_batch_tagv {
	char tag[5];
	double bytes;
};

/** One record, as the summary keeps it. */
struct pm_batch_rec {
	char *path, *canon, *head, *id, *sha, *input, *code, *msg, *bucket, *machine;
	char status; /**< 'a' analyzed, 'e' error, 's' skipped */
	bool incomplete, decided; /**< decided: made without reading the input (no head) */
	double boot, systime; /**< NAN: unknown */
	struct pm_batch_tagv *tags;
	size_t ntags;
	size_t seq;    /**< line order */
	bool dead;     /**< replaced by a later record of the same input */
	size_t dup_of; /**< index of the dump it duplicates, or SIZE_MAX */
	size_t group;  /**< its machine (snapshots of one boot share it) */
};

struct pm_batch_bucket {
	char *key; /**< "resource | tag | driver | holder", "healthy | - | - | -", ... */
	size_t count, machines;
	size_t *members; /**< indexes of unique dumps, by path */
};

struct pm_batch_tagsum {
	char tag[5];
	double bytes; /**< each machine's latest snapshot, summed */
	size_t dumps, machines;
};

struct pm_batch_summary {
	struct pm_batch_rec *recs; /**< sorted by path after pm_batch_summary_finish() */
	size_t nrecs, cap;
	/* after finish: */
	size_t total, analyzed, unique, dups, errors, skipped, healthy, unhealthy, inconclusive,
		incomplete, replaced, machines, snapshots;
	struct pm_batch_bucket *buckets; /**< most dumps first, then by key */
	size_t nbuckets;
	struct pm_batch_tagsum *tags; /**< most bytes first, then by tag */
	size_t ntags;
};

/** An empty summary; add lines, then pm_batch_summary_finish(). */
void pm_batch_summary_init(struct pm_batch_summary *s);
/** One NDJSON line (without its newline); a line that does not parse is skipped. */
struct pm_error *pm_batch_summary_add(struct pm_batch_summary *s, const char *line, size_t len);
/** Add every complete line of the NDJSON file @p path (a half-written last line is
 * skipped, as a killed batch leaves it). */
struct pm_error *pm_batch_summary_add_file(struct pm_batch_summary *s, const char *path);
/** Replace, de-duplicate, group and rank (no line may be added after). */
struct pm_error *pm_batch_summary_finish(struct pm_batch_summary *s);
/** Summarize NDJSON @p text (a half-written last line is skipped). */
struct pm_error *pm_batch_summarize(const char *text, struct pm_batch_summary *ret);
/** Summarize the NDJSON file @p path, line by line. */
struct pm_error *pm_batch_summarize_file(const char *path, struct pm_batch_summary *ret);
void pm_batch_summary_deinit(struct pm_batch_summary *s);
/** For people: counts, buckets with members, top tags, and the lists. Caller frees. */
struct pm_error *pm_batch_summary_text(const struct pm_batch_summary *s, char **ret);
/** poolmortem.batch-summary/1. */
struct pm_error *pm_batch_summary_json(const struct pm_batch_summary *s, cJSON **ret);

#endif
