// SPDX-License-Identifier: MIT
// Ranking of suspect tags and of their owning drivers (issue 5; pool-internals.md §6;
// seeds.md "Tracing a leak": search the driver images for the tag's four characters).
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "pm-units.h"
#include "rank.h"

bool pm_max_meaningful(const struct pm_summary *s, const struct pm_fig *max)
{
	/* 32-bit maxima (at most 2 GB) and x64 maxima up to Windows 8 (128 GB caps) are real
	 * limits; from 8.1 on x64 the figure is "RAM or 16 TB" (~16 TB in !vm), which only
	 * means something when it is below RAM (pool-internals.md §5.1). */
	if (max->absent || !max->v)
		return false;
	if (!s->is64 || s->build < 9600)
		return true;
	return !s->ram.absent && max->v <= s->ram.v;
}

const struct pm_limit *pm_limit_for(const struct pm_summary *s, const struct pm_rule_params *p)
{
	for (size_t i = 0; i < p->nlimits; i++)
		if (p->limits[i].is64 == s->is64 && s->build >= p->limits[i].build_min &&
		    s->build <= p->limits[i].build_max)
			return &p->limits[i];
	return NULL;
}

bool pm_fig_damaged(const struct pm_fig *f)
{
	return f->absent == PM_ABSENT_UNREADABLE || f->absent == PM_ABSENT_NOT_CAPTURED ||
	       f->absent == PM_ABSENT_NOT_PRESENT || f->absent == PM_ABSENT_PAGED_OUT ||
	       f->absent == PM_ABSENT_IMPLAUSIBLE;
}

bool pm_fig_symbols_failed(const struct pm_fig *f)
{
	return f->absent == PM_ABSENT_NOT_IN_SYMBOLS || f->absent == PM_ABSENT_BAD_SYMBOLS;
}

const char *pm_fig_absent_words(const struct pm_fig *f, const char *otherwise)
{
	if (f->absent == PM_ABSENT_NOT_IN_SYMBOLS)
		return "not given by the symbol file (see the coverage)";
	if (f->absent == PM_ABSENT_BAD_SYMBOLS)
		return "the symbol file contradicts itself there (see the diagnostics)";
	if (f->absent == PM_ABSENT_IMPLAUSIBLE)
		return "implausible: another figure contradicts it, so neither is used (see the "
		       "coverage)";
	if (pm_fig_damaged(f))
		return "unreadable in this dump (see the diagnostics)";
	return otherwise;
}

bool pm_max_matters(const struct pm_summary *s)
{
	return !s->is64 || s->build < 9600;
}

const struct pm_bugcheck_info *pm_bugcheck_info(const struct pm_summary *s,
						const struct pm_rule_params *p)
{
	for (size_t i = 0; s->has_bugcheck && i < p->nbugchecks; i++)
		if (p->bugchecks[i].code == s->bugcheck)
			return &p->bugchecks[i];
	return NULL;
}

static uint64_t tag_bytes(const struct pm_sum_tag *t, enum pm_resource pool)
{
	return pool == PM_RES_PAGED ? t->p_bytes
	       : pool == PM_RES_COMMIT ? t->np_bytes + t->p_bytes : t->np_bytes;
}

static uint64_t tag_out(const struct pm_sum_tag *t, enum pm_resource pool)
{
	return pool == PM_RES_PAGED ? t->p_outstanding
	       : pool == PM_RES_COMMIT ? t->np_outstanding + t->p_outstanding : t->np_outstanding;
}

bool pm_ram_upper_bound(const struct pm_summary *s)
{
	for (unsigned i = 0; i < s->coverage.nram && i < PM_SUM_MAX_RAM; i++)
		if (s->coverage.ram[i].used)
			return s->coverage.ram[i].upper_bound;
	return false;
}

bool pm_tracker_partial(const struct pm_summary *s)
{
	return s->tracker && (s->cpus_read < s->cpus_expected || s->tracker_inconsistent);
}

void pm_tracker_partial_text(const struct pm_summary *s, char *out, size_t n)
{
	if (s->cpus_read < s->cpus_expected)
		snprintf(out, n, "the tag counts come from %u of %u processors' tables", s->cpus_read,
			 s->cpus_expected);
	else
		snprintf(out, n, "summed over every processor's table, %" PRIu64 " tags have more "
			 "frees than allocations: part of a table is missing or damaged",
			 s->tracker_inconsistent);
}

bool pm_pool_usage_bytes(const struct pm_summary *s, enum pm_resource pool, uint64_t *ret,
			 const char **source_ret)
{
	const struct pm_fig *u = pool == PM_RES_PAGED ? &s->p_usage : &s->np_usage;
	if (!u->absent) {
		*ret = u->v * 4096;
		*source_ret = u->source;
		return true;
	}
	if (!s->tracker)
		return false;
	uint64_t sum = 0;
	for (size_t i = 0; i < s->ntags; i++)
		sum += tag_bytes(&s->tags[i], pool);
	*ret = sum;
	*source_ret = "tag tracker";
	return true;
}

bool pm_pool_usage_estimate(const struct pm_summary *s, enum pm_resource pool)
{
	const struct pm_fig *u = pool == PM_RES_PAGED ? &s->p_usage : &s->np_usage;
	return u->absent || u->from == PM_PROV_ESTIMATE;
}

static void reason(struct pm_ranked_tag *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reason(struct pm_ranked_tag *r, const char *fmt, ...)
{
	if (r->nreasons >= 4)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->reasons[r->nreasons++], sizeof(r->reasons[0]), fmt, ap);
	va_end(ap);
}

/* The largest tag of @p pool not yet ranked (nor expected bookkeeping); NULL when none. */
static const struct pm_sum_tag *next_tag(const struct pm_summary *s, const struct pm_rule_params *p,
					 enum pm_resource pool, const struct pm_finding *fi)
{
	const struct pm_sum_tag *best = NULL;
	for (size_t i = 0; i < s->ntags; i++) {
		const struct pm_sum_tag *t = &s->tags[i];
		const struct pm_tag_info *k = pm_rule_tag(p, t->tag);
		if ((k && k->expected) || !tag_bytes(t, pool))
			continue;
		bool used = false;
		for (unsigned j = 0; j < fi->ntags && !used; j++)
			used = fi->tags[j].tag == t->tag;
		if (!used && (!best || tag_bytes(t, pool) > tag_bytes(best, pool)))
			best = t;
	}
	return best;
}

/* Rank the tags of @p pool by bytes against @p usage bytes (named @p what, from @p src). */
static void rank(const struct pm_summary *s, const struct pm_rule_params *p, enum pm_resource pool,
		 struct pm_finding *fi, uint64_t usage, const char *what, const char *src)
{
	const struct pm_fig *max = pool == PM_RES_PAGED ? &s->p_max
				   : pool == PM_RES_NONPAGED ? &s->np_max : NULL;
	bool partial = pm_tracker_partial(s);
	unsigned limit = p->suspect_tags_max < PM_MAX_RANKED ? p->suspect_tags_max : PM_MAX_RANKED;
	while (fi->ntags < limit) {
		const struct pm_sum_tag *best = next_tag(s, p, pool, fi);
		if (!best)
			break;
		double share = (double)tag_bytes(best, pool) / (double)usage;
		if (fi->ntags > 0 && share * 100 < p->suspect_tag_min_share_pct)
			break;
		struct pm_ranked_tag *r = &fi->tags[fi->ntags++];
		memset(r, 0, sizeof(*r));
		r->tag = best->tag;
		r->pool = pool;
		r->partial = partial;
		r->bytes = tag_bytes(best, pool);
		r->outstanding = tag_out(best, pool);
		r->share = share;
		struct pm_tag_desc d;
		if (pm_rule_tag_describe(p, r->tag, &d) && d.desc && d.desc[0])
			snprintf(r->description, sizeof(r->description), "%s", d.desc);
		reason(r, "%.0f%% of %s: %s of %s, usage from %s", share * 100, what,
		       PM_U_HUMAN(r->bytes), PM_U_HUMAN(usage), src);
		if (partial) {
			char why[160];
			pm_tracker_partial_text(s, why, sizeof(why));
			reason(r, "from partial data: %s", why);
		}
		if (max && pm_max_meaningful(s, max))
			reason(r, "%.0f%% of the pool's maximum of %s",
			       (double)r->bytes / 4096.0 * 100 / (double)max->v,
			       PM_U_HUMAN(max->v * 4096));
		uint64_t avg = r->outstanding ? r->bytes / r->outstanding : 0;
		if (best->big_count && best->big_bytes * 2 >= r->bytes)
			reason(r, "%s big allocations (page-sized or larger) hold %s: few, large "
			       "allocations", PM_U_GROUPED(best->big_count),
			       PM_U_HUMAN(best->big_bytes));
		else if (r->outstanding >= p->many_allocations && avg <= p->small_fixed_size_bytes)
			reason(r, "%s outstanding allocations averaging %s: many small allocations, "
			       "typical of an object or handle leak", PM_U_GROUPED(r->outstanding),
			       PM_U_HUMAN(avg));
		else
			reason(r, "%s outstanding allocations, %s on average",
			       PM_U_GROUPED(r->outstanding), PM_U_HUMAN(avg));
		for (int k = 0; k < 4; k++)
			if ((uint32_t)s->params[k] == r->tag)
				reason(r, "bugcheck parameter %d is this tag", k + 1);
	}
}

void pm_rank_tags(const struct pm_summary *s, const struct pm_rule_params *p,
		  enum pm_resource pool, struct pm_finding *fi)
{
	if (!s->tracker || !fi)
		return;
	uint64_t usage;
	const char *src;
	if (!pm_pool_usage_bytes(s, pool, &usage, &src) || !usage)
		return;
	rank(s, p, pool, fi, usage, pool == PM_RES_PAGED ? "paged pool usage"
						      : "nonpaged pool usage", src);
}

void pm_rank_tags_commit(const struct pm_summary *s, const struct pm_rule_params *p,
			 struct pm_finding *fi, uint64_t charged, const char *what,
			 const char *src)
{
	if (!s->tracker || !fi || !charged)
		return;
	rank(s, p, PM_RES_COMMIT, fi, charged, what, src);
}

static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;
		if (x != y)
			return false;
	}
	return !*a && !*b;
}

static void add_driver(struct pm_finding *fi, uint32_t tag, const char *name, const char *how,
		       unsigned strength, const char *detail)
{
	for (unsigned i = 0; i < fi->ndrivers; i++)
		if (fi->drivers[i].tag == tag && name_eq(fi->drivers[i].name, name)) {
			if (strength > fi->drivers[i].strength) {
				fi->drivers[i].strength = strength;
				fi->drivers[i].how = how;
				snprintf(fi->drivers[i].detail, sizeof(fi->drivers[i].detail), "%s",
					 detail);
			}
			return;
		}
	if (fi->ndrivers >= PM_MAX_RANKED) {
		/* replace the weakest if this one is stronger */
		unsigned w = 0;
		for (unsigned i = 1; i < fi->ndrivers; i++)
			if (fi->drivers[i].strength < fi->drivers[w].strength)
				w = i;
		if (fi->drivers[w].strength >= strength)
			return;
		fi->ndrivers--;
		fi->drivers[w] = fi->drivers[fi->ndrivers];
	}
	struct pm_ranked_driver *d = &fi->drivers[fi->ndrivers++];
	d->tag = tag;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->how = how;
	d->strength = strength;
	snprintf(d->detail, sizeof(d->detail), "%s", detail);
}

/* The binaries pooltag.txt names for @p tag (every line of it; a wildcard line ranks below
 * an exact one). A line that names none ("<unknown>", or no binary column) names no owner. */
static void pooltag_owners(const struct pm_rule_params *p, struct pm_finding *fi, uint32_t tag,
			   unsigned bonus)
{
	const struct pm_pooltag_entry *e[8];
	size_t n = pm_rule_pooltag(p, tag, e, 8);
	char detail[400];
	for (size_t i = 0; i < n; i++) {
		if (!e[i]->binary[0])
			continue;
		snprintf(detail, sizeof(detail), "pooltag.txt line %u%s%s%s says: %s - %s", e[i]->line,
			 e[i]->wild ? " ('" : "", e[i]->wild ? e[i]->pattern : "",
			 e[i]->wild ? "', a wildcard)" : "", e[i]->binary, e[i]->desc);
		add_driver(fi, tag, e[i]->binary, "pooltag.txt", bonus + (e[i]->wild ? 140 : 150),
			   detail);
	}
}

/* A loaded driver whose name begins with the tag's four characters: the tag KMDF gives a
 * client driver that names none (the first four characters of the driver's name, after a
 * "Wdf" prefix), and the habit of many vendors. Weak evidence: a name is not code. */
static void name_owners(const struct pm_summary *s, struct pm_finding *fi, uint32_t tag,
			unsigned bonus)
{
	char t[5];
	pm_sum_tag_str(tag, t);
	for (int i = 0; i < 4; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= 'A' && t[i] <= 'Z') ||
		      (t[i] >= '0' && t[i] <= '9')))
			return;
	for (size_t m = 0; m < s->nmodules; m++) {
		const char *slash = strrchr(s->modules[m].name, '\\');
		const char *n = slash ? slash + 1 : s->modules[m].name;
		if (!strncasecmp(n, "wdf", 3) && strlen(n) > 7 && strncasecmp(n, "wdf01", 5))
			n += 3;
		if (strlen(n) < 5 || strncasecmp(n, t, 4) || n[4] == 0)
			continue;
		char detail[160];
		snprintf(detail, sizeof(detail), "its name begins with the tag's four characters "
			 "(KMDF's default tag for a client driver that names none): weak evidence");
		add_driver(fi, tag, s->modules[m].name, "name", bonus + 60 + !strncmp(n, t, 4),
			   detail);
	}
}


void pm_rank_drivers(const struct pm_summary *s, const struct pm_rule_params *p,
		     struct pm_finding *fi)
{
	if (!fi)
		return;
	/* Tags in rank order; the first tag's owners come first (strength bonus by rank). */
	for (unsigned t = 0; t < fi->ntags && t < 3; t++) {
		uint32_t tag = fi->tags[t].tag;
		unsigned bonus = (3 - t) * 1000;
		const struct pm_shared_tag *shared = pm_rule_shared_tag(p, tag);
		char detail[400];
		for (size_t h = 0; h < s->nhits; h++) {
			const struct pm_sum_hit *hit = &s->hits[h];
			if (hit->tag != tag || hit->module >= s->nmodules)
				continue;
			const char *name = s->modules[hit->module].name;
			if (shared) {
				/* library code linked into many drivers: the hit says the driver
				 * links the library, not that its own code leaks the tag */
				snprintf(detail, sizeof(detail), "%s in its image %u time(s), but a "
					 "shared library tag: weak evidence for this driver (%s)",
					 hit->immediates ? "an immediate" : "present",
					 hit->immediates + hit->code + hit->data, shared->library);
				add_driver(fi, tag, name, PM_HOW_SHARED, bonus + 30, detail);
			} else if (hit->immediates) {
				snprintf(detail, sizeof(detail), "the tag is an immediate operand in its "
					 "code %u time(s)", hit->immediates);
				add_driver(fi, tag, name, "code immediate", bonus + 300 + hit->immediates,
					   detail);
			} else if (hit->code) {
				snprintf(detail, sizeof(detail), "the tag's bytes appear in its "
					 "executable sections %u time(s)", hit->code);
				add_driver(fi, tag, name, "code", bonus + 200 + hit->code, detail);
			} else if (hit->data) {
				snprintf(detail, sizeof(detail), "the tag's bytes appear only in its data "
					 "(%u time(s)): weak evidence", hit->data);
				add_driver(fi, tag, name, "data", bonus + 50 + hit->data, detail);
			}
		}
		const struct pm_tag_info *k = pm_rule_tag(p, tag);
		if (k && k->owner[0]) {
			snprintf(detail, sizeof(detail), "%s says: %s%s%s", k->source, k->owner,
				 k->meaning[0] ? " - " : "", k->meaning);
			add_driver(fi, tag, k->owner, "knowledge base", bonus + 100, detail);
		}
		pooltag_owners(p, fi, tag, bonus);
		name_owners(s, fi, tag, bonus);
	}
	/* the image facts of the owners that are loaded (lm v) */
	for (unsigned i = 0; i < fi->ndrivers; i++) {
		struct pm_ranked_driver *d = &fi->drivers[i];
		for (size_t m = 0; m < s->nmodules && !d->loaded; m++) {
			const char *slash = strrchr(s->modules[m].name, '\\');
			if (!name_eq(slash ? slash + 1 : s->modules[m].name, d->name))
				continue;
			d->loaded = true;
			d->timestamp = s->modules[m].timestamp;
			d->version = s->modules[m].version;
		}
	}
	/* strongest first */
	for (unsigned i = 1; i < fi->ndrivers; i++)
		for (unsigned j = i; j > 0 && fi->drivers[j].strength > fi->drivers[j - 1].strength;
		     j--) {
			struct pm_ranked_driver x = fi->drivers[j];
			fi->drivers[j] = fi->drivers[j - 1];
			fi->drivers[j - 1] = x;
		}
}

const struct pm_ranked_driver *pm_rank_blamed(const struct pm_finding *fi, uint32_t tag)
{
	for (unsigned i = 0; i < fi->ndrivers; i++)
		if (fi->drivers[i].tag == tag && strcmp(fi->drivers[i].how, PM_HOW_SHARED))
			return &fi->drivers[i];
	return NULL;
}
