// SPDX-License-Identifier: MIT
// The no-symbol pool searches (parsers/kernel/kobj_pool.c, kobj_bigpool.c) on every real
// placement of the real-kernel facts table (fixtures/facts/ntkrnlmp-x64.json, 213
// ntkrnlmp.pdb of 7601..22000). For each kernel, the kernel's data is laid out as its symbols
// say: every pool variable at its real RVA with a value a live kernel would hold
// (PoolTrackTable, its Size and Mask, the expansion table, the big-page table and its size,
// ExPoolTagTables with one table per processor, the session table, the locks and counters),
// the rest of the room up to the next symbol and the unknown symbols between them filled with
// what kernel data holds (zeros, counts, kernel and pool pointers, list heads, and decoys: a
// page-aligned pointer followed by a power of two, a 2^n+1 count). The tracker tables have the
// build's real entry layout, the big-page table its real entry. Then the real searches run with
// no symbols and must find, on every kernel, the tracker (address, entry count, entry size,
// every processor's table, every tag) and the big-page table (address, entry count, entry
// size, where its variable is).
//
// Each kernel is also run damaged as issue 16 item 2 found: a sparse table (a few tags) with
// one stray non-tag key in an empty slot, and a stray 2^n+1 value next to the pool variables.
// The kernel's own records must still win over a statistical fit that explains fewer keys.
//
// usage: test_facts_place FACTS.json [--report]   (--report: print, never fail)
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "pool.h"
#include "vmbuild.h"

static const uint64_t KB = UINT64_C(0xFFFFF80412000000);
static const uint64_t POOL = UINT64_C(0xFFFFB20A40000000);

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (b && fread(b, 1, (size_t)n, f) == (size_t)n)
		b[n] = 0;
	else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

/* splitmix64: a deterministic stream per kernel */
static uint64_t rnd_state;
static uint64_t rnd(void)
{
	uint64_t z = (rnd_state += UINT64_C(0x9E3779B97F4A7C15));
	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static long num(const cJSON *o, const char *k, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

static const cJSON *layout_of(const cJSON *facts, const cJSON *kernel, const char *type)
{
	const char *set = cJSON_GetStringValue(cJSON_GetObjectItem(kernel, "layout_set"));
	const cJSON *ls = cJSON_GetObjectItem(cJSON_GetObjectItem(facts, "layout_sets"), set);
	const char *key = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(ls, "layouts"), type));
	return key ? cJSON_GetObjectItem(cJSON_GetObjectItem(facts, "layouts"), key) : NULL;
}

/* offset, size and bit range of member @p m of layout @p L (size 0: absent) */
struct mem {
	unsigned off, size, bitpos, bitlen;
};

static struct mem member(const cJSON *L, const char *m)
{
	struct mem r = { 0, 0, 0, 0 };
	const cJSON *x = cJSON_GetObjectItem(cJSON_GetObjectItem(L, "members"), m);
	if (x) {
		r.off = (unsigned)num(x, "offset", 0);
		r.size = (unsigned)num(x, "size", 0);
		r.bitpos = (unsigned)num(x, "bit_position", 0);
		r.bitlen = (unsigned)num(x, "bit_length", 0);
	}
	return r;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_mem(uint8_t *e, struct mem m, uint64_t v)
{
	if (!m.size)
		return;
	if (m.bitlen) {
		uint64_t old = 0;
		for (unsigned i = 0; i < m.size; i++)
			old |= (uint64_t)e[m.off + i] << (8 * i);
		uint64_t mask = ((UINT64_C(1) << m.bitlen) - 1) << m.bitpos;
		v = (old & ~mask) | ((v << m.bitpos) & mask);
	}
	put_le(e + m.off, v, m.size);
}

/* Copy @p n bytes to @p va a page at a time (vmb_write goes byte by byte). */
static void vput(struct vmb *b, uint64_t va, const void *p, size_t n)
{
	const uint8_t *s = p;
	while (n) {
		size_t k = 0x1000 - (size_t)(va & 0xFFF);
		if (k > n)
			k = n;
		uint64_t pa = vmb_pa(b, va, 0);
		memcpy(b->phys + pa, s, k);
		va += k;
		s += k;
		n -= k;
	}
}

/* ---- one kernel's pool, as a live system holds it ----------------------------------------- */

struct kern {
	const cJSON *k, *globals;
	const char *version;
	long build;
	struct mem tk, tnpa, tnpf, tnpb, tpa, tpf, tpb; /* tracker entry */
	unsigned tstride;
	struct mem bva, bkey, btype, bbytes; /* big-page entry */
	unsigned bstride;
	uint64_t lo, hi;  /* the data section (RVAs) */
	uint8_t *data;
};

struct world {
	unsigned nprocs;
	uint64_t n, mask; /* tracker entries */
	uint64_t tables[64];
	uint64_t bn, big; /* big-page table */
	size_t ntags;
	bool sparse_stray; /* the damaged run */
};

static bool has(const struct kern *K, const char *g)
{
	return cJSON_GetObjectItem(K->globals, g) != NULL;
}

static uint64_t rva(const struct kern *K, const char *g)
{
	const cJSON *a = cJSON_GetObjectItem(K->globals, g);
	return (uint64_t)cJSON_GetArrayItem(a, 0)->valuedouble;
}

static uint64_t room(const struct kern *K, const char *g)
{
	const cJSON *a = cJSON_GetObjectItem(K->globals, g);
	return (uint64_t)cJSON_GetArrayItem(a, 1)->valuedouble;
}

static void dput(struct kern *K, uint64_t at_rva, uint64_t v, unsigned n)
{
	if (at_rva >= K->lo && at_rva + n <= K->hi)
		put_le(K->data + (at_rva - K->lo), v, n);
}

static void gput(struct kern *K, const char *g, uint64_t v)
{
	if (has(K, g))
		dput(K, rva(K, g), v, room(K, g) >= 8 ? 8 : (unsigned)room(K, g));
}

static uint32_t mul_hash(uint32_t tag)
{
	uint64_t p = (uint64_t)tag * 40543u;
	return (uint32_t)(p ^ (p >> 32));
}

static uint32_t fold_hash(uint32_t tag)
{
	uint32_t b0 = tag & 0xFF, b1 = (tag >> 8) & 0xFF, b2 = (tag >> 16) & 0xFF, b3 = tag >> 24;
	uint32_t x = ((((b0 << 2) ^ b1) << 2 ^ b2) << 2) ^ b3;
	return (uint32_t)(((uint64_t)x * 40543u) >> 2);
}

static uint32_t a_tag(void)
{
	static const char cs[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint32_t t = 0;
	for (int i = 0; i < 4; i++)
		t |= (uint32_t)(uint8_t)cs[rnd() % (sizeof(cs) - 1)] << (8 * i);
	return t;
}

/* The processors' tracker tables, contiguous in pool (as the kernel allocates them). */
static void build_trackers(struct vmb *b, struct kern *K, struct world *W)
{
	const uint64_t bytes = W->n * K->tstride, span = (bytes + 0xFFF) & ~UINT64_C(0xFFF);
	uint8_t **t = calloc(W->nprocs, sizeof(*t));
	for (unsigned c = 0; c < W->nprocs; c++) {
		t[c] = calloc(1, (size_t)span);
		W->tables[c] = POOL + c * span;
	}
	size_t want = W->sparse_stray ? 3 + rnd() % 20
				      : (size_t)(W->n * (25 + rnd() % 35) / 100);
	W->ntags = 0;
	for (size_t i = 0; i < want; i++) {
		uint32_t tag = a_tag();
		uint64_t slot = (K->build >= 9200 ? mul_hash(tag) : fold_hash(tag)) & W->mask;
		bool dup = false;
		for (uint64_t s = slot;; s = (s + 1) & W->mask) {
			uint32_t k = 0;
			memcpy(&k, t[0] + s * K->tstride + K->tk.off, 4);
			if (k == tag) {
				dup = true;
				break;
			}
			if (!k) {
				slot = s;
				break;
			}
		}
		if (dup)
			continue;
		W->ntags++;
		for (unsigned c = 0; c < W->nprocs; c++) {
			uint8_t *e = t[c] + slot * K->tstride;
			if (c == 0 || rnd() % 4)
				put_mem(e, K->tk, tag);
			uint64_t a = rnd() % 100000, f = rnd() % (a + 1);
			put_mem(e, K->tnpa, a);
			put_mem(e, K->tnpf, f);
			put_mem(e, K->tnpb, (a - f) * 64);
			put_mem(e, K->tpa, a / 3);
			put_mem(e, K->tpf, f / 3);
			put_mem(e, K->tpb, (a / 3 - f / 3) * 128);
		}
	}
	if (W->sparse_stray) { /* one key that is not a tag, in an empty slot */
		for (uint64_t s = W->mask / 2;; s++)
			if (!t[0][s * K->tstride]) {
				put_mem(t[0] + s * K->tstride, K->tk, 0x0A01FF02);
				break;
			}
	}
	for (unsigned c = 0; c < W->nprocs; c++) {
		vput(b, W->tables[c], t[c], (size_t)span);
		free(t[c]);
	}
	free(t);
}

/* The big-page table: live, freed and never-used slots, and its own 'Pool' entry. */
static void build_big(struct vmb *b, struct kern *K, struct world *W)
{
	const uint64_t bytes = W->bn * K->bstride;
	uint8_t *t = calloc(1, (size_t)bytes);
	for (uint64_t i = 0; i < W->bn; i++)
		put_mem(t + i * K->bstride, K->bva, 1);
	uint64_t live = W->bn / 8 + rnd() % (W->bn / 4);
	uint64_t va = UINT64_C(0xFFFFB20B00000000);
	for (uint64_t i = 0; i <= live; i++) {
		uint64_t slot = rnd() % W->bn, nb = (1 + rnd() % 64) * 0x1000;
		uint8_t *e = t + slot * K->bstride;
		bool self = i == live && K->build >= 9200;
		if (i == live && !self)
			break;
		put_mem(e, K->bva, self ? W->big : va | (rnd() % 6 == 0));
		put_mem(e, K->bkey, self ? 0x6C6F6F50 : a_tag());
		put_mem(e, K->btype, self ? 0x200 : rnd() % 2 ? 0x200 : 1);
		put_mem(e, K->bbytes, self ? bytes : nb);
		va += nb + 0x1000;
	}
	vput(b, W->big, t, (size_t)bytes);
	free(t);
}

/* What kernel data holds where nothing is known: mostly zeros and small counts, pointers into
 * the image and the pool, list heads pointing at themselves, and decoys for the searches. */
static void filler(struct kern *K)
{
	uint64_t n = (K->hi - K->lo) / 8;
	uint64_t *q = (uint64_t *)(void *)K->data;
	for (uint64_t i = 0; i < n; i++) {
		unsigned r = (unsigned)(rnd() % 100);
		uint64_t v;
		if (r < 50)
			v = 0;
		else if (r < 62)
			v = rnd() % 5000;
		else if (r < 70)
			v = (rnd() % 64) | (rnd() % 64) << 32;
		else if (r < 80)
			v = KB + ((rnd() % 0x900000) & ~UINT64_C(7));
		else if (r < 86)
			v = UINT64_C(0xFFFF8A0000000000) + ((rnd() % 0x40000000) & ~UINT64_C(15));
		else if (r < 90 && i + 1 < n) {
			q[i] = q[i + 1] = KB + K->lo + i * 8; /* an empty LIST_ENTRY */
			i++;
			continue;
		} else if (r < 93 && i + 1 < n) { /* a page-aligned pointer and a power of two */
			q[i] = UINT64_C(0xFFFF8A0000000000) + (rnd() % 0x40000) * 0x1000;
			q[i + 1] = UINT64_C(0x1000) << (rnd() % 6);
			i++;
			continue;
		} else if (r < 95)
			v = (UINT64_C(1) << (6 + rnd() % 12)) + 1; /* a 2^n+1 count */
		else if (r < 97)
			v = ~UINT64_C(0);
		else
			v = rnd();
		q[i] = v; /* the host is little-endian (checked in main) */
	}
}

/* The pool variables at their real RVAs, with the values a live kernel holds. */
static void place_globals(struct kern *K, struct world *W)
{
	gput(K, "PoolTrackTable", W->tables[0]);
	gput(K, "PoolTrackTableSize", W->n);
	gput(K, "PoolTrackTableMask", W->mask);
	gput(K, "PoolTrackTableExpansion", 0);
	gput(K, "PoolTrackTableExpansionSize", 0);
	gput(K, "PoolTrackTableExpansionPages", 0);
	gput(K, "PoolBigPageTable", W->big);
	gput(K, "PoolBigPageTableSize", W->bn);
	gput(K, "ExpPoolBigEntriesInUse", W->bn / 7);
	gput(K, "ExpBigTableExpansionFailed", 0);
	gput(K, "ExpLargePoolTableLock", 0);
	gput(K, "ExpTaggedPoolLock", 0);
	gput(K, "ExPoolFailures", rnd() % 3);
	gput(K, "PoolHitTag", 0);
	gput(K, "ExpPoolQuotaCookie", rnd());
	/* the session table of the session the dump maps: a power of two, in session space */
	gput(K, "ExpSessionPoolTrackTable", UINT64_C(0xFFFFBC8000400000));
	gput(K, "ExpSessionPoolTrackTableSize", 0x400);
	gput(K, "ExpSessionPoolTrackTableMask", 0x3FF);
	if (has(K, "ExPoolTagTables")) {
		uint64_t a = rva(K, "ExPoolTagTables"), cap = room(K, "ExPoolTagTables") / 8;
		for (uint64_t c = 0; c < cap; c++)
			dput(K, a + c * 8, c < W->nprocs ? W->tables[c] : 0, 8);
	}
	if (has(K, "KiProcessorBlock")) {
		uint64_t a = rva(K, "KiProcessorBlock"), cap = room(K, "KiProcessorBlock") / 8;
		for (uint64_t c = 0; c < cap; c++)
			dput(K, a + c * 8, c < W->nprocs ? UINT64_C(0xFFFFD10000000000) + c * 0x1000 +
							   0x180 : 0, 8);
	}
	if (W->sparse_stray) { /* a stray 2^n+1 in the qword after the last pool variable */
		uint64_t end = 0;
		static const char *const pv[] = { "PoolTrackTable", "PoolTrackTableSize",
						    "PoolBigPageTable", "PoolBigPageTableSize" };
		for (size_t i = 0; i < sizeof(pv) / sizeof(pv[0]); i++)
			if (has(K, pv[i]) && rva(K, pv[i]) + 8 > end)
				end = rva(K, pv[i]) + 8;
		if (!has(K, "ExPoolTagTables") || end != rva(K, "ExPoolTagTables"))
			dput(K, end, (W->n - 1) * 2 + 1, 8);
	}
}

static bool load_kernel(const cJSON *facts, const cJSON *k, struct kern *K)
{
	memset(K, 0, sizeof(*K));
	K->k = k;
	K->globals = cJSON_GetObjectItem(k, "globals");
	K->version = cJSON_GetStringValue(cJSON_GetObjectItem(k, "version"));
	K->build = num(k, "build", 0);
	const cJSON *T = layout_of(facts, k, "_POOL_TRACKER_TABLE");
	const cJSON *B = layout_of(facts, k, "_POOL_TRACKER_BIG_PAGES");
	if (!T || !B || !has(K, "PoolTrackTable") || !has(K, "PoolBigPageTable"))
		return false;
	K->tstride = (unsigned)num(T, "size", 0);
	K->tk = member(T, "Key");
	K->tnpa = member(T, "NonPagedAllocs");
	K->tnpf = member(T, "NonPagedFrees");
	K->tnpb = member(T, "NonPagedBytes");
	K->tpa = member(T, "PagedAllocs");
	K->tpf = member(T, "PagedFrees");
	K->tpb = member(T, "PagedBytes");
	K->bstride = (unsigned)num(B, "size", 0);
	K->bva = member(B, "Va");
	K->bkey = member(B, "Key");
	K->btype = member(B, "PoolType");
	K->bbytes = member(B, "NumberOfBytes");
	/* one writable section over every global the facts name, a page either side */
	uint64_t lo = UINT64_MAX, hi = 0;
	for (const cJSON *g = K->globals->child; g; g = g->next) {
		uint64_t r = (uint64_t)cJSON_GetArrayItem(g, 0)->valuedouble;
		uint64_t n = (uint64_t)cJSON_GetArrayItem(g, 1)->valuedouble;
		if (r < lo)
			lo = r;
		if (r + n > hi)
			hi = r + n;
	}
	K->lo = (lo & ~UINT64_C(0xFFF)) - 0x1000;
	K->hi = ((hi + 0xFFF) & ~UINT64_C(0xFFF)) + 0x1000;
	K->data = malloc((size_t)(K->hi - K->lo));
	return K->data && K->tstride && K->bstride;
}

/* ---- the searches, and what they must find ------------------------------------------------- */

struct family {
	long build;
	unsigned kernels, track_ok, big_ok, damaged_ok;
	unsigned how[8];
};
static const char *hows[8];

static void tally_how(struct family *f, const char *how)
{
	for (unsigned i = 0; i < 8; i++) {
		if (!hows[i])
			hows[i] = how;
		if (hows[i] == how || !strcmp(hows[i], how)) {
			f->how[i]++;
			return;
		}
	}
}

static bool report_only;

#define EXPECT(cond, ...)                                                                  \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s%s: ", K->version, W->sparse_stray ? " (damaged)" : ""); \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
			ok = false;                                                        \
		}                                                                          \
	} while (0)

static bool check_tracker(struct kern *K, struct world *W, const struct pm_pool_ctx *ctx,
			  struct family *f)
{
	struct pm_pooltrack t;
	bool ok = true;
	struct pm_error *err = pm_pooltrack_read(ctx, &t);
	if (err) {
		EXPECT(0, "tracker: %s", pm_err_msg(err));
		pm_error_destroy(err);
		return false;
	}
	EXPECT(t.table0 == W->tables[0], "tracker at %#" PRIx64, t.table0);
	EXPECT(t.entries == W->n, "tracker entries %" PRIu64 " (%s), not %" PRIu64, t.entries,
	       t.size_how, W->n);
	EXPECT(t.layout->stride == K->tstride, "tracker entry %#x (%s), not %#x",
	       t.layout->stride, t.layout->name, K->tstride);
	EXPECT(t.layout_as_expected, "tracker layout %s is not the build's tabulated one",
	       t.layout->name);
	EXPECT(t.cpus_read == W->nprocs, "%u of %u processors' tables read (%s)", t.cpus_read,
	       W->nprocs, t.cpus_how);
	EXPECT(t.ntags == W->ntags + W->sparse_stray, "%zu tags, not %zu", t.ntags,
	       W->ntags + W->sparse_stray);
	if (!W->sparse_stray)
		tally_how(f, t.size_how);
	pm_pooltrack_deinit(&t);
	return ok;
}

static bool check_big(struct kern *K, struct world *W, const struct pm_pool_ctx *ctx)
{
	struct pm_bigpool bp;
	bool ok = true;
	struct pm_error *err = pm_bigpool_read(ctx, &bp);
	if (err) {
		EXPECT(0, "big-page table: %s", pm_err_msg(err));
		pm_error_destroy(err);
		return false;
	}
	EXPECT(bp.table == W->big, "big-page table at %#" PRIx64 ", not %#" PRIx64, bp.table,
	       W->big);
	EXPECT(bp.entries == W->bn, "big-page table of %" PRIu64 " entries, not %" PRIu64,
	       bp.entries, W->bn);
	EXPECT(bp.layout->stride == K->bstride, "big-page entry %#x (%s), not %#x",
	       bp.layout->stride, bp.layout->name, K->bstride);
	EXPECT(bp.table_var == KB + rva(K, "PoolBigPageTable"), "big-page variable at %#" PRIx64,
	       bp.table_var);
	pm_bigpool_deinit(&bp);
	return ok;
}

/* Lay out one kernel (whole, or damaged) and run both searches. */
static void run_kernel(struct kern *K, bool damaged, struct family *f)
{
	struct world W;
	memset(&W, 0, sizeof(W));
	rnd_state = 0;
	for (const char *g = cJSON_GetStringValue(cJSON_GetObjectItem(K->k, "guid")); g && *g; g++)
		rnd_state = rnd_state * 131 + (uint8_t)*g;
	rnd_state += damaged;
	W.sparse_stray = damaged;
	W.nprocs = 1 + (unsigned)(rnd() % 8);
	W.n = (UINT64_C(0x800) << (rnd() % 3)) + 1;
	W.mask = W.n - 2;
	uint64_t span = (W.n * K->tstride + 0xFFF) & ~UINT64_C(0xFFF);
	W.bn = UINT64_C(0x1000) << (rnd() % 3);
	W.big = POOL + W.nprocs * span + 0x100000;
	struct vmb b;
	vmb_init(&b);
	build_trackers(&b, K, &W);
	build_big(&b, K, &W);
	filler(K);
	place_globals(K, &W);
	vput(&b, KB + K->lo, K->data, (size_t)(K->hi - K->lo));
	struct pm_pe_info pe;
	memset(&pe, 0, sizeof(pe));
	pe.nsections = 1;
	memcpy(pe.sections[0].name, ".data", 6);
	pe.sections[0].rva = (uint32_t)K->lo;
	pe.sections[0].vsize = (uint32_t)(K->hi - K->lo);
	pe.sections[0].characteristics = PM_SCN_MEM_WRITE | 0x40000000;
	struct pm_diags diags;
	pm_diags_init(&diags);
	CHECK_OK(vmb_open(&b));
	struct pm_pool_ctx ctx = { &b.vm, (uint32_t)K->build, W.nprocs,
				   KB + rva(K, "PoolTrackTable"), KB, &pe, &diags, NULL };
	bool tr = check_tracker(K, &W, &ctx, f);
	bool bg = damaged || check_big(K, &W, &ctx);
	if (damaged)
		f->damaged_ok += tr;
	else {
		f->track_ok += tr;
		f->big_ok += bg;
	}
	if (!report_only && !(tr && bg))
		test_failures++;
	pm_diags_deinit(&diags);
	vmb_free(&b);
}

int main(int argc, char **argv)
{
	uint16_t one = 1;
	if (argc < 2 || *(uint8_t *)&one != 1) {
		fprintf(stderr, "usage: test_facts_place FACTS.json [--report] (little-endian host)\n");
		return 2;
	}
	report_only = argc > 2 && !strcmp(argv[2], "--report");
	char *text = slurp(argv[1]);
	cJSON *facts = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!facts) {
		fprintf(stderr, "%s: not a readable facts table\n", argv[1]);
		return 1;
	}
	struct family fam[16];
	unsigned nf = 0, nk = 0;
	memset(fam, 0, sizeof(fam));
	const cJSON *kernels = cJSON_GetObjectItem(facts, "kernels");
	for (const cJSON *k = kernels ? kernels->child : NULL; k; k = k->next) {
		struct kern K;
		if (!load_kernel(facts, k, &K)) {
			fprintf(stderr, "%s: the facts lack the pool types or variables\n", K.version);
			test_failures++;
			free(K.data);
			continue;
		}
		unsigned i = 0;
		while (i < nf && fam[i].build != K.build)
			i++;
		if (i == nf && nf < 16)
			fam[nf++].build = K.build;
		fam[i].kernels++;
		run_kernel(&K, false, &fam[i]);
		run_kernel(&K, true, &fam[i]);
		free(K.data);
		nk++;
	}
	cJSON_Delete(facts);
	unsigned tt = 0, tb = 0, td = 0;
	printf("family kernels tracker big-table damaged  (tracker size from)\n");
	for (unsigned i = 0; i < nf; i++) {
		printf("%6ld %7u %7u %9u %7u ", fam[i].build, fam[i].kernels, fam[i].track_ok,
		       fam[i].big_ok, fam[i].damaged_ok);
		for (unsigned h = 0; h < 8 && hows[h]; h++)
			if (fam[i].how[h])
				printf(" [%s: %u]", hows[h], fam[i].how[h]);
		printf("\n");
		tt += fam[i].track_ok;
		tb += fam[i].big_ok;
		td += fam[i].damaged_ok;
	}
	printf("all    %7u %7u %9u %7u\n", nk, tt, tb, td);
	CHECK(nk == 213);
	return report_only ? 0 : test_failures != 0;
}
