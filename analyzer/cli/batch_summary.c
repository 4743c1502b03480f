// SPDX-License-Identifier: MIT
// The batch summary: the records read back (this run's, earlier runs', other shards'), kept
// compactly, then replaced, de-duplicated, grouped by machine and ranked at the end, so that
// the order of the lines does not matter (batch_summary.h).
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch_summary.h"
#include "batch_summary_priv.h"
#include "batch_record.h"

enum { PM_SUM_MAX_TAGS = 64 }; /* a record's largest tags kept for the totals */


static const char *str(const cJSON *o, const char *path, const char *dflt)
{
	const cJSON *x = pm_batch_at(o, path);
	return cJSON_IsString(x) ? x->valuestring : dflt;
}

static double num(const cJSON *o, const char *path)
{
	const cJSON *x = pm_batch_at(o, path);
	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static double parse_iso(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			 &tm.tm_min, &tm.tm_sec) != 6)
		return NAN;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm);
}

static void rec_free(struct pm_batch_rec *r)
{
	char **f[] = { &r->path, &r->canon, &r->head, &r->id, &r->sha, &r->input,
		       &r->code, &r->msg, &r->bucket, &r->machine };
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		free(*f[i]);
	free(r->tags);
}

static int tagv_cmp(const void *x, const void *y)
{
	const struct pm_batch_tagv *a = x, *b = y;
	return a->bytes > b->bytes ? -1 : a->bytes < b->bytes ? 1 : strcmp(a->tag, b->tag);
}

static bool rec_tags(struct pm_batch_rec *r, const cJSON *o)
{
	const cJSON *tags = pm_batch_at(o, "summary.tags"), *it;
	size_t n = (size_t)cJSON_GetArraySize(tags), k = 0;
	if (!n)
		return true;
	if (!(r->tags = calloc(n, sizeof(*r->tags))))
		return false;
	cJSON_ArrayForEach(it, tags)
	{
		const char *tg = str(it, "tag", "");
		double nb = num(it, "np_bytes"), pb = num(it, "p_bytes");
		if (strlen(tg) != 4 || k >= n)
			continue;
		snprintf(r->tags[k].tag, sizeof(r->tags[k].tag), "%s", tg);
		r->tags[k++].bytes = (isnan(nb) ? 0 : nb) + (isnan(pb) ? 0 : pb);
	}
	if (k > 1)
		qsort(r->tags, k, sizeof(*r->tags), tagv_cmp);
	r->ntags = k < PM_SUM_MAX_TAGS ? k : PM_SUM_MAX_TAGS;
	return true;
}

/* The bucket: what was exhausted, by which tag, driver and holder. */
static char *bucket_of(const cJSON *o)
{
	const cJSON *v = pm_batch_at(o, "verdict");
	const char *outcome = str(v, "outcome", NULL);
	char key[400];
	if (cJSON_IsTrue(pm_batch_at(v, "healthy")) && (!outcome || !strcmp(outcome, "healthy")))
		snprintf(key, sizeof(key), "healthy | - | - | -");
	else if (outcome && !strcmp(outcome, "inconclusive"))
		snprintf(key, sizeof(key), "inconclusive | - | - | -");
	else /* the holder by image name: the same program on every machine, whatever its PID */
		snprintf(key, sizeof(key), "%s | %s | %s | %s", str(v, "resource", "?"),
			 str(v, "tag", "-"), str(v, "driver", "-"), str(v, "holder.name", "-"));
	return strdup(key);
}

static char *machine_of(const cJSON *o)
{
	char key[400];
	snprintf(key, sizeof(key), "%s build %.0f, %.0f processors, %.0f pages of RAM, kernel %s",
		 str(o, "info.machine.os", "?"), num(o, "info.machine.build"),
		 num(o, "info.machine.processors"), num(o, "info.memory.ram_pages"),
		 str(o, "info.kernel.pdb.symbol_key", "?"));
	return strdup(key);
}

static struct pm_error *add_rec(struct pm_batch_summary *s, const cJSON *o)
{
	if (!cJSON_IsString(pm_batch_at(o, "path")))
		return NULL; /* not a batch record */
	if (s->nrecs == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct pm_batch_rec *v = realloc(s->recs, cap * sizeof(*v));
		if (!v)
			return &pm_enomem;
		s->recs = v;
		s->cap = cap;
	}
	struct pm_batch_rec *r = &s->recs[s->nrecs];
	memset(r, 0, sizeof(*r));
	const char *st = str(o, "status", cJSON_IsObject(pm_batch_at(o, "error")) ? "error" : "analyzed");
	r->status = st[0] == 'e' ? 'e' : st[0] == 's' ? 's' : 'a';
	r->path = strdup(str(o, "path", ""));
	r->canon = strdup(str(o, "canonical_path", r->path ? r->path : ""));
	r->head = strdup(str(o, "head_sha256", ""));
	r->sha = strdup(str(o, "sha256", ""));
	r->id = strdup(str(o, "id", r->sha ? r->sha : ""));
	r->input = strdup(str(o, "input", ""));
	r->code = strdup(str(o, "error.code", r->status == 's' ? "SKIPPED" : ""));
	r->msg = strdup(str(o, "error.message", str(o, "skipped.reason", str(o, "incomplete", ""))));
	r->decided = r->status != 'a' && r->head && !r->head[0];
	r->incomplete = r->status == 'a' && cJSON_IsString(pm_batch_at(o, "incomplete"));
	r->systime = parse_iso(str(o, "info.time.system_time", NULL));
	r->boot = r->systime - num(o, "info.time.uptime_seconds");
	r->dup_of = SIZE_MAX;
	r->seq = s->nrecs;
	bool ok = r->path && r->canon && r->head && r->sha && r->id && r->input && r->code && r->msg;
	if (ok && r->status == 'a')
		ok = (r->bucket = bucket_of(o)) && (r->machine = machine_of(o)) && rec_tags(r, o);
	if (!ok) {
		rec_free(r);
		return &pm_enomem;
	}
	s->nrecs++;
	return NULL;
}

void pm_batch_summary_init(struct pm_batch_summary *s)
{
	memset(s, 0, sizeof(*s));
}

struct pm_error *pm_batch_summary_add(struct pm_batch_summary *s, const char *line, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	struct pm_error *err = o ? add_rec(s, o) : NULL;
	cJSON_Delete(o);
	return err;
}

struct pm_error *pm_batch_summary_add_file(struct pm_batch_summary *s, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return pm_err_os(errno, "%s", path);
	struct pm_error *err = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (!err && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* a half-written last line */
		err = pm_batch_summary_add(s, line, (size_t)n - 1);
	}
	if (!err && ferror(f))
		err = pm_err_os(errno, "%s", path);
	free(line);
	fclose(f);
	return err;
}

/* ---------------------------------------------------------------- finish */

static int canon_cmp(const void *x, const void *y)
{
	const struct pm_batch_rec *a = x, *b = y;
	int k = strcmp(a->canon, b->canon);
	return k ? k : a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int path_cmp(const void *x, const void *y)
{
	const struct pm_batch_rec *a = x, *b = y;
	int k = strcmp(a->path, b->path);
	if (!k)
		k = strcmp(a->canon, b->canon);
	return k ? k : a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One record per input: a later record of the same path and content replaces the earlier. */
static void replace(struct pm_batch_summary *s)
{
	if (s->nrecs > 1)
		qsort(s->recs, s->nrecs, sizeof(*s->recs), canon_cmp);
	for (size_t i = 0; i < s->nrecs; i++)
		for (size_t j = i + 1; j < s->nrecs && !strcmp(s->recs[i].canon, s->recs[j].canon);
		     j++) {
			struct pm_batch_rec *a = &s->recs[i], *b = &s->recs[j];
			if (!a->dead && !b->dead &&
			    (!strcmp(a->head, b->head) || a->decided || b->decided)) {
				a->dead = true;
				s->replaced++;
			}
		}
}

/* Analyzed records with an identity (or full hash) already seen are duplicates. */
static struct pm_error *dedup(struct pm_batch_summary *s)
{
	struct pm_strmap ids = { 0 };
	struct pm_error *err = NULL;
	for (size_t i = 0; i < s->nrecs && !err; i++) {
		struct pm_batch_rec *r = &s->recs[i];
		if (r->dead || r->status != 'a')
			continue;
		uint64_t v = SIZE_MAX;
		const char *keys[] = { r->id, r->sha };
		for (int k = 0; k < 2 && v == SIZE_MAX; k++)
			if (keys[k][0] && !pm_strmap_get(&ids, keys[k], strlen(keys[k]), &v))
				v = SIZE_MAX;
		r->dup_of = (size_t)v;
		for (int k = 0; k < 2 && v == SIZE_MAX; k++)
			if (keys[k][0] && !pm_strmap_add(&ids, keys[k], strlen(keys[k]), i))
				err = &pm_enomem;
	}
	pm_strmap_free(&ids);
	return err;
}

struct pm_error *pm_batch_summary_finish(struct pm_batch_summary *s)
{
	replace(s);
	if (s->nrecs > 1)
		qsort(s->recs, s->nrecs, sizeof(*s->recs), path_cmp);
	PM_TRY(dedup(s));
	for (size_t i = 0; i < s->nrecs; i++) {
		const struct pm_batch_rec *r = &s->recs[i];
		if (r->dead)
			continue;
		s->total++;
		if (r->status == 'e')
			s->errors++;
		else if (r->status == 's')
			s->skipped++;
		else if (r->dup_of != SIZE_MAX)
			s->analyzed++, s->dups++;
		else
			s->analyzed++, s->unique++;
	}
	return pm_batch_summary_rank(s);
}

struct pm_error *pm_batch_summarize(const char *text, struct pm_batch_summary *ret)
{
	struct pm_batch_summary s;
	pm_batch_summary_init(&s);
	struct pm_error *err = NULL;
	for (const char *l = text; !err && l && *l;) {
		const char *e = strchr(l, '\n');
		if (!e)
			break; /* a half-written last line */
		err = pm_batch_summary_add(&s, l, (size_t)(e - l));
		l = e + 1;
	}
	if (!err)
		err = pm_batch_summary_finish(&s);
	if (err) {
		pm_batch_summary_deinit(&s);
		return err;
	}
	*ret = s;
	return NULL;
}

struct pm_error *pm_batch_summarize_file(const char *path, struct pm_batch_summary *ret)
{
	struct pm_batch_summary s;
	pm_batch_summary_init(&s);
	struct pm_error *err = pm_batch_summary_add_file(&s, path);
	if (!err)
		err = pm_batch_summary_finish(&s);
	if (err) {
		pm_batch_summary_deinit(&s);
		return err;
	}
	*ret = s;
	return NULL;
}

void pm_batch_summary_deinit(struct pm_batch_summary *s)
{
	for (size_t i = 0; i < s->nrecs; i++)
		rec_free(&s->recs[i]);
	for (size_t i = 0; i < s->nbuckets; i++) {
		free(s->buckets[i].key);
		free(s->buckets[i].members);
	}
	free(s->recs);
	free(s->buckets);
	free(s->tags);
	memset(s, 0, sizeof(*s));
}
