// SPDX-License-Identifier: MIT
// The tag tracker's size, entry layout and hash (pool-internals.md §7 step 4), chosen by how
// much of the table each interpretation explains.
//
// Where real kernels keep PoolTrackTableSize (fixtures/facts/, 213 x64 kernels): right before
// &PoolTrackTable on 41, right after it on 38, and on the 134 others on the far side of the
// ExPoolTagTables array, whose capacity is 256, 640, 1280 or 2048 pointers by build; the pool
// variables (PoolTrackTable, its Size and Mask, the expansion and big-page tables and their
// sizes, ExPoolTagTables, the session table, the pool locks) sit together on both sides of that
// array, at most 0x4080 bytes from &PoolTrackTable. So every 2^n+1 value within that reach is a
// record of the kernel's own (named by where it sits: just before, just after, beside its mask
// Size - 2, or among the pool variables), as are the symbols' PoolTrackTableSize and a
// (Size, Mask) pair anywhere in nt's data.
//
// Each candidate size is scored against the table under every entry layout and hash: the keys
// it explains are those within HOME_WINDOW slots of their hash slot. The kernel's record that
// explains the most keys is taken (ties: the better-placed record). The statistical fit (every
// 2^n+1) is only a last resort and a check: it overrides the record only when it explains
// clearly more keys (issue 16: one stray value must not beat the kernel's own records), and a
// fit that explains a few more keys than the record is a close call, said as such.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kobj_pool-priv.h"

bool pm_tk_pow2_plus1(uint64_t v)
{
	return v >= 65 && v <= PM_MAX_TRACKER_ENTRIES && ((v - 1) & (v - 2)) == 0;
}

/* A key at most this many slots after its hash slot counts as "at home" (§7 step 4.3). */
static const unsigned HOME_WINDOW = 8;

/* keys, those not printable, those within HOME_WINDOW of their hash slot; the table's 4 KiB
 * pages and its damaged ones (more keys not printable than printable): how many, their keys,
 * their keys not printable, the first one's first entry */
struct fit {
	uint64_t keys, bad, home;
	uint64_t pages, dpages, dkeys, dbad, dfirst;
};

/* One page's keys are done: a page with more keys not printable than printable is damaged
 * (a stray value in an empty slot, a page remapped by a damaged PTE). */
static void page_done(struct fit *f, uint64_t keys, uint64_t bad, uint64_t first)
{
	f->pages++;
	if (!bad || bad <= keys - bad)
		return;
	if (!f->dpages)
		f->dfirst = first;
	f->dpages++;
	f->dkeys += keys;
	f->dbad += bad;
}

/* Pages are counted from the table's start: the table is a page-sized pool allocation or
 * larger, so page-aligned, and one damaged PTE remaps one of these pages. */
static void score(const uint8_t *t, uint64_t n, const struct pm_tracker_layout *L,
		  enum pm_tag_hash h, struct fit *f)
{
	uint64_t mask = n - 2, page = 0, pkeys = 0, pbad = 0, pfirst = 0;
	memset(f, 0, sizeof(*f));
	for (uint64_t i = 0; i + 1 < n; i++) { /* the last entry is the overflow bucket */
		uint64_t pg = (i * L->stride + L->key.off) / 4096;
		if (pg != page) {
			page_done(f, pkeys, pbad, pfirst);
			page = pg;
			pkeys = pbad = 0;
			pfirst = i;
		}
		uint32_t key = (uint32_t)pm_kp_get_u(t + i * L->stride, L->key.off, L->key.width);
		if (!key)
			continue;
		f->keys++;
		pkeys++;
		if (!pm_kp_printable_tag(key)) {
			f->bad++;
			pbad++;
			continue;
		}
		uint64_t slot = pm_tag_hash(h, key & 0x7FFFFFFF) & mask;
		if (((i - slot) & mask) <= HOME_WINDOW)
			f->home++;
	}
	page_done(f, pkeys, pbad, pfirst);
}

/* strict: a statistical candidate must be a table of tags (at most 1% not printable); a
 * record of the kernel's is judged by the keys it explains, so damaged keys only have to be
 * a minority (a sparse table with one stray key is still the kernel's table). One damaged
 * page is no reason to reject a statistical candidate either (issue 16: one stray key, or one
 * page remapped by a flipped PTE bit, made a table of half the size win and lose the tags of
 * its other half), as long as the rest is clean and it is less than a quarter of the table:
 * a candidate twice the table's size adds as many pages of other data as the table has. */
static bool acceptable(const struct fit *f, bool strict)
{
	if (!f->keys || !f->home)
		return false;
	if (!strict)
		return f->bad * 2 < f->keys;
	uint64_t keys = f->keys - f->dkeys, bad = f->bad - f->dbad;
	if (f->dpages > 1 || f->dpages * 4 >= f->pages)
		return f->bad * 100 <= f->keys;
	return keys && bad * 100 <= keys;
}

static double share(const struct fit *f)
{
	return f->keys ? (double)f->home / (double)f->keys : 0;
}

static unsigned log2_of(uint64_t v)
{
	unsigned k = 0;
	while (v > 1) {
		v >>= 1;
		k++;
	}
	return k;
}

/* The best layout and hash for a table of @p n entries (remembered for 2^k+1 sizes, which
 * many candidates share). */
static bool best_for(struct pm_tk_search *ts, uint64_t n, bool strict, struct pm_tk_choice *c)
{
	bool found = false;
	memset(c, 0, sizeof(*c)); /* a fit is never a close call by itself (close_call, rival) */
	if (n < 2 || n > PM_MAX_TRACKER_ENTRIES)
		return false;
	unsigned k2 = pm_tk_pow2_plus1(n) ? log2_of(n - 1) : 0;
	if (k2 && k2 < PM_TK_MEMO && ts->memo_state[strict][k2]) {
		*c = ts->memo[strict][k2];
		return ts->memo_state[strict][k2] > 0;
	}
	for (unsigned k = 0; k < ts->nl; k++) {
		const struct pm_tracker_layout *L = &ts->layouts[ts->order[k]];
		if (n * L->stride > ts->avail)
			continue;
		for (int h = 0; h < 2; h++) {
			struct fit f;
			score(ts->t0, n, L, (enum pm_tag_hash)h, &f);
			/* strictly better only: earlier (expected) candidates win ties */
			if (acceptable(&f, strict) &&
			    (!found || f.home > c->home ||
			     (f.home == c->home && share(&f) > c->home_share + 1e-9))) {
				found = true;
				c->n = n;
				c->layout = ts->order[k];
				c->hash = (enum pm_tag_hash)h;
				c->home = f.home;
				c->keys = f.keys;
				c->bad = f.bad;
				c->home_share = share(&f);
				c->damaged_pages = f.dpages;
				c->damaged_bad = f.dbad;
				c->damaged_first = f.dfirst;
			}
		}
	}
	if (k2 && k2 < PM_TK_MEMO) {
		ts->memo_state[strict][k2] = found ? 1 : -1;
		if (found)
			ts->memo[strict][k2] = *c;
	}
	return found;
}


/* A record candidate: its value, where it was found, how well placed (rank: lower is better). */
struct rec {
	uint64_t n, var;
	const char *how;
	enum pm_prov from;
	unsigned rank;
	uint64_t dist;
};

static bool rec_better(const struct pm_tk_choice *a, const struct rec *ra,
		       const struct pm_tk_choice *b, const struct rec *rb)
{
	if (a->home != b->home)
		return a->home > b->home;
	if (ra->rank != rb->rank)
		return ra->rank < rb->rank;
	return ra->dist < rb->dist;
}

static void try_rec(struct pm_tk_search *ts, const struct rec *r, struct pm_tk_choice *best,
		    struct rec *best_rec, bool *have)
{
	struct pm_tk_choice c;
	memset(&c, 0, sizeof(c));
	if (!best_for(ts, r->n, false, &c))
		return;
	if (*have && !rec_better(&c, r, best, best_rec))
		return;
	*best = c;
	*best_rec = *r;
	*have = true;
}

/* How far from &PoolTrackTable the pool variables are looked for: beyond the largest
 * ExPoolTagTables (2048 pointers) plus the variables on its far side. */
static uint64_t reach(unsigned ps)
{
	return (uint64_t)ps * 2048 + 0x400;
}

static bool value_at(const struct data_view *d, uint64_t va, unsigned ps, uint64_t *v)
{
	for (size_t s = 0; s < d->n; s++)
		if (va >= d->va[s] && va - d->va[s] + ps <= d->len[s]) {
			*v = pm_kp_get_u(d->buf[s] + (va - d->va[s]), 0, ps);
			return true;
		}
	return false;
}

/* Where the value at @p va sits, as words; its rank. */
static const char *describe(const struct data_view *d, uint64_t ptt, uint64_t va, uint64_t n,
			    unsigned ps, unsigned *rank)
{
	uint64_t m;
	bool mask_after = value_at(d, va + ps, ps, &m) && m == n - 2;
	bool mask_before = value_at(d, va - ps, ps, &m) && m == n - 2;
	bool mask_near = false;
	for (uint64_t a = ptt - reach(ps); !mask_near && a <= ptt + reach(ps); a += ps)
		mask_near = a != va && value_at(d, a, ps, &m) && m == n - 2;
	if (va == ptt - ps) {
		*rank = 0;
		return "PoolTrackTableSize just before PoolTrackTable";
	}
	if (va == ptt + ps) {
		*rank = 0;
		return "PoolTrackTableSize just after PoolTrackTable";
	}
	if (mask_after) {
		*rank = 1;
		return "(Size, Mask) pair in nt .data";
	}
	if (mask_before) {
		*rank = 1;
		return "(Mask, Size) pair in nt .data";
	}
	*rank = mask_near ? 2 : 3;
	return mask_near ? "PoolTrackTableSize beside its mask among the pool variables"
			 : "a 2^n+1 value among the pool variables";
}

/* The kernel's own records of the size, best first. */
static bool records(const struct pm_pool_ctx *ctx, struct pm_tk_search *ts,
		    const struct data_view *d, struct pm_tk_choice *best, struct rec *br)
{
	const struct pm_pool_syms *sy = ctx->syms;
	const unsigned ps = pm_vmem_ptr_size(ctx->vm);
	const uint64_t ptt = ctx->ptt_var;
	bool have = false;
	uint64_t v;
	if (sy && sy->has_ptt_size) {
		struct pm_error *e2 = pm_vmem_read_ptr(ctx->vm, sy->ptt_size_var, &v);
		struct rec r = { v, sy->ptt_size_var,
				 sy->format == PM_SYMFMT_ISF ? "PoolTrackTableSize (ISF)"
							     : "PoolTrackTableSize (PDB)",
				 PM_PROV_SYMBOLS, 0, 0 };
		if (!e2)
			try_rec(ts, &r, best, br, &have);
		if (!have)
			pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool", "PoolTrackTableSize at %#" PRIx64
				    " (%s)%s does not give a table of printable tags; the size is "
				    "searched for instead", sy->ptt_size_var, sy->source,
				    e2 ? " is unreadable" : "");
		pm_error_destroy(e2);
		if (have)
			return true; /* the symbols name the variable: nothing else is a record */
	}
	for (size_t s = 0; s < d->n; s++)
		for (uint64_t o = 0; o + ps <= d->len[s]; o += ps) {
			uint64_t va = d->va[s] + o, n = pm_kp_get_u(d->buf[s] + o, 0, ps), m;
			if (!pm_tk_pow2_plus1(n))
				continue;
			uint64_t dist = va > ptt ? va - ptt : ptt - va;
			struct rec r = { n, va, NULL, PM_PROV_SEARCH, 0, dist };
			if (dist <= reach(ps))
				r.how = describe(d, ptt, va, n, ps, &r.rank);
			else if (value_at(d, va + ps, ps, &m) && m == n - 2) {
				r.how = "(Size, Mask) pair in nt .data";
				r.rank = 4; /* far from the pool variables */
			} else
				continue;
			try_rec(ts, &r, best, br, &have);
		}
	return have;
}

/* A larger table whose extra part holds keys at their hash slots, refused by the strict test
 * only because a few of its keys are not printable (a damaged entry), is the table: taking the
 * smaller one would drop every tag in the rest (corruption campaign, seed 77: one overwritten
 * key in the second half of a 2049-entry x86 table made the fit take 1025 entries and lose the
 * top tag). Keys at their slot past the smaller table's end are not chance: a printable key lands
 * within HOME_WINDOW of its slot with odds of about 9 in the table's size. So the larger table is
 * taken when the keys it explains beyond the smaller one outnumber its damaged keys, and 9 in 10
 * of its printable keys are at home (data that is no table fails both); the damaged keys are
 * said, so coverage falls. */
static void extend_past_damage(const struct pm_pool_ctx *ctx, struct pm_tk_search *ts,
			       struct pm_tk_choice *stat)
{
	struct pm_tk_choice c, best = *stat;
	for (uint64_t n = (stat->n - 1) * 2 + 1; n <= PM_MAX_TRACKER_ENTRIES; n = (n - 1) * 2 + 1) {
		if (!best_for(ts, n, false, &c) || !c.bad || c.home <= best.home + c.bad ||
		    c.home * 10 < (c.keys - c.bad) * 9)
			continue;
		best = c;
	}
	if (best.n == stat->n)
		return;
	pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool", "tag tracker (PoolTrackTable, variable at %#"
		    PRIx64 "): keys that are not printable tags (damaged entries?): %" PRIu64 "; its "
		    "size, %" PRIu64 " entries, comes from the %" PRIu64 " keys at their hash slots "
		    "(a table of %" PRIu64 " entries would explain %" PRIu64 ")", ctx->ptt_var,
		    best.bad, best.n, best.home, stat->n, stat->home);
	*stat = best;
}

void pm_tk_choose(const struct pm_pool_ctx *ctx, struct pm_tk_search *ts,
		  const struct data_view *d, struct pm_tk_choice *out)
{
	struct pm_tk_choice rec, stat, c = { 0 };
	struct rec r;
	memset(out, 0, sizeof(*out));
	memset(&rec, 0, sizeof(rec));
	memset(&stat, 0, sizeof(stat));
	bool have_rec = records(ctx, ts, d, &rec, &r), have_stat = false;
	for (uint64_t n = 65; n <= PM_MAX_TRACKER_ENTRIES; n = (n - 1) * 2 + 1)
		if (best_for(ts, n, true, &c) &&
		    (!have_stat || c.home > stat.home ||
		     (c.home == stat.home && c.home_share > stat.home_share + 1e-9))) {
			stat = c;
			have_stat = true;
		}
	if (have_stat)
		extend_past_damage(ctx, ts, &stat);
	if (!have_rec && !have_stat)
		return;
	uint64_t margin = have_rec ? (rec.home / 50 > 2 ? rec.home / 50 : 2) : 0;
	if (!have_rec || (have_stat && stat.home > rec.home + margin)) {
		*out = stat;
		out->ok = true;
		out->how = "statistical fit of keys to their hash slots";
		out->from = PM_PROV_SEARCH;
		if (stat.damaged_pages)
			pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool", "PoolTrackTable: the page "
				    "holding entries %" PRIu64 " on is damaged (%" PRIu64 " keys there "
				    "are not tags: a stray value, or the page remapped); the table's %"
				    PRIu64 " entries are taken from its other pages, and the tags of "
				    "that page are missing or wrong", stat.damaged_first,
				    stat.damaged_bad, stat.n);
		if (have_rec)
			pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool", "the tracker size recorded at %#"
				    PRIx64 " (%s: %" PRIu64 " entries) explains %" PRIu64 " of the "
				    "table's keys, a table of %" PRIu64 " entries %" PRIu64 " of %"
				    PRIu64 "; the statistical fit is used", r.var, r.how, rec.n,
				    rec.home, stat.n, stat.home, stat.keys);
		return;
	}
	*out = rec;
	out->ok = true;
	out->how = r.how;
	out->from = r.from;
	out->var = r.var;
	if (have_stat && stat.n != rec.n && stat.home > rec.home) {
		out->close_call = true;
		out->rival = stat.n;
		pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool", "close call on the tracker size: the "
			    "kernel's record (%s, %" PRIu64 " entries) explains %" PRIu64 " keys, a "
			    "table of %" PRIu64 " entries %" PRIu64 "; the record is used, the "
			    "per-tag figures are less certain", r.how, rec.n, rec.home, stat.n,
			    stat.home);
	}
}
