/* SPDX-License-Identifier: MIT */
/**
 * @file cli.h
 * The command line (L9, the only printer): the command table (name, usage, options, handler;
 * cli_cmds.c), the options every command shares, parsed in one place (cli_args.c), exit codes
 * and the helpers the command files (main.c, cli_bulk.c, cli_sym.c) share.
 */
#ifndef PM_CLI_H
#define PM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "analyze.h"
#include "poolview.h"
#include "rules.h"

/* Exit codes, documented in --help and the README. */
enum {
	PM_EXIT_OK = 0,         /* done; healthy (analyze: no exhaustion found) */
	PM_EXIT_FINDING = 1,    /* analyze: exhaustion found */
	PM_EXIT_USAGE = 2,      /* bad command line */
	PM_EXIT_UNREADABLE = 3, /* the input could not be read as a dump: nothing reported */
	PM_EXIT_INCOMPLETE = 4, /* a report was written, but part of the dump was unreadable */
	PM_EXIT_INCONCLUSIVE = 8, /* analyze/rules: the dump lacks what a verdict needs */
};
/* analyze/rules carry their verdict as bits (rules.h, pm_verdict_exit_code()): 1 at risk,
 * 4 incomplete, 8 inconclusive; so 5 = at risk on an incomplete dump, 12 = inconclusive on an
 * incomplete dump. 2 and 3 are errors (no report) and never combined. */

/* The options, one id each (the command table lists which a command takes). */
enum pm_cli_opt_id {
	OPT_END = 0,
	OPT_JSON = 256, OPT_VERBOSE, OPT_SORT, OPT_TOP, OPT_TAG, OPT_ALL, OPT_SCAN, OPT_PHYS,
	OPT_FORMAT, OPT_RULES, OPT_POOLTAG, OPT_COLOR,
	OPT_OUTPUT, OPT_SUMMARY, OPT_JOBS, OPT_RESUME, OPT_SHARD, OPT_TIMEOUT, OPT_MAXMEM,
	OPT_NOPROGRESS, OPT_TREND, OPT_ONE, OPT_PID, OPT_TYPE, OPT_CSV, OPT_FULL_HASH, OPT_HELP,
};

/** Every option's value after parsing (a command reads the ones it takes). */
struct pm_cli_args {
	bool json, csv, verbose, all, scan, phys, resume, no_progress, trend, one_machine;
	bool full_hash;
	enum pm_pool_sort sort;
	bool has_top;
	size_t top;
	const char *tag, *rules, *pooltag, *output, *summary;
	enum pm_format format;
	const char *color; /**< "auto", "always" or "never" */
	bool has_jobs;
	unsigned jobs;
	unsigned shard_i, shard_n; /**< shard_n 0: no --shard */
	bool has_timeout, has_max_mem;
	unsigned timeout_s, max_mem_mb;
	bool has_pid;
	uint64_t pid;     /**< --pid */
	const char *type; /**< --type: an object type's name or pool tag */
	char **pos; /**< the positional arguments */
	int npos;
	struct pm_info_opts info; /**< how dumps are gathered: --symbols or _NT_SYMBOL_PATH */
};

/** An option: its id, long and short name, argument placeholder and help line. */
struct pm_cli_optdef {
	int id;
	const char *name;
	char short_name; /**< 0: none */
	const char *arg; /**< NULL: a flag */
	const char *help;
};
/** The option @p id (OPT_HELP for OPT_END's place). */
const struct pm_cli_optdef *pm_cli_optdef(int id);

/** The exit codes, each with its meaning ({-1, NULL}-terminated). */
struct pm_cli_exit {
	int code;
	const char *text;
};
extern const struct pm_cli_exit pm_cli_exits[];

struct pm_cli_cmd {
	const char *name;
	const char *synopsis; /**< "poolused [OPTIONS] DUMP", for its --help */
	const char *block;    /**< its lines in the usage text (`poolmortem --help`) */
	const int *opts;      /**< the options it takes, OPT_END-terminated */
	int min_args, max_args; /**< positional arguments (max -1: no limit) */
	const char *args_msg;   /**< said when their number is wrong (NULL: the handler checks) */
	bool reads_dumps;       /**< --symbols applies */
	int (*run)(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
};

extern const struct pm_cli_cmd pm_cli_cmds[];
extern const size_t pm_cli_ncmds;

/** The command named @p name, or NULL. */
const struct pm_cli_cmd *pm_cli_find(const char *name);
/** Edits (insertions, deletions, substitutions, swaps of neighbours) from @p a to @p b,
 * capped at 9. */
unsigned pm_cli_edits(const char *a, const char *b);
/** The command @p name was probably meant to be (a typo: at most two edits, or a prefix of
 * one command only), or NULL. */
const struct pm_cli_cmd *pm_cli_nearest(const char *name);
/** Before a one-dump command runs: a directory named as its DUMP is a usage error that
 * says what to do (batch). -1 to go on, else the exit code. */
int pm_cli_check_dump_args(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
/** The usage text: every command's block, the global options, the exit codes. */
void pm_cli_usage(FILE *f);
/** One command's help: its synopsis, what it does and each option it takes. */
void pm_cli_help(const struct pm_cli_cmd *cmd, FILE *f);
/** The manual page (roff, section 1), made from the command table (cli_doc.c). */
void pm_cli_man(FILE *f);
/** A completion script for @p shell ("bash" or "zsh"), from the command table; false when
 * the shell is not one of those. */
bool pm_cli_completion(FILE *f, const char *shell);
/**
 * Parse @p argv (argv[0] is the command's name) into @p a with @p cmd's options and check
 * the number of positional arguments. Returns -1 to go on, else the exit code (after --help:
 * 0; after a usage error, said on stderr: 2).
 */
int pm_cli_parse(const struct pm_cli_cmd *cmd, int argc, char **argv, struct pm_cli_args *a);

/** Print one error line naming @p path; consumes @p err; returns PM_EXIT_UNREADABLE. */
int pm_cli_fail(const char *path, struct pm_error *err);
/** After @p err (the tree's builder's result): print tree @p t (consumed) and a newline; the
 * error if it was not built or cannot be printed. */
struct pm_error *pm_cli_print_json(struct pm_error *err, cJSON *t);
/** Text @p out (freed; NULL: nothing) after @p err (its builder's result); the error if it
 * was not built. */
struct pm_error *pm_cli_print_text(struct pm_error *err, char *out);
/** The one stderr line that says why a report is incomplete; returns PM_EXIT_INCOMPLETE. */
int pm_cli_incomplete(const char *path, const char *why);

/** A whole-string unsigned number (decimal, 0x hex or 0 octal). */
bool pm_cli_parse_u64(const char *s, uint64_t *ret);
/** The environment variable naming the default pooltag.txt (when --pooltag is not given). */
#define PM_POOLTAG_ENV "POOLMORTEM_POOLTAG"
/** The rule parameters: embedded data, then --pooltag, then --rules. */
struct pm_error *pm_cli_load_params(struct pm_rule_params *p, const char *rules,
				    const char *pooltag);

/* The handlers (main.c: one dump; cli_batch.c: batch and merge; cli_bulk.c: trend;
 * cli_sym.c: symbol files). */
int pm_cmd_info(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_symbols(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_poolused(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_bigpool(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_vm(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_analyze(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_summary(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_rules(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_read(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_pool(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_batch(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_trend(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_merge(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
/** The per-machine growth report of batch records (NDJSON @p text); NULL: none. */
char *pm_cli_trend_of_lines(const char *text);
int pm_cmd_dt(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_x(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_tags(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
/* cli_holders.c */
int pm_cmd_processes(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
int pm_cmd_handles(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a);
/** `vm` text: the per-process commit list plain !vm ends with (nothing when the processes
 * are not known). */
void pm_cli_vm_processes(struct pm_info *in);

#endif
