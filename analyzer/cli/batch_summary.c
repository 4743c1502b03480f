// SPDX-License-Identifier: MIT
// The batch summary: reads the NDJSON lines back (they are the record of every dump, this
// run's and earlier runs'), counts, buckets and ranks.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_summary.h"
#include "jsonb.h"
#include "strbuf.h"

static const char *str_or(const cJSON *o, const char *k, const char *dflt)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(x) ? x->valuestring : dflt;
}

static struct pm_error *add_error(struct pm_batch_summary *s, const cJSON *o, const cJSON *err)
{
	struct pm_batch_errline *e = realloc(s->errs, (s->nerrs + 1) * sizeof(*e));
	if (!e)
		return &pm_enomem;
	s->errs = e;
	e = &s->errs[s->nerrs];
	e->path = strdup(str_or(o, "path", ""));
	e->message = strdup(str_or(err, "message", ""));
	if (!e->path || !e->message) {
		free(e->path);
		free(e->message);
		return &pm_enomem;
	}
	s->nerrs++;
	s->errors++;
	return NULL;
}

/* Whether the line's SHA-256 was seen; a new one is remembered. */
static struct pm_error *seen_sha(struct pm_batch_summary *s, const cJSON *o, bool *dup)
{
	const char *sha = str_or(o, "sha256", "");
	uint64_t v;
	*dup = sha[0] && pm_strmap_get(&s->shas, sha, strlen(sha), &v);
	if (!sha[0] || *dup)
		return NULL;
	return pm_strmap_add(&s->shas, sha, strlen(sha), 1) ? NULL : &pm_enomem;
}

static struct pm_error *add_bucket(struct pm_batch_summary *s, const cJSON *o,
				   const char *outcome)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "verdict");
	char key[200];
	/* the holder by image name: the same program on every machine, whatever its PID; a
	 * healthy or inconclusive verdict is its own bucket */
	bool at_risk = !strcmp(outcome, "at_risk");
	snprintf(key, sizeof(key), "%s | %s | %s | %s",
		 at_risk ? str_or(v, "resource", "?") : outcome, str_or(v, "tag", "-"),
		 str_or(v, "driver", "-"),
		 str_or(cJSON_GetObjectItemCaseSensitive(v, "holder"), "name", "-"));
	uint64_t k;
	if (!pm_strmap_get(&s->bucket_ix, key, strlen(key), &k)) {
		k = s->nbuckets;
		struct pm_batch_bucket *b = realloc(s->buckets, (k + 1) * sizeof(*b));
		if (!b)
			return &pm_enomem;
		s->buckets = b;
		if (!pm_strmap_add(&s->bucket_ix, key, strlen(key), k))
			return &pm_enomem;
		memset(&b[k], 0, sizeof(b[k]));
		b[k].order = k;
		snprintf(b[k].key, sizeof(b[k].key), "%s", key);
		snprintf(b[k].example, sizeof(b[k].example), "%s", str_or(o, "path", ""));
		s->nbuckets++;
	}
	s->buckets[k].count++;
	return NULL;
}

/* Top tags across the archive: bytes of each tag summed over unique dumps. */
static struct pm_error *add_tags(struct pm_batch_summary *s, const cJSON *o)
{
	const cJSON *tags = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(o, "summary"), "tags");
	const cJSON *it;
	cJSON_ArrayForEach(it, tags)
	{
		const char *tg = str_or(it, "tag", "");
		const cJSON *nb = cJSON_GetObjectItemCaseSensitive(it, "np_bytes");
		const cJSON *pb = cJSON_GetObjectItemCaseSensitive(it, "p_bytes");
		if (strlen(tg) != 4)
			continue;
		double by = (cJSON_IsNumber(nb) ? nb->valuedouble : 0) +
			    (cJSON_IsNumber(pb) ? pb->valuedouble : 0);
		uint64_t q;
		if (!pm_strmap_get(&s->tag_ix, tg, 4, &q)) {
			q = s->ntags;
			struct pm_batch_tagsum *t = realloc(s->tags, (q + 1) * sizeof(*t));
			if (!t)
				return &pm_enomem;
			s->tags = t;
			if (!pm_strmap_add(&s->tag_ix, tg, 4, q))
				return &pm_enomem;
			memset(&t[q], 0, sizeof(t[q]));
			t[q].order = q;
			snprintf(t[q].tag, sizeof(t[q].tag), "%s", tg);
			s->ntags++;
		}
		s->tags[q].bytes += by;
		s->tags[q].dumps++;
	}
	return NULL;
}

static struct pm_error *add_line(struct pm_batch_summary *s, const cJSON *o)
{
	s->total++;
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (cJSON_IsObject(err))
		return add_error(s, o, err);
	bool dup;
	PM_TRY(seen_sha(s, o, &dup));
	if (dup) {
		s->dups++;
		return NULL;
	}
	/* the outcome (a line of an older version has only "healthy") */
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "verdict");
	const char *outcome = str_or(v, "outcome", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		v, "healthy")) ? "healthy" : "at_risk");
	if (!strcmp(outcome, "healthy"))
		s->healthy++;
	else if (!strcmp(outcome, "inconclusive"))
		s->inconclusive++;
	else
		s->unhealthy++;
	PM_TRY(add_bucket(s, o, outcome));
	return add_tags(s, o);
}

static int bucket_cmp(const void *x, const void *y)
{
	const struct pm_batch_bucket *a = x, *b = y;
	if (a->count != b->count)
		return a->count > b->count ? -1 : 1; /* most dumps first */
	return a->order < b->order ? -1 : a->order > b->order;
}

static int tag_cmp(const void *x, const void *y)
{
	const struct pm_batch_tagsum *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1; /* most bytes first */
	return a->order < b->order ? -1 : a->order > b->order;
}

static void sort_ranks(struct pm_batch_summary *s)
{
	if (s->nbuckets > 1) /* qsort() wants a non-null base even for 0 */
		qsort(s->buckets, s->nbuckets, sizeof(*s->buckets), bucket_cmp);
	if (s->ntags > 1)
		qsort(s->tags, s->ntags, sizeof(*s->tags), tag_cmp);
}

void pm_batch_summary_init(struct pm_batch_summary *s)
{
	memset(s, 0, sizeof(*s));
}

struct pm_error *pm_batch_summary_add(struct pm_batch_summary *s, const char *line, size_t len)
{
	cJSON *o = cJSON_ParseWithLength(line, len);
	struct pm_error *err = o ? add_line(s, o) : NULL;
	cJSON_Delete(o);
	return err;
}

void pm_batch_summary_finish(struct pm_batch_summary *s)
{
	sort_ranks(s);
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
	if (err) {
		pm_batch_summary_deinit(&s);
		return err;
	}
	pm_batch_summary_finish(&s);
	*ret = s;
	return NULL;
}

struct pm_error *pm_batch_summarize_file(const char *path, struct pm_batch_summary *ret)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return pm_err_os(errno, "%s", path);
	struct pm_batch_summary s;
	pm_batch_summary_init(&s);
	struct pm_error *err = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while (!err && (n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] != '\n')
			break; /* a half-written last line */
		err = pm_batch_summary_add(&s, line, (size_t)n - 1);
	}
	if (!err && ferror(f))
		err = pm_err_os(errno, "%s", path);
	free(line);
	fclose(f);
	if (err) {
		pm_batch_summary_deinit(&s);
		return err;
	}
	pm_batch_summary_finish(&s);
	*ret = s;
	return NULL;
}

void pm_batch_summary_deinit(struct pm_batch_summary *s)
{
	for (size_t i = 0; i < s->nerrs; i++) {
		free(s->errs[i].path);
		free(s->errs[i].message);
	}
	pm_strmap_free(&s->shas);
	pm_strmap_free(&s->bucket_ix);
	pm_strmap_free(&s->tag_ix);
	free(s->errs);
	free(s->buckets);
	free(s->tags);
	memset(s, 0, sizeof(*s));
}

struct pm_error *pm_batch_summary_json(const struct pm_batch_summary *s, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *o = pm_jb_chk(&j, cJSON_CreateObject());
	if (!o)
		return &pm_enomem;
	pm_jb_str(&j, o, "schema", "poolmortem.batch-summary/1");
	pm_jb_num(&j, o, "results", (double)s->total);
	pm_jb_num(&j, o, "unique_dumps", (double)(s->healthy + s->unhealthy + s->inconclusive));
	pm_jb_num(&j, o, "duplicates", (double)s->dups);
	pm_jb_num(&j, o, "errors", (double)s->errors);
	pm_jb_num(&j, o, "healthy", (double)s->healthy);
	pm_jb_num(&j, o, "with_findings", (double)s->unhealthy);
	pm_jb_num(&j, o, "inconclusive", (double)s->inconclusive);
	cJSON *ba = pm_jb_arr(&j, o, "buckets");
	for (size_t i = 0; ba && i < s->nbuckets; i++) {
		cJSON *x = pm_jb_push_obj(&j, ba);
		pm_jb_str(&j, x, "bucket", s->buckets[i].key);
		pm_jb_num(&j, x, "dumps", (double)s->buckets[i].count);
		pm_jb_str(&j, x, "example", s->buckets[i].example);
	}
	cJSON *ta = pm_jb_arr(&j, o, "top_tags");
	for (size_t i = 0; ta && i < s->ntags && i < 20; i++) {
		cJSON *x = pm_jb_push_obj(&j, ta);
		pm_jb_str(&j, x, "tag", s->tags[i].tag);
		pm_jb_num(&j, x, "bytes", s->tags[i].bytes);
		pm_jb_num(&j, x, "dumps", (double)s->tags[i].dumps);
	}
	cJSON *ea = pm_jb_arr(&j, o, "errors_list");
	for (size_t i = 0; ea && i < s->nerrs; i++) {
		cJSON *x = pm_jb_push_obj(&j, ea);
		pm_jb_str(&j, x, "path", s->errs[i].path);
		pm_jb_str(&j, x, "message", s->errs[i].message);
	}
	return pm_jb_done(&j, o, ret);
}

struct pm_error *pm_batch_summary_text(const struct pm_batch_summary *s, char **ret)
{
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "\nBatch summary: %zu results: %zu unique dumps, %zu duplicates "
		     "(same SHA-256, counted once), %zu errors\n", s->total,
		     s->healthy + s->unhealthy + s->inconclusive, s->dups, s->errors);
	pm_sb_printf(&sb, "  healthy: %zu, with findings: %zu, inconclusive: %zu\n\n  Buckets "
		     "(verdict | tag | driver | holder):\n", s->healthy, s->unhealthy,
		     s->inconclusive);
	for (size_t i = 0; i < s->nbuckets; i++)
		pm_sb_printf(&sb, "  %6zu  %s   e.g. %s\n", s->buckets[i].count, s->buckets[i].key,
			     s->buckets[i].example);
	pm_sb_printf(&sb, "\n  Top tags across the unique dumps:\n");
	for (size_t i = 0; i < s->ntags && i < 10; i++)
		pm_sb_printf(&sb, "  %-4s %16.0f bytes in %zu dumps\n", s->tags[i].tag,
			     s->tags[i].bytes, s->tags[i].dumps);
	if (s->errors)
		pm_sb_printf(&sb, "\n  %zu dumps could not be analyzed (see their \"error\" "
			     "lines)\n", s->errors);
	char *out = pm_sb_take(&sb);
	if (!out)
		return &pm_enomem;
	*ret = out;
	return NULL;
}
