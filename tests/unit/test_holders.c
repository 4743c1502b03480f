// SPDX-License-Identifier: MIT
// The holder walks (process.c, objtype.c, handles.c, billed.c) on hand-made x64 address spaces:
// a process list, a type table, handle tables of all three levels with encoded type indexes,
// big-page entries billed with a cookie; then the same worlds damaged (a list that loops, a
// table of another process, level 3, garbage entries, absent pages, a wrong cookie), where the
// walks must report, stop or refuse — and never attribute a handle to the wrong holder.
//
// usage: test_holders [SEED_DIR]   (with SEED_DIR: write the fuzz_holders seeds there instead)
//
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "billed.h"
#include "handles.h"
#include "objtype.h"
#include "process.h"
#include "vmbuild.h"

#define KB UINT64_C(0xFFFFF80012000000)
#define HEAD (KB + 0x1000)
#define TYPES (KB + 0x2000)
#define COOKIE_VAR (KB + 0x2800)
#define QCOOKIE_VAR (KB + 0x2808)
#define BIGTAB UINT64_C(0xFFFFC00000100000)

struct world {
	struct vmb b;
	struct pm_obj_layout L;
	uint8_t cookie;
	uint64_t heap;      /* bump allocator for pool objects */
	uint64_t last_link; /* the last process's ActiveProcessLinks */
	unsigned ntypes;    /* types are 2..ntypes+1 */
	uint64_t qcookie;
	struct pm_pe_info pe;
};

static const char *const type_names[] = { "Type", "Directory", "SymbolicLink", "Token",
					  "Job", "Process", "Thread", "Event", "File", "Key",
					  "Mutant", "Section" };
enum { T_TYPE = 2, T_PROCESS = 7, T_EVENT = 9, T_FILE = 10 };

static uint64_t alloc(struct world *w, uint64_t size)
{
	uint64_t va = w->heap;
	w->heap += (size + 0x3F) & ~UINT64_C(0xF);
	vmb_zero(&w->b, va, size + 0x10); /* mapped, zero */
	return va + 0x10; /* a pool header's worth before each block */
}

static uint64_t fo(const struct world *w, enum pm_obj_field f)
{
	return w->L.f[f].off;
}

/* An object of @p type: returns its header; the body follows at +Body. */
static uint64_t object(struct world *w, unsigned type, uint64_t body_size, uint64_t handles)
{
	uint64_t hdr = alloc(w, fo(w, PM_OF_OH_BODY) + body_size);
	uint8_t ti = (uint8_t)type;
	if (w->L.type_index_encoded)
		ti = (uint8_t)(type ^ w->cookie ^ (uint8_t)(hdr >> 8));
	vmb_w(&w->b, hdr + fo(w, PM_OF_OH_TYPEIDX), ti, 1);
	vmb_w(&w->b, hdr + fo(w, PM_OF_OH_HANDLES), handles, 8);
	vmb_w(&w->b, hdr, handles + 1, 8); /* PointerCount */
	return hdr;
}

static void world_init(struct world *w, uint32_t build, uint8_t cookie)
{
	memset(w, 0, sizeof(*w));
	vmb_init(&w->b);
	w->b.journaling = 1; /* for the fuzz seeds */
	CHECK_OK(pm_obj_layout_builtin(build, &w->L));
	w->cookie = cookie;
	w->heap = UINT64_C(0xFFFFA08000000000);
	w->last_link = HEAD;
	vmb_w(&w->b, HEAD, HEAD, 8);
	vmb_w(&w->b, HEAD + 8, HEAD, 8);
	/* the type table: slot 0 NULL, slot 1 the marker, then the types */
	vmb_w(&w->b, TYPES, 0, 8);
	vmb_w(&w->b, TYPES + 8, 0xBAD0B0B0, 8);
	w->ntypes = sizeof(type_names) / sizeof(type_names[0]);
	for (unsigned i = 0; i < w->ntypes; i++) {
		unsigned idx = i + 2;
		uint64_t hdr = object(w, T_TYPE, w->L.size[PM_OT_OBJECT_TYPE], 0);
		uint64_t t = hdr + fo(w, PM_OF_OH_BODY), name = alloc(w, 64);
		size_t n = strlen(type_names[i]);
		for (size_t c = 0; c < n; c++)
			vmb_w(&w->b, name + 2 * c, (uint8_t)type_names[i][c], 2);
		vmb_w(&w->b, t + fo(w, PM_OF_OT_NAME), 2 * n, 2);
		vmb_w(&w->b, t + fo(w, PM_OF_OT_NAME) + 2, 2 * n + 2, 2);
		vmb_w(&w->b, t + fo(w, PM_OF_OT_NAME) + 8, name, 8);
		vmb_w(&w->b, t + fo(w, PM_OF_OT_INDEX), idx, 1);
		uint32_t key = 0;
		for (size_t c = 0; c < 4; c++)
			key |= (uint32_t)(c < n ? (uint8_t)type_names[i][c] : ' ') << (8 * c);
		vmb_w(&w->b, t + fo(w, PM_OF_OT_KEY), key | (idx == T_PROCESS ? 0x80000000u : 0), 4);
		vmb_w(&w->b, t + fo(w, PM_OF_OT_OBJECTS), 100 + idx, 4);
		vmb_w(&w->b, TYPES + 8 * idx, t, 8);
	}
	/* the kernel's writable section holding both cookies */
	vmb_w(&w->b, COOKIE_VAR, cookie, 4);
	w->pe.nsections = 1;
	w->pe.sections[0] = (struct pm_pe_section){ ".data", 0x1000, 0x2000, PM_SCN_MEM_WRITE };
}

/* A handle table of @p levels holding @p n handles: handles[i] is the header for handle
 * (i + 1) * 4 (entry 0 of each page reserved), 0 leaves the entry free. */
static uint64_t htable(struct world *w, uint64_t pid, unsigned levels, const uint64_t *hdrs,
		       uint64_t n)
{
	uint64_t ht = alloc(w, w->L.size[PM_OT_HANDLE_TABLE]);
	uint64_t entries = n + 1 + n / 255;
	entries = (entries + 255) / 256 * 256;
	uint64_t pages = entries / 256, leaf0 = UINT64_C(0xFFFFB00000000000) + (w->heap & 0xFFFFF000);
	w->heap += 0x1000 * (pages + 8);
	uint64_t k = 0;
	for (uint64_t p = 0; p < pages; p++) {
		uint64_t page = leaf0 + p * 0x1000;
		for (unsigned e = 0; e < 256; e++) {
			uint64_t ent = page + e * 16;
			if (e == 0) { /* reserved: EX_ADDITIONAL_INFO_SIGNATURE */
				if (w->L.f[PM_OF_HTE_HIGH].present)
					vmb_w(&w->b, ent + 8, UINT64_C(0xFFFFFFFFFFFFFFFE), 8);
				else
					vmb_w(&w->b, ent + 8, 0xFFFFFFFE, 4);
				continue;
			}
			uint64_t h = k < n ? hdrs[k] : 0;
			k++;
			uint64_t low = 0;
			if (h && w->L.f[PM_OF_HTE_OBJBITS].present)
				low = (h << 16) | 0x1 | (UINT64_C(3) << 17); /* Unlocked, attributes */
			else if (h)
				low = h | 0x3; /* 7601: attributes in the low bits */
			vmb_w(&w->b, ent, low, 8);
			vmb_w(&w->b, ent + 8, 0x1F0003, 4); /* GrantedAccess */
		}
	}
	uint64_t code = leaf0;
	if (levels >= 1) {
		uint64_t mid = leaf0 + pages * 0x1000 + 0x1000;
		for (uint64_t p = 0; p < pages; p++)
			vmb_w(&w->b, mid + 8 * p, leaf0 + p * 0x1000, 8);
		code = mid;
		if (levels == 2) {
			uint64_t top = mid + 0x2000;
			vmb_w(&w->b, top, mid, 8);
			code = top;
		}
	}
	vmb_w(&w->b, ht + fo(w, PM_OF_HT_CODE), code | levels, 8);
	vmb_w(&w->b, ht + fo(w, PM_OF_HT_NEXT), pages * 256 * 4, 4);
	if (w->L.f[PM_OF_HT_PID].present)
		vmb_w(&w->b, ht + fo(w, PM_OF_HT_PID), pid, w->L.f[PM_OF_HT_PID].size);
	return ht;
}

static uint64_t process(struct world *w, uint64_t pid, const char *name, uint64_t commit,
			uint64_t ht)
{
	uint64_t hdr = object(w, T_PROCESS, w->L.size[PM_OT_EPROCESS], 1);
	uint64_t ep = hdr + fo(w, PM_OF_OH_BODY), link = ep + fo(w, PM_OF_EP_LINKS);
	vmb_w(&w->b, ep + fo(w, PM_OF_EP_PID), pid, 8);
	vmb_write(&w->b, ep + fo(w, PM_OF_EP_NAME), name, strlen(name));
	vmb_w(&w->b, ep + fo(w, PM_OF_EP_OBJTABLE), ht, 8);
	vmb_w(&w->b, ep + fo(w, PM_OF_EP_COMMIT), commit, 8);
	vmb_w(&w->b, ep + fo(w, PM_OF_EP_QUOTA_USAGE), commit * 16, 8);
	vmb_w(&w->b, ep + fo(w, PM_OF_EP_QUOTA_USAGE) + 8, commit * 32, 8);
	vmb_w(&w->b, ep + fo(w, PM_OF_EP_PARENT), 4, 8);
	/* links: append before the head */
	vmb_w(&w->b, link, HEAD, 8);
	vmb_w(&w->b, link + 8, w->last_link, 8);
	vmb_w(&w->b, w->last_link, link, 8);
	vmb_w(&w->b, HEAD + 8, link, 8);
	w->last_link = link;
	return ep;
}

/* The standard world: System (4 handles), explorer.exe (600 Event + 3 File, level 1),
 * svchost.exe (300 File + 2 Event, level 2). */
struct std {
	uint64_t sys, explorer, svchost;
};

static struct std std_world_n(struct world *w, uint32_t build, uint8_t cookie, int nev,
			      int nfile)
{
	world_init(w, build, cookie);
	struct std s;
	uint64_t h[1000];
	for (int i = 0; i < 4; i++)
		h[i] = object(w, T_PROCESS + (unsigned)(i & 1), 0x40, 1);
	s.sys = process(w, 4, "System", 20, htable(w, 4, 0, h, 4));
	for (int i = 0; i < nev + 3; i++)
		h[i] = object(w, i < nev ? T_EVENT : T_FILE, 0x40, 1);
	s.explorer = process(w, 4312, "explorer.exe", 5000, htable(w, 4312, 1, h, (uint64_t)nev + 3));
	for (int i = 0; i < nfile + 2; i++)
		h[i] = object(w, i < nfile ? T_FILE : T_EVENT, 0x40, 1);
	s.svchost = process(w, 812, "svchost.exe", 700,
			    htable(w, 812, 2, h, (uint64_t)nfile + 2));
	return s;
}

static struct std std_world(struct world *w, uint32_t build, uint8_t cookie)
{
	return std_world_n(w, build, cookie, 600, 300);
}

static void check_walk(struct world *w, const struct std *s)
{
	struct pm_processes ps;
	CHECK_OK(pm_processes_read(&w->b.vm, &w->L, HEAD, &ps));
	CHECK_EQ_U64(ps.n, 3);
	CHECK(ps.complete);
	if (ps.n != 3) {
		pm_processes_deinit(&ps);
		return;
	}
	CHECK(!strcmp(ps.items[1].name, "explorer.exe"));
	CHECK_EQ_U64(ps.items[1].pid, 4312);
	CHECK_EQ_U64(ps.items[1].eprocess, s->explorer);
	CHECK_EQ_U64(ps.items[1].commit_pages, 5000);
	CHECK_EQ_U64(ps.items[1].quota_np, 80000);
	CHECK_EQ_U64(ps.items[1].quota_p, 160000);
	CHECK_EQ_U64(ps.items[2].parent_pid, 4);
	struct pm_obj_types ts;
	CHECK_OK(pm_obj_types_find(&w->b.vm, &w->L, KB, &w->pe, &ts));
	CHECK_EQ_U64(ts.table, TYPES);
	CHECK_EQ_U64(ts.n, w->ntypes + 2);
	CHECK(!strcmp(ts.t[T_EVENT].name, "Event"));
	CHECK_EQ_U64(ts.t[T_EVENT].key, 0x6E657645); /* "Even" */
	CHECK_EQ_U64(ts.t[T_PROCESS].key, 0x636F7250); /* "Proc", protected bit masked */
	CHECK_OK(pm_obj_types_cookie(&w->b.vm, &w->L, &ts, false, 0, NULL));
	CHECK_EQ_U64(ts.cookie, w->L.type_index_encoded ? w->cookie : 0);
	struct pm_obj_cache *c;
	CHECK_OK(pm_obj_cache_new(&w->b.vm, 64, &c));
	static const struct {
		unsigned p, levels;
		uint64_t event, file, proc;
	} want[] = { { 0, 0, 0, 0, 2 }, { 1, 1, 600, 3, 0 }, { 2, 2, 2, 300, 0 } };
	for (size_t i = 0; i < 3; i++) {
		struct pm_htable_stats st;
		uint64_t budget = 1 << 20;
		const struct pm_process *p = &ps.items[want[i].p];
		CHECK_OK(pm_htable_walk(c, &w->L, &ts, p->object_table, p->pid, &budget, NULL, NULL,
					&st));
		CHECK_EQ_U64(st.levels, want[i].levels);
		CHECK_EQ_U64(st.per_type[T_EVENT], want[i].event);
		CHECK_EQ_U64(st.per_type[T_FILE], want[i].file);
		CHECK_EQ_U64(st.per_type[T_PROCESS], want[i].proc);
		CHECK_EQ_U64(st.bad_pointer + st.bad_header + st.header_absent + st.pages_absent, 0);
		CHECK(!st.problem[0]);
	}
	pm_obj_cache_destroy(c);
	pm_processes_deinit(&ps);
}

static void test_builds(void)
{
	static const uint32_t builds[] = { 7601, 9600, 14393, 17763, 18362, 19045, 20348, 22000 };
	for (size_t i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		struct world w;
		struct std s = std_world(&w, builds[i], 0xA5);
		CHECK_OK(vmb_open(&w.b));
		check_walk(&w, &s);
		vmb_free(&w.b);
	}
}

/* A cookie from the symbols that disagrees with the type objects is refused. */
static void test_wrong_cookie(void)
{
	struct world w;
	std_world(&w, 19041, 0x3C);
	CHECK_OK(vmb_open(&w.b));
	struct pm_obj_types ts;
	CHECK_OK(pm_obj_types_read(&w.b.vm, &w.L, TYPES, &ts));
	CHECK_ERR(pm_obj_types_cookie(&w.b.vm, &w.L, &ts, true, 0x3D, "test"), PM_ERR_FORMAT);
	CHECK_OK(pm_obj_types_cookie(&w.b.vm, &w.L, &ts, true, 0x3C, "test"));
	/* an encoded kernel read with a layout that says "not encoded" is refused too */
	w.L.type_index_encoded = false;
	CHECK_ERR(pm_obj_types_cookie(&w.b.vm, &w.L, &ts, false, 0, NULL), PM_ERR_FORMAT);
	vmb_free(&w.b);
}

/* The wrong family's layout: the first process is not System. */
static void test_wrong_layout(void)
{
	struct world w;
	std_world(&w, 19041, 0x11);
	CHECK_OK(vmb_open(&w.b));
	struct pm_obj_layout other;
	CHECK_OK(pm_obj_layout_builtin(17763, &other));
	struct pm_processes ps;
	CHECK_ERR(pm_processes_read(&w.b.vm, &other, HEAD, &ps), PM_ERR_PROFILE);
	vmb_free(&w.b);
}

/* A list that loops without returning to its head, and one whose Blink is wrong. */
static void test_bad_lists(void)
{
	struct world w;
	struct std s = std_world(&w, 19041, 0x11);
	uint64_t lo = fo(&w, PM_OF_EP_LINKS);
	vmb_w(&w.b, s.svchost + lo, s.explorer + lo, 8); /* svchost -> explorer again */
	CHECK_OK(vmb_open(&w.b));
	struct pm_processes ps;
	CHECK_OK(pm_processes_read(&w.b.vm, &w.L, HEAD, &ps));
	CHECK(!ps.complete);
	CHECK_EQ_U64(ps.n, 3);
	CHECK(strstr(ps.stop, "Blink") || strstr(ps.stop, "loops"));
	pm_processes_deinit(&ps);
	vmb_free(&w.b);
	s = std_world(&w, 19041, 0x11);
	vmb_w(&w.b, s.svchost + lo + 8, s.sys + lo, 8); /* Blink skips explorer */
	CHECK_OK(vmb_open(&w.b));
	CHECK_OK(pm_processes_read(&w.b.vm, &w.L, HEAD, &ps));
	CHECK(!ps.complete);
	CHECK_EQ_U64(ps.n, 2);
	CHECK(strstr(ps.stop, "Blink") != NULL);
	pm_processes_deinit(&ps);
	vmb_free(&w.b);
}

static struct pm_htable_stats walk_one(struct world *w, uint64_t ep, uint64_t pid,
				       struct pm_error **err)
{
	struct pm_obj_types ts;
	struct pm_htable_stats st;
	memset(&st, 0, sizeof(st));
	*err = pm_obj_types_read(&w->b.vm, &w->L, TYPES, &ts);
	if (!*err)
		*err = pm_obj_types_cookie(&w->b.vm, &w->L, &ts, false, 0, NULL);
	if (*err)
		return st;
	struct pm_obj_cache *c;
	CHECK_OK(pm_obj_cache_new(&w->b.vm, 16, &c));
	uint8_t b[8];
	memset(b, 0, 8);
	CHECK_OK(pm_vmem_read(&w->b.vm, ep + fo(w, PM_OF_EP_OBJTABLE), b, 8));
	uint64_t ht = 0, budget = 1 << 20;
	for (int i = 7; i >= 0; i--)
		ht = ht << 8 | b[i];
	*err = pm_htable_walk(c, &w->L, &ts, ht, pid, &budget, NULL, NULL, &st);
	pm_obj_cache_destroy(c);
	return st;
}

/* Damaged tables: every damage is reported, nothing damaged is attributed. */
static void test_bad_tables(void)
{
	struct world w;
	struct pm_error *err;
	struct std s = std_world(&w, 19041, 0x42);
	uint64_t ht = 0;
	/* (1) a table that belongs to another process */
	CHECK_OK(vmb_open(&w.b));
	walk_one(&w, s.explorer, 4313, &err);
	CHECK_ERR(err, PM_ERR_FORMAT);
	vmb_free(&w.b);
	/* (2) level 3 */
	s = std_world(&w, 19041, 0x42);
	ht = vmb_get(&w.b, vmb_pa(&w.b, s.explorer + fo(&w, PM_OF_EP_OBJTABLE), 1));
	uint64_t code = vmb_get(&w.b, vmb_pa(&w.b, ht + fo(&w, PM_OF_HT_CODE), 1));
	vmb_w(&w.b, ht + fo(&w, PM_OF_HT_CODE), code | 3, 8);
	CHECK_OK(vmb_open(&w.b));
	walk_one(&w, s.explorer, 4312, &err);
	CHECK_ERR(err, PM_ERR_FORMAT);
	vmb_free(&w.b);
	/* (3) a limit beyond what a level-1 table holds */
	s = std_world(&w, 19041, 0x42);
	ht = vmb_get(&w.b, vmb_pa(&w.b, s.explorer + fo(&w, PM_OF_EP_OBJTABLE), 1));
	vmb_w(&w.b, ht + fo(&w, PM_OF_HT_NEXT), 0xFFFFFFFC, 4);
	CHECK_OK(vmb_open(&w.b));
	walk_one(&w, s.explorer, 4312, &err);
	CHECK_ERR(err, PM_ERR_FORMAT);
	vmb_free(&w.b);
	/* (4) garbage in the entries, an absent leaf page, a NULL leaf pointer */
	s = std_world(&w, 19041, 0x42);
	ht = vmb_get(&w.b, vmb_pa(&w.b, s.explorer + fo(&w, PM_OF_EP_OBJTABLE), 1));
	uint64_t mid = vmb_get(&w.b, vmb_pa(&w.b, ht + fo(&w, PM_OF_HT_CODE), 1)) & ~UINT64_C(3);
	uint64_t leaf0 = vmb_get(&w.b, vmb_pa(&w.b, mid, 1));
	uint64_t leaf1 = vmb_get(&w.b, vmb_pa(&w.b, mid + 8, 1));
	vmb_w(&w.b, leaf0 + 16 * 1, UINT64_C(0x00007FF612345678), 8);  /* user address */
	vmb_w(&w.b, leaf0 + 16 * 2, UINT64_C(0xFFFF80001234) << 16, 8); /* unmapped header */
	uint64_t junk = alloc(&w, 0x80); /* a mapped header with a type index no type has */
	vmb_w(&w.b, junk + fo(&w, PM_OF_OH_TYPEIDX), 0xEE ^ 0x42 ^ (uint8_t)(junk >> 8), 1);
	vmb_w(&w.b, junk + fo(&w, PM_OF_OH_HANDLES), 1, 8);
	vmb_w(&w.b, leaf0 + 16 * 3, junk << 16, 8);
	vmb_unmap(&w.b, leaf1);
	vmb_w(&w.b, mid + 16, 0, 8); /* the third page's pointer */
	CHECK_OK(vmb_open(&w.b));
	struct pm_htable_stats st = walk_one(&w, s.explorer, 4312, &err);
	CHECK_OK(err);
	CHECK_EQ_U64(st.bad_pointer, 1);
	CHECK_EQ_U64(st.header_absent, 1);
	CHECK_EQ_U64(st.bad_header, 1);
	CHECK_EQ_U64(st.pages_absent, 2);
	CHECK_EQ_U64(st.unseen, 512);
	CHECK_EQ_U64(st.per_type[T_EVENT], 255 - 3); /* page 0 minus the three damaged */
	CHECK_EQ_U64(st.per_type[T_FILE], 0);           /* its Files were on the lost pages */
	CHECK(st.problem[0]);
	vmb_free(&w.b);
}

static void test_budget(void)
{
	struct world w;
	struct std s = std_world(&w, 14393, 0x42);
	CHECK_OK(vmb_open(&w.b));
	struct pm_obj_types ts;
	CHECK_OK(pm_obj_types_read(&w.b.vm, &w.L, TYPES, &ts));
	CHECK_OK(pm_obj_types_cookie(&w.b.vm, &w.L, &ts, false, 0, NULL));
	struct pm_obj_cache *c;
	CHECK_OK(pm_obj_cache_new(&w.b.vm, 4, &c));
	uint8_t b[8];
	CHECK_OK(pm_vmem_read(&w.b.vm, s.explorer + fo(&w, PM_OF_EP_OBJTABLE), b, 8));
	uint64_t ht = 0, budget = 100;
	for (int i = 7; i >= 0; i--)
		ht = ht << 8 | b[i];
	struct pm_htable_stats st;
	CHECK_OK(pm_htable_walk(c, &w.L, &ts, ht, 4312, &budget, NULL, NULL, &st));
	CHECK(st.stopped);
	CHECK_EQ_U64(budget, 0);
	CHECK_EQ_U64(st.handles, 99); /* entry 0 is reserved */
	pm_obj_cache_destroy(c);
	vmb_free(&w.b);
}

/* ---- billed big pages (20348) ------------------------------------------------------------- */

static void big_entry(struct world *w, unsigned i, uint64_t va, const char *tag, uint64_t bytes,
		      uint64_t process)
{
	uint64_t e = BIGTAB + (uint64_t)i * 0x20;
	vmb_w(&w->b, e, va, 8);
	vmb_write(&w->b, e + 8, tag, 4);
	vmb_w(&w->b, e + 0x10, bytes, 8);
	vmb_w(&w->b, e + 0x18, process ^ w->qcookie ^ va, 8);
}

static void test_billed(void)
{
	static const struct pm_big_layout B = { "test 0x20", 0x20, 8, PM_BIG_BYTES, { 0x10, 8 },
						PM_BIG_TYPE_BITS8_19, 0xC };
	for (int variant = 0; variant < 3; variant++) {
		struct world w;
		struct std s = std_world(&w, 20348, 0x42);
		w.qcookie = UINT64_C(0x5A17C0DE12345678);
		if (variant != 2) /* variant 2: the cookie is nowhere in the writable sections */
			vmb_w(&w.b, QCOOKIE_VAR, w.qcookie, 8);
		/* the table's own entry, 10 uncharged, 40 billed to explorer, 5 to svchost in
		 * variant 0; in variants 1 and 2 only explorer is billed, for most entries, so that
		 * `cookie ^ explorer` decodes the table as well as the cookie does and only the
		 * writable sections tell them apart */
		unsigned n = 0, nsvc = variant ? 0 : 5;
		big_entry(&w, n++, BIGTAB, "Pool", 0x2000, 0);
		for (unsigned i = 0; i < (variant ? 2u : 10u); i++)
			big_entry(&w, n++, UINT64_C(0xFFFFC00001000000) + i * 0x10000, "Big ",
				  0x10000, 0);
		for (unsigned i = 0; i < 40; i++)
			big_entry(&w, n++, UINT64_C(0xFFFFC00002000000) + i * 0x10000, "Leak",
				  0x3000, s.explorer);
		for (unsigned i = 0; i < nsvc; i++)
			big_entry(&w, n++, UINT64_C(0xFFFFC00003000000) + i * 0x10000, "Leak",
				  0x2000, s.svchost);
		big_entry(&w, n++, UINT64_C(0xFFFFC00004000000) | 1, "Free", 0x1000, 0); /* freed */
		CHECK_OK(vmb_open(&w.b));
		struct pm_bigpool big;
		memset(&big, 0, sizeof(big));
		big.table = BIGTAB;
		big.entries = 64;
		big.layout = &B;
		big.nallocs = n;
		uint64_t sorted[3] = { s.sys, s.explorer, s.svchost };
		for (int a = 0; a < 3; a++)
			for (int b2 = a + 1; b2 < 3; b2++)
				if (sorted[b2] < sorted[a]) {
					uint64_t t = sorted[a];
					sorted[a] = sorted[b2];
					sorted[b2] = t;
				}
		struct pm_billed r;
		struct pm_error *err = pm_billed_read(&w.b.vm, &w.L, &big, sorted, 3, false, 0, KB,
						      &w.pe, &r);
		if (variant == 2) {
			/* cookie ^ explorer explains everything as well as the cookie: refused */
			CHECK_ERR(err, PM_ERR_NOT_PRESENT);
			vmb_free(&w.b);
			continue;
		}
		CHECK_OK(err);
		CHECK_EQ_U64(r.cookie, w.qcookie);
		CHECK_EQ_U64(r.charged, 40 + nsvc);
		CHECK_EQ_U64(r.unexplained, 0);
		CHECK_EQ_U64(r.n, variant ? 1 : 2);
		if (r.n >= 1) {
			CHECK_EQ_U64(r.groups[0].process, s.explorer);
			CHECK_EQ_U64(r.groups[0].count, 40);
			CHECK_EQ_U64(r.groups[0].bytes, 40 * 0x3000);
		}
		if (r.n == 2)
			CHECK_EQ_U64(r.groups[1].process, s.svchost);
		pm_billed_deinit(&r);
		/* with the symbols' cookie; and a wrong one attributes nothing */
		CHECK_OK(pm_billed_read(&w.b.vm, &w.L, &big, sorted, 3, true, w.qcookie, KB, NULL,
					&r));
		CHECK_EQ_U64(r.charged, 40 + nsvc);
		pm_billed_deinit(&r);
		CHECK_OK(pm_billed_read(&w.b.vm, &w.L, &big, sorted, 3, true, w.qcookie ^ 0x10, KB,
					NULL, &r));
		CHECK_EQ_U64(r.charged, 0);
		CHECK_EQ_U64(r.unexplained, r.live);
		pm_billed_deinit(&r);
		vmb_free(&w.b);
	}
	/* before 20348 there is no ProcessBilled */
	struct pm_obj_layout L;
	CHECK_OK(pm_obj_layout_builtin(19041, &L));
	struct pm_bigpool big;
	memset(&big, 0, sizeof(big));
	struct pm_billed r;
	CHECK_ERR(pm_billed_read(NULL, &L, &big, NULL, 0, false, 0, 0, NULL, &r), PM_ERR_PROFILE);
}

/* ---- fuzz_holders seeds: the control block of tests/fuzz/fuzz_holders.c, then the world's
 * journal of writes ---------------------------------------------------------------------- */

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void seed(const char *dir, const char *name, struct world *w, uint32_t build,
		 uint32_t big_entries)
{
	uint8_t c[64] = { 0 };
	put(c, HEAD, 8);
	put(c + 8, TYPES, 8);
	put(c + 16, KB, 8);
	put(c + 24, big_entries ? BIGTAB : 0, 8);
	put(c + 32, big_entries, 4);
	put(c + 36, build, 4);
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(c, 1, 64, f) != 64 || fwrite(w->b.journal, 1, w->b.jlen, f) != w->b.jlen) {
		fprintf(stderr, "%s: cannot write\n", path);
		test_failures++;
	}
	if (f)
		fclose(f);
	vmb_free(&w->b);
}

static void write_seeds(const char *dir)
{
	struct world w;
	std_world_n(&w, 19041, 0x5C, 20, 10);
	seed(dir, "w10-19041.bin", &w, 19045, 0);
	std_world_n(&w, 7601, 0, 20, 10);
	seed(dir, "w7-7601.bin", &w, 7601, 0);
	struct std s = std_world_n(&w, 20348, 0x21, 6, 4);
	w.qcookie = UINT64_C(0x5A17C0DE12345678);
	vmb_w(&w.b, QCOOKIE_VAR, w.qcookie, 8);
	big_entry(&w, 0, BIGTAB, "Pool", 0x2000, 0);
	for (unsigned i = 1; i < 4; i++)
		big_entry(&w, i, UINT64_C(0xFFFFC00001000000) + i * 0x10000, "Big ", 0x10000, 0);
	for (unsigned i = 4; i < 12; i++)
		big_entry(&w, i, UINT64_C(0xFFFFC00002000000) + i * 0x10000, "Leak", 0x3000,
			  i < 10 ? s.explorer : s.svchost);
	seed(dir, "srv2022-20348-billed.bin", &w, 20348, 16);
	/* a loop in the list and a table of pointers with a hole */
	s = std_world_n(&w, 14393, 0x42, 300, 4);
	uint64_t lo = fo(&w, PM_OF_EP_LINKS);
	vmb_w(&w.b, s.svchost + lo, s.explorer + lo, 8);
	uint64_t ht = vmb_get(&w.b, vmb_pa(&w.b, s.explorer + fo(&w, PM_OF_EP_OBJTABLE), 1));
	uint64_t mid = vmb_get(&w.b, vmb_pa(&w.b, ht + fo(&w, PM_OF_HT_CODE), 1)) & ~UINT64_C(3);
	vmb_w(&w.b, mid + 8, 0, 8);
	seed(dir, "w10-14393-damaged.bin", &w, 14393, 0);
}

int main(int argc, char **argv)
{
	if (argc == 2) {
		write_seeds(argv[1]);
		return TEST_RESULT();
	}
	test_builds();
	test_wrong_cookie();
	test_wrong_layout();
	test_bad_lists();
	test_bad_tables();
	test_budget();
	test_billed();
	return TEST_RESULT();
}
