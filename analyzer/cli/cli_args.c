// SPDX-License-Identifier: MIT
// The options, parsed and checked in one place for every command; the usage text and each
// command's help, made from the command table.
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef PM_VERSION
#define PM_VERSION "0.0.0"
#endif

static const struct pm_cli_optdef optdefs[] = {
	{ OPT_JSON, "json", 0, NULL, "write JSON instead of text" },
	{ OPT_SORT, "sort", 0, "tag|nonpaged|paged|allocs", "the order of the rows (default: tag)" },
	{ OPT_TOP, "top", 0, "N", "only the first N rows (tags)" },
	{ OPT_TAG, "tag", 0, "PATTERN", "only the tags matching PATTERN (* and ?)" },
	{ OPT_VERBOSE, "verbose", 'v', NULL, "cumulative allocs and frees, idle tags, and how the "
	  "tables were found" },
	{ OPT_ALL, "all", 0, NULL, "the freed slots too (their tag and size are stale)" },
	{ OPT_SCAN, "scan", 0, NULL, "also walk the pool pages and cross-check the tag tracker" },
	{ OPT_PHYS, "phys", 0, NULL, "ADDR is a physical address" },
	{ OPT_FORMAT, "format", 0, "text|json|md|html", "the report's form (default: text)" },
	{ OPT_RULES, "rules", 0, "FILE", "thresholds and knowledge overriding the built-in ones" },
	{ OPT_POOLTAG, "pooltag", 0, "FILE", "a pooltag.txt describing the tags and naming their "
	  "owners (default: $" PM_POOLTAG_ENV ")" },
	{ OPT_CSV, "csv", 0, NULL, "write CSV (RFC 4180, a header line) instead of text" },
	{ OPT_COLOR, "color", 0, "auto|always|never", "ANSI colour in text (default: auto)" },
	{ OPT_OUTPUT, "output", 'o', "FILE", "append the JSON lines to FILE (default: stdout)" },
	{ OPT_SUMMARY, "summary", 0, "FILE", "also write the summary as JSON to FILE" },
	{ OPT_JOBS, "jobs", 'j', "N", "workers in parallel (default: every core)" },
	{ OPT_RESUME, "resume", 0, NULL, "skip the dumps the --output file already holds" },
	{ OPT_SHARD, "shard", 0, "I/N", "only every N-th dump, from the I-th (0 <= I < N)" },
	{ OPT_TIMEOUT, "timeout", 0, "S", "seconds one dump may take (default 600; 0: none)" },
	{ OPT_MAXMEM, "max-mem", 0, "MiB", "address space of one worker (default 8192; 0: none)" },
	{ OPT_NOPROGRESS, "no-progress", 0, NULL, "no progress line on stderr" },
	{ OPT_TREND, "trend", 0, NULL, "add the per-machine growth report" },
	{ OPT_ONE, "one-machine", 0, NULL, "treat every dump as the same machine's" },
	{ OPT_PID, "pid", 0, "N", "only the process with this PID" },
	{ OPT_TYPE, "type", 0, "T", "only the object type T (its name, or its pool tag)" },
	{ OPT_FULL_HASH, "full-hash", 0, NULL, "also the SHA-256 of every byte of each dump (reads "
	  "them all)" },
	{ OPT_HELP, "help", 'h', NULL, "this text" },
};

const struct pm_cli_optdef *pm_cli_optdef(int id)
{
	for (size_t i = 0; i < sizeof(optdefs) / sizeof(optdefs[0]); i++)
		if (optdefs[i].id == id)
			return &optdefs[i];
	return NULL;
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

static int bad(const char *msg)
{
	fprintf(stderr, "poolmortem: %s\n", msg);
	return PM_EXIT_USAGE;
}

/* A number option in [lo, hi]; the usage error names the range. */
static int number(const char *s, uint64_t lo, uint64_t hi, const char *msg, uint64_t *v)
{
	return pm_cli_parse_u64(s, v) && *v >= lo && *v <= hi ? -1 : bad(msg);
}

static int enum_opt(const char *s, const char *const *names, int n, const char *msg, int *v)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*v = i;
			return -1;
		}
	return bad(msg);
}

static int shard(const char *s, struct pm_cli_args *a)
{
	uint64_t i, n;
	const char *slash = strchr(s, '/');
	char head[32];
	if (!slash || (size_t)(slash - s) >= sizeof(head))
		return bad("--shard takes I/N with 0 <= I < N");
	memcpy(head, s, (size_t)(slash - s));
	head[slash - s] = 0;
	if (!pm_cli_parse_u64(head, &i) || !pm_cli_parse_u64(slash + 1, &n) || !n || n > 100000 ||
	    i >= n)
		return bad("--shard takes I/N with 0 <= I < N");
	a->shard_i = (unsigned)i;
	a->shard_n = (unsigned)n;
	return -1;
}

/* A flag option into @p a. */
static void flag(int id, struct pm_cli_args *a)
{
	bool *const flags[] = {
		[OPT_JSON - OPT_JSON] = &a->json, [OPT_VERBOSE - OPT_JSON] = &a->verbose,
		[OPT_ALL - OPT_JSON] = &a->all, [OPT_SCAN - OPT_JSON] = &a->scan,
		[OPT_PHYS - OPT_JSON] = &a->phys, [OPT_RESUME - OPT_JSON] = &a->resume,
		[OPT_NOPROGRESS - OPT_JSON] = &a->no_progress, [OPT_TREND - OPT_JSON] = &a->trend,
		[OPT_ONE - OPT_JSON] = &a->one_machine, [OPT_CSV - OPT_JSON] = &a->csv,
		[OPT_FULL_HASH - OPT_JSON] = &a->full_hash,
	};
	if (id - OPT_JSON < (int)(sizeof(flags) / sizeof(flags[0])) && flags[id - OPT_JSON])
		*flags[id - OPT_JSON] = true;
	if (id == OPT_JSON)
		a->format = PM_FMT_JSON;
}

/* A number option into @p a. */
static int number_opt(int id, const char *v, struct pm_cli_args *a)
{
	uint64_t n = 0;
	int e;
	switch (id) {
	case OPT_TOP:
		if ((e = number(v, 1, 1000000, "--top takes a number from 1 to 1000000", &n)) < 0) {
			a->has_top = true;
			a->top = (size_t)n;
		}
		return e;
	case OPT_JOBS:
		if ((e = number(v, 1, 256, "--jobs takes 1 to 256", &n)) < 0) {
			a->has_jobs = true;
			a->jobs = (unsigned)n;
		}
		return e;
	case OPT_TIMEOUT:
		if ((e = number(v, 0, 86400, "--timeout takes seconds (0 = none)", &n)) < 0) {
			a->has_timeout = true;
			a->timeout_s = (unsigned)n;
		}
		return e;
	default: /* OPT_MAXMEM */
		if ((e = number(v, 0, 1u << 22, "--max-mem takes MiB (0 = none)", &n)) < 0) {
			a->has_max_mem = true;
			a->max_mem_mb = (unsigned)n;
		}
		return e;
	}
}

/* One option's value into @p a; -1 to go on, else the exit code. */
static int take(int id, const char *v, struct pm_cli_args *a)
{
	static const char *const sorts[] = { "tag", "nonpaged", "paged", "allocs" };
	static const char *const formats[] = { "text", "json", "md", "html", "markdown" };
	static const char *const colors[] = { "auto", "always", "never" };
	int e = -1, k = 0;
	switch (id) {
	case OPT_RULES:
		a->rules = v;
		break;
	case OPT_POOLTAG:
		a->pooltag = v;
		break;
	case OPT_OUTPUT:
		a->output = v;
		break;
	case OPT_SUMMARY:
		a->summary = v;
		break;
	case OPT_SHARD:
		return shard(v, a);
	case OPT_PID:
		if (!pm_cli_parse_u64(v, &a->pid) || a->pid > UINT32_MAX)
			return bad("--pid takes a process id");
		a->has_pid = true;
		break;
	case OPT_TYPE:
		if (!*v || strlen(v) > 64)
			return bad("--type takes an object type's name or pool tag");
		a->type = v;
		break;
	case OPT_TAG:
		if (strlen(v) > 64)
			return bad("--tag pattern too long");
		a->tag = v;
		break;
	case OPT_SORT:
		if ((e = enum_opt(v, sorts, 4, "--sort takes tag, nonpaged, paged or allocs", &k)) < 0)
			a->sort = (enum pm_pool_sort)k;
		break;
	case OPT_FORMAT: /* the names' order is enum pm_format's; "markdown" is md */
		if ((e = enum_opt(v, formats, 5, "--format takes text, json, md or html", &k)) < 0)
			a->format = k == 4 ? PM_FMT_MD : (enum pm_format)k;
		break;
	case OPT_COLOR:
		if ((e = enum_opt(v, colors, 3, "--color takes auto, always or never", &k)) < 0)
			a->color = colors[k];
		break;
	case OPT_TOP:
	case OPT_JOBS:
	case OPT_TIMEOUT:
	case OPT_MAXMEM:
		return number_opt(id, v, a);
	default:
		flag(id, a);
	}
	return e;
}

/* After getopt_long refused @p arg: the option of @p cmd it was probably meant to be, or the
 * commands that take it. An exact name (an option missing its value) is no typo. */
static void suggest_option(const struct pm_cli_cmd *cmd, const char *arg)
{
	if (strncmp(arg, "--", 2))
		return;
	char name[64], others[256] = "";
	snprintf(name, sizeof(name), "%s", arg + 2);
	char *eq = strchr(name, '=');
	if (eq)
		*eq = 0;
	const char *best = NULL;
	unsigned bd = 3;
	for (const int *id = cmd->opts;; id++) {
		const struct pm_cli_optdef *d = pm_cli_optdef(*id == OPT_END ? OPT_HELP : *id);
		unsigned e = pm_cli_edits(name, d->name);
		if (!e) /* its own option, refused for its value: getopt said why */
			return;
		if (e < bd && e <= (strlen(d->name) <= 4 ? 1u : 2u)) {
			bd = e;
			best = d->name;
		}
		if (*id == OPT_END)
			break;
	}
	if (best) {
		fprintf(stderr, "poolmortem: did you mean '--%s'?\n", best);
		return;
	}
	size_t k = 0;
	for (size_t i = 0; i < pm_cli_ncmds && k < sizeof(others) - 40; i++)
		for (const int *id = pm_cli_cmds[i].opts; *id != OPT_END; id++)
			if (!strcmp(pm_cli_optdef(*id)->name, name)) {
				k += (size_t)snprintf(others + k, sizeof(others) - k, "%s%s",
						      k ? ", " : "", pm_cli_cmds[i].name);
				break;
			}
	if (k)
		fprintf(stderr, "poolmortem: --%s is an option of %s, not of %s\n", name, others,
			cmd->name);
}

int pm_cli_parse(const struct pm_cli_cmd *cmd, int argc, char **argv, struct pm_cli_args *a)
{
	struct option lo[40];
	char shorts[40];
	size_t nl = 0, ns = 0;
	memset(a, 0, sizeof(*a));
	a->color = "auto";
	for (const int *id = cmd->opts;; id++) {
		const struct pm_cli_optdef *d = pm_cli_optdef(*id == OPT_END ? OPT_HELP : *id);
		lo[nl++] = (struct option){ d->name, d->arg ? required_argument : no_argument, NULL,
					    d->id };
		if (d->short_name) {
			shorts[ns++] = d->short_name;
			if (d->arg)
				shorts[ns++] = ':';
		}
		if (*id == OPT_END)
			break;
	}
	lo[nl] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = 0;
	int c, e;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		for (size_t i = 0; i < nl; i++) /* a short option stands for its long one */
			if (c < 256 && c == pm_cli_optdef(lo[i].val)->short_name)
				c = lo[i].val;
		if (c == OPT_HELP) {
			pm_cli_help(cmd, stdout);
			return PM_EXIT_OK;
		}
		if (c == '?' || c == ':') {
			if (optind > 0 && optind <= argc)
				suggest_option(cmd, argv[optind - 1]);
			fprintf(stderr, "poolmortem: try 'poolmortem %s --help'\n", cmd->name);
			return PM_EXIT_USAGE;
		}
		if ((e = take(c, optarg, a)) >= 0)
			return e;
	}
	if (a->json && a->csv)
		return bad("--json and --csv exclude each other");
	for (const int *id = cmd->opts; *id != OPT_END && !a->pooltag; id++) {
		const char *env = getenv(PM_POOLTAG_ENV);
		if (*id == OPT_POOLTAG && env && *env)
			a->pooltag = env;
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	if (cmd->args_msg && (a->npos < cmd->min_args ||
			      (cmd->max_args >= 0 && a->npos > cmd->max_args)))
		return bad(cmd->args_msg);
	return -1;
}

static void usage_head(FILE *f, const char *what)
{
	fprintf(f, "usage: poolmortem %s\n\n", what);
}

const struct pm_cli_exit pm_cli_exits[] = {
	{ 0, "success; analyze/rules: healthy (each resource judged from figures that were read), "
	     "complete dump" },
	{ 1, "analyze/rules: a resource is exhausted or at risk: pool, commit, PTEs, memory (or "
	     "pool corruption); batch: at least one dump has findings" },
	{ 2, "usage error" },
	{ 3, "the input is not a readable dump (one error line on stderr names the file, the "
	     "structure and the offset)" },
	{ 4, "a report was written but part of the dump is unreadable or missing (batch: some "
	     "dumps could not be analyzed, their errors are in the output; dt/x: a type or "
	     "symbol is not in the file); one stderr line says what" },
	{ 8, "analyze/rules: inconclusive: the dump lacks what a verdict needs (the report says "
	     "what, and what would fix it). For analyze/rules 1, 4 and 8 are bits that combine: "
	     "5 = at risk on an incomplete dump, 12 = inconclusive on an incomplete dump (JSON: "
	     "verdict.exit_code)" },
	{ -1, NULL },
};

/* @p text wrapped at @p width columns, each line but the first (already started) after
 * @p indent spaces. */
static void wrap_first(FILE *f, const char *text, int indent, int width)
{
	const char *p = text;
	bool first = true;
	while (*p) {
		int room = width - indent;
		const char *end = p, *brk = NULL;
		while (*end && end - p < room) {
			if (*end == ' ')
				brk = end;
			end++;
		}
		if (*end && brk)
			end = brk;
		fprintf(f, "%*s%.*s\n", first ? 0 : indent, "", (int)(end - p), p);
		first = false;
		p = *end == ' ' ? end + 1 : end;
	}
}

void pm_cli_usage(FILE *f)
{
	usage_head(f, "COMMAND [OPTIONS] DUMP");
	fputs("Offline analysis of Windows kernel crash dumps (MEMORY.DMP, minidumps).\n\n"
	      "commands:\n", f);
	for (size_t i = 0; i < pm_cli_ncmds; i++)
		fputs(pm_cli_cmds[i].block, f);
	fputs("\noptions:\n"
	      "  --json           write JSON (schema poolmortem.info/1) instead of text\n"
	      "  --symbols PATH   the kernel's PDB or Volatility ISF: a file, a directory (symbol\n"
	      "                   store, flat, ISF tree or windows.zip pack) or WinDbg's syntax\n"
	      "                   (srv*DIR*URL;cache*DIR;DIR); default: $_NT_SYMBOL_PATH.\n"
	      "                   Only local files are read: URLs are never used\n"
	      "  -h, --help       this text (COMMAND --help: that command's)\n"
	      "  --version        print the version\n"
	      "  --completion bash|zsh  a shell completion script (from this command table)\n"
	      "  --man            this manual as a man page (roff)\n"
	      "\n"
	      "exit codes:\n", f);
	for (const struct pm_cli_exit *e = pm_cli_exits; e->text; e++) {
		char line[16];
		snprintf(line, sizeof(line), "  %d  ", e->code);
		fputs(line, f);
		wrap_first(f, e->text, 5, 88);
	}
}

void pm_cli_help(const struct pm_cli_cmd *cmd, FILE *f)
{
	usage_head(f, cmd->synopsis);
	fputs(cmd->block, f);
	fputs("\noptions:\n", f);
	for (const int *id = cmd->opts;; id++) {
		const struct pm_cli_optdef *d = pm_cli_optdef(*id == OPT_END ? OPT_HELP : *id);
		char left[64];
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", d->short_name ? "-" : "",
			 d->short_name ? d->short_name : ' ', d->short_name ? ", " : "", d->name,
			 d->arg ? " " : "", d->arg ? d->arg : "");
		const char *l = left[0] == ' ' ? left + 1 : left;
		if (strlen(l) <= 16)
			fprintf(f, "  %-16s %s\n", l, d->help);
		else
			fprintf(f, "  %s\n  %-16s %s\n", l, "", d->help);
		if (*id == OPT_END)
			break;
	}
	if (cmd->reads_dumps)
		fprintf(f, "  %-16s %s\n", "--symbols PATH", "the kernel's PDB or ISF (default: "
			"$_NT_SYMBOL_PATH; local files only)");
	fprintf(f, "\npoolmortem %s; `poolmortem --help` lists every command and the exit "
		"codes.\n", PM_VERSION);
}
