/* SPDX-License-Identifier: MIT */
/**
 * @file jsonb.h
 * Building JSON reports as cJSON trees: every constructor's result goes through pm_jb_chk(),
 * the first failure is remembered, and pm_jb_done() turns it into PM_ERR_NOMEM (deleting the
 * tree). Writers return or extend trees; a report is printed once, by pm_json_print(), from
 * the whole tree (nothing is spliced as text).
 */
#ifndef PM_JSONB_H
#define PM_JSONB_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "pm-error.h"

struct pm_jb {
	bool oom;
};

cJSON *pm_jb_chk(struct pm_jb *j, cJSON *x);
/** "0x1a" (a hex string: JSON numbers lose 64-bit addresses). */
void pm_jb_hex(struct pm_jb *j, cJSON *o, const char *k, uint64_t v);
/** A pool tag's four characters (fmt.h). */
void pm_jb_tag(struct pm_jb *j, cJSON *o, const char *k, uint32_t tag);
void pm_jb_num(struct pm_jb *j, cJSON *o, const char *k, double v);
/** @p s NULL: JSON null. */
void pm_jb_str(struct pm_jb *j, cJSON *o, const char *k, const char *s);
void pm_jb_bool(struct pm_jb *j, cJSON *o, const char *k, bool b);
void pm_jb_null(struct pm_jb *j, cJSON *o, const char *k);
/** A new object member; on OOM @p o itself, so the caller goes on harmlessly. */
cJSON *pm_jb_obj(struct pm_jb *j, cJSON *o, const char *k);
/** A new array member; NULL on OOM. */
cJSON *pm_jb_arr(struct pm_jb *j, cJSON *o, const char *k);
/** A new object appended to @p arr; NULL on OOM. */
cJSON *pm_jb_push_obj(struct pm_jb *j, cJSON *arr);
void pm_jb_push_str(struct pm_jb *j, cJSON *arr, const char *s);
/** Attach @p item (a tree built elsewhere; NULL counts as OOM) as member @p k. */
void pm_jb_put(struct pm_jb *j, cJSON *o, const char *k, cJSON *item);
/** {"value": null, "absent": reason, "detail": detail} (no detail when NULL or ""). */
void pm_jb_absent(struct pm_jb *j, cJSON *o, const char *k, const char *reason,
		  const char *detail);
/** A part that could not be written: {"error": {"code": "NOMEM", "message": "..."}}. */
void pm_jb_error(struct pm_jb *j, cJSON *o, const char *k, const struct pm_error *err);
/** Hand @p root to *ret, or delete it and return PM_ERR_NOMEM if anything failed. */
struct pm_error *pm_jb_done(struct pm_jb *j, cJSON *root, cJSON **ret);
/** As pm_jb_done(), then print (pretty) into *ret. */
struct pm_error *pm_jb_finish(struct pm_jb *j, cJSON *root, char **ret);
/** Text of a whole tree: pretty (reports) or on one line (NDJSON). */
struct pm_error *pm_json_print(const cJSON *root, bool pretty, char **ret);

#endif
