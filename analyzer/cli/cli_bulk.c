// SPDX-License-Identifier: MIT
// trend over many dumps or batch records (CLI layer: it prints); batch is cli_batch.c.
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "cli_io.h"
#include "jsonb.h"
#include "cli.h"
#include "info.h"
#include "report.h"
#include "strbuf.h"
#include "trend.h"

/* Parse NDJSON @p text into reports (error lines skipped) appended to *docs; stops at
 * PM_CLI_MAX_TREND_DOCS. */
enum { PM_CLI_MAX_TREND_DOCS = 100000 };

/* Append report @p d (taken over; dropped past the limit) to *docs. */
static struct pm_error *add_doc(cJSON *d, cJSON ***docs, size_t *n, size_t *cap)
{
	if (*n >= PM_CLI_MAX_TREND_DOCS) {
		cJSON_Delete(d);
		return NULL;
	}
	if (*n == *cap) {
		size_t c2 = *cap ? *cap * 2 : 16;
		cJSON **d2 = realloc(*docs, c2 * sizeof(*d2));
		if (!d2) {
			cJSON_Delete(d);
			return &pm_enomem;
		}
		*docs = d2;
		*cap = c2;
	}
	(*docs)[(*n)++] = d;
	return NULL;
}

static void add_docs(const char *text, cJSON ***docs, size_t *n, size_t *cap)
{
	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		size_t len = e ? (size_t)(e - l) : strlen(l);
		cJSON *d = cJSON_ParseWithLength(l, len);
		l = e ? e + 1 : NULL;
		if (!d || cJSON_GetObjectItemCaseSensitive(d, "error")) {
			cJSON_Delete(d);
			continue;
		}
		if (add_doc(d, docs, n, cap))
			break;
	}
}

/* A dump's analyze report, with its path, as trend reads batch records. */
static struct pm_error *trend_doc(struct pm_info *in, const char *path,
				  const struct pm_rule_params *params, cJSON **ret)
{
	struct pm_analyze_opts ao = { false, 20, PM_FMT_JSON, false, params };
	struct pm_analysis a;
	PM_TRY(pm_analyze(in, &ao, &a));
	cJSON *d = NULL;
	struct pm_error *err = pm_json_analyze(in, &a, &ao, &d);
	pm_analysis_deinit(&a);
	if (err)
		return err;
	struct pm_jb j = { false };
	pm_jb_str(&j, d, "path", path);
	return pm_jb_done(&j, d, ret);
}

static void free_docs(cJSON **docs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	free(docs);
}

char *pm_cli_trend_of_lines(const char *text)
{
	cJSON **docs = NULL;
	size_t n = 0, cap = 0;
	add_docs(text, &docs, &n, &cap);
	char *out = NULL;
	struct pm_error *err = pm_trend_report((const cJSON *const *)docs, n, false, 10, false, &out);
	pm_error_destroy(err);
	free_docs(docs, n);
	return out;
}

/* trend DUMP... (or NDJSON files from batch) */
int pm_cmd_trend(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	bool json = a->json, one = a->one_machine;
	size_t top = a->has_top ? a->top : 10;
	struct pm_rule_params params;
	struct pm_error *err = pm_cli_load_params(&params, NULL, NULL);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	cJSON **docs = NULL;
	size_t n = 0, cap = 0;
	int rc = PM_EXIT_OK;
	for (int i = 0; i < a->npos; i++) {
		const char *path = a->pos[i];
		FILE *f = fopen(path, "rb");
		int first = f ? fgetc(f) : EOF;
		if (f)
			fclose(f);
		char *text = NULL;
		struct pm_info *in = NULL;
		if (first == '{') { /* a batch's NDJSON */
			if (!(err = pm_cli_read_file(path, SIZE_MAX / 2, &text, NULL)))
				add_docs(text, &docs, &n, &cap);
			free(text);
		} else if (!(err = pm_info_gather(path, &a->info, &in))) {
			cJSON *d = NULL;
			err = trend_doc(in, path, &params, &d);
			pm_info_destroy(in);
			if (!err)
				err = add_doc(d, &docs, &n, &cap);
		}
		if (err) {
			fprintf(stderr, "poolmortem: error: %s: %s\n", path, pm_err_msg(err));
			pm_error_destroy(err);
			rc = PM_EXIT_INCOMPLETE;
		}
	}
	pm_rule_params_deinit(&params);
	char *out = NULL;
	err = pm_trend_report((const cJSON *const *)docs, n, one, top, json, &out);
	free_docs(docs, n);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	fputs(out, stdout);
	if (json)
		fputc('\n', stdout);
	free(out);
	return rc;
}
