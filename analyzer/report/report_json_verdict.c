// SPDX-License-Identifier: MIT
// JSON for the verdict and findings (members of the analyze report).
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verdict_view.h"

/* Out-of-memory flag for one rendering; each call of the public function owns one. */
static _Thread_local bool oom;

static cJSON *c(cJSON *x)
{
	if (!x)
		oom = true;
	return x;
}

static void str(cJSON *o, const char *k, const char *v)
{
	c(v ? cJSON_AddStringToObject(o, k, v) : cJSON_AddNullToObject(o, k));
}

static void arr_str(cJSON *o, const char *k, const char *base, unsigned n, size_t stride)
{
	cJSON *a = c(cJSON_AddArrayToObject(o, k));
	for (unsigned i = 0; a && i < n; i++) {
		cJSON *s = c(cJSON_CreateString(base + i * stride));
		if (s)
			cJSON_AddItemToArray(a, s);
	}
}

struct pm_error *pm_verdict_json_members(const struct pm_verdict *v, const struct pm_findings *f,
					 char **ret)
{
	oom = false;
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return &pm_enomem;
	cJSON *vo = c(cJSON_AddObjectToObject(root, "verdict"));
	if (vo) {
		c(cJSON_AddBoolToObject(vo, "healthy", v->healthy));
		str(vo, "resource", v->healthy ? NULL : pm_resource_name(v->resource));
		str(vo, "severity", pm_severity_name(v->severity));
		str(vo, "confidence", pm_confidence_name(v->confidence));
		str(vo, "summary", v->summary);
		char t[5];
		pm_sum_tag_str(v->tag, t);
		str(vo, "tag", v->tag ? t : NULL);
		str(vo, "driver", v->driver[0] ? v->driver : NULL);
	}
	cJSON *fa = c(cJSON_AddArrayToObject(root, "findings"));
	for (size_t i = 0; fa && i < f->n; i++) {
		const struct pm_finding *fi = &f->items[i];
		cJSON *o = c(cJSON_CreateObject());
		if (!o)
			break;
		cJSON_AddItemToArray(fa, o);
		str(o, "rule", fi->rule);
		str(o, "severity", pm_severity_name(fi->severity));
		str(o, "confidence", pm_confidence_name(fi->confidence));
		str(o, "resource", pm_resource_name(fi->resource));
		str(o, "title", fi->title);
		arr_str(o, "evidence", fi->evidence[0], fi->nevidence,
			sizeof(fi->evidence[0]));
		cJSON *ta = c(cJSON_AddArrayToObject(o, "suspect_tags"));
		for (unsigned k = 0; ta && k < fi->ntags; k++) {
			const struct pm_ranked_tag *r = &fi->tags[k];
			cJSON *x = c(cJSON_CreateObject());
			if (!x)
				break;
			cJSON_AddItemToArray(ta, x);
			char t[5];
			pm_sum_tag_str(r->tag, t);
			str(x, "tag", t);
			str(x, "pool", pm_resource_name(r->pool));
			c(cJSON_AddNumberToObject(x, "bytes", (double)r->bytes));
			c(cJSON_AddNumberToObject(x, "outstanding", (double)r->outstanding));
			c(cJSON_AddNumberToObject(x, "share", r->share));
			arr_str(x, "reasons", r->reasons[0], r->nreasons,
				sizeof(r->reasons[0]));
		}
		cJSON *da = c(cJSON_AddArrayToObject(o, "suspect_drivers"));
		for (unsigned k = 0; da && k < fi->ndrivers; k++) {
			const struct pm_ranked_driver *d = &fi->drivers[k];
			cJSON *x = c(cJSON_CreateObject());
			if (!x)
				break;
			cJSON_AddItemToArray(da, x);
			char t[5];
			pm_sum_tag_str(d->tag, t);
			str(x, "tag", t);
			str(x, "name", d->name);
			str(x, "evidence", d->how);
			str(x, "detail", d->detail);
		}
		arr_str(o, "next_steps", fi->steps[0], fi->nsteps, sizeof(fi->steps[0]));
		str(o, "references", fi->refs);
	}
	arr_str(root, "not_evaluated", f->not_evaluated[0], f->nnot,
		sizeof(f->not_evaluated[0]));
	char *s = oom ? NULL : cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return &pm_enomem;
	/* strip the outer braces: the caller embeds the members in its own object */
	size_t n = strlen(s);
	char *b = strchr(s, '{'), *e = strrchr(s, '}');
	if (!b || !e || e < b) {
		free(s);
		return &pm_enomem;
	}
	*e = 0;
	memmove(s, b + 1, (size_t)(e - b));
	(void)n;
	*ret = s;
	return NULL;
}
