// SPDX-License-Identifier: MIT
// The rule registry and the verdict drawn from the findings.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"

extern const struct pm_rule pm_rule_pool_nonpaged, pm_rule_pool_paged, pm_rule_pool_failures,
	pm_rule_commit, pm_rule_physical, pm_rule_ptes, pm_rule_corruption, pm_rule_3gb,
	pm_rule_limits, pm_rule_coverage;

const struct pm_rule *const pm_rules[] = {
	&pm_rule_pool_nonpaged, &pm_rule_pool_paged, &pm_rule_pool_failures, &pm_rule_commit,
	&pm_rule_physical,
	&pm_rule_ptes, &pm_rule_corruption, &pm_rule_3gb, &pm_rule_limits, &pm_rule_coverage,
	NULL,
};

void pm_rules_evaluate(const struct pm_summary *s, const struct pm_rule_params *p,
		       struct pm_findings *out, struct pm_verdict *v)
{
	memset(out, 0, sizeof(*out));
	memset(v, 0, sizeof(*v));
	for (size_t i = 0; pm_rules[i]; i++)
		pm_rules[i]->eval(s, p, out);
	for (size_t i = 0; i < out->n; i++)
		pm_rank_holders(s, &out->items[i]);
	/* The verdict: the most severe finding about a resource; ties go to the higher
	 * confidence, then to the registry order (pools first). */
	const struct pm_finding *best = NULL;
	for (size_t i = 0; i < out->n; i++) {
		const struct pm_finding *f = &out->items[i];
		if (f->resource == PM_RES_NONE || f->severity == PM_SEV_INFO)
			continue;
		if (!best || f->severity > best->severity ||
		    (f->severity == best->severity && f->confidence > best->confidence))
			best = f;
	}
	if (!best) {
		v->healthy = true;
		v->resource = PM_RES_NONE;
		v->severity = PM_SEV_INFO;
		v->confidence = s->tracker || !s->np_usage.absent ? PM_CONF_HIGH : PM_CONF_LOW;
		snprintf(v->summary, sizeof(v->summary), "%s", s->triage
			 ? "No pool data in a small memory dump: no verdict on pool exhaustion"
			 : "Healthy: no pool, commit, PTE or memory exhaustion found");
		if (s->triage)
			v->confidence = PM_CONF_LOW;
		return;
	}
	v->resource = best->resource;
	v->severity = best->severity;
	v->confidence = best->confidence;
	if (best->ntags)
		v->tag = best->tags[0].tag;
	for (unsigned i = 0; i < best->ndrivers; i++)
		if (best->drivers[i].tag == v->tag) {
			snprintf(v->driver, sizeof(v->driver), "%s", best->drivers[i].name);
			break;
		}
	if (best->nholders && best->holders[0].confidence != PM_CONF_LOW) {
		v->has_holder = true;
		v->holder = best->holders[0];
	}
	char t[5] = "";
	if (v->tag)
		pm_sum_tag_str(v->tag, t);
	snprintf(v->summary, sizeof(v->summary), "%s%s%s%s%s%s", best->title,
		 v->tag ? "; top tag '" : "", t, v->tag ? "'" : "", v->driver[0] ? ", likely owner " : "",
		 v->driver);
	size_t len = strlen(v->summary);
	if (v->has_holder && len + 1 < sizeof(v->summary))
		snprintf(v->summary + len, sizeof(v->summary) - len, ", %s %s (PID %" PRIu32 ")",
			 v->holder.kind == PM_HOLD_COMMIT ? "largest commit:"
			 : v->holder.kind == PM_HOLD_BILLED ? "billed to"
			 : v->holder.kind == PM_HOLD_QUOTA ? "quota charged to" : "held by",
			 v->holder.name, v->holder.pid);
}
