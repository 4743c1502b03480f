// SPDX-License-Identifier: MIT
// The batch summary's machines, buckets and top tags, and its text and JSON forms.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_summary.h"
#include "batch_summary_priv.h"
#include "jsonb.h"
#include "strbuf.h"

enum { PM_SUM_BOOT_SLACK_S = 5, PM_SUM_LIST = 20, PM_SUM_MEMBERS = 10, PM_SUM_TOP_TAGS = 20 };

static bool unique(const struct pm_batch_rec *r)
{
	return !r->dead && r->status == 'a' && r->dup_of == SIZE_MAX;
}

static const struct pm_batch_rec *grp_base;

static int by_machine(const void *x, const void *y)
{
	const struct pm_batch_rec *a = &grp_base[*(const size_t *)x];
	const struct pm_batch_rec *b = &grp_base[*(const size_t *)y];
	int k = strcmp(a->machine, b->machine);
	if (k)
		return k;
	bool na = isnan(a->boot), nb = isnan(b->boot);
	if (na != nb)
		return na ? 1 : -1;
	if (!na && a->boot != b->boot)
		return a->boot < b->boot ? -1 : 1;
	return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

/* Snapshots of one machine's boot share a group; *latest: each group's last snapshot. */
static struct pm_error *group(struct pm_batch_summary *s, size_t **latest)
{
	size_t *ix = calloc(s->unique + 1, sizeof(*ix)), n = 0;
	*latest = calloc(s->unique + 1, sizeof(**latest));
	if (!ix || !*latest) {
		free(ix);
		free(*latest);
		return &pm_enomem;
	}
	for (size_t i = 0; i < s->nrecs; i++)
		if (unique(&s->recs[i]))
			ix[n++] = i;
	grp_base = s->recs;
	if (n > 1)
		qsort(ix, n, sizeof(*ix), by_machine);
	size_t g = 0;
	for (size_t k = 0; k < n; k++) {
		struct pm_batch_rec *r = &s->recs[ix[k]];
		const struct pm_batch_rec *p = k ? &s->recs[ix[k - 1]] : NULL;
		bool same = p && !strcmp(p->machine, r->machine) && !isnan(p->boot) &&
			    !isnan(r->boot) && fabs(r->boot - p->boot) <= PM_SUM_BOOT_SLACK_S;
		if (k && !same)
			g++;
		r->group = g;
		const struct pm_batch_rec *l = same ? &s->recs[(*latest)[g]] : NULL;
		if (!l || (!isnan(r->systime) && (isnan(l->systime) || r->systime > l->systime)))
			(*latest)[g] = ix[k];
	}
	s->machines = n ? g + 1 : 0;
	s->snapshots = n - s->machines;
	free(ix);
	return NULL;
}

static int bucket_cmp(const void *x, const void *y)
{
	const struct pm_batch_bucket *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int tag_cmp(const void *x, const void *y)
{
	const struct pm_batch_tagsum *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	return strcmp(a->tag, b->tag);
}

static struct pm_error *add_member(struct pm_batch_summary *s, struct pm_strmap *ix, size_t i,
				   size_t *mark)
{
	const struct pm_batch_rec *r = &s->recs[i];
	uint64_t b;
	if (!pm_strmap_get(ix, r->bucket, strlen(r->bucket), &b)) {
		b = s->nbuckets;
		struct pm_batch_bucket *v = realloc(s->buckets, (b + 1) * sizeof(*v));
		if (!v)
			return &pm_enomem;
		s->buckets = v;
		memset(&v[b], 0, sizeof(v[b]));
		if (!(v[b].key = strdup(r->bucket)))
			return &pm_enomem;
		s->nbuckets++;
		if (!pm_strmap_add(ix, r->bucket, strlen(r->bucket), b))
			return &pm_enomem;
	}
	struct pm_batch_bucket *k = &s->buckets[b];
	if (!(k->count & (k->count - 1))) { /* 0, 1, 2, 4, ...: grow */
		size_t *m = realloc(k->members, (k->count ? 2 * k->count : 1) * sizeof(*m));
		if (!m)
			return &pm_enomem;
		k->members = m;
	}
	k->members[k->count++] = i;
	if (mark[r->group] != b + 1) { /* a machine not yet counted in this bucket */
		mark[r->group] = b + 1;
		k->machines++;
	}
	return NULL;
}

static struct pm_error *add_tags(struct pm_batch_summary *s, struct pm_strmap *ix,
				 const struct pm_batch_rec *r, bool latest)
{
	for (size_t t = 0; t < r->ntags; t++) {
		uint64_t q;
		if (!pm_strmap_get(ix, r->tags[t].tag, 4, &q)) {
			q = s->ntags;
			struct pm_batch_tagsum *v = realloc(s->tags, (q + 1) * sizeof(*v));
			if (!v)
				return &pm_enomem;
			s->tags = v;
			memset(&v[q], 0, sizeof(v[q]));
			memcpy(v[q].tag, r->tags[t].tag, 5);
			s->ntags++;
			if (!pm_strmap_add(ix, r->tags[t].tag, 4, q))
				return &pm_enomem;
		}
		s->tags[q].dumps++;
		if (latest) {
			s->tags[q].bytes += r->tags[t].bytes;
			s->tags[q].machines++;
		}
	}
	return NULL;
}

struct pm_error *pm_batch_summary_rank(struct pm_batch_summary *s)
{
	size_t *latest;
	PM_TRY(group(s, &latest));
	size_t *mark = calloc(s->machines + 1, sizeof(*mark));
	struct pm_strmap bix = { 0 }, tix = { 0 };
	struct pm_error *err = mark ? NULL : &pm_enomem;
	for (size_t i = 0; i < s->nrecs && !err; i++) {
		struct pm_batch_rec *r = &s->recs[i];
		if (!unique(r))
			continue;
		if (!strncmp(r->bucket, "healthy ", 8))
			s->healthy++;
		else if (!strncmp(r->bucket, "inconclusive ", 13))
			s->inconclusive++;
		else
			s->unhealthy++;
		s->incomplete += r->incomplete;
		if (!(err = add_member(s, &bix, i, mark)))
			err = add_tags(s, &tix, r, latest[r->group] == i);
	}
	free(mark);
	free(latest);
	pm_strmap_free(&bix);
	pm_strmap_free(&tix);
	if (s->nbuckets > 1)
		qsort(s->buckets, s->nbuckets, sizeof(*s->buckets), bucket_cmp);
	if (s->ntags > 1)
		qsort(s->tags, s->ntags, sizeof(*s->tags), tag_cmp);
	return err;
}

/* ---------------------------------------------------------------- JSON */

static void json_list(struct pm_jb *j, cJSON *o, const struct pm_batch_summary *s,
		      const char *key, char status, bool incomplete)
{
	cJSON *a = pm_jb_arr(j, o, key);
	for (size_t i = 0; a && i < s->nrecs; i++) {
		const struct pm_batch_rec *r = &s->recs[i];
		if (r->dead || r->status != status || (incomplete && (!unique(r) || !r->incomplete)))
			continue;
		cJSON *x = pm_jb_push_obj(j, a);
		pm_jb_str(j, x, "path", r->path);
		pm_jb_str(j, x, "input", r->input);
		if (status == 'e')
			pm_jb_str(j, x, "code", r->code);
		pm_jb_str(j, x, incomplete ? "why" : status == 's' ? "reason" : "message", r->msg);
	}
}

static void json_counts(struct pm_jb *j, cJSON *o, const struct pm_batch_summary *s)
{
	pm_jb_str(j, o, "schema", "poolmortem.batch-summary/1");
	pm_jb_num(j, o, "results", (double)s->total);
	pm_jb_num(j, o, "analyzed", (double)s->analyzed);
	pm_jb_num(j, o, "unique_dumps", (double)s->unique);
	pm_jb_num(j, o, "duplicates", (double)s->dups);
	pm_jb_num(j, o, "errors", (double)s->errors);
	pm_jb_num(j, o, "skipped", (double)s->skipped);
	pm_jb_num(j, o, "healthy", (double)s->healthy);
	pm_jb_num(j, o, "with_findings", (double)s->unhealthy);
	pm_jb_num(j, o, "inconclusive", (double)s->inconclusive);
	pm_jb_num(j, o, "incomplete", (double)s->incomplete);
	pm_jb_num(j, o, "machines", (double)s->machines);
	pm_jb_num(j, o, "snapshots_of_one_boot", (double)s->snapshots);
	pm_jb_num(j, o, "replaced_records", (double)s->replaced);
}

struct pm_error *pm_batch_summary_json(const struct pm_batch_summary *s, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *o = pm_jb_chk(&j, cJSON_CreateObject());
	if (!o)
		return &pm_enomem;
	json_counts(&j, o, s);
	cJSON *ba = pm_jb_arr(&j, o, "buckets");
	for (size_t i = 0; ba && i < s->nbuckets; i++) {
		const struct pm_batch_bucket *b = &s->buckets[i];
		cJSON *x = pm_jb_push_obj(&j, ba);
		pm_jb_str(&j, x, "bucket", b->key);
		pm_jb_num(&j, x, "dumps", (double)b->count);
		pm_jb_num(&j, x, "machines", (double)b->machines);
		pm_jb_str(&j, x, "example", s->recs[b->members[0]].path);
		cJSON *m = pm_jb_arr(&j, x, "members");
		for (size_t k = 0; m && k < b->count; k++)
			pm_jb_push_str(&j, m, s->recs[b->members[k]].path);
	}
	cJSON *ta = pm_jb_arr(&j, o, "top_tags");
	for (size_t i = 0; ta && i < s->ntags && i < PM_SUM_TOP_TAGS; i++) {
		cJSON *x = pm_jb_push_obj(&j, ta);
		pm_jb_str(&j, x, "tag", s->tags[i].tag);
		pm_jb_num(&j, x, "bytes", s->tags[i].bytes);
		pm_jb_num(&j, x, "dumps", (double)s->tags[i].dumps);
		pm_jb_num(&j, x, "machines", (double)s->tags[i].machines);
	}
	cJSON *da = pm_jb_arr(&j, o, "duplicates_list");
	for (size_t i = 0; da && i < s->nrecs; i++) {
		const struct pm_batch_rec *r = &s->recs[i];
		if (r->dead || r->status != 'a' || r->dup_of == SIZE_MAX)
			continue;
		cJSON *x = pm_jb_push_obj(&j, da);
		pm_jb_str(&j, x, "path", r->path);
		pm_jb_str(&j, x, "same_as", s->recs[r->dup_of].path);
	}
	json_list(&j, o, s, "errors_list", 'e', false);
	json_list(&j, o, s, "skipped_list", 's', false);
	json_list(&j, o, s, "incomplete_list", 'a', true);
	return pm_jb_done(&j, o, ret);
}

/* ---------------------------------------------------------------- text */

static void text_list(struct pm_strbuf *sb, const struct pm_batch_summary *s, char status,
		      bool incomplete, const char *title)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct pm_batch_rec *r = &s->recs[i];
		if (r->dead || r->status != status || (incomplete && (!unique(r) || !r->incomplete)))
			continue;
		if (!n++)
			pm_sb_printf(sb, "\n  %s:\n", title);
		if (n <= PM_SUM_LIST)
			pm_sb_printf(sb, "    %s (%s): %.200s\n", r->path, r->input, r->msg);
	}
	if (n > PM_SUM_LIST)
		pm_sb_printf(sb, "    ... and %zu more (all of them: --summary FILE or --csv FILE)\n",
			     n - PM_SUM_LIST);
}

static void text_buckets(struct pm_strbuf *sb, const struct pm_batch_summary *s)
{
	pm_sb_printf(sb, "\n  Buckets (verdict | tag | driver | holder):\n");
	for (size_t i = 0; i < s->nbuckets; i++) {
		const struct pm_batch_bucket *b = &s->buckets[i];
		pm_sb_printf(sb, "  %6zu dump%s, %zu machine%s  %s\n", b->count, b->count == 1 ? "" : "s",
			     b->machines, b->machines == 1 ? "" : "s", b->key);
		for (size_t k = 0; k < b->count && k < PM_SUM_MEMBERS; k++)
			pm_sb_printf(sb, "           %s\n", s->recs[b->members[k]].path);
		if (b->count > PM_SUM_MEMBERS)
			pm_sb_printf(sb, "           ... and %zu more (every member: --summary FILE, "
				     "\"buckets\")\n", b->count - PM_SUM_MEMBERS);
	}
}

struct pm_error *pm_batch_summary_text(const struct pm_batch_summary *s, char **ret)
{
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "\nBatch summary: %zu results: %zu unique dumps, %zu duplicates (same "
		     "identity, counted once), %zu errors, %zu skipped\n", s->total, s->unique,
		     s->dups, s->errors, s->skipped);
	pm_sb_printf(&sb, "  healthy: %zu, with findings: %zu, inconclusive: %zu; incomplete "
		     "dumps: %zu\n", s->healthy, s->unhealthy, s->inconclusive, s->incomplete);
	pm_sb_printf(&sb, "  machines: %zu (%zu more dump%s are snapshots of a machine's same "
		     "boot: the tag totals count each machine's latest snapshot once)\n",
		     s->machines, s->snapshots, s->snapshots == 1 ? "" : "s");
	text_buckets(&sb, s);
	pm_sb_printf(&sb, "\n  Top tags (each machine's latest snapshot, summed):\n");
	for (size_t i = 0; i < s->ntags && i < 10; i++)
		pm_sb_printf(&sb, "  %-4s %16.0f bytes in %zu dumps of %zu machines\n", s->tags[i].tag,
			     s->tags[i].bytes, s->tags[i].dumps, s->tags[i].machines);
	size_t nd = 0;
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct pm_batch_rec *r = &s->recs[i];
		if (r->dead || r->status != 'a' || r->dup_of == SIZE_MAX)
			continue;
		if (!nd++)
			pm_sb_printf(&sb, "\n  Duplicates (the same dump under another name):\n");
		if (nd <= PM_SUM_LIST)
			pm_sb_printf(&sb, "    %s = %s\n", r->path, s->recs[r->dup_of].path);
	}
	if (nd > PM_SUM_LIST)
		pm_sb_printf(&sb, "    ... and %zu more (--summary FILE)\n", nd - PM_SUM_LIST);
	text_list(&sb, s, 'a', true, "Incomplete dumps (analyzed; part of the dump unreadable)");
	text_list(&sb, s, 'e', false, "Errors (not analyzed)");
	text_list(&sb, s, 's', false, "Skipped (not kernel dumps)");
	char *out = pm_sb_take(&sb);
	if (!out)
		return &pm_enomem;
	*ret = out;
	return NULL;
}
