// SPDX-License-Identifier: MIT
// The poolmortem command line: the only place that prints.
#include <errno.h>
#include <getopt.h>
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
#include "vmview.h"
#include "report.h"

#ifndef PM_VERSION
#define PM_VERSION "0.0.0"
#endif


const char pm_cli_usage[] =
	"usage: poolmortem COMMAND [OPTIONS] DUMP\n"
	"\n"
	"Offline analysis of Windows kernel crash dumps (MEMORY.DMP, minidumps).\n"
	"\n"
	"commands:\n"
	"  info DUMP        container, Windows build, bugcheck, memory coverage, kernel\n"
	"                   identity (PDB GUID/age), KDBG and the loaded-module list\n"
	"  poolused DUMP    per-tag pool usage from the tag tracker, summed over every\n"
	"                   processor's table (what WinDbg's !poolused shows)\n"
	"                   --sort tag|nonpaged|paged|allocs, --top N, --tag PATTERN\n"
	"                   (* and ?), --verbose (cumulative allocs/frees, idle tags),\n"
	"                   --scan (also walk the pool pages and cross-check the tracker;\n"
	"                   19H1+: the segment heap, needs --symbols)\n"
	"  bigpool DUMP     every big allocation in the big-page table (address, tag, pool,\n"
	"                   bytes) and per-tag totals; --all adds freed slots, --tag PATTERN\n"
	"  analyze DUMP     the verdict (exhausted resource, leaking tags, owning drivers,\n"
	"                   next steps) and everything below in one report\n"
	"                   --format text|json|md|html (--json), --scan, --top N,\n"
	"                   --rules FILE (override thresholds/knowledge), --pooltag FILE,\n"
	"                   --color auto|always|never\n"
	"  batch PATH...    every dump under PATHs (dumps, folders, .gz, .zip) analyzed in\n"
	"                   parallel isolated workers; one JSON line per dump (--output FILE,\n"
	"                   else stdout), then a summary (buckets, duplicates, top tags)\n"
	"                   --jobs N, --resume, --shard I/N, --timeout S, --max-mem MiB,\n"
	"                   --summary FILE (JSON), --trend, --scan, --rules, --pooltag,\n"
	"                   --no-progress\n"
	"  trend DUMP...    several dumps of one machine (or batch NDJSON files): which tags\n"
	"                   grew and how fast per hour, fastest first; --one-machine forces\n"
	"                   one group, --top N, --json\n"
	"  summary DUMP     the analysis summary the rules read, as JSON\n"
	"  rules SUMMARY.json  run the rules on a saved summary (--json, --rules, --pooltag)\n"
	"  vm DUMP          what WinDbg's !vm shows, as far as the dump allows without\n"
	"                   symbols: memory, pool usage and maxima, commit; each line names\n"
	"                   its source or why it is missing\n"
	"  symbols DUMP     the kernel's symbol file: the identity its image asks for, every\n"
	"                   place looked at (and why a file was refused), what was used\n"
	"  dt SYMFILE TYPE  a type's layout from a PDB or ISF file, as WinDbg's dt shows it\n"
	"  x SYMFILE NAME...  symbols' RVAs from a PDB or ISF file\n"
	"  read DUMP ADDR LEN [--phys]\n"
	"                   bytes of kernel virtual (or, with --phys, physical) memory,\n"
	"                   like WinDbg's db/!db; an absent page is named with its reason\n"
	"\n"
	"options:\n"
	"  --json           write JSON (schema " PM_INFO_SCHEMA ") instead of text\n"
	"  --symbols PATH   the kernel's PDB or Volatility ISF: a file, a directory (symbol\n"
	"                   store, flat, ISF tree or windows.zip pack) or WinDbg's syntax\n"
	"                   (srv*DIR*URL;cache*DIR;DIR); default: $_NT_SYMBOL_PATH.\n"
	"                   Only local files are read: URLs are never used\n"
	"  -h, --help       this text\n"
	"  --version        print the version\n"
	"\n"
	"exit codes:\n"
	"  0  success\n"
	"  1  analyze/rules: pool, commit, PTE or memory exhaustion found (or pool\n"
	"     corruption); 0 means healthy. batch: at least one dump has findings\n"
	"  2  usage error\n"
	"  3  the input is not a readable dump (one error line on stderr)\n"
	"  4  a report was written but part of the dump is unreadable or missing\n"
	"     (batch: some dumps could not be analyzed; their errors are in the output)\n"
	"     (one error line on stderr says what)\n";

/* Print one error line naming the file; consumes err; returns the exit code. */
static int fail(const char *path, struct pm_error *err)
{
	fprintf(stderr, "poolmortem: error: %s: %s\n", path, pm_err_msg(err));
	pm_error_destroy(err);
	return PM_EXIT_UNREADABLE;
}

/* After @p err (the tree's builder's result): print tree @p t (consumed) and a newline; the
 * error if it was not built or cannot be printed. */
static struct pm_error *print_json(struct pm_error *err, cJSON *t)
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

static int cmd_info(int argc, char **argv)
{
	bool json = false;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(pm_cli_usage, stdout);
			return PM_EXIT_OK;
		default:
			fputs(pm_cli_usage, stderr);
			return PM_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "poolmortem: info takes exactly one DUMP\n");
		return PM_EXIT_USAGE;
	}
	const char *path = argv[optind];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &in);
	if (err)
		return fail(path, err);
	char *out = NULL;
	cJSON *t = NULL;
	if (json) {
		err = pm_json_info(in, path, &t);
		err = print_json(err, t);
	} else if (!(err = pm_report_info_text(in, path, &out)))
		fputs(out, stdout);
	free(out);
	if (err) {
		pm_info_destroy(in);
		return fail(path, err);
	}
	int rc = PM_EXIT_OK;
	if (in->incomplete) {
		fflush(stdout);
		fprintf(stderr, "poolmortem: incomplete: %s: %s\n", path, in->incomplete_why);
		rc = PM_EXIT_INCOMPLETE;
	}
	pm_info_destroy(in);
	return rc;
}

bool pm_cli_parse_u64(const char *s, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*ret = v;
	return true;
}

enum { PM_MAX_READ = 1 << 20 };

static int cmd_read(int argc, char **argv)
{
	bool json = false, phys = false;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "phys", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == 'p')
			phys = true;
		else
			return PM_EXIT_USAGE;
	}
	uint64_t addr, len;
	if (optind + 3 != argc || !pm_cli_parse_u64(argv[optind + 1], &addr) ||
	    !pm_cli_parse_u64(argv[optind + 2], &len) || len == 0 || len > PM_MAX_READ) {
		fprintf(stderr, "poolmortem: usage: read DUMP ADDR LEN [--phys] [--json] "
				"(LEN from 1 to %d)\n", PM_MAX_READ);
		return PM_EXIT_USAGE;
	}
	const char *path = argv[optind];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &in);
	if (err)
		return fail(path, err);
	uint8_t *buf = malloc(len);
	const char *absent = NULL;
	err = buf ? pm_info_read(in, phys, addr, buf, len, &absent) : &pm_enomem;
	int rc = PM_EXIT_OK;
	if (json) {
		cJSON *t = NULL;
		struct pm_error *perr = pm_json_read(phys, addr, len, err ? NULL : buf, absent, &t);
		perr = print_json(perr, t);
		if (perr && !err)
			err = perr;
		else
			pm_error_destroy(perr);
	} else if (!err) {
		for (uint64_t i = 0; i < len; i += 16) {
			printf("%0*" PRIx64 " ", in->dmp->hdr.is64 ? 16 : 8, addr + i);
			for (uint64_t k = i; k < i + 16 && k < len; k++)
				printf("%c%02x", k == i + 8 ? '-' : ' ', buf[k]);
			printf("%*s  ", (int)(3 * (i + 16 > len ? i + 16 - len : 0)), "");
			for (uint64_t k = i; k < i + 16 && k < len; k++)
				putchar(buf[k] >= 0x20 && buf[k] < 0x7F ? buf[k] : '.');
			putchar('\n');
		}
	}
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


/*
 * The exit code of poolused, bigpool and vm: 4 when what the command shows is missing, when
 * an asked-for scan could not be done or when the dump itself is incomplete (as info and
 * analyze say); one stderr line names the first of these (the most specific).
 */
static int pool_incomplete(const char *path, const struct pm_info *in, bool missing,
			   const char *what, const char *why, bool scan)
{
	char msg[700];
	if (missing)
		snprintf(msg, sizeof(msg), "%s not available: %s", what, why);
	else if (scan && !in->pool.has_scan)
		snprintf(msg, sizeof(msg), "pool scan not available: %s", in->pool.scan_absent);
	else if (scan && in->pool.scan.undecoded)
		snprintf(msg, sizeof(msg), "segment-heap walk: %" PRIu64 " subsegments or segment "
			 "lists did not decode; their chunks are not counted",
			 in->pool.scan.undecoded);
	else if (in->incomplete)
		snprintf(msg, sizeof(msg), "%s", in->incomplete_why);
	else
		return PM_EXIT_OK;
	fflush(stdout);
	fprintf(stderr, "poolmortem: incomplete: %s: %s\n", path, msg);
	return PM_EXIT_INCOMPLETE;
}

/* poolused and bigpool share their option parsing and their error handling. */
static int cmd_pool(int argc, char **argv, bool big, bool vm)
{
	bool json = false;
	struct pm_poolused_opts uo = { PM_SORT_TAG, 0, NULL, false, false };
	struct pm_bigpool_opts bo = { false, NULL };
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "tag", required_argument, NULL, OPT_TAG },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "scan", no_argument, NULL, OPT_SCAN },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	uint64_t v;
	optind = 1;
	while ((c = getopt_long(argc, argv, "v", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'v':
			uo.verbose = true;
			break;
		case OPT_SORT:
			if (!strcmp(optarg, "tag"))
				uo.sort = PM_SORT_TAG;
			else if (!strcmp(optarg, "nonpaged"))
				uo.sort = PM_SORT_NONPAGED;
			else if (!strcmp(optarg, "paged"))
				uo.sort = PM_SORT_PAGED;
			else if (!strcmp(optarg, "allocs"))
				uo.sort = PM_SORT_ALLOCS;
			else {
				fprintf(stderr, "poolmortem: --sort takes tag, nonpaged, paged or allocs\n");
				return PM_EXIT_USAGE;
			}
			break;
		case OPT_TOP:
			if (!pm_cli_parse_u64(optarg, &v) || v == 0 || v > 1000000) {
				fprintf(stderr, "poolmortem: --top takes a number from 1 to 1000000\n");
				return PM_EXIT_USAGE;
			}
			uo.top = (size_t)v;
			break;
		case OPT_TAG:
			if (strlen(optarg) > 64) {
				fprintf(stderr, "poolmortem: --tag pattern too long\n");
				return PM_EXIT_USAGE;
			}
			uo.pattern = bo.pattern = optarg;
			break;
		case OPT_ALL:
			bo.show_free = true;
			break;
		case OPT_SCAN:
			uo.scan = true;
			break;
		default:
			fputs(pm_cli_usage, stderr);
			return PM_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "poolmortem: %s takes exactly one DUMP\n",
			vm ? "vm" : big ? "bigpool" : "poolused");
		return PM_EXIT_USAGE;
	}
	const char *path = argv[optind];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &in);
	if (err)
		return fail(path, err);
	pm_info_gather_pool(in);
	if (uo.scan)
		pm_info_gather_scan(in);
	bool have = big ? in->pool.has_big : in->pool.has_track;
	char *out = NULL;
	cJSON *t = NULL;
	if (vm) {
		struct pm_vm_view view;
		pm_vm_view_build(in, &view);
		have = in->has_kdbg;
		err = json ? pm_json_vm(&view, &t) : pm_report_vm_text(&view, &out);
		pm_vm_view_deinit(&view);
	} else if (json)
		err = big ? pm_json_bigpool(in, &bo, &t) : pm_json_poolused(in, &uo, &t);
	else if (have)
		err = big ? pm_report_bigpool_text(in, &bo, &out) : pm_report_poolused_text(in, &uo, &out);
	if (json)
		err = print_json(err, t);
	else if (!err && out)
		fputs(out, stdout);
	free(out);
	if (err) {
		pm_info_destroy(in);
		return fail(path, err);
	}
	int rc = pool_incomplete(path, in, !have, vm ? "KDBG" : big ? "big-page table"
							 : "pool tag tracker",
				 vm ? in->kdbg_absent : big ? in->pool.big_absent : in->pool.track_absent,
				 !vm && !big && uo.scan);
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

/* Exit code for a verdict (documented in --help): 1 when a resource is exhausted or close. */
static int verdict_rc(const struct pm_verdict *v)
{
	return !v->healthy && v->resource != PM_RES_NONE ? PM_EXIT_FINDING : PM_EXIT_OK;
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
static int cmd_analyze(int argc, char **argv, bool summary_only)
{
	struct pm_analyze_opts ao = { false, 20, PM_FMT_TEXT, false, NULL };
	const char *rules = NULL, *pooltag = NULL, *color = "auto";
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "scan", no_argument, NULL, OPT_SCAN },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "pooltag", required_argument, NULL, OPT_POOLTAG },
		{ "color", required_argument, NULL, OPT_COLOR },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	uint64_t v;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ao.format = PM_FMT_JSON;
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "text"))
				ao.format = PM_FMT_TEXT;
			else if (!strcmp(optarg, "json"))
				ao.format = PM_FMT_JSON;
			else if (!strcmp(optarg, "md") || !strcmp(optarg, "markdown"))
				ao.format = PM_FMT_MD;
			else if (!strcmp(optarg, "html"))
				ao.format = PM_FMT_HTML;
			else {
				fprintf(stderr, "poolmortem: --format takes text, json, md or html\n");
				return PM_EXIT_USAGE;
			}
			break;
		case OPT_SCAN:
			ao.scan = true;
			break;
		case OPT_TOP:
			if (!pm_cli_parse_u64(optarg, &v) || !v || v > 1000000) {
				fprintf(stderr, "poolmortem: --top takes a number from 1 to 1000000\n");
				return PM_EXIT_USAGE;
			}
			ao.top = (size_t)v;
			break;
		case OPT_RULES:
			rules = optarg;
			break;
		case OPT_POOLTAG:
			pooltag = optarg;
			break;
		case OPT_COLOR:
			color = optarg;
			if (strcmp(color, "auto") && strcmp(color, "always") && strcmp(color, "never")) {
				fprintf(stderr, "poolmortem: --color takes auto, always or never\n");
				return PM_EXIT_USAGE;
			}
			break;
		default:
			fputs(pm_cli_usage, stderr);
			return PM_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "poolmortem: %s takes exactly one DUMP\n",
			summary_only ? "summary" : "analyze");
		return PM_EXIT_USAGE;
	}
	ao.color = !strcmp(color, "always") || (!strcmp(color, "auto") && isatty(STDOUT_FILENO) &&
						!getenv("NO_COLOR"));
	const char *path = argv[optind];
	struct pm_rule_params params;
	struct pm_error *err = pm_cli_load_params(&params, rules, pooltag);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_USAGE;
	}
	ao.params = &params;
	struct pm_info *in;
	err = pm_info_gather(path, &in);
	if (err) {
		pm_rule_params_deinit(&params);
		return fail(path, err);
	}
	char *out = NULL;
	struct pm_verdict verdict;
	memset(&verdict, 0, sizeof(verdict));
	if (summary_only) {
		err = summary_text(in, &out);
	} else {
		err = pm_report_analyze(in, &ao, &out, &verdict);
	}
	pm_rule_params_deinit(&params);
	if (err) {
		pm_info_destroy(in);
		return fail(path, err);
	}
	fputs(out, stdout);
	if (out[0] && out[strlen(out) - 1] != '\n')
		fputc('\n', stdout);
	free(out);
	int rc = summary_only ? PM_EXIT_OK : verdict_rc(&verdict);
	if (in->incomplete) {
		fflush(stdout);
		fprintf(stderr, "poolmortem: incomplete: %s: %s\n", path, in->incomplete_why);
		if (rc == PM_EXIT_OK)
			rc = PM_EXIT_INCOMPLETE;
	}
	pm_info_destroy(in);
	return rc;
}

/* A saved summary is read whole, up to this size (one with the limits' 2^20 tags is ~200 MiB
 * pretty-printed; 64 MiB covers every real kernel's tracker). */
enum { PM_MAX_SUMMARY_FILE = 64 << 20 };

/* rules SUMMARY.json: run the rules on a saved summary (no dump needed) */
static int cmd_rules(int argc, char **argv)
{
	bool json = false;
	const char *rules = NULL, *pooltag = NULL;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "pooltag", required_argument, NULL, OPT_POOLTAG },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'j')
			json = true;
		else if (c == OPT_RULES)
			rules = optarg;
		else if (c == OPT_POOLTAG)
			pooltag = optarg;
		else
			return PM_EXIT_USAGE;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "poolmortem: rules takes exactly one SUMMARY.json\n");
		return PM_EXIT_USAGE;
	}
	const char *path = argv[optind];
	char *text;
	struct pm_error *err = pm_cli_read_file(path, PM_MAX_SUMMARY_FILE, &text, NULL);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	struct pm_summary sum;
	err = pm_summary_from_json(text, path, &sum);
	free(text);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	struct pm_rule_params params;
	if ((err = pm_cli_load_params(&params, rules, pooltag))) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		pm_summary_deinit(&sum);
		return PM_EXIT_USAGE;
	}
	struct pm_findings findings;
	struct pm_verdict verdict;
	pm_rules_evaluate(&sum, &params, &findings, &verdict);
	struct pm_strbuf sb = { 0 };
	if (json) {
		struct pm_jb j = { false };
		cJSON *t = pm_jb_chk(&j, cJSON_CreateObject());
		pm_jb_str(&j, t, "schema", "poolmortem.rules/1");
		char *m = NULL;
		if (!(err = pm_jb_done(&j, t, &t))) {
			if (!(err = pm_json_verdict(&verdict, &findings, t)))
				err = pm_json_print(t, true, &m);
			cJSON_Delete(t);
		}
		if (!err)
			pm_sb_printf(&sb, "%s\n", m);
		free(m);
	} else {
		pm_verdict_text(&sb, &verdict, &findings, false);
	}
	pm_findings_deinit(&findings);
	pm_rule_params_deinit(&params);
	pm_summary_deinit(&sum);
	char *out = pm_sb_take(&sb);
	if (err || !out) {
		pm_error_destroy(err);
		free(out);
		fprintf(stderr, "poolmortem: error: out of memory\n");
		return PM_EXIT_UNREADABLE;
	}
	fputs(out, stdout);
	free(out);
	return verdict_rc(&verdict);
}

/* symbols [--json] DUMP */
static int cmd_symbols(int argc, char **argv)
{
	bool json = false;
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'j') {
			fputs(pm_cli_usage, stderr);
			return PM_EXIT_USAGE;
		}
		json = true;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "poolmortem: symbols takes one DUMP\n");
		return PM_EXIT_USAGE;
	}
	const char *path = argv[optind];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &in);
	if (err)
		return fail(path, err);
	pm_info_gather_pool(in);
	char *out = NULL;
	cJSON *t = NULL;
	err = json ? pm_json_symbols(in, path, &t) : pm_report_symbols_text(in, path, &out);
	int rc = in->sym.found ? PM_EXIT_OK : PM_EXIT_INCOMPLETE;
	if (!err && !in->sym.found && !json)
		fprintf(stderr, "poolmortem: incomplete: %s: %s\n", path,
			in->sym.requested ? in->sym.absent
					  : "no symbol path: give --symbols PATH or set _NT_SYMBOL_PATH");
	pm_info_destroy(in);
	if (json)
		err = print_json(err, t);
	else if (!err)
		fputs(out, stdout);
	free(out);
	if (err)
		return fail(path, err);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(pm_cli_usage, stderr);
		return PM_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		fputs(pm_cli_usage, stdout);
		return PM_EXIT_OK;
	}
	if (!strcmp(cmd, "--version")) {
		printf("poolmortem %s\n", PM_VERSION);
		return PM_EXIT_OK;
	}
	/* --symbols PATH (or _NT_SYMBOL_PATH) applies to every command that reads a dump */
	const char *symbols = NULL;
	int k = 2;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--symbols") && i + 1 < argc)
			symbols = argv[++i];
		else if (!strncmp(argv[i], "--symbols=", 10))
			symbols = argv[i] + 10;
		else
			argv[k++] = argv[i];
	}
	argc = k;
	argv[argc] = NULL;
	pm_info_set_symbol_path(symbols ? symbols : getenv("_NT_SYMBOL_PATH"));
	if (!strcmp(cmd, "info"))
		return cmd_info(argc - 1, argv + 1);
	if (!strcmp(cmd, "symbols"))
		return cmd_symbols(argc - 1, argv + 1);
	if (!strcmp(cmd, "poolused"))
		return cmd_pool(argc - 1, argv + 1, false, false);
	if (!strcmp(cmd, "bigpool"))
		return cmd_pool(argc - 1, argv + 1, true, false);
	if (!strcmp(cmd, "vm"))
		return cmd_pool(argc - 1, argv + 1, false, true);
	if (!strcmp(cmd, "analyze"))
		return cmd_analyze(argc - 1, argv + 1, false);
	if (!strcmp(cmd, "trend"))
		return pm_cli_trend(argc - 1, argv + 1);
	if (!strcmp(cmd, "dt"))
		return pm_cli_sym(argc - 1, argv + 1, true);
	if (!strcmp(cmd, "x"))
		return pm_cli_sym(argc - 1, argv + 1, false);
	if (!strcmp(cmd, "batch"))
		return pm_cli_batch(argc - 1, argv + 1);
	if (!strcmp(cmd, "summary"))
		return cmd_analyze(argc - 1, argv + 1, true);
	if (!strcmp(cmd, "rules"))
		return cmd_rules(argc - 1, argv + 1);
	if (!strcmp(cmd, "read"))
		return cmd_read(argc - 1, argv + 1);
	fprintf(stderr, "poolmortem: unknown command '%s'\n\n%s", cmd, pm_cli_usage);
	return PM_EXIT_USAGE;
}
