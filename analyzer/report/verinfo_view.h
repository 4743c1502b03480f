/* SPDX-License-Identifier: MIT */
/**
 * @file verinfo_view.h
 * An image's link date and version resource (pm-verinfo.h), formatted once for every
 * rendering: the listing's short form (lm: FileVersion, CompanyName, ProductName), the full
 * form of the driver evidence and of `tags`, and JSON (schema $defs "version" and
 * "link_date"). A version resource that is not there says why; a string the resource does not
 * hold says so; neither is ever an empty string.
 */
#ifndef PM_VERINFO_VIEW_H
#define PM_VERINFO_VIEW_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "jsonb.h"
#include "pm-verinfo.h"
#include "strbuf.h"

/** "linked 2011-06-21 (TimeDateStamp 0x4E000002)", or the stamp as a value when it is no
 * date, or "link date unknown (no TimeDateStamp read)". */
void pm_link_text(struct pm_strbuf *sb, uint32_t timestamp);
/** The listing's form: 'File version 10.0.19041.1110; CompanyName "Microsoft Corporation";
 * ProductName "..."' (as lm v names them), or "version resource not in the dump". */
void pm_verinfo_short(struct pm_strbuf *sb, const struct pm_verinfo *v);
/** Every fact, for the vendor ticket: both versions, the five strings (or that the resource
 * does not hold one), the StringTable read. */
void pm_verinfo_full(struct pm_strbuf *sb, const struct pm_verinfo *v);
/** The same as a pm_verinfo_full() text in a newly allocated string (NULL on OOM). */
char *pm_verinfo_full_str(const struct pm_verinfo *v);
/** An image's facts on one line: the link text, then the short (listing) or full form of its
 * version resource, "; " between. */
void pm_image_facts(struct pm_strbuf *sb, uint32_t timestamp, const struct pm_verinfo *v,
		    bool full);
/** The same in a newly allocated string (NULL on OOM). */
char *pm_image_facts_str(uint32_t timestamp, const struct pm_verinfo *v, bool full);
/** Member @p k: the version object, or {value: null, absent, detail}. */
void pm_verinfo_json(struct pm_jb *j, cJSON *o, const char *k, const struct pm_verinfo *v);
/** Members "timestamp" (hex) and "link_date" ("2011-06-21", or absent: not a date). */
void pm_link_json(struct pm_jb *j, cJSON *o, uint32_t timestamp);

#endif
