// SPDX-License-Identifier: MIT
// The rule registry: every rule in order, then the verdict (verdict.c).
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
	for (size_t i = 0; pm_rules[i]; i++)
		pm_rules[i]->eval(s, p, out);
	for (size_t i = 0; i < out->n; i++)
		pm_rank_holders(s, &out->items[i]);
	pm_verdict_draw(s, p, out, v);
}
