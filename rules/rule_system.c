// SPDX-License-Identifier: MIT
/*
 * COMMIT, PHYSICAL, PTES, POOL-CORRUPTION: the other resources a hung or crashed server runs
 * out of, and the bugchecks that are about pool damage rather than pool size.
 *
 * COMMIT — intent: committed pages against the commit limit; on x64 Windows 7 and later
 * "pool exhausted" is usually commit or RAM exhaustion (pool-internals.md §5.1).
 * Thresholds: commit_warn_pct (90), commit_crit_pct (98). False positive: a limit that would
 * have grown (pagefile expansion) — the dump shows the limit at the time.
 * PHYSICAL — available pages against RAM; bugcheck 0x4D NO_PAGES_AVAILABLE. Thresholds:
 * avail_warn_pct (3), avail_crit_pct (1). False positive: a machine caching aggressively has
 * few available pages but plenty of standby pages; without the standby count (not in the
 * KDBG) this rule stays at warning unless the bugcheck confirms.
 * Commit requests that failed (MiChargeCommitmentFailures, symbols only) mean the limit was
 * reached at some point: at least a warning, whatever the charge is now. A commit finding
 * names the pool tag that holds at least commit_tag_min_share_pct (20) of the charge, and its
 * owner, as a pool finding does. Without the counters (Windows 10+ without symbols) the
 * pools' bytes are judged against RAM (or the limit, when known): at pool_ram_commit_warn_pct
 * (60) commit exhaustion is possible, at pool_ram_commit_crit_pct (80) likely, with low
 * confidence while the page file's size is unknown; below, the rule does not judge.
 * PTES — bugcheck 0x3F NO_MORE_SYSTEM_PTES; the free PTE count (needs symbols) below
 * ptes_low (1024, where !vm prints "Running out of system PTEs") is critical; failed PTE
 * allocations (MmPteFailures) are at least a warning and raise the confidence. False
 * positive: a 64-bit machine never runs this low unless something maps without unmapping.
 * POOL-CORRUPTION — bugchecks 0x19, 0xC2, 0xC5, 0xCD, 0x13A: a driver damaged the pool; the
 * right next step is Driver Verifier / special pool, not a leak hunt.
 * References: [EXCH] (PTEs and pools on /3GB servers), [RUSS], tools-and-outputs.md §1.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pm-units.h"
#include "rank.h"

/* The tags behind a commit finding: both pools' tags against @p charged bytes; kept only when
 * the first holds commit_tag_min_share_pct of it (then the verdict names it and its owner). */
static void commit_tags(const struct pm_summary *s, const struct pm_rule_params *p,
			struct pm_finding *fi, uint64_t charged, const char *what, const char *src)
{
	pm_rank_tags_commit(s, p, fi, charged, what, src);
	if (fi->ntags && fi->tags[0].share * 100 < p->commit_tag_min_share_pct)
		fi->ntags = 0; /* no pool tag holds a large share: the cause is elsewhere */
	pm_rank_drivers(s, p, fi);
}

/* Without the commit counters (Windows 10+ without symbols): both pools' bytes against RAM
 * (plus the page file, where the commit limit gives it). Pool usage is part of the commit
 * charge, so pools approaching RAM make commit exhaustion likely; pools far from it say
 * nothing (processes may hold the rest): then the rule does not judge. */
static void commit_from_pools(const struct pm_summary *s, const struct pm_rule_params *p,
			      struct pm_findings *out)
{
	uint64_t np = 0, pp = 0;
	const char *src_np, *src_p;
	bool have = pm_pool_usage_bytes(s, PM_RES_NONPAGED, &np, &src_np) &&
		    pm_pool_usage_bytes(s, PM_RES_PAGED, &pp, &src_p);
	bool limit = !s->commit_limit.absent && s->commit_limit.v;
	/* Why the counters are missing: not in the dump without symbols (Windows 10+), or
	 * damaged in this one (unreadable, or contradicting each other). */
	bool c_bad = pm_fig_damaged(&s->committed) || pm_fig_symbols_failed(&s->committed);
	bool damaged = c_bad || pm_fig_damaged(&s->commit_limit) ||
		       pm_fig_symbols_failed(&s->commit_limit);
	char what[200];
	if (damaged)
		snprintf(what, sizeof(what), "committed pages and the commit limit: %s",
			 pm_fig_absent_words(c_bad ? &s->committed : &s->commit_limit, ""));
	else
		snprintf(what, sizeof(what), "committed pages and the commit limit are not in the "
			 "dump without symbols");
	if (s->triage || !have || ((s->ram.absent || !s->ram.v) && !limit)) {
		char why[300];
		snprintf(why, sizeof(why), "%s, and the pools' usage or RAM is unknown", what);
		pm_findings_not_evaluated(out, "COMMIT", why);
		return;
	}
	uint64_t ref = limit ? s->commit_limit.v : s->ram.v;
	double pct = 100.0 * (double)(np + pp) / 4096.0 / (double)ref;
	enum pm_severity sev = pct >= p->pool_ram_commit_crit_pct ? PM_SEV_CRITICAL
			       : pct >= p->pool_ram_commit_warn_pct ? PM_SEV_WARNING : PM_SEV_INFO;
	if (sev == PM_SEV_INFO) {
		char why[300];
		snprintf(why, sizeof(why), "%s; the pools hold %.0f%% of %s, which alone does not "
			 "exhaust commit", what, pct, limit ? "the commit limit" : "RAM");
		pm_findings_not_evaluated(out, "COMMIT", why);
		return;
	}
	struct pm_finding *fi = pm_finding_add(out, "COMMIT");
	if (!fi)
		return;
	pm_findings_judged(out, PM_RES_COMMIT, PM_JUDGED_ESTIMATE);
	fi->resource = PM_RES_COMMIT;
	fi->severity = sev;
	/* The page file may be large (the limit is RAM plus the page file): without the limit,
	 * only "likely"; a partial tracker, less still. */
	fi->confidence = limit && !pm_tracker_partial(s) ? PM_CONF_MEDIUM : PM_CONF_LOW;
	fi->refs = "[RUSS]";
	snprintf(fi->title, sizeof(fi->title), "Commit exhaustion is %s: the pools alone hold "
		 "%.0f%% of %s", sev == PM_SEV_CRITICAL ? "likely" : "possible", pct,
		 limit ? "the commit limit" : "RAM");
	pm_finding_evidence(fi, "nonpaged pool %s, from %s; paged pool %s, from %s; pool usage is "
			    "charged against commit", PM_U_HUMAN(np), src_np, PM_U_HUMAN(pp), src_p);
	if (limit)
		pm_finding_evidence(fi, "commit limit %s, from %s",
				    PM_U_HUMAN(s->commit_limit.v * 4096), s->commit_limit.source);
	else
		pm_finding_evidence(fi, "RAM %s, from %s; the page file's size (the rest of the "
				    "commit limit) is not known without symbols",
				    PM_U_HUMAN(s->ram.v * 4096), s->ram.source);
	commit_tags(s, p, fi, np + pp, "both pools' usage", "the pools' figures above");
	pm_finding_step(fi, "Confirm with the commit figures: the kernel's symbols give "
			"MiSystemPartition's committed pages and limit (--symbols), or on the live "
			"machine Task Manager's 'Committed' or perfmon's Memory\\%% Committed Bytes In "
			"Use.");
	pm_finding_step(fi, "The pool tag on top holds the commit: see the pool findings for its "
			"owner.");
}

static void eval_commit(const struct pm_summary *s, const struct pm_rule_params *p,
			struct pm_findings *out)
{
	if (s->committed.absent || s->commit_limit.absent || !s->commit_limit.v) {
		commit_from_pools(s, p, out);
		return;
	}
	double pct = 100.0 * (double)s->committed.v / (double)s->commit_limit.v;
	struct pm_finding *fi = pm_finding_add(out, "COMMIT");
	if (!fi)
		return;
	pm_findings_judged(out, PM_RES_COMMIT, PM_JUDGED_FULL);
	fi->resource = PM_RES_COMMIT;
	fi->severity = pct >= p->commit_crit_pct ? PM_SEV_CRITICAL
		       : pct >= p->commit_warn_pct ? PM_SEV_WARNING : PM_SEV_INFO;
	fi->confidence = PM_CONF_HIGH;
	fi->refs = "[RUSS]";
	snprintf(fi->title, sizeof(fi->title), "Commit charge at %.0f%% of the commit limit%s", pct,
		 fi->severity == PM_SEV_CRITICAL ? ": commit is exhausted" : "");
	pm_finding_evidence(fi, "committed %s, from %s, of a limit of %s, from %s",
			    PM_U_HUMAN(s->committed.v * 4096), s->committed.source,
			    PM_U_HUMAN(s->commit_limit.v * 4096), s->commit_limit.source);
	if (!s->commit_peak.absent)
		pm_finding_evidence(fi, "peak commit %s", PM_U_HUMAN(s->commit_peak.v * 4096));
	if (!s->commit_failures.absent && s->commit_failures.v) {
		if (fi->severity == PM_SEV_INFO) {
			fi->severity = PM_SEV_WARNING;
			snprintf(fi->title, sizeof(fi->title), "Commit requests have failed (the charge "
				 "is at %.0f%% of the limit now)", pct);
		}
		pm_finding_evidence(fi, "%s commit requests have failed since boot (from %s)",
				    PM_U_GROUPED(s->commit_failures.v), s->commit_failures.source);
	}
	if (fi->severity != PM_SEV_INFO) {
		commit_tags(s, p, fi, s->committed.v * 4096, "committed memory", s->committed.source);
		if (fi->ntags) {
			char t[5];
			pm_sum_tag_str(fi->tags[0].tag, t);
			const struct pm_ranked_driver *own = pm_rank_blamed(fi, fi->tags[0].tag);
			pm_finding_step(fi, "Pool tag '%s' holds %.0f%% of the committed memory: it is "
					"the cause; %s%s.", t, fi->tags[0].share * 100,
					own ? "its likely owner is " : "find its owner with the pool "
								       "findings",
					own ? own->name : "");
		}
		pm_finding_step(fi, "Commit, not pool, is the limit: find the process or driver "
				"with the largest private commit (Task Manager 'Commit size'; in "
				"WinDbg, plain !vm ends with the per-process commit list), and check the pagefile size.");
		if (!s->np_usage.absent || !s->p_usage.absent)
			pm_finding_step(fi, "Pool usage counts against commit: see the pool findings "
					"for the tags that hold it.");
	}
}

static void eval_physical(const struct pm_summary *s, const struct pm_rule_params *p,
			  struct pm_findings *out)
{
	const struct pm_bugcheck_info *bc = pm_bugcheck_info(s, p);
	bool bc_here = bc && bc->resource == PM_RES_PHYSICAL;
	if ((s->available.absent || s->ram.absent || !s->ram.v) && !bc_here) {
		char why[240];
		if (pm_fig_damaged(&s->available) || pm_fig_symbols_failed(&s->available))
			snprintf(why, sizeof(why), "available pages: %s",
				 pm_fig_absent_words(&s->available, ""));
		else
			snprintf(why, sizeof(why), "available pages are not in the dump without "
				 "symbols");
		pm_findings_not_evaluated(out, "PHYSICAL", why);
		return;
	}
	struct pm_finding *fi = pm_finding_add(out, "PHYSICAL");
	if (!fi)
		return;
	if (!s->available.absent && !s->ram.absent && s->ram.v)
		pm_findings_judged(out, PM_RES_PHYSICAL, PM_JUDGED_FULL);
	fi->resource = PM_RES_PHYSICAL;
	fi->refs = "[RUSS]";
	double pct = -1;
	if (!s->available.absent && !s->ram.absent && s->ram.v)
		pct = 100.0 * (double)s->available.v / (double)s->ram.v;
	/* Without the standby count a low available figure is a warning, never more (see above);
	 * avail_crit_pct only raises the confidence. */
	fi->severity = pct >= 0 && pct <= p->avail_warn_pct ? PM_SEV_WARNING : PM_SEV_INFO;
	fi->confidence = pct >= 0 && pct <= p->avail_crit_pct ? PM_CONF_HIGH : PM_CONF_MEDIUM;
	if (bc_here) {
		fi->severity = PM_SEV_CRITICAL;
		fi->confidence = PM_CONF_HIGH;
		pm_finding_evidence(fi, "bugcheck 0x%X %s: %s (total %s, free %s, modified %s)",
				    s->bugcheck, bc->name, bc->meaning, PM_U_PAGES(s->params[0]),
				    PM_U_PAGES(s->params[1]), PM_U_PAGES(s->params[2]));
	}
	/* pages here, as !vm's Available Pages and Physical Memory are */
	if (pct >= 0)
		pm_finding_evidence(fi, "%.1f%% available: %s of %s, from %s", pct,
				    PM_U_PAGES(s->available.v), PM_U_PAGES(s->ram.v),
				    s->available.source);
	snprintf(fi->title, sizeof(fi->title), "%s", fi->severity == PM_SEV_CRITICAL
		 ? "Physical memory is exhausted"
		 : fi->severity == PM_SEV_WARNING ? "Physical memory is low"
						  : "Physical memory is not exhausted");
	if (fi->severity != PM_SEV_INFO)
		pm_finding_step(fi, "Find what holds the memory: pool (see the pool findings), "
				"locked pages, or processes' working sets; the modified page writer "
				"may be blocked by a full or slow pagefile.");
}

static void eval_ptes(const struct pm_summary *s, const struct pm_rule_params *p,
		      struct pm_findings *out)
{
	const struct pm_bugcheck_info *bc = pm_bugcheck_info(s, p);
	if (!(bc && bc->resource == PM_RES_PTES) && s->free_ptes.absent &&
	    s->pte_failures.absent) {
		char why[200];
		snprintf(why, sizeof(why), "the free system PTE count %s",
			 pm_fig_damaged(&s->free_ptes) || pm_fig_symbols_failed(&s->free_ptes)
			 ? pm_fig_absent_words(&s->free_ptes, "") : "needs symbols");
		pm_findings_not_evaluated(out, "PTES", why);
		return;
	}
	struct pm_finding *fi = pm_finding_add(out, "PTES");
	if (!fi)
		return;
	if (!s->free_ptes.absent)
		pm_findings_judged(out, PM_RES_PTES, PM_JUDGED_FULL);
	fi->resource = PM_RES_PTES;
	fi->refs = "[EXCH]";
	bool failed = !s->pte_failures.absent && s->pte_failures.v;
	bool low = !s->free_ptes.absent && s->free_ptes.v < p->ptes_low;
	fi->severity = (bc && bc->resource == PM_RES_PTES) || low ? PM_SEV_CRITICAL
		       : failed ? PM_SEV_WARNING : PM_SEV_INFO;
	fi->confidence = (bc && bc->resource == PM_RES_PTES) || failed || !low ? PM_CONF_HIGH
									    : PM_CONF_MEDIUM;
	snprintf(fi->title, sizeof(fi->title), "%s", fi->severity == PM_SEV_CRITICAL
		 ? "System PTEs are exhausted" : failed ? "System PTE allocations have failed"
							: "System PTEs");
	if (bc && bc->resource == PM_RES_PTES)
		pm_finding_evidence(fi, "bugcheck 0x%X %s: %s", s->bugcheck, bc->name, bc->meaning);
	if (!s->free_ptes.absent)
		pm_finding_evidence(fi, "%s free system PTEs (from %s)%s", PM_U_GROUPED(s->free_ptes.v),
				    s->free_ptes.source, low ? ": !vm would say \"Running out of "
				    "system PTEs\"" : "");
	if (failed)
		pm_finding_evidence(fi, "%s system PTE allocations have failed since boot (from %s)",
				    PM_U_GROUPED(s->pte_failures.v), s->pte_failures.source);
	if (fi->severity == PM_SEV_CRITICAL) {
		pm_finding_step(fi, "On 32-bit systems /3GB halves kernel address space: system PTEs "
				"and pools compete for it [EXCH]. Remove /3GB or use /USERVA to give "
				"the kernel more room, or move to 64-bit.");
		pm_finding_step(fi, "A driver mapping memory without unmapping it (MmMapLockedPages) "
				"also drains PTEs: look for the driver named in the stack.");
	}
}

static void eval_corruption(const struct pm_summary *s, const struct pm_rule_params *p,
			    struct pm_findings *out)
{
	const struct pm_bugcheck_info *bc = pm_bugcheck_info(s, p);
	if (!bc || bc->resource != PM_RES_POOL_CORRUPTION)
		return;
	struct pm_finding *fi = pm_finding_add(out, "POOL-CORRUPTION");
	if (!fi)
		return;
	fi->resource = PM_RES_POOL_CORRUPTION;
	fi->severity = PM_SEV_CRITICAL;
	fi->confidence = PM_CONF_HIGH;
	fi->refs = "tools-and-outputs.md §1";
	snprintf(fi->title, sizeof(fi->title), "The crash is pool corruption (bugcheck 0x%X %s), not "
		 "pool exhaustion", s->bugcheck, bc->name);
	pm_finding_evidence(fi, "bugcheck 0x%X %s: %s; parameters %#" PRIx64 " %#" PRIx64 " %#"
			    PRIx64 " %#" PRIx64, s->bugcheck, bc->name, bc->meaning, s->params[0],
			    s->params[1], s->params[2], s->params[3]);
	pm_finding_step(fi, "Enable Driver Verifier with special pool on the suspect drivers "
			"(verifier /flags 0x1 /driver NAME.sys) and wait for the next crash: it stops "
			"at the driver that damages the pool.");
}

const struct pm_rule pm_rule_commit = { "COMMIT", "Commit exhaustion", eval_commit };
const struct pm_rule pm_rule_physical = { "PHYSICAL", "Physical memory exhaustion", eval_physical };
const struct pm_rule pm_rule_ptes = { "PTES", "System PTE exhaustion", eval_ptes };
const struct pm_rule pm_rule_corruption = { "POOL-CORRUPTION", "Pool corruption bugchecks",
					    eval_corruption };
