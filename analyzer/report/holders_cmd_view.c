// SPDX-License-Identifier: MIT
// `processes` and `handles` (holders_view.h): text for people, JSON trees for tools.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt.h"
#include "holders_view.h"

static struct pm_error *finish(struct pm_strbuf *sb, char **ret)
{
	char *s = pm_sb_take(sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

/* ---------------------------------------------------------------- processes */

static int by_commit(const void *a, const void *b)
{
	const struct pm_holder_proc *x = *(const struct pm_holder_proc *const *)a,
				    *y = *(const struct pm_holder_proc *const *)b;
	if (x->p.commit_pages != y->p.commit_pages)
		return x->p.commit_pages > y->p.commit_pages ? -1 : 1;
	return x->p.pid < y->p.pid ? -1 : x->p.pid > y->p.pid;
}

/* The processes with a known commit, largest first (NULL on OOM; *n their number). */
static const struct pm_holder_proc **commit_order(const struct pm_holders *h, size_t *n)
{
	const struct pm_holder_proc **v = malloc((h->procs.n + 1) * sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < h->procs.n; i++)
		if (h->p[i].p.has_commit)
			v[(*n)++] = &h->p[i];
	if (*n > 1)
		qsort(v, *n, sizeof(*v), by_commit);
	return v;
}

static void text_header(struct pm_strbuf *sb, const struct pm_holders *h)
{
	if (!h->has_layout) {
		pm_sb_printf(sb, "Processes:    not known: %s\n", h->layout_absent);
		return;
	}
	pm_sb_printf(sb, "Layout:       %s (%s)\n", h->layout.name, h->layout.provenance);
	if (!h->has_procs) {
		pm_sb_printf(sb, "Processes:    not known: %s\n", h->procs_absent);
		return;
	}
	pm_sb_printf(sb, "Processes:    %zu on PsActiveProcessHead%s%s\n", h->procs.n,
		     h->procs.complete ? " (the whole list)" : "; the walk stopped: ",
		     h->procs.complete ? "" : h->procs.stop);
	if (h->has_types)
		pm_sb_printf(sb, "Object types: %u (%s; TypeIndex %s)\n", h->types->n - 2,
			     h->types->table_how, h->types->cookie_how);
	else
		pm_sb_printf(sb, "Object types: not known: %s\n", h->types_absent);
}

static void text_row(struct pm_strbuf *sb, const struct pm_holder_proc *hp)
{
	const struct pm_process *p = &hp->p;
	char c[7][24];
	for (int k = 0; k < 7; k++)
		snprintf(c[k], sizeof(c[k]), "-");
	if (p->has_parent)
		snprintf(c[0], 24, "%" PRIu64, p->parent_pid);
	if (p->has_session)
		snprintf(c[1], 24, "%" PRIu32, p->session);
	if (p->has_threads)
		snprintf(c[2], 24, "%" PRIu32, p->threads);
	if (hp->walked)
		snprintf(c[3], 24, "%" PRIu64, hp->handles);
	if (p->has_commit)
		snprintf(c[4], 24, "%" PRIu64, pm_pages_kb(p->commit_pages));
	if (p->has_quota) {
		snprintf(c[5], 24, "%" PRIu64, p->quota_np);
		snprintf(c[6], 24, "%" PRIu64, p->quota_p);
	}
	pm_sb_printf(sb, "%-18s %7" PRIu64 " %7s %4s %5s %9s %11s %10s %10s  %s\n",
		     PM_ADDR(p->eprocess), p->pid, c[0], c[1], c[2], c[3], c[4], c[5], c[6],
		     p->name);
	if (!hp->walked && hp->absent[0])
		pm_sb_printf(sb, "%-18s handles not counted: %s\n", "", hp->absent);
	else if (hp->problem[0])
		pm_sb_printf(sb, "%-18s handle table: %s\n", "", hp->problem);
}

static int by_np_quota(const void *a, const void *b)
{
	const struct pm_holder_proc *x = *(const struct pm_holder_proc *const *)a,
				    *y = *(const struct pm_holder_proc *const *)b;
	return x->p.quota_np != y->p.quota_np ? (x->p.quota_np > y->p.quota_np ? -1 : 1)
					      : (x->p.pid > y->p.pid) - (x->p.pid < y->p.pid);
}

static int by_p_quota(const void *a, const void *b)
{
	const struct pm_holder_proc *x = *(const struct pm_holder_proc *const *)a,
				    *y = *(const struct pm_holder_proc *const *)b;
	return x->p.quota_p != y->p.quota_p ? (x->p.quota_p > y->p.quota_p ? -1 : 1)
					    : (x->p.pid > y->p.pid) - (x->p.pid < y->p.pid);
}

/* The processes with a known pool quota, largest first in @p paged's pool (NULL on OOM). */
static const struct pm_holder_proc **quota_order(const struct pm_holders *h, bool paged,
						 size_t *n)
{
	const struct pm_holder_proc **v = malloc((h->procs.n + 1) * sizeof(*v));
	*n = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < h->procs.n; i++)
		if (h->p[i].p.has_quota && (paged ? h->p[i].p.quota_p : h->p[i].p.quota_np))
			v[(*n)++] = &h->p[i];
	if (*n > 1)
		qsort(v, *n, sizeof(*v), paged ? by_p_quota : by_np_quota);
	return v;
}

enum { QUOTA_TOP = 10 };

static void text_quota(struct pm_strbuf *sb, const struct pm_holders *h)
{
	for (int paged = 0; paged < 2; paged++) {
		size_t n;
		const struct pm_holder_proc **v = quota_order(h, paged, &n);
		if (n)
			pm_sb_printf(sb, "\nPool quota charged, %s (largest first):\n",
				     paged ? "paged" : "nonpaged");
		for (size_t i = 0; v && i < n && i < QUOTA_TOP; i++)
			pm_sb_printf(sb, "  %-15s PID %-7" PRIu64 " %14s bytes (peak %s)\n",
				     v[i]->p.name, v[i]->p.pid,
				     PM_BYTES(paged ? v[i]->p.quota_p : v[i]->p.quota_np),
				     v[i]->p.has_quota_peak ? PM_BYTES(paged ? v[i]->p.quota_peak_p
									   : v[i]->p.quota_peak_np)
							    : "-");
		free(v);
	}
}

static void text_billed(struct pm_strbuf *sb, const struct pm_holders *h)
{
	if (!h->has_billed) {
		pm_sb_printf(sb, "\nBilled big allocations: not known: %s\n", h->billed_absent);
		return;
	}
	pm_sb_printf(sb, "\nBig allocations billed to processes: %" PRIu64 " of %" PRIu64 " live "
		     "entries (%s)%s\n", h->billed.charged, h->billed.live,
		     h->billed.cookie_how, h->billed.n ? ":" : "");
	for (size_t i = 0; i < h->billed.n && i < 20; i++) {
		const struct pm_billed_group *g = &h->billed.groups[i];
		const struct pm_holder_proc *hp = pm_holders_proc_at(h, g->process);
		pm_sb_printf(sb, "  %-15s PID %-7" PRIu64 " %-4s %8" PRIu64 " allocations %14s "
			     "bytes\n", hp ? hp->p.name : "?", hp ? hp->p.pid : 0, PM_TAG(g->tag),
			     g->count, PM_BYTES(g->bytes));
	}
	if (h->billed.unexplained)
		pm_sb_printf(sb, "  %" PRIu64 " entries decode to no listed process (not "
			     "attributed)\n", h->billed.unexplained);
}

static void text_commit(struct pm_strbuf *sb, const struct pm_holders *h)
{
	size_t n;
	const struct pm_holder_proc **v = commit_order(h, &n);
	if (n)
		pm_sb_printf(sb, "\nPrivate commit by process (as !vm lists it):\n");
	for (size_t i = 0; v && i < n; i++)
		pm_sb_printf(sb, "         %04" PRIx64 " %-17s %6" PRIu64 " (%10" PRIu64 " Kb)\n",
			     v[i]->p.pid, v[i]->p.name, v[i]->p.commit_pages,
			     pm_pages_kb(v[i]->p.commit_pages));
	free(v);
}

struct pm_error *pm_processes_commit_text(const struct pm_holders *h, char **ret)
{
	struct pm_strbuf sb = { NULL, 0, 0, false };
	pm_sb_printf(&sb, "%s", "");
	if (h->has_procs)
		text_commit(&sb, h);
	return finish(&sb, ret);
}

struct pm_error *pm_processes_text(const struct pm_holders *h, char **ret)
{
	struct pm_strbuf sb = { NULL, 0, 0, false };
	text_header(&sb, h);
	if (h->has_procs) {
		pm_sb_printf(&sb, "\n%-18s %7s %7s %4s %5s %9s %11s %10s %10s  %s\n", "PROCESS",
			     "PID", "PPID", "SESS", "THR", "HANDLES", "COMMIT(Kb)", "NP-QUOTA",
			     "P-QUOTA", "IMAGE");
		for (size_t i = 0; i < h->procs.n; i++)
			text_row(&sb, &h->p[i]);
		text_commit(&sb, h);
		text_quota(&sb, h);
		text_billed(&sb, h);
	}
	return finish(&sb, ret);
}

static void json_layout(struct pm_jb *j, cJSON *root, const struct pm_holders *h)
{
	if (!h->has_layout) {
		pm_jb_absent(j, root, "layout", pm_absent_name(h->layout_why), h->layout_absent);
		return;
	}
	cJSON *l = pm_jb_obj(j, root, "layout");
	pm_jb_str(j, l, "name", h->layout.name);
	pm_jb_str(j, l, "source", h->layout.source);
	pm_jb_str(j, l, "provenance", h->layout.provenance);
}

static void json_process(struct pm_jb *j, cJSON *x, const struct pm_holder_proc *hp)
{
	const struct pm_process *p = &hp->p;
	char t[PM_FMT_TIME];
	pm_jb_hex(j, x, "eprocess", p->eprocess);
	pm_jb_num(j, x, "pid", (double)p->pid);
	pm_jb_str(j, x, "name", p->name);
	if (p->has_parent)
		pm_jb_num(j, x, "parent_pid", (double)p->parent_pid);
	if (p->has_session)
		pm_jb_num(j, x, "session", p->session);
	else
		pm_jb_absent(j, x, "session", pm_absent_name(!strcmp(p->session_absent, "none")
							      ? PM_ABSENT_NOT_APPLICABLE
							      : !strcmp(p->session_absent, "unreadable")
							      ? PM_ABSENT_UNREADABLE
							      : PM_ABSENT_NOT_IN_SYMBOLS),
			     p->session_absent);
	if (p->has_create && pm_fmt_time(p->create_time, t))
		pm_jb_str(j, x, "create_time", t);
	if (p->has_threads)
		pm_jb_num(j, x, "threads", p->threads);
	if (hp->walked)
		pm_jb_num(j, x, "handles", (double)hp->handles);
	else
		pm_jb_absent(j, x, "handles", pm_absent_name(hp->why), hp->absent);
	if (p->has_commit)
		pm_jb_num(j, x, "commit_pages", (double)p->commit_pages);
	if (p->has_commit_peak)
		pm_jb_num(j, x, "commit_peak_pages", (double)p->commit_peak_pages);
	if (p->has_quota) {
		cJSON *q = pm_jb_obj(j, x, "pool_quota");
		pm_jb_num(j, q, "nonpaged", (double)p->quota_np);
		pm_jb_num(j, q, "paged", (double)p->quota_p);
		if (p->has_quota_peak) {
			pm_jb_num(j, q, "nonpaged_peak", (double)p->quota_peak_np);
			pm_jb_num(j, q, "paged_peak", (double)p->quota_peak_p);
		}
	}
}

static void json_billed(struct pm_jb *j, cJSON *root, const struct pm_holders *h)
{
	if (!h->has_billed) {
		pm_jb_absent(j, root, "billed", pm_absent_name(h->billed_why), h->billed_absent);
		return;
	}
	cJSON *b = pm_jb_obj(j, root, "billed");
	pm_jb_str(j, b, "cookie", h->billed.cookie_how);
	pm_jb_num(j, b, "live", (double)h->billed.live);
	pm_jb_num(j, b, "charged", (double)h->billed.charged);
	pm_jb_num(j, b, "unexplained", (double)h->billed.unexplained);
	cJSON *a = pm_jb_arr(j, b, "groups");
	for (size_t i = 0; a && i < h->billed.n; i++) {
		const struct pm_billed_group *g = &h->billed.groups[i];
		const struct pm_holder_proc *hp = pm_holders_proc_at(h, g->process);
		cJSON *x = pm_jb_push_obj(j, a);
		if (!x || !hp)
			continue;
		pm_jb_num(j, x, "pid", (double)hp->p.pid);
		pm_jb_str(j, x, "name", hp->p.name);
		pm_jb_tag(j, x, "tag", g->tag);
		pm_jb_num(j, x, "count", (double)g->count);
		pm_jb_num(j, x, "bytes", (double)g->bytes);
	}
}

struct pm_error *pm_processes_json(const struct pm_holders *h, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.processes/1");
	json_layout(&j, root, h);
	if (!h->has_procs) {
		pm_jb_absent(&j, root, "processes", pm_absent_name(h->procs_why), h->procs_absent);
		return pm_jb_done(&j, root, ret);
	}
	pm_jb_bool(&j, root, "complete", h->procs.complete);
	if (!h->procs.complete)
		pm_jb_str(&j, root, "stopped", h->procs.stop);
	cJSON *a = pm_jb_arr(&j, root, "processes");
	for (size_t i = 0; a && i < h->procs.n; i++) {
		cJSON *x = pm_jb_push_obj(&j, a);
		if (x)
			json_process(&j, x, &h->p[i]);
	}
	size_t n;
	const struct pm_holder_proc **v = commit_order(h, &n);
	cJSON *c = pm_jb_arr(&j, root, "commit");
	for (size_t i = 0; c && v && i < n; i++) {
		cJSON *x = pm_jb_push_obj(&j, c);
		if (!x)
			break;
		pm_jb_num(&j, x, "pid", (double)v[i]->p.pid);
		pm_jb_str(&j, x, "name", v[i]->p.name);
		pm_jb_num(&j, x, "pages", (double)v[i]->p.commit_pages);
		pm_jb_num(&j, x, "kb", (double)pm_pages_kb(v[i]->p.commit_pages));
	}
	free(v);
	cJSON *qr = pm_jb_obj(&j, root, "quota_rank");
	for (int paged = 0; paged < 2; paged++) {
		v = quota_order(h, paged, &n);
		cJSON *qa = pm_jb_arr(&j, qr, paged ? "paged" : "nonpaged");
		for (size_t i = 0; qa && v && i < n && i < QUOTA_TOP; i++) {
			cJSON *x = pm_jb_push_obj(&j, qa);
			if (!x)
				break;
			pm_jb_num(&j, x, "pid", (double)v[i]->p.pid);
			pm_jb_str(&j, x, "name", v[i]->p.name);
			pm_jb_num(&j, x, "bytes", (double)(paged ? v[i]->p.quota_p : v[i]->p.quota_np));
		}
		free(v);
	}
	json_billed(&j, root, h);
	return pm_jb_done(&j, root, ret);
}

/* ---------------------------------------------------------------- handles */

static bool type_wanted(const struct pm_obj_type *t, const char *want)
{
	if (!want)
		return true;
	char tag[PM_FMT_TAG];
	pm_fmt_tag(t->key, tag);
	size_t n = strlen(want);
	/* the name, or the pool tag (trailing blanks of a short tag optional) */
	return !strcasecmp(t->name, want) ||
	       (n <= 4 && !strncmp(tag, want, n) && strspn(tag + n, " ") == 4 - n);
}

/* The handles of the wanted types a process holds. */
static uint64_t wanted_handles(const struct pm_holders *h, const struct pm_holder_proc *hp,
			       const struct pm_handles_opts *o)
{
	uint64_t n = 0;
	for (size_t k = 0; k < hp->ntypes; k++)
		if (type_wanted(&h->types->t[hp->types[k].type], o->type))
			n += hp->types[k].handles;
	return n;
}

/* A process is listed when its PID is the one asked for and, with --type, when it holds
 * handles of that type or it has a table that could not be counted (it may hold them). */
static bool proc_wanted(const struct pm_holders *h, const struct pm_holder_proc *hp,
			const struct pm_handles_opts *o)
{
	if (o->has_pid && hp->p.pid != o->pid)
		return false;
	return !o->type || (!hp->walked && hp->p.object_table) || wanted_handles(h, hp, o);
}

struct by_wanted {
	const struct pm_holders *h;
	const struct pm_handles_opts *o;
	size_t i;
	uint64_t n;
};

static int by_wanted_desc(const void *a, const void *b)
{
	const struct by_wanted *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The listed processes: in list order, or with --type the most handles of it first (as one
 * looks for the holder); NULL when out of memory. */
static struct by_wanted *proc_order(const struct pm_holders *h, const struct pm_handles_opts *o,
				    size_t *n)
{
	struct by_wanted *v = malloc((h->procs.n + 1) * sizeof(*v));
	*n = 0;
	for (size_t i = 0; v && i < h->procs.n; i++)
		if (proc_wanted(h, &h->p[i], o))
			v[(*n)++] = (struct by_wanted){ h, o, i, wanted_handles(h, &h->p[i], o) };
	if (v && o->type && *n > 1)
		qsort(v, *n, sizeof(*v), by_wanted_desc);
	return v;
}

/* Handles of type @p t in the listed processes (all, or the one --pid names). */
static uint64_t type_total(const struct pm_holders *h, const struct pm_handles_opts *o,
			   unsigned t)
{
	if (!o->has_pid)
		return h->per_type[t];
	uint64_t n = 0;
	for (size_t i = 0; i < h->procs.n; i++)
		for (size_t k = 0; h->p[i].p.pid == o->pid && k < h->p[i].ntypes; k++)
			if (h->p[i].types[k].type == t)
				n += h->p[i].types[k].handles;
	return n;
}

static void text_types(struct pm_strbuf *sb, const struct pm_holders *h,
		       const struct pm_handles_opts *o)
{
	pm_sb_printf(sb, "\n%-28s %-4s %12s %12s %12s\n", "TYPE", "TAG", "HANDLES", "OBJECTS",
		     "KERNEL-HDLS");
	for (unsigned t = 2; t < h->types->n; t++) {
		const struct pm_obj_type *ty = &h->types->t[t];
		if (!ty->present || !type_wanted(ty, o->type))
			continue;
		uint64_t n = type_total(h, o, t);
		if (!n && !o->type)
			continue;
		char ob[24] = "-", kh[24] = "-";
		if (ty->has_objects)
			snprintf(ob, sizeof(ob), "%" PRIu32, ty->objects);
		if (ty->has_handles)
			snprintf(kh, sizeof(kh), "%" PRIu32, ty->handles);
		pm_sb_printf(sb, "%-28s %-4s %12" PRIu64 " %12s %12s\n", ty->name, PM_TAG(ty->key), n,
			     ob, kh);
	}
}

static void text_procs(struct pm_strbuf *sb, const struct pm_holders *h,
		       const struct pm_handles_opts *o)
{
	size_t n;
	struct by_wanted *order = proc_order(h, o, &n);
	if (!order) {
		sb->oom = true;
		return;
	}
	for (size_t w = 0; w < n; w++) {
		const struct pm_holder_proc *hp = &h->p[order[w].i];
		if (!hp->walked) {
			pm_sb_printf(sb, "\n%s (PID %" PRIu64 "): handles not counted: %s\n", hp->p.name,
				     hp->p.pid, hp->absent);
			continue;
		}
		pm_sb_printf(sb, "\n%s (PID %" PRIu64 "): %" PRIu64 " handles", hp->p.name, hp->p.pid,
			     hp->handles);
		if (hp->has_kernel_count)
			pm_sb_printf(sb, " (the table says %" PRIu64 ")", hp->kernel_count);
		if (hp->unattributed || hp->header_absent || hp->unseen)
			pm_sb_printf(sb, "; not attributed: %" PRIu64 " bad entries, %" PRIu64
				     " objects not in the dump, %" PRIu64 " entries in absent table "
				     "pages", hp->unattributed, hp->header_absent, hp->unseen);
		pm_sb_printf(sb, "\n");
		if (hp->problem[0])
			pm_sb_printf(sb, "  first problem: %s\n", hp->problem);
		for (size_t k = 0; k < hp->ntypes; k++) {
			const struct pm_obj_type *ty = &h->types->t[hp->types[k].type];
			if (type_wanted(ty, o->type))
				pm_sb_printf(sb, "  %-28s %-4s %12" PRIu64 "\n", ty->name,
					     PM_TAG(ty->key), hp->types[k].handles);
		}
	}
	free(order);
}

struct pm_error *pm_handles_text(const struct pm_holders *h, const struct pm_handles_opts *o,
				 char **ret)
{
	struct pm_strbuf sb = { NULL, 0, 0, false };
	text_header(&sb, h);
	if (!h->has_handles) {
		if (h->has_layout)
			pm_sb_printf(&sb, "Handles:      not counted: %s\n", h->handles_absent);
		return finish(&sb, ret);
	}
	pm_sb_printf(&sb, "Handles:      %" PRIu64 " in %u tables (%u not walked)%s\n", h->handles,
		     h->tables_walked, h->tables_failed, h->budget_spent ? "; the entry budget "
		     "was spent: some tables were not read to the end" : "");
	if (h->unattributed || h->header_absent || h->unseen)
		pm_sb_printf(&sb, "Not attributed: %" PRIu64 " bad entries, %" PRIu64 " objects not "
			     "in the dump, %" PRIu64 " entries in absent table pages\n",
			     h->unattributed, h->header_absent, h->unseen);
	text_types(&sb, h, o);
	text_procs(&sb, h, o);
	return finish(&sb, ret);
}

static void json_proc_handles(struct pm_jb *j, cJSON *x, const struct pm_holders *h,
			      const struct pm_holder_proc *hp, const struct pm_handles_opts *o)
{
	pm_jb_num(j, x, "pid", (double)hp->p.pid);
	pm_jb_str(j, x, "name", hp->p.name);
	if (!hp->walked) {
		pm_jb_absent(j, x, "handles", pm_absent_name(hp->why), hp->absent);
		return;
	}
	pm_jb_num(j, x, "handles", (double)hp->handles);
	if (hp->has_kernel_count)
		pm_jb_num(j, x, "kernel_count", (double)hp->kernel_count);
	pm_jb_num(j, x, "unattributed", (double)hp->unattributed);
	pm_jb_num(j, x, "header_absent", (double)hp->header_absent);
	pm_jb_num(j, x, "unseen", (double)hp->unseen);
	if (hp->problem[0])
		pm_jb_str(j, x, "problem", hp->problem);
	cJSON *a = pm_jb_arr(j, x, "types");
	for (size_t k = 0; a && k < hp->ntypes; k++) {
		const struct pm_obj_type *ty = &h->types->t[hp->types[k].type];
		if (!type_wanted(ty, o->type))
			continue;
		cJSON *y = pm_jb_push_obj(j, a);
		if (!y)
			return;
		pm_jb_str(j, y, "type", ty->name);
		pm_jb_tag(j, y, "tag", ty->key);
		pm_jb_num(j, y, "handles", (double)hp->types[k].handles);
	}
}

struct pm_error *pm_handles_json(const struct pm_holders *h, const struct pm_handles_opts *o,
				 cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.handles/1");
	json_layout(&j, root, h);
	if (!h->has_handles) {
		pm_jb_absent(&j, root, "handles", pm_absent_name(h->handles_why), h->handles_absent);
		return pm_jb_done(&j, root, ret);
	}
	pm_jb_str(&j, root, "type_table", h->types->table_how);
	pm_jb_str(&j, root, "type_index", h->types->cookie_how);
	pm_jb_num(&j, root, "handles", (double)h->handles);
	pm_jb_num(&j, root, "tables_walked", h->tables_walked);
	pm_jb_num(&j, root, "tables_failed", h->tables_failed);
	pm_jb_bool(&j, root, "budget_spent", h->budget_spent);
	cJSON *ta = pm_jb_arr(&j, root, "types");
	for (unsigned t = 2; ta && t < h->types->n; t++) {
		const struct pm_obj_type *ty = &h->types->t[t];
		if (!ty->present || !type_wanted(ty, o->type))
			continue;
		cJSON *x = pm_jb_push_obj(&j, ta);
		if (!x)
			break;
		pm_jb_str(&j, x, "type", ty->name);
		pm_jb_tag(&j, x, "tag", ty->key);
		pm_jb_num(&j, x, "index", t);
		pm_jb_num(&j, x, "handles", (double)type_total(h, o, t));
		if (ty->has_objects)
			pm_jb_num(&j, x, "objects", ty->objects);
		if (ty->has_handles)
			pm_jb_num(&j, x, "kernel_handles", ty->handles);
	}
	cJSON *pa = pm_jb_arr(&j, root, "processes");
	size_t n;
	struct by_wanted *order = proc_order(h, o, &n);
	if (!order)
		j.oom = true;
	for (size_t w = 0; pa && order && w < n; w++) {
		cJSON *x = pm_jb_push_obj(&j, pa);
		if (x)
			json_proc_handles(&j, x, h, &h->p[order[w].i], o);
	}
	free(order);
	return pm_jb_done(&j, root, ret);
}
