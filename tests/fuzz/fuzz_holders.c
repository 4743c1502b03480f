// SPDX-License-Identifier: MIT
// Fuzz target: the holder walks — the process list (process.c), the type table and its cookie
// (objtype.c), every process's handle table (handles.c) and the billed big-page entries
// (billed.c) — over a fuzzed kernel address space, with the built-in layout of a build or the
// layout of the committed x64 fixture kernel's PDB.
//
// Input: a 64-byte control block
//   +0 u64 &PsActiveProcessHead   +8 u64 &ObTypeIndexTable   +16 u64 kernel base (its
//   writable section is RVA 0x1000..0x3000; 0: none)   +24 u64 big-page table   +32 u32 its
//   entries (at most 4096)   +36 u32 build   +40 u8 flags (bit 0: layout from the fixture PDB,
//   bit 1: ObHeaderCookie given, bit 2: ExpPoolQuotaCookie given)   +41 u8 ObHeaderCookie
//   +48 u64 ExpPoolQuotaCookie
// then records {u64 VA, u32 length, u8 kind} each followed by length bytes (kind 0) or
// standing for length zero bytes (kind 1), written into an x64 address space made for them
// (tests/unit/vmbuild.h), at most 1 MiB in all. Seeds: `test_holders fixtures/corpus/fuzz_holders`.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../unit/vmbuild.h"
#include "billed.h"
#include "handles.h"
#include "objtype.h"
#include "process.h"
#include "symfile.h"

#ifndef PM_FUZZ_KERNEL_DIR
#error "PM_FUZZ_KERNEL_DIR (fixtures/kernel) must be defined by the build"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (int i = (int)n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool verbose(void)
{
	return getenv("PM_FUZZ_VERBOSE") != NULL;
}

static void note(const char *what, struct pm_error *err)
{
	if (err && verbose())
		fprintf(stderr, "%s: %s\n", what, pm_err_msg(err));
	pm_error_destroy(err);
}

static struct pm_error *symbols_layout(struct pm_obj_layout *L)
{
	static struct pm_symtab *t;
	if (!t) {
		struct pm_error *err = pm_symfile_open(PM_FUZZ_KERNEL_DIR "/x64/ntkrnlmp.pdb", &t);
		if (err) {
			fprintf(stderr, "fuzz_holders: %s\n", pm_err_msg(err));
			abort();
		}
	}
	struct pm_diags d;
	pm_diags_init(&d);
	struct pm_error *err = pm_obj_layout_from_symbols(t, L, &d);
	pm_diags_deinit(&d);
	return err;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void handles(const struct pm_vmem *vm, const struct pm_obj_layout *L,
		    const struct pm_obj_types *ts, const struct pm_processes *ps)
{
	struct pm_obj_cache *c;
	if (pm_obj_cache_new(vm, 16, &c))
		return;
	uint64_t budget = 1 << 18;
	for (size_t i = 0; i < ps->n; i++) {
		struct pm_htable_stats st;
		struct pm_error *err = pm_htable_walk(c, L, ts, ps->items[i].object_table,
						      ps->items[i].pid, &budget, NULL, NULL, &st);
		if (!err && verbose())
			fprintf(stderr, "%s: %llu handles, %llu bad, %s\n", ps->items[i].name,
				(unsigned long long)st.handles,
				(unsigned long long)(st.bad_pointer + st.bad_header), st.problem);
		note("handles", err);
	}
	pm_obj_cache_destroy(c);
}

static void billed(const struct pm_vmem *vm, const struct pm_obj_layout *L,
		   const struct pm_processes *ps, const uint8_t *ctl, const struct pm_pe_info *pe)
{
	static const struct pm_big_layout B = { "fuzz 0x20", 0x20, 8, PM_BIG_BYTES, { 0x10, 8 },
						PM_BIG_TYPE_BITS8_19, 0xC };
	struct pm_bigpool big = { 0 };
	big.table = le(ctl + 24, 8);
	big.entries = le(ctl + 32, 4);
	big.layout = &B;
	big.nallocs = big.entries;
	if (!big.table || big.entries > 4096)
		return;
	uint64_t *eps = malloc((ps->n ? ps->n : 1) * sizeof(*eps));
	if (!eps)
		return;
	for (size_t i = 0; i < ps->n; i++)
		eps[i] = ps->items[i].eprocess;
	qsort(eps, ps->n, sizeof(*eps), cmp_u64);
	struct pm_billed r;
	struct pm_error *err = pm_billed_read(vm, L, &big, eps, ps->n, ctl[40] & 4, le(ctl + 48, 8),
					      le(ctl + 16, 8), pe, &r);
	if (!err) {
		if (verbose())
			fprintf(stderr, "billed: %llu charged, %llu unexplained, %s\n",
				(unsigned long long)r.charged, (unsigned long long)r.unexplained,
				r.cookie_how);
		pm_billed_deinit(&r);
	}
	note("billed", err);
	free(eps);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 64)
		return 0;
	struct pm_obj_layout L;
	uint32_t build = (uint32_t)le(data + 36, 4);
	struct pm_error *err = data[40] & 1 ? symbols_layout(&L) : pm_obj_layout_builtin(build, &L);
	if (err) {
		note("layout", err);
		return 0;
	}
	struct vmb b;
	vmb_init(&b);
	vmb_replay(&b, data + 64, size - 64, 1u << 20);
	if ((err = vmb_open(&b))) {
		note("vmem", err);
		vmb_free(&b);
		return 0;
	}
	struct pm_pe_info pe = { 0 };
	uint64_t kb = le(data + 16, 8);
	pe.nsections = kb ? 1 : 0;
	pe.sections[0] = (struct pm_pe_section){ ".data", 0x1000, 0x2000, PM_SCN_MEM_WRITE };
	struct pm_processes ps;
	if ((err = pm_processes_read(&b.vm, &L, le(data, 8), &ps))) {
		note("processes", err);
		ps.n = 0;
		ps.items = NULL;
	}
	struct pm_obj_types *ts = malloc(sizeof(*ts));
	if (ts) {
		err = pm_obj_types_read(&b.vm, &L, le(data + 8, 8), ts);
		if (err && kb) {
			note("types", err);
			err = pm_obj_types_find(&b.vm, &L, kb, &pe, ts);
		}
		if (!err)
			err = pm_obj_types_cookie(&b.vm, &L, ts, data[40] & 2, data[41], "fuzz");
		if (!err)
			handles(&b.vm, &L, ts, &ps);
		note("types", err);
		free(ts);
	}
	billed(&b.vm, &L, &ps, data, kb ? &pe : NULL);
	pm_processes_deinit(&ps);
	vmb_free(&b);
	return 0;
}
