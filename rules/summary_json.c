// SPDX-License-Identifier: MIT
// The summary as JSON (schema poolmortem.summary/1): written by `poolmortem summary`, read
// back by the rule tests and by `poolmortem rules SUMMARY.json`. Input is untrusted: every
// value is type- and range-checked, unknown keys are ignored.
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary_json.h"

enum { PM_MAX_SUM_TAGS = 1 << 20, PM_MAX_SUM_MODULES = 4096, PM_MAX_SUM_HITS = 1 << 16 };

static const struct {
	const char *key;
	size_t off;
	const char *unit; /* the member holding the value: "pages" or "count" */
} figs[] = {
#define F(k) { #k, offsetof(struct pm_summary, k), "pages" }
#define C(k) { #k, offsetof(struct pm_summary, k), "count" }
	F(ram), F(available), F(np_usage), F(np_max), F(p_usage), F(p_max), F(committed),
	F(commit_limit), F(commit_peak), F(free_ptes), C(pool_failures), C(pte_failures),
	C(commit_failures),
#undef F
#undef C
};

static struct pm_fig *fig_at(struct pm_summary *s, size_t i)
{
	return (struct pm_fig *)(void *)((char *)s + figs[i].off);
}

/* ---------------------------------------------------------------- writing */

static void hexs(cJSON *o, const char *k, uint64_t v, bool *oom)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	if (!cJSON_AddStringToObject(o, k, b))
		*oom = true;
}

static void numb(cJSON *o, const char *k, double v, bool *oom)
{
	if (!cJSON_AddNumberToObject(o, k, v))
		*oom = true;
}

struct pm_error *pm_summary_to_json(const struct pm_summary *s, char **ret)
{
	bool oom = false;
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return &pm_enomem;
	oom |= !cJSON_AddStringToObject(r, "schema", "poolmortem.summary/1");
	oom |= !cJSON_AddStringToObject(r, "dump", s->dump);
	numb(r, "build", s->build, &oom);
	oom |= !cJSON_AddBoolToObject(r, "is64", s->is64);
	oom |= !cJSON_AddStringToObject(r, "arch", s->arch);
	oom |= !cJSON_AddStringToObject(r, "os", s->os);
	numb(r, "processors", s->nprocs, &oom);
	numb(r, "product_type", s->product_type, &oom);
	cJSON *pa = NULL;
	if (s->has_bugcheck) {
		hexs(r, "bugcheck", s->bugcheck, &oom);
		pa = cJSON_AddArrayToObject(r, "parameters");
		oom |= !pa;
	} else { /* null: no bugcheck (a capture of a running system) */
		oom |= !cJSON_AddNullToObject(r, "bugcheck");
		oom |= !cJSON_AddNullToObject(r, "parameters");
	}
	for (int i = 0; pa && i < 4; i++) {
		char b[24];
		snprintf(b, sizeof(b), "0x%" PRIx64, s->params[i]);
		cJSON *x = cJSON_CreateString(b);
		oom |= !x;
		if (x)
			cJSON_AddItemToArray(pa, x);
	}
	oom |= !cJSON_AddBoolToObject(r, "triage", s->triage);
	cJSON *fo = cJSON_AddObjectToObject(r, "figures");
	oom |= !fo;
	for (size_t i = 0; fo && i < sizeof(figs) / sizeof(figs[0]); i++) {
		const struct pm_fig *f = fig_at((struct pm_summary *)s, i);
		if (!f->present) {
			oom |= !cJSON_AddNullToObject(fo, figs[i].key);
			continue;
		}
		cJSON *x = cJSON_AddObjectToObject(fo, figs[i].key);
		oom |= !x;
		if (x) {
			numb(x, figs[i].unit, (double)f->v, &oom);
			oom |= !cJSON_AddStringToObject(x, "source", f->source);
		}
	}
	if (s->tracker) {
		cJSON *t = cJSON_AddObjectToObject(r, "tracker");
		oom |= !t;
		if (t) {
			numb(t, "cpus_read", s->cpus_read, &oom);
			numb(t, "cpus_expected", s->cpus_expected, &oom);
		}
	} else {
		oom |= !cJSON_AddNullToObject(r, "tracker");
	}
	oom |= !cJSON_AddBoolToObject(r, "bigtable", s->bigtable);
	cJSON *ta = cJSON_AddArrayToObject(r, "tags");
	oom |= !ta;
	for (size_t i = 0; ta && i < s->ntags; i++) {
		const struct pm_sum_tag *t = &s->tags[i];
		cJSON *x = cJSON_CreateObject();
		if (!x) {
			oom = true;
			break;
		}
		cJSON_AddItemToArray(ta, x);
		char tg[5];
		pm_sum_tag_str(t->tag, tg);
		oom |= !cJSON_AddStringToObject(x, "tag", tg);
		numb(x, "np_outstanding", (double)t->np_outstanding, &oom);
		numb(x, "np_bytes", (double)t->np_bytes, &oom);
		numb(x, "p_outstanding", (double)t->p_outstanding, &oom);
		numb(x, "p_bytes", (double)t->p_bytes, &oom);
		numb(x, "big_count", (double)t->big_count, &oom);
		numb(x, "big_bytes", (double)t->big_bytes, &oom);
	}
	cJSON *mo = cJSON_AddArrayToObject(r, "modules");
	oom |= !mo;
	for (size_t i = 0; mo && i < s->nmodules; i++) {
		cJSON *x = cJSON_CreateObject();
		if (!x) {
			oom = true;
			break;
		}
		cJSON_AddItemToArray(mo, x);
		oom |= !cJSON_AddStringToObject(x, "name", s->modules[i].name);
		hexs(x, "base", s->modules[i].base, &oom);
		numb(x, "size", s->modules[i].size, &oom);
		numb(x, "timestamp", s->modules[i].timestamp, &oom);
		oom |= !cJSON_AddBoolToObject(x, "image_read", s->modules[i].image_read);
	}
	cJSON *ha = cJSON_AddArrayToObject(r, "tag_hits");
	oom |= !ha;
	for (size_t i = 0; ha && i < s->nhits; i++) {
		const struct pm_sum_hit *h = &s->hits[i];
		cJSON *x = cJSON_CreateObject();
		if (!x) {
			oom = true;
			break;
		}
		cJSON_AddItemToArray(ha, x);
		char tg[5];
		pm_sum_tag_str(h->tag, tg);
		oom |= !cJSON_AddStringToObject(x, "tag", tg);
		oom |= !cJSON_AddStringToObject(x, "module", h->module < s->nmodules
							    ? s->modules[h->module].name : "");
		numb(x, "immediates", h->immediates, &oom);
		numb(x, "code", h->code, &oom);
		numb(x, "data", h->data, &oom);
	}
	char *out = oom ? NULL : cJSON_Print(r);
	cJSON_Delete(r);
	if (!out)
		return &pm_enomem;
	*ret = out;
	return NULL;
}

/* ---------------------------------------------------------------- reading */

static bool get_u64(const cJSON *o, const char *k, uint64_t *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsNumber(x) && x->valuedouble >= 0 && x->valuedouble <= 9007199254740992.0) {
		*v = (uint64_t)x->valuedouble;
		return true;
	}
	if (cJSON_IsString(x) && x->valuestring) {
		char *end;
		errno = 0;
		unsigned long long u = strtoull(x->valuestring, &end, 0);
		if (!errno && end != x->valuestring && !*end) {
			*v = u;
			return true;
		}
	}
	return false;
}

static void get_str(const cJSON *o, const char *k, char *dst, size_t n)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	if (cJSON_IsString(x) && x->valuestring)
		snprintf(dst, n, "%s", x->valuestring);
}

struct pm_error *pm_summary_from_json(const char *text, const char *what, struct pm_summary *ret)
{
	cJSON *r = cJSON_Parse(text);
	if (!r)
		return pm_err(PM_ERR_FORMAT, "%s: not valid JSON", what);
	struct pm_summary s;
	memset(&s, 0, sizeof(s));
	struct pm_error *err = NULL;
	uint64_t v;
	if (!cJSON_IsObject(r)) {
		err = pm_err(PM_ERR_FORMAT, "%s: the summary is not an object", what);
		goto out;
	}
	get_str(r, "dump", s.dump, sizeof(s.dump));
	get_str(r, "arch", s.arch, sizeof(s.arch));
	get_str(r, "os", s.os, sizeof(s.os));
	if (!get_u64(r, "build", &v) || v > 0xFFFFFFFF) {
		err = pm_err(PM_ERR_FORMAT, "%s: \"build\" is missing or not a number", what);
		goto out;
	}
	s.build = (uint32_t)v;
	s.is64 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "is64"));
	if (get_u64(r, "processors", &v) && v <= 4096)
		s.nprocs = (unsigned)v;
	if (get_u64(r, "product_type", &v) && v <= 3)
		s.product_type = (int)v;
	if (get_u64(r, "bugcheck", &v) && v <= 0xFFFFFFFF) {
		s.has_bugcheck = true;
		s.bugcheck = (uint32_t)v;
	}
	const cJSON *pa = cJSON_GetObjectItemCaseSensitive(r, "parameters");
	int k = 0;
	for (const cJSON *it = cJSON_IsArray(pa) ? pa->child : NULL; it && k < 4; it = it->next, k++) {
		if (cJSON_IsString(it)) {
			char *end;
			errno = 0;
			unsigned long long u = strtoull(it->valuestring, &end, 0);
			if (!errno && !*end)
				s.params[k] = u;
		} else if (cJSON_IsNumber(it) && it->valuedouble >= 0) {
			s.params[k] = (uint64_t)it->valuedouble;
		}
	}
	s.triage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "triage"));
	const cJSON *fo = cJSON_GetObjectItemCaseSensitive(r, "figures");
	for (size_t i = 0; cJSON_IsObject(fo) && i < sizeof(figs) / sizeof(figs[0]); i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(fo, figs[i].key);
		struct pm_fig *f = fig_at(&s, i);
		if (cJSON_IsObject(x) && get_u64(x, figs[i].unit, &f->v)) {
			f->present = true;
			snprintf(f->source, sizeof(f->source), "summary");
			get_str(x, "source", f->source, sizeof(f->source));
		}
	}
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(r, "tracker");
	if (cJSON_IsObject(tr)) {
		s.tracker = true;
		if (get_u64(tr, "cpus_read", &v) && v <= 4096)
			s.cpus_read = (unsigned)v;
		if (get_u64(tr, "cpus_expected", &v) && v <= 4096)
			s.cpus_expected = (unsigned)v;
	}
	s.bigtable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "bigtable"));
	const cJSON *ta = cJSON_GetObjectItemCaseSensitive(r, "tags");
	int nt = cJSON_IsArray(ta) ? cJSON_GetArraySize(ta) : 0;
	if (nt > PM_MAX_SUM_TAGS) {
		err = pm_err(PM_ERR_LIMIT, "%s: %d tags, over the limit", what, nt);
		goto out;
	}
	s.tags = calloc((size_t)nt + 1, sizeof(*s.tags));
	if (!s.tags) {
		err = &pm_enomem;
		goto out;
	}
	for (const cJSON *it = nt ? ta->child : NULL; it; it = it->next) {
		struct pm_sum_tag *t = &s.tags[s.ntags];
		const cJSON *tg = cJSON_GetObjectItemCaseSensitive(it, "tag");
		if (!cJSON_IsString(tg) || !pm_sum_tag_parse(tg->valuestring, &t->tag)) {
			err = pm_err(PM_ERR_FORMAT, "%s: tags[%zu] has no valid \"tag\"", what, s.ntags);
			goto out;
		}
		get_u64(it, "np_outstanding", &t->np_outstanding);
		get_u64(it, "np_bytes", &t->np_bytes);
		get_u64(it, "p_outstanding", &t->p_outstanding);
		get_u64(it, "p_bytes", &t->p_bytes);
		get_u64(it, "big_count", &t->big_count);
		get_u64(it, "big_bytes", &t->big_bytes);
		s.ntags++;
	}
	const cJSON *mo = cJSON_GetObjectItemCaseSensitive(r, "modules");
	int nm = cJSON_IsArray(mo) ? cJSON_GetArraySize(mo) : 0;
	if (nm > PM_MAX_SUM_MODULES) {
		err = pm_err(PM_ERR_LIMIT, "%s: %d modules, over the limit", what, nm);
		goto out;
	}
	s.modules = calloc((size_t)nm + 1, sizeof(*s.modules));
	if (!s.modules) {
		err = &pm_enomem;
		goto out;
	}
	for (const cJSON *it = nm ? mo->child : NULL; it; it = it->next) {
		struct pm_sum_module *m = &s.modules[s.nmodules++];
		get_str(it, "name", m->name, sizeof(m->name));
		get_u64(it, "base", &m->base);
		if (get_u64(it, "size", &v) && v <= 0xFFFFFFFF)
			m->size = (uint32_t)v;
		if (get_u64(it, "timestamp", &v) && v <= 0xFFFFFFFF)
			m->timestamp = (uint32_t)v;
		m->image_read = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "image_read"));
	}
	const cJSON *ha = cJSON_GetObjectItemCaseSensitive(r, "tag_hits");
	int nh = cJSON_IsArray(ha) ? cJSON_GetArraySize(ha) : 0;
	if (nh > PM_MAX_SUM_HITS) {
		err = pm_err(PM_ERR_LIMIT, "%s: %d tag hits, over the limit", what, nh);
		goto out;
	}
	s.hits = calloc((size_t)nh + 1, sizeof(*s.hits));
	if (!s.hits) {
		err = &pm_enomem;
		goto out;
	}
	for (const cJSON *it = nh ? ha->child : NULL; it; it = it->next) {
		struct pm_sum_hit *h = &s.hits[s.nhits];
		const cJSON *tg = cJSON_GetObjectItemCaseSensitive(it, "tag");
		char mname[64] = "";
		get_str(it, "module", mname, sizeof(mname));
		if (!cJSON_IsString(tg) || !pm_sum_tag_parse(tg->valuestring, &h->tag))
			continue;
		h->module = SIZE_MAX;
		for (size_t m = 0; m < s.nmodules; m++)
			if (!strcmp(s.modules[m].name, mname))
				h->module = m;
		if (h->module == SIZE_MAX)
			continue;
		if (get_u64(it, "immediates", &v) && v < 1000000)
			h->immediates = (unsigned)v;
		if (get_u64(it, "code", &v) && v < 1000000)
			h->code = (unsigned)v;
		if (get_u64(it, "data", &v) && v < 1000000)
			h->data = (unsigned)v;
		s.nhits++;
	}
	*ret = s;
	cJSON_Delete(r);
	return NULL;
out:
	pm_summary_deinit(&s);
	cJSON_Delete(r);
	return err;
}
