// SPDX-License-Identifier: MIT
// An image's link date and version resource, formatted once (verinfo_view.h).
#include <inttypes.h>
#include <stdio.h>

#include "verinfo_view.h"

/* JSON names of the strings, in enum pm_ver_str order */
static const char *const json_keys[PM_VER_NSTR] = { "company", "product", "description",
						    "file_version_string", "original_filename" };

static const char *absent_text(enum pm_absent a)
{
	return pm_absent_text(a) ? pm_absent_text(a) : "unreadable";
}

void pm_link_text(struct pm_strbuf *sb, uint32_t ts)
{
	char day[11];
	if (pm_link_date(ts, day))
		pm_sb_printf(sb, "linked %s (TimeDateStamp 0x%08" PRIX32 ")", day, ts);
	else if (ts)
		pm_sb_printf(sb, "TimeDateStamp 0x%08" PRIX32 " (not a date: a reproducible "
			     "build's hash)", ts);
	else
		pm_sb_printf(sb, "link date unknown (no TimeDateStamp read)");
}

static void version4(struct pm_strbuf *sb, const uint16_t v[4])
{
	pm_sb_printf(sb, "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
}

static void str_or_not(struct pm_strbuf *sb, const struct pm_verinfo *v, enum pm_ver_str i)
{
	if (v->has_str[i])
		pm_sb_printf(sb, "%s \"%s%s\"", pm_ver_key(i), v->str[i],
			     v->str_cut[i] ? "..." : "");
	else
		pm_sb_printf(sb, "%s (not in the resource)", pm_ver_key(i));
}

void pm_verinfo_short(struct pm_strbuf *sb, const struct pm_verinfo *v)
{
	if (v->absent) {
		pm_sb_printf(sb, "version resource %s", absent_text(v->absent));
		return;
	}
	if (v->has_fixed) {
		pm_sb_printf(sb, "File version ");
		version4(sb, v->file_version);
	} else {
		str_or_not(sb, v, PM_VER_FILE_VERSION);
	}
	pm_sb_printf(sb, "; ");
	str_or_not(sb, v, PM_VER_COMPANY);
	pm_sb_printf(sb, "; ");
	str_or_not(sb, v, PM_VER_PRODUCT);
}

void pm_verinfo_full(struct pm_strbuf *sb, const struct pm_verinfo *v)
{
	if (v->absent) {
		pm_sb_printf(sb, "version resource %s%s%s%s", absent_text(v->absent),
			     v->why[0] ? " (" : "", v->why, v->why[0] ? ")" : "");
		return;
	}
	if (v->has_fixed) {
		pm_sb_printf(sb, "File version ");
		version4(sb, v->file_version);
		pm_sb_printf(sb, ", Product version ");
		version4(sb, v->product_version);
	} else {
		pm_sb_printf(sb, "no VS_FIXEDFILEINFO");
	}
	for (unsigned i = 0; i < PM_VER_NSTR; i++) {
		pm_sb_printf(sb, "; ");
		str_or_not(sb, v, (enum pm_ver_str)i);
	}
	if (!v->lang[0])
		pm_sb_printf(sb, " (no StringFileInfo)");
}

char *pm_verinfo_full_str(const struct pm_verinfo *v)
{
	struct pm_strbuf sb = { 0 };
	pm_verinfo_full(&sb, v);
	return pm_sb_take(&sb);
}

void pm_image_facts(struct pm_strbuf *sb, uint32_t ts, const struct pm_verinfo *v, bool full)
{
	pm_link_text(sb, ts);
	pm_sb_printf(sb, "; ");
	if (full)
		pm_verinfo_full(sb, v);
	else
		pm_verinfo_short(sb, v);
}

char *pm_image_facts_str(uint32_t ts, const struct pm_verinfo *v, bool full)
{
	struct pm_strbuf sb = { 0 };
	pm_image_facts(&sb, ts, v, full);
	return pm_sb_take(&sb);
}

static void json_version4(struct pm_jb *j, cJSON *o, const char *k, bool has,
			  const uint16_t v[4])
{
	char s[24];
	snprintf(s, sizeof(s), "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
	pm_jb_str(j, o, k, has ? s : NULL);
}

void pm_verinfo_json(struct pm_jb *j, cJSON *o, const char *k, const struct pm_verinfo *v)
{
	if (v->absent) {
		pm_jb_absent(j, o, k, pm_absent_name(v->absent) ? pm_absent_name(v->absent)
								: "unreadable", v->why);
		return;
	}
	cJSON *x = pm_jb_obj(j, o, k);
	json_version4(j, x, "file_version", v->has_fixed, v->file_version);
	json_version4(j, x, "product_version", v->has_fixed, v->product_version);
	for (unsigned i = 0; i < PM_VER_NSTR; i++)
		pm_jb_str(j, x, json_keys[i], v->has_str[i] ? v->str[i] : NULL);
	pm_jb_str(j, x, "string_table", v->lang[0] ? v->lang : NULL);
	cJSON *cut = pm_jb_arr(j, x, "truncated");
	for (unsigned i = 0; cut && i < PM_VER_NSTR; i++)
		if (v->str_cut[i])
			pm_jb_push_str(j, cut, pm_ver_key((enum pm_ver_str)i));
}

void pm_link_json(struct pm_jb *j, cJSON *o, uint32_t ts)
{
	char day[11];
	pm_jb_hex(j, o, "timestamp", ts);
	if (pm_link_date(ts, day))
		pm_jb_str(j, o, "link_date", day);
	else
		pm_jb_absent(j, o, "link_date", ts ? "not_applicable" : "not_found",
			     ts ? "TimeDateStamp is a reproducible build's hash, not a time"
				: "no TimeDateStamp read (0, or the headers are not in the dump)");
}
