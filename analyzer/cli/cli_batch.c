// SPDX-License-Identifier: MIT
// batch (the map step) and merge (the reduce step): the records, their summary, CSV and the
// exit code (CLI layer: it prints).
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "batch_record.h"
#include "batch_summary.h"
#include "cli.h"
#include "cli_io.h"
#include "jsonb.h"
#include "strbuf.h"

/* Where the records are: NDJSON files, or text. */
struct lines_src {
	const char *const *files;
	size_t nfiles;
	const char *text;
};

typedef struct pm_error *(*line_fn)(void *ctx, const char *line, size_t len);

/* Every complete line (a half-written last line, as a killed batch leaves, is not). */
static struct pm_error *each_line(const struct lines_src *ls, line_fn fn, void *ctx)
{
	struct pm_error *err = NULL;
	for (const char *l = ls->text; !err && l && *l;) {
		const char *e = strchr(l, '\n');
		if (!e)
			break;
		err = fn(ctx, l, (size_t)(e - l));
		l = e + 1;
	}
	for (size_t i = 0; !err && i < ls->nfiles; i++) {
		FILE *f = fopen(ls->files[i], "rb");
		if (!f)
			return pm_err_os(errno, "%s", ls->files[i]);
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while (!err && (n = getline(&line, &cap, f)) > 0 && line[n - 1] == '\n')
			err = fn(ctx, line, (size_t)n - 1);
		if (!err && ferror(f))
			err = pm_err_os(errno, "%s", ls->files[i]);
		free(line);
		fclose(f);
	}
	return err;
}

static struct pm_error *sum_line(void *ctx, const char *line, size_t len)
{
	return pm_batch_summary_add(ctx, line, len);
}

static struct pm_error *summarize(const struct lines_src *ls, struct pm_batch_summary *s)
{
	pm_batch_summary_init(s);
	struct pm_error *err = each_line(ls, sum_line, s);
	if (!err)
		err = pm_batch_summary_finish(s);
	if (err)
		pm_batch_summary_deinit(s);
	return err;
}

/* CSV: the summary's records (one per input), in its order, each line parsed again. */
struct csv_ctx {
	const struct pm_batch_summary *s;
	size_t *by_seq, seq;
	char **rows;
};

static struct pm_error *csv_line(void *ctx, const char *line, size_t len)
{
	struct csv_ctx *c = ctx;
	cJSON *o = cJSON_ParseWithLength(line, len);
	if (!o || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "path"))) {
		cJSON_Delete(o);
		return NULL; /* the summary skipped it too */
	}
	size_t i = c->seq < c->s->nrecs ? c->by_seq[c->seq++] : SIZE_MAX;
	if (i != SIZE_MAX && !c->s->recs[i].dead) {
		size_t d = c->s->recs[i].dup_of;
		struct pm_strbuf sb = { 0 };
		pm_batch_csv_row(o, d != SIZE_MAX ? c->s->recs[d].path : NULL, &sb);
		c->rows[i] = pm_sb_take(&sb);
	}
	cJSON_Delete(o);
	return NULL;
}

static struct pm_error *write_csv(const struct lines_src *ls, const struct pm_batch_summary *s,
				  FILE *f)
{
	struct csv_ctx c = { s, calloc(s->nrecs + 1, sizeof(size_t)), 0,
			     calloc(s->nrecs + 1, sizeof(char *)) };
	struct pm_error *err = c.by_seq && c.rows ? NULL : &pm_enomem;
	for (size_t i = 0; !err && i < s->nrecs; i++)
		c.by_seq[s->recs[i].seq] = i;
	if (!err)
		err = each_line(ls, csv_line, &c);
	struct pm_strbuf sb = { 0 };
	pm_batch_csv_header(&sb);
	if (sb.s)
		fputs(sb.s, f);
	pm_sb_free(&sb);
	for (size_t i = 0; c.rows && i < s->nrecs; i++) {
		if (c.rows[i])
			fputs(c.rows[i], f);
		free(c.rows[i]);
	}
	free(c.rows);
	free(c.by_seq);
	return err;
}

/* The summary: text on @p tout (or CSV there, the text then on stderr), JSON to --summary
 * FILE; *have tells whether it could be made (then the caller deinits @p sum). */
static void report(const struct lines_src *ls, const struct pm_cli_args *a, FILE *tout,
		   struct pm_batch_summary *sum, bool *have)
{
	struct pm_error *err = summarize(ls, sum);
	*have = !err;
	char *text = NULL, *json = NULL;
	cJSON *jt = NULL;
	if (!err && !(err = pm_batch_summary_json(sum, &jt))) {
		err = pm_json_print(jt, true, &json);
		cJSON_Delete(jt);
	}
	if (!err && !a->json)
		err = pm_batch_summary_text(sum, &text);
	if (!err && a->csv)
		err = write_csv(ls, sum, tout);
	if (err) {
		fprintf(stderr, "poolmortem: summary: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
	}
	if (a->json && json) { /* merge --json */
		fputs(json, tout);
		fputc('\n', tout);
	} else if (text) {
		fputs(text, a->csv ? stderr : tout);
	}
	if (a->summary && json) {
		FILE *f = fopen(a->summary, "w");
		if (!f || fputs(json, f) < 0)
			fprintf(stderr, "poolmortem: error: %s: %s\n", a->summary, strerror(errno));
		if (f)
			fclose(f);
	}
	free(text);
	free(json);
}

/* 1 with findings, else 4 when an input could not be analyzed, else 0. */
static int exit_code(const struct pm_batch_summary *s, bool have)
{
	if (have && s->unhealthy)
		return PM_EXIT_FINDING;
	return !have || s->errors ? PM_EXIT_INCOMPLETE : PM_EXIT_OK;
}

static void run_line(FILE *f, const struct pm_batch_stats *st)
{
	fprintf(f, "  %zu inputs with a record (%zu other files in folders are not dumps), %zu "
		"analyzed now, %zu errors, %zu skipped, %zu already done; %.1f s wall, %.1f s CPU "
		"over %u workers (%.0f%% of %u cores)\n", st->candidates, st->others, st->analyzed,
		st->errors, st->skipped, st->skipped_resume, st->wall_s, st->cpu_s, st->jobs,
		st->wall_s > 0 ? 100.0 * st->cpu_s / (st->wall_s * (double)(st->jobs ? st->jobs : 1))
			       : 0, st->jobs);
}

static int batch_opts(const struct pm_cli_args *a, struct pm_batch_opts *bo)
{
	memset(bo, 0, sizeof(*bo));
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);
	bo->jobs = a->has_jobs ? a->jobs : nproc > 0 ? (unsigned)nproc : 1;
	bo->timeout_s = a->has_timeout ? a->timeout_s : 600;
	bo->max_mem_mb = a->has_max_mem ? a->max_mem_mb : 8192;
	bo->progress = isatty(STDERR_FILENO) && !a->no_progress;
	bo->output = a->output;
	bo->rows = a->csv ? 2 : isatty(STDOUT_FILENO) ? 1 : 0;
	bo->resume = a->resume;
	bo->shard_i = a->shard_i;
	bo->shard_n = a->shard_n;
	bo->scan = a->scan;
	bo->full_hash = a->full_hash;
	bo->info = a->info;
	bo->paths = (const char *const *)a->pos;
	bo->npaths = (size_t)a->npos;
	if (bo->resume && !bo->output) {
		fprintf(stderr, "poolmortem: --resume needs --output FILE\n");
		return PM_EXIT_USAGE;
	}
	return -1;
}

int pm_cmd_batch(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	struct pm_batch_opts bo;
	int rc = batch_opts(a, &bo);
	if (rc >= 0)
		return rc;
	struct pm_rule_params params;
	struct pm_error *err = pm_cli_load_params(&params, a->rules, a->pooltag);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_USAGE;
	}
	struct pm_batch_stats st;
	pm_batch_run(&bo, &params, &st);
	pm_rule_params_deinit(&params);
	if (st.failed_setup) {
		free(st.stdout_lines);
		return PM_EXIT_UNREADABLE;
	}
	/* the summary covers the whole output file (earlier runs included) */
	struct lines_src ls = { bo.output ? &bo.output : NULL, bo.output ? 1 : 0,
				bo.output ? NULL : st.stdout_lines ? st.stdout_lines : "" };
	FILE *tout = bo.output || bo.rows ? stdout : stderr;
	struct pm_batch_summary sum;
	bool have;
	struct pm_cli_args a2 = *a;
	a2.json = false; /* batch's summary is text; JSON goes to --summary FILE */
	report(&ls, &a2, tout, &sum, &have);
	run_line(a->csv ? stderr : tout, &st);
	if (a->trend) {
		char *all = NULL;
		if (bo.output && (err = pm_cli_read_file(bo.output, SIZE_MAX / 2, &all, NULL))) {
			fprintf(stderr, "poolmortem: batch: trend: %s\n", pm_err_msg(err));
			pm_error_destroy(err);
		}
		char *t = pm_cli_trend_of_lines(bo.output ? all : st.stdout_lines);
		if (t)
			fprintf(a->csv ? stderr : tout, "\nTrend by machine:\n%s", t);
		free(t);
		free(all);
	}
	rc = exit_code(&sum, have);
	if (have && !sum.total && !st.candidates) {
		fprintf(stderr, "poolmortem: batch: no dumps found under the given paths (%zu other "
			"files)\n", st.others);
		rc = PM_EXIT_UNREADABLE;
	}
	if (st.missing) { /* a path named on the command line does not exist */
		fprintf(stderr, "poolmortem: batch: %zu path(s) named on the command line do not "
			"exist (see their records)\n", st.missing);
		rc = PM_EXIT_USAGE;
	}
	if (have)
		pm_batch_summary_deinit(&sum);
	free(st.stdout_lines);
	return rc;
}

/* merge NDJSON... : the reduce step of sharded batches */
int pm_cmd_merge(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	if (a->json && a->csv) {
		fprintf(stderr, "poolmortem: --json and --csv exclude each other\n");
		return PM_EXIT_USAGE;
	}
	for (int i = 0; i < a->npos; i++)
		if (access(a->pos[i], R_OK)) {
			fprintf(stderr, "poolmortem: error: %s: %s\n", a->pos[i], strerror(errno));
			return PM_EXIT_UNREADABLE;
		}
	struct lines_src ls = { (const char *const *)a->pos, (size_t)a->npos, NULL };
	struct pm_batch_summary sum;
	bool have;
	report(&ls, a, stdout, &sum, &have);
	int rc = exit_code(&sum, have);
	if (have)
		pm_batch_summary_deinit(&sum);
	return rc;
}
