/* SPDX-License-Identifier: MIT */
/**
 * @file cli.h
 * What the CLI files (main.c, cli_bulk.c, cli_sym.c) share: exit codes, option ids, the usage text and
 * two helpers. Only the CLI layer (L9) includes it.
 */
#ifndef PM_CLI_H
#define PM_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "rules.h"

/* Exit codes, documented in --help and the README. */
enum {
	PM_EXIT_OK = 0,         /* done; healthy (analyze: no exhaustion found) */
	PM_EXIT_FINDING = 1,    /* analyze: exhaustion found (reserved until analyze lands) */
	PM_EXIT_USAGE = 2,      /* bad command line */
	PM_EXIT_UNREADABLE = 3, /* the input could not be read as a dump: nothing reported */
	PM_EXIT_INCOMPLETE = 4, /* a report was written, but part of the dump was unreadable */
};

/* getopt_long ids of the long options (shared where commands share an option). */
enum {
	OPT_SORT = 256, OPT_TOP, OPT_TAG, OPT_ALL, OPT_SCAN,
	OPT_FORMAT = 300, OPT_RULES, OPT_POOLTAG, OPT_COLOR,
	OPT_OUTPUT = 400, OPT_SUMMARY, OPT_JOBS, OPT_RESUME, OPT_SHARD, OPT_TIMEOUT, OPT_MAXMEM,
	OPT_NOPROGRESS, OPT_TREND,
	OPT_ONE = 500,
};

extern const char pm_cli_usage[];

/** A whole-string unsigned number (decimal, 0x hex or 0 octal). */
bool pm_cli_parse_u64(const char *s, uint64_t *ret);
/** The rule parameters: embedded data, then --pooltag, then --rules. */
struct pm_error *pm_cli_load_params(struct pm_rule_params *p, const char *rules,
				    const char *pooltag);

int pm_cli_batch(int argc, char **argv);
int pm_cli_trend(int argc, char **argv);
int pm_cli_sym(int argc, char **argv, bool is_dt);

#endif
