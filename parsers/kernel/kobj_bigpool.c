// SPDX-License-Identifier: MIT
// The big-page table (pool-internals.md §3, §7 step 7): found near &PoolTrackTable by its own
// 'Pool' entry (or entry plausibility), or where the kernel's symbols say; decoded with the
// build's layout candidates or the symbols' layout.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kobj_pool-priv.h"
#include "pm-reader.h"

/* How far from &PoolTrackTable the big-table variables are looked for (§7 step 7.1). */
static const uint64_t BIG_VAR_RADIUS = 16 * 1024;

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
	b->layout = L;
	b->layout_from_symbols = L == &sy->big;
	return NULL;
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
	/* (PoolBigPageTable, PoolBigPageTableSize) pairs near &PoolTrackTable (§7 step 7). */
	for (size_t s = 0; s < d.n && !best.self_type; s++) {
		for (uint64_t o = 0; o + 2 * ps <= d.len[s] && !best.self_type; o += ps) {
			uint64_t var = d.va[s] + o;
			uint64_t dist = var > ctx->ptt_var ? var - ctx->ptt_var : ctx->ptt_var - var;
			if (dist > BIG_VAR_RADIUS)
				continue;
			uint64_t p = pm_kp_get_u(d.buf[s] + o, 0, ps), n = pm_kp_get_u(d.buf[s] + o + ps, 0, ps);
			if ((p & 0xFFF) || !pm_kp_is_kernel_va(vm, p) || !n || n % 0x1000 ||
			    n > PM_MAX_BIG_ENTRIES || (n & (n - 1)))
				continue;
			for (unsigned k = 0; k < nl; k++) {
				const struct pm_big_layout *L = &layouts[(k + e) % nl];
				uint8_t *t;
				uint64_t got;
				if ((err = pm_kp_read_prefix(vm, p, n * L->stride, &t, &got)))
					goto out;
				if (got < n * L->stride) {
					free(t);
					continue;
				}
				struct big_fit f = score_big(vm, t, n, p, L);
				if ((f.self || f.clean >= 0.9) && (!best_buf || better(f, best))) {
					free(best_buf);
					best_buf = t;
					best = f;
					b.table = p;
					b.entries = n;
					b.table_var = var;
					b.layout = L;
				} else {
					free(t);
				}
			}
		}
	}
	if (!best_buf) {
		err = pm_err(PM_ERR_NOT_FOUND, "PoolBigPageTable not found: no (table, size) pair "
			     "within %" PRIu64 " KiB of PoolTrackTable (%#" PRIx64 ") in nt's data "
			     "points to a table that fits any entry layout", BIG_VAR_RADIUS / 1024,
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
