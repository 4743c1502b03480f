// SPDX-License-Identifier: MIT
// Fuzz target: the 19H1+ segment-heap walk (parsers/segheap.c) over a fuzzed physical image,
// with the layouts and variable addresses of the committed x64 fixture kernel's PDB
// (fixtures/kernel/x64/ntkrnlmp.pdb, read once). Layout of an input: a 32-byte control block
// {u64 DTB, u64 kernel base, u32 build, 12 pad}, then the physical image, mapped as PFN 0.. in
// 4 KiB pages (x64 tables, ExPoolState, RtlpHpHeapGlobals, heaps, segments and subsegments
// all come from fuzzed bytes). Seeds: tests/fuzz/seed_segheap.py.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "physmem.h"
#include "segheap.h"
#include "symfile.h"
#include "vtop.h"

#ifndef PM_FUZZ_KERNEL_PDB
#error "PM_FUZZ_KERNEL_PDB (the fixture kernel's PDB) must be defined by the build"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (int i = (int)n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static struct pm_symtab *symbols(void)
{
	static struct pm_symtab *t;
	static int tried;
	if (!tried) {
		tried = 1;
		struct pm_error *err = pm_symfile_open(PM_FUZZ_KERNEL_PDB, &t);
		if (err) {
			/* a setup error, not a finding: say it and stop */
			fprintf(stderr, "fuzz_segheap: %s: %s\n", PM_FUZZ_KERNEL_PDB, pm_err_msg(err));
			pm_error_destroy(err);
			abort();
		}
	}
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_symtab *t = symbols();
	if (size < 32 + 4096)
		return 0;
	uint64_t dtb = le(data, 8), kb = le(data + 8, 8);
	uint32_t build = (uint32_t)le(data + 16, 4);
	struct pm_source *src;
	if (pm_source_open_mem(data + 32, size - 32, "fuzz", &src))
		return 0;
	struct pm_phys_run *run = calloc(1, sizeof(*run));
	if (!run) {
		pm_source_destroy(src);
		return 0;
	}
	run->count = (size - 32) / 4096;
	struct pm_physmem pm;
	struct pm_error *err = pm_physmem_init_runs(&pm, src, run, 1);
	if (err) {
		pm_error_destroy(err);
		pm_source_destroy(src);
		return 0;
	}
	struct pm_vmem vm;
	if (!(err = pm_vmem_init(&vm, &pm, PM_ARCH_X64, dtb))) {
		struct pm_diags d;
		pm_diags_init(&d);
		struct pm_scan s;
		err = pm_segheap_scan(t, &vm, kb, build, &s, &d);
		if (!err && getenv("PM_FUZZ_VERBOSE")) { /* for looking at a seed by hand */
			fprintf(stderr, "%llu subsegments, %llu chunks (%llu free)\n",
				(unsigned long long)s.subsegments, (unsigned long long)s.chunks,
				(unsigned long long)s.free_chunks);
			for (size_t i = 0; i < s.ntags; i++)
				fprintf(stderr, "  %.4s np %llu/%llu p %llu/%llu\n",
					(const char *)&s.tags[i].tag,
					(unsigned long long)s.tags[i].np_count,
					(unsigned long long)s.tags[i].np_bytes,
					(unsigned long long)s.tags[i].p_count,
					(unsigned long long)s.tags[i].p_bytes);
			for (size_t i = 0; i < d.n; i++)
				fprintf(stderr, "  diag: %s\n", d.items[i].msg);
		}
		if (!err)
			pm_scan_deinit(&s);
		pm_diags_deinit(&d);
	}
	if (err && getenv("PM_FUZZ_VERBOSE"))
		fprintf(stderr, "error: %s\n", pm_err_msg(err));
	pm_error_destroy(err);
	pm_physmem_deinit(&pm);
	pm_source_destroy(src);
	return 0;
}
