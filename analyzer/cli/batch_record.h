/* SPDX-License-Identifier: MIT */
/**
 * @file batch_record.h
 * The records `batch` writes (schema poolmortem.batch/1, one JSON line per input) and their
 * two other forms: one row for people on a terminal, one CSV row for spreadsheets.
 *
 * Every record has "path" (as batch named it), "canonical_path" (the file's real path, plus
 * "::MEMBER"), "status" ("analyzed", "error" or "skipped") and "input" (what the file is:
 * "crash dump", "raw", "ELF", "kdump", "empty", "user-mode minidump", "not a dump",
 * "missing", "unreadable", ...). An analyzed record is the analyze report plus "id" and
 * "id_basis" (batch_ident.h), "head_sha256" (the content's first 8 KiB), "sha256" with
 * --full-hash, and "incomplete" (why) when part of the dump was unreadable. An error record
 * has "error": {code, message}; a skipped record "skipped": {reason}.
 */
#ifndef PM_BATCH_RECORD_H
#define PM_BATCH_RECORD_H

#include <cjson/cJSON.h>

#include "batch_discover.h"
#include "pm-error.h"
#include "strbuf.h"

/** The record of @p c when it is not analyzed: an error (@p skipped false) or a skipped
 * file, with @p code and @p msg. A malloc'd line without its newline; NULL: no memory. */
char *pm_batch_line_decided(const struct pm_batch_cand *c, bool skipped, const char *code,
			    const char *msg);
/** The analyze report @p t made @p c's record. @p sha ("" none), @p incomplete (NULL none). */
struct pm_error *pm_batch_record_analyzed(cJSON *t, const struct pm_batch_cand *c,
					  const char *id, const char *basis, const char *sha,
					  const char *incomplete);

/** The status of a record ("analyzed", "error", "skipped"), also for older records. */
/** The member a dotted path ("verdict.tag") names in @p o, or NULL (a key of 64 bytes or more
 * names nothing). */
const cJSON *pm_batch_at(const cJSON *o, const char *path);
const char *pm_batch_status(const cJSON *rec);

/** The header of the rows for people, then one row per record (a line each). */
void pm_batch_rows_header(struct pm_strbuf *sb);
void pm_batch_row(const cJSON *rec, struct pm_strbuf *sb);
/** CSV (RFC 4180): the header, then one row per record (@p dup_of: the path of the dump it
 * duplicates, or NULL). */
void pm_batch_csv_header(struct pm_strbuf *sb);
void pm_batch_csv_row(const cJSON *rec, const char *dup_of, struct pm_strbuf *sb);

#endif
