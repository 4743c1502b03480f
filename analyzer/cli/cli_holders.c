// SPDX-License-Identifier: MIT
// The holder commands: `processes` (the process list with handles, commit and pool quota) and
// `handles` (handle counts by object type, per process).
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "holders.h"
#include "holders_view.h"
#include "info.h"
#include "jsonb.h"

static int holder_cmd(const struct pm_cli_args *a, bool handles)
{
	const char *path = a->pos[0];
	struct pm_info *in;
	struct pm_error *err = pm_info_gather(path, &a->info, &in);
	if (err) {
		fprintf(stderr, "poolmortem: error: %s: %s\n", path, pm_err_msg(err));
		pm_error_destroy(err);
		return PM_EXIT_UNREADABLE;
	}
	pm_info_gather_pool(in); /* the big-page table, for the billed allocations */
	struct pm_holders *h = malloc(sizeof(*h));
	if (!h) {
		pm_info_destroy(in);
		fprintf(stderr, "poolmortem: error: %s: out of memory\n", path);
		return PM_EXIT_UNREADABLE;
	}
	pm_holders_gather(in, h);
	struct pm_handles_opts o = { a->has_pid, a->pid, a->type };
	char *out = NULL;
	cJSON *t = NULL;
	if (a->json)
		err = handles ? pm_handles_json(h, &o, &t) : pm_processes_json(h, &t);
	else
		err = handles ? pm_handles_text(h, &o, &out) : pm_processes_text(h, &out);
	if (!err && t) {
		err = pm_json_print(t, true, &out);
		cJSON_Delete(t);
	}
	int rc = PM_EXIT_OK;
	if (err) {
		fprintf(stderr, "poolmortem: error: %s: %s\n", path, pm_err_msg(err));
		pm_error_destroy(err);
		rc = PM_EXIT_UNREADABLE;
	} else {
		fputs(out, stdout);
		if (a->json)
			fputc('\n', stdout);
		fflush(stdout);
		const char *why = NULL;
		if (!pm_info_incomplete(in, &why))
			why = !h->has_procs ? h->procs_absent
			      : !h->procs.complete ? h->procs.stop
			      : handles && !h->has_handles ? h->handles_absent : NULL;
		if (why) {
			fprintf(stderr, "poolmortem: incomplete: %s: %s\n", path, why);
			rc = PM_EXIT_INCOMPLETE;
		}
	}
	free(out);
	pm_holders_deinit(h);
	free(h);
	pm_info_destroy(in);
	return rc;
}

int pm_cmd_processes(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	return holder_cmd(a, false);
}

int pm_cmd_handles(const struct pm_cli_cmd *cmd, const struct pm_cli_args *a)
{
	(void)cmd;
	return holder_cmd(a, true);
}

void pm_cli_vm_processes(struct pm_info *in)
{
	struct pm_holders *h = malloc(sizeof(*h));
	if (!h)
		return;
	pm_holders_gather_procs(in, h);
	char *out = NULL;
	struct pm_error *err = pm_processes_commit_text(h, &out);
	if (!err)
		fputs(out, stdout);
	pm_error_destroy(err);
	free(out);
	pm_holders_deinit(h);
	free(h);
}
