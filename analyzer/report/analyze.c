// SPDX-License-Identifier: MIT
// `analyze`: one report with everything the pool analysis knows about a dump: info, vm,
// poolused (by nonpaged and by paged bytes), bigpool and, with --scan, the pool-page scan.
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "report.h"
#include "strbuf.h"
#include "summary_build.h"
#include "summary_json.h"
#include "verdict_view.h"
#include "vmview.h"

typedef struct pm_error *(*part_fn)(const struct pm_info *, const void *, char **);

static struct pm_error *info_text(const struct pm_info *in, const void *o, char **r)
{
	(void)o;
	return pm_report_info_text(in, in->dmp->src->name, r);
}

static struct pm_error *info_json(const struct pm_info *in, const void *o, char **r)
{
	(void)o;
	return pm_report_info_json(in, in->dmp->src->name, r);
}

static struct pm_error *vm_part(const struct pm_info *in, const void *o, char **r, bool json)
{
	(void)o;
	struct pm_vm_view v;
	pm_vm_view_build(in, &v);
	struct pm_error *err = json ? pm_report_vm_json(&v, r) : pm_report_vm_text(&v, r);
	pm_vm_view_deinit(&v);
	return err;
}

static struct pm_error *vm_text(const struct pm_info *in, const void *o, char **r)
{
	return vm_part(in, o, r, false);
}

static struct pm_error *vm_json(const struct pm_info *in, const void *o, char **r)
{
	return vm_part(in, o, r, true);
}

static struct pm_error *used_text(const struct pm_info *in, const void *o, char **r)
{
	return pm_report_poolused_text(in, o, r);
}

static struct pm_error *used_json(const struct pm_info *in, const void *o, char **r)
{
	return pm_report_poolused_json(in, o, r);
}

static struct pm_error *big_text(const struct pm_info *in, const void *o, char **r)
{
	return pm_report_bigpool_text(in, o, r);
}

static struct pm_error *big_json(const struct pm_info *in, const void *o, char **r)
{
	return pm_report_bigpool_json(in, o, r);
}

struct pm_error *pm_report_analyze(struct pm_info *in, const struct pm_analyze_opts *o,
				   char **ret, struct pm_verdict *verdict_ret)
{
	pm_info_gather_pool(in);
	if (o->scan)
		pm_info_gather_scan(in);
	struct pm_summary sum;
	PM_TRY(pm_summary_build(in, &sum));
	struct pm_findings findings;
	struct pm_verdict verdict;
	pm_rules_evaluate(&sum, o->params, &findings, &verdict);
	*verdict_ret = verdict;
	bool json = o->format == PM_FMT_JSON;
	if (o->format == PM_FMT_MD || o->format == PM_FMT_HTML) {
		struct pm_strbuf sb = { 0 };
		if (o->format == PM_FMT_MD)
			pm_verdict_markdown(&sb, &sum, &verdict, &findings);
		else
			pm_verdict_html(&sb, &sum, &verdict, &findings);
		pm_findings_deinit(&findings);
		pm_summary_deinit(&sum);
		char *s = pm_sb_take(&sb);
		if (!s)
			return &pm_enomem;
		*ret = s;
		return NULL;
	}
	struct pm_poolused_opts np = { PM_SORT_NONPAGED, o->top, NULL, false, false };
	struct pm_poolused_opts pp = { PM_SORT_PAGED, o->top, NULL, false, false };
	struct pm_poolused_opts all = { PM_SORT_TAG, 0, NULL, false, o->scan };
	struct pm_bigpool_opts bo = { false, NULL };
	const struct {
		const char *title, *key;
		part_fn text, json;
		const void *opts;
	} parts[] = {
		{ "Dump", "info", info_text, info_json, NULL },
		{ "Virtual memory (!vm)", "vm", vm_text, vm_json, NULL },
		{ "Pool usage by nonpaged bytes (!poolused 2)", NULL, used_text, NULL, &np },
		{ "Pool usage by paged bytes (!poolused 4)", NULL, used_text, NULL, &pp },
		{ NULL, "poolused", NULL, used_json, &all },
		{ "Big pool allocations", "bigpool", big_text, big_json, &bo },
	};
	struct pm_strbuf sb = { 0 };
	if (json) {
		char *vm = NULL, *sj = NULL;
		struct pm_error *err = pm_verdict_json_members(&verdict, &findings, &vm);
		if (!err)
			err = pm_summary_to_json(&sum, &sj);
		if (err) {
			free(vm);
			pm_findings_deinit(&findings);
			pm_summary_deinit(&sum);
			return err;
		}
		pm_sb_printf(&sb, "{\n\"schema\": \"poolmortem.analyze/1\",%s,\n\"summary\": %s", vm,
			     sj);
		free(vm);
		free(sj);
	} else {
		pm_verdict_text(&sb, &verdict, &findings, o->color);
		pm_sb_printf(&sb, "\n");
	}
	pm_findings_deinit(&findings);
	pm_summary_deinit(&sum);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		part_fn f = json ? parts[i].json : parts[i].text;
		if (!f)
			continue;
		char *s = NULL;
		struct pm_error *err = f(in, parts[i].opts, &s);
		if (json) {
			if (err) {
				pm_error_destroy(err);
				continue;
			}
			pm_sb_printf(&sb, ",\n\"%s\": %s", parts[i].key, s);
		} else {
			pm_sb_printf(&sb, "\n== %s ==\n\n", parts[i].title);
			if (err) {
				pm_sb_printf(&sb, " not available: %s\n", pm_err_msg(err));
				pm_error_destroy(err);
			} else {
				pm_sb_printf(&sb, "%s", s);
			}
		}
		free(s);
	}
	if (json)
		pm_sb_printf(&sb, "\n}");
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
