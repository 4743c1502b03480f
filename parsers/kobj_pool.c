// SPDX-License-Identifier: MIT
// The tag tracker and the big-page table, found and decoded without symbols
// (pool-internals.md §2, §3, §7). Every candidate (layout, size, hash, location) is checked
// against the data; the winner and how it was found are recorded in the result.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "pool.h"

/* Largest table we read in one piece (a tracker of 2^20+1 entries of 0x50 bytes is 80 MiB;
 * real ones are 2^11..2^16 entries). */
static const uint64_t PM_MAX_TABLE_BYTES = UINT64_C(96) << 20;
/* A key at most this many slots after its hash slot counts as "at home" (§7 step 4.3). */
static const unsigned HOME_WINDOW = 8;
/* How far from &PoolTrackTable the big-table variables are looked for (§7 step 7.1). */
static const uint64_t BIG_VAR_RADIUS = 16 * 1024;

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
	if (build >= 26100) {
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

static bool is_kernel_va(const struct pm_vmem *vm, uint64_t va)
{
	return pm_vmem_ptr_size(vm) == 8 ? va >= 0xFFFF800000000000ull
					 : va >= 0x80000000ull && va <= 0xFFFFFFFFull;
}

static bool printable_tag(uint32_t tag)
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

static uint64_t get_u(const uint8_t *p, unsigned off, unsigned w)
{
	struct pm_field_loc f = { (uint8_t)off, (uint8_t)w };
	return get(p, f);
}

/* Read up to @p len bytes at @p va page by page; *got_ret is how many leading bytes could be
 * read (reading stops at the first absent page). */
static struct pm_error *read_prefix(const struct pm_vmem *vm, uint64_t va, uint64_t len,
				    uint8_t **buf_ret, uint64_t *got_ret)
{
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

struct data_view {
	uint64_t va[PM_PE_MAX_SECTIONS];
	uint8_t *buf[PM_PE_MAX_SECTIONS];
	uint64_t len[PM_PE_MAX_SECTIONS];
	size_t n;
};

static void data_view_free(struct data_view *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->buf[i]);
	d->n = 0;
}

static struct pm_error *data_view_load(const struct pm_pool_ctx *ctx, struct data_view *d)
{
	memset(d, 0, sizeof(*d));
	if (!ctx->kernel_pe)
		return NULL;
	for (uint16_t i = 0; i < ctx->kernel_pe->nsections; i++) {
		const struct pm_pe_section *s = &ctx->kernel_pe->sections[i];
		if (!(s->characteristics & PM_SCN_MEM_WRITE) || !s->vsize)
			continue;
		uint64_t got;
		PM_TRY(read_prefix(ctx->vm, ctx->kernel_base + s->rva, s->vsize, &d->buf[d->n], &got));
		d->va[d->n] = ctx->kernel_base + s->rva;
		d->len[d->n] = got;
		d->n++;
	}
	return NULL;
}

/* ---- tag tracker ----------------------------------------------------------------------- */

struct fit {
	double home;     /* share of keys at home */
	uint64_t home_n; /* keys at home: the score (a too-small size sees fewer of them, a
			    wrong stride or hash puts them elsewhere) */
	uint64_t keys;
	bool ok;
};

static struct fit score_tracker(const uint8_t *t, uint64_t n, const struct pm_tracker_layout *L,
				enum pm_tag_hash h)
{
	struct fit f = { 0, 0, 0, false };
	uint64_t mask = n - 2, bad = 0, home = 0;
	for (uint64_t i = 0; i + 1 < n; i++) { /* the last entry is the overflow bucket */
		uint32_t key = (uint32_t)get(t + i * L->stride, L->key);
		if (!key)
			continue;
		f.keys++;
		if (!printable_tag(key)) {
			bad++;
			continue;
		}
		uint64_t slot = pm_tag_hash(h, key & 0x7FFFFFFF) & mask;
		if (((i - slot) & mask) <= HOME_WINDOW)
			home++;
	}
	f.ok = f.keys > 0 && bad * 100 <= f.keys;
	f.home_n = home;
	f.home = f.keys ? (double)home / (double)f.keys : 0;
	return f;
}

static bool pow2_plus1(uint64_t v)
{
	return v >= 65 && v <= PM_MAX_TRACKER_ENTRIES && ((v - 1) & (v - 2)) == 0;
}

struct tracker_choice {
	uint64_t n;
	unsigned layout;
	enum pm_tag_hash hash;
	struct fit fit;
	const char *size_how;
};

static void consider(const uint8_t *t, uint64_t avail, uint64_t n, const char *how,
		     const struct pm_tracker_layout *layouts, const unsigned *order, unsigned nl,
		     struct tracker_choice *best)
{
	for (unsigned k = 0; k < nl; k++) {
		const struct pm_tracker_layout *L = &layouts[order[k]];
		if (n * L->stride > avail)
			continue;
		for (int h = 0; h < 2; h++) {
			struct fit f = score_tracker(t, n, L, (enum pm_tag_hash)h);
			/* strictly better only: earlier (expected) candidates win ties */
			if (f.ok && (!best->fit.ok || f.home_n > best->fit.home_n ||
				     (f.home_n == best->fit.home_n && f.home > best->fit.home + 1e-9))) {
				best->n = n;
				best->layout = order[k];
				best->hash = (enum pm_tag_hash)h;
				best->fit = f;
				best->size_how = how;
			}
		}
	}
}

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
			if (get_u(d->buf[s] + o, 0, ps) != table0 || d->va[s] + o == ctx->ptt_var)
				continue;
			bool good = true;
			for (unsigned c = 0; c < np && good; c++) {
				tab[c] = get_u(d->buf[s] + o + (uint64_t)c * ps, 0, ps);
				good = is_kernel_va(ctx->vm, tab[c]) && !(tab[c] & 0xFFF);
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
static struct pm_pool_ctx with_syms(const struct pm_pool_ctx *ctx)
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
		good = !e && is_kernel_va(ctx->vm, tab[c]) && (c || tab[c] == table0);
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
	if (n > PM_MAX_TRACKER_ENTRIES || !is_kernel_va(ctx->vm, p))
		return pm_err(PM_ERR_FORMAT, "PoolTrackTableExpansion (%s) = %#" PRIx64 " with %" PRIu64
			      " entries: not a table", sy->source, p, n);
	uint8_t *b;
	uint64_t got;
	PM_TRY(read_prefix(ctx->vm, p, n * L->stride, &b, &got));
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

struct pm_error *pm_pooltrack_read(const struct pm_pool_ctx *ctx_in, struct pm_pooltrack *ret)
{
	const struct pm_pool_ctx cx = with_syms(ctx_in), *ctx = &cx;
	const struct pm_pool_syms *sy = ctx->syms;
	const struct pm_vmem *vm = ctx->vm;
	const unsigned ps = pm_vmem_ptr_size(vm);
	const bool is64 = ps == 8;
	const struct pm_tracker_layout *builtin = is64 ? pm_tracker_layouts64 : pm_tracker_layouts32;
	const struct pm_tracker_layout *layouts = builtin;
	unsigned nl = PM_N_TRACKER_LAYOUTS;
	struct pm_pooltrack t;
	memset(&t, 0, sizeof(t));
	unsigned e = pm_expected_tracker_layout(ctx->build, is64);
	t.builtin = &builtin[e];
	if (sy && sy->has_tracker) { /* the symbols' layout, and no other */
		layouts = &sy->tracker;
		nl = 1;
		e = 0;
		t.layout_from_symbols = true;
	}
	struct pm_error *err = pm_vmem_read_ptr(vm, ctx->ptt_var, &t.table0);
	if (err)
		return pm_err_wrap(err, "PoolTrackTable variable at %#" PRIx64 " (KDBG +0x1b8)",
				   ctx->ptt_var);
	if (!is_kernel_va(vm, t.table0))
		return pm_err(PM_ERR_FORMAT, "PoolTrackTable (variable at %#" PRIx64 ") holds %#"
			      PRIx64 ", not a kernel address", ctx->ptt_var, t.table0);
	unsigned order[PM_N_TRACKER_LAYOUTS];
	order[0] = e;
	for (unsigned k = 0, j = 1; k < nl; k++)
		if (k != e)
			order[j++] = k;
	uint8_t *t0;
	uint64_t avail;
	PM_TRY(read_prefix(vm, t.table0, (uint64_t)PM_MAX_TRACKER_ENTRIES * 0x50, &t0, &avail));
	struct data_view d;
	if ((err = data_view_load(ctx, &d))) {
		free(t0);
		return err;
	}
	struct tracker_choice best;
	memset(&best, 0, sizeof(best));
	/* Size, cheapest first (§7 step 4): the variable just before PoolTrackTable; then a
	 * (2^n+1, 2^n-1) Size/Mask pair in nt's data; then every 2^n+1 against the hash. */
	uint64_t v;
	if (sy && sy->has_ptt_size) {
		struct pm_error *e2 = pm_vmem_read_ptr(vm, sy->ptt_size_var, &v);
		if (!e2 && v >= 2 && v <= PM_MAX_TRACKER_ENTRIES)
			consider(t0, avail, v, sy->source[0] == 'I' ? "PoolTrackTableSize (ISF)"
								       : "PoolTrackTableSize (PDB)",
				 layouts, order, nl, &best);
		if (e2 || !best.fit.ok)
			pm_diag_add(ctx->diags, PM_ERR_FORMAT, "pool", "PoolTrackTableSize at %#" PRIx64
				    " (%s)%s does not give a table of printable tags; the size is "
				    "searched for instead", sy->ptt_size_var, sy->source,
				    e2 ? " is unreadable" : "");
		pm_error_destroy(e2);
	}
	if (!best.fit.ok && !pm_vmem_read_ptr(vm, ctx->ptt_var - ps, &v) && pow2_plus1(v))
		consider(t0, avail, v, "PoolTrackTableSize just before PoolTrackTable", layouts,
			 order, nl, &best);
	if (!best.fit.ok || best.fit.home < 0.9) {
		for (size_t s = 0; s < d.n; s++)
			for (uint64_t o = 0; o + 2 * ps <= d.len[s]; o += ps) {
				uint64_t a = get_u(d.buf[s] + o, 0, ps), b = get_u(d.buf[s] + o + ps, 0, ps);
				if (pow2_plus1(a) && b == a - 2)
					consider(t0, avail, a, "(Size, Mask) pair in nt .data", layouts,
						 order, nl, &best);
			}
	}
	if (!best.fit.ok || best.fit.home < 0.9)
		for (uint64_t n = 65; n <= PM_MAX_TRACKER_ENTRIES; n = (n - 1) * 2 + 1)
			consider(t0, avail, n, "statistical fit of keys to their hash slots", layouts,
				 order, nl, &best);
	if (!best.fit.ok) {
		free(t0);
		data_view_free(&d);
		if (nl == 1)
			return pm_err(PM_ERR_FORMAT, "PoolTrackTable at %#" PRIx64 ": the %s layout "
				      "gives no table of printable tags at any size", t.table0,
				      layouts[0].name);
		return pm_err(PM_ERR_FORMAT, "PoolTrackTable at %#" PRIx64 ": no entry layout (%s, "
			      "%s, %s) and table size gives printable tags", t.table0,
			      layouts[0].name, layouts[1].name, layouts[2].name);
	}
	t.entries = best.n;
	t.size_how = best.size_how;
	t.layout = &layouts[best.layout];
	t.layout_as_expected = t.layout_from_symbols || best.layout == e;
	t.hash = best.hash;
	t.home_fit = best.fit.home;
	t.cpus_expected = ctx->nprocs ? ctx->nprocs : 1;
	const struct pm_tracker_layout *L = t.layout;
	/* Per-processor tables. */
	uint64_t *tables = NULL;
	uint8_t **bufs = NULL;
	unsigned ncpu = 1;
	if (sym_cpu_tables(ctx, t.table0, t.cpus_expected, &tables)) {
		ncpu = t.cpus_expected;
		t.tag_tables_va = sy->tag_tables_var;
		t.cpus_how = sy->source[0] == 'I' ? "ExPoolTagTables (ISF)" : "ExPoolTagTables (PDB)";
	} else if (t.cpus_expected > 1 &&
		   find_cpu_tables(ctx, &d, t.table0, &tables, &t.tag_tables_va)) {
		ncpu = t.cpus_expected;
		t.cpus_how = "ExPoolTagTables found in nt .data";
	} else if (t.cpus_expected > 1) {
		t.cpus_how = "ExPoolTagTables not found: only processor 0's table was read";
		pm_diag_add(ctx->diags, PM_ERR_NOT_CAPTURED, "pool",
			    "the per-processor tag tables (ExPoolTagTables) were not found in nt's "
			    "data; counts come from processor 0's table only and are wrong on a "
			    "machine with %u processors", t.cpus_expected);
	} else {
		t.cpus_how = "single processor";
	}
	data_view_free(&d);
	bufs = calloc(ncpu, sizeof(*bufs));
	struct pm_tag_counts *acc = calloc((size_t)t.entries, sizeof(*acc));
	if (!bufs || !acc) {
		err = &pm_enomem;
		goto out;
	}
	bufs[0] = t0;
	t0 = NULL;
	unsigned read_ok = 1;
	for (unsigned c = 1; c < ncpu; c++) {
		uint64_t got;
		if ((err = read_prefix(vm, tables[c], t.entries * L->stride, &bufs[c], &got)))
			goto out;
		if (got < t.entries * L->stride) {
			pm_diag_add(ctx->diags, PM_ERR_NOT_CAPTURED, "pool",
				    "tag table of processor %u at %#" PRIx64 " is not fully in the "
				    "dump; its counts are left out", c, tables[c]);
			free(bufs[c]);
			bufs[c] = NULL;
			continue;
		}
		/* keys must agree with table 0 (or not be adopted yet) */
		uint64_t agree = 0, total = 0;
		for (uint64_t i = 0; i < t.entries; i++) {
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
	t.cpus_read = read_ok;
	/* Sum over processors at each index; the key always comes from table 0 (§2.4). */
	size_t ntags = 0;
	for (uint64_t i = 0; i < t.entries; i++) {
		uint32_t key = (uint32_t)get(bufs[0] + i * L->stride, L->key);
		if (!key)
			continue;
		struct pm_tag_counts c;
		memset(&c, 0, sizeof(c));
		c.tag = key & 0x7FFFFFFF;
		for (unsigned p = 0; p < ncpu; p++)
			if (bufs[p])
				sum_entry(&c, bufs[p] + i * L->stride, L);
		clamp(&c.np_allocs, &c.np_frees, &c.np_bytes, L, L->np_allocs, L->np_bytes);
		clamp(&c.p_allocs, &c.p_frees, &c.p_bytes, L, L->p_allocs, L->p_bytes);
		acc[ntags++] = c;
	}
	if ((err = read_expansion(ctx, L, &acc, &ntags, &t.expansion_entries))) {
		pm_diag_take(ctx->diags, "pool", err); /* the main table's counts still stand */
		err = NULL;
	} else {
		t.expansion_read = sy && sy->has_expansion;
	}
	t.symbols = sy && (sy->has_ptt || sy->has_tracker) ? sy->source : NULL;
	/* One row per tag (the overflow bucket, the expansion table may repeat a tag). */
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
	t.tags = acc;
	t.ntags = w;
	acc = NULL;
	*ret = t;
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

struct pm_error *pm_session_pool_read(const struct pm_pool_ctx *ctx,
				      const struct pm_tracker_layout *L, struct pm_session_pool *ret)
{
	const struct pm_pool_syms *sy = ctx->syms;
	memset(ret, 0, sizeof(*ret));
	if (!sy || !sy->has_session)
		return pm_err(PM_ERR_NOT_PRESENT, "the symbols have no ExpSessionPoolTrackTable");
	uint64_t p, n, got;
	struct pm_error *err = pm_vmem_read_ptr(ctx->vm, sy->session_var, &p);
	if (!err)
		err = pm_vmem_read_ptr(ctx->vm, sy->session_size_var, &n);
	if (err)
		return pm_err_wrap(err, "ExpSessionPoolTrackTable (%s)", sy->source);
	if (!p || !n)
		return pm_err(PM_ERR_NOT_PRESENT, "no session pool table in use (ExpSessionPoolTrackTable "
			      "is empty: a machine or dump without a session mapped)");
	if (n > 0x10000 || (n & (n - 1)) || !is_kernel_va(ctx->vm, p))
		return pm_err(PM_ERR_FORMAT, "ExpSessionPoolTrackTable (%s) = %#" PRIx64 " with %" PRIu64
			      " entries: not a table (the size should be a power of two)", sy->source,
			      p, n);
	uint8_t *b;
	PM_TRY(read_prefix(ctx->vm, p, n * L->stride, &b, &got));
	if (got < n * L->stride) {
		free(b);
		return pm_err(PM_ERR_NOT_CAPTURED, "ExpSessionPoolTrackTable at %#" PRIx64 ": %" PRIu64
			      " of %" PRIu64 " bytes are in the dump", p, got, n * L->stride);
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
		if (!printable_tag(key))
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
		return pm_err(PM_ERR_FORMAT, "ExpSessionPoolTrackTable at %#" PRIx64 ": %zu of %zu keys "
			      "are not tags", p, bad, k);
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

/* ---- big-page table ---------------------------------------------------------------------- */

struct big_fit {
	bool self;       /* the table's own 'Pool' entry is there */
	bool self_type;  /* ... with a NonPagedPoolNx / POOL_FLAG_NON_PAGED type */
	double clean;    /* share of live entries that look right */
	uint64_t live;
};

static uint32_t big_type(const uint8_t *e, const struct pm_big_layout *L)
{
	uint32_t v = (uint32_t)get_u(e, L->type_off, 4);
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
		uint64_t va = get_u(e, 0, ps);
		if (va == 0 || (va & 1))
			continue;
		f.live++;
		uint32_t key = (uint32_t)get_u(e, L->key_off, 4);
		bool ok = !(va & 0xFFF) && is_kernel_va(vm, va) && printable_tag(key);
		if (L->type_kind == PM_BIG_TYPE_U32 && get_u(e, L->type_off, 4) > 0xFFF)
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
	if (!is_kernel_va(ctx->vm, p) || !n || n > PM_MAX_BIG_ENTRIES)
		return pm_err(PM_ERR_FORMAT, "PoolBigPageTable (%s, at %#" PRIx64 ") = %#" PRIx64
			      " with PoolBigPageTableSize %" PRIu64 ": not a table", sy->source,
			      sy->big_var, p, n);
	const struct pm_big_layout *L = sy->has_big_layout ? &sy->big : builtin;
	PM_TRY(read_prefix(ctx->vm, p, n * L->stride, buf, &got));
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
	b->layout_from_symbols = sy->has_big_layout;
	return NULL;
}

struct pm_error *pm_bigpool_read(const struct pm_pool_ctx *ctx_in, struct pm_bigpool *ret)
{
	const struct pm_pool_ctx cx = with_syms(ctx_in), *ctx = &cx;
	const struct pm_vmem *vm = ctx->vm;
	const unsigned ps = pm_vmem_ptr_size(vm);
	const bool is64 = ps == 8;
	const struct pm_big_layout *layouts = is64 ? pm_big_layouts64 : pm_big_layouts32;
	const unsigned nl = is64 ? PM_N_BIG_LAYOUTS64 : PM_N_BIG_LAYOUTS32;
	const unsigned e = pm_expected_big_layout(ctx->build, is64);
	struct data_view d;
	PM_TRY(data_view_load(ctx, &d));
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
		b.self_entry = best.self;
		b.how = ctx->syms->source[0] == 'I' ? "PoolBigPageTable and its size from the ISF"
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
			uint64_t p = get_u(d.buf[s] + o, 0, ps), n = get_u(d.buf[s] + o + ps, 0, ps);
			if ((p & 0xFFF) || !is_kernel_va(vm, p) || !n || n % 0x1000 ||
			    n > PM_MAX_BIG_ENTRIES || (n & (n - 1)))
				continue;
			for (unsigned k = 0; k < nl; k++) {
				const struct pm_big_layout *L = &layouts[(k + e) % nl];
				uint8_t *t;
				uint64_t got;
				if ((err = read_prefix(vm, p, n * L->stride, &t, &got)))
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
		err = pm_err(PM_ERR_NOT_CAPTURED, "PoolBigPageTable not found: no (table, size) pair "
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
		uint64_t va = get_u(best_buf + i * L->stride, 0, ps);
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
		uint64_t va = get_u(en, 0, ps);
		if (va == 1 || va == 0) {
			b.unused_slots++;
			continue;
		}
		/* A freed slot keeps its stale tag and size; Va was incremented (§3.2). */
		struct pm_big_alloc *a = (va & 1) ? &b.freed[b.nfreed++] : &b.allocs[b.nallocs++];
		a->va = va & ~(uint64_t)1;
		a->tag = (uint32_t)get_u(en, L->key_off, 4) & 0x7FFFFFFF;
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
	data_view_free(&d);
	return err;
}

void pm_bigpool_deinit(struct pm_bigpool *b)
{
	free(b->allocs);
	free(b->freed);
	memset(b, 0, sizeof(*b));
}
