// SPDX-License-Identifier: MIT
// A module's version resource in the summary's JSON (summary_version.h).
#include <stdio.h>
#include <string.h>

#include "summary_version.h"

const char *const pm_sum_version_keys[PM_VER_NSTR] = { "company", "product", "description",
						       "file_version_string",
						       "original_filename" };

static bool add_str(cJSON *o, const char *k, const char *s)
{
	return s ? cJSON_AddStringToObject(o, k, s) != NULL : cJSON_AddNullToObject(o, k) != NULL;
}

static bool add_quad(cJSON *o, const char *k, bool has, const uint16_t q[4])
{
	char s[24];
	snprintf(s, sizeof(s), "%u.%u.%u.%u", q[0], q[1], q[2], q[3]);
	return add_str(o, k, has ? s : NULL);
}

bool pm_sum_version_to_json(cJSON *module, const struct pm_verinfo *v)
{
	cJSON *x = cJSON_AddObjectToObject(module, "version");
	if (!x)
		return false;
	if (v->absent) {
		const char *why = pm_absent_name(v->absent);
		return cJSON_AddNullToObject(x, "value") &&
		       cJSON_AddStringToObject(x, "absent", why ? why : "unreadable") &&
		       (!v->why[0] || cJSON_AddStringToObject(x, "detail", v->why));
	}
	bool ok = add_quad(x, "file_version", v->has_fixed, v->file_version) &&
		  add_quad(x, "product_version", v->has_fixed, v->product_version);
	for (unsigned i = 0; ok && i < PM_VER_NSTR; i++)
		ok = add_str(x, pm_sum_version_keys[i], v->has_str[i] ? v->str[i] : NULL);
	ok = ok && add_str(x, "string_table", v->lang[0] ? v->lang : NULL);
	cJSON *cut = ok ? cJSON_AddArrayToObject(x, "truncated") : NULL;
	for (unsigned i = 0; cut && i < PM_VER_NSTR; i++) {
		cJSON *k = v->str_cut[i] ? cJSON_CreateString(pm_ver_key((enum pm_ver_str)i)) : NULL;
		if (v->str_cut[i] && (!k || !cJSON_AddItemToArray(cut, k))) {
			cJSON_Delete(k);
			return false;
		}
	}
	return cut != NULL;
}

/* @p src into @p dst (n bytes), cut on a UTF-8 character boundary; true when it was cut. */
static bool copy_cut(char *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	bool cut = len >= n;
	if (cut) {
		len = n - 1;
		while (len && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(dst, src, len);
	dst[len] = 0;
	return cut;
}

static bool get_quad(const cJSON *x, const char *k, uint16_t q[4])
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(x, k);
	unsigned a, b, c, d;
	char end;
	if (!cJSON_IsString(s) || !s->valuestring ||
	    sscanf(s->valuestring, "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) != 4 || a > 0xFFFF ||
	    b > 0xFFFF || c > 0xFFFF || d > 0xFFFF)
		return false;
	q[0] = (uint16_t)a, q[1] = (uint16_t)b, q[2] = (uint16_t)c, q[3] = (uint16_t)d;
	return true;
}

void pm_sum_version_from_json(const cJSON *module, struct pm_verinfo *v)
{
	memset(v, 0, sizeof(*v));
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(module, "version");
	if (!cJSON_IsObject(x)) {
		v->absent = PM_ABSENT_NOT_AVAILABLE;
		snprintf(v->why, sizeof(v->why), "the summary does not carry it");
		return;
	}
	const cJSON *ab = cJSON_GetObjectItemCaseSensitive(x, "absent");
	if (cJSON_IsString(ab) && ab->valuestring) {
		if (!pm_absent_parse(ab->valuestring, &v->absent) || !v->absent)
			v->absent = PM_ABSENT_UNREADABLE;
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(x, "detail");
		if (cJSON_IsString(d) && d->valuestring)
			copy_cut(v->why, sizeof(v->why), d->valuestring);
		return;
	}
	v->has_fixed = get_quad(x, "file_version", v->file_version);
	if (!get_quad(x, "product_version", v->product_version))
		v->has_fixed = false;
	for (unsigned i = 0; i < PM_VER_NSTR; i++) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(x, pm_sum_version_keys[i]);
		if (!cJSON_IsString(s) || !s->valuestring || !s->valuestring[0])
			continue;
		v->str_cut[i] = copy_cut(v->str[i], sizeof(v->str[i]), s->valuestring);
		v->has_str[i] = true;
	}
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(x, "string_table");
	if (cJSON_IsString(t) && t->valuestring)
		copy_cut(v->lang, sizeof(v->lang), t->valuestring);
	const cJSON *cut = cJSON_GetObjectItemCaseSensitive(x, "truncated");
	const cJSON *c;
	cJSON_ArrayForEach(c, cut)
		for (unsigned i = 0; i < PM_VER_NSTR; i++)
			if (cJSON_IsString(c) && c->valuestring &&
			    !strcmp(c->valuestring, pm_ver_key((enum pm_ver_str)i)))
				v->str_cut[i] = true;
}
