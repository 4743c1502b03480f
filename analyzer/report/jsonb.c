// SPDX-License-Identifier: MIT
// The checked cJSON building helpers of jsonb.h.
#include "fmt.h"
#include "jsonb.h"
#include "pm-utf.h"

cJSON *pm_jb_chk(struct pm_jb *j, cJSON *x)
{
	if (!x)
		j->oom = true;
	return x;
}

void pm_jb_hex(struct pm_jb *j, cJSON *o, const char *k, uint64_t v)
{
	char b[PM_FMT_ADDR];
	pm_jb_chk(j, cJSON_AddStringToObject(o, k, pm_fmt_addr(v, b)));
}

void pm_jb_tag(struct pm_jb *j, cJSON *o, const char *k, uint32_t tag)
{
	char t[PM_FMT_TAG];
	pm_jb_chk(j, cJSON_AddStringToObject(o, k, pm_fmt_tag(tag, t)));
}

void pm_jb_num(struct pm_jb *j, cJSON *o, const char *k, double v)
{
	pm_jb_chk(j, cJSON_AddNumberToObject(o, k, v));
}

void pm_jb_str(struct pm_jb *j, cJSON *o, const char *k, const char *s)
{
	pm_jb_chk(j, s ? cJSON_AddStringToObject(o, k, s) : cJSON_AddNullToObject(o, k));
}

void pm_jb_bool(struct pm_jb *j, cJSON *o, const char *k, bool b)
{
	pm_jb_chk(j, cJSON_AddBoolToObject(o, k, b));
}

void pm_jb_null(struct pm_jb *j, cJSON *o, const char *k)
{
	pm_jb_chk(j, cJSON_AddNullToObject(o, k));
}

cJSON *pm_jb_obj(struct pm_jb *j, cJSON *o, const char *k)
{
	cJSON *x = pm_jb_chk(j, cJSON_AddObjectToObject(o, k));
	return x ? x : o;
}

cJSON *pm_jb_arr(struct pm_jb *j, cJSON *o, const char *k)
{
	return pm_jb_chk(j, cJSON_AddArrayToObject(o, k));
}

cJSON *pm_jb_push_obj(struct pm_jb *j, cJSON *arr)
{
	cJSON *x = pm_jb_chk(j, cJSON_CreateObject());
	if (x && !cJSON_AddItemToArray(arr, x)) {
		cJSON_Delete(x);
		j->oom = true;
		return NULL;
	}
	return x;
}

void pm_jb_push_str(struct pm_jb *j, cJSON *arr, const char *s)
{
	cJSON *x = pm_jb_chk(j, cJSON_CreateString(s));
	if (x && !cJSON_AddItemToArray(arr, x)) {
		cJSON_Delete(x);
		j->oom = true;
	}
}

void pm_jb_put(struct pm_jb *j, cJSON *o, const char *k, cJSON *item)
{
	if (!item || !cJSON_AddItemToObject(o, k, item)) {
		cJSON_Delete(item);
		j->oom = true;
	}
}

void pm_jb_absent(struct pm_jb *j, cJSON *o, const char *k, const char *reason,
		  const char *detail)
{
	cJSON *x = pm_jb_obj(j, o, k);
	pm_jb_null(j, x, "value");
	pm_jb_str(j, x, "absent", reason);
	if (detail && detail[0])
		pm_jb_str(j, x, "detail", detail);
}

void pm_jb_error(struct pm_jb *j, cJSON *o, const char *k, const struct pm_error *err)
{
	cJSON *x = pm_jb_obj(j, pm_jb_obj(j, o, k), "error");
	pm_jb_str(j, x, "code", pm_err_code_name(pm_err_code(err)));
	pm_jb_str(j, x, "message", pm_err_msg(err));
}

struct pm_error *pm_jb_done(struct pm_jb *j, cJSON *root, cJSON **ret)
{
	if (j->oom || !root) {
		cJSON_Delete(root);
		return &pm_enomem;
	}
	*ret = root;
	return NULL;
}

struct pm_error *pm_json_print(const cJSON *root, bool pretty, char **ret)
{
	/* cJSON copies bytes >= 0x80 as they are: a name from a damaged file could be invalid UTF-8 */
	char *s = pm_utf8_repair(pretty ? cJSON_Print(root) : cJSON_PrintUnformatted(root));
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

struct pm_error *pm_jb_finish(struct pm_jb *j, cJSON *root, char **ret)
{
	cJSON *t;
	PM_TRY(pm_jb_done(j, root, &t));
	struct pm_error *err = pm_json_print(t, true, ret);
	cJSON_Delete(t);
	return err;
}
