// SPDX-License-Identifier: MIT
// The holders as the rules see them (summary.h, struct pm_sum_holders): every process with its
// commit, quota and handle count; every object type with its pool tag and its top holders;
// the billed big allocations grouped by process and tag.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"

static void procs(const struct pm_holders *h, struct pm_sum_holders *s)
{
	for (size_t i = 0; i < h->procs.n && s->nprocs < PM_MAX_SUM_PROCS; i++) {
		const struct pm_holder_proc *hp = &h->p[i];
		struct pm_sum_process *o = &s->procs[s->nprocs++];
		o->pid = (uint32_t)hp->p.pid;
		snprintf(o->name, sizeof(o->name), "%s", hp->p.name);
		o->has_commit = hp->p.has_commit;
		o->commit_pages = hp->p.commit_pages;
		o->has_quota = hp->p.has_quota;
		o->quota_np = hp->p.quota_np;
		o->quota_p = hp->p.quota_p;
		o->has_handles = hp->walked;
		o->handles = hp->handles;
	}
}

/* Insert (pid, name, n) into the top list, most handles first; ties by PID. */
static void top_add(struct pm_sum_objtype *t, const struct pm_process *p, uint64_t n)
{
	unsigned k = t->ntop;
	while (k > 0 && (t->top[k - 1].handles < n ||
			 (t->top[k - 1].handles == n && t->top[k - 1].pid > p->pid)))
		k--;
	if (k >= PM_SUM_TOP_HOLDERS)
		return;
	unsigned last = t->ntop < PM_SUM_TOP_HOLDERS ? t->ntop : PM_SUM_TOP_HOLDERS - 1;
	memmove(&t->top[k + 1], &t->top[k], (last - k) * sizeof(t->top[0]));
	t->top[k].pid = (uint32_t)p->pid;
	snprintf(t->top[k].name, sizeof(t->top[k].name), "%s", p->name);
	t->top[k].handles = n;
	if (t->ntop < PM_SUM_TOP_HOLDERS)
		t->ntop++;
}

static void types(const struct pm_holders *h, struct pm_sum_holders *s)
{
	const struct pm_obj_types *ts = h->types;
	for (unsigned ty = 2; ty < ts->n && s->ntypes < PM_MAX_SUM_TYPES; ty++) {
		if (!ts->t[ty].present)
			continue;
		struct pm_sum_objtype *o = &s->types[s->ntypes++];
		snprintf(o->name, sizeof(o->name), "%s", ts->t[ty].name);
		o->tag = ts->t[ty].key;
		o->has_objects = ts->t[ty].has_objects;
		o->objects = ts->t[ty].objects;
		o->handles = h->per_type[ty];
		o->has_kernel_handles = ts->t[ty].has_handles;
		o->kernel_handles = ts->t[ty].handles;
		for (size_t i = 0; h->has_handles && i < h->procs.n; i++) {
			const struct pm_holder_proc *hp = &h->p[i];
			for (size_t k = 0; k < hp->ntypes; k++)
				if (hp->types[k].type == ty)
					top_add(o, &hp->p, hp->types[k].handles);
		}
	}
}

static void bills(const struct pm_holders *h, struct pm_sum_holders *s)
{
	for (size_t i = 0; i < h->billed.n && s->nbills < PM_MAX_SUM_BILLS; i++) {
		const struct pm_billed_group *g = &h->billed.groups[i];
		const struct pm_holder_proc *hp = pm_holders_proc_at(h, g->process);
		if (!hp)
			continue;
		struct pm_sum_bill *o = &s->bills[s->nbills++];
		o->pid = (uint32_t)hp->p.pid;
		snprintf(o->name, sizeof(o->name), "%s", hp->p.name);
		o->tag = g->tag;
		o->count = g->count;
		o->bytes = g->bytes;
	}
}

struct pm_error *pm_holders_summarize(const struct pm_holders *h, struct pm_sum_holders *s)
{
	memset(s, 0, sizeof(*s));
	s->processes = h->has_procs;
	snprintf(s->processes_absent, sizeof(s->processes_absent), "%s",
		 h->has_procs ? "" : h->procs_absent);
	if (h->has_layout)
		snprintf(s->layout, sizeof(s->layout), "%s", h->layout.name);
	s->handles = h->has_handles;
	snprintf(s->handles_absent, sizeof(s->handles_absent), "%s",
		 h->has_handles ? "" : h->handles_absent);
	s->billed = h->has_billed;
	snprintf(s->billed_absent, sizeof(s->billed_absent), "%s",
		 h->has_billed ? "" : h->billed_absent);
	if (!h->has_procs)
		return NULL;
	s->processes_complete = h->procs.complete;
	s->handles_counted = h->handles;
	s->handles_unattributed = h->unattributed + h->header_absent;
	s->handles_unseen = h->unseen;
	s->tables_walked = h->tables_walked;
	s->tables_failed = h->tables_failed;
	s->billed_live = h->billed.live;
	s->billed_charged = h->billed.charged;
	s->billed_unexplained = h->billed.unexplained;
	size_t np = h->procs.n < PM_MAX_SUM_PROCS ? h->procs.n : PM_MAX_SUM_PROCS;
	s->procs = calloc(np ? np : 1, sizeof(*s->procs));
	s->types = calloc(PM_MAX_SUM_TYPES, sizeof(*s->types));
	s->bills = calloc(PM_MAX_SUM_BILLS, sizeof(*s->bills));
	if (!s->procs || !s->types || !s->bills) {
		free(s->procs);
		free(s->types);
		free(s->bills);
		memset(s, 0, sizeof(*s));
		return &pm_enomem;
	}
	procs(h, s);
	if (h->has_types)
		types(h, s);
	if (h->has_billed)
		bills(h, s);
	return NULL;
}

struct pm_error *pm_holders_into_summary(struct pm_info *in, struct pm_sum_holders *ret)
{
	struct pm_holders *h = malloc(sizeof(*h));
	if (!h)
		return &pm_enomem;
	pm_holders_gather(in, h);
	struct pm_error *err = pm_holders_summarize(h, ret);
	pm_holders_deinit(h);
	free(h);
	return err;
}
