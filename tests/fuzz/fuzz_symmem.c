// SPDX-License-Identifier: MIT
// Fuzz target: untrusted symbols AND untrusted memory together. Every reader that takes a
// layout or an address from the kernel's symbols (the pool profile: tracker, big-page table,
// session table and pool descriptors; the segment heap; the session list; the failure
// counters and the !vm fields of MiState) runs with a fuzzed symbol file over a fuzzed dump.
//
// Layout of an input: u32 LE S, then S bytes of a symbol file (a PDB, or a Volatility ISF,
// JSON or .json.xz), then the record of tests/fuzz/fuzz_symwalk.c: a 32-byte control block
// {u64 DTB, u64 kernel base, u32 build, u8 flags (bit 0: 0 = x64 paging, 1 = PAE; bits 1-3:
// processors - 1), 11 pad} and the physical image, mapped as PFN 0.. in 4 KiB pages. Seeds:
// tests/fuzz/seed_symmem.py (the fixture kernels' ISFs joined to fuzz_symwalk's seeds).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isf.h"
#include "kdbg.h"
#include "mmvars.h"
#include "pdb.h"
#include "physmem.h"
#include "pool.h"
#include "profile.h"
#include "segheap.h"
#include "session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Inputs larger than this are not interesting (the seeds are about 100 KiB). */
static const size_t MAX_INPUT = 1u << 20;

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (int i = (int)n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static struct pm_symtab *open_symbols(const uint8_t *p, size_t n)
{
	struct pm_source *src;
	if (pm_source_open_mem(p, n, "fuzz-symbols", &src))
		return NULL;
	struct pm_symtab *t = NULL;
	struct pm_error *err = pm_is_pdb(p, n) ? pm_pdb_open(src, "fuzz-symbols", &t)
					       : pm_isf_open(src, "fuzz-symbols", &t);
	if (err) {
		pm_error_destroy(err);
		return NULL;
	}
	return t;
}

/* The pool profile's readers, with the symbols' variables and layouts. */
static void pool_walk(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
		      uint32_t build, unsigned nprocs, struct pm_diags *d)
{
	struct pm_pool_syms syms;
	pm_pool_syms_build(t, kb, &syms, d);
	struct pm_pool_ctx ctx = { vm, build, nprocs, syms.has_ptt ? syms.ptt_var : 0, kb, NULL, d,
				   &syms };
	struct pm_pooltrack tr;
	struct pm_error *err = syms.has_ptt ? pm_pooltrack_read(&ctx, &tr) : &pm_noprobe;
	if (!err) {
		struct pm_session_pool sp;
		struct pm_error *e2 = pm_session_pool_read(&ctx, tr.layout, &sp);
		if (!e2)
			pm_session_pool_deinit(&sp);
		pm_error_destroy(e2);
		pm_pooltrack_deinit(&tr);
	}
	pm_error_destroy(err);
	struct pm_bigpool bp;
	err = syms.has_big ? pm_bigpool_read(&ctx, &bp) : &pm_noprobe;
	if (!err)
		pm_bigpool_deinit(&bp);
	pm_error_destroy(err);
	if (!syms.has_desc_layout)
		return;
	/* a KDBG whose descriptor fields point into the kernel's first pages */
	uint8_t kdbg[0x340];
	memset(kdbg, 0, sizeof(kdbg));
	memcpy(kdbg + 0x10, "KDBG", 4);
	kdbg[0x14] = 0x40; /* Header.Size 0x340 */
	kdbg[0x15] = 0x03;
	for (int i = 0; i < 8; i++) {
		kdbg[0x68 + i] = (uint8_t)((kb + 0x1000) >> (8 * i)); /* ExpPagedPoolDescriptor */
		kdbg[0x70 + i] = (uint8_t)((kb + 0x2000) >> (8 * i)); /* ExpNumberOfPagedPools */
		kdbg[0x1C0 + i] = (uint8_t)((kb + 0x3000) >> (8 * i)); /* NonPagedPoolDescriptor */
	}
	struct pm_kdbg k;
	if (pm_kdbg_decode(kdbg, sizeof(kdbg), kb, pm_vmem_ptr_size(vm), &k))
		return;
	struct pm_pool_desc nd;
	pm_error_destroy(pm_np_desc_read(vm, &k, build, &syms.desc, &nd));
	struct pm_pool_descs ds;
	if (!(err = pm_pool_descs_read(vm, &k, build, &syms.desc, &ds)))
		pm_pool_descs_deinit(&ds);
	pm_error_destroy(err);
	pm_kdbg_deinit(&k);
}

static void walk(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb, uint32_t build,
		 unsigned nprocs)
{
	struct pm_diags d;
	pm_diags_init(&d);
	pool_walk(t, vm, kb, build, nprocs, &d);
	struct pm_scan s;
	struct pm_error *err = pm_segheap_scan(t, vm, kb, build, &s, &d);
	if (!err)
		pm_scan_deinit(&s);
	pm_error_destroy(err);
	struct pm_sessions ss;
	if (!(err = pm_sessions_read(t, vm, kb, 0x1AD000, &ss, &d)))
		pm_sessions_deinit(&ss);
	pm_error_destroy(err);
	static const char *const vars[] = { "ExPoolFailures", "MmPteFailures",
					    "MiChargeCommitmentFailures", "MmTotalFreeSystemPtes" };
	static const char *const mistate[][3] = {
		{ "MiState", "_MI_SYSTEM_INFORMATION", "Vs.SystemPteInfo.TotalFreeSystemPtes" },
		{ "MiState", "_MI_SYSTEM_INFORMATION", "Pools.AllocatedNonPagedPool" },
		{ "MiSystemPartition", "_MI_PARTITION", "Vp.AvailablePages" },
		{ "MiSystemPartition", "_MI_PARTITION", "Commit.PeakCommitment" },
	};
	uint64_t v;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		pm_error_destroy(pm_sym_read_u32(t, vm, kb, vars[i], 1, &v));
	for (size_t i = 0; i < sizeof(mistate) / sizeof(mistate[0]); i++)
		pm_error_destroy(pm_sym_read_field(t, vm, kb, mistate[i][0], mistate[i][1],
						   mistate[i][2], &v));
	pm_diags_deinit(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4 || size > MAX_INPUT)
		return 0;
	size_t symlen = (size_t)le(data, 4);
	if (symlen > size - 4 || size - 4 - symlen < 32 + 4096)
		return 0;
	const uint8_t *mem = data + 4 + symlen;
	size_t memlen = size - 4 - symlen;
	struct pm_symtab *t = open_symbols(data + 4, symlen);
	if (!t)
		return 0;
	uint64_t dtb = le(mem, 8), kb = le(mem + 8, 8);
	uint32_t build = (uint32_t)le(mem + 16, 4);
	unsigned flags = mem[20], nprocs = 1 + ((flags >> 1) & 7);
	struct pm_source *src;
	struct pm_phys_run *run = calloc(1, sizeof(*run));
	if (!run || pm_source_open_mem(mem + 32, memlen - 32, "fuzz", &src)) {
		free(run);
		pm_symtab_destroy(t);
		return 0;
	}
	run->count = (memlen - 32) / 4096;
	struct pm_pagemap pm;
	struct pm_error *err = pm_pagemap_init_runs(&pm, src, run, 1);
	if (!err) {
		struct pm_vmem vm;
		if (!(err = pm_vmem_init(&vm, &pm, flags & 1 ? PM_ARCH_X86_PAE : PM_ARCH_X64, dtb)))
			walk(t, &vm, kb, build, nprocs);
		pm_vmem_deinit(&vm); /* the page-table cache */
		pm_pagemap_deinit(&pm);
	}
	pm_error_destroy(err);
	pm_source_destroy(src);
	pm_symtab_destroy(t);
	return 0;
}
