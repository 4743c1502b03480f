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
 * reached at some point: at least a warning, whatever the charge is now.
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

#include "rank.h"

static void eval_commit(const struct pm_summary *s, const struct pm_rule_params *p,
			struct pm_findings *out)
{
	if (s->committed.absent || s->commit_limit.absent || !s->commit_limit.v) {
		pm_findings_not_evaluated(out, "COMMIT", "committed pages or the commit limit are not "
					  "in the dump without symbols");
		return;
	}
	double pct = 100.0 * (double)s->committed.v / (double)s->commit_limit.v;
	struct pm_finding *fi = pm_finding_add(out, "COMMIT");
	if (!fi)
		return;
	fi->resource = PM_RES_COMMIT;
	fi->severity = pct >= p->commit_crit_pct ? PM_SEV_CRITICAL
		       : pct >= p->commit_warn_pct ? PM_SEV_WARNING : PM_SEV_INFO;
	fi->confidence = PM_CONF_HIGH;
	fi->refs = "[RUSS]";
	snprintf(fi->title, sizeof(fi->title), "Commit charge at %.0f%% of the commit limit%s", pct,
		 fi->severity == PM_SEV_CRITICAL ? ": commit is exhausted" : "");
	pm_finding_evidence(fi, "committed %" PRIu64 " pages (from %s) of a limit of %" PRIu64
			    " pages (from %s)", s->committed.v, s->committed.source,
			    s->commit_limit.v, s->commit_limit.source);
	if (!s->commit_peak.absent)
		pm_finding_evidence(fi, "peak commit %" PRIu64 " pages", s->commit_peak.v);
	if (!s->commit_failures.absent && s->commit_failures.v) {
		if (fi->severity == PM_SEV_INFO) {
			fi->severity = PM_SEV_WARNING;
			snprintf(fi->title, sizeof(fi->title), "Commit requests have failed (the charge "
				 "is at %.0f%% of the limit now)", pct);
		}
		pm_finding_evidence(fi, "%" PRIu64 " commit requests have failed since boot (from %s)",
				    s->commit_failures.v, s->commit_failures.source);
	}
	if (fi->severity != PM_SEV_INFO) {
		pm_finding_step(fi, "Commit, not pool, is the limit: find the process or driver "
				"with the largest private commit (Task Manager 'Commit size', !vm 1 in "
				"WinDbg), and check the pagefile size.");
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
		pm_findings_not_evaluated(out, "PHYSICAL", "available pages are not in the dump "
					  "without symbols");
		return;
	}
	struct pm_finding *fi = pm_finding_add(out, "PHYSICAL");
	if (!fi)
		return;
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
		pm_finding_evidence(fi, "bugcheck 0x%X %s: %s (total %" PRIu64 ", free %" PRIu64
				    ", modified %" PRIu64 ")", s->bugcheck, bc->name, bc->meaning,
				    s->params[0], s->params[1], s->params[2]);
	}
	if (pct >= 0)
		pm_finding_evidence(fi, "%" PRIu64 " available pages of %" PRIu64 " (%.1f%%), from %s",
				    s->available.v, s->ram.v, pct, s->available.source);
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
		pm_findings_not_evaluated(out, "PTES", "the free system PTE count needs symbols");
		return;
	}
	struct pm_finding *fi = pm_finding_add(out, "PTES");
	if (!fi)
		return;
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
		pm_finding_evidence(fi, "%" PRIu64 " free system PTEs (from %s)%s", s->free_ptes.v,
				    s->free_ptes.source, low ? ": !vm would say \"Running out of "
				    "system PTEs\"" : "");
	if (failed)
		pm_finding_evidence(fi, "%" PRIu64 " system PTE allocations have failed since boot "
				    "(from %s)", s->pte_failures.v, s->pte_failures.source);
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
