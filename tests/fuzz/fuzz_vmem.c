// SPDX-License-Identifier: MIT
// Fuzz target: page walks, KDBG, module list and PE parsing over a physical image carved from
// the input. Layout of an input: a 32-byte control block {u8 arch, 7 pad, u64 DTB, u64 KDBG
// VA, u64 module-list head VA}, then the physical image, mapped as PFN 0.. in 4 KiB pages
// (so page tables, KDBG and list entries all come from fuzzed bytes).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kdbg.h"
#include "modules.h"
#include "pe.h"
#include "physmem.h"
#include "pool.h"
#include "vtop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static struct pm_error *vm_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	return pm_vmem_read(ctx, va, buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 32 + 4096)
		return 0;
	static const enum pm_arch arches[] = { PM_ARCH_X64, PM_ARCH_X86_PAE, PM_ARCH_X86 };
	enum pm_arch arch = arches[data[0] % 3];
	uint64_t dtb = le64(data + 8), kdbg_va = le64(data + 16), head = le64(data + 24);
	struct pm_source *src;
	if (pm_source_open_mem(data + 32, size - 32, "fuzz", &src))
		return 0;
	struct pm_phys_run *run = calloc(1, sizeof(*run));
	struct pm_pagemap pm;
	if (!run) {
		pm_source_destroy(src);
		return 0;
	}
	run->pfn = 0;
	run->count = (size - 32) / 4096;
	run->file_off = 0;
	struct pm_error *err = pm_pagemap_init_runs(&pm, src, run, 1);
	if (err) {
		pm_error_destroy(err);
		pm_source_destroy(src);
		return 0;
	}
	struct pm_vmem vm;
	if (!(err = pm_vmem_init(&vm, &pm, arch, dtb))) {
		struct pm_kdbg k;
		if (!(err = pm_kdbg_read(&vm, kdbg_va, &k))) {
			uint64_t v;
			for (int f = 0; f < _PM_KDBG_FIELD_MAX; f++)
				pm_error_destroy(pm_kdbg_get(&k, (enum pm_kdbg_field)f, &v));
			/* the pool readers, with the kernel image at KernBase for its sections */
			uint64_t kb, ptt;
			struct pm_pe_info kpe;
			struct pm_error *cv = NULL;
			struct pm_diags pd;
			pm_diags_init(&pd);
			struct pm_error *e1 = pm_kdbg_get(&k, PM_KDBG_KernBase, &kb);
			if (!e1)
				e1 = pm_kdbg_get(&k, PM_KDBG_PoolTrackTable, &ptt);
			if (!e1)
				e1 = pm_pe_parse(vm_read, &vm, kb, &kpe, &cv);
			pm_error_destroy(e1);
			if (!e1) {
				struct pm_pool_ctx ctx = { &vm, 7601, 2, ptt, kb, &kpe, &pd, NULL };
				struct pm_pooltrack t;
				struct pm_bigpool b;
				struct pm_error *e2 = pm_pooltrack_read(&ctx, &t);
				if (!e2)
					pm_pooltrack_deinit(&t);
				pm_error_destroy(e2);
				e2 = pm_bigpool_read(&ctx, &b);
				if (!e2)
					pm_bigpool_deinit(&b);
				pm_error_destroy(e2);
			}
			pm_error_destroy(cv);
			pm_diags_deinit(&pd);
			pm_kdbg_deinit(&k);
		}
		pm_error_destroy(err);
		struct pm_diags d;
		pm_diags_init(&d);
		struct pm_module_list l;
		if (!(err = pm_modules_walk(&vm, head, &l, &d))) {
			for (size_t i = 0; i < l.n && i < 4; i++) {
				struct pm_pe_info pe;
				struct pm_error *cv = NULL;
				pm_error_destroy(pm_pe_parse(vm_read, &vm, l.items[i].base, &pe, &cv));
				pm_error_destroy(cv);
			}
			pm_module_list_deinit(&l);
		}
		pm_diags_deinit(&d);
	}
	pm_error_destroy(err);
	pm_vmem_deinit(&vm);
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
	return 0;
}
