// SPDX-License-Identifier: MIT
/*
 * POOL-NONPAGED, POOL-PAGED: is a pool exhausted or close to it, and which tags fill it?
 *
 * Intent: the question support engineers ask first ([RUSS]: "!vm confirms which pool is
 * exhausted, then !poolused"). Evidence: the pool's usage against its maximum, usage against
 * RAM (on x64 Windows 8 and later the maximum is ~16 TB, so RAM and commit are the real limits,
 * pool-internals.md §5.1), and a bugcheck that names the pool (0x41 for nonpaged).
 * Thresholds (rules/data/thresholds.json): pool_warn_pct (80: the memory manager starts trimming
 * paged pool at 80% of its maximum, [KB312362]), pool_crit_pct (95), np_ram_warn_pct (30) and
 * np_ram_crit_pct (50) of RAM in nonpaged pool, p_ram_warn_pct (50) for paged pool.
 * Known false positives: a peak that would have passed ([RUSS]: Windows does not fail merely
 * because a pool ran out briefly); estimated usage (tracker sums) is a lower bound, so it can
 * miss exhaustion but not invent it; machines with little RAM carry proportionally more
 * nonpaged pool.
 * The kernel's count of refused pool allocations (ExPoolFailures, symbols only) is evidence
 * that a pool really ran out at some point: with it, a pool at warning or above is judged
 * with high confidence.
 *
 * POOL-FAILURES — intent: say so when pool allocations have failed since boot, as !vm's banner
 * "N pool allocations have failed" does, also when no pool is near its maximum now (a past
 * peak, a session pool, or an outsized request). Not a resource finding: the verdict is the
 * pools' and the other resources'. Evidence: ExPoolFailures (one count for every pool).
 * References: [RUSS] [KB312362] [EXCH], pool-internals.md §4.5, §5; tools-and-outputs.md §1
 * (!vm banners).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pm-units.h"
#include "rank.h"

/* The pool's maximum is unreadable on a build where it, not RAM, is the limit (32-bit, x64
 * before 8.1): the usage can still be shown to approach the largest maximum the version allows
 * (rules/data/limits.json), but a lower one (the /3GB halving, a registry setting) cannot be
 * ruled out, so nothing short of that is evidence of health. */
static void max_unread(const struct pm_summary *s, const struct pm_rule_params *p,
		       struct pm_findings *out, enum pm_resource pool, uint64_t bytes,
		       const char *src)
{
	uint64_t pages = (bytes + 4095) / 4096;
	const bool paged = pool == PM_RES_PAGED;
	const char *id = paged ? "POOL-PAGED" : "POOL-NONPAGED";
	const struct pm_limit *l = pm_limit_for(s, p);
	uint64_t cap_mb = !l ? 0 : paged ? l->p_cap_mb : l->np_cap_mb;
	if (l && !paged && l->np_pct_ram && !s->ram.absent) {
		uint64_t by_ram = (s->ram.v * 4096 >> 20) * l->np_pct_ram / 100;
		if (by_ram < cap_mb)
			cap_mb = by_ram;
	}
	uint64_t cap = cap_mb << 8; /* pages */
	if (!cap || pages * 100 < cap * p->pool_warn_pct) {
		const struct pm_fig *max = paged ? &s->p_max : &s->np_max;
		char why[200];
		snprintf(why, sizeof(why), "the pool's maximum is %s, and on this build the maximum, "
			 "not RAM, is the limit", pm_fig_absent_words(max, "unreadable"));
		pm_findings_not_evaluated(out, id, why);
		return;
	}
	struct pm_finding *fi = pm_finding_add(out, id);
	if (!fi)
		return;
	pm_findings_judged(out, pool, PM_JUDGED_ESTIMATE);
	fi->resource = pool;
	fi->severity = pages * 100 >= cap * p->pool_crit_pct ? PM_SEV_CRITICAL : PM_SEV_WARNING;
	fi->confidence = PM_CONF_MEDIUM;
	fi->refs = "[RUSS]";
	snprintf(fi->title, sizeof(fi->title), "%s pool %s: %s in use (its maximum unreadable: "
		 "judged against the largest this version allows)", paged ? "Paged" : "Nonpaged",
		 fi->severity == PM_SEV_CRITICAL ? "is exhausted" : "is close to exhaustion",
		 PM_U_UNIT(bytes));
	pm_finding_evidence(fi, "%s pool usage: %s, from %s", paged ? "paged" : "nonpaged",
			    PM_U_HUMAN(bytes), src);
	pm_finding_evidence(fi, "%.1f%% of %s, the largest %s maximum of this version (%s)",
			    100.0 * (double)pages / (double)cap, PM_U_HUMAN(cap * 4096),
			    paged ? "paged" : "nonpaged", l->ref);
	pm_rank_tags(s, p, pool, fi);
	pm_rank_drivers(s, p, fi);
}

/* The suspects of an exhausted pool (tags, their owners) and the next steps. */
static void suspects_and_steps(const struct pm_summary *s, const struct pm_rule_params *p,
			       struct pm_finding *fi, enum pm_resource pool)
{
	const bool paged = pool == PM_RES_PAGED;
	pm_rank_tags(s, p, pool, fi);
	pm_rank_drivers(s, p, fi);
	if (fi->ntags) {
		char t[5];
		pm_sum_tag_str(fi->tags[0].tag, t);
		const struct pm_tag_info *k = pm_rule_tag(p, fi->tags[0].tag);
		const struct pm_ranked_driver *own = pm_rank_blamed(fi, fi->tags[0].tag);
		const struct pm_shared_tag *sh = pm_rule_shared_tag(p, fi->tags[0].tag);
		if (own)
			pm_finding_step(fi, "Tag '%s' is the top consumer; its likely owner is %s (%s). "
					"Update or remove that component, or contact its vendor with "
					"this report.", t, own->name, own->how);
		else if (sh)
			pm_finding_step(fi, "Tag '%s' is the top consumer, but library code linked into "
					"many drivers allocates with it (%s): every driver that carries "
					"it is a suspect. Find the one that allocates it on the live "
					"machine (poolmon by tag, Driver Verifier's pool tracking on the "
					"suspects).", t, sh->library);
		else
			pm_finding_step(fi, "Tag '%s' is the top consumer. Find its owner: search the "
					"drivers for the four characters (strings *.sys | findstr %s) "
					"or look it up in pooltag.txt (--pooltag).", t, t);
		if (k && k->advice[0])
			pm_finding_step(fi, "%s%s%s", k->advice, k->ref[0] ? " " : "", k->ref);
		if (paged && fi->tags[0].tag == 0x74536D4D /* "MmSt" */ && !s->is64 && s->build <= 3790)
			pm_finding_step(fi, "32-bit Server 2003 with MmSt on top: set PoolUsageMaximum = "
					"60 (REG_DWORD, decimal) and consider PagedPoolSize = 0xFFFFFFFF "
					"under HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager\\"
					"Memory Management, then reboot; not 0xFFFFFFFF on a 64 GiB machine "
					"(free system PTEs drop too far) [KB312362].");
	}
	if (!paged)
		pm_finding_step(fi, "Confirm on the live machine with poolmon (sort by bytes) or take "
				"dumps at intervals and compare their poolused output to see the tag "
				"grow.");
	else
		pm_finding_step(fi, "Paged pool holds the registry and mapped-file structures: rule out "
				"open-file counts (MmSt) and registry size (CM*) before blaming a "
				"driver.");
}

/* Why a pool with a usage figure cannot be judged: nothing to judge it against. */
static const char no_reference[] = "the machine's RAM is unknown and the pool has no "
				   "meaningful maximum: nothing to judge its usage against";
static const char no_reference_triage[] = "a small memory dump: its memory-manager block gives "
					  "the pool's usage, but no meaningful maximum, and RAM "
					  "is not in it";

/* A small dump holds no pool pages and no tag counts; its memory-manager block
 * (DUMP_MM_STORAGE64), when the kernel filled it, has the pools' counters (vmview.c), and
 * the pool is judged from them. */
static void pool_rule(const struct pm_summary *s, const struct pm_rule_params *p,
		      struct pm_findings *out, enum pm_resource pool)
{
	const bool paged = pool == PM_RES_PAGED;
	const char *id = paged ? "POOL-PAGED" : "POOL-NONPAGED";
	const char *name = paged ? "paged" : "nonpaged";
	const struct pm_fig *max = paged ? &s->p_max : &s->np_max;
	if (s->triage && (paged ? &s->p_usage : &s->np_usage)->absent) {
		pm_findings_not_evaluated(out, id, "a small memory dump holds no pool data (its "
					  "memory-manager block gives no figure for this pool)");
		return;
	}
	uint64_t bytes;
	const char *src;
	if (!pm_pool_usage_bytes(s, pool, &bytes, &src)) {
		const struct pm_fig *use = paged ? &s->p_usage : &s->np_usage;
		char why[200];
		snprintf(why, sizeof(why), "no tag tracker, and the pool's usage figure is %s",
			 pm_fig_absent_words(use, "not in the dump"));
		pm_findings_not_evaluated(out, id, why);
		return;
	}
	/* Something to judge the usage against: a real maximum, or RAM. Without either the
	 * rule cannot judge, and says so (it is no evidence of health). */
	bool ram = !s->ram.absent && s->ram.v;
	uint64_t pages = (bytes + 4095) / 4096;
	if (!pm_max_meaningful(s, max) && !ram) {
		pm_findings_not_evaluated(out, id, s->triage ? no_reference_triage : no_reference);
		return;
	}
	if (pm_max_matters(s) && max->absent) {
		max_unread(s, p, out, pool, bytes, src);
		return;
	}
	enum pm_severity sev = PM_SEV_INFO;
	/* How the usage was judged: a tracker estimate is a lower bound, and a partial one
	 * (not every processor's table) less still; RAM from a bitmap's length is an upper
	 * bound. Exhaustion judged on them is less certain. */
	bool estimate = pm_pool_usage_estimate(s, pool);
	enum pm_judged judged = estimate && pm_tracker_partial(s) ? PM_JUDGED_PARTIAL
				: estimate || (!pm_max_meaningful(s, max) && pm_ram_upper_bound(s))
					? PM_JUDGED_ESTIMATE : PM_JUDGED_FULL;
	enum pm_confidence conf = judged == PM_JUDGED_FULL ? PM_CONF_HIGH
				  : judged == PM_JUDGED_ESTIMATE ? PM_CONF_MEDIUM : PM_CONF_LOW;
	if (s->triage && conf > PM_CONF_MEDIUM)
		conf = PM_CONF_MEDIUM; /* the counters, but no tag counts, no pool pages */
	pm_findings_judged(out, pool, judged);
	double pct_max = -1, pct_ram = -1;
	if (pm_max_meaningful(s, max)) {
		pct_max = 100.0 * (double)pages / (double)max->v;
		if (pct_max >= p->pool_crit_pct)
			sev = PM_SEV_CRITICAL;
		else if (pct_max >= p->pool_warn_pct)
			sev = PM_SEV_WARNING;
	}
	if (ram) {
		pct_ram = 100.0 * (double)pages / (double)s->ram.v;
		unsigned warn = paged ? p->p_ram_warn_pct : p->np_ram_warn_pct;
		unsigned crit = paged ? 1000 : p->np_ram_crit_pct;
		if (pct_ram >= crit && sev < PM_SEV_CRITICAL)
			sev = PM_SEV_CRITICAL;
		else if (pct_ram >= warn && sev < PM_SEV_WARNING)
			sev = PM_SEV_WARNING;
	}
	const struct pm_bugcheck_info *bc = pm_bugcheck_info(s, p);
	bool bc_here = bc && bc->resource == pool;
	if (bc_here) {
		if (sev < PM_SEV_CRITICAL)
			sev = PM_SEV_CRITICAL;
		conf = PM_CONF_HIGH;
	}
	struct pm_finding *fi = pm_finding_add(out, id);
	if (!fi)
		return;
	fi->severity = sev;
	fi->confidence = conf;
	fi->resource = pool;
	fi->refs = paged ? "[RUSS] [KB312362]" : "[RUSS]";
	if (sev == PM_SEV_INFO)
		snprintf(fi->title, sizeof(fi->title), "%s pool is not exhausted (%s in use)",
			 paged ? "Paged" : "Nonpaged", PM_U_UNIT(bytes));
	else
		snprintf(fi->title, sizeof(fi->title), "%s pool %s: %s in use%s",
			 paged ? "Paged" : "Nonpaged",
			 sev == PM_SEV_CRITICAL ? "is exhausted" : "is close to exhaustion",
			 PM_U_UNIT(bytes), pct_max >= 0 ? "" : " (no meaningful maximum: judged "
							       "against RAM)");
	pm_finding_evidence(fi, "%s pool usage: %s, from %s", name, PM_U_HUMAN(bytes), src);
	if (pct_max >= 0)
		pm_finding_evidence(fi, "%.1f%% of the %s pool maximum of %s, from %s", pct_max,
				    name, PM_U_HUMAN(max->v * 4096), max->source);
	else if (!max->absent)
		pm_finding_evidence(fi, "the %s pool maximum, %s from %s, is far above RAM and says "
				    "nothing about exhaustion", name, PM_U_HUMAN(max->v * 4096),
				    max->source);
	if (pct_ram >= 0)
		pm_finding_evidence(fi, "%.1f%% of the physical memory of %s, from %s", pct_ram,
				    PM_U_HUMAN(s->ram.v * 4096), s->ram.source);
	if (bc_here)
		pm_finding_evidence(fi, "bugcheck 0x%X %s: %s", s->bugcheck, bc->name, bc->meaning);
	if (sev != PM_SEV_INFO && !s->pool_failures.absent && s->pool_failures.v) {
		if (fi->confidence < PM_CONF_HIGH)
			fi->confidence++; /* a pool really ran out: one step more certain */
		pm_finding_evidence(fi, "%" PRIu64 " pool allocations have failed since boot (from %s; "
				    "one count for all pools)", s->pool_failures.v,
				    s->pool_failures.source);
	}
	if (s->triage)
		pm_finding_evidence(fi, "a small memory dump: the figures are its memory-manager "
				    "block's; it holds no tag counts and no pool pages, so which tag "
				    "and which driver cannot be told from it");
	if (s->tracker && s->cpus_read < s->cpus_expected)
		pm_finding_evidence(fi, "tag counts come from %u of %u processors' tables: per-tag "
				    "figures are unreliable", s->cpus_read, s->cpus_expected);
	if (sev == PM_SEV_INFO)
		return;
	suspects_and_steps(s, p, fi, pool);
}

static void eval_np(const struct pm_summary *s, const struct pm_rule_params *p,
		    struct pm_findings *out)
{
	pool_rule(s, p, out, PM_RES_NONPAGED);
}

static void eval_p(const struct pm_summary *s, const struct pm_rule_params *p,
		   struct pm_findings *out)
{
	pool_rule(s, p, out, PM_RES_PAGED);
}

static void eval_failures(const struct pm_summary *s, const struct pm_rule_params *p,
			  struct pm_findings *out)
{
	(void)p;
	if (s->triage) {
		pm_findings_not_evaluated(out, "POOL-FAILURES", "a small memory dump holds no kernel "
					  "counters");
		return;
	}
	if (s->pool_failures.absent) {
		pm_findings_not_evaluated(out, "POOL-FAILURES", "the count of failed pool allocations "
					  "(ExPoolFailures) needs symbols");
		return;
	}
	if (!s->pool_failures.v)
		return;
	struct pm_finding *fi = pm_finding_add(out, "POOL-FAILURES");
	if (!fi)
		return;
	fi->severity = PM_SEV_WARNING;
	fi->confidence = PM_CONF_HIGH;
	fi->refs = "[RUSS]";
	snprintf(fi->title, sizeof(fi->title), "%" PRIu64 " pool allocations have failed since boot",
		 s->pool_failures.v);
	pm_finding_evidence(fi, "%s refused pool allocations (from %s)",
			    PM_U_GROUPED(s->pool_failures.v), s->pool_failures.source);
	pm_finding_step(fi, "Each failure is a driver or kernel request that got no memory: if no "
			"pool is near its maximum in this dump, the pools ran short earlier (a peak) "
			"or a request was unusually large. Compare dumps taken over time (poolmortem "
			"trend) to see which tag grows.");
}

const struct pm_rule pm_rule_pool_failures = { "POOL-FAILURES", "Failed pool allocations",
					       eval_failures };
const struct pm_rule pm_rule_pool_nonpaged = { "POOL-NONPAGED", "Nonpaged pool exhaustion", eval_np };
const struct pm_rule pm_rule_pool_paged = { "POOL-PAGED", "Paged pool exhaustion", eval_p };
