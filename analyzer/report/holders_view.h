/* SPDX-License-Identifier: MIT */
/**
 * @file holders_view.h
 * Renderings of who holds what: a finding's holders in the verdict (JSON members, text,
 * Markdown, HTML), and the `processes` and `handles` commands (text and JSON trees, schemas
 * poolmortem.processes/1 and poolmortem.handles/1).
 */
#ifndef PM_HOLDERS_VIEW_H
#define PM_HOLDERS_VIEW_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "holders.h"
#include "jsonb.h"
#include "rules.h"
#include "strbuf.h"

/** "holders" (and "holders_absent" when no holder could be named) of a finding. */
void pm_holders_json_finding(struct pm_jb *j, cJSON *o, const struct pm_finding *fi);
void pm_holders_text_finding(struct pm_strbuf *sb, const struct pm_finding *fi);
void pm_holders_md_finding(struct pm_strbuf *sb, const struct pm_finding *fi);
void pm_holders_html_finding(struct pm_strbuf *sb, const struct pm_finding *fi);

/** What `handles` shows: every process or one (@p pid), every type or those whose name or
 * pool tag is @p type. */
struct pm_handles_opts {
	bool has_pid;
	uint64_t pid;
	const char *type; /**< NULL: all */
};

/** `processes`: the !process 0 0-like list with handles, commit and pool quota, and the
 * per-process commit list the way plain !vm prints it. */
struct pm_error *pm_processes_text(const struct pm_holders *h, char **ret);
struct pm_error *pm_processes_json(const struct pm_holders *h, cJSON **ret);
/** The per-process commit list the way plain !vm prints it at its end (PID in hex, image
 * name, commit pages and Kb, largest first); "" when the processes are not known. */
struct pm_error *pm_processes_commit_text(const struct pm_holders *h, char **ret);
/** `handles`: handle counts by type (a !handle-like summary) per process and in all. */
struct pm_error *pm_handles_text(const struct pm_holders *h, const struct pm_handles_opts *o,
				 char **ret);
struct pm_error *pm_handles_json(const struct pm_holders *h, const struct pm_handles_opts *o,
				 cJSON **ret);

#endif
