// SPDX-License-Identifier: MIT
/*
 * CONFIG-3GB, CONFIG-LIMITS, TRACKER-COVERAGE: the machine's configuration and the quality of
 * the data, which decide how far the other findings can be trusted.
 *
 * CONFIG-3GB — intent: on 32-bit Windows up to Server 2003 a nonpaged maximum of 128 MB with
 * enough RAM for 256 MB means /3GB (4GT): the kernel's pools are halved [RUSS] [EXCH].
 * Evidence: the dump's nonpaged maximum, RAM, version. False positive: a NonPagedPoolSize
 * registry override of exactly 128 MB.
 * CONFIG-LIMITS — intent: compare the dump's pool maxima with the expected maxima for the
 * version, architecture and RAM (rules/data/limits.json, from [RUSS] and pool-internals.md §5)
 * and point out a configuration that differs by more than half (registry overrides such as
 * PagedPoolSize, NonPagedPoolSize, or the Vista+ *PoolLimit values). Info only.
 * TRACKER-COVERAGE — the tag counts come from fewer processors' tables than the machine has:
 * per-tag numbers are wrong (pool-internals.md §2.5).
 * References: [RUSS] [EXCH] [KB312362], pool-internals.md §5.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pm-units.h"
#include "rank.h"

static void eval_3gb(const struct pm_summary *s, const struct pm_rule_params *p,
		     struct pm_findings *out)
{
	const struct pm_limit *l = pm_limit_for(s, p);
	if (s->is64 || !l || !l->three_gb_np_mb)
		return; /* only 32-bit NT 5 has the halved fixed maxima */
	if (s->np_max.absent || s->ram.absent) {
		pm_findings_not_evaluated(out, "CONFIG-3GB", "nonpaged maximum or RAM unknown");
		return;
	}
	uint64_t np_mb = s->np_max.v * 4096 >> 20, ram_mb = s->ram.v * 4096 >> 20;
	uint64_t normal_mb = ram_mb * l->np_pct_ram / 100;
	if (normal_mb > l->np_cap_mb)
		normal_mb = l->np_cap_mb;
	if (np_mb > l->three_gb_np_mb || normal_mb <= l->three_gb_np_mb)
		return;
	struct pm_finding *fi = pm_finding_add(out, "CONFIG-3GB");
	if (!fi)
		return;
	fi->severity = PM_SEV_WARNING;
	fi->confidence = PM_CONF_MEDIUM;
	fi->refs = "[RUSS] [EXCH]";
	snprintf(fi->title, sizeof(fi->title), "The kernel's pools look halved: /3GB (4GT) is "
		 "likely in effect");
	pm_finding_evidence(fi, "nonpaged maximum %s, where %s of RAM would give about %s without "
			    "/3GB (%s)", PM_U_HUMAN(s->np_max.v * 4096), PM_U_HUMAN(s->ram.v * 4096),
			    PM_U_HUMAN(normal_mb << 20), l->ref);
	pm_finding_step(fi, "/3GB gives user mode 3 GiB and leaves the kernel 1 GiB: pools and "
			"system PTEs shrink while the workload grows [EXCH]. Remove /3GB (or use /USERVA "
			"with a value below 3072) unless an application needs it; on Exchange 2003 "
			"follow its sizing guidance; 64-bit removes the limit.");
}

static void eval_limits(const struct pm_summary *s, const struct pm_rule_params *p,
			struct pm_findings *out)
{
	const struct pm_limit *l = pm_limit_for(s, p);
	if (!l || s->ram.absent) {
		pm_findings_not_evaluated(out, "CONFIG-LIMITS", "no limits table entry for this "
					  "version, or RAM unknown");
		return;
	}
	uint64_t ram_mb = s->ram.v * 4096 >> 20;
	uint64_t np_exp = ram_mb * l->np_pct_ram / 100;
	if (np_exp > l->np_cap_mb)
		np_exp = l->np_cap_mb;
	struct {
		const char *name;
		const struct pm_fig *f;
		uint64_t expected_mb;
	} c[2] = { { "nonpaged", &s->np_max, np_exp }, { "paged", &s->p_max, l->p_cap_mb } };
	for (int i = 0; i < 2; i++) {
		if (c[i].f->absent || !c[i].expected_mb)
			continue;
		uint64_t mb = c[i].f->v * 4096 >> 20;
		if (mb * 2 >= c[i].expected_mb && mb <= c[i].expected_mb * 2)
			continue;
		if (mb < c[i].expected_mb && s->is64 == false && i == 0 && l->three_gb_np_mb &&
		    mb <= l->three_gb_np_mb)
			continue; /* CONFIG-3GB explains it */
		struct pm_finding *fi = pm_finding_add(out, "CONFIG-LIMITS");
		if (!fi)
			return;
		fi->severity = PM_SEV_INFO;
		fi->confidence = PM_CONF_LOW;
		fi->refs = "[RUSS]";
		snprintf(fi->title, sizeof(fi->title), "Unusual %s pool maximum: %s where about %s "
			 "is expected", c[i].name, PM_U_UNIT(c[i].f->v * 4096),
			 PM_U_UNIT(c[i].expected_mb << 20));
		pm_finding_evidence(fi, "%s maximum %s, from %s; expected for this version with %s of "
				    "RAM: %s (%s)", c[i].name, PM_U_HUMAN(c[i].f->v * 4096),
				    c[i].f->source, PM_U_HUMAN(s->ram.v * 4096),
				    PM_U_HUMAN(c[i].expected_mb << 20), l->ref);
		pm_finding_step(fi, "Check the Memory Management registry values (PagedPoolSize, "
				"NonPagedPoolSize, PagedPoolLimit, NonPagedPoolLimit) and boot options "
				"(/3GB, /USERVA).");
	}
}

static void eval_coverage(const struct pm_summary *s, const struct pm_rule_params *p,
			  struct pm_findings *out)
{
	(void)p;
	if (!s->tracker || s->cpus_read >= s->cpus_expected)
		return;
	struct pm_finding *fi = pm_finding_add(out, "TRACKER-COVERAGE");
	if (!fi)
		return;
	fi->severity = PM_SEV_WARNING;
	fi->confidence = PM_CONF_HIGH;
	fi->refs = "pool-internals.md §2.5";
	snprintf(fi->title, sizeof(fi->title), "Tag counts come from %u of %u processors' tables",
		 s->cpus_read, s->cpus_expected);
	pm_finding_evidence(fi, "each processor keeps its own tag table; a table alone can even "
			    "show negative counts");
	pm_finding_step(fi, "Treat per-tag figures as approximate; symbols (--symbols) locate "
			"every processor's table.");
}

const struct pm_rule pm_rule_3gb = { "CONFIG-3GB", "/3GB halves the kernel pools", eval_3gb };
const struct pm_rule pm_rule_limits = { "CONFIG-LIMITS", "Pool maxima against expectations",
					eval_limits };
const struct pm_rule pm_rule_coverage = { "TRACKER-COVERAGE", "Tag tracker coverage",
					  eval_coverage };
