// SPDX-License-Identifier: MIT
// poolused, bigpool and vm: one dump's pool bookkeeping as WinDbg's !poolused, !poolused's
// big-page counterpart and !vm show it (text, JSON or CSV). poolused also takes !poolused's
// own arguments after the dump: FLAGS (1 verbose, 2 sort by nonpaged, 4 by paged, 8 the
// session pool) and a TAG pattern.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "csv.h"
#include "report.h"
#include "vmview.h"

/*
 * The exit code of poolused, bigpool and vm: 4 when what the command shows is missing, when
 * an asked-for scan could not be done or when the dump itself is incomplete (as info and
 * analyze say); one stderr line names the first of these (the most specific).
 */
static int pool_incomplete(const char *path, const struct pm_info *in, bool missing,
			   const char *what, const char *why, bool scan)
{
	char msg[700];
	const char *inc;
	if (missing)
		snprintf(msg, sizeof(msg), "%s not available: %s", what, why);
	else if (scan && !in->pool.has_scan)
		snprintf(msg, sizeof(msg), "pool scan not available: %s",
			 pm_absence_detail(&in->pool.scan_absent));
	else if (scan && in->pool.scan.undecoded)
		snprintf(msg, sizeof(msg), "segment-heap walk: %" PRIu64 " subsegments or segment "
			 "lists did not decode; their chunks are not counted",
			 in->pool.scan.undecoded);
	else if (pm_info_incomplete(in, &inc))
		snprintf(msg, sizeof(msg), "%s", inc);
	else
		return PM_EXIT_OK;
	return pm_cli_incomplete(path, msg);
}

enum pool_view { VIEW_POOLUSED, VIEW_BIGPOOL, VIEW_VM };

/* What a pool command shows: the options, with poolused's !poolused arguments applied. */
struct pool_args {
	const char *dump;
	enum pm_pool_sort sort;
	const char *tag;
	bool verbose, session_only;
	const struct pm_rule_params *params;
};

static int pool_run(const struct pm_cli_args *a, const struct pool_args *pa,
		    enum pool_view view);

/* The report of one view, printed; *have whether what it shows is there. */
static struct pm_error *pool_report(const struct pm_info *in, enum pool_view view,
				    const struct pm_cli_args *a, const struct pool_args *pa,
				    bool *have)
{
	struct pm_poolused_opts uo = { pa->sort, a->top, pa->tag, pa->verbose, a->scan,
				       pa->params, pa->session_only };
	struct pm_bigpool_opts bo = { a->all, a->tag, pa->params };
	char *out = NULL;
	cJSON *t = NULL;
	struct pm_error *err = NULL;
	*have = view == VIEW_VM ? in->k->has_kdbg : view == VIEW_BIGPOOL ? in->pool.has_big
								      : in->pool.has_track;
	if (view == VIEW_VM) {
		struct pm_vm_view v;
		pm_vm_view_build(in, &v);
		err = a->json ? pm_json_vm(&v, &t) : pm_report_vm_text(&v, &out);
		pm_vm_view_deinit(&v);
	} else if (a->json) {
		err = view == VIEW_BIGPOOL ? pm_json_bigpool(in, &bo, &t) : pm_json_poolused(in, &uo, &t);
	} else if (a->csv && *have) {
		err = view == VIEW_BIGPOOL ? pm_csv_bigpool(in, &bo, &out) : pm_csv_poolused(in, &uo, &out);
	} else if (*have) {
		err = view == VIEW_BIGPOOL ? pm_report_bigpool_text(in, &bo, &out)
					   : pm_report_poolused_text(in, &uo, &out);
	}
	return a->json ? pm_cli_print_json(err, t) : pm_cli_print_text(err, out);
}

/* poolused, bigpool and vm share their gathering and their error handling. */
static int pool_cmd(const struct pm_cli_args *a, struct pool_args *pa, enum pool_view view)
{
	struct pm_rule_params params;
	if (view != VIEW_VM) {
		struct pm_error *perr = pm_cli_load_params(&params, NULL, a->pooltag);
		if (perr) {
			fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(perr));
			pm_error_destroy(perr);
			return PM_EXIT_USAGE;
		}
		pa->params = &params;
	}
	int rc = pool_run(a, pa, view);
	if (pa->params)
		pm_rule_params_deinit(&params);
	return rc;
}

static int pool_run(const struct pm_cli_args *a, const struct pool_args *pa, enum pool_view view)
{
	const char *path = pa->dump;
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &a->info, &in);
	if (err)
		return pm_cli_fail(path, err);
	pm_info_gather_pool(in);
	bool scan = view == VIEW_POOLUSED && a->scan, have;
	if (scan)
		pm_info_gather_scan(in);
	err = pool_report(in, view, a, pa, &have);
	if (err) {
		pm_info_destroy(in);
		return pm_cli_fail(path, err);
	}
	if (view == VIEW_VM && !a->json)
		pm_cli_vm_processes(in);
	int rc = view == VIEW_VM
			 ? pool_incomplete(path, in, !have, "KDBG",
					   pm_absence_detail(&in->k->kdbg_absent), false)
		 : view == VIEW_BIGPOOL
			 ? pool_incomplete(path, in, !have, "big-page table",
					   pm_absence_detail(&in->pool.big_absent), false)
			 : pool_incomplete(path, in, !have, "pool tag tracker",
					   pm_absence_detail(&in->pool.track_absent), scan);
	pm_info_destroy(in);
	return rc;
}

static bool is_flags(const char *s, uint64_t *v)
{
	return pm_cli_parse_u64(s, v) && *v <= 0xF;
}

/* poolused DUMP [FLAGS [TAG]] (or, as in WinDbg, FLAGS [TAG] before the dump: FLAGS is taken
 * for flags only when no file of that name exists). */
static int poolused_args(const struct pm_cli_args *a, struct pool_args *pa)
{
	const char *fl = NULL, *tag = NULL;
	uint64_t v = 0;
	if (a->npos >= 2 && is_flags(a->pos[0], &v) && access(a->pos[0], F_OK) != 0) {
		fl = a->pos[0];
		pa->dump = a->pos[1];
		tag = a->npos > 2 ? a->pos[2] : NULL;
	} else {
		pa->dump = a->pos[0];
		fl = a->npos > 1 ? a->pos[1] : NULL;
		tag = a->npos > 2 ? a->pos[2] : NULL;
	}
	if (fl && !is_flags(fl, &v)) {
		fprintf(stderr, "poolmortem: poolused: FLAGS '%s' is not !poolused's flags (0 to 0xF: "
			"1 verbose, 2 sort by nonpaged, 4 by paged, 8 session pool)\n", fl);
		return PM_EXIT_USAGE;
	}
	if ((v & 6) == 6) {
		fprintf(stderr, "poolmortem: poolused: FLAGS 2 (sort by nonpaged) and 4 (by paged) "
			"exclude each other, as in !poolused\n");
		return PM_EXIT_USAGE;
	}
	if (tag && (a->tag || strlen(tag) > 64)) {
		fprintf(stderr, "poolmortem: poolused: %s\n", a->tag ? "give the TAG pattern once "
			"(--tag or after FLAGS)" : "TAG pattern too long");
		return PM_EXIT_USAGE;
	}
	pa->tag = tag ? tag : a->tag;
	pa->verbose = a->verbose || (v & 1);
	pa->sort = v & 2 ? PM_SORT_NONPAGED : v & 4 ? PM_SORT_PAGED : a->sort;
	pa->session_only = v & 8;
	return -1;
}

int pm_cmd_poolused(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	struct pool_args pa = { 0 };
	int rc = poolused_args(a, &pa);
	return rc >= 0 ? rc : pool_cmd(a, &pa, VIEW_POOLUSED);
}

int pm_cmd_bigpool(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	struct pool_args pa = { a->pos[0], a->sort, a->tag, a->verbose, false, NULL };
	return pool_cmd(a, &pa, VIEW_BIGPOOL);
}

int pm_cmd_vm(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	struct pool_args pa = { a->pos[0], a->sort, a->tag, a->verbose, false, NULL };
	return pool_cmd(a, &pa, VIEW_VM);
}
