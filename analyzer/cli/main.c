// SPDX-License-Identifier: MIT
// The poolmortem command line: the only place that prints. main() finds the command in the
// table (cli_cmds.c); the handlers of the one-dump commands are here.
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonb.h"
#include "strbuf.h"
#include "summary_build.h"
#include "summary_json.h"
#include "verdict_view.h"

#include "analyze.h"
#include "cli.h"
#include "cli_io.h"
#include "info.h"
#include "poolview.h"
#include "report.h"
#include "vmview.h"

#ifndef PM_VERSION
#define PM_VERSION "0.0.0"
#endif

int pm_cli_fail(const char *path, struct pm_error *err)
{
	fprintf(stderr, "poolmortem: error: %s: %s\n", path, pm_err_msg(err));
	pm_error_destroy(err);
	return PM_EXIT_UNREADABLE;
}

struct pm_error *pm_cli_print_json(struct pm_error *err, cJSON *t)
{
	char *out = NULL;
	if (!err) {
		err = pm_json_print(t, true, &out);
		cJSON_Delete(t);
	}
	if (!err) {
		fputs(out, stdout);
		fputc('\n', stdout);
		free(out);
	}
	return err;
}

struct pm_error *pm_cli_print_text(struct pm_error *err, char *out)
{
	if (!err && out)
		fputs(out, stdout);
	free(out);
	return err;
}

int pm_cli_incomplete(const char *path, const char *why)
{
	fflush(stdout);
	fprintf(stderr, "poolmortem: incomplete: %s: %s\n", path, why);
	return PM_EXIT_INCOMPLETE;
}

int pm_cmd_info(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	const char *path = a->pos[0];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &a->info, &in);
	if (err)
		return pm_cli_fail(path, err);
	char *out = NULL;
	cJSON *t = NULL;
	if (a->json) {
		err = pm_json_info(in, path, &t);
		err = pm_cli_print_json(err, t);
	} else {
		err = pm_report_info_text(in, path, &out);
		err = pm_cli_print_text(err, out);
	}
	const char *why;
	int rc = err ? pm_cli_fail(path, err)
		 : pm_info_incomplete(in, &why) ? pm_cli_incomplete(path, why) : PM_EXIT_OK;
	pm_info_destroy(in);
	return rc;
}

enum { PM_MAX_READ = 1 << 20 };

/* WinDbg's db layout: address, 16 bytes in hex, the printable ones */
static void print_db(const uint8_t *buf, uint64_t addr, uint64_t len, bool is64)
{
	for (uint64_t i = 0; i < len; i += 16) {
		printf("%0*" PRIx64 " ", is64 ? 16 : 8, addr + i);
		for (uint64_t k = i; k < i + 16 && k < len; k++)
			printf("%c%02x", k == i + 8 ? '-' : ' ', buf[k]);
		printf("%*s  ", (int)(3 * (i + 16 > len ? i + 16 - len : 0)), "");
		for (uint64_t k = i; k < i + 16 && k < len; k++)
			putchar(buf[k] >= 0x20 && buf[k] < 0x7F ? buf[k] : '.');
		putchar('\n');
	}
}

int pm_cmd_read(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	uint64_t addr, len;
	if (a->npos != 3 || !pm_cli_parse_u64(a->pos[1], &addr) ||
	    !pm_cli_parse_u64(a->pos[2], &len) || len == 0 || len > PM_MAX_READ) {
		fprintf(stderr, "poolmortem: usage: read DUMP ADDR LEN [--phys] [--json] "
				"(LEN from 1 to %d)\n", PM_MAX_READ);
		return PM_EXIT_USAGE;
	}
	const char *path = a->pos[0];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &a->info, &in);
	if (err)
		return pm_cli_fail(path, err);
	uint8_t *buf = malloc(len);
	const char *absent = NULL;
	err = buf ? pm_info_read(in, a->phys, addr, buf, len, &absent) : &pm_enomem;
	if (a->json) {
		cJSON *t = NULL;
		struct pm_error *perr = pm_json_read(a->phys, addr, len, err ? NULL : buf, absent, &t);
		perr = pm_cli_print_json(perr, t);
		if (perr && !err)
			err = perr;
		else
			pm_error_destroy(perr);
	} else if (!err) {
		print_db(buf, addr, len, in->k->is64);
	}
	int rc = PM_EXIT_OK;
	if (err) {
		fflush(stdout);
		fprintf(stderr, "poolmortem: %s: %s\n", path, pm_err_msg(err));
		pm_error_destroy(err);
		rc = PM_EXIT_INCOMPLETE;
	}
	free(buf);
	pm_info_destroy(in);
	return rc;
}

struct pm_error *pm_cli_load_params(struct pm_rule_params *p, const char *rules,
				    const char *pooltag)
{
	PM_TRY(pm_rule_params_init(p));
	struct pm_error *err = NULL;
	if (pooltag)
		err = pm_rule_params_merge_pooltag(p, pooltag);
	if (!err && rules)
		err = pm_rule_params_merge_file(p, rules);
	if (err)
		pm_rule_params_deinit(p);
	return err;
}

/* Exit code for a verdict (documented in --help): bits 1 at risk, 4 incomplete, 8
 * inconclusive (rules.h, pm_verdict_exit_code()). */
static int verdict_rc(const struct pm_verdict *v)
{
	return pm_verdict_exit_code(v);
}

/* `summary`: the rules' input, as JSON text */
static struct pm_error *summary_text(struct pm_info *in, char **ret)
{
	pm_info_gather_pool(in);
	struct pm_summary sum;
	PM_TRY(pm_summary_build(in, &sum));
	cJSON *t = NULL;
	struct pm_error *err = pm_summary_json(&sum, &t);
	pm_summary_deinit(&sum);
	if (!err) {
		err = pm_json_print(t, true, ret);
		cJSON_Delete(t);
	}
	return err;
}

/* analyze (and summary, which writes the rules' input instead of a report) */
static int analyze_cmd(const struct pm_cli_args *a, bool summary_only)
{
	struct pm_analyze_opts ao = { a->scan, a->has_top ? a->top : 20, a->format, false, NULL };
	ao.color = !strcmp(a->color, "always") ||
		   (!strcmp(a->color, "auto") && isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));
	const char *path = a->pos[0];
	struct pm_rule_params params;
	struct pm_error *err = pm_cli_load_params(&params, a->rules, a->pooltag);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_USAGE;
	}
	ao.params = &params;
	struct pm_info *in;
	err = pm_info_gather(path, &a->info, &in);
	if (err) {
		pm_rule_params_deinit(&params);
		return pm_cli_fail(path, err);
	}
	char *out = NULL;
	struct pm_verdict verdict;
	memset(&verdict, 0, sizeof(verdict));
	err = summary_only ? summary_text(in, &out) : pm_report_analyze(in, &ao, &out, &verdict);
	pm_rule_params_deinit(&params);
	if (err) {
		pm_info_destroy(in);
		return pm_cli_fail(path, err);
	}
	fputs(out, stdout);
	if (out[0] && out[strlen(out) - 1] != '\n')
		fputc('\n', stdout);
	free(out);
	int rc = summary_only ? PM_EXIT_OK : verdict_rc(&verdict);
	const char *why;
	if (pm_info_incomplete(in, &why))
		rc |= pm_cli_incomplete(path, why); /* the stderr line; bit 4 */
	pm_info_destroy(in);
	return rc;
}

int pm_cmd_analyze(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	return analyze_cmd(a, false);
}

int pm_cmd_summary(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	return analyze_cmd(a, true);
}

/* A saved summary is read whole, up to this size (one with the limits' 2^20 tags is ~200 MiB
 * pretty-printed; 64 MiB covers every real kernel's tracker). */
enum { PM_MAX_SUMMARY_FILE = 64 << 20 };

/* The rules' report on a summary: text, or JSON (schema poolmortem.rules/1). */
static struct pm_error *rules_report(const struct pm_verdict *v, const struct pm_findings *f,
				     bool json)
{
	if (!json) {
		struct pm_strbuf sb = { 0 };
		pm_verdict_text(&sb, v, f, false);
		char *out = pm_sb_take(&sb);
		return pm_cli_print_text(out ? NULL : &pm_enomem, out);
	}
	struct pm_jb j = { false };
	cJSON *t = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, t, "schema", "poolmortem.rules/1");
	struct pm_error *err = pm_jb_done(&j, t, &t);
	if (!err && (err = pm_json_verdict(v, f, t)))
		cJSON_Delete(t);
	return pm_cli_print_json(err, t);
}

/* rules SUMMARY.json: run the rules on a saved summary (no dump needed) */
int pm_cmd_rules(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	const char *path = a->pos[0];
	char *text;
	struct pm_error *err = pm_cli_read_file(path, PM_MAX_SUMMARY_FILE, &text, NULL);
	struct pm_summary sum;
	if (!err) {
		err = pm_summary_from_json(text, path, &sum);
		free(text);
	}
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	struct pm_rule_params params;
	if ((err = pm_cli_load_params(&params, a->rules, a->pooltag))) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		pm_summary_deinit(&sum);
		return PM_EXIT_USAGE;
	}
	struct pm_findings findings;
	struct pm_verdict verdict;
	pm_rules_evaluate(&sum, &params, &findings, &verdict);
	err = rules_report(&verdict, &findings, a->json);
	pm_findings_deinit(&findings);
	pm_rule_params_deinit(&params);
	pm_summary_deinit(&sum);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	return verdict_rc(&verdict);
}

/* symbols [--json] DUMP */
int pm_cmd_symbols(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	const char *path = a->pos[0];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &a->info, &in);
	if (err)
		return pm_cli_fail(path, err);
	pm_info_gather_pool(in);
	char *out = NULL;
	cJSON *t = NULL;
	err = a->json ? pm_json_symbols(in, path, &t) : pm_report_symbols_text(in, path, &out);
	int rc = in->sym.found ? PM_EXIT_OK : PM_EXIT_INCOMPLETE;
	if (!err && !in->sym.found && !a->json)
		fprintf(stderr, "poolmortem: incomplete: %s: %s\n", path,
			in->sym.requested ? in->sym.absent
					  : "no symbol path: give --symbols PATH or set _NT_SYMBOL_PATH");
	pm_info_destroy(in);
	err = a->json ? pm_cli_print_json(err, t) : pm_cli_print_text(err, out);
	return err ? pm_cli_fail(path, err) : rc;
}

/* --symbols PATH (or _NT_SYMBOL_PATH) applies to every command that reads a dump: taken out
 * of argv here; returns the new argc. */
static int take_symbols(int argc, char **argv, const char **symbols)
{
	int k = 2;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--symbols") && i + 1 < argc)
			*symbols = argv[++i];
		else if (!strncmp(argv[i], "--symbols=", 10))
			*symbols = argv[i] + 10;
		else
			argv[k++] = argv[i];
	}
	argv[k] = NULL;
	return k;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		pm_cli_usage(stderr);
		return PM_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "-h") || !strcmp(name, "--help") || !strcmp(name, "help")) {
		pm_cli_usage(stdout);
		return PM_EXIT_OK;
	}
	if (!strcmp(name, "--version")) {
		printf("poolmortem %s\n", PM_VERSION);
		return PM_EXIT_OK;
	}
	if (!strcmp(name, "--man")) {
		pm_cli_man(stdout);
		return PM_EXIT_OK;
	}
	if (!strcmp(name, "--completion")) {
		if (argc == 3 && pm_cli_completion(stdout, argv[2]))
			return PM_EXIT_OK;
		fprintf(stderr, "poolmortem: --completion takes bash or zsh\n");
		return PM_EXIT_USAGE;
	}
	const struct pm_cli_cmd *cmd = pm_cli_find(name);
	if (!cmd) {
		const struct pm_cli_cmd *near = pm_cli_nearest(name);
		if (near)
			fprintf(stderr, "poolmortem: unknown command '%s'; did you mean '%s'?\n", name,
				near->name);
		else
			fprintf(stderr, "poolmortem: unknown command '%s'\n", name);
		fprintf(stderr, "poolmortem: 'poolmortem --help' lists the commands\n");
		return PM_EXIT_USAGE;
	}
	const char *symbols = NULL;
	argc = take_symbols(argc, argv, &symbols);
	struct pm_cli_args a;
	int rc = pm_cli_parse(cmd, argc - 1, argv + 1, &a);
	a.info.symbol_path = symbols ? symbols : getenv("_NT_SYMBOL_PATH");
	if (rc < 0)
		rc = pm_cli_check_dump_args(cmd, &a);
	return rc >= 0 ? rc : cmd->run(cmd, &a);
}
