// SPDX-License-Identifier: MIT
// JSON for `poolused` (schema poolmortem.poolused/1) and `bigpool` (poolmortem.bigpool/1).
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poolview.h"
#include "vmview.h"

struct jb {
	bool oom;
};

static cJSON *chk(struct jb *j, cJSON *x)
{
	if (!x)
		j->oom = true;
	return x;
}

static void hex(struct jb *j, cJSON *o, const char *k, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "0x%" PRIx64, v);
	chk(j, cJSON_AddStringToObject(o, k, b));
}

static void num(struct jb *j, cJSON *o, const char *k, double v)
{
	chk(j, cJSON_AddNumberToObject(o, k, v));
}

static void str(struct jb *j, cJSON *o, const char *k, const char *s)
{
	chk(j, s ? cJSON_AddStringToObject(o, k, s) : cJSON_AddNullToObject(o, k));
}

static cJSON *obj(struct jb *j, cJSON *o, const char *k)
{
	cJSON *x = chk(j, cJSON_AddObjectToObject(o, k));
	return x ? x : o;
}

static void tag(struct jb *j, cJSON *o, uint32_t t)
{
	char s[5];
	pm_tag_str(t, s);
	str(j, o, "tag", s);
	hex(j, o, "tag_value", t);
}

static void counts(struct jb *j, cJSON *o, const char *k, uint64_t a, uint64_t f, uint64_t b)
{
	cJSON *x = obj(j, o, k);
	num(j, x, "allocs", (double)a);
	num(j, x, "frees", (double)f);
	num(j, x, "outstanding", (double)(a - f));
	num(j, x, "bytes", (double)b);
}

static struct pm_error *finish(struct jb *j, cJSON *root, char **ret)
{
	char *s = j->oom ? NULL : cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

static const char *sort_name(enum pm_pool_sort s)
{
	static const char *const n[] = { "tag", "nonpaged", "paged", "allocs" };
	return n[s];
}

static void scan_json(struct jb *j, cJSON *root, const struct pm_pool_info *p)
{
	cJSON *x = obj(j, root, "scan");
	if (!p->has_scan) {
		chk(j, cJSON_AddNullToObject(x, "value"));
		str(j, x, "absent", p->scan_needs_syms ? "needs_symbols" : "not_available");
		str(j, x, "detail", p->scan_absent);
		return;
	}
	const struct pm_scan *sc = &p->scan;
	bool heap = sc->method == PM_SCAN_SEGHEAP;
	str(j, x, "method", heap ? "segment_heap" : "pages");
	if (heap) {
		num(j, x, "subsegments", (double)sc->subsegments);
	} else {
		cJSON *n = obj(j, x, "subsegments");
		chk(j, cJSON_AddNullToObject(n, "value"));
		str(j, n, "absent", "not_applicable");
	}
	num(j, x, "pool_pages", (double)sc->pool_pages);
	num(j, x, "pages_examined", (double)sc->pages_examined);
	num(j, x, "chunks", (double)sc->chunks);
	num(j, x, "free_chunks", (double)sc->free_chunks);
	num(j, x, "bytes_read", (double)sc->bytes_read);
	cJSON *arr = chk(j, cJSON_AddArrayToObject(x, "tags"));
	/* sorted by tag string, like the tracker rows */
	for (size_t pass = 0; arr && pass < sc->ntags; pass++) {
		const struct pm_scan_tag *best = NULL;
		char bs[5] = "", prev[5] = "";
		if (pass) {
			cJSON *last = cJSON_GetArrayItem(arr, cJSON_GetArraySize(arr) - 1);
			cJSON *lt = last ? cJSON_GetObjectItem(last, "tag") : NULL;
			if (lt && cJSON_IsString(lt))
				snprintf(prev, sizeof(prev), "%s", lt->valuestring);
		}
		for (size_t i = 0; i < sc->ntags; i++) {
			char ts[5];
			pm_tag_str(sc->tags[i].tag, ts);
			if (pass && strcmp(ts, prev) <= 0)
				continue;
			if (!best || strcmp(ts, bs) < 0) {
				best = &sc->tags[i];
				snprintf(bs, sizeof(bs), "%s", ts);
			}
		}
		if (!best)
			break;
		cJSON *o = chk(j, cJSON_CreateObject());
		if (!o)
			break;
		cJSON_AddItemToArray(arr, o);
		tag(j, o, best->tag);
		cJSON *np = obj(j, o, "nonpaged");
		num(j, np, "count", (double)best->np_count);
		num(j, np, "bytes", (double)best->np_bytes);
		cJSON *pp = obj(j, o, "paged");
		num(j, pp, "count", (double)best->p_count);
		num(j, pp, "bytes", (double)best->p_bytes);
	}
	struct pm_scan_note *notes;
	size_t n = pm_scan_consistency(p, &notes);
	cJSON *c = chk(j, cJSON_AddArrayToObject(x, "consistency"));
	for (size_t i = 0; c && i < n; i++) {
		cJSON *o = chk(j, cJSON_CreateObject());
		if (!o)
			break;
		cJSON_AddItemToArray(c, o);
		tag(j, o, notes[i].tag);
		str(j, o, "pool", notes[i].paged ? "paged" : "nonpaged");
		num(j, o, "tracker_small_allocations", (double)notes[i].tracker_small);
		num(j, o, "scan_chunks", (double)notes[i].scan_count);
		str(j, o, "note", notes[i].what);
	}
	free(notes);
}

struct pm_error *pm_report_poolused_json(const struct pm_info *in,
					 const struct pm_poolused_opts *o, char **ret)
{
	const struct pm_pool_info *p = &in->pool;
	struct jb j = { false };
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return &pm_enomem;
	str(&j, root, "schema", "poolmortem.poolused/1");
	if (!p->has_track) {
		cJSON *x = obj(&j, root, "tracker");
		chk(&j, cJSON_AddNullToObject(x, "value"));
		str(&j, x, "absent", "unreadable");
		str(&j, x, "detail", p->track_absent);
		return finish(&j, root, ret);
	}
	const struct pm_pooltrack *t = &p->track;
	cJSON *tr = obj(&j, root, "tracker");
	hex(&j, tr, "table0", t->table0);
	num(&j, tr, "entries", (double)t->entries);
	hex(&j, tr, "entry_size", t->layout->stride);
	str(&j, tr, "layout", t->layout->name);
	chk(&j, cJSON_AddBoolToObject(tr, "layout_as_tabulated", t->layout_as_expected));
	str(&j, tr, "size_from", t->size_how);
	str(&j, tr, "hash", pm_tag_hash_name(t->hash));
	num(&j, tr, "keys_at_hash_slot", t->home_fit);
	num(&j, tr, "cpus_read", t->cpus_read);
	num(&j, tr, "cpus_expected", t->cpus_expected);
	str(&j, tr, "cpus_from", t->cpus_how);
	if (t->tag_tables_va)
		hex(&j, tr, "ExPoolTagTables", t->tag_tables_va);
	char prov[96];
	snprintf(prov, sizeof(prov), "%s", t->symbols ? (t->symbols[0] == 'I'
			 ? "the kernel's ISF (variables and layouts)"
			 : "the kernel's PDB (variables and layouts)")
			 : "KDBG.PoolTrackTable + built-in layouts (no symbols)");
	str(&j, tr, "provenance", prov);
	cJSON *ex = obj(&j, tr, "expansion_table");
	if (t->expansion_read) {
		num(&j, ex, "entries", (double)t->expansion_entries);
	} else {
		chk(&j, cJSON_AddNullToObject(ex, "value"));
		str(&j, ex, "absent", "needs_symbols");
		str(&j, ex, "detail", "PoolTrackTableExpansion is not reachable without symbols; it "
				      "is used only when the hashed table is full and is usually "
				      "empty");
	}
	str(&j, root, "sort", sort_name(o->sort));
	size_t n;
	const struct pm_tag_counts **rows = pm_poolused_rows(t, o, &n);
	if (!rows) {
		cJSON_Delete(root);
		return &pm_enomem;
	}
	cJSON *arr = chk(&j, cJSON_AddArrayToObject(root, "tags"));
	uint64_t tot[6] = { 0 };
	for (size_t i = 0; arr && i < n; i++) {
		const struct pm_tag_counts *c = rows[i];
		cJSON *x = chk(&j, cJSON_CreateObject());
		if (!x)
			break;
		cJSON_AddItemToArray(arr, x);
		tag(&j, x, c->tag);
		counts(&j, x, "nonpaged", c->np_allocs, c->np_frees, c->np_bytes);
		counts(&j, x, "paged", c->p_allocs, c->p_frees, c->p_bytes);
		tot[0] += c->np_allocs, tot[1] += c->np_frees, tot[2] += c->np_bytes;
		tot[3] += c->p_allocs, tot[4] += c->p_frees, tot[5] += c->p_bytes;
	}
	free(rows);
	cJSON *tt = obj(&j, root, "totals");
	counts(&j, tt, "nonpaged", tot[0], tot[1], tot[2]);
	counts(&j, tt, "paged", tot[3], tot[4], tot[5]);
	cJSON *se = obj(&j, root, "session_pool");
	if (p->has_session) {
		hex(&j, se, "table", p->session.table);
		num(&j, se, "entries", (double)p->session.entries);
		str(&j, se, "source", p->session.source);
		cJSON *sa = chk(&j, cJSON_AddArrayToObject(se, "tags"));
		for (size_t i = 0; sa && i < p->session.ntags; i++) {
			const struct pm_tag_counts *c = &p->session.tags[i];
			if (!pm_tag_match(o->pattern, c->tag))
				continue;
			cJSON *x = chk(&j, cJSON_CreateObject());
			if (!x)
				break;
			cJSON_AddItemToArray(sa, x);
			tag(&j, x, c->tag);
			counts(&j, x, "paged", c->p_allocs, c->p_frees, c->p_bytes);
		}
	} else {
		chk(&j, cJSON_AddNullToObject(se, "value"));
		str(&j, se, "absent", p->has_syms ? "not_present" : "needs_symbols");
		str(&j, se, "detail", p->session_absent);
	}
	if (o->scan)
		scan_json(&j, root, p);
	return finish(&j, root, ret);
}

static void alloc_obj(struct jb *j, cJSON *arr, const struct pm_big_alloc *a)
{
	cJSON *x = chk(j, cJSON_CreateObject());
	if (!x)
		return;
	cJSON_AddItemToArray(arr, x);
	hex(j, x, "va", a->va);
	tag(j, x, a->tag);
	str(j, x, "pool", a->pool);
	if (a->has_type)
		hex(j, x, "type", a->type);
	num(j, x, "bytes", (double)a->bytes);
}

struct pm_error *pm_report_bigpool_json(const struct pm_info *in, const struct pm_bigpool_opts *o,
					char **ret)
{
	const struct pm_pool_info *p = &in->pool;
	struct jb j = { false };
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return &pm_enomem;
	str(&j, root, "schema", "poolmortem.bigpool/1");
	if (!p->has_big) {
		cJSON *x = obj(&j, root, "table");
		chk(&j, cJSON_AddNullToObject(x, "value"));
		str(&j, x, "absent", "unreadable");
		str(&j, x, "detail", p->big_absent);
		return finish(&j, root, ret);
	}
	const struct pm_bigpool *b = &p->big;
	cJSON *t = obj(&j, root, "table");
	hex(&j, t, "va", b->table);
	hex(&j, t, "variable", b->table_var);
	num(&j, t, "entries", (double)b->entries);
	hex(&j, t, "entry_size", b->layout->stride);
	str(&j, t, "layout", b->layout->name);
	chk(&j, cJSON_AddBoolToObject(t, "self_entry", b->self_entry));
	str(&j, t, "found_by", b->how);
	num(&j, t, "free_slots", (double)b->free_slots);
	num(&j, t, "unused_slots", (double)b->unused_slots);
	str(&j, t, "provenance", b->symbols ? (b->symbols[0] == 'I' ? "the kernel's ISF"
								: "the kernel's PDB")
					    : "heuristic: nt .data near KDBG.PoolTrackTable (no symbols)");
	cJSON *arr = chk(&j, cJSON_AddArrayToObject(root, "allocations"));
	for (size_t i = 0; arr && i < b->nallocs; i++)
		if (pm_tag_match(o->pattern, b->allocs[i].tag))
			alloc_obj(&j, arr, &b->allocs[i]);
	if (o->show_free) {
		cJSON *fr = chk(&j, cJSON_AddArrayToObject(root, "freed"));
		for (size_t i = 0; fr && i < b->nfreed; i++)
			if (pm_tag_match(o->pattern, b->freed[i].tag))
				alloc_obj(&j, fr, &b->freed[i]);
	}
	return finish(&j, root, ret);
}

static void vm_line(struct jb *j, cJSON *o, const char *k, const struct pm_vm_line *l)
{
	cJSON *x = obj(j, o, k);
	if (!l->present) {
		chk(j, cJSON_AddNullToObject(x, "value"));
		str(j, x, "absent", l->absent);
		if (l->detail[0])
			str(j, x, "detail", l->detail);
		return;
	}
	num(j, x, "pages", (double)l->pages);
	num(j, x, "kb", (double)(l->pages * 4));
	str(j, x, "source", l->source);
	if (l->detail[0])
		str(j, x, "detail", l->detail);
}

static void count_json(struct jb *j, cJSON *o, const char *k, const struct pm_count *c)
{
	cJSON *x = obj(j, o, k);
	if (c->present) {
		num(j, x, "count", (double)c->v);
		str(j, x, "source", c->source);
		return;
	}
	chk(j, cJSON_AddNullToObject(x, "value"));
	str(j, x, "absent", c->absent);
	str(j, x, "detail", c->detail);
}

static void absent_num(struct jb *j, cJSON *o, const char *k, bool present, uint64_t v,
		       const char *why)
{
	if (present) {
		num(j, o, k, (double)v);
		return;
	}
	cJSON *x = obj(j, o, k);
	chk(j, cJSON_AddNullToObject(x, "value"));
	str(j, x, "absent", why);
}

/* !vm 4: the sessions (MiSessionWsList) */
static void sessions_json(struct jb *j, cJSON *root, const struct pm_vm_view *v)
{
	const struct pm_mm_info *m = v->mm;
	cJSON *sp = obj(j, root, "session_pools");
	if (!m->has_sessions) {
		chk(j, cJSON_AddNullToObject(sp, "value"));
		str(j, sp, "absent", m->sessions_absent);
		str(j, sp, "detail", m->sessions_detail);
		return;
	}
	const struct pm_sessions *ss = &m->sessions;
	str(j, sp, "source", "MiSessionWsList");
	absent_num(j, sp, "pool_max_pages", ss->has_pool_max, ss->pool_max_pages,
		   "not_in_symbols");
	if (ss->has_current)
		num(j, sp, "current", ss->current_id);
	else
		chk(j, cJSON_AddNullToObject(sp, "current"));
	cJSON *arr = chk(j, cJSON_AddArrayToObject(sp, "sessions"));
	for (size_t i = 0; arr && i < ss->n; i++) {
		const struct pm_session *se = &ss->items[i];
		cJSON *x = chk(j, cJSON_CreateObject());
		if (!x)
			break;
		cJSON_AddItemToArray(arr, x);
		num(j, x, "id", se->id);
		hex(j, x, "va", se->va);
		chk(j, cJSON_AddBoolToObject(x, "current", se->current));
		cJSON *d = obj(j, x, "descriptor");
		if (se->has_desc) {
			num(j, d, "pages", (double)se->desc_pages);
			num(j, d, "big_pages", (double)se->desc_big_pages);
			num(j, d, "running_allocs", (double)se->desc_allocs);
			num(j, d, "running_frees", (double)se->desc_frees);
		} else {
			chk(j, cJSON_AddNullToObject(d, "value"));
			str(j, d, "absent", ss->desc_absent ? "not_in_symbols" : "unreadable");
		}
		absent_num(j, x, "paged_pool_pages", se->has_pp_pages, se->pp_pages,
			   "not_in_symbols");
		absent_num(j, x, "committed_pages", se->has_committed, se->committed,
			   "not_in_symbols");
		absent_num(j, x, "allocation_failures", se->has_failures, se->failures,
			   "not_in_symbols");
	}
	if (v->has_session_check) {
		cJSON *c = obj(j, sp, "tag_table_check");
		num(j, c, "session", v->session_check_id);
		num(j, c, "descriptor_pages", (double)v->session_desc_pages);
		num(j, c, "tag_table_pages", (double)v->session_tag_pages);
		chk(j, cJSON_AddBoolToObject(c, "consistent",
					     v->session_tag_pages <= v->session_desc_pages));
	}
}

struct pm_error *pm_report_vm_json(const struct pm_vm_view *v, char **ret)
{
	struct jb j = { false };
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return &pm_enomem;
	str(&j, root, "schema", "poolmortem.vm/1");
	for (int i = 0; i < _PM_VM_MAX; i++)
		vm_line(&j, root, pm_vm_line_key((enum pm_vm_line_id)i), &v->line[i]);
	if (v->has_descs) {
		str(&j, root, "descriptor_layout", v->descs.layout->name);
		cJSON *arr = chk(&j, cJSON_AddArrayToObject(root, "paged_pools"));
		for (unsigned i = 0; arr && i < v->descs.n; i++) {
			cJSON *x = chk(&j, cJSON_CreateObject());
			if (!x)
				break;
			cJSON_AddItemToArray(arr, x);
			num(&j, x, "index", v->descs.d[i].index);
			num(&j, x, "pages", (double)v->descs.d[i].pages);
			num(&j, x, "big_pages", (double)v->descs.d[i].big_pages);
			num(&j, x, "running_allocs", (double)v->descs.d[i].running_allocs);
			num(&j, x, "running_frees", (double)v->descs.d[i].running_frees);
		}
	} else {
		cJSON *x = obj(&j, root, "paged_pools");
		chk(&j, cJSON_AddNullToObject(x, "value"));
		str(&j, x, "absent", "not_applicable");
		str(&j, x, "detail", v->descs_absent);
	}
	if (v->has_np_desc) {
		cJSON *x = obj(&j, root, "nonpaged_pool_descriptor");
		num(&j, x, "pages", (double)v->np_desc.pages);
		num(&j, x, "big_pages", (double)v->np_desc.big_pages);
		num(&j, x, "running_allocs", (double)v->np_desc.running_allocs);
		num(&j, x, "running_frees", (double)v->np_desc.running_frees);
	} else {
		cJSON *x = obj(&j, root, "nonpaged_pool_descriptor");
		chk(&j, cJSON_AddNullToObject(x, "value"));
		str(&j, x, "absent", "not_applicable");
		str(&j, x, "detail", v->np_desc_absent);
	}
	cJSON *fa = obj(&j, root, "failures");
	count_json(&j, fa, "pool_allocations", &v->mm->pool_failures);
	count_json(&j, fa, "system_ptes", &v->mm->pte_failures);
	count_json(&j, fa, "commit_requests", &v->mm->commit_failures);
	cJSON *bn = chk(&j, cJSON_AddArrayToObject(root, "banners"));
	for (unsigned i = 0; bn && i < v->nbanners; i++) {
		cJSON *b = chk(&j, cJSON_CreateString(v->banners[i]));
		if (b)
			cJSON_AddItemToArray(bn, b);
	}
	sessions_json(&j, root, v);
	if (v->has_tracker_totals) {
		cJSON *x = obj(&j, root, "tag_tracker_totals");
		num(&j, x, "nonpaged_pages", (double)v->tracker_np_pages);
		num(&j, x, "paged_pages", (double)v->tracker_p_pages);
	}
	return finish(&j, root, ret);
}
