// SPDX-License-Identifier: MIT
// JSON for the verdict and findings (members of the analyze and rules reports).
#include <cjson/cJSON.h>

#include "holders_view.h"
#include "jsonb.h"
#include "verdict_view.h"
#include "verinfo_view.h"

static void arr_str(struct pm_jb *j, cJSON *o, const char *k, const char *base, unsigned n,
		    size_t stride)
{
	cJSON *a = pm_jb_arr(j, o, k);
	for (unsigned i = 0; a && i < n; i++)
		pm_jb_push_str(j, a, base + i * stride);
}

/* What the verdict could not judge and what would fix it; the coverage warnings; how each
 * resource was judged. */
static void verdict_coverage(struct pm_jb *j, cJSON *vo, const struct pm_verdict *v,
			     const struct pm_findings *f)
{
	pm_jb_bool(j, vo, "incomplete", v->incomplete);
	pm_jb_bool(j, vo, "partial", v->partial);
	pm_jb_bool(j, vo, "estimate", v->estimate);
	cJSON *ca = pm_jb_arr(j, vo, "coverage");
	for (unsigned i = 0; ca && i < v->ncoverage; i++)
		pm_jb_push_str(j, ca, v->coverage[i]);
	cJSON *ma = pm_jb_arr(j, vo, "missing");
	for (unsigned i = 0; ma && i < v->nmissing; i++) {
		cJSON *x = pm_jb_push_obj(j, ma);
		if (!x)
			break;
		pm_jb_str(j, x, "what", v->missing[i].what);
		pm_jb_str(j, x, "fix", v->missing[i].fix);
	}
	static const enum pm_resource judged[] = { PM_RES_NONPAGED, PM_RES_PAGED, PM_RES_COMMIT,
						   PM_RES_PHYSICAL, PM_RES_PTES };
	cJSON *jo = pm_jb_obj(j, vo, "judged");
	for (size_t i = 0; i < sizeof(judged) / sizeof(judged[0]); i++)
		pm_jb_str(j, jo, pm_resource_name(judged[i]), pm_judged_name(f->judged[judged[i]]));
}

static void verdict_obj(struct pm_jb *j, cJSON *parent, const struct pm_verdict *v,
			const struct pm_findings *f)
{
	cJSON *vo = pm_jb_obj(j, parent, "verdict");
	pm_jb_str(j, vo, "outcome", pm_outcome_name(v->outcome));
	pm_jb_num(j, vo, "exit_code", pm_verdict_exit_code(v));
	pm_jb_bool(j, vo, "healthy", v->healthy);
	pm_jb_str(j, vo, "resource", v->outcome != PM_OUTCOME_AT_RISK ? NULL
								     : pm_resource_name(v->resource));
	pm_jb_str(j, vo, "severity", pm_severity_name(v->severity));
	pm_jb_str(j, vo, "confidence", pm_confidence_name(v->confidence));
	pm_jb_str(j, vo, "summary", v->summary);
	if (v->tag)
		pm_jb_tag(j, vo, "tag", v->tag);
	else
		pm_jb_null(j, vo, "tag");
	pm_jb_bool(j, vo, "tag_partial", v->tag_partial);
	pm_jb_str(j, vo, "driver", v->driver[0] ? v->driver : NULL);
	if (v->has_holder) {
		cJSON *h = pm_jb_obj(j, vo, "holder");
		pm_jb_str(j, h, "name", v->holder.name);
		pm_jb_num(j, h, "pid", v->holder.pid);
		pm_jb_str(j, h, "kind", pm_holder_kind_name(v->holder.kind));
	} else {
		pm_jb_null(j, vo, "holder");
	}
	verdict_coverage(j, vo, v, f);
}

static void suspects(struct pm_jb *j, cJSON *o, const struct pm_finding *fi)
{
	cJSON *ta = pm_jb_arr(j, o, "suspect_tags");
	for (unsigned k = 0; ta && k < fi->ntags; k++) {
		const struct pm_ranked_tag *r = &fi->tags[k];
		cJSON *x = pm_jb_push_obj(j, ta);
		if (!x)
			break;
		pm_jb_tag(j, x, "tag", r->tag);
		pm_jb_str(j, x, "pool", pm_resource_name(r->pool));
		pm_jb_num(j, x, "bytes", (double)r->bytes);
		pm_jb_num(j, x, "outstanding", (double)r->outstanding);
		pm_jb_num(j, x, "share", r->share);
		pm_jb_str(j, x, "description", r->description[0] ? r->description : NULL);
		pm_jb_bool(j, x, "partial", r->partial);
		arr_str(j, x, "reasons", r->reasons[0], r->nreasons, sizeof(r->reasons[0]));
	}
	cJSON *da = pm_jb_arr(j, o, "suspect_drivers");
	for (unsigned k = 0; da && k < fi->ndrivers; k++) {
		const struct pm_ranked_driver *d = &fi->drivers[k];
		cJSON *x = pm_jb_push_obj(j, da);
		if (!x)
			break;
		pm_jb_tag(j, x, "tag", d->tag);
		pm_jb_str(j, x, "name", d->name);
		pm_jb_str(j, x, "evidence", d->how);
		pm_jb_str(j, x, "detail", d->detail);
		if (d->loaded) { /* lm v's facts for the vendor ticket */
			cJSON *im = pm_jb_obj(j, x, "image");
			pm_link_json(j, im, d->timestamp);
			pm_verinfo_json(j, im, "version", &d->version);
		} else {
			pm_jb_absent(j, x, "image", "not_found", "no module of that name is loaded "
				     "in the dump");
		}
	}
}

struct pm_error *pm_json_verdict(const struct pm_verdict *v, const struct pm_findings *f,
				 cJSON *parent)
{
	struct pm_jb j = { false };
	verdict_obj(&j, parent, v, f);
	cJSON *fa = pm_jb_arr(&j, parent, "findings");
	for (size_t i = 0; fa && i < f->n; i++) {
		const struct pm_finding *fi = &f->items[i];
		cJSON *o = pm_jb_push_obj(&j, fa);
		if (!o)
			break;
		pm_jb_str(&j, o, "rule", fi->rule);
		pm_jb_str(&j, o, "severity", pm_severity_name(fi->severity));
		pm_jb_str(&j, o, "confidence", pm_confidence_name(fi->confidence));
		pm_jb_str(&j, o, "resource", pm_resource_name(fi->resource));
		pm_jb_str(&j, o, "title", fi->title);
		arr_str(&j, o, "evidence", fi->evidence[0], fi->nevidence, sizeof(fi->evidence[0]));
		suspects(&j, o, fi);
		pm_holders_json_finding(&j, o, fi);
		arr_str(&j, o, "next_steps", fi->steps[0], fi->nsteps, sizeof(fi->steps[0]));
		pm_jb_str(&j, o, "references", fi->refs);
	}
	arr_str(&j, parent, "not_evaluated", f->not_evaluated[0], f->nnot,
		sizeof(f->not_evaluated[0]));
	return j.oom ? &pm_enomem : NULL;
}
