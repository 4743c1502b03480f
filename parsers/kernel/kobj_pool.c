// SPDX-License-Identifier: MIT
// The tag tracker (pool-internals.md §2, §7), found and decoded without symbols or with them:
// every candidate (layout, size, hash, location) is checked against the data; the winner and
// how it was found are recorded in the result. The big-page table is in kobj_bigpool.c.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kobj_pool-priv.h"
#include "pm-reader.h"

/* Largest table we read in one piece (a tracker of 2^20+1 entries of 0x50 bytes is 80 MiB;
 * real ones are 2^11..2^16 entries). */
static const uint64_t PM_MAX_TABLE_BYTES = UINT64_C(96) << 20;

const char *pm_tag_hash_name(enum pm_tag_hash h)
{
	return h == PM_HASH_MUL ? "x64 Win8+ multiplicative (T*40543, hi^lo)"
				: "byte fold ((x*40543)>>2)";
}

uint32_t pm_tag_hash(enum pm_tag_hash h, uint32_t tag)
{
	if (h == PM_HASH_MUL) {
		uint64_t p = (uint64_t)tag * 40543u;
		return (uint32_t)(p ^ (p >> 32));
	}
	uint32_t b0 = tag & 0xFF, b1 = (tag >> 8) & 0xFF, b2 = (tag >> 16) & 0xFF, b3 = tag >> 24;
	uint32_t x = ((((b0 << 2) ^ b1) << 2 ^ b2) << 2) ^ b3;
	return (uint32_t)(((uint64_t)x * 40543u) >> 2);
}

const char *pm_big_pool_name(uint32_t build, uint32_t t)
{
	/* 24H2 stores POOL_FLAG_* values (§3.1 [M]); earlier builds the caller's POOL_TYPE. The
	 * meaning cannot be told from the bits themselves, so here the build decides. */
	if (pm_build_has(build, PM_FEAT_BIG_POOL_FLAGS)) {
		if (t & 0x100)
			return t & 0x4 ? "session_paged" : "paged";
		if (t & 0x80)
			return t & 0x4 ? "session_nonpaged" : "nonpaged";
		return t & 0x4 ? "session_nonpaged_nx" : "nonpaged_nx";
	}
	if (t & 1)
		return t & 0x20 ? "session_paged" : "paged";
	if (t & 0x200)
		return t & 0x20 ? "session_nonpaged_nx" : "nonpaged_nx";
	return t & 0x20 ? "session_nonpaged" : "nonpaged";
}

bool pm_kp_is_kernel_va(const struct pm_vmem *vm, uint64_t va)
{
	return pm_vmem_ptr_size(vm) == 8 ? va >= 0xFFFF800000000000ull
					 : va >= 0x80000000ull && va <= 0xFFFFFFFFull;
}

bool pm_kp_printable_tag(uint32_t tag)
{
	tag &= 0x7FFFFFFF; /* protected-pool bit (§2.7) */
	for (int i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(tag >> (8 * i));
		if (c < 0x20 || c > 0x7E)
			return false;
	}
	return true;
}

static uint64_t get(const uint8_t *p, struct pm_field_loc f)
{
	uint64_t v = 0;
	for (int i = f.width - 1; i >= 0; i--)
		v = v << 8 | p[f.off + i];
	return v;
}

uint64_t pm_kp_get_u(const uint8_t *p, unsigned off, unsigned w)
{
	struct pm_field_loc f = { off, w };
	return get(p, f);
}

/* Read up to @p len bytes at @p va page by page; *got_ret is how many leading bytes could be
 * read (reading stops at the first absent page). */
struct pm_error *pm_kp_read_prefix(const struct pm_vmem *vm, uint64_t va, uint64_t len,
				   uint8_t **buf_ret, uint64_t *got_ret)
{
	return pm_kp_read_holed(vm, va, len, buf_ret, got_ret, NULL);
}

struct pm_error *pm_kp_read_holed(const struct pm_vmem *vm, uint64_t va, uint64_t len,
				  uint8_t **buf_ret, uint64_t *got_ret, struct pm_kp_hole *hole)
{
	if (hole)
		memset(hole, 0, sizeof(*hole));
	if (len > PM_MAX_TABLE_BYTES)
		len = PM_MAX_TABLE_BYTES;
	uint8_t *buf = malloc(len ? (size_t)len : 1);
	if (!buf)
		return &pm_enomem;
	uint64_t got = 0;
	while (got < len) {
		uint64_t n = PM_PAGE_SIZE - ((va + got) & (PM_PAGE_SIZE - 1));
		if (n > len - got)
			n = len - got;
		struct pm_error *err = pm_vmem_read(vm, va + got, buf + got, (size_t)n);
		if (err && hole && !hole->has && got + n < len) {
			/* one page absent amid readable ones (a damaged PTE): read as empty,
			 * said by the caller; a second absent page ends the read */
			uint64_t m = len - got - n < PM_PAGE_SIZE ? len - got - n : PM_PAGE_SIZE;
			struct pm_error *e2 = pm_vmem_read(vm, va + got + n, buf + got + n,
							   (size_t)m);
			if (!e2) {
				hole->has = true;
				hole->off = got;
				hole->len = n;
				snprintf(hole->why, sizeof(hole->why), "%s", pm_err_msg(err));
				memset(buf + got, 0, (size_t)n);
				pm_error_destroy(err);
				got += n;
				continue;
			}
			pm_error_destroy(e2);
		}
		if (err) {
			pm_error_destroy(err);
			break;
		}
		got += n;
	}
	*buf_ret = buf;
	*got_ret = got;
	return NULL;
}

/* ---- the kernel's writable sections, read once ---------------------------------------- */


void pm_kp_data_view_free(struct data_view *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->buf[i]);
	d->n = 0;
}

struct pm_error *pm_kp_data_view_load(const struct pm_pool_ctx *ctx, struct data_view *d)
{
	memset(d, 0, sizeof(*d));
	if (!ctx->kernel_pe)
		return NULL;
	for (uint16_t i = 0; i < ctx->kernel_pe->nsections; i++) {
		const struct pm_pe_section *s = &ctx->kernel_pe->sections[i];
		if (!(s->characteristics & PM_SCN_MEM_WRITE) || !s->vsize)
			continue;
		uint64_t got;
		PM_TRY(pm_kp_read_prefix(ctx->vm, ctx->kernel_base + s->rva, s->vsize, &d->buf[d->n], &got));
		d->va[d->n] = ctx->kernel_base + s->rva;
		d->len[d->n] = got;
		d->n++;
	}
	return NULL;
}

/* ---- tag tracker ----------------------------------------------------------------------- */

static void sum_entry(struct pm_tag_counts *c, const uint8_t *e, const struct pm_tracker_layout *L)
{
	c->np_allocs += get(e, L->np_allocs);
	c->np_frees += get(e, L->np_frees);
	c->np_bytes += get(e, L->np_bytes);
	c->p_allocs += get(e, L->p_allocs);
	c->p_frees += get(e, L->p_frees);
	c->p_bytes += get(e, L->p_bytes);
}

static uint64_t wrap(uint64_t v, unsigned width)
{
	return width == 4 ? (uint32_t)v : v;
}

static bool nonpositive(uint64_t v, unsigned width)
{
	return width == 4 ? (int32_t)(uint32_t)v <= 0 : (int64_t)v <= 0;
}

/* Windows' own clamping when it sums per-CPU counters (§2.5). */
static void clamp(uint64_t *a, uint64_t *f, uint64_t *b, const struct pm_tracker_layout *L,
		  struct pm_field_loc fa, struct pm_field_loc fb)
{
	(void)L;
	*a = wrap(*a, fa.width);
	*f = wrap(*f, fa.width);
	*b = wrap(*b, fb.width);
	if (*a <= *f) {
		*a = *f;
		*b = 0;
	}
	if (nonpositive(*b, fb.width)) {
		*f = *a;
		*b = 0;
	}
}

/* Summed over every table read, a tag's frees exceed its allocations by more than the
 * counters' races explain (16, or 1%): a table's part is missing or damaged (issue 11). */
static bool more_frees(uint64_t a, uint64_t f, struct pm_field_loc fa)
{
	a = wrap(a, fa.width);
	f = wrap(f, fa.width);
	return f > a && f - a > 16 && (f - a) / 100 > a / 10000;
}

static int tag_cmp(const void *x, const void *y)
{
	const struct pm_tag_counts *a = x, *b = y;
	uint8_t ka[4], kb[4];
	for (int i = 0; i < 4; i++) {
		ka[i] = (uint8_t)(a->tag >> (8 * i));
		kb[i] = (uint8_t)(b->tag >> (8 * i));
	}
	return memcmp(ka, kb, 4);
}

/* Find ExPoolTagTables: a pointer array in nt's data whose element 0 is table 0 and whose
 * next nprocs-1 elements are distinct page-aligned kernel pointers to tables that agree with
 * table 0's keys (§7 step 5). */
static bool find_cpu_tables(const struct pm_pool_ctx *ctx, const struct data_view *d,
			    uint64_t table0, uint64_t **tables_ret, uint64_t *array_va_ret)
{
	const unsigned ps = pm_vmem_ptr_size(ctx->vm), np = ctx->nprocs;
	if (np < 2 || np > PM_MAX_CPUS)
		return false;
	uint64_t *tab = calloc(np, sizeof(*tab));
	if (!tab)
		return false;
	for (size_t s = 0; s < d->n; s++) {
		for (uint64_t o = 0; o + (uint64_t)np * ps <= d->len[s]; o += ps) {
			if (pm_kp_get_u(d->buf[s] + o, 0, ps) != table0 || d->va[s] + o == ctx->ptt_var)
				continue;
			bool good = true;
			for (unsigned c = 0; c < np && good; c++) {
				tab[c] = pm_kp_get_u(d->buf[s] + o + (uint64_t)c * ps, 0, ps);
				good = pm_kp_is_kernel_va(ctx->vm, tab[c]) && !(tab[c] & 0xFFF);
				for (unsigned k = 0; k < c && good; k++)
					good = tab[k] != tab[c];
			}
			if (good) {
				*tables_ret = tab;
				*array_va_ret = d->va[s] + o;
				return true;
			}
		}
	}
	free(tab);
	return false;
}

/* The context with the symbols' &PoolTrackTable when they give one (they win over the KDBG's). */
struct pm_pool_ctx pm_kp_with_syms(const struct pm_pool_ctx *ctx)
{
	struct pm_pool_ctx c = *ctx;
	const struct pm_pool_syms *sy = ctx->syms;
	if (sy && sy->has_ptt) {
		if (c.ptt_var && c.ptt_var != sy->ptt_var)
			pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool",
				    "the KDBG says PoolTrackTable is at %#" PRIx64 ", the %s at %#" PRIx64
				    "; the %s is used", c.ptt_var, sy->source, sy->ptt_var, sy->source);
		c.ptt_var = sy->ptt_var;
	}
	return c;
}

/* ExPoolTagTables from the symbols: @p n distinct kernel pointers, the first table0. */
static bool sym_cpu_tables(const struct pm_pool_ctx *ctx, uint64_t table0, unsigned n,
			   uint64_t **tables_ret)
{
	const struct pm_pool_syms *sy = ctx->syms;
	if (!sy || !sy->has_tag_tables || n < 2 || n > PM_MAX_CPUS)
		return false;
	uint64_t *tab = calloc(n, sizeof(*tab));
	if (!tab)
		return false;
	const unsigned ps = pm_vmem_ptr_size(ctx->vm);
	bool good = true;
	for (unsigned c = 0; c < n && good; c++) {
		struct pm_error *e = pm_vmem_read_ptr(ctx->vm, sy->tag_tables_var + (uint64_t)c * ps,
						      &tab[c]);
		good = !e && pm_kp_is_kernel_va(ctx->vm, tab[c]) && (c || tab[c] == table0);
		for (unsigned k = 0; k < c && good; k++)
			good = tab[k] != tab[c];
		pm_error_destroy(e);
	}
	if (!good) {
		pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool",
			    "ExPoolTagTables at %#" PRIx64 " (%s) does not hold %u distinct table "
			    "pointers starting with PoolTrackTable's; searching nt's data instead",
			    sy->tag_tables_var, sy->source, n);
		free(tab);
		return false;
	}
	*tables_ret = tab;
	return true;
}

/* PoolTrackTableExpansion (symbols only): tags that did not fit the main table. Appends
 * their rows to *acc (grown as needed). */
static struct pm_error *read_expansion(const struct pm_pool_ctx *ctx,
				       const struct pm_tracker_layout *L, struct pm_tag_counts **acc,
				       size_t *ntags, uint64_t *entries_ret)
{
	const struct pm_pool_syms *sy = ctx->syms;
	uint64_t p = 0, n = 0;
	*entries_ret = 0;
	if (!sy || !sy->has_expansion)
		return NULL;
	struct pm_error *err = pm_vmem_read_ptr(ctx->vm, sy->exp_var, &p);
	if (!err)
		err = pm_vmem_read_ptr(ctx->vm, sy->exp_size_var, &n);
	if (err)
		return pm_err_wrap(err, "PoolTrackTableExpansion (%s)", sy->source);
	if (!p || !n)
		return NULL;
	if (n > PM_MAX_TRACKER_ENTRIES || !pm_kp_is_kernel_va(ctx->vm, p))
		return pm_err(PM_ERR_FORMAT, "PoolTrackTableExpansion (%s) = %#" PRIx64 " with %" PRIu64
			      " entries: not a table", sy->source, p, n);
	uint8_t *b;
	uint64_t got;
	PM_TRY(pm_kp_read_prefix(ctx->vm, p, n * L->stride, &b, &got));
	if (got < n * L->stride) {
		free(b);
		return pm_err(PM_ERR_NOT_CAPTURED, "PoolTrackTableExpansion at %#" PRIx64 ": %" PRIu64
			      " of %" PRIu64 " bytes are in the dump", p, got, n * L->stride);
	}
	struct pm_tag_counts *a = realloc(*acc, (*ntags + (size_t)n + 1) * sizeof(*a));
	if (!a) {
		free(b);
		return &pm_enomem;
	}
	*acc = a;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *e = b + i * L->stride;
		uint32_t key = (uint32_t)get(e, L->key);
		if (!key)
			continue;
		struct pm_tag_counts c;
		memset(&c, 0, sizeof(c));
		c.tag = key & 0x7FFFFFFF;
		sum_entry(&c, e, L);
		clamp(&c.np_allocs, &c.np_frees, &c.np_bytes, L, L->np_allocs, L->np_bytes);
		clamp(&c.p_allocs, &c.p_frees, &c.p_bytes, L, L->p_allocs, L->p_bytes);
		a[(*ntags)++] = c;
	}
	free(b);
	*entries_ret = n;
	return NULL;
}

/* The per-processor tables' addresses (symbols, or a search of nt's data); *ncpu_ret how
 * many of them will be read (1: only table 0). */
static void find_tables(const struct pm_pool_ctx *ctx, const struct data_view *d,
			struct pm_pooltrack *t, uint64_t **tables, unsigned *ncpu_ret)
{
	const struct pm_pool_syms *sy = ctx->syms;
	*ncpu_ret = 1;
	if (sym_cpu_tables(ctx, t->table0, t->cpus_expected, tables)) {
		*ncpu_ret = t->cpus_expected;
		t->tag_tables_va = sy->tag_tables_var;
		t->cpus_how = sy->format == PM_SYMFMT_ISF ? "ExPoolTagTables (ISF)"
							  : "ExPoolTagTables (PDB)";
		t->cpus_from = PM_PROV_SYMBOLS;
	} else if (t->cpus_expected > 1 &&
		   find_cpu_tables(ctx, d, t->table0, tables, &t->tag_tables_va)) {
		*ncpu_ret = t->cpus_expected;
		t->cpus_how = "ExPoolTagTables found in nt .data";
		t->cpus_from = PM_PROV_SEARCH;
	} else if (t->cpus_expected > 1) {
		t->cpus_how = "ExPoolTagTables not found: only processor 0's table was read";
		pm_diag_add(ctx->diags, PM_ERR_NOT_FOUND, "pool",
			    "the per-processor tag tables (ExPoolTagTables) were not found in nt's "
			    "data; counts come from processor 0's table only and are wrong on a "
			    "machine with %u processors", t->cpus_expected);
	} else {
		t->cpus_how = "single processor";
	}
}

/* Read the tables of processors 1..ncpu-1 into bufs[]; a table not fully in the dump, or
 * whose keys disagree with table 0's, is left out (NULL) with a diagnostic. */
static struct pm_error *read_cpu_tables(const struct pm_pool_ctx *ctx,
					struct pm_pooltrack *t, const uint64_t *tables,
					unsigned ncpu, uint8_t **bufs)
{
	const struct pm_tracker_layout *L = t->layout;
	unsigned read_ok = 1;
	for (unsigned c = 1; c < ncpu; c++) {
		uint64_t got;
		PM_TRY(pm_kp_read_prefix(ctx->vm, tables[c], t->entries * L->stride, &bufs[c], &got));
		if (got < t->entries * L->stride) {
			pm_diag_add(ctx->diags, PM_ERR_NOT_CAPTURED, "pool",
				    "tag table of processor %u at %#" PRIx64 " is not fully in the "
				    "dump; its counts are left out", c, tables[c]);
			free(bufs[c]);
			bufs[c] = NULL;
			continue;
		}
		/* keys must agree with table 0 (or not be adopted yet) */
		uint64_t agree = 0, total = 0;
		for (uint64_t i = 0; i < t->entries; i++) {
			uint32_t k0 = (uint32_t)get(bufs[0] + i * L->stride, L->key);
			uint32_t kc = (uint32_t)get(bufs[c] + i * L->stride, L->key);
			if (!k0)
				continue;
			total++;
			agree += kc == 0 || kc == k0;
		}
		if (agree * 100 < total * 99) {
			pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool",
				    "table of processor %u at %#" PRIx64 " disagrees with processor "
				    "0's keys (%" PRIu64 " of %" PRIu64 " agree); left out", c,
				    tables[c], agree, total);
			free(bufs[c]);
			bufs[c] = NULL;
			continue;
		}
		read_ok++;
	}
	t->cpus_read = read_ok;
	return NULL;
}

/* Sum over processors at each index; the key always comes from table 0 (§2.4). */
static size_t sum_tables(struct pm_pooltrack *t, uint8_t *const *bufs, unsigned ncpu,
			 struct pm_tag_counts *acc)
{
	const struct pm_tracker_layout *L = t->layout;
	size_t ntags = 0;
	for (uint64_t i = 0; i < t->entries; i++) {
		uint32_t key = (uint32_t)get(bufs[0] + i * L->stride, L->key);
		if (!key) { /* a key another processor has and table 0 lost: damage (issue 11) */
			for (unsigned p = 1; p < ncpu; p++)
				if (bufs[p] && get(bufs[p] + i * L->stride, L->key)) {
					t->inconsistent++;
					break;
				}
			continue;
		}
		struct pm_tag_counts c;
		memset(&c, 0, sizeof(c));
		c.tag = key & 0x7FFFFFFF;
		for (unsigned p = 0; p < ncpu; p++)
			if (bufs[p])
				sum_entry(&c, bufs[p] + i * L->stride, L);
		t->inconsistent += more_frees(c.np_allocs, c.np_frees, L->np_allocs) ||
				   more_frees(c.p_allocs, c.p_frees, L->p_allocs);
		clamp(&c.np_allocs, &c.np_frees, &c.np_bytes, L, L->np_allocs, L->np_bytes);
		clamp(&c.p_allocs, &c.p_frees, &c.p_bytes, L, L->p_allocs, L->p_bytes);
		acc[ntags++] = c;
	}
	return ntags;
}

/* One row per tag (the overflow bucket, the expansion table may repeat a tag); the rows
 * sorted by tag. Returns the new count. */
static size_t merge_rows(struct pm_tag_counts *acc, size_t ntags)
{
	if (ntags > 1) /* qsort() wants a non-null base even for 0 */
		qsort(acc, ntags, sizeof(*acc), tag_cmp);
	size_t w = 0;
	for (size_t i = 0; i < ntags; i++) {
		if (w && acc[w - 1].tag == acc[i].tag) {
			acc[w - 1].np_allocs += acc[i].np_allocs;
			acc[w - 1].np_frees += acc[i].np_frees;
			acc[w - 1].np_bytes += acc[i].np_bytes;
			acc[w - 1].p_allocs += acc[i].p_allocs;
			acc[w - 1].p_frees += acc[i].p_frees;
			acc[w - 1].p_bytes += acc[i].p_bytes;
		} else {
			acc[w++] = acc[i];
		}
	}
	return w;
}

/* The processors' tables summed into t->tags (t0: table 0's bytes, taken over). */
static struct pm_error *read_counts(const struct pm_pool_ctx *ctx, const struct data_view *d,
				    struct pm_pooltrack *t, uint8_t *t0)
{
	const struct pm_pool_syms *sy = ctx->syms;
	uint64_t *tables = NULL;
	unsigned ncpu;
	find_tables(ctx, d, t, &tables, &ncpu);
	struct pm_error *err = NULL;
	uint8_t **bufs = calloc(ncpu, sizeof(*bufs));
	struct pm_tag_counts *acc = calloc((size_t)t->entries, sizeof(*acc));
	if (!bufs || !acc) {
		err = &pm_enomem;
		goto out;
	}
	bufs[0] = t0;
	t0 = NULL;
	if ((err = read_cpu_tables(ctx, t, tables, ncpu, bufs)))
		goto out;
	size_t ntags = sum_tables(t, bufs, ncpu, acc);
	if ((err = read_expansion(ctx, t->layout, &acc, &ntags, &t->expansion_entries))) {
		pm_diag_take(ctx->diags, "pool", err); /* the main table's counts still stand */
		err = NULL;
	} else {
		t->expansion_read = sy && sy->has_expansion;
	}
	t->ntags = merge_rows(acc, ntags);
	t->tags = acc;
	acc = NULL;
out:
	free(t0);
	if (bufs)
		for (unsigned c = 0; c < ncpu; c++)
			free(bufs[c]);
	free(bufs);
	free(tables);
	free(acc);
	return err;
}

struct pm_error *pm_pooltrack_read(const struct pm_pool_ctx *ctx_in, struct pm_pooltrack *ret)
{
	const struct pm_pool_ctx cx = pm_kp_with_syms(ctx_in), *ctx = &cx;
	const struct pm_pool_syms *sy = ctx->syms;
	const struct pm_vmem *vm = ctx->vm;
	const bool is64 = pm_vmem_ptr_size(vm) == 8;
	const struct pm_tracker_layout *builtin = is64 ? pm_tracker_layouts64 : pm_tracker_layouts32;
	struct pm_tk_search *ts = calloc(1, sizeof(*ts));
	if (!ts)
		return &pm_enomem;
	ts->layouts = builtin;
	ts->nl = PM_N_TRACKER_LAYOUTS;
	ts->expected = pm_expected_tracker_layout(ctx->build, is64);
	struct pm_pooltrack t;
	memset(&t, 0, sizeof(t));
	t.builtin = &builtin[ts->expected];
	struct pm_error *err = NULL;
	if (sy && sy->has_tracker && !pm_tracker_layout_valid(&sy->tracker)) {
		free(ts);
		return pm_err(PM_ERR_BAD_SYMBOLS, "the %s's _POOL_TRACKER_TABLE does not hold its "
			      "counters inside its %#x-byte entries", sy->source, sy->tracker.stride);
	}
	if (sy && sy->has_tracker) { /* the symbols' layout, and no other */
		ts->layouts = &sy->tracker;
		ts->nl = 1;
		ts->expected = 0;
		t.layout_from_symbols = true;
	}
	if ((err = pm_vmem_read_ptr(vm, ctx->ptt_var, &t.table0))) {
		free(ts);
		return pm_err_wrap(err, "PoolTrackTable variable at %#" PRIx64 " (KDBG +0x1b8)",
				   ctx->ptt_var);
	}
	if (!pm_kp_is_kernel_va(vm, t.table0)) {
		free(ts);
		return pm_err(PM_ERR_FORMAT, "PoolTrackTable (variable at %#" PRIx64 ") holds %#"
			      PRIx64 ", not a kernel address", ctx->ptt_var, t.table0);
	}
	ts->order[0] = ts->expected;
	for (unsigned k = 0, j = 1; k < ts->nl; k++)
		if (k != ts->expected)
			ts->order[j++] = k;
	uint8_t *t0;
	struct pm_kp_hole hole;
	err = pm_kp_read_holed(vm, t.table0, (uint64_t)PM_MAX_TRACKER_ENTRIES * 0x50, &t0,
			       &ts->avail, &hole);
	if (err) {
		free(ts);
		return err;
	}
	ts->t0 = t0;
	struct data_view d;
	if ((err = pm_kp_data_view_load(ctx, &d))) {
		free(t0);
		free(ts);
		return err;
	}
	struct pm_tk_choice best;
	pm_tk_choose(ctx, ts, &d, &best);
	if (!best.ok) {
		if (ts->nl == 1)
			err = pm_err(PM_ERR_FORMAT, "PoolTrackTable at %#" PRIx64 ": the %s layout "
				     "gives no table of printable tags at any size", t.table0,
				     ts->layouts[0].name);
		else
			err = pm_err(PM_ERR_FORMAT, "PoolTrackTable at %#" PRIx64 ": no entry layout "
				     "(%s, %s, %s) and table size gives printable tags", t.table0,
				     ts->layouts[0].name, ts->layouts[1].name, ts->layouts[2].name);
		free(t0);
		free(ts);
		pm_kp_data_view_free(&d);
		return err;
	}
	if (hole.has && hole.off < best.n * ts->layouts[best.layout].stride) {
		uint64_t st = ts->layouts[best.layout].stride;
		pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool", "PoolTrackTable at %#" PRIx64 ": the "
			    "page at %#" PRIx64 " (entries %" PRIu64 "..%" PRIu64 " of %" PRIu64 ") "
			    "cannot be read (%s): read as empty, the tags it holds are missing",
			    t.table0, t.table0 + hole.off, hole.off / st,
			    (hole.off + hole.len - 1) / st, best.n, hole.why);
	}
	t.entries = best.n;
	t.size_how = best.how;
	t.size_from = best.from;
	t.size_var = best.var;
	t.size_close_call = best.close_call;
	t.size_rival = best.rival;
	t.layout = &ts->layouts[best.layout];
	t.layout_as_expected = t.layout_from_symbols || best.layout == ts->expected;
	t.hash = best.hash;
	t.home_fit = best.home_share;
	t.cpus_expected = ctx->nprocs ? ctx->nprocs : 1;
	free(ts);
	err = read_counts(ctx, &d, &t, t0);
	pm_kp_data_view_free(&d);
	if (err)
		return err;
	t.symbols = sy && (sy->has_ptt || sy->has_tracker) ? sy->source : NULL;
	t.symbols_format = sy ? sy->format : PM_SYMFMT_PDB;
	*ret = t;
	return NULL;
}

struct pm_error *pm_session_pool_read(const struct pm_pool_ctx *ctx,
				      const struct pm_tracker_layout *L, struct pm_session_pool *ret)
{
	const struct pm_pool_syms *sy = ctx->syms;
	memset(ret, 0, sizeof(*ret));
	if (!sy || !sy->has_session)
		return pm_err(PM_ERR_NOT_PRESENT, "the symbols have no ExpSessionPoolTrackTable");
	const char *what = sy->session_name ? sy->session_name : "ExpSessionPoolTrackTable";
	uint64_t p, n, got;
	struct pm_error *err = pm_vmem_read_ptr(ctx->vm, sy->session_var, &p);
	if (!err)
		err = pm_vmem_read_ptr(ctx->vm, sy->session_size_var, &n);
	if (err)
		return pm_err_wrap(err, "%s (%s)", what, sy->source);
	if (!p || !n)
		return pm_err(PM_ERR_NOT_PRESENT, "no session pool table in use (%s is empty: a "
			      "machine or dump without a session mapped)", what);
	if (n > 0x10000 || (n & (n - 1)) || !pm_kp_is_kernel_va(ctx->vm, p))
		return pm_err(PM_ERR_FORMAT, "%s (%s) = %#" PRIx64 " with %" PRIu64 " entries: not a "
			      "table (the size should be a power of two)", what, sy->source, p, n);
	uint8_t *b;
	PM_TRY(pm_kp_read_prefix(ctx->vm, p, n * L->stride, &b, &got));
	if (got < n * L->stride) {
		free(b);
		return pm_err(PM_ERR_NOT_CAPTURED, "%s at %#" PRIx64 ": %" PRIu64 " of %" PRIu64
			      " bytes are in the dump", what, p, got, n * L->stride);
	}
	struct pm_tag_counts *acc = calloc((size_t)n, sizeof(*acc));
	if (!acc) {
		free(b);
		return &pm_enomem;
	}
	size_t k = 0, bad = 0;
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *e = b + i * L->stride;
		uint32_t key = (uint32_t)get(e, L->key);
		if (!key)
			continue;
		if (!pm_kp_printable_tag(key))
			bad++;
		struct pm_tag_counts c;
		memset(&c, 0, sizeof(c));
		c.tag = key & 0x7FFFFFFF;
		sum_entry(&c, e, L);
		clamp(&c.p_allocs, &c.p_frees, &c.p_bytes, L, L->p_allocs, L->p_bytes);
		c.np_allocs = c.np_frees = c.np_bytes = 0; /* only paged session pool is tracked here */
		acc[k++] = c;
	}
	free(b);
	if (bad * 100 > k) {
		free(acc);
		return pm_err(PM_ERR_FORMAT, "%s at %#" PRIx64 ": %zu of %zu keys are not tags", what,
			      p, bad, k);
	}
	if (k > 1)
		qsort(acc, k, sizeof(*acc), tag_cmp);
	ret->table = p;
	ret->entries = n;
	ret->source = sy->source;
	ret->tags = acc;
	ret->ntags = k;
	return NULL;
}

void pm_session_pool_deinit(struct pm_session_pool *s)
{
	free(s->tags);
	memset(s, 0, sizeof(*s));
}

void pm_pooltrack_deinit(struct pm_pooltrack *t)
{
	free(t->tags);
	memset(t, 0, sizeof(*t));
}

