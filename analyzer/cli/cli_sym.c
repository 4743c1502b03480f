// SPDX-License-Identifier: MIT
// The symbol commands: dt (a type's layout) and x (symbols' RVAs) on a PDB or ISF file.
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dtview.h"
#include "symfile.h"

static int open_sym(const char *path, struct pm_symtab **t)
{
	struct pm_error *err = pm_symfile_open(path, t);
	if (!err)
		return PM_EXIT_OK;
	fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
	pm_error_destroy(err);
	return PM_EXIT_UNREADABLE;
}

/* dt [--json] SYMFILE TYPE; x [--json] SYMFILE NAME... */
int pm_cli_sym(int argc, char **argv, bool is_dt)
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
	if (argc - optind < 2 || (is_dt && argc - optind != 2)) {
		fprintf(stderr, "poolmortem: %s\n", is_dt ? "dt takes a PDB or ISF file and a type name"
							  : "x takes a PDB or ISF file and symbol names");
		return PM_EXIT_USAGE;
	}
	struct pm_symtab *t;
	int rc = open_sym(argv[optind], &t);
	if (rc)
		return rc;
	char *out = NULL;
	bool all = true;
	struct pm_error *err = is_dt ? pm_dt_render(t, argv[optind + 1], json, &out)
				     : pm_x_render(t, (const char *const *)argv + optind + 1,
						   (size_t)(argc - optind - 1), json, &out, &all);
	pm_symtab_destroy(t);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	fputs(out, stdout);
	if (json)
		fputc('\n', stdout);
	free(out);
	return all ? PM_EXIT_OK : PM_EXIT_INCOMPLETE;
}
