// SPDX-License-Identifier: MIT
// Big pool allocations billed to processes (billed.h): ProcessBilled of each live big-page
// entry, decoded with ExpPoolQuotaCookie from the symbols or derived and checked.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billed.h"
#include "objtype.h"
#include "process.h"

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (int i = (int)n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct entry {
	uint64_t va, x; /* x = ProcessBilled ^ Va */
	uint32_t tag;
	uint64_t bytes;
};

typedef void (*entry_fn)(void *ctx, const struct entry *e);

struct table {
	const struct pm_vmem *vm;
	const struct pm_bigpool *big;
	unsigned stride, billed_off;
	uint64_t unreadable;
};

static void decode(const struct table *t, const uint8_t *p, entry_fn fn, void *ctx)
{
	const struct pm_big_layout *B = t->big->layout;
	uint64_t va = le(p, 8);
	if (!va || va & 1) /* empty, or freed (bit 0) */
		return;
	struct entry e = { va, le(p + t->billed_off, 8) ^ va, (uint32_t)le(p + B->key_off, 4),
			   le(p + B->size.off, B->size.width) };
	if (B->size_kind == PM_BIG_PAGES)
		e.bytes <<= 12;
	fn(ctx, &e);
}

enum { CHUNK = 128 };

/* Every live entry, in table order, read CHUNK entries at a time. */
static void each(struct table *t, entry_fn fn, void *ctx)
{
	uint8_t buf[CHUNK * 0x100];
	t->unreadable = 0;
	for (uint64_t i = 0; i < t->big->entries; i += CHUNK) {
		uint64_t n = t->big->entries - i < CHUNK ? t->big->entries - i : CHUNK;
		uint64_t va = t->big->table + i * t->stride;
		struct pm_error *err = pm_vmem_read(t->vm, va, buf, (size_t)(n * t->stride));
		if (!err) {
			for (uint64_t k = 0; k < n; k++)
				decode(t, buf + k * t->stride, fn, ctx);
			continue;
		}
		pm_error_destroy(err);
		for (uint64_t k = 0; k < n; k++) { /* one by one: some pages may be there */
			if ((err = pm_vmem_read(t->vm, va + k * t->stride, buf, t->stride))) {
				pm_error_destroy(err);
				t->unreadable++;
				continue;
			}
			decode(t, buf, fn, ctx);
		}
	}
}

/* ---- deriving the cookie ----------------------------------------------------------------- */

enum { SAMPLE = 4096, MAX_CAND = 4 };

struct survey {
	uint64_t self_table, self_x;
	bool has_self;
	uint64_t maj, maj_n; /* Boyer-Moore majority vote */
	uint64_t sample[SAMPLE];
	size_t nsample;
	uint64_t live;
};

static void survey_one(void *c, const struct entry *e)
{
	struct survey *s = c;
	s->live++;
	if (e->va == s->self_table) {
		s->has_self = true;
		s->self_x = e->x;
	}
	if (!s->maj_n) {
		s->maj = e->x;
		s->maj_n = 1;
	} else {
		s->maj_n += s->maj == e->x ? 1 : (uint64_t)-1;
	}
	if (s->nsample < SAMPLE)
		s->sample[s->nsample++] = e->x;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool listed(const uint64_t *eprocs, size_t n, uint64_t p)
{
	return bsearch(&p, eprocs, n, sizeof(*eprocs), cmp_u64) != NULL;
}

struct score {
	uint64_t cookie, explained;
	const uint64_t *eprocs;
	size_t n;
};

static void score_one(void *c, const struct entry *e)
{
	struct score *s = c;
	uint64_t p = e->x ^ s->cookie;
	s->explained += !p || listed(s->eprocs, s->n, p);
}

struct in_data {
	uint64_t want[MAX_CAND];
	bool found[MAX_CAND];
	unsigned n;
};

static bool data_one(void *c, uint64_t va, const uint64_t q[3])
{
	(void)va;
	struct in_data *d = c;
	for (unsigned i = 0; i < d->n; i++)
		d->found[i] |= q[0] == d->want[i];
	return true;
}

static void add_cand(uint64_t *c, unsigned *n, uint64_t v)
{
	for (unsigned i = 0; i < *n; i++)
		if (c[i] == v)
			return;
	if (*n < MAX_CAND)
		c[(*n)++] = v;
}

/* The two values the sample holds most often. */
static void top_two(struct survey *s, uint64_t *c, unsigned *nc)
{
	qsort(s->sample, s->nsample, sizeof(s->sample[0]), cmp_u64);
	uint64_t best[2] = { 0, 0 }, bn[2] = { 0, 0 };
	for (size_t i = 0; i < s->nsample;) {
		size_t j = i;
		while (j < s->nsample && s->sample[j] == s->sample[i])
			j++;
		uint64_t run = j - i;
		if (run > bn[0]) {
			best[1] = best[0], bn[1] = bn[0];
			best[0] = s->sample[i], bn[0] = run;
		} else if (run > bn[1]) {
			best[1] = s->sample[i], bn[1] = run;
		}
		i = j;
	}
	for (int k = 0; k < 2; k++)
		if (bn[k] >= 2)
			add_cand(c, nc, best[k]);
}

static struct pm_error *derive(struct table *t, const uint64_t *eprocs, size_t neprocs,
			       uint64_t kernel_base, const struct pm_pe_info *kpe, uint64_t *cookie,
			       char *how, size_t howlen)
{
	struct survey *s = calloc(1, sizeof(*s));
	if (!s)
		return &pm_enomem;
	s->self_table = t->big->table;
	each(t, survey_one, s);
	uint64_t cand[MAX_CAND];
	unsigned nc = 0;
	if (s->maj_n)
		add_cand(cand, &nc, s->maj);
	if (s->has_self)
		add_cand(cand, &nc, s->self_x);
	top_two(s, cand, &nc);
	uint64_t live = s->live;
	free(s);
	struct in_data d = { { 0 }, { false }, nc };
	memcpy(d.want, cand, sizeof(cand[0]) * nc);
	if (kpe)
		PM_TRY(pm_kdata_scan(t->vm, kernel_base, kpe, data_one, &d, NULL));
	unsigned ok = 0, ok_data = 0, pick = 0;
	uint64_t pick_score = 0;
	for (unsigned i = 0; i < nc; i++) {
		struct score sc = { cand[i], 0, eprocs, neprocs };
		each(t, score_one, &sc);
		if (sc.explained < 2 || sc.explained * 100 < live * 95)
			continue;
		ok++;
		ok_data += d.found[i];
		if (ok == 1 || (d.found[i] && !d.found[pick])) {
			pick = i;
			pick_score = sc.explained;
		}
	}
	if (!ok)
		return pm_err(PM_ERR_NOT_PRESENT, "no ExpPoolQuotaCookie candidate (of %u, from %"
			      PRIu64 " live entries) decodes the entries to 0 or to listed processes",
			      nc, live);
	if (ok > 1 && ok_data != 1)
		return pm_err(PM_ERR_NOT_PRESENT, "%u ExpPoolQuotaCookie candidates decode the "
			      "entries equally and %s in the kernel's writable sections: ambiguous",
			      ok, ok_data ? "several are" : kpe ? "none is" : "the sections are not "
			      "readable");
	*cookie = cand[pick];
	snprintf(how, howlen, "ExpPoolQuotaCookie derived from the entries: %" PRIu64 " of %" PRIu64
		 " decode to 0 "
		 "or a listed process%s", pick_score, live,
		 d.found[pick] ? "; the value is stored in the kernel's writable sections" : "");
	return NULL;
}

/* ---- attribution --------------------------------------------------------------------------- */

struct attr {
	struct pm_billed *b;
	const uint64_t *eprocs;
	size_t n;
	size_t cap; /* power of 2, hash of groups */
	struct pm_billed_group *h;
	bool nomem;
};

static void attr_one(void *c, const struct entry *e)
{
	struct attr *a = c;
	struct pm_billed *b = a->b;
	uint64_t p = e->x ^ b->cookie;
	b->live++;
	if (!p) {
		b->uncharged++;
		return;
	}
	if (!listed(a->eprocs, a->n, p)) {
		b->unexplained++;
		return;
	}
	b->charged++;
	uint64_t k = (p ^ e->tag) * UINT64_C(0x9E3779B97F4A7C15);
	for (size_t j = (size_t)(k >> 32) & (a->cap - 1);; j = (j + 1) & (a->cap - 1)) {
		struct pm_billed_group *g = &a->h[j];
		if (g->process == p && g->tag == e->tag) {
			g->count++;
			g->bytes += e->bytes;
			return;
		}
		if (!g->process) {
			if (b->n >= PM_MAX_BILLED_GROUPS || (b->n + 1) * 2 > a->cap) {
				b->dropped++;
				return;
			}
			*g = (struct pm_billed_group){ p, e->tag, 1, e->bytes };
			b->n++;
			return;
		}
	}
}

static int by_bytes(const void *x, const void *y)
{
	const struct pm_billed_group *a = x, *b = y;
	if (a->bytes != b->bytes)
		return a->bytes > b->bytes ? -1 : 1;
	if (a->process != b->process)
		return a->process < b->process ? -1 : 1;
	return a->tag < b->tag ? -1 : a->tag > b->tag;
}

struct pm_error *pm_billed_read(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				const struct pm_bigpool *big, const uint64_t *eprocs, size_t neprocs,
				bool have_cookie, uint64_t cookie, uint64_t kernel_base,
				const struct pm_pe_info *kpe, struct pm_billed *ret)
{
	memset(ret, 0, sizeof(*ret));
	const struct pm_obj_fld *bf = &L->f[PM_OF_BIG_BILLED];
	if (!bf->present)
		return pm_err(PM_ERR_PROFILE, "%s: big-page entries carry no ProcessBilled (it "
			      "exists from build 20348)", L->name);
	const struct pm_big_layout *B = big->layout;
	if (!B || B->stride > 0x100 || bf->off + 8 > B->stride || B->key_off + 4 > B->stride ||
	    B->size.off + B->size.width > B->stride || (B->size.width != 4 && B->size.width != 8))
		return pm_err(PM_ERR_PROFILE, "the big-page entry layout (%#x bytes) has no room "
			      "for ProcessBilled at +%#" PRIx32, B ? B->stride : 0, bf->off);
	struct table t = { vm, big, B->stride, bf->off, 0 };
	if (have_cookie) {
		ret->cookie = cookie;
		snprintf(ret->cookie_how, sizeof(ret->cookie_how), "ExpPoolQuotaCookie from the %s",
			 L->source);
	} else {
		PM_TRY(derive(&t, eprocs, neprocs, kernel_base, kpe, &ret->cookie, ret->cookie_how,
			      sizeof(ret->cookie_how)));
	}
	struct attr a = { ret, eprocs, neprocs, 1u << 10, NULL, false };
	while (a.cap < 2 * (size_t)PM_MAX_BILLED_GROUPS && a.cap < 4 * big->nallocs)
		a.cap <<= 1;
	a.h = calloc(a.cap, sizeof(*a.h));
	if (!a.h)
		return &pm_enomem;
	each(&t, attr_one, &a);
	ret->unreadable = t.unreadable;
	ret->groups = malloc((ret->n ? ret->n : 1) * sizeof(*ret->groups));
	if (!ret->groups) {
		free(a.h);
		return &pm_enomem;
	}
	size_t k = 0;
	for (size_t j = 0; j < a.cap; j++)
		if (a.h[j].process)
			ret->groups[k++] = a.h[j];
	free(a.h);
	qsort(ret->groups, ret->n, sizeof(*ret->groups), by_bytes);
	return NULL;
}

void pm_billed_deinit(struct pm_billed *b)
{
	free(b->groups);
	b->groups = NULL;
	b->n = 0;
}
