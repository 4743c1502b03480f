// SPDX-License-Identifier: MIT
/*
 * The verdict drawn from the findings (issue 11): one of three outcomes.
 *
 * - AT RISK (exhausted or close): the most severe finding about a resource; ties go to the
 *   higher confidence, then to the resource that is the real limit (nonpaged pool, commit,
 *   paged pool, then the rest). It names the finding's top tag only when that tag holds at
 *   least suspect_tag_min_share_pct of what the finding measures, and the tag's top owner.
 * - HEALTHY: only when both pools' rules judged them from figures that were read (a counter,
 *   or the tag tracker's sums over every processor's table) and found no exhaustion, and no
 *   other rule found any. Confidence high when the pools, commit and available memory (and
 *   on 32-bit the system PTEs) were all judged from counters; medium when some of them could
 *   not be judged (they are listed, with what would let them be).
 * - INCONCLUSIVE: otherwise (a small memory dump, no tag tracker, the RAM unknown on a build
 *   whose pools have no meaningful maximum, the tag counts of some processors missing):
 *   what is missing and what would fix it — the kernel's PDB by its symbol-store key, a
 *   complete dump, a kernel dump instead of a small one.
 *
 * Confidence follows coverage: a verdict whose tag was ranked from partial tables ("from
 * partial data") is low, and such a tag is named only when it holds partial_tag_min_share_pct
 * (50) of the usage (a processor's frees clamp a tag to nothing when its allocations are in a
 * missing table); any verdict on an incomplete dump is at most medium, and carries the coverage
 * warning in its headline.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rank.h"

static void missing(struct pm_verdict *v, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void missing(struct pm_verdict *v, const char *fix, const char *fmt, ...)
{
	if (v->nmissing >= PM_MAX_MISSING)
		return;
	struct pm_missing *m = &v->missing[v->nmissing++];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->what, sizeof(m->what), fmt, ap);
	va_end(ap);
	snprintf(m->fix, sizeof(m->fix), "%s", fix);
}

static void coverage(struct pm_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void coverage(struct pm_verdict *v, const char *fmt, ...)
{
	if (v->ncoverage >= PM_MAX_COVERAGE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->coverage[v->ncoverage++], sizeof(v->coverage[0]), fmt, ap);
	va_end(ap);
}

/* What would bring the kernel's symbols: the PDB by its symbol-store key when known. */
static void fix_symbols(const struct pm_summary *s, char *out, size_t n)
{
	const struct pm_sum_coverage *c = &s->coverage;
	if (c->symbols == PM_SUM_SYM_FOUND) {
		snprintf(out, n, "another dump of the machine: with the kernel's symbols used, the "
			 "figure is still unreadable or damaged in this one");
		return;
	}
	int k;
	if (c->pdb[0] && c->pdb_key[0])
		k = snprintf(out, n, "the kernel's symbols: %s, symbol-store key %s/%s/%s "
			     "(--symbols DIR or _NT_SYMBOL_PATH)", c->pdb, c->pdb, c->pdb_key, c->pdb);
	else
		k = snprintf(out, n, "the kernel's symbols (its PDB identity was not readable in the "
			     "dump; --symbols DIR)");
	if (c->symbols == PM_SUM_SYM_NOT_FOUND && k > 0 && (size_t)k < n)
		snprintf(out + k, n - (size_t)k, "; those given were not used: %.150s", c->symbols_note);
}

static const char fix_complete[] = "a complete copy of the dump (this file is cut short: copy "
				   "it again, or take a new dump with enough disk space)";
static const char fix_kernel_dump[] = "a kernel or automatic memory dump instead of a small "
				      "one (Startup and Recovery: Write debugging information), "
				      "taken at the next occurrence";

static const char fix_damaged[] = "another dump of the machine: this one's copy of the figure "
				  "is damaged (see the diagnostics)";

static bool usable(enum pm_judged j)
{
	return j >= PM_JUDGED_ESTIMATE;
}

/* Why a pool could not be judged (or only from partial tables), and what would fix it. */
static void pool_missing(const struct pm_summary *s, const struct pm_findings *f,
			 enum pm_resource pool, struct pm_verdict *v, const char *sym)
{
	const char *name = pool == PM_RES_PAGED ? "paged" : "nonpaged";
	const struct pm_fig *use = pool == PM_RES_PAGED ? &s->p_usage : &s->np_usage;
	char why[160];
	pm_tracker_partial_text(s, why, sizeof(why));
	if (f->judged[pool] == PM_JUDGED_PARTIAL) {
		missing(v, s->coverage.incomplete ? fix_complete : sym, "the %s pool's usage, the "
			"sum of its tag counts, which are partial: %s", name, why);
	} else if (!s->tracker && use->absent && pm_fig_damaged(use)) {
		missing(v, s->coverage.incomplete ? fix_complete : fix_damaged, "no %s pool figure: "
			"its counter is %s, and no tag tracker: %.120s", name,
			pm_fig_absent_words(use, ""), s->coverage.tracker_absent[0]
			? s->coverage.tracker_absent : "not read");
	} else if (!s->tracker && use->absent) {
		missing(v, s->coverage.incomplete ? fix_complete : sym, "no %s pool figure: %.200s", name,
			s->coverage.tracker_absent[0] ? s->coverage.tracker_absent
						      : "no tag tracker and no pool counter");
	} else if (pm_max_matters(s) && (pool == PM_RES_PAGED ? s->p_max : s->np_max).absent) {
		const struct pm_fig *max = pool == PM_RES_PAGED ? &s->p_max : &s->np_max;
		missing(v, s->coverage.incomplete ? fix_complete : pm_fig_damaged(max) ? fix_damaged
			: sym, "the %s pool's maximum (on this build the maximum, not RAM, is the "
			"limit; it is %s)", name, pm_fig_absent_words(max, "unreadable in this dump"));
	} else {
		missing(v, sym, "the machine's RAM, against which the %s pool is judged on this "
			"build (its maximum means nothing)", name);
	}
}

/* Resources the verdict could not judge: listed with what would let them be judged. */
static void others_missing(const struct pm_summary *s, const struct pm_findings *f,
			   struct pm_verdict *v, const char *sym)
{
	const struct pm_fig *cd = pm_fig_damaged(&s->committed) ? &s->committed : &s->commit_limit;
	if (f->judged[PM_RES_COMMIT] < PM_JUDGED_FULL && pm_fig_damaged(cd))
		missing(v, fix_damaged, "committed pages and the commit limit (%s)",
			pm_fig_absent_words(cd, ""));
	else if (f->judged[PM_RES_COMMIT] < PM_JUDGED_FULL)
		missing(v, sym, "committed pages and the commit limit (%s)",
			s->build >= 10240 ? "in MiSystemPartition on Windows 10 and later"
					  : "not readable in this dump");
	if (f->judged[PM_RES_PHYSICAL] < PM_JUDGED_FULL && pm_fig_damaged(&s->available))
		missing(v, fix_damaged, "available physical pages (%s)",
			pm_fig_absent_words(&s->available, ""));
	else if (f->judged[PM_RES_PHYSICAL] < PM_JUDGED_FULL)
		missing(v, sym, "available physical pages");
	if (!s->is64 && f->judged[PM_RES_PTES] < PM_JUDGED_FULL)
		missing(v, sym, "free system PTEs (a limit on 32-bit Windows)");
}

/* Preference among findings of equal severity and confidence: the real limit first. */
static int rank_of(enum pm_resource r)
{
	switch (r) {
	case PM_RES_POOL_CORRUPTION: return 0;
	case PM_RES_NONPAGED: return 1;
	case PM_RES_COMMIT: return 2;
	case PM_RES_PAGED: return 3;
	case PM_RES_SESSION: return 4;
	case PM_RES_PTES: return 5;
	case PM_RES_PHYSICAL: return 6;
	default: return 7;
	}
}

static const struct pm_finding *pick(const struct pm_findings *f)
{
	const struct pm_finding *best = NULL;
	for (size_t i = 0; i < f->n; i++) {
		const struct pm_finding *x = &f->items[i];
		if (x->resource == PM_RES_NONE || x->severity == PM_SEV_INFO)
			continue;
		if (!best || x->severity > best->severity ||
		    (x->severity == best->severity && (x->confidence > best->confidence ||
		     (x->confidence == best->confidence &&
		      rank_of(x->resource) < rank_of(best->resource)))))
			best = x;
	}
	return best;
}

static void coverage_warnings(const struct pm_summary *s, struct pm_verdict *v)
{
	const struct pm_sum_coverage *c = &s->coverage;
	v->incomplete = c->incomplete;
	if (c->incomplete) {
		if (c->pages_missing)
			coverage(v, "incomplete dump: %s (%" PRIu64 " pages the dump lists are past "
				 "the end of the file)", c->incomplete_why, c->pages_missing);
		else
			coverage(v, "incomplete dump: %s", c->incomplete_why);
	}
	v->partial = pm_tracker_partial(s);
	if (v->partial) {
		char why[160];
		pm_tracker_partial_text(s, why, sizeof(why));
		coverage(v, "partial data: %s", why);
	}
	if (c->kdbg_header_wrong)
		coverage(v, "KDBG: %.200s", c->kdbg_note[0] ? c->kdbg_note : "found elsewhere; the "
			 "dump header's KdDebuggerDataBlock is wrong");
	for (unsigned i = 0; i < c->nimplausible && i < PM_SUM_MAX_IMPLAUSIBLE; i++)
		coverage(v, "%.330s", c->implausible[i]);
	if (c->symbols_gap[0])
		coverage(v, "symbols: %.320s", c->symbols_gap);
}

/* A figure contradicted by another was not used (analyzer/analysis/vmcheck.c); what was
 * judged without it stands, but the dump is damaged somewhere the checks saw, and maybe
 * where they did not: a verdict on it is at most medium. */
static void cap_damaged(const struct pm_summary *s, struct pm_verdict *v)
{
	if ((s->coverage.nimplausible || s->coverage.symbols_gap[0]) &&
	    v->confidence > PM_CONF_MEDIUM)
		v->confidence = PM_CONF_MEDIUM;
}

static void at_risk(const struct pm_summary *s, const struct pm_rule_params *p,
		    const struct pm_findings *f, const struct pm_finding *best,
		    struct pm_verdict *v, const char *sym)
{
	char why[160];
	pm_tracker_partial_text(s, why, sizeof(why));
	v->outcome = PM_OUTCOME_AT_RISK;
	v->resource = best->resource;
	v->severity = best->severity;
	v->confidence = best->confidence;
	v->estimate = f->judged[best->resource] == PM_JUDGED_ESTIMATE ||
		      f->judged[best->resource] == PM_JUDGED_PARTIAL;
	/* A tag is named when it holds a real share of what the finding measures; ranked from
	 * partial tables (where a processor's frees can clamp a tag to nothing) only when it
	 * dominates. */
	const struct pm_ranked_tag *top = best->ntags ? &best->tags[0] : NULL;
	unsigned need = top && top->partial ? p->partial_tag_min_share_pct
					    : p->suspect_tag_min_share_pct;
	if (top && top->share * 100 >= need) {
		v->tag = top->tag;
		v->tag_partial = top->partial;
	} else if (top && top->partial) {
		missing(v, s->coverage.incomplete ? fix_complete : sym, "which tag: %s, and none "
			"holds a dominant share (the top one, %.0f%%, may be an artefact of what is "
			"missing)", why, top->share * 100);
	} else if (!s->tracker && s->triage) {
		missing(v, fix_kernel_dump, "which tag and which driver: a small memory dump holds "
			"no tag counters (its memory-manager block gives the pools' totals only)");
	} else if (!s->tracker && (best->resource == PM_RES_NONPAGED ||
				   best->resource == PM_RES_PAGED || best->resource == PM_RES_COMMIT)) {
		missing(v, s->coverage.incomplete ? fix_complete : sym, "which tag: no tag counters "
			"(%.200s)", s->coverage.tracker_absent[0] ? s->coverage.tracker_absent
								  : "no tag tracker");
	}
	/* a driver whose only tie to the tag is a shared library tag is not blamed */
	const struct pm_ranked_driver *owner = v->tag ? pm_rank_blamed(best, v->tag) : NULL;
	if (owner)
		snprintf(v->driver, sizeof(v->driver), "%s", owner->name);
	if (best->nholders && best->holders[0].confidence != PM_CONF_LOW) {
		v->has_holder = true;
		v->holder = best->holders[0];
	}
	if (v->tag_partial) {
		v->confidence = PM_CONF_LOW;
		missing(v, s->coverage.incomplete ? fix_complete : sym, "whole tag counts (the tag is "
			"ranked from partial data: %s)", why);
	}
	if (s->coverage.incomplete && v->confidence > PM_CONF_MEDIUM)
		v->confidence = PM_CONF_MEDIUM;
	if (v->estimate && s->coverage.symbols != PM_SUM_SYM_FOUND)
		missing(v, sym, "the kernel's own counters for %s (the figures are estimates)",
			best->resource == PM_RES_NONPAGED ? "the nonpaged pool"
			: best->resource == PM_RES_PAGED ? "the paged pool"
			: best->resource == PM_RES_COMMIT ? "commit" : pm_resource_name(best->resource));
	char t[5] = "";
	if (v->tag)
		pm_sum_tag_str(v->tag, t);
	snprintf(v->summary, sizeof(v->summary), "%s%s%s%s%s%s%s", best->title,
		 v->tag ? "; top tag '" : "", t, v->tag ? "'" : "",
		 v->tag_partial ? " (from partial data)" : "",
		 v->driver[0] ? ", likely owner " : "", v->driver);
	size_t len = strlen(v->summary);
	if (v->has_holder && len + 1 < sizeof(v->summary))
		snprintf(v->summary + len, sizeof(v->summary) - len, ", %s %s (PID %" PRIu32 ")",
			 v->holder.kind == PM_HOLD_COMMIT ? "largest commit:"
			 : v->holder.kind == PM_HOLD_BILLED ? "billed to"
			 : v->holder.kind == PM_HOLD_QUOTA ? "quota charged to" : "held by",
			 v->holder.name, v->holder.pid);
}

static void no_finding(const struct pm_summary *s, const struct pm_findings *f,
		       struct pm_verdict *v, const char *sym)
{
	v->resource = PM_RES_NONE;
	v->severity = PM_SEV_INFO;
	enum pm_judged np = f->judged[PM_RES_NONPAGED], pg = f->judged[PM_RES_PAGED];
	if (s->triage || !usable(np) || !usable(pg)) {
		v->outcome = PM_OUTCOME_INCONCLUSIVE;
		v->confidence = PM_CONF_LOW;
		if (s->triage && usable(np) && usable(pg))
			missing(v, fix_kernel_dump, "a small memory dump: its memory-manager block "
				"shows both pools below their limits (nonpaged %" PRIu64 ", paged %"
				PRIu64 " pages), but it holds no tag counters, no available memory and "
				"no commit limit: not enough to call the machine healthy",
				s->np_usage.v, s->p_usage.v);
		else if (s->triage)
			missing(v, fix_kernel_dump, "a small memory dump holds no pool data (no tag "
				"counters, no pool figures)");
		else {
			if (!usable(np))
				pool_missing(s, f, PM_RES_NONPAGED, v, sym);
			if (!usable(pg))
				pool_missing(s, f, PM_RES_PAGED, v, sym);
		}
		snprintf(v->summary, sizeof(v->summary), "Cannot tell whether a resource is "
			 "exhausted: %s", v->nmissing ? v->missing[0].what : "the pools could not be "
			 "judged");
		return;
	}
	v->outcome = PM_OUTCOME_HEALTHY;
	v->healthy = true;
	v->estimate = np != PM_JUDGED_FULL || pg != PM_JUDGED_FULL;
	others_missing(s, f, v, sym);
	v->confidence = !v->estimate && !v->nmissing ? PM_CONF_HIGH : PM_CONF_MEDIUM;
	if (s->coverage.incomplete && v->confidence > PM_CONF_MEDIUM)
		v->confidence = PM_CONF_MEDIUM;
	if (!v->nmissing) {
		snprintf(v->summary, sizeof(v->summary), "Healthy: no pool, commit, PTE or memory "
			 "exhaustion found");
		return;
	}
	bool c = f->judged[PM_RES_COMMIT] < PM_JUDGED_FULL;
	bool m = f->judged[PM_RES_PHYSICAL] < PM_JUDGED_FULL;
	bool t = !s->is64 && f->judged[PM_RES_PTES] < PM_JUDGED_FULL;
	snprintf(v->summary, sizeof(v->summary), "Healthy: no pool exhaustion found%s%s%s%s%s%s%s",
		 v->estimate ? " (pool usage estimated from the tag tracker)" : "",
		 c || m || t ? "; not judged: " : "", c ? "commit" : "", c && (m || t) ? ", " : "",
		 m ? "available memory" : "", m && t ? ", " : "", t ? "system PTEs" : "");
}

void pm_verdict_draw(const struct pm_summary *s, const struct pm_rule_params *p,
		     const struct pm_findings *f, struct pm_verdict *v)
{
	memset(v, 0, sizeof(*v));
	char sym[320];
	fix_symbols(s, sym, sizeof(sym));
	coverage_warnings(s, v);
	const struct pm_finding *best = pick(f);
	if (best)
		at_risk(s, p, f, best, v, sym);
	else
		no_finding(s, f, v, sym);
	cap_damaged(s, v);
}

int pm_verdict_exit_code(const struct pm_verdict *v)
{
	int rc = v->outcome == PM_OUTCOME_AT_RISK ? 1 : v->outcome == PM_OUTCOME_INCONCLUSIVE ? 8 : 0;
	return rc | (v->incomplete ? 4 : 0);
}
