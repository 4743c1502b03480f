// SPDX-License-Identifier: MIT
// The checked cJSON building helpers of jsonb.h.
#include <inttypes.h>
#include <stdio.h>

#include "jsonb.h"

cJSON *pm_jb_chk(struct pm_jb *j, cJSON *x)
{
	if (!x)
		j->oom = true;
	return x;
}

void pm_jb_hex(struct pm_jb *j, cJSON *o, const char *k, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	pm_jb_chk(j, cJSON_AddStringToObject(o, k, b));
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

cJSON *pm_jb_obj(struct pm_jb *j, cJSON *o, const char *k)
{
	cJSON *x = pm_jb_chk(j, cJSON_AddObjectToObject(o, k));
	return x ? x : o;
}

struct pm_error *pm_jb_finish(struct pm_jb *j, cJSON *root, char **ret)
{
	char *s = j->oom ? NULL : cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
