// SPDX-License-Identifier: MIT
// The command table: every command's name, usage, options and handler, in one place (the
// usage text, each command's --help and the dispatch in main() are made from it).
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const int o_info[] = { OPT_JSON, OPT_END };
static const int o_poolused[] = { OPT_SORT, OPT_TOP, OPT_TAG, OPT_VERBOSE, OPT_SCAN, OPT_POOLTAG,
				  OPT_JSON, OPT_CSV, OPT_END };
static const int o_bigpool[] = { OPT_ALL, OPT_TAG, OPT_POOLTAG, OPT_JSON, OPT_CSV, OPT_END };
static const int o_analyze[] = { OPT_FORMAT, OPT_JSON, OPT_SCAN, OPT_TOP, OPT_RULES, OPT_POOLTAG,
				 OPT_COLOR, OPT_END };
static const int o_batch[] = { OPT_OUTPUT, OPT_JOBS, OPT_RESUME, OPT_SHARD, OPT_TIMEOUT,
			       OPT_MAXMEM, OPT_SUMMARY, OPT_CSV, OPT_FULL_HASH, OPT_TREND, OPT_SCAN,
			       OPT_RULES, OPT_POOLTAG, OPT_NOPROGRESS, OPT_END };
static const int o_merge[] = { OPT_SUMMARY, OPT_JSON, OPT_CSV, OPT_END };
static const int o_trend[] = { OPT_ONE, OPT_TOP, OPT_JSON, OPT_END };
static const int o_summary[] = { OPT_END };
static const int o_rules[] = { OPT_JSON, OPT_RULES, OPT_POOLTAG, OPT_END };
static const int o_read[] = { OPT_PHYS, OPT_JSON, OPT_END };
static const int o_pool[] = { OPT_POOLTAG, OPT_END };
static const int o_handles[] = { OPT_PID, OPT_TYPE, OPT_JSON, OPT_END };
static const int o_tags[] = { OPT_POOLTAG, OPT_JSON, OPT_END };

const struct pm_cli_cmd pm_cli_cmds[] = {
	{ "info", "info [--json] DUMP",
	  "  info DUMP        container, Windows build, bugcheck, memory coverage, kernel\n"
	  "                   identity (PDB GUID/age), KDBG and the loaded-module list\n",
	  o_info, 1, 1, "info takes exactly one DUMP", true, pm_cmd_info },
	{ "poolused", "poolused [OPTIONS] DUMP [FLAGS [TAG]]",
	  "  poolused DUMP [FLAGS [TAG]]\n"
	  "                   per-tag pool usage from the tag tracker, summed over every\n"
	  "                   processor's table, each tag with its pooltag.txt description\n"
	  "                   (what WinDbg's !poolused shows; FLAGS as its: 1 verbose, 2 sort\n"
	  "                   by nonpaged, 4 by paged, 8 session pool; TAG with * and ?)\n"
	  "                   --sort tag|nonpaged|paged|allocs, --top N, --tag PATTERN,\n"
	  "                   --verbose (cumulative allocs/frees, idle tags, the tracker's\n"
	  "                   layout), --scan (also walk the pool pages and cross-check the\n"
	  "                   tracker; 19H1+: the segment heap, needs --symbols), --pooltag\n"
	  "                   FILE, --json, --csv\n",
	  o_poolused, 1, 3, "poolused takes one DUMP, then optionally !poolused's FLAGS and TAG",
	  true, pm_cmd_poolused },
	{ "bigpool", "bigpool [--all] [--tag PATTERN] [--pooltag FILE] [--json|--csv] DUMP",
	  "  bigpool DUMP     every big allocation in the big-page table (address, tag, pool,\n"
	  "                   bytes) and per-tag totals with their descriptions; --all adds\n"
	  "                   freed slots, --tag PATTERN, --pooltag FILE, --json, --csv\n",
	  o_bigpool, 1, 1, "bigpool takes exactly one DUMP", true, pm_cmd_bigpool },
	{ "analyze", "analyze [OPTIONS] DUMP",
	  "  analyze DUMP     the verdict (exhausted resource, leaking tags, owning drivers,\n"
	  "                   next steps) and everything below in one report\n"
	  "                   --format text|json|md|html (--json), --scan, --top N,\n"
	  "                   --rules FILE (override thresholds/knowledge), --pooltag FILE,\n"
	  "                   --color auto|always|never\n",
	  o_analyze, 1, 1, "analyze takes exactly one DUMP (for several, or a folder: poolmortem batch "
	  "PATH...)", true, pm_cmd_analyze },
	{ "batch", "batch [OPTIONS] PATH...",
	  "  batch PATH...    every dump under PATHs (dumps, folders, .gz, .zip) analyzed in\n"
	  "                   parallel isolated workers; one record per input, also for files\n"
	  "                   that are not analyzed and why: JSON lines (--output FILE, or\n"
	  "                   stdout when piped), rows for people on a terminal; then a summary\n"
	  "                   (buckets with members, duplicates, top tags, errors, skipped)\n"
	  "                   --jobs N, --resume, --shard I/N, --timeout S, --max-mem MiB,\n"
	  "                   --summary FILE (JSON), --csv, --full-hash, --trend, --scan,\n"
	  "                   --rules, --pooltag, --no-progress\n",
	  o_batch, 1, -1, "batch takes one or more PATHs", true, pm_cmd_batch },
	{ "merge", "merge [--summary FILE] [--json|--csv] NDJSON...",
	  "  merge NDJSON...  the reduce step of batch --shard: the summary a single batch\n"
	  "                   prints, from the shards' outputs (--json, --csv: every record)\n",
	  o_merge, 1, -1, "merge takes one or more batch output files", false, pm_cmd_merge },
	{ "trend", "trend [--one-machine] [--top N] [--json] DUMP...",
	  "  trend DUMP...    several dumps of one machine (or batch NDJSON files): which tags\n"
	  "                   grew and how fast per hour, fastest first; --one-machine forces\n"
	  "                   one group, --top N, --json\n",
	  o_trend, 1, -1, "trend takes DUMPs or batch NDJSON files", true, pm_cmd_trend },
	{ "summary", "summary DUMP",
	  "  summary DUMP     the analysis summary the rules read, as JSON\n",
	  o_summary, 1, 1, "summary takes exactly one DUMP", true, pm_cmd_summary },
	{ "rules", "rules [--json] [--rules FILE] [--pooltag FILE] SUMMARY.json",
	  "  rules SUMMARY.json  run the rules on a saved summary (--json, --rules, --pooltag)\n",
	  o_rules, 1, 1, "rules takes exactly one SUMMARY.json", false, pm_cmd_rules },
	{ "vm", "vm [--json] DUMP",
	  "  vm DUMP          what WinDbg's !vm shows, as far as the dump allows without\n"
	  "                   symbols: memory, pool usage and maxima, commit; each line names\n"
	  "                   its source or why it is missing\n",
	  o_info, 1, 1, "vm takes exactly one DUMP", true, pm_cmd_vm },
	{ "processes", "processes [--json] DUMP",
	  "  processes DUMP   the processes (a !process 0 0-like list) with their handles,\n"
	  "                   private commit and pool quota; the commit list as !vm prints it;\n"
	  "                   big allocations billed to processes (Server 2022+)\n",
	  o_info, 1, 1, "processes takes exactly one DUMP", true, pm_cmd_processes },
	{ "handles", "handles [--pid N] [--type T] [--json] DUMP",
	  "  handles DUMP     handles counted by object type, in all and per process (a\n"
	  "                   !handle-like summary), each type with its pool tag\n"
	  "                   --pid N: that process (the totals are its own);\n"
	  "                   --type T (a type's name or pool tag): the processes holding\n"
	  "                   it, most first, then those whose table was not counted\n",
	  o_handles, 1, 1, "handles takes exactly one DUMP", true, pm_cmd_handles },
	{ "symbols", "symbols [--json] DUMP",
	  "  symbols DUMP     the kernel's symbol file: the identity its image asks for, every\n"
	  "                   place looked at (and why a file was refused), what was used\n",
	  o_info, 1, 1, "symbols takes one DUMP", true, pm_cmd_symbols },
	{ "dt", "dt [--json] SYMFILE TYPE",
	  "  dt SYMFILE TYPE  a type's layout from a PDB or ISF file, as WinDbg's dt shows it\n",
	  o_info, 2, 2, "dt takes a PDB or ISF file and a type name", false, pm_cmd_dt },
	{ "x", "x [--json] SYMFILE NAME...",
	  "  x SYMFILE NAME...  symbols' RVAs from a PDB or ISF file\n",
	  o_info, 2, -1, "x takes a PDB or ISF file and symbol names", false, pm_cmd_x },
	{ "tags", "tags [--pooltag FILE] [--json] DRIVER.sys",
	  "  tags DRIVER.sys  the pool tags a driver file gives away: tag-like immediates in its\n"
	  "                   code (r8d: the allocators' Tag argument), the pool routines it\n"
	  "                   imports, and for a KMDF driver the tag the framework derives\n"
	  "                   from its name; each tag with its pooltag.txt owner and\n"
	  "                   description (--pooltag FILE), and marked when library code\n"
	  "                   linked into many drivers uses it (weak evidence); its link\n"
	  "                   date and version resource (lm v)\n",
	  o_tags, 1, 1, "tags takes one driver file (.sys)", false, pm_cmd_tags },
	{ "pool", "pool [--pooltag FILE] DUMP ADDR...",
	  "  pool DUMP ADDR... the pool allocation each address belongs to, as WinDbg's !pool:\n"
	  "                   a big allocation (big-page table, live or freed) or a chunk of a\n"
	  "                   small-pool page among its neighbours (before 19H1), or 19H1+ an\n"
	  "                   LFH block or VS chunk of the segment heap (without --symbols\n"
	  "                   a VS chunk's busy/free is unknown: encoded with HeapKey)\n",
	  o_pool, 2, -1, "pool takes a DUMP and at least one ADDR", true, pm_cmd_pool },
	{ "read", "read DUMP ADDR LEN [--phys] [--json]",
	  "  read DUMP ADDR LEN [--phys]\n"
	  "                   bytes of kernel virtual (or, with --phys, physical) memory,\n"
	  "                   like WinDbg's db/!db; an absent page is named with its reason\n",
	  o_read, 3, 3, NULL, true, pm_cmd_read },
};

const size_t pm_cli_ncmds = sizeof(pm_cli_cmds) / sizeof(pm_cli_cmds[0]);

const struct pm_cli_cmd *pm_cli_find(const char *name)
{
	for (size_t i = 0; i < pm_cli_ncmds; i++)
		if (!strcmp(pm_cli_cmds[i].name, name))
			return &pm_cli_cmds[i];
	return NULL;
}

/* Levenshtein distance of two short strings (command and option names), capped at 9. */
unsigned pm_cli_edits(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 30 || lb > 30)
		return 9;
	unsigned d[31][31];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t k = 0; k <= lb; k++)
		d[0][k] = (unsigned)k;
	for (size_t i = 1; i <= la; i++)
		for (size_t k = 1; k <= lb; k++) {
			unsigned sub = d[i - 1][k - 1] + (a[i - 1] != b[k - 1]);
			unsigned del = d[i - 1][k] + 1, ins = d[i][k - 1] + 1;
			d[i][k] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			/* a swap of two neighbours is one edit */
			if (i > 1 && k > 1 && a[i - 1] == b[k - 2] && a[i - 2] == b[k - 1] &&
			    d[i - 2][k - 2] + 1 < d[i][k])
				d[i][k] = d[i - 2][k - 2] + 1;
		}
	return d[la][lb] > 9 ? 9 : d[la][lb];
}

const struct pm_cli_cmd *pm_cli_nearest(const char *name)
{
	const struct pm_cli_cmd *best = NULL, *prefix = NULL;
	unsigned bd = 3, nprefix = 0;
	size_t n = strlen(name);
	for (size_t i = 0; i < pm_cli_ncmds; i++) {
		unsigned e = pm_cli_edits(name, pm_cli_cmds[i].name);
		/* short names need a closer match: 'x' and 'dt' are one edit from many words */
		unsigned limit = strlen(pm_cli_cmds[i].name) <= 3 ? 1 : 2;
		if (e <= limit && e < bd) {
			bd = e;
			best = &pm_cli_cmds[i];
		}
		if (n >= 2 && !strncmp(pm_cli_cmds[i].name, name, n)) {
			prefix = &pm_cli_cmds[i];
			nprefix++;
		}
	}
	return best ? best : nprefix == 1 ? prefix : NULL;
}

int pm_cli_check_dump_args(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	struct stat st;
	if (!cmd->reads_dumps || !strcmp(cmd->name, "batch") || !strcmp(cmd->name, "trend") ||
	    a->npos < 1)
		return -1;
	for (int i = 0; i < a->npos && i < (strcmp(cmd->name, "poolused") ? 1 : 2); i++) {
		if (stat(a->pos[i], &st) || !S_ISDIR(st.st_mode))
			continue;
		fprintf(stderr, "poolmortem: %s: %s is a directory; %s takes one dump file. To "
			"analyze every dump in it (and in its subfolders): poolmortem batch %s\n",
			cmd->name, a->pos[i], cmd->name, a->pos[i]);
		return PM_EXIT_USAGE;
	}
	return -1;
}
