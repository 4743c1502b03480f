// SPDX-License-Identifier: MIT
// Text rendering of `poolused` and `bigpool`, in the shape WinDbg's !poolused prints
// (tools-and-outputs.md §1.2), and of the pool-page scan with its cross-check.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "report.h"
#include "strbuf.h"

static const char *sort_title(enum pm_pool_sort s)
{
	switch (s) {
	case PM_SORT_NONPAGED:
		return "NonPaged Pool Consumed";
	case PM_SORT_PAGED:
		return "Paged Pool Consumed";
	case PM_SORT_ALLOCS:
		return "Outstanding Allocations";
	default:
		return "Tag";
	}
}

static void tracker_provenance(struct pm_strbuf *sb, const struct pm_pooltrack *t)
{
	pm_sb_printf(sb, " Tag tracker: PoolTrackTable %s, %" PRIu64 " entries of %#x bytes"
		     " (%s%s), size from %s, hash %s (%s of tags at their slot)\n",
		     PM_ADDR(t->table0), t->entries, t->layout->stride, t->layout->name,
		     t->layout_as_expected ? "" : "; not the build's tabulated layout", t->size_how,
		     pm_tag_hash_name(t->hash), PM_PCT(t->home_fit));
	if (t->expansion_read)
		pm_sb_printf(sb, " Processors: %u of %u tables summed (%s); expansion table: %"
			     PRIu64 " entries (%s)\n", t->cpus_read, t->cpus_expected, t->cpus_how,
			     t->expansion_entries, t->symbols);
	else
		pm_sb_printf(sb, " Processors: %u of %u tables summed (%s); expansion table not read "
			     "(needs symbols; used only when the table is full)\n", t->cpus_read,
			     t->cpus_expected, t->cpus_how);
}

static void scan_text(struct pm_strbuf *sb, const struct pm_info *in)
{
	const struct pm_pool_info *p = &in->pool;
	if (!p->has_scan) {
		pm_sb_printf(sb, "\n Pool-page scan: not available: %s\n",
			     pm_absence_detail(&p->scan_absent));
		return;
	}
	const struct pm_scan *sc = &p->scan;
	if (sc->method == PM_SCAN_SEGHEAP)
		pm_sb_printf(sb, "\n Segment-heap walk (ExPoolState, with symbols): %" PRIu64
			     " subsegments, %" PRIu64 " pages; %" PRIu64 " chunks, %" PRIu64 " free\n\n",
			     sc->subsegments, sc->pool_pages, sc->chunks, sc->free_chunks);
	else
		pm_sb_printf(sb, "\n Pool-page scan: %" PRIu64 " pool pages among %" PRIu64 " kernel "
			     "pages examined; %" PRIu64 " chunks, %" PRIu64 " free\n\n", sc->pool_pages,
			     sc->pages_examined, sc->chunks, sc->free_chunks);
	pm_sb_printf(sb, "               NonPaged                  Paged\n");
	pm_sb_printf(sb, " %-4s %9s %12s %10s %12s\n\n", "Tag", "Chunks", "Bytes", "Chunks", "Bytes");
	/* by tag string */
	const struct pm_scan_tag **r = calloc(sc->ntags ? sc->ntags : 1, sizeof(*r));
	if (!r)
		return;
	for (size_t i = 0; i < sc->ntags; i++)
		r[i] = &sc->tags[i];
	for (size_t i = 1; i < sc->ntags; i++)
		for (size_t k = i; k > 0; k--) {
			char a[PM_FMT_TAG], b[PM_FMT_TAG];
			pm_fmt_tag(r[k]->tag, a);
			pm_fmt_tag(r[k - 1]->tag, b);
			if (strcmp(a, b) >= 0)
				break;
			const struct pm_scan_tag *x = r[k];
			r[k] = r[k - 1];
			r[k - 1] = x;
		}
	for (size_t i = 0; i < sc->ntags; i++)
		pm_sb_printf(sb, " %-4s %9" PRIu64 " %12s %10" PRIu64 " %12s\n", PM_TAG(r[i]->tag),
			     r[i]->np_count, PM_BYTES(r[i]->np_bytes), r[i]->p_count,
			     PM_BYTES(r[i]->p_bytes));
	free(r);
	/* what the walk could not read or decode (the rest of the diagnostics are in `info`) */
	for (size_t i = 0; i < in->diags.n; i++)
		if (!strcmp(in->diags.items[i].layer, "segheap"))
			pm_sb_printf(sb, "%s Note: %s\n",
				     i && !strcmp(in->diags.items[i - 1].layer, "segheap") ? "" : "\n",
				     in->diags.items[i].msg);
	struct pm_scan_note *notes;
	size_t n = pm_scan_consistency(p, &notes);
	pm_sb_printf(sb, "\n Consistency with the tag tracker: %zu disagreement%s%s\n", n,
		     n == 1 ? "" : "s", p->has_track ? "" : " (no tracker to compare with)");
	for (size_t i = 0; i < n; i++) {
		pm_sb_printf(sb, "  %-4s %-8s tracker %" PRIu64 " small allocations, scan %" PRIu64
			     ": %s\n", PM_TAG(notes[i].tag), notes[i].paged ? "paged" : "nonpaged",
			     notes[i].tracker_small, notes[i].scan_count, notes[i].what);
	}
	free(notes);
}

/* The description column, as !poolused prints it after the counters (a tab between). */
static void desc_col(struct pm_strbuf *sb, const struct pm_poolused_opts *o, uint32_t tag)
{
	char d[320];
	if (o->params)
		pm_sb_printf(sb, "\t%s", pm_rule_tag_description(o->params, tag, d, sizeof(d)));
	pm_sb_printf(sb, "\n");
}

/* The main table: @p rows[0..n) shown, the TOTAL over all @p nall matching rows. */
static void poolused_table(struct pm_strbuf *sb, const struct pm_poolused_opts *o,
			   const struct pm_tag_counts **rows, size_t n, size_t nall)
{
	uint64_t tot[8] = { 0 };
	if (o->verbose) {
		pm_sb_printf(sb, "               NonPaged                                            Paged\n");
		pm_sb_printf(sb, " %-4s %10s %10s %10s %12s %10s %10s %10s %12s\n\n", "Tag", "Allocs",
			     "Frees", "Diff", "Used", "Allocs", "Frees", "Diff", "Used");
	} else {
		pm_sb_printf(sb, "               NonPaged                  Paged\n");
		pm_sb_printf(sb, " %-4s %9s %12s %10s %12s\n\n", "Tag", "Allocs", "Used", "Allocs",
			     "Used");
	}
	for (size_t i = 0; i < nall; i++) {
		const struct pm_tag_counts *c = rows[i];
		uint64_t npo = c->np_allocs - c->np_frees, po = c->p_allocs - c->p_frees;
		tot[0] += c->np_allocs, tot[1] += c->np_frees, tot[2] += npo, tot[3] += c->np_bytes;
		tot[4] += c->p_allocs, tot[5] += c->p_frees, tot[6] += po, tot[7] += c->p_bytes;
		if (i >= n)
			continue;
		const char *tg = PM_TAG(c->tag), *nb = PM_BYTES(c->np_bytes), *pb = PM_BYTES(c->p_bytes);
		if (o->verbose)
			pm_sb_printf(sb, " %-4s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12s %10" PRIu64
				     " %10" PRIu64 " %10" PRIu64 " %12s", tg, c->np_allocs, c->np_frees,
				     npo, nb, c->p_allocs, c->p_frees, po, pb);
		else
			pm_sb_printf(sb, " %-4s %9" PRIu64 " %12s %10" PRIu64 " %12s", tg, npo, nb, po,
				     pb);
		desc_col(sb, o, c->tag);
	}
	if (o->verbose)
		pm_sb_printf(sb, "\n TOTAL %9" PRIu64 " %10" PRIu64 " %10" PRIu64 " %12s %10" PRIu64
			     " %10" PRIu64 " %10" PRIu64 " %12s\n", tot[0], tot[1], tot[2],
			     PM_BYTES(tot[3]), tot[4], tot[5], tot[6], PM_BYTES(tot[7]));
	else
		pm_sb_printf(sb, "\n TOTAL %8" PRIu64 " %12s %10" PRIu64 " %12s\n", tot[2],
			     PM_BYTES(tot[3]), tot[6], PM_BYTES(tot[7]));
	if (n < nall)
		pm_sb_printf(sb, " (the top %zu of %zu tags are shown; TOTAL is over all %zu)\n", n,
			     nall, nall);
}

/* !poolused 8: the session pool of the session the dump maps. */
static void session_table(struct pm_strbuf *sb, const struct pm_pool_info *p,
			  const struct pm_poolused_opts *o)
{
	const struct pm_session_pool *se = &p->session;
	pm_sb_printf(sb, "\n Session paged pool (ExpSessionPoolTrackTable %s, %" PRIu64
		     " entries, from the %s; the session mapped in this dump)\n",
		     PM_ADDR(se->table), se->entries, se->source);
	pm_sb_printf(sb, " %-4s %10s %12s\n", "Tag", "Allocs", "Used");
	uint64_t sa = 0, sb2 = 0;
	for (size_t i = 0; i < se->ntags; i++) {
		const struct pm_tag_counts *c = &se->tags[i];
		if (!pm_tag_match(o->pattern, c->tag))
			continue;
		pm_sb_printf(sb, " %-4s %10" PRIu64 " %12s", PM_TAG(c->tag), c->p_allocs - c->p_frees,
			     PM_BYTES(c->p_bytes));
		desc_col(sb, o, c->tag);
		sa += c->p_allocs - c->p_frees;
		sb2 += c->p_bytes;
	}
	pm_sb_printf(sb, " TOTAL %9" PRIu64 " %12s\n", sa, PM_BYTES(sb2));
}

static void pooltag_note(struct pm_strbuf *sb, const struct pm_rule_params *p)
{
	if (!p)
		return;
	const struct pm_pooltag_stats *st = &p->pooltag_stats;
	if (!p->npooltag) {
		pm_sb_printf(sb, " Descriptions: the built-in knowledge base only (%zu tags); give "
			     "--pooltag FILE or set POOLMORTEM_POOLTAG\n", p->ntags);
		return;
	}
	pm_sb_printf(sb, " Descriptions: %s: %u entries (%u wildcard, %u short tags padded, %u "
		     "tags on several lines), then the built-in knowledge base\n", p->pooltag_src,
		     st->entries, st->wildcards, st->short_tags, st->duplicates);
}

struct pm_error *pm_report_poolused_text(const struct pm_info *in,
					 const struct pm_poolused_opts *o, char **ret)
{
	const struct pm_pool_info *p = &in->pool;
	if (!p->has_track)
		return pm_err(PM_ERR_NOT_CAPTURED, "pool tag tracker not available: %s",
			      pm_absence_detail(&p->track_absent));
	const struct pm_pooltrack *t = &p->track;
	size_t n, nall;
	const struct pm_tag_counts **rows = pm_poolused_rows(t, o, &n, &nall);
	if (!rows)
		return &pm_enomem;
	struct pm_strbuf sb = { 0 };
	if (o->verbose) {
		tracker_provenance(&sb, t);
		pooltag_note(&sb, o->params);
		pm_sb_printf(&sb, "\n");
	} else if (t->cpus_read < t->cpus_expected) { /* what changes the figures, always said */
		pm_sb_printf(&sb, " Warning: %u of %u processors' tag tables summed (%s): the counts "
			     "are too low\n\n", t->cpus_read, t->cpus_expected, t->cpus_how);
	}
	if (!o->session_only) {
		pm_sb_printf(&sb, " Sorting by %s\n\n", sort_title(o->sort));
		poolused_table(&sb, o, rows, n, nall);
	}
	free(rows);
	if (p->has_session)
		session_table(&sb, p, o);
	else if (o->session_only)
		pm_sb_printf(&sb, " Session pool: not available: %s\n",
			     pm_absence_detail(&p->session_absent));
	if (o->scan)
		scan_text(&sb, in);
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

struct pm_big_tot {
	uint32_t tag;
	size_t first; /* index of the tag's first allocation */
	uint64_t n, bytes;
};

static int by_bytes(const void *a, const void *b)
{
	const struct pm_big_tot *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Per-tag totals of the allocations matching @p pattern into @p tt (room for one row per
 * allocation), through a hash of the tags (a table of 128k allocations over hundreds of tags
 * is not compared tag by tag), largest first, ties in the order the tags were first seen.
 * Returns the number of tags, or SIZE_MAX without memory. */
static size_t big_totals(const struct pm_bigpool *b, const char *pattern, struct pm_big_tot *tt)
{
	size_t cap = 16;
	while (cap < 2 * b->nallocs)
		cap *= 2;
	size_t *slot = calloc(cap, sizeof(*slot)); /* index + 1 into tt; 0 = empty */
	if (!slot)
		return SIZE_MAX;
	size_t nt = 0;
	for (size_t i = 0; i < b->nallocs; i++) {
		const struct pm_big_alloc *a = &b->allocs[i];
		if (!pm_tag_match(pattern, a->tag))
			continue;
		size_t h = (size_t)(a->tag * UINT32_C(0x9E3779B1)) & (cap - 1);
		while (slot[h] && tt[slot[h] - 1].tag != a->tag)
			h = (h + 1) & (cap - 1);
		if (!slot[h]) {
			tt[nt] = (struct pm_big_tot){ a->tag, i, 0, 0 };
			slot[h] = ++nt;
		}
		tt[slot[h] - 1].n++;
		tt[slot[h] - 1].bytes += a->bytes;
	}
	free(slot);
	qsort(tt, nt, sizeof(*tt), by_bytes);
	return nt;
}

struct pm_error *pm_report_bigpool_text(const struct pm_info *in, const struct pm_bigpool_opts *o,
					char **ret)
{
	const struct pm_pool_info *p = &in->pool;
	if (!p->has_big)
		return pm_err(PM_ERR_NOT_CAPTURED, "big-page pool table not available: %s",
			      pm_absence_detail(&p->big_absent));
	const struct pm_bigpool *b = &p->big;
	const bool is64 = in->dmp->hdr.is64;
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, " Big-page table: PoolBigPageTable %s (variable at %s), %" PRIu64
		     " entries of %#x bytes (%s), %s\n", PM_ADDR(b->table), PM_ADDR(b->table_var),
		     b->entries, b->layout->stride, b->layout->name, b->how);
	pm_sb_printf(&sb, " %zu allocations, %" PRIu64 " freed slots, %" PRIu64 " never used\n\n",
		     b->nallocs, b->free_slots, b->unused_slots);
	pm_sb_printf(&sb, " %-*s %-4s %-20s %14s\n", is64 ? 18 : 10, "Va", "Tag", "Pool",
		     "NumberOfBytes");
	bool shown_free_title = false;
	for (size_t i = 0; i < b->nallocs + (o->show_free ? b->nfreed : 0); i++) {
		bool fr = i >= b->nallocs;
		const struct pm_big_alloc *a = fr ? &b->freed[i - b->nallocs] : &b->allocs[i];
		if (!pm_tag_match(o->pattern, a->tag))
			continue;
		if (fr && !shown_free_title) {
			pm_sb_printf(&sb, "\n Freed slots (stale tag and size):\n");
			shown_free_title = true;
		}
		pm_sb_printf(&sb, " %-*s %-4s %-20s %14s%s\n", is64 ? 18 : 10, PM_ADDR(a->va),
			     PM_TAG(a->tag), a->pool ? a->pool : "(no type: XP/2003)",
			     PM_BYTES(a->bytes), fr ? "  (free)" : "");
	}
	/* Per-tag totals, largest first. */
	struct pm_big_tot *tt = calloc(b->nallocs ? b->nallocs : 1, sizeof(*tt));
	if (!tt) {
		pm_sb_free(&sb);
		return &pm_enomem;
	}
	size_t nt = big_totals(b, o->pattern, tt);
	if (nt == SIZE_MAX) {
		free(tt);
		pm_sb_free(&sb);
		return &pm_enomem;
	}
	pm_sb_printf(&sb, "\n Per tag:\n %-4s %8s %16s\n", "Tag", "Count", "Bytes");
	for (size_t i = 0; i < nt; i++) {
		char d[320];
		pm_sb_printf(&sb, " %-4s %8" PRIu64 " %16s", PM_TAG(tt[i].tag), tt[i].n,
			     PM_BYTES(tt[i].bytes));
		if (o->params)
			pm_sb_printf(&sb, "\t%s", pm_rule_tag_description(o->params, tt[i].tag, d,
									   sizeof(d)));
		pm_sb_printf(&sb, "\n");
	}
	free(tt);
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
