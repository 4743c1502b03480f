// SPDX-License-Identifier: MIT
// Findings and the names of the rules' enums.
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

static const char *const res_names[_PM_RES_MAX] = {
	"none", "nonpaged_pool", "paged_pool", "session_pool", "commit", "system_ptes",
	"physical_memory", "pool_corruption",
};

const char *pm_resource_name(enum pm_resource r)
{
	return (unsigned)r < _PM_RES_MAX ? res_names[r] : "none";
}

bool pm_resource_parse(const char *s, enum pm_resource *ret)
{
	static const struct {
		const char *k;
		enum pm_resource r;
	} alias[] = { { "nonpaged", PM_RES_NONPAGED }, { "paged", PM_RES_PAGED },
		      { "session", PM_RES_SESSION }, { "ptes", PM_RES_PTES },
		      { "physical", PM_RES_PHYSICAL } };
	for (int i = 0; i < _PM_RES_MAX; i++)
		if (!strcmp(s, res_names[i])) {
			*ret = (enum pm_resource)i;
			return true;
		}
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (!strcmp(s, alias[i].k)) {
			*ret = alias[i].r;
			return true;
		}
	return false;
}

const char *pm_severity_name(enum pm_severity s)
{
	return s == PM_SEV_CRITICAL ? "critical" : s == PM_SEV_WARNING ? "warning" : "info";
}

const char *pm_confidence_name(enum pm_confidence c)
{
	return c == PM_CONF_HIGH ? "high" : c == PM_CONF_MEDIUM ? "medium" : "low";
}

const char *pm_outcome_name(enum pm_outcome o)
{
	return o == PM_OUTCOME_HEALTHY ? "healthy" : o == PM_OUTCOME_AT_RISK ? "at_risk"
									  : "inconclusive";
}

const char *pm_judged_name(enum pm_judged j)
{
	static const char *const n[] = { "not_judged", "partial", "estimate", "full" };
	return (unsigned)j < sizeof(n) / sizeof(n[0]) ? n[j] : "not_judged";
}

void pm_findings_judged(struct pm_findings *f, enum pm_resource r, enum pm_judged how)
{
	if ((unsigned)r < _PM_RES_MAX && how > f->judged[r])
		f->judged[r] = how;
}

struct pm_finding *pm_finding_add(struct pm_findings *f, const char *rule)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct pm_finding *it = realloc(f->items, cap * sizeof(*it));
		if (!it) {
			pm_findings_not_evaluated(f, rule, "out of memory");
			return NULL;
		}
		f->items = it;
		f->cap = cap;
	}
	struct pm_finding *fi = &f->items[f->n++];
	memset(fi, 0, sizeof(*fi));
	fi->rule = rule;
	return fi;
}

void pm_finding_evidence(struct pm_finding *fi, const char *fmt, ...)
{
	if (!fi || fi->nevidence >= PM_MAX_EVIDENCE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fi->evidence[fi->nevidence++], sizeof(fi->evidence[0]), fmt, ap);
	va_end(ap);
}

void pm_finding_step(struct pm_finding *fi, const char *fmt, ...)
{
	if (!fi || fi->nsteps >= PM_MAX_STEPS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fi->steps[fi->nsteps++], sizeof(fi->steps[0]), fmt, ap);
	va_end(ap);
}

void pm_findings_not_evaluated(struct pm_findings *f, const char *rule, const char *why)
{
	if (f->nnot >= sizeof(f->not_evaluated) / sizeof(f->not_evaluated[0]))
		return;
	snprintf(f->not_evaluated[f->nnot++], sizeof(f->not_evaluated[0]), "%s: %s", rule, why);
}

void pm_findings_deinit(struct pm_findings *f)
{
	free(f->items);
	memset(f, 0, sizeof(*f));
}
