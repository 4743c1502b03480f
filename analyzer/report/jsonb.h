/* SPDX-License-Identifier: MIT */
/**
 * @file jsonb.h
 * Building a JSON report with cJSON: every constructor's result goes through pm_jb_chk(), the
 * first failure is remembered, and pm_jb_finish() turns it into PM_ERR_NOMEM. Shared by the
 * report writers (report_json.c, report_json_pool.c).
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
void pm_jb_num(struct pm_jb *j, cJSON *o, const char *k, double v);
/** @p s NULL: JSON null. */
void pm_jb_str(struct pm_jb *j, cJSON *o, const char *k, const char *s);
void pm_jb_bool(struct pm_jb *j, cJSON *o, const char *k, bool b);
/** A new object member; on OOM @p o itself, so the caller goes on harmlessly. */
cJSON *pm_jb_obj(struct pm_jb *j, cJSON *o, const char *k);
/** Print @p root (then deleted) into *ret, or PM_ERR_NOMEM if anything failed. */
struct pm_error *pm_jb_finish(struct pm_jb *j, cJSON *root, char **ret);

#endif
