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

#include "pm-utf.h"
#include "summary_holders.h"
#include "summary_version.h"
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

/* Checked building: the first constructor that fails sets oom (the tree is then dropped). */
struct jw {
	bool oom;
};

static cJSON *chk(struct jw *w, cJSON *x)
{
	if (!x)
		w->oom = true;
	return x;
}

static void hexs(struct jw *w, cJSON *o, const char *k, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	chk(w, cJSON_AddStringToObject(o, k, b));
}

static void numb(struct jw *w, cJSON *o, const char *k, double v)
{
	chk(w, cJSON_AddNumberToObject(o, k, v));
}

static void strs(struct jw *w, cJSON *o, const char *k, const char *v)
{
	chk(w, cJSON_AddStringToObject(o, k, v));
}

static cJSON *push_obj(struct jw *w, cJSON *arr)
{
	cJSON *x = chk(w, cJSON_CreateObject());
	if (x && !cJSON_AddItemToArray(arr, x)) {
		cJSON_Delete(x);
		w->oom = true;
		return NULL;
	}
	return x;
}

static void write_identity(struct jw *w, cJSON *r, const struct pm_summary *s)
{
	strs(w, r, "schema", "poolmortem.summary/1");
	strs(w, r, "dump", s->dump);
	numb(w, r, "build", s->build);
	chk(w, cJSON_AddBoolToObject(r, "is64", s->is64));
	strs(w, r, "arch", s->arch);
	strs(w, r, "os", s->os);
	numb(w, r, "processors", s->nprocs);
	numb(w, r, "product_type", s->product_type);
	if (!s->has_bugcheck) { /* null: no bugcheck (a capture of a running system) */
		chk(w, cJSON_AddNullToObject(r, "bugcheck"));
		chk(w, cJSON_AddNullToObject(r, "parameters"));
	} else {
		hexs(w, r, "bugcheck", s->bugcheck);
		cJSON *pa = chk(w, cJSON_AddArrayToObject(r, "parameters"));
		for (int i = 0; pa && i < 4; i++) {
			char b[24];
			snprintf(b, sizeof(b), "0x%" PRIx64, s->params[i]);
			cJSON *x = chk(w, cJSON_CreateString(b));
			if (x && !cJSON_AddItemToArray(pa, x)) {
				cJSON_Delete(x);
				w->oom = true;
			}
		}
	}
	chk(w, cJSON_AddBoolToObject(r, "triage", s->triage));
}

static void write_figures(struct jw *w, cJSON *r, const struct pm_summary *s)
{
	cJSON *fo = chk(w, cJSON_AddObjectToObject(r, "figures"));
	for (size_t i = 0; fo && i < sizeof(figs) / sizeof(figs[0]); i++) {
		const struct pm_fig *f = fig_at((struct pm_summary *)s, i);
		if (f->absent) { /* {"value": null, "absent": why} */
			cJSON *x = chk(w, cJSON_AddObjectToObject(fo, figs[i].key));
			if (x) {
				chk(w, cJSON_AddNullToObject(x, "value"));
				strs(w, x, "absent", pm_absent_name(f->absent));
			}
			continue;
		}
		cJSON *x = chk(w, cJSON_AddObjectToObject(fo, figs[i].key));
		if (x) {
			numb(w, x, figs[i].unit, (double)f->v);
			strs(w, x, "source", f->source);
			if (pm_prov_name(f->from))
				strs(w, x, "provenance", pm_prov_name(f->from));
		}
	}
	if (s->tracker) {
		cJSON *t = chk(w, cJSON_AddObjectToObject(r, "tracker"));
		if (t) {
			numb(w, t, "cpus_read", s->cpus_read);
			numb(w, t, "cpus_expected", s->cpus_expected);
			numb(w, t, "inconsistent_tags", (double)s->tracker_inconsistent);
		}
	} else {
		chk(w, cJSON_AddNullToObject(r, "tracker"));
	}
	chk(w, cJSON_AddBoolToObject(r, "bigtable", s->bigtable));
}

static void write_lists(struct jw *w, cJSON *r, const struct pm_summary *s)
{
	cJSON *ta = chk(w, cJSON_AddArrayToObject(r, "tags"));
	for (size_t i = 0; ta && i < s->ntags; i++) {
		const struct pm_sum_tag *t = &s->tags[i];
		cJSON *x = push_obj(w, ta);
		if (!x)
			break;
		char tg[5];
		pm_sum_tag_str(t->tag, tg);
		strs(w, x, "tag", tg);
		numb(w, x, "np_outstanding", (double)t->np_outstanding);
		numb(w, x, "np_bytes", (double)t->np_bytes);
		numb(w, x, "p_outstanding", (double)t->p_outstanding);
		numb(w, x, "p_bytes", (double)t->p_bytes);
		numb(w, x, "big_count", (double)t->big_count);
		numb(w, x, "big_bytes", (double)t->big_bytes);
	}
	cJSON *mo = chk(w, cJSON_AddArrayToObject(r, "modules"));
	for (size_t i = 0; mo && i < s->nmodules; i++) {
		cJSON *x = push_obj(w, mo);
		if (!x)
			break;
		strs(w, x, "name", s->modules[i].name);
		hexs(w, x, "base", s->modules[i].base);
		numb(w, x, "size", s->modules[i].size);
		numb(w, x, "timestamp", s->modules[i].timestamp);
		chk(w, cJSON_AddBoolToObject(x, "image_read", s->modules[i].image_read));
		if (!pm_sum_version_to_json(x, &s->modules[i].version))
			w->oom = true;
	}
	cJSON *ha = chk(w, cJSON_AddArrayToObject(r, "tag_hits"));
	for (size_t i = 0; ha && i < s->nhits; i++) {
		const struct pm_sum_hit *h = &s->hits[i];
		cJSON *x = push_obj(w, ha);
		if (!x)
			break;
		char tg[5];
		pm_sum_tag_str(h->tag, tg);
		strs(w, x, "tag", tg);
		strs(w, x, "module", h->module < s->nmodules ? s->modules[h->module].name : "");
		numb(w, x, "immediates", h->immediates);
		numb(w, x, "code", h->code);
		numb(w, x, "data", h->data);
	}
}

static const char *const sym_names[] = { "none", "not_found", "found" };

static void str_or_null(struct jw *w, cJSON *o, const char *k, const char *v)
{
	if (v[0])
		strs(w, o, k, v);
	else
		chk(w, cJSON_AddNullToObject(o, k));
}

static void write_coverage(struct jw *w, cJSON *r, const struct pm_sum_coverage *c)
{
	cJSON *o = chk(w, cJSON_AddObjectToObject(r, "coverage"));
	if (!o)
		return;
	strs(w, o, "dump_type", c->dump_type);
	chk(w, cJSON_AddBoolToObject(o, "incomplete", c->incomplete));
	str_or_null(w, o, "incomplete_why", c->incomplete_why);
	numb(w, o, "pages_missing", (double)c->pages_missing);
	chk(w, cJSON_AddBoolToObject(o, "kdbg_header_wrong", c->kdbg_header_wrong));
	str_or_null(w, o, "kdbg_note", c->kdbg_note);
	str_or_null(w, o, "tracker_absent", c->tracker_absent);
	str_or_null(w, o, "bigtable_absent", c->bigtable_absent);
	strs(w, o, "symbols", sym_names[c->symbols]);
	str_or_null(w, o, "symbols_note", c->symbols_note);
	str_or_null(w, o, "symbols_gap", c->symbols_gap);
	str_or_null(w, o, "pdb", c->pdb);
	str_or_null(w, o, "pdb_key", c->pdb_key);
	cJSON *im = chk(w, cJSON_AddArrayToObject(o, "implausible"));
	for (unsigned i = 0; im && i < c->nimplausible && i < PM_SUM_MAX_IMPLAUSIBLE; i++) {
		cJSON *x = chk(w, cJSON_CreateString(c->implausible[i]));
		if (x && !cJSON_AddItemToArray(im, x)) {
			cJSON_Delete(x);
			w->oom = true;
		}
	}
	cJSON *ra = chk(w, cJSON_AddArrayToObject(o, "ram"));
	for (unsigned i = 0; ra && i < c->nram && i < PM_SUM_MAX_RAM; i++) {
		const struct pm_sum_ram *m = &c->ram[i];
		cJSON *x = push_obj(w, ra);
		if (!x)
			break;
		numb(w, x, "pages", (double)m->pages);
		strs(w, x, "source", m->source);
		if (pm_prov_name(m->from))
			strs(w, x, "provenance", pm_prov_name(m->from));
		chk(w, cJSON_AddBoolToObject(x, "upper_bound", m->upper_bound));
		chk(w, cJSON_AddBoolToObject(x, "stale", m->stale));
		chk(w, cJSON_AddBoolToObject(x, "used", m->used));
	}
}

struct pm_error *pm_summary_json(const struct pm_summary *s, cJSON **ret)
{
	struct jw w = { false };
	cJSON *r = chk(&w, cJSON_CreateObject());
	if (!r)
		return &pm_enomem;
	write_identity(&w, r, s);
	write_figures(&w, r, s);
	write_lists(&w, r, s);
	write_coverage(&w, r, &s->coverage);
	if (!w.oom && pm_sum_holders_json(&s->holders, r))
		w.oom = true; /* its only error is out of memory (static) */
	if (w.oom) {
		cJSON_Delete(r);
		return &pm_enomem;
	}
	*ret = r;
	return NULL;
}

struct pm_error *pm_summary_to_json(const struct pm_summary *s, char **ret)
{
	cJSON *r;
	PM_TRY(pm_summary_json(s, &r));
	char *out = pm_utf8_repair(cJSON_Print(r)); /* names read from a dump */
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

static void read_params(const cJSON *pa, uint64_t params[4])
{
	int k = 0;
	for (const cJSON *it = cJSON_IsArray(pa) ? pa->child : NULL; it && k < 4; it = it->next, k++) {
		if (cJSON_IsString(it)) {
			char *end;
			errno = 0;
			unsigned long long u = strtoull(it->valuestring, &end, 0);
			if (!errno && !*end)
				params[k] = u;
		} else if (cJSON_IsNumber(it) && it->valuedouble >= 0) {
			params[k] = (uint64_t)it->valuedouble;
		}
	}
}

static struct pm_error *read_identity(const cJSON *r, const char *what, struct pm_summary *s)
{
	uint64_t v;
	get_str(r, "dump", s->dump, sizeof(s->dump));
	get_str(r, "arch", s->arch, sizeof(s->arch));
	get_str(r, "os", s->os, sizeof(s->os));
	if (!get_u64(r, "build", &v) || v > 0xFFFFFFFF)
		return pm_err(PM_ERR_FORMAT, "%s: \"build\" is missing or not a number", what);
	s->build = (uint32_t)v;
	s->is64 = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "is64"));
	if (get_u64(r, "processors", &v) && v <= 4096)
		s->nprocs = (unsigned)v;
	if (get_u64(r, "product_type", &v) && v <= 3)
		s->product_type = (int)v;
	if (get_u64(r, "bugcheck", &v) && v <= 0xFFFFFFFF) {
		s->has_bugcheck = true;
		s->bugcheck = (uint32_t)v;
	}
	read_params(cJSON_GetObjectItemCaseSensitive(r, "parameters"), s->params);
	s->triage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "triage"));
	return NULL;
}

static void read_figures(const cJSON *r, struct pm_summary *s)
{
	uint64_t v;
	const cJSON *fo = cJSON_GetObjectItemCaseSensitive(r, "figures");
	for (size_t i = 0; i < sizeof(figs) / sizeof(figs[0]); i++) {
		const cJSON *x = cJSON_IsObject(fo) ? cJSON_GetObjectItemCaseSensitive(fo, figs[i].key)
						    : NULL;
		struct pm_fig *f = fig_at(s, i);
		const cJSON *pv = cJSON_IsObject(x) ? cJSON_GetObjectItemCaseSensitive(x, "provenance")
						    : NULL;
		const cJSON *ab = cJSON_IsObject(x) ? cJSON_GetObjectItemCaseSensitive(x, "absent")
						    : NULL;
		/* null (or a missing key): the summary does not say why */
		f->absent = PM_ABSENT_NOT_AVAILABLE;
		f->from = PM_PROV_NONE;
		if (cJSON_IsObject(x) && get_u64(x, figs[i].unit, &f->v)) {
			f->absent = PM_ABSENT_PRESENT;
			snprintf(f->source, sizeof(f->source), "summary");
			get_str(x, "source", f->source, sizeof(f->source));
			if (cJSON_IsString(pv) && !pm_prov_parse(pv->valuestring, &f->from))
				f->from = PM_PROV_NONE;
		} else if (cJSON_IsString(ab)) { /* an unknown name keeps NOT_AVAILABLE */
			(void)pm_absent_parse(ab->valuestring, &f->absent);
		}
	}
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(r, "tracker");
	if (cJSON_IsObject(tr)) {
		s->tracker = true;
		if (get_u64(tr, "cpus_read", &v) && v <= 4096)
			s->cpus_read = (unsigned)v;
		if (get_u64(tr, "cpus_expected", &v) && v <= 4096)
			s->cpus_expected = (unsigned)v;
		if (get_u64(tr, "inconsistent_tags", &v))
			s->tracker_inconsistent = v;
	}
	s->bigtable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "bigtable"));
}

/* The array @p key (@p label in errors) of at most @p max items; *n its size (0 if absent or
 * not an array). */
static struct pm_error *array_of(const cJSON *r, const char *key, const char *label, int max,
				 const char *what, const cJSON **arr, size_t *n)
{
	*arr = cJSON_GetObjectItemCaseSensitive(r, key);
	int k = cJSON_IsArray(*arr) ? cJSON_GetArraySize(*arr) : 0;
	if (k > max)
		return pm_err(PM_ERR_LIMIT, "%s: %d %s, over the limit", what, k, label);
	*n = (size_t)k;
	return NULL;
}

static struct pm_error *read_tags(const cJSON *r, const char *what, struct pm_summary *s)
{
	const cJSON *ta;
	size_t nt;
	PM_TRY(array_of(r, "tags", "tags", PM_MAX_SUM_TAGS, what, &ta, &nt));
	s->tags = calloc(nt + 1, sizeof(*s->tags));
	if (!s->tags)
		return &pm_enomem;
	for (const cJSON *it = nt ? ta->child : NULL; it; it = it->next) {
		struct pm_sum_tag *t = &s->tags[s->ntags];
		const cJSON *tg = cJSON_GetObjectItemCaseSensitive(it, "tag");
		if (!cJSON_IsString(tg) || !pm_sum_tag_parse(tg->valuestring, &t->tag))
			return pm_err(PM_ERR_FORMAT, "%s: tags[%zu] has no valid \"tag\"", what,
				      s->ntags);
		get_u64(it, "np_outstanding", &t->np_outstanding);
		get_u64(it, "np_bytes", &t->np_bytes);
		get_u64(it, "p_outstanding", &t->p_outstanding);
		get_u64(it, "p_bytes", &t->p_bytes);
		get_u64(it, "big_count", &t->big_count);
		get_u64(it, "big_bytes", &t->big_bytes);
		s->ntags++;
	}
	return NULL;
}

static struct pm_error *read_modules(const cJSON *r, const char *what, struct pm_summary *s)
{
	const cJSON *mo;
	size_t nm;
	uint64_t v;
	PM_TRY(array_of(r, "modules", "modules", PM_MAX_SUM_MODULES, what, &mo, &nm));
	s->modules = calloc(nm + 1, sizeof(*s->modules));
	if (!s->modules)
		return &pm_enomem;
	for (const cJSON *it = nm ? mo->child : NULL; it; it = it->next) {
		struct pm_sum_module *m = &s->modules[s->nmodules++];
		get_str(it, "name", m->name, sizeof(m->name));
		get_u64(it, "base", &m->base);
		if (get_u64(it, "size", &v) && v <= 0xFFFFFFFF)
			m->size = (uint32_t)v;
		if (get_u64(it, "timestamp", &v) && v <= 0xFFFFFFFF)
			m->timestamp = (uint32_t)v;
		m->image_read = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "image_read"));
		pm_sum_version_from_json(it, &m->version);
	}
	return NULL;
}

static struct pm_error *read_hits(const cJSON *r, const char *what, struct pm_summary *s)
{
	const cJSON *ha;
	size_t nh;
	uint64_t v;
	PM_TRY(array_of(r, "tag_hits", "tag hits", PM_MAX_SUM_HITS, what, &ha, &nh));
	s->hits = calloc(nh + 1, sizeof(*s->hits));
	if (!s->hits)
		return &pm_enomem;
	for (const cJSON *it = nh ? ha->child : NULL; it; it = it->next) {
		struct pm_sum_hit *h = &s->hits[s->nhits];
		const cJSON *tg = cJSON_GetObjectItemCaseSensitive(it, "tag");
		char mname[64] = "";
		get_str(it, "module", mname, sizeof(mname));
		if (!cJSON_IsString(tg) || !pm_sum_tag_parse(tg->valuestring, &h->tag))
			continue;
		h->module = SIZE_MAX;
		for (size_t m = 0; m < s->nmodules; m++)
			if (!strcmp(s->modules[m].name, mname))
				h->module = m;
		if (h->module == SIZE_MAX)
			continue;
		if (get_u64(it, "immediates", &v) && v < 1000000)
			h->immediates = (unsigned)v;
		if (get_u64(it, "code", &v) && v < 1000000)
			h->code = (unsigned)v;
		if (get_u64(it, "data", &v) && v < 1000000)
			h->data = (unsigned)v;
		s->nhits++;
	}
	return NULL;
}

static bool get_bool(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* "coverage" (optional: a summary without it is taken as complete, symbols unknown). */
static void read_coverage(const cJSON *r, struct pm_sum_coverage *c)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(r, "coverage");
	if (!cJSON_IsObject(o))
		return;
	uint64_t v;
	get_str(o, "dump_type", c->dump_type, sizeof(c->dump_type));
	c->incomplete = get_bool(o, "incomplete");
	get_str(o, "incomplete_why", c->incomplete_why, sizeof(c->incomplete_why));
	if (c->incomplete && !c->incomplete_why[0])
		snprintf(c->incomplete_why, sizeof(c->incomplete_why), "the summary says so");
	if (get_u64(o, "pages_missing", &v))
		c->pages_missing = v;
	c->kdbg_header_wrong = get_bool(o, "kdbg_header_wrong");
	get_str(o, "kdbg_note", c->kdbg_note, sizeof(c->kdbg_note));
	get_str(o, "tracker_absent", c->tracker_absent, sizeof(c->tracker_absent));
	get_str(o, "bigtable_absent", c->bigtable_absent, sizeof(c->bigtable_absent));
	const cJSON *sy = cJSON_GetObjectItemCaseSensitive(o, "symbols");
	for (unsigned i = 0; cJSON_IsString(sy) && i < 3; i++)
		if (!strcmp(sy->valuestring, sym_names[i]))
			c->symbols = (enum pm_sum_symbols)i;
	get_str(o, "symbols_note", c->symbols_note, sizeof(c->symbols_note));
	get_str(o, "symbols_gap", c->symbols_gap, sizeof(c->symbols_gap));
	get_str(o, "pdb", c->pdb, sizeof(c->pdb));
	get_str(o, "pdb_key", c->pdb_key, sizeof(c->pdb_key));
	const cJSON *im = cJSON_GetObjectItemCaseSensitive(o, "implausible");
	for (const cJSON *it = cJSON_IsArray(im) ? im->child : NULL;
	     it && c->nimplausible < PM_SUM_MAX_IMPLAUSIBLE; it = it->next)
		if (cJSON_IsString(it) && it->valuestring[0])
			snprintf(c->implausible[c->nimplausible++], sizeof(c->implausible[0]), "%s",
				 it->valuestring);
	const cJSON *ra = cJSON_GetObjectItemCaseSensitive(o, "ram");
	bool used = false;
	for (const cJSON *it = cJSON_IsArray(ra) ? ra->child : NULL; it && c->nram < PM_SUM_MAX_RAM;
	     it = it->next) {
		struct pm_sum_ram *m = &c->ram[c->nram];
		const cJSON *pv = cJSON_GetObjectItemCaseSensitive(it, "provenance");
		if (!cJSON_IsObject(it) || !get_u64(it, "pages", &m->pages))
			continue;
		get_str(it, "source", m->source, sizeof(m->source));
		if (!cJSON_IsString(pv) || !pm_prov_parse(pv->valuestring, &m->from))
			m->from = PM_PROV_NONE;
		m->upper_bound = get_bool(it, "upper_bound");
		m->stale = get_bool(it, "stale");
		m->used = get_bool(it, "used") && !used; /* at most one */
		used |= m->used;
		c->nram++;
	}
}

struct pm_error *pm_summary_from_json(const char *text, const char *what, struct pm_summary *ret)
{
	cJSON *r = cJSON_Parse(text);
	if (!r)
		return pm_err(PM_ERR_FORMAT, "%s: not valid JSON", what);
	struct pm_summary s;
	memset(&s, 0, sizeof(s));
	struct pm_error *err = NULL;
	if (!cJSON_IsObject(r))
		err = pm_err(PM_ERR_FORMAT, "%s: the summary is not an object", what);
	if (!err)
		err = read_identity(r, what, &s);
	if (!err) {
		read_figures(r, &s);
		err = read_tags(r, what, &s);
	}
	if (!err)
		err = read_modules(r, what, &s);
	if (!err)
		err = read_hits(r, what, &s);
	if (!err)
		err = pm_sum_holders_read(r, what, &s.holders);
	if (!err)
		read_coverage(r, &s.coverage);
	cJSON_Delete(r);
	if (err) {
		pm_summary_deinit(&s);
		return err;
	}
	*ret = s;
	return NULL;
}
