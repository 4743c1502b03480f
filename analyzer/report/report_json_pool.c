// SPDX-License-Identifier: MIT
// JSON for `poolused` (schema poolmortem.poolused/1) and `bigpool` (poolmortem.bigpool/1).
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jsonb.h"
#include "report.h"

static void tag(struct pm_jb *j, cJSON *o, uint32_t t)
{
	pm_jb_tag(j, o, "tag", t);
	pm_jb_hex(j, o, "tag_value", t);
}

static void counts(struct pm_jb *j, cJSON *o, const char *k, uint64_t a, uint64_t f, uint64_t b)
{
	cJSON *x = pm_jb_obj(j, o, k);
	pm_jb_num(j, x, "allocs", (double)a);
	pm_jb_num(j, x, "frees", (double)f);
	pm_jb_num(j, x, "outstanding", (double)(a - f));
	pm_jb_num(j, x, "bytes", (double)b);
}

/* {"value": null, "absent": reason, "detail": text}, the reason as the data gives it */
static void absence(struct pm_jb *j, cJSON *o, const char *k, const struct pm_absence *a)
{
	pm_jb_absent(j, o, k, pm_absent_name(a->why) ? pm_absent_name(a->why) : "unreadable",
		     pm_absence_detail(a));
}

static const char *sort_name(enum pm_pool_sort s)
{
	static const char *const n[] = { "tag", "nonpaged", "paged", "allocs" };
	return n[s];
}

static void scan_json(struct pm_jb *j, cJSON *root, const struct pm_pool_info *p)
{
	if (!p->has_scan) {
		absence(j, root, "scan", &p->scan_absent);
		return;
	}
	cJSON *x = pm_jb_obj(j, root, "scan");
	const struct pm_scan *sc = &p->scan;
	bool heap = sc->method == PM_SCAN_SEGHEAP;
	pm_jb_str(j, x, "method", heap ? "segment_heap" : "pages");
	if (heap) {
		pm_jb_num(j, x, "subsegments", (double)sc->subsegments);
	} else {
		cJSON *n = pm_jb_obj(j, x, "subsegments");
		pm_jb_null(j, n, "value");
		pm_jb_str(j, n, "absent", "not_applicable");
	}
	pm_jb_num(j, x, "pool_pages", (double)sc->pool_pages);
	pm_jb_num(j, x, "pages_examined", (double)sc->pages_examined);
	pm_jb_num(j, x, "chunks", (double)sc->chunks);
	pm_jb_num(j, x, "free_chunks", (double)sc->free_chunks);
	pm_jb_num(j, x, "bytes_read", (double)sc->bytes_read);
	cJSON *arr = pm_jb_arr(j, x, "tags");
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
			char ts[PM_FMT_TAG];
			pm_fmt_tag(sc->tags[i].tag, ts);
			if (pass && strcmp(ts, prev) <= 0)
				continue;
			if (!best || strcmp(ts, bs) < 0) {
				best = &sc->tags[i];
				snprintf(bs, sizeof(bs), "%s", ts);
			}
		}
		if (!best)
			break;
		cJSON *o = pm_jb_push_obj(j, arr);
		if (!o)
			break;
		tag(j, o, best->tag);
		cJSON *np = pm_jb_obj(j, o, "nonpaged");
		pm_jb_num(j, np, "count", (double)best->np_count);
		pm_jb_num(j, np, "bytes", (double)best->np_bytes);
		cJSON *pp = pm_jb_obj(j, o, "paged");
		pm_jb_num(j, pp, "count", (double)best->p_count);
		pm_jb_num(j, pp, "bytes", (double)best->p_bytes);
	}
	struct pm_scan_note *notes;
	size_t n = pm_scan_consistency(p, &notes);
	cJSON *c = pm_jb_arr(j, x, "consistency");
	for (size_t i = 0; c && i < n; i++) {
		cJSON *o = pm_jb_push_obj(j, c);
		if (!o)
			break;
		tag(j, o, notes[i].tag);
		pm_jb_str(j, o, "pool", notes[i].paged ? "paged" : "nonpaged");
		pm_jb_num(j, o, "tracker_small_allocations", (double)notes[i].tracker_small);
		pm_jb_num(j, o, "scan_chunks", (double)notes[i].scan_count);
		pm_jb_str(j, o, "note", notes[i].what);
	}
	free(notes);
}

/* A tag's description (pooltag.txt or the knowledge base), or null when none is known. */
static void description(struct pm_jb *j, cJSON *x, const struct pm_rule_params *p, uint32_t t)
{
	struct pm_tag_desc d;
	if (!pm_rule_tag_describe(p, t, &d)) {
		pm_jb_null(j, x, "description");
		return;
	}
	cJSON *o = pm_jb_obj(j, x, "description");
	pm_jb_str(j, o, "text", d.desc);
	pm_jb_str(j, o, "binary", d.binary);
	pm_jb_str(j, o, "source", d.source);
	if (d.line)
		pm_jb_num(j, o, "line", d.line);
	if (d.pattern)
		pm_jb_str(j, o, "pattern", d.pattern);
}

/* Which pooltag.txt gave the descriptions, and what it held. */
static void pooltag_json(struct pm_jb *j, cJSON *root, const struct pm_rule_params *p)
{
	if (!p)
		return;
	if (!p->npooltag) {
		pm_jb_null(j, root, "pooltag");
		return;
	}
	const struct pm_pooltag_stats *st = &p->pooltag_stats;
	cJSON *o = pm_jb_obj(j, root, "pooltag");
	pm_jb_str(j, o, "file", p->pooltag_src);
	pm_jb_num(j, o, "entries", st->entries);
	pm_jb_num(j, o, "wildcards", st->wildcards);
	pm_jb_num(j, o, "short_tags", st->short_tags);
	pm_jb_num(j, o, "unknown_binary", st->unknown_binary);
	pm_jb_num(j, o, "without_binary", st->no_binary);
	pm_jb_num(j, o, "tags_on_several_lines", st->duplicates);
	pm_jb_num(j, o, "prose_lines", st->prose);
	pm_jb_num(j, o, "continuation_lines", st->continuations);
}

struct pm_error *pm_json_poolused(const struct pm_info *in, const struct pm_poolused_opts *o,
				  cJSON **ret)
{
	const struct pm_pool_info *p = &in->pool;
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.poolused/1");
	if (!p->has_track) {
		absence(&j, root, "tracker", &p->track_absent);
		return pm_jb_done(&j, root, ret);
	}
	const struct pm_pooltrack *t = &p->track;
	cJSON *tr = pm_jb_obj(&j, root, "tracker");
	pm_jb_hex(&j, tr, "table0", t->table0);
	pm_jb_num(&j, tr, "entries", (double)t->entries);
	pm_jb_hex(&j, tr, "entry_size", t->layout->stride);
	pm_jb_str(&j, tr, "layout", t->layout->name);
	pm_jb_chk(&j, cJSON_AddBoolToObject(tr, "layout_as_tabulated", t->layout_as_expected));
	pm_jb_str(&j, tr, "size_from", t->size_how);
	pm_jb_str(&j, tr, "hash", pm_tag_hash_name(t->hash));
	pm_jb_num(&j, tr, "keys_at_hash_slot", t->home_fit);
	pm_jb_num(&j, tr, "cpus_read", t->cpus_read);
	pm_jb_num(&j, tr, "cpus_expected", t->cpus_expected);
	pm_jb_str(&j, tr, "cpus_from", t->cpus_how);
	if (t->tag_tables_va)
		pm_jb_hex(&j, tr, "ExPoolTagTables", t->tag_tables_va);
	char prov[96];
	snprintf(prov, sizeof(prov), "%s", t->symbols ? (t->symbols_format == PM_SYMFMT_ISF
			 ? "the kernel's ISF (variables and layouts)"
			 : "the kernel's PDB (variables and layouts)")
			 : "KDBG.PoolTrackTable + built-in layouts (no symbols)");
	pm_jb_str(&j, tr, "provenance", prov);
	cJSON *ex = pm_jb_obj(&j, tr, "expansion_table");
	if (t->expansion_read) {
		pm_jb_num(&j, ex, "entries", (double)t->expansion_entries);
	} else {
		pm_jb_null(&j, ex, "value");
		pm_jb_str(&j, ex, "absent", "needs_symbols");
		pm_jb_str(&j, ex, "detail", "PoolTrackTableExpansion is not reachable without symbols; it "
				      "is used only when the hashed table is full and is usually "
				      "empty");
	}
	pm_jb_str(&j, root, "sort", sort_name(o->sort));
	size_t n, nall;
	const struct pm_tag_counts **rows = pm_poolused_rows(t, o, &n, &nall);
	if (!rows) {
		cJSON_Delete(root);
		return &pm_enomem;
	}
	pooltag_json(&j, root, o->params);
	cJSON *arr = pm_jb_arr(&j, root, "tags");
	uint64_t tot[6] = { 0 };
	for (size_t i = 0; i < nall; i++) {
		const struct pm_tag_counts *c = rows[i];
		tot[0] += c->np_allocs, tot[1] += c->np_frees, tot[2] += c->np_bytes;
		tot[3] += c->p_allocs, tot[4] += c->p_frees, tot[5] += c->p_bytes;
		cJSON *x = arr && i < n ? pm_jb_push_obj(&j, arr) : NULL;
		if (!x)
			continue;
		tag(&j, x, c->tag);
		counts(&j, x, "nonpaged", c->np_allocs, c->np_frees, c->np_bytes);
		counts(&j, x, "paged", c->p_allocs, c->p_frees, c->p_bytes);
		if (o->params)
			description(&j, x, o->params, c->tag);
	}
	free(rows);
	cJSON *tt = pm_jb_obj(&j, root, "totals");
	pm_jb_num(&j, tt, "tags", (double)nall);
	pm_jb_num(&j, tt, "tags_shown", (double)n);
	counts(&j, tt, "nonpaged", tot[0], tot[1], tot[2]);
	counts(&j, tt, "paged", tot[3], tot[4], tot[5]);
	if (p->has_session) {
		cJSON *se = pm_jb_obj(&j, root, "session_pool");
		pm_jb_hex(&j, se, "table", p->session.table);
		pm_jb_num(&j, se, "entries", (double)p->session.entries);
		pm_jb_str(&j, se, "source", p->session.source);
		cJSON *sa = pm_jb_arr(&j, se, "tags");
		for (size_t i = 0; sa && i < p->session.ntags; i++) {
			const struct pm_tag_counts *c = &p->session.tags[i];
			if (!pm_tag_match(o->pattern, c->tag))
				continue;
			cJSON *x = pm_jb_push_obj(&j, sa);
			if (!x)
				break;
			tag(&j, x, c->tag);
			counts(&j, x, "paged", c->p_allocs, c->p_frees, c->p_bytes);
		}
	} else {
		absence(&j, root, "session_pool", &p->session_absent);
	}
	if (o->scan)
		scan_json(&j, root, p);
	return pm_jb_done(&j, root, ret);
}

static void alloc_obj(struct pm_jb *j, cJSON *arr, const struct pm_big_alloc *a)
{
	cJSON *x = pm_jb_push_obj(j, arr);
	if (!x)
		return;
	pm_jb_hex(j, x, "va", a->va);
	tag(j, x, a->tag);
	pm_jb_str(j, x, "pool", a->pool);
	if (a->has_type)
		pm_jb_hex(j, x, "type", a->type);
	pm_jb_num(j, x, "bytes", (double)a->bytes);
}

struct pm_error *pm_json_bigpool(const struct pm_info *in, const struct pm_bigpool_opts *o,
				 cJSON **ret)
{
	const struct pm_pool_info *p = &in->pool;
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.bigpool/1");
	if (!p->has_big) {
		absence(&j, root, "table", &p->big_absent);
		return pm_jb_done(&j, root, ret);
	}
	const struct pm_bigpool *b = &p->big;
	cJSON *t = pm_jb_obj(&j, root, "table");
	pm_jb_hex(&j, t, "va", b->table);
	pm_jb_hex(&j, t, "variable", b->table_var);
	pm_jb_num(&j, t, "entries", (double)b->entries);
	pm_jb_hex(&j, t, "entry_size", b->layout->stride);
	pm_jb_str(&j, t, "layout", b->layout->name);
	pm_jb_chk(&j, cJSON_AddBoolToObject(t, "self_entry", b->self_entry));
	pm_jb_str(&j, t, "found_by", b->how);
	pm_jb_num(&j, t, "free_slots", (double)b->free_slots);
	pm_jb_num(&j, t, "unused_slots", (double)b->unused_slots);
	pm_jb_str(&j, t, "provenance", b->symbols ? (b->symbols_format == PM_SYMFMT_ISF
							     ? "the kernel's ISF" : "the kernel's PDB")
					    : "heuristic: nt .data near KDBG.PoolTrackTable (no symbols)");
	cJSON *arr = pm_jb_arr(&j, root, "allocations");
	for (size_t i = 0; arr && i < b->nallocs; i++)
		if (pm_tag_match(o->pattern, b->allocs[i].tag))
			alloc_obj(&j, arr, &b->allocs[i]);
	if (o->show_free) {
		cJSON *fr = pm_jb_arr(&j, root, "freed");
		for (size_t i = 0; fr && i < b->nfreed; i++)
			if (pm_tag_match(o->pattern, b->freed[i].tag))
				alloc_obj(&j, fr, &b->freed[i]);
	}
	return pm_jb_done(&j, root, ret);
}

static void vm_line(struct pm_jb *j, cJSON *o, const char *k, const struct pm_vm_line *l)
{
	cJSON *x = pm_jb_obj(j, o, k);
	if (l->absent) {
		pm_jb_null(j, x, "value");
		pm_jb_str(j, x, "absent", pm_absent_name(l->absent));
		if (l->detail)
			pm_jb_str(j, x, "detail", l->detail);
		return;
	}
	pm_jb_num(j, x, "pages", (double)l->pages);
	pm_jb_num(j, x, "kb", (double)pm_pages_kb(l->pages));
	pm_jb_str(j, x, "source", l->source);
	if (l->detail)
		pm_jb_str(j, x, "detail", l->detail);
}

static void count_json(struct pm_jb *j, cJSON *o, const char *k, const struct pm_count *c)
{
	cJSON *x = pm_jb_obj(j, o, k);
	if (!c->absent) {
		pm_jb_num(j, x, "count", (double)c->v);
		pm_jb_str(j, x, "source", c->source);
		return;
	}
	pm_jb_null(j, x, "value");
	pm_jb_str(j, x, "absent", pm_absent_name(c->absent));
	pm_jb_str(j, x, "detail", c->detail ? c->detail : "");
}

static void absent_num(struct pm_jb *j, cJSON *o, const char *k, bool present, uint64_t v,
		       const char *why)
{
	if (present) {
		pm_jb_num(j, o, k, (double)v);
		return;
	}
	cJSON *x = pm_jb_obj(j, o, k);
	pm_jb_null(j, x, "value");
	pm_jb_str(j, x, "absent", why);
}

/* !vm 4: the sessions (MiSessionWsList) */
static void sessions_json(struct pm_jb *j, cJSON *root, const struct pm_vm_view *v)
{
	const struct pm_mm_info *m = v->mm;
	cJSON *sp = pm_jb_obj(j, root, "session_pools");
	if (!m->has_sessions) {
		pm_jb_null(j, sp, "value");
		pm_jb_str(j, sp, "absent", pm_absent_name(m->sessions_absent.why));
		pm_jb_str(j, sp, "detail", pm_absence_detail(&m->sessions_absent));
		return;
	}
	const struct pm_sessions *ss = &m->sessions;
	pm_jb_str(j, sp, "source", ss->list_source ? ss->list_source : "MiSessionWsList");
	absent_num(j, sp, "pool_max_pages", ss->has_pool_max, ss->pool_max_pages,
		   "not_in_symbols");
	if (ss->has_current)
		pm_jb_num(j, sp, "current", ss->current_id);
	else
		pm_jb_null(j, sp, "current");
	if (ss->has_current) {
		pm_jb_str(j, sp, "current_source", ss->current_source);
		if (ss->current_pid)
			pm_jb_num(j, sp, "current_pid", (double)ss->current_pid);
	} else {
		pm_jb_str(j, sp, "current_absent", ss->current_absent[0] ? ss->current_absent
									 : "not known");
	}
	cJSON *arr = pm_jb_arr(j, sp, "sessions");
	for (size_t i = 0; arr && i < ss->n; i++) {
		const struct pm_session *se = &ss->items[i];
		cJSON *x = pm_jb_push_obj(j, arr);
		if (!x)
			break;
		pm_jb_num(j, x, "id", se->id);
		pm_jb_hex(j, x, "va", se->va);
		pm_jb_chk(j, cJSON_AddBoolToObject(x, "current", se->current));
		cJSON *d = pm_jb_obj(j, x, "descriptor");
		if (se->has_desc) {
			pm_jb_num(j, d, "pages", (double)se->desc_pages);
			pm_jb_num(j, d, "big_pages", (double)se->desc_big_pages);
			pm_jb_num(j, d, "running_allocs", (double)se->desc_allocs);
			pm_jb_num(j, d, "running_frees", (double)se->desc_frees);
		} else {
			pm_jb_null(j, d, "value");
			pm_jb_str(j, d, "absent", ss->desc_absent ? "not_in_symbols" : "unreadable");
		}
		absent_num(j, x, "paged_pool_pages", se->has_pp_pages, se->pp_pages,
			   "not_in_symbols");
		absent_num(j, x, "committed_pages", se->has_committed, se->committed,
			   "not_in_symbols");
		absent_num(j, x, "allocation_failures", se->has_failures, se->failures,
			   "not_in_symbols");
	}
	if (v->has_session_check) {
		cJSON *c = pm_jb_obj(j, sp, "tag_table_check");
		pm_jb_num(j, c, "session", v->session_check_id);
		pm_jb_num(j, c, "descriptor_pages", (double)v->session_desc_pages);
		pm_jb_num(j, c, "tag_table_pages", (double)v->session_tag_pages);
		pm_jb_chk(j, cJSON_AddBoolToObject(c, "consistent",
					     v->session_tag_pages <= v->session_desc_pages));
	}
}

struct pm_error *pm_json_vm(const struct pm_vm_view *v, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.vm/1");
	for (int i = 0; i < _PM_VM_MAX; i++)
		vm_line(&j, root, pm_vm_line_key((enum pm_vm_line_id)i), &v->line[i]);
	if (v->has_descs) {
		pm_jb_str(&j, root, "descriptor_layout", v->descs.layout->name);
		cJSON *arr = pm_jb_arr(&j, root, "paged_pools");
		for (unsigned i = 0; arr && i < v->descs.n; i++) {
			cJSON *x = pm_jb_push_obj(&j, arr);
			if (!x)
				break;
			pm_jb_num(&j, x, "index", v->descs.d[i].index);
			pm_jb_num(&j, x, "pages", (double)v->descs.d[i].pages);
			pm_jb_num(&j, x, "big_pages", (double)v->descs.d[i].big_pages);
			pm_jb_num(&j, x, "running_allocs", (double)v->descs.d[i].running_allocs);
			pm_jb_num(&j, x, "running_frees", (double)v->descs.d[i].running_frees);
		}
	} else {
		cJSON *x = pm_jb_obj(&j, root, "paged_pools");
		pm_jb_null(&j, x, "value");
		pm_jb_str(&j, x, "absent", "not_applicable");
		pm_jb_str(&j, x, "detail", pm_absence_detail(&v->descs_absent));
	}
	if (v->has_np_desc) {
		cJSON *x = pm_jb_obj(&j, root, "nonpaged_pool_descriptor");
		pm_jb_num(&j, x, "pages", (double)v->np_desc.pages);
		pm_jb_num(&j, x, "big_pages", (double)v->np_desc.big_pages);
		pm_jb_num(&j, x, "running_allocs", (double)v->np_desc.running_allocs);
		pm_jb_num(&j, x, "running_frees", (double)v->np_desc.running_frees);
	} else {
		cJSON *x = pm_jb_obj(&j, root, "nonpaged_pool_descriptor");
		pm_jb_null(&j, x, "value");
		pm_jb_str(&j, x, "absent", "not_applicable");
		pm_jb_str(&j, x, "detail", pm_absence_detail(&v->np_desc_absent));
	}
	cJSON *fa = pm_jb_obj(&j, root, "failures");
	count_json(&j, fa, "pool_allocations", &v->mm->pool_failures);
	count_json(&j, fa, "system_ptes", &v->mm->pte_failures);
	count_json(&j, fa, "commit_requests", &v->mm->commit_failures);
	cJSON *bn = pm_jb_arr(&j, root, "banners");
	for (unsigned i = 0; bn && i < v->nbanners; i++)
		pm_jb_push_str(&j, bn, v->banners[i]);
	sessions_json(&j, root, v);
	if (v->has_tracker_totals) {
		cJSON *x = pm_jb_obj(&j, root, "tag_tracker_totals");
		pm_jb_num(&j, x, "nonpaged_pages", (double)v->tracker_np_pages);
		pm_jb_num(&j, x, "paged_pages", (double)v->tracker_p_pages);
	}
	return pm_jb_done(&j, root, ret);
}
