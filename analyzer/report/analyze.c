// SPDX-License-Identifier: MIT
// `analyze`: one report with everything the pool analysis knows about a dump: info, vm,
// poolused (by nonpaged and by paged bytes), bigpool and, with --scan, the pool-page scan.
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "jsonb.h"
#include "report.h"
#include "samples_view.h"
#include "strbuf.h"
#include "summary_build.h"
#include "summary_json.h"
#include "verdict_view.h"
#include "vmview.h"

struct pm_error *pm_analyze(struct pm_info *in, const struct pm_analyze_opts *o,
			    struct pm_analysis *ret)
{
	pm_info_gather_pool(in);
	if (o->scan)
		pm_info_gather_scan(in);
	PM_TRY(pm_summary_build(in, &ret->sum));
	pm_rules_evaluate(&ret->sum, o->params, &ret->findings, &ret->verdict);
	pm_samples_collect(in, ret->verdict.tag, &ret->samples);
	return NULL;
}

void pm_analysis_deinit(struct pm_analysis *a)
{
	pm_findings_deinit(&a->findings);
	pm_summary_deinit(&a->sum);
}

/* ---------------------------------------------------------------- JSON */

static struct pm_error *vm_json(const struct pm_info *in, cJSON **ret)
{
	struct pm_vm_view v;
	pm_vm_view_build(in, &v);
	struct pm_error *err = pm_json_vm(&v, ret);
	pm_vm_view_deinit(&v);
	return err;
}

/* Member @p key: the part's tree, or the error that kept it from being written. */
static void part(struct pm_jb *j, cJSON *root, const char *key, struct pm_error *err, cJSON *t)
{
	if (err) {
		pm_jb_error(j, root, key, err);
		pm_error_destroy(err);
		return;
	}
	pm_jb_put(j, root, key, t);
}

struct pm_error *pm_json_analyze(const struct pm_info *in, const struct pm_analysis *a,
				 const struct pm_analyze_opts *o, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject()), *t = NULL;
	pm_jb_str(&j, root, "schema", "poolmortem.analyze/1");
	struct pm_error *err = pm_json_verdict(&a->verdict, &a->findings, root);
	if (err) {
		cJSON_Delete(root);
		return err;
	}
	err = pm_json_samples(&a->samples, &t);
	part(&j, root, "samples", err, t);
	err = pm_summary_json(&a->sum, &t);
	part(&j, root, "summary", err, t);
	err = pm_json_info(in, in->dmp->src->name, &t);
	part(&j, root, "info", err, t);
	err = vm_json(in, &t);
	part(&j, root, "vm", err, t);
	struct pm_poolused_opts all = { .sort = PM_SORT_TAG, .scan = o->scan, .params = o->params };
	err = pm_json_poolused(in, &all, &t);
	part(&j, root, "poolused", err, t);
	struct pm_bigpool_opts bo = { .params = o->params };
	err = pm_json_bigpool(in, &bo, &t);
	part(&j, root, "bigpool", err, t);
	return pm_jb_done(&j, root, ret);
}

/* ---------------------------------------------------------------- text */

typedef struct pm_error *(*part_fn)(const struct pm_info *, const void *, char **);

static struct pm_error *info_text(const struct pm_info *in, const void *o, char **r)
{
	(void)o;
	return pm_report_info_text(in, in->dmp->src->name, r);
}

static struct pm_error *vm_text(const struct pm_info *in, const void *o, char **r)
{
	(void)o;
	struct pm_vm_view v;
	pm_vm_view_build(in, &v);
	struct pm_error *err = pm_report_vm_text(&v, r);
	pm_vm_view_deinit(&v);
	return err;
}

static struct pm_error *used_text(const struct pm_info *in, const void *o, char **r)
{
	return pm_report_poolused_text(in, o, r);
}

static struct pm_error *big_text(const struct pm_info *in, const void *o, char **r)
{
	return pm_report_bigpool_text(in, o, r);
}

/* The verdict, then each part under its title ("not available: why" when it cannot be). */
static void text_report(struct pm_strbuf *sb, const struct pm_info *in,
			const struct pm_analysis *a, const struct pm_analyze_opts *o)
{
	struct pm_poolused_opts np = { .sort = PM_SORT_NONPAGED, .top = o->top, .params = o->params };
	struct pm_poolused_opts pp = { .sort = PM_SORT_PAGED, .top = o->top, .params = o->params };
	struct pm_bigpool_opts bo = { .params = o->params };
	const struct {
		const char *title;
		part_fn fn;
		const void *opts;
	} parts[] = {
		{ "Dump", info_text, NULL },
		{ "Virtual memory (!vm)", vm_text, NULL },
		{ "Pool usage by nonpaged bytes (!poolused 2)", used_text, &np },
		{ "Pool usage by paged bytes (!poolused 4)", used_text, &pp },
		{ "Big pool allocations", big_text, &bo },
	};
	pm_verdict_text(sb, &a->verdict, &a->findings, o->color);
	pm_sb_printf(sb, "\n");
	if (a->samples.wanted) {
		pm_sb_printf(sb, "\n== Sample allocations of the suspect tag (!poolfind, then db) "
			     "==\n\n");
		pm_samples_text(sb, &a->samples);
	}
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		char *s = NULL;
		struct pm_error *err = parts[i].fn(in, parts[i].opts, &s);
		pm_sb_printf(sb, "\n== %s ==\n\n", parts[i].title);
		if (err) {
			pm_sb_printf(sb, " not available: %s\n", pm_err_msg(err));
			pm_error_destroy(err);
		} else {
			pm_sb_printf(sb, "%s", s);
		}
		free(s);
	}
}

struct pm_error *pm_report_analyze(struct pm_info *in, const struct pm_analyze_opts *o,
				   char **ret, struct pm_verdict *verdict_ret)
{
	struct pm_analysis a;
	PM_TRY(pm_analyze(in, o, &a));
	*verdict_ret = a.verdict;
	struct pm_error *err = NULL;
	struct pm_strbuf sb = { 0 };
	if (o->format == PM_FMT_JSON) {
		cJSON *t;
		if (!(err = pm_json_analyze(in, &a, o, &t))) {
			err = pm_json_print(t, true, ret);
			cJSON_Delete(t);
		}
		pm_analysis_deinit(&a);
		return err;
	}
	/* what the reader of a ticket must see first: the dump does not hold everything */
	const char *coverage = NULL;
	if (a.sum.triage)
		coverage = "a small memory dump: it holds the header, the bugcheck and the module "
			   "names, no pool data";
	else if (!pm_info_incomplete(in, &coverage))
		coverage = NULL;
	if (o->format == PM_FMT_MD)
		pm_verdict_markdown(&sb, &a.sum, &a.verdict, &a.findings, &a.samples, coverage);
	else if (o->format == PM_FMT_HTML)
		pm_verdict_html(&sb, &a.sum, &a.verdict, &a.findings, &a.samples, coverage);
	else
		text_report(&sb, in, &a, o);
	pm_analysis_deinit(&a);
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
