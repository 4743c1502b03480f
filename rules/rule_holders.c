// SPDX-License-Identifier: MIT
/*
 * Who holds it — intent: a verdict about a pool tag or about commit should end with the
 * process behind it, not with "now go and find the process" (issue 13).
 *
 * - A leaking tag that is an object type's pool tag (the type's Key, read from the kernel's
 *   own types): the processes holding most handles to objects of that type. "explorer.exe (PID
 *   4312) holds 1,602,113 of 1,604,000 Event handles". Confidence: high when the holder has most
 *   of the type's handles, the handles account for most of the tag's outstanding allocations
 *   and the walk was whole (list complete, few entries not attributed); medium when it holds
 *   most handles but handles explain less of the tag; low otherwise. False positive: objects
 *   referenced by pointer without handles (a driver's leak) are not attributed to anyone — the
 *   handles then explain little of the tag, and the confidence says so. A walk that was not
 *   whole (a table refused, entries unread) takes the share of the type's own handle count
 *   (TotalNumberOfHandles) when it is larger: the handles of the tables not read are
 *   somebody's. A process already named for another type is not replaced by the runner-up.
 * - Big allocations of the tag billed to a process (Server 2022+): the process billed most.
 * - Otherwise the pool quota: the process charged the largest share of that pool's usage,
 *   when that share is at least 10%.
 * - Commit: the processes with the largest private commit (what plain !vm lists at its end).
 * When no holder can be named the finding says why (holders_absent). A holder of low
 * confidence is listed with its figures but is not the verdict's holder, and when the process
 * list was cut short every holder is of low confidence (the processes after the cut are not
 * counted).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-units.h"
#include "rank.h"

const char *pm_holder_kind_name(enum pm_holder_kind k)
{
	static const char *const n[] = { "handles", "billed", "quota", "commit" };
	return (unsigned)k < sizeof(n) / sizeof(n[0]) ? n[k] : "handles";
}

/* 1604000 -> "1,604,000" (the sentence's figures, as an engineer writes them) */
static const char *grouped(uint64_t v, char out[32])
{
	char d[24];
	int n = snprintf(d, sizeof(d), "%" PRIu64, v), o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = d[i];
	}
	out[o] = 0;
	return out;
}
#define G(v) grouped((v), (char[32]){ 0 })

static struct pm_ranked_holder *add(struct pm_finding *fi, enum pm_holder_kind kind,
				    uint32_t pid, const char *name)
{
	for (unsigned i = 0; i < fi->nholders; i++)
		if (fi->holders[i].kind == kind && fi->holders[i].pid == pid)
			return NULL; /* already named for this (a second tag of one type) */
	if (fi->nholders >= PM_MAX_HOLDERS)
		return NULL;
	struct pm_ranked_holder *h = &fi->holders[fi->nholders++];
	memset(h, 0, sizeof(*h));
	h->kind = kind;
	h->pid = pid;
	snprintf(h->name, sizeof(h->name), "%s", name);
	return h;
}

static void say(struct pm_ranked_holder *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(struct pm_ranked_holder *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->detail, sizeof(h->detail), fmt, ap);
	va_end(ap);
}

static const struct pm_sum_tag *tag_of(const struct pm_summary *s, uint32_t tag)
{
	for (size_t i = 0; i < s->ntags; i++)
		if (s->tags[i].tag == tag)
			return &s->tags[i];
	return NULL;
}

static double frac(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0;
}

/* The handles of @p t a holder's share is taken of: those counted, or, when the walk was not
 * whole and the type itself counts more (TotalNumberOfHandles), the type's count -- the
 * handles of the tables not read belong to somebody, and may be the larger part. */
static uint64_t of_handles(const struct pm_sum_objtype *t, bool whole)
{
	return !whole && t->has_kernel_handles && t->kernel_handles > t->handles
		       ? t->kernel_handles
		       : t->handles;
}

/* Holders of the handles of every type allocated with @p tag. */
static void by_handles(const struct pm_summary *s, struct pm_finding *fi, uint32_t tag)
{
	const struct pm_sum_holders *H = &s->holders;
	const struct pm_sum_tag *st = tag_of(s, tag);
	uint64_t outstanding = st ? st->np_outstanding + st->p_outstanding : 0;
	bool whole = H->processes_complete && !H->tables_failed &&
		     H->handles_unattributed + H->handles_unseen <= H->handles_counted / 100;
	for (size_t i = 0; i < H->ntypes; i++) {
		const struct pm_sum_objtype *t = &H->types[i];
		if (t->tag != tag || !t->handles || !t->ntop)
			continue;
		uint64_t of = of_handles(t, whole);
		for (unsigned k = 0; k < t->ntop && k < 2; k++) {
			const struct pm_sum_holding *g = &t->top[k];
			double share = frac(g->handles, of);
			if (k && share < 0.2) /* a second holder only when it holds a real part */
				break;
			struct pm_ranked_holder *h = add(fi, PM_HOLD_HANDLES, g->pid, g->name);
			if (!h) {
				if (!k) /* the top holder is named already: its runner-up is not */
					break; /* the type's holder */
				continue;
			}
			h->tag = tag;
			snprintf(h->type, sizeof(h->type), "%s", t->name);
			h->count = g->handles;
			h->total = of;
			double cover = frac(t->handles, outstanding);
			h->confidence = share >= 0.5 && cover >= 0.5 && whole ? PM_CONF_HIGH
					: (share >= 0.5 && cover >= 0.1) || (k && share >= 0.2 && cover >= 0.5)
						? PM_CONF_MEDIUM : PM_CONF_LOW;
			char tg[5], ex[80] = "", part[160] = "";
			pm_sum_tag_str(tag, tg);
			if (cover < 0.5) /* objects held by pointer, not by handle, are nobody's here */
				snprintf(ex, sizeof(ex), "; the handles explain %.1f%% of the tag's "
					 "allocations", 100 * cover);
			if (of != t->handles)
				snprintf(part, sizeof(part), "; %s counted in the tables read: %u "
					 "table%s not walked, %s entries not read or not attributed",
					 G(t->handles), H->tables_failed, H->tables_failed == 1 ? "" : "s",
					 G(H->handles_unattributed + H->handles_unseen));
			say(h, "%s (PID %" PRIu32 ") holds %s of %s%s %s handles (%.1f%%%s); '%s' has %s "
			    "outstanding allocations%s%s%s%s", g->name, g->pid, G(g->handles),
			    of != t->handles ? "the type's " : "", G(of), t->name, 100 * share, part,
			    tg, G(outstanding), t->has_objects ? ", the type " : "",
			    t->has_objects ? G(t->objects) : "", t->has_objects ? " objects" : "", ex);
		}
	}
}

/* The processes billed for big allocations of @p tag. */
static void by_billing(const struct pm_summary *s, struct pm_finding *fi, uint32_t tag)
{
	const struct pm_sum_holders *H = &s->holders;
	uint64_t count = 0, bytes = 0;
	for (size_t i = 0; i < H->nbills; i++)
		if (H->bills[i].tag == tag) {
			count += H->bills[i].count;
			bytes += H->bills[i].bytes;
		}
	const struct pm_sum_tag *st = tag_of(s, tag);
	for (size_t i = 0, named = 0; i < H->nbills && named < 2; i++) {
		const struct pm_sum_bill *b = &H->bills[i];
		if (b->tag != tag || (named && frac(b->bytes, bytes) < 0.2))
			continue;
		named++;
		struct pm_ranked_holder *h = add(fi, PM_HOLD_BILLED, b->pid, b->name);
		if (!h)
			continue;
		h->tag = tag;
		h->count = b->count;
		h->total = count;
		h->bytes = b->bytes;
		double cover = st && st->big_bytes ? frac(bytes, st->big_bytes) : 0;
		h->confidence = frac(b->bytes, bytes) >= 0.5 && cover >= 0.5 ? PM_CONF_HIGH
				: frac(b->bytes, bytes) >= 0.5 ? PM_CONF_MEDIUM : PM_CONF_LOW;
		char tg[5];
		pm_sum_tag_str(tag, tg);
		say(h, "%s (PID %" PRIu32 ") is billed for %s of %s billed big '%s' allocations (%s "
		    "of %s; the tag has %s in big allocations)", b->name, b->pid, G(b->count),
		    G(count), tg, PM_U_HUMAN(b->bytes), PM_U_HUMAN(bytes),
		    PM_U_HUMAN(st ? st->big_bytes : 0));
	}
}

/* The process charged the largest share of the pool's quota. */
static void by_quota(const struct pm_summary *s, struct pm_finding *fi)
{
	const struct pm_sum_holders *H = &s->holders;
	uint64_t usage;
	const char *src;
	bool paged = fi->resource == PM_RES_PAGED;
	if (!pm_pool_usage_bytes(s, fi->resource, &usage, &src) || !usage)
		return;
	const struct pm_sum_process *best = NULL;
	for (size_t i = 0; i < H->nprocs; i++) {
		const struct pm_sum_process *p = &H->procs[i];
		if (p->has_quota && (!best || (paged ? p->quota_p > best->quota_p
						     : p->quota_np > best->quota_np)))
			best = p;
	}
	uint64_t q = best ? (paged ? best->quota_p : best->quota_np) : 0;
	if (!best || frac(q, usage) < 0.1)
		return;
	struct pm_ranked_holder *h = add(fi, PM_HOLD_QUOTA, best->pid, best->name);
	if (!h)
		return;
	h->count = q;
	h->bytes = q;
	h->total = usage;
	h->confidence = frac(q, usage) >= 0.5 ? PM_CONF_MEDIUM : PM_CONF_LOW;
	say(h, "%s (PID %" PRIu32 ") is charged %s of %s pool quota, %.0f%% of the pool's usage "
	    "of %s", best->name, best->pid, PM_U_HUMAN(q), paged ? "paged" : "nonpaged",
	    100 * frac(q, usage), PM_U_HUMAN(usage));
}

static int by_commit_desc(const void *a, const void *b)
{
	const struct pm_sum_process *x = *(const struct pm_sum_process *const *)a,
				    *y = *(const struct pm_sum_process *const *)b;
	if (x->commit_pages != y->commit_pages)
		return x->commit_pages > y->commit_pages ? -1 : 1;
	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

static void by_commit(const struct pm_summary *s, struct pm_finding *fi)
{
	const struct pm_sum_holders *H = &s->holders;
	const struct pm_sum_process **v = malloc((H->nprocs + 1) * sizeof(*v));
	if (!v)
		return;
	size_t n = 0;
	for (size_t i = 0; i < H->nprocs; i++)
		if (H->procs[i].has_commit && H->procs[i].commit_pages)
			v[n++] = &H->procs[i];
	if (n > 1)
		qsort(v, n, sizeof(*v), by_commit_desc);
	uint64_t committed = s->committed.absent == PM_ABSENT_PRESENT ? s->committed.v : 0;
	for (size_t i = 0; i < n && i < 3; i++) {
		struct pm_ranked_holder *h = add(fi, PM_HOLD_COMMIT, v[i]->pid, v[i]->name);
		if (!h)
			break;
		h->count = v[i]->commit_pages;
		h->bytes = v[i]->commit_pages * 4096;
		h->total = committed;
		double share = frac(h->count, committed);
		h->confidence = share >= 0.5 ? PM_CONF_HIGH : share >= 0.2 ? PM_CONF_MEDIUM
									  : PM_CONF_LOW;
		say(h, "%s (PID %" PRIu32 ") has %s of private commit%s%.0f%s%s%s", v[i]->name,
		    v[i]->pid, PM_U_HUMAN(h->bytes), committed ? ", " : "",
		    committed ? 100 * share : 0.0, committed ? "% of the " : "",
		    committed ? PM_U_HUMAN(committed * 4096) : "", committed ? " committed" : "");
	}
	free(v);
}

static void absent(struct pm_finding *fi, const struct pm_sum_holders *H)
{
	const char *why = !H->processes ? H->processes_absent
			  : !H->handles	 ? H->handles_absent
					 : NULL;
	if (why)
		snprintf(fi->holders_absent, sizeof(fi->holders_absent), "%s", why);
	else
		snprintf(fi->holders_absent, sizeof(fi->holders_absent), "no process holds handles "
			 "of a type allocated with these tags, is billed for them or is charged a "
			 "tenth of the pool's quota");
}

/* A process list that could not be followed to its end hides the processes after the cut:
 * nobody can be said to hold most of anything. */
static void cut_list(struct pm_finding *fi, const struct pm_sum_holders *H)
{
	if (H->processes_complete)
		return;
	for (unsigned i = 0; i < fi->nholders; i++) {
		struct pm_ranked_holder *h = &fi->holders[i];
		h->confidence = PM_CONF_LOW;
		size_t n = strlen(h->detail);
		if (n + 1 < sizeof(h->detail))
			snprintf(h->detail + n, sizeof(h->detail) - n, "; the process list is cut "
				 "short, the processes after the cut are not counted");
	}
}

void pm_rank_holders(const struct pm_summary *s, struct pm_finding *fi)
{
	const struct pm_sum_holders *H = &s->holders;
	if (fi->resource == PM_RES_COMMIT) {
		if (fi->severity == PM_SEV_INFO)
			return;
		by_commit(s, fi);
		cut_list(fi, H);
		if (!fi->nholders)
			snprintf(fi->holders_absent, sizeof(fi->holders_absent), "%s",
				 H->processes ? "no process's private commit is known"
					      : H->processes_absent);
		else if (fi->holders[0].confidence != PM_CONF_LOW)
			pm_finding_step(fi, "Start with %s (PID %" PRIu32 "): the largest private "
					"commit of the processes in the dump.", fi->holders[0].name,
					fi->holders[0].pid);
		return;
	}
	if ((fi->resource != PM_RES_NONPAGED && fi->resource != PM_RES_PAGED &&
	     fi->resource != PM_RES_SESSION) || !fi->ntags)
		return;
	for (unsigned i = 0; i < fi->ntags && i < 3; i++) {
		by_handles(s, fi, fi->tags[i].tag);
		by_billing(s, fi, fi->tags[i].tag);
	}
	if (!fi->nholders)
		by_quota(s, fi);
	if (!fi->nholders) {
		absent(fi, H);
		return;
	}
	cut_list(fi, H);
	const struct pm_ranked_holder *h = &fi->holders[0];
	if (h->confidence == PM_CONF_LOW)
		return; /* named, but not pointed at */
	if (h->kind == PM_HOLD_HANDLES)
		pm_finding_step(fi, "%s (PID %" PRIu32 ") holds the %s handles: find where it opens "
				"them and does not close them (a user-mode dump of it, handle tracing "
				"with !htrace, or restart it to release them).", h->name, h->pid,
				h->type);
	else if (h->kind == PM_HOLD_BILLED)
		pm_finding_step(fi, "%s (PID %" PRIu32 ") is billed for the big allocations: the "
				"driver allocates them on its behalf (its requests).", h->name, h->pid);
}
