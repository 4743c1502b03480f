// SPDX-License-Identifier: MIT
// Text rendering of `vm`, in the shape WinDbg's !vm prints (tools-and-outputs.md), with each
// line's source or the reason it is missing.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "report.h"
#include "strbuf.h"

static void line(struct pm_strbuf *sb, const char *label, const struct pm_vm_line *l)
{
	if (l->absent) {
		pm_sb_printf(sb, " %-22s (%s)\n", label, pm_absent_text(l->absent));
		return;
	}
	bool est = l->from == PM_PROV_ESTIMATE;
	bool sym = pm_vm_line_from_symbols(l);
	char note[160] = "";
	if (est)
		snprintf(note, sizeof(note), "  [estimate: tag tracker]");
	else if (sym)
		snprintf(note, sizeof(note), "  [symbols: %s]", l->source);
	pm_sb_printf(sb, " %-22s %10" PRIu64 " ( %12" PRIu64 " Kb)%s\n", label, l->pages,
		     pm_pages_kb(l->pages), note);
}

static void count_line(struct pm_strbuf *sb, const char *label, const struct pm_count *c)
{
	if (!c->absent)
		pm_sb_printf(sb, " %-22s %10" PRIu64 "  [symbols: %s]\n", label, c->v, c->source);
	else
		pm_sb_printf(sb, " %-22s (%s)\n", label, pm_absent_text(c->absent));
}

static void failures_text(struct pm_strbuf *sb, const struct pm_mm_info *m)
{
	pm_sb_printf(sb, "\n");
	count_line(sb, "Pool Alloc Failures:", &m->pool_failures);
	count_line(sb, "PTE Alloc Failures:", &m->pte_failures);
	count_line(sb, "Commit Failures:", &m->commit_failures);
}

/* !vm 4: "Terminal Server Memory Usage By Session" */
static void sessions_text(struct pm_strbuf *sb, const struct pm_vm_view *v)
{
	const struct pm_mm_info *m = v->mm;
	if (!m->has_sessions) {
		pm_sb_printf(sb, "\n Sessions: %s\n", m->sessions_absent.why == PM_ABSENT_NEEDS_SYMBOLS
			     ? "needs symbols (MiSessionWsList, MM_SESSION_SPACE)"
			     : pm_absence_detail(&m->sessions_absent));
		return;
	}
	const struct pm_sessions *ss = &m->sessions;
	pm_sb_printf(sb, "\n Terminal Server Memory Usage By Session (%s): %zu session%s\n",
		     ss->list_source ? ss->list_source : "MiSessionWsList", ss->n,
		     ss->n == 1 ? "" : "s");
	if (ss->has_pool_max)
		pm_sb_printf(sb, " Session Paged Pool Maximum: %s\n", PM_PAGES_KB(ss->pool_max_pages));
	if (ss->has_current && ss->current_pid)
		pm_sb_printf(sb, " Current session: %u, of PID %" PRIu64 " (from %s)\n",
			     ss->current_id, ss->current_pid, ss->current_source);
	else if (ss->has_current)
		pm_sb_printf(sb, " Current session: %u (from %s)\n", ss->current_id,
			     ss->current_source);
	else
		pm_sb_printf(sb, " Current session: none marked: %s\n", ss->current_absent[0]
			     ? ss->current_absent : "not known");
	for (size_t i = 0; i < ss->n; i++) {
		const struct pm_session *se = &ss->items[i];
		pm_sb_printf(sb, "\n Session ID %x @ %s%s:\n", se->id, PM_ADDR(se->va),
			     se->current ? " (the current session)" : "");
		if (se->has_pp_pages)
			pm_sb_printf(sb, "  Paged Pool Usage:   %8" PRIu64 " pages (%" PRIu64 " Kb)\n",
				     se->pp_pages, pm_pages_kb(se->pp_pages));
		if (se->has_desc)
			pm_sb_printf(sb, "  PagedPool descriptor: %" PRIu64 " pages (%" PRIu64 " in big "
				     "allocations), %" PRIu64 " allocations and %" PRIu64 " frees so "
				     "far\n", se->desc_pages, se->desc_big_pages, se->desc_allocs,
				     se->desc_frees);
		if (se->has_committed)
			pm_sb_printf(sb, "  Commit Usage:       %8" PRIu64 " pages (%" PRIu64 " Kb)\n",
				     se->committed, pm_pages_kb(se->committed));
		if (se->has_failures)
			pm_sb_printf(sb, "  Pool Allocation Failures: %" PRIu64 "\n", se->failures);
	}
	if (ss->desc_absent)
		pm_sb_printf(sb, "\n Session descriptors: %s\n", ss->desc_absent);
	if (v->has_session_check)
		pm_sb_printf(sb, "\n Session %u paged pool: descriptor %" PRIu64 " pages, session tag "
			     "table %" PRIu64 " pages (%s)\n", v->session_check_id,
			     v->session_desc_pages, v->session_tag_pages,
			     v->session_tag_pages > v->session_desc_pages
				     ? "the tags count more than the descriptor holds: inconsistent"
				     : "consistent: the descriptor holds at least what the tags "
				       "account for");
}

struct pm_error *pm_report_vm_text(const struct pm_vm_view *v, char **ret)
{
	struct pm_strbuf sb = { 0 };
	for (int i = 0; i < _PM_VM_MAX; i++) {
		char label[40];
		snprintf(label, sizeof(label), "%s:", pm_vm_line_label((enum pm_vm_line_id)i));
		if (i == PM_VM_paged_usage && v->has_descs)
			for (unsigned k = 0; k < v->descs.n; k++) {
				char l2[40];
				snprintf(l2, sizeof(l2), "PagedPool %u Usage:", v->descs.d[k].index);
				struct pm_vm_line dl = { .absent = PM_ABSENT_PRESENT,
							 .pages = v->descs.d[k].pages };
				line(&sb, l2, &dl);
			}
		line(&sb, label, &v->line[i]);
	}
	if (v->has_descs && v->has_tracker_totals)
		pm_sb_printf(&sb, "\n Paged pool: descriptors %" PRIu64 " pages, tag tracker %" PRIu64
			     " pages (%s)\n", v->line[PM_VM_paged_usage].pages, v->tracker_p_pages,
			     v->tracker_p_pages > v->line[PM_VM_paged_usage].pages
				     ? "the tracker counts more than the descriptors hold: inconsistent"
				     : "consistent: descriptors hold at least what the tags account for");
	else if (!v->has_descs && v->descs_absent.detail)
		pm_sb_printf(&sb, "\n Pool descriptors: %s\n", v->descs_absent.detail);
	if (v->has_np_desc)
		pm_sb_printf(&sb, " NonPagedPool descriptor: %" PRIu64 " pages (%" PRIu64 " in big "
			     "allocations), %" PRIu64 " allocations and %" PRIu64 " frees so far%s\n",
			     v->np_desc.pages, v->np_desc.big_pages, v->np_desc.running_allocs,
			     v->np_desc.running_frees,
			     v->has_tracker_totals && v->tracker_np_pages > v->np_desc.pages
				     ? "; the tag tracker counts more: inconsistent"
				     : "");
	failures_text(&sb, v->mm);
	if (v->nbanners)
		pm_sb_printf(&sb, "\n");
	for (unsigned i = 0; i < v->nbanners; i++)
		pm_sb_printf(&sb, " ********** %s **********\n", v->banners[i]);
	sessions_text(&sb, v);
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
