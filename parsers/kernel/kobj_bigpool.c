// SPDX-License-Identifier: MIT
// The big-page table (pool-internals.md §3, §7 step 7): found near &PoolTrackTable by its own
// 'Pool' entry (or entry plausibility), or where the kernel's symbols say; decoded with the
// build's layout candidates or the symbols' layout.
//
// Where real kernels keep the two variables (fixtures/facts/, 213 x64 kernels): the size is
// the pointer right after the table's variable on 93, right before it on 43, elsewhere on 77;
// both sit among the pool variables on either side of ExPoolTagTables, up to 0x4070 bytes from
// &PoolTrackTable on 20348/22000 (the array holds 2048 pointers there). So every page-aligned
// kernel pointer and every power of two within that reach are paired, each pair is read as a
// table, and the table's own 'Pool' entry (whose size is the table's) decides; without one
// (before Windows 8) the pair whose variables are closest wins among clean tables.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kobj_pool-priv.h"
#include "pm-reader.h"

/* How far from &PoolTrackTable the big-table variables are looked for: past the largest
 * ExPoolTagTables (2048 pointers) and the variables on its far side (facts: 0x4070). */
static uint64_t big_reach(unsigned ps)
{
	return (uint64_t)ps * 2048 + 0x400;
}

enum { BIG_MAX_CANDS = 512 };

static uint64_t get(const uint8_t *p, struct pm_field_loc f)
{
	return pm_kp_get_u(p, f.off, f.width);
}

/* ---- big-page table ---------------------------------------------------------------------- */

struct big_fit {
	bool self;       /* the table's own 'Pool' entry is there */
	bool self_type;  /* ... with a NonPagedPoolNx / POOL_FLAG_NON_PAGED type */
	double clean;    /* share of live entries that look right */
	uint64_t live;
};

static uint32_t big_type(const uint8_t *e, const struct pm_big_layout *L)
{
	uint32_t v = (uint32_t)pm_kp_get_u(e, L->type_off, 4);
	return L->type_kind == PM_BIG_TYPE_BITS8_19 ? (v >> 8) & 0xFFF : v;
}

static uint64_t big_bytes(const uint8_t *e, const struct pm_big_layout *L)
{
	uint64_t v = get(e, L->size);
	return L->size_kind == PM_BIG_PAGES ? v * PM_PAGE_SIZE : v;
}

static struct big_fit score_big(const struct pm_vmem *vm, const uint8_t *t, uint64_t n,
				uint64_t table, const struct pm_big_layout *L)
{
	struct big_fit f = { false, false, 0, 0 };
	const unsigned ps = pm_vmem_ptr_size(vm);
	uint64_t good = 0;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *e = t + i * L->stride;
		uint64_t va = pm_kp_get_u(e, 0, ps);
		if (va == 0 || (va & 1))
			continue;
		f.live++;
		uint32_t key = (uint32_t)pm_kp_get_u(e, L->key_off, 4);
		bool ok = !(va & 0xFFF) && pm_kp_is_kernel_va(vm, va) && pm_kp_printable_tag(key);
		if (L->type_kind == PM_BIG_TYPE_U32 && pm_kp_get_u(e, L->type_off, 4) > 0xFFF)
			ok = false;
		good += ok;
		if (va == table && (key & 0x7FFFFFFF) == 0x6C6F6F50 /* "Pool" */ &&
		    big_bytes(e, L) == n * L->stride) {
			f.self = true;
			uint32_t ty = L->type_kind == PM_BIG_TYPE_NONE ? 0x200 : big_type(e, L);
			f.self_type = ty == 0x200 || ty == 0x40;
		}
	}
	f.clean = f.live ? (double)good / (double)f.live : 0;
	return f;
}

static int big_cmp(const void *x, const void *y)
{
	const struct pm_big_alloc *a = x, *b = y;
	return a->va < b->va ? -1 : a->va > b->va;
}

static bool better(struct big_fit a, struct big_fit b)
{
	if (a.self_type != b.self_type)
		return a.self_type;
	if (a.self != b.self)
		return a.self;
	return a.clean > b.clean + 1e-9;
}

/* The big table where the symbols say it is, in their layout (or the build's). */
static struct pm_error *sym_big(const struct pm_pool_ctx *ctx, const struct pm_big_layout *builtin,
				struct pm_bigpool *b, struct big_fit *fit, uint8_t **buf)
{
	const struct pm_pool_syms *sy = ctx->syms;
	uint64_t p, n, got;
	struct pm_error *err = pm_vmem_read_ptr(ctx->vm, sy->big_var, &p);
	if (!err)
		err = pm_vmem_read_ptr(ctx->vm, sy->big_size_var, &n);
	if (err)
		return pm_err_wrap(err, "PoolBigPageTable/PoolBigPageTableSize (%s)", sy->source);
	if (!pm_kp_is_kernel_va(ctx->vm, p) || !n || n > PM_MAX_BIG_ENTRIES)
		return pm_err(PM_ERR_FORMAT, "PoolBigPageTable (%s, at %#" PRIx64 ") = %#" PRIx64
			      " with PoolBigPageTableSize %" PRIu64 ": not a table", sy->source,
			      sy->big_var, p, n);
	const struct pm_big_layout *L = sy->has_big_layout ? &sy->big : builtin;
	if (L == &sy->big && !pm_big_layout_valid(L, pm_vmem_ptr_size(ctx->vm))) {
		pm_diag_add(ctx->diags, PM_ERR_BAD_SYMBOLS, "pool", "the %s's _POOL_TRACKER_BIG_PAGES "
			    "(%#x bytes) does not hold a %u-byte Va and its fields; the built-in "
			    "layout is used", sy->source, L->stride, pm_vmem_ptr_size(ctx->vm));
		L = builtin;
	}
	PM_TRY(pm_kp_read_prefix(ctx->vm, p, n * L->stride, buf, &got));
	if (got < n * L->stride) {
		free(*buf);
		*buf = NULL;
		return pm_err(PM_ERR_NOT_CAPTURED, "PoolBigPageTable at %#" PRIx64 ": %" PRIu64 " of %"
			      PRIu64 " bytes are in the dump", p, got, n * L->stride);
	}
	*fit = score_big(ctx->vm, *buf, n, p, L);
	b->table = p;
	b->entries = n;
	b->table_var = sy->big_var;
	b->size_var = sy->big_size_var;
	b->layout = L;
	b->layout_from_symbols = L == &sy->big;
	return NULL;
}

/* A value of nt's data within reach of &PoolTrackTable. */
struct big_cand {
	uint64_t var, v;
	uint64_t gap; /* a size's distance from the table variable being tried */
};

static size_t collect(const struct pm_pool_ctx *ctx, const struct data_view *d, bool table,
		      struct big_cand *out)
{
	const struct pm_vmem *vm = ctx->vm;
	const unsigned ps = pm_vmem_ptr_size(vm);
	size_t n = 0;
	for (size_t s = 0; s < d->n; s++)
		for (uint64_t o = 0; o + ps <= d->len[s] && n < BIG_MAX_CANDS; o += ps) {
			uint64_t var = d->va[s] + o, v = pm_kp_get_u(d->buf[s] + o, 0, ps);
			uint64_t dist = var > ctx->ptt_var ? var - ctx->ptt_var : ctx->ptt_var - var;
			if (dist > big_reach(ps) || var == ctx->ptt_var)
				continue;
			bool ok = table ? !(v & 0xFFF) && pm_kp_is_kernel_va(vm, v)
					: v >= 0x1000 && v <= PM_MAX_BIG_ENTRIES && !(v & (v - 1));
			if (ok)
				out[n++] = (struct big_cand){ var, v, 0 };
		}
	return n;
}

struct big_best {
	struct pm_bigpool *b;
	struct big_fit *fit;
	uint8_t **buf;
	uint64_t gap; /* between the two variables */
};

/* Table @p t (its first @p got bytes in @p buf) read as @p n entries of every layout; kept
 * (a copy of its entries) when it beats the best so far. */
static struct pm_error *try_pair(const struct pm_pool_ctx *ctx, const struct big_cand *t,
				 const uint8_t *buf, uint64_t got, const struct big_cand *n,
				 const struct pm_big_layout *layouts, unsigned nl, unsigned e,
				 struct big_best *bb)
{
	uint64_t g = n->gap;
	for (unsigned k = 0; k < nl; k++) {
		const struct pm_big_layout *L = &layouts[(k + e) % nl];
		const uint64_t bytes = n->v * L->stride;
		if (bytes > got) /* not all of it in the dump: not a table that can be read */
			continue;
		struct big_fit f = score_big(ctx->vm, buf, n->v, t->v, L);
		bool keep = (f.self || f.clean >= 0.9) &&
			    (!*bb->buf || better(f, *bb->fit) || (!better(*bb->fit, f) && g < bb->gap));
		if (!keep)
			continue;
		uint8_t *copy = malloc((size_t)bytes);
		if (!copy)
			return &pm_enomem;
		memcpy(copy, buf, (size_t)bytes);
		free(*bb->buf);
		*bb->buf = copy;
		*bb->fit = f;
		bb->gap = g;
		bb->b->table = t->v;
		bb->b->entries = n->v;
		bb->b->table_var = t->var;
		bb->b->size_var = n->var;
		bb->b->layout = L;
	}
	return NULL;
}

/* How many bytes from @p va, up to @p max, the dump holds without a gap (probed a page at a
 * time, so that a bogus size costs no allocation). */
static uint64_t readable(const struct pm_vmem *vm, uint64_t va, uint64_t max)
{
	uint64_t got = 0;
	while (got < max) {
		uint8_t byte;
		struct pm_error *err = pm_vmem_read(vm, va + got, &byte, 1);
		if (err) {
			pm_error_destroy(err);
			break;
		}
		got += PM_PAGE_SIZE - ((va + got) & (PM_PAGE_SIZE - 1));
	}
	return got < max ? got : max;
}

/* Whether the first page at @p p reads as big-page entries in some layout: every Va slot 0, 1
 * (never used) or a page-aligned kernel address (bit 0: freed). Cheap, and it keeps the search
 * from reading the tracker tables (whose pointers sit in ExPoolTagTables, within reach) as
 * big-page tables of every size. */
static bool first_page_fits(const struct pm_vmem *vm, uint64_t p,
			    const struct pm_big_layout *layouts, unsigned nl)
{
	uint8_t page[PM_PAGE_SIZE];
	struct pm_error *err = pm_vmem_read(vm, p, page, sizeof(page));
	if (err) { /* not in the dump: not a table that can be read */
		pm_error_destroy(err);
		return false;
	}
	const unsigned ps = pm_vmem_ptr_size(vm);
	for (unsigned k = 0; k < nl; k++) {
		unsigned n = PM_PAGE_SIZE / layouts[k].stride, good = 0;
		for (unsigned i = 0; i < n; i++) {
			uint64_t va = pm_kp_get_u(page + i * layouts[k].stride, 0, ps);
			good += va <= 1 || (!(va & 0xFFE) && pm_kp_is_kernel_va(vm, va & ~1ull));
		}
		if (good * 10 >= n * 9)
			return true;
	}
	return false;
}

static int by_gap(const void *x, const void *y)
{
	const struct big_cand *a = x, *b = y;
	return a->gap < b->gap ? -1 : a->gap > b->gap ? 1 : a->var < b->var ? -1 : a->var > b->var;
}

/* Every (table, size) pair within reach, read as a table in every layout; the best fit (its
 * own 'Pool' entry first, then clean entries, then the closest variables) is kept. */
static struct pm_error *search_big(const struct pm_pool_ctx *ctx, const struct data_view *d,
				   const struct pm_big_layout *layouts, unsigned nl, unsigned e,
				   struct pm_bigpool *b, struct big_fit *best, uint8_t **best_buf)
{
	struct big_cand *tabs = calloc(BIG_MAX_CANDS, sizeof(*tabs));
	struct big_cand *sizes = calloc(BIG_MAX_CANDS, sizeof(*sizes));
	struct big_best bb = { b, best, best_buf, UINT64_MAX };
	struct pm_error *err = NULL;
	if (!tabs || !sizes) {
		err = &pm_enomem;
		goto out;
	}
	size_t nt = collect(ctx, d, true, tabs), ns = collect(ctx, d, false, sizes);
	uint64_t want = 0; /* the largest table any (size, layout) pair describes */
	for (size_t j = 0; j < ns; j++)
		for (unsigned k = 0; k < nl; k++)
			if (sizes[j].v * layouts[k].stride > want)
				want = sizes[j].v * layouts[k].stride;
	for (size_t i = 0; i < nt && !best->self_type; i++) {
		if (!first_page_fits(ctx->vm, tabs[i].v, layouts, nl))
			continue;
		/* read once, as far as any candidate needs and the dump holds */
		uint8_t *buf;
		uint64_t got;
		err = pm_kp_read_prefix(ctx->vm, tabs[i].v, readable(ctx->vm, tabs[i].v, want),
					&buf, &got);
		if (err)
			goto out;
		/* nearest sizes first: the table's own entry, once seen, fixes the size */
		for (size_t j = 0; j < ns; j++)
			sizes[j].gap = sizes[j].var > tabs[i].var ? sizes[j].var - tabs[i].var
								  : tabs[i].var - sizes[j].var;
		if (ns > 1)
			qsort(sizes, ns, sizeof(*sizes), by_gap);
		for (size_t j = 0; j < ns && !err && !best->self_type; j++)
			err = try_pair(ctx, &tabs[i], buf, got, &sizes[j], layouts, nl, e, &bb);
		free(buf);
		if (err)
			goto out;
	}
out:
	free(tabs);
	free(sizes);
	return err;
}

struct pm_error *pm_bigpool_read(const struct pm_pool_ctx *ctx_in, struct pm_bigpool *ret)
{
	const struct pm_pool_ctx cx = pm_kp_with_syms(ctx_in), *ctx = &cx;
	const struct pm_vmem *vm = ctx->vm;
	const unsigned ps = pm_vmem_ptr_size(vm);
	const bool is64 = ps == 8;
	const struct pm_big_layout *layouts = is64 ? pm_big_layouts64 : pm_big_layouts32;
	const unsigned nl = is64 ? PM_N_BIG_LAYOUTS64 : PM_N_BIG_LAYOUTS32;
	const unsigned e = pm_expected_big_layout(ctx->build, is64);
	struct data_view d;
	PM_TRY(pm_kp_data_view_load(ctx, &d));
	struct pm_bigpool b;
	memset(&b, 0, sizeof(b));
	struct big_fit best = { false, false, 0, 0 };
	uint8_t *best_buf = NULL;
	struct pm_error *err = NULL;
	if (ctx->syms && ctx->syms->has_big) {
		err = sym_big(ctx, &layouts[e], &b, &best, &best_buf);
		if (err)
			goto out;
		b.builtin = &layouts[e];
		b.symbols = ctx->syms->source;
		b.symbols_format = ctx->syms->format;
		b.self_entry = best.self;
		b.how = ctx->syms->format == PM_SYMFMT_ISF ? "PoolBigPageTable and its size from the ISF"
							   : "PoolBigPageTable and its size from the PDB";
		goto decode;
	}
	if ((err = search_big(ctx, &d, layouts, nl, e, &b, &best, &best_buf)))
		goto out;
	if (!best_buf) {
		err = pm_err(PM_ERR_NOT_FOUND, "PoolBigPageTable not found: no (table, size) pair "
			     "within %#" PRIx64 " bytes of PoolTrackTable (%#" PRIx64 ") in nt's data "
			     "points to a table that fits any entry layout", big_reach(ps),
			     ctx->ptt_var);
		goto out;
	}
	b.self_entry = best.self;
	b.builtin = &layouts[e];
	b.how = best.self ? "found by its own 'Pool' entry" : "found by entry plausibility (no self-entry)";
decode:;
	const struct pm_big_layout *L = b.layout;
	for (uint64_t i = 0; i < b.entries; i++) {
		uint64_t va = pm_kp_get_u(best_buf + i * L->stride, 0, ps);
		if (va > 1 && (va & 1))
			b.free_slots++;
	}
	b.allocs = calloc(best.live ? (size_t)best.live : 1, sizeof(*b.allocs));
	b.freed = calloc(b.free_slots ? (size_t)b.free_slots : 1, sizeof(*b.freed));
	if (!b.allocs || !b.freed) {
		err = &pm_enomem;
		goto out;
	}
	for (uint64_t i = 0; i < b.entries; i++) {
		const uint8_t *en = best_buf + i * L->stride;
		uint64_t va = pm_kp_get_u(en, 0, ps);
		if (va == 1 || va == 0) {
			b.unused_slots++;
			continue;
		}
		/* A freed slot keeps its stale tag and size; Va was incremented (§3.2). */
		struct pm_big_alloc *a = (va & 1) ? &b.freed[b.nfreed++] : &b.allocs[b.nallocs++];
		a->va = va & ~(uint64_t)1;
		a->tag = (uint32_t)pm_kp_get_u(en, L->key_off, 4) & 0x7FFFFFFF;
		a->bytes = big_bytes(en, L);
		a->has_type = L->type_kind != PM_BIG_TYPE_NONE;
		a->type = a->has_type ? big_type(en, L) : 0;
		a->pool = a->has_type ? pm_big_pool_name(ctx->build, a->type) : NULL;
	}
	if (b.nallocs > 1) /* qsort() wants a non-null base even for 0 */
		qsort(b.allocs, b.nallocs, sizeof(*b.allocs), big_cmp);
	if (b.nfreed > 1) /* qsort() wants a non-null base even for 0 */
		qsort(b.freed, b.nfreed, sizeof(*b.freed), big_cmp);
	*ret = b;
	b.allocs = NULL;
	b.freed = NULL;
out:
	free(b.allocs);
	free(b.freed);
	free(best_buf);
	pm_kp_data_view_free(&d);
	return err;
}

void pm_bigpool_deinit(struct pm_bigpool *b)
{
	free(b->allocs);
	free(b->freed);
	memset(b, 0, sizeof(*b));
}
