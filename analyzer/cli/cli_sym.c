// SPDX-License-Identifier: MIT
// The symbol commands: dt (a type's layout) and x (symbols' RVAs) on a PDB or ISF file.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_io.h"
#include "drvtags_view.h"
#include "dtview.h"
#include "jsonb.h"
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
static int sym_cmd(const struct pm_cli_args *a, bool is_dt)
{
	struct pm_symtab *t;
	int rc = open_sym(a->pos[0], &t);
	if (rc)
		return rc;
	char *out = NULL;
	cJSON *tree = NULL;
	bool all = true;
	const char *const *names = (const char *const *)a->pos + 1;
	size_t n = (size_t)(a->npos - 1);
	struct pm_error *err = is_dt ? (a->json ? pm_json_dt(t, a->pos[1], &tree)
						: pm_dt_text(t, a->pos[1], &out))
			       : a->json ? pm_json_x(t, names, n, &tree, &all)
					 : pm_x_text(t, names, n, &out, &all);
	pm_symtab_destroy(t);
	if (!err && tree) {
		err = pm_json_print(tree, true, &out);
		cJSON_Delete(tree);
	}
	if (err) {
		/* the file was read: a type it does not hold is a lookup that found nothing (as
		 * x's missing names), not an unreadable input */
		bool missing = pm_err_code(err) == PM_ERR_PROFILE;
		fprintf(stderr, "poolmortem: %s: %s\n", missing ? "not found" : "error",
			pm_err_msg(err));
		pm_error_destroy(err);
		return missing ? PM_EXIT_INCOMPLETE : PM_EXIT_UNREADABLE;
	}
	fputs(out, stdout);
	if (a->json)
		fputc('\n', stdout);
	free(out);
	return all ? PM_EXIT_OK : PM_EXIT_INCOMPLETE;
}

int pm_cmd_dt(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	return sym_cmd(a, true);
}

int pm_cmd_x(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	return sym_cmd(a, false);
}

/* tags [--json] DRIVER.sys: the driver file's own pool-tag evidence. */
int pm_cmd_tags(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	char *file = NULL, *out = NULL;
	size_t len = 0;
	struct pm_drvtags d;
	cJSON *tree = NULL;
	struct pm_rule_params params;
	struct pm_error *err = pm_cli_load_params(&params, NULL, a->pooltag);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s\n", pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	err = pm_cli_read_file(a->pos[0], PM_DRVTAGS_MAX_FILE, &file, &len);
	if (!err) {
		err = pm_drvtags_build((const uint8_t *)file, len, a->pos[0], &d);
		free(file);
		if (!err) {
			err = a->json ? pm_drvtags_json(&d, a->pos[0], &params, &tree)
				      : pm_drvtags_text(&d, a->pos[0], &params, &out);
			pm_drvtags_deinit(&d);
		}
	}
	pm_rule_params_deinit(&params);
	if (!err && tree) {
		err = pm_json_print(tree, true, &out);
		cJSON_Delete(tree);
	}
	if (err) {
		fprintf(stderr, "poolmortem: error: %s: %s\n", a->pos[0], pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	fputs(out, stdout);
	if (a->json)
		fputc('\n', stdout);
	free(out);
	return PM_EXIT_OK;
}
