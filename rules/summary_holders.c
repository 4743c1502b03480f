// SPDX-License-Identifier: MIT
// The holders part of the summary as JSON ("holders" of poolmortem.summary/1), both ways:
// processes with their commit, quota and handles; object types with their pool tag and top
// holders; billed big allocations. Reading is untrusted like the rest of the summary: every
// value type- and range-checked, arrays bounded, unknown keys ignored.
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "summary_holders.h"

/* ---------------------------------------------------------------- writing */

struct hw {
	bool oom;
};

static cJSON *ck(struct hw *w, cJSON *x)
{
	if (!x)
		w->oom = true;
	return x;
}

static void num(struct hw *w, cJSON *o, const char *k, uint64_t v)
{
	ck(w, cJSON_AddNumberToObject(o, k, (double)v));
}

static void str(struct hw *w, cJSON *o, const char *k, const char *v)
{
	ck(w, cJSON_AddStringToObject(o, k, v));
}

static cJSON *item(struct hw *w, cJSON *arr)
{
	cJSON *x = ck(w, cJSON_CreateObject());
	if (x && !cJSON_AddItemToArray(arr, x)) {
		cJSON_Delete(x);
		w->oom = true;
		return NULL;
	}
	return x;
}

static void tag(struct hw *w, cJSON *o, uint32_t t)
{
	char s[5];
	pm_sum_tag_str(t, s);
	str(w, o, "tag", s);
}

static void write_procs(struct hw *w, cJSON *r, const struct pm_sum_holders *h)
{
	cJSON *a = ck(w, cJSON_AddArrayToObject(r, "processes"));
	for (size_t i = 0; a && i < h->nprocs; i++) {
		const struct pm_sum_process *p = &h->procs[i];
		cJSON *x = item(w, a);
		if (!x)
			return;
		num(w, x, "pid", p->pid);
		str(w, x, "name", p->name);
		if (p->has_commit)
			num(w, x, "commit_pages", p->commit_pages);
		if (p->has_quota) {
			num(w, x, "quota_nonpaged", p->quota_np);
			num(w, x, "quota_paged", p->quota_p);
		}
		if (p->has_handles)
			num(w, x, "handles", p->handles);
	}
}

static void write_types(struct hw *w, cJSON *r, const struct pm_sum_holders *h)
{
	cJSON *a = ck(w, cJSON_AddArrayToObject(r, "types"));
	for (size_t i = 0; a && i < h->ntypes; i++) {
		const struct pm_sum_objtype *t = &h->types[i];
		cJSON *x = item(w, a);
		if (!x)
			return;
		str(w, x, "name", t->name);
		tag(w, x, t->tag);
		if (t->has_objects)
			num(w, x, "objects", t->objects);
		num(w, x, "handles", t->handles);
		if (t->has_kernel_handles)
			num(w, x, "kernel_handles", t->kernel_handles);
		cJSON *ha = ck(w, cJSON_AddArrayToObject(x, "holders"));
		for (unsigned k = 0; ha && k < t->ntop; k++) {
			cJSON *y = item(w, ha);
			if (!y)
				return;
			num(w, y, "pid", t->top[k].pid);
			str(w, y, "name", t->top[k].name);
			num(w, y, "handles", t->top[k].handles);
		}
	}
}

static void write_bills(struct hw *w, cJSON *r, const struct pm_sum_holders *h)
{
	cJSON *b = ck(w, cJSON_AddObjectToObject(r, "billed"));
	if (!b)
		return;
	num(w, b, "live", h->billed_live);
	num(w, b, "charged", h->billed_charged);
	num(w, b, "unexplained", h->billed_unexplained);
	cJSON *a = ck(w, cJSON_AddArrayToObject(b, "groups"));
	for (size_t i = 0; a && i < h->nbills; i++) {
		cJSON *x = item(w, a);
		if (!x)
			return;
		num(w, x, "pid", h->bills[i].pid);
		str(w, x, "name", h->bills[i].name);
		tag(w, x, h->bills[i].tag);
		num(w, x, "count", h->bills[i].count);
		num(w, x, "bytes", h->bills[i].bytes);
	}
}

struct pm_error *pm_sum_holders_json(const struct pm_sum_holders *h, cJSON *parent)
{
	struct hw w = { false };
	cJSON *r = ck(&w, cJSON_AddObjectToObject(parent, "holders"));
	if (!r)
		return &pm_enomem;
	if (h->layout[0])
		str(&w, r, "layout", h->layout);
	if (!h->processes) {
		str(&w, r, "processes_absent", h->processes_absent);
	} else {
		ck(&w, cJSON_AddBoolToObject(r, "processes_complete", h->processes_complete));
		write_procs(&w, r, h);
	}
	if (!h->handles) {
		str(&w, r, "handles_absent", h->handles_absent);
	} else {
		cJSON *c = ck(&w, cJSON_AddObjectToObject(r, "handles"));
		if (c) {
			num(&w, c, "counted", h->handles_counted);
			num(&w, c, "unattributed", h->handles_unattributed);
			num(&w, c, "unseen", h->handles_unseen);
			num(&w, c, "tables_walked", h->tables_walked);
			num(&w, c, "tables_failed", h->tables_failed);
		}
	}
	if (h->ntypes)
		write_types(&w, r, h);
	if (!h->billed)
		str(&w, r, "billed_absent", h->billed_absent);
	else
		write_bills(&w, r, h);
	return w.oom ? &pm_enomem : NULL;
}

/* ---------------------------------------------------------------- reading */

static bool u64_of(const cJSON *o, const char *k, uint64_t *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 9007199254740992.0)
		return false;
	*v = (uint64_t)x->valuedouble;
	return true;
}

static bool pid_of(const cJSON *o, uint32_t *pid)
{
	uint64_t v;
	if (!u64_of(o, "pid", &v) || v > UINT32_MAX)
		return false;
	*pid = (uint32_t)v;
	return true;
}

static void str_of(const cJSON *o, const char *k, char *dst, size_t n)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
	if (s)
		snprintf(dst, n, "%s", s);
}

static bool tag_of(const cJSON *o, uint32_t *t)
{
	const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "tag"));
	return s && pm_sum_tag_parse(s, t);
}

/* The array @p k of at most @p max items, allocated (n + 1) * size; *n its length. */
static struct pm_error *arr(const cJSON *o, const char *k, size_t max, size_t size,
			    const char *what, const cJSON **a, void **out, size_t *n)
{
	*a = cJSON_GetObjectItemCaseSensitive(o, k);
	int len = cJSON_IsArray(*a) ? cJSON_GetArraySize(*a) : 0;
	if (len < 0 || (size_t)len > max)
		return pm_err(PM_ERR_LIMIT, "%s: holders.%s has %d items, over the limit of %zu",
			      what, k, len, max);
	*out = calloc((size_t)len + 1, size);
	*n = 0;
	return *out ? NULL : &pm_enomem;
}

static struct pm_error *read_procs(const cJSON *r, const char *what, struct pm_sum_holders *h)
{
	const cJSON *a;
	void *p;
	PM_TRY(arr(r, "processes", PM_MAX_SUM_PROCS, sizeof(*h->procs), what, &a, &p, &h->nprocs));
	h->procs = p;
	for (const cJSON *it = cJSON_IsArray(a) ? a->child : NULL; it; it = it->next) {
		struct pm_sum_process *o = &h->procs[h->nprocs];
		if (!pid_of(it, &o->pid))
			return pm_err(PM_ERR_FORMAT, "%s: holders.processes[%zu] has no valid pid",
				      what, h->nprocs);
		str_of(it, "name", o->name, sizeof(o->name));
		o->has_commit = u64_of(it, "commit_pages", &o->commit_pages);
		o->has_quota = u64_of(it, "quota_nonpaged", &o->quota_np) &&
			       u64_of(it, "quota_paged", &o->quota_p);
		o->has_handles = u64_of(it, "handles", &o->handles);
		h->nprocs++;
	}
	return NULL;
}

static struct pm_error *read_types(const cJSON *r, const char *what, struct pm_sum_holders *h)
{
	const cJSON *a;
	void *p;
	PM_TRY(arr(r, "types", PM_MAX_SUM_TYPES, sizeof(*h->types), what, &a, &p, &h->ntypes));
	h->types = p;
	for (const cJSON *it = cJSON_IsArray(a) ? a->child : NULL; it; it = it->next) {
		struct pm_sum_objtype *t = &h->types[h->ntypes];
		if (!tag_of(it, &t->tag))
			return pm_err(PM_ERR_FORMAT, "%s: holders.types[%zu] has no valid tag", what,
				      h->ntypes);
		str_of(it, "name", t->name, sizeof(t->name));
		t->has_objects = u64_of(it, "objects", &t->objects);
		u64_of(it, "handles", &t->handles);
		t->has_kernel_handles = u64_of(it, "kernel_handles", &t->kernel_handles);
		const cJSON *ho = cJSON_GetObjectItemCaseSensitive(it, "holders");
		for (const cJSON *y = cJSON_IsArray(ho) ? ho->child : NULL;
		     y && t->ntop < PM_SUM_TOP_HOLDERS; y = y->next) {
			struct pm_sum_holding *g = &t->top[t->ntop];
			if (!pid_of(y, &g->pid) || !u64_of(y, "handles", &g->handles))
				continue;
			str_of(y, "name", g->name, sizeof(g->name));
			t->ntop++;
		}
		h->ntypes++;
	}
	return NULL;
}

static struct pm_error *read_bills(const cJSON *b, const char *what, struct pm_sum_holders *h)
{
	u64_of(b, "live", &h->billed_live);
	u64_of(b, "charged", &h->billed_charged);
	u64_of(b, "unexplained", &h->billed_unexplained);
	const cJSON *a;
	void *p;
	PM_TRY(arr(b, "groups", PM_MAX_SUM_BILLS, sizeof(*h->bills), what, &a, &p, &h->nbills));
	h->bills = p;
	for (const cJSON *it = cJSON_IsArray(a) ? a->child : NULL; it; it = it->next) {
		struct pm_sum_bill *o = &h->bills[h->nbills];
		if (!pid_of(it, &o->pid) || !tag_of(it, &o->tag))
			continue;
		str_of(it, "name", o->name, sizeof(o->name));
		u64_of(it, "count", &o->count);
		u64_of(it, "bytes", &o->bytes);
		h->nbills++;
	}
	return NULL;
}

struct pm_error *pm_sum_holders_read(const cJSON *parent, const char *what,
				     struct pm_sum_holders *h)
{
	memset(h, 0, sizeof(*h));
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(parent, "holders");
	static const char none[] = "not in the summary";
	if (!cJSON_IsObject(r)) {
		snprintf(h->processes_absent, sizeof(h->processes_absent), none);
		snprintf(h->handles_absent, sizeof(h->handles_absent), none);
		snprintf(h->billed_absent, sizeof(h->billed_absent), none);
		return NULL;
	}
	str_of(r, "layout", h->layout, sizeof(h->layout));
	h->processes = cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(r, "processes"));
	snprintf(h->processes_absent, sizeof(h->processes_absent), "%s", h->processes ? "" : none);
	str_of(r, "processes_absent", h->processes_absent, sizeof(h->processes_absent));
	h->processes_complete =
		cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "processes_complete"));
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(r, "handles");
	h->handles = cJSON_IsObject(c);
	snprintf(h->handles_absent, sizeof(h->handles_absent), "%s", h->handles ? "" : none);
	str_of(r, "handles_absent", h->handles_absent, sizeof(h->handles_absent));
	uint64_t v;
	u64_of(c, "counted", &h->handles_counted);
	u64_of(c, "unattributed", &h->handles_unattributed);
	u64_of(c, "unseen", &h->handles_unseen);
	if (u64_of(c, "tables_walked", &v) && v <= UINT32_MAX)
		h->tables_walked = (unsigned)v;
	if (u64_of(c, "tables_failed", &v) && v <= UINT32_MAX)
		h->tables_failed = (unsigned)v;
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "billed");
	h->billed = cJSON_IsObject(b);
	snprintf(h->billed_absent, sizeof(h->billed_absent), "%s", h->billed ? "" : none);
	str_of(r, "billed_absent", h->billed_absent, sizeof(h->billed_absent));
	struct pm_error *err = read_procs(r, what, h);
	if (!err)
		err = read_types(r, what, h);
	if (!err && h->billed)
		err = read_bills(b, what, h);
	return err;
}
