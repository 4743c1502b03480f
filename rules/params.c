// SPDX-License-Identifier: MIT
// Rule parameters and knowledge: embedded defaults (rules/data/*.json), user overrides
// (--rules FILE) and pooltag.txt (--pooltag FILE, read in pooltag.c). Untrusted files: every
// value is checked.
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

extern const char pm_data_thresholds[], pm_data_tags[], pm_data_bugchecks[], pm_data_limits[],
	pm_data_shared_tags[];

enum { PM_MAX_RULES_FILE = 4 << 20, PM_MAX_TAG_ENTRIES = 65536 };

static const struct {
	const char *key;
	size_t off;
	bool u64;
} thresholds[] = {
#define T(k) { #k, offsetof(struct pm_rule_params, k), false }
#define T64(k) { #k, offsetof(struct pm_rule_params, k), true }
	T(pool_warn_pct), T(pool_crit_pct), T(np_ram_warn_pct), T(np_ram_crit_pct), T(p_ram_warn_pct),
	T(commit_warn_pct), T(commit_crit_pct), T(avail_warn_pct), T(avail_crit_pct), T(ptes_low),
	T(pool_ram_commit_warn_pct), T(pool_ram_commit_crit_pct), T(commit_tag_min_share_pct),
	T(partial_tag_min_share_pct),
	T(suspect_tag_min_share_pct), T(suspect_tags_max), T64(small_fixed_size_bytes),
	T64(many_allocations),
#undef T
#undef T64
};

static void copy(char *dst, size_t n, const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (cJSON_IsString(v) && v->valuestring)
		snprintf(dst, n, "%s", v->valuestring);
}

static struct pm_error *merge_thresholds(struct pm_rule_params *p, const cJSON *t, const char *src)
{
	if (!t)
		return NULL;
	if (!cJSON_IsObject(t))
		return pm_err(PM_ERR_FORMAT, "%s: \"thresholds\" is not an object", src);
	for (const cJSON *it = t->child; it; it = it->next) {
		if (it->string && it->string[0] == '_')
			continue;
		size_t i = 0;
		while (i < sizeof(thresholds) / sizeof(thresholds[0]) &&
		       strcmp(thresholds[i].key, it->string))
			i++;
		if (i == sizeof(thresholds) / sizeof(thresholds[0]))
			return pm_err(PM_ERR_FORMAT, "%s: unknown threshold \"%s\"", src, it->string);
		if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 1e15)
			return pm_err(PM_ERR_FORMAT, "%s: threshold \"%s\" must be a non-negative "
				      "number", src, it->string);
		char *base = (char *)p + thresholds[i].off;
		if (thresholds[i].u64)
			*(uint64_t *)(void *)base = (uint64_t)it->valuedouble;
		else
			*(unsigned *)(void *)base = (unsigned)it->valuedouble;
	}
	return NULL;
}

static struct pm_tag_info *tag_slot(struct pm_rule_params *p, uint32_t tag)
{
	for (size_t i = 0; i < p->ntags; i++)
		if (p->tags[i].tag == tag)
			return &p->tags[i];
	if (p->ntags >= PM_MAX_TAG_ENTRIES)
		return NULL;
	struct pm_tag_info *t = realloc(p->tags, (p->ntags + 1) * sizeof(*t));
	if (!t)
		return NULL;
	p->tags = t;
	memset(&t[p->ntags], 0, sizeof(*t));
	t[p->ntags].tag = tag;
	return &t[p->ntags++];
}

static struct pm_error *merge_tags(struct pm_rule_params *p, const cJSON *o, const char *src)
{
	if (!o)
		return NULL;
	if (!cJSON_IsObject(o))
		return pm_err(PM_ERR_FORMAT, "%s: \"tags\" is not an object", src);
	for (const cJSON *it = o->child; it; it = it->next) {
		uint32_t tag;
		if (it->string[0] == '_' && strcmp(it->string, "_") != 0)
			continue;
		if (!pm_sum_tag_parse(it->string, &tag) || !cJSON_IsObject(it))
			return pm_err(PM_ERR_FORMAT, "%s: tag \"%s\" is not 1 to 4 printable "
				      "characters with an object value", src, it->string);
		struct pm_tag_info *t = tag_slot(p, tag);
		if (!t)
			return &pm_enomem;
		copy(t->owner, sizeof(t->owner), it, "owner");
		copy(t->meaning, sizeof(t->meaning), it, "meaning");
		copy(t->advice, sizeof(t->advice), it, "advice");
		copy(t->ref, sizeof(t->ref), it, "ref");
		snprintf(t->source, sizeof(t->source), "knowledge base");
		t->expected = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "expected"));
	}
	return NULL;
}

/* "shared_tags": {"SeAl": {"library": "...", "evidence": "..."}, ...} */
static struct pm_error *merge_shared(struct pm_rule_params *p, const cJSON *o, const char *src)
{
	if (!o)
		return NULL;
	if (!cJSON_IsObject(o))
		return pm_err(PM_ERR_FORMAT, "%s: \"shared_tags\" is not an object", src);
	for (const cJSON *it = o->child; it; it = it->next) {
		uint32_t tag;
		if (it->string[0] == '_')
			continue;
		if (!pm_sum_tag_parse(it->string, &tag) || !cJSON_IsObject(it))
			return pm_err(PM_ERR_FORMAT, "%s: shared tag \"%s\" is not 1 to 4 printable "
				      "characters with an object value", src, it->string);
		struct pm_shared_tag *t = (struct pm_shared_tag *)pm_rule_shared_tag(p, tag);
		if (!t) {
			if (p->nshared >= PM_MAX_TAG_ENTRIES)
				return pm_err(PM_ERR_LIMIT, "%s: more than %d shared tags", src,
					      PM_MAX_TAG_ENTRIES);
			t = realloc(p->shared, (p->nshared + 1) * sizeof(*t));
			if (!t)
				return &pm_enomem;
			p->shared = t;
			t += p->nshared++;
			memset(t, 0, sizeof(*t));
			t->tag = tag;
		}
		copy(t->library, sizeof(t->library), it, "library");
		copy(t->evidence, sizeof(t->evidence), it, "evidence");
	}
	return NULL;
}

static struct pm_error *merge_bugchecks(struct pm_rule_params *p, const cJSON *o, const char *src)
{
	if (!o)
		return NULL;
	if (!cJSON_IsObject(o))
		return pm_err(PM_ERR_FORMAT, "%s: \"bugchecks\" is not an object", src);
	for (const cJSON *it = o->child; it; it = it->next) {
		if (it->string[0] == '_')
			continue;
		char *end;
		errno = 0;
		unsigned long code = strtoul(it->string, &end, 0);
		const cJSON *res = cJSON_GetObjectItemCaseSensitive(it, "resource");
		enum pm_resource r;
		/* A name only (most documented codes): naming is names.c's, not rule knowledge. */
		if (!errno && !*end && code <= 0xFFFFFFFFul && cJSON_IsObject(it) && !res)
			continue;
		if (errno || *end || code > 0xFFFFFFFFul || !cJSON_IsObject(it) ||
		    !cJSON_IsString(res) || !pm_resource_parse(res->valuestring, &r))
			return pm_err(PM_ERR_FORMAT, "%s: bugcheck \"%s\" needs a numeric code and, "
				      "when it has one, a known \"resource\"", src, it->string);
		size_t i = 0;
		while (i < p->nbugchecks && p->bugchecks[i].code != code)
			i++;
		if (i == p->nbugchecks) {
			struct pm_bugcheck_info *b = realloc(p->bugchecks, (i + 1) * sizeof(*b));
			if (!b)
				return &pm_enomem;
			p->bugchecks = b;
			memset(&b[i], 0, sizeof(*b));
			p->nbugchecks++;
		}
		p->bugchecks[i].code = (uint32_t)code;
		p->bugchecks[i].resource = r;
		copy(p->bugchecks[i].name, sizeof(p->bugchecks[i].name), it, "name");
		copy(p->bugchecks[i].meaning, sizeof(p->bugchecks[i].meaning), it, "meaning");
	}
	return NULL;
}

static uint64_t num(const cJSON *o, const char *k, uint64_t dflt)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15
		       ? (uint64_t)v->valuedouble
		       : dflt;
}

static struct pm_error *merge_limits(struct pm_rule_params *p, const cJSON *o, const char *src)
{
	if (!o)
		return NULL;
	if (!cJSON_IsArray(o))
		return pm_err(PM_ERR_FORMAT, "%s: \"limits\" is not an array", src);
	size_t n = (size_t)cJSON_GetArraySize(o);
	struct pm_limit *l = calloc(n ? n : 1, sizeof(*l));
	if (!l)
		return &pm_enomem;
	size_t k = 0;
	for (const cJSON *it = o->child; it; it = it->next, k++) {
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(it, "builds");
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(it, "arch");
		if (!cJSON_IsArray(b) || cJSON_GetArraySize(b) != 2 || !cJSON_IsString(a)) {
			free(l);
			return pm_err(PM_ERR_FORMAT, "%s: limits[%zu] needs \"builds\": [min, max] and "
				      "\"arch\"", src, k);
		}
		l[k].build_min = (uint32_t)(cJSON_IsNumber(b->child) ? b->child->valuedouble : 0);
		l[k].build_max = (uint32_t)(cJSON_IsNumber(b->child->next) ? b->child->next->valuedouble : 0);
		l[k].is64 = !strcmp(a->valuestring, "x64");
		const cJSON *np = cJSON_GetObjectItemCaseSensitive(it, "np");
		const cJSON *pp = cJSON_GetObjectItemCaseSensitive(it, "p");
		l[k].np_pct_ram = (unsigned)num(np, "pct_ram", 0);
		l[k].np_cap_mb = num(np, "cap_mb", 0);
		l[k].p_cap_mb = num(pp, "cap_mb", 0);
		l[k].three_gb_np_mb = num(it, "three_gb_np_mb", 0);
		copy(l[k].ref, sizeof(l[k].ref), it, "ref");
	}
	free(p->limits);
	p->limits = l;
	p->nlimits = n;
	return NULL;
}

static struct pm_error *parse(const char *text, const char *src, cJSON **ret)
{
	cJSON *doc = cJSON_Parse(text);
	if (!doc) {
		const char *at = cJSON_GetErrorPtr();
		return pm_err(PM_ERR_FORMAT, "%s: not valid JSON (near offset %td)", src,
			      at && at >= text ? at - text : (ptrdiff_t)-1);
	}
	*ret = doc;
	return NULL;
}

/* A user file (or the embedded limits) may hold every section. */
static struct pm_error *merge_doc(struct pm_rule_params *p, const char *text, const char *src)
{
	cJSON *doc;
	PM_TRY(parse(text, src, &doc));
	struct pm_error *err = NULL;
	if (!cJSON_IsObject(doc))
		err = pm_err(PM_ERR_FORMAT, "%s: the top level is not an object", src);
	const cJSON *th = cJSON_GetObjectItemCaseSensitive(doc, "thresholds");
	if (!err)
		err = merge_thresholds(p, th, src);
	if (!err)
		err = merge_tags(p, cJSON_GetObjectItemCaseSensitive(doc, "tags"), src);
	if (!err)
		err = merge_bugchecks(p, cJSON_GetObjectItemCaseSensitive(doc, "bugchecks"), src);
	if (!err)
		err = merge_limits(p, cJSON_GetObjectItemCaseSensitive(doc, "limits"), src);
	if (!err)
		err = merge_shared(p, cJSON_GetObjectItemCaseSensitive(doc, "shared_tags"), src);
	cJSON_Delete(doc);
	return err;
}

/* An embedded file that is one section's value. */
static struct pm_error *merge_section(struct pm_rule_params *p, const char *text,
				      struct pm_error *(*merge)(struct pm_rule_params *,
								const cJSON *, const char *),
				      const char *src)
{
	cJSON *doc;
	PM_TRY(parse(text, src, &doc));
	struct pm_error *err = merge(p, doc, src);
	cJSON_Delete(doc);
	return err;
}

struct pm_error *pm_rule_params_init(struct pm_rule_params *p)
{
	memset(p, 0, sizeof(*p));
	struct pm_error *err;
	if ((err = merge_section(p, pm_data_thresholds, merge_thresholds,
				 "rules/data/thresholds.json")) ||
	    (err = merge_section(p, pm_data_tags, merge_tags, "rules/data/tags.json")) ||
	    (err = merge_section(p, pm_data_bugchecks, merge_bugchecks,
				 "rules/data/bugchecks.json")) ||
	    (err = merge_doc(p, pm_data_limits, "rules/data/limits.json")) ||
	    (err = merge_doc(p, pm_data_shared_tags, "rules/data/shared_tags.json"))) {
		pm_rule_params_deinit(p);
		return err;
	}
	return NULL;
}

static struct pm_error *slurp(const char *path, char **ret)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return pm_err_os(errno, "%s: cannot open", path);
	char *buf = malloc(PM_MAX_RULES_FILE + 1);
	if (!buf) {
		fclose(f);
		return &pm_enomem;
	}
	size_t n = fread(buf, 1, PM_MAX_RULES_FILE + 1, f);
	int bad = ferror(f);
	fclose(f);
	if (bad || n > PM_MAX_RULES_FILE) {
		free(buf);
		return pm_err(bad ? PM_ERR_OS : PM_ERR_LIMIT, "%s: %s", path,
			      bad ? "read error" : "larger than 4 MiB");
	}
	buf[n] = 0;
	*ret = buf;
	return NULL;
}

struct pm_error *pm_rule_params_merge_json(struct pm_rule_params *p, const char *text,
					   const char *what)
{
	return merge_doc(p, text, what);
}

struct pm_error *pm_rule_params_merge_file(struct pm_rule_params *p, const char *path)
{
	char *text;
	PM_TRY(slurp(path, &text));
	struct pm_error *err = merge_doc(p, text, path);
	free(text);
	return err;
}

struct pm_error *pm_rule_params_merge_pooltag(struct pm_rule_params *p, const char *path)
{
	char *text;
	PM_TRY(slurp(path, &text));
	struct pm_error *err = pm_pooltag_parse(p, text, path);
	free(text);
	return err;
}

struct pm_error *pm_rule_params_merge_pooltag_text(struct pm_rule_params *p, const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		return &pm_enomem;
	struct pm_error *err = pm_pooltag_parse(p, copy, "pooltag.txt");
	free(copy);
	return err;
}

void pm_rule_params_deinit(struct pm_rule_params *p)
{
	free(p->tags);
	free(p->shared);
	free(p->bugchecks);
	free(p->limits);
	free(p->pooltag);
	memset(p, 0, sizeof(*p));
}

const struct pm_tag_info *pm_rule_tag(const struct pm_rule_params *p, uint32_t tag)
{
	for (size_t i = 0; i < p->ntags; i++)
		if (p->tags[i].tag == tag)
			return &p->tags[i];
	return NULL;
}

const struct pm_shared_tag *pm_rule_shared_tag(const struct pm_rule_params *p, uint32_t tag)
{
	for (size_t i = 0; i < p->nshared; i++)
		if (p->shared[i].tag == tag)
			return &p->shared[i];
	return NULL;
}
