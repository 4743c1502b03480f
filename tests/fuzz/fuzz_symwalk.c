// SPDX-License-Identifier: MIT
// Fuzz target: the walks that follow the kernel's symbols through dump memory — the 19H1+
// segment heap (segheap.c) and the allocation an address is in (segheap_at.c, with the keys
// and without), the session list (kobj_session.c) and the failure counters —
// over a fuzzed physical image, with the layouts and variable addresses of the committed
// fixture kernels' PDBs (fixtures/kernel/{x64,x86}/, each read once). Layout of an input: a
// 32-byte control block {u64 DTB, u64 kernel base, u32 build, u8 kernel (bit 0: 0 = x64
// kernel and x64 paging, 1 = x86 kernel and PAE paging), 11 pad}, then the physical image,
// mapped as PFN 0.. in 4 KiB pages (page tables, globals, heaps, segments, subsegments and
// sessions all come from fuzzed bytes). Seeds: tests/fuzz/seed_symwalk.py.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "physmem.h"
#include "segheap.h"
#include "session.h"
#include "symfile.h"
#include "vtop.h"

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

static struct pm_symtab *symbols(unsigned which)
{
	static struct pm_symtab *t[2];
	static const char *const path[2] = { PM_FUZZ_KERNEL_DIR "/x64/ntkrnlmp.pdb",
					     PM_FUZZ_KERNEL_DIR "/x86/ntkrpamp.pdb" };
	if (!t[which]) {
		struct pm_error *err = pm_symfile_open(path[which], &t[which]);
		if (err) {
			/* a setup error, not a finding: say it and stop */
			fprintf(stderr, "fuzz_symwalk: %s: %s\n", path[which], pm_err_msg(err));
			pm_error_destroy(err);
			abort();
		}
	}
	return t[which];
}

static bool verbose(void)
{
	return getenv("PM_FUZZ_VERBOSE") != NULL; /* for looking at a seed by hand */
}

/* pool ADDR on 19H1+ (segheap_at.c), with the keys and without, at places of the seeds' heap
 * segment (kb + 1 MiB): LFH header and blocks (page 3), VS header and chunks (page 4), the
 * segment's header. */
static void segheap_at(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
		       uint32_t build)
{
	static const uint64_t at[] = { 0x103048, 0x103010, 0x1030A0, 0x104150, 0x104010,
				       0x104F00, 0x100080 };
	static struct pm_sh_at r;
	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		for (int keyed = 1; keyed >= 0; keyed--) {
			struct pm_error *err = pm_segheap_at(keyed ? t : NULL, vm, kb, build,
							     kb + at[i], &r);
			if (verbose() && !err && r.hit < r.nblocks)
				fprintf(stderr, "at +%#llx keyed=%d: kind %d, +%#llx %u bytes %s %.4s\n",
					(unsigned long long)at[i], keyed, (int)r.kind,
					(unsigned long long)(r.blocks[r.hit].va - kb),
					r.blocks[r.hit].pool_bytes ? r.blocks[r.hit].pool_bytes
								   : r.blocks[r.hit].bytes,
					r.blocks[r.hit].state_unknown ? "unknown"
					: r.blocks[r.hit].allocated   ? "busy"
								      : "free",
					r.blocks[r.hit].header_ok ? (const char *)&r.blocks[r.hit].tag
								  : "----");
			else if (verbose())
				fprintf(stderr, "at +%#llx keyed=%d: kind %d, %s%s\n",
					(unsigned long long)at[i], keyed, (int)r.kind,
					err ? pm_err_msg(err) : r.why, r.limits[0] ? " [limits]" : "");
			pm_error_destroy(err);
		}
}

static void walk(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb, uint32_t build)
{
	struct pm_diags d;
	pm_diags_init(&d);
	struct pm_scan s;
	struct pm_error *err = pm_segheap_scan(t, vm, kb, build, &s, &d);
	if (!err) {
		if (verbose()) {
			fprintf(stderr, "segheap: %llu subsegments, %llu chunks (%llu free)\n",
				(unsigned long long)s.subsegments, (unsigned long long)s.chunks,
				(unsigned long long)s.free_chunks);
			for (size_t i = 0; i < s.ntags; i++)
				fprintf(stderr, "  %.4s np %llu/%llu p %llu/%llu\n",
					(const char *)&s.tags[i].tag,
					(unsigned long long)s.tags[i].np_count,
					(unsigned long long)s.tags[i].np_bytes,
					(unsigned long long)s.tags[i].p_count,
					(unsigned long long)s.tags[i].p_bytes);
		}
		pm_scan_deinit(&s);
	} else if (verbose()) {
		fprintf(stderr, "segheap: %s\n", pm_err_msg(err));
	}
	pm_error_destroy(err);
	segheap_at(t, vm, kb, build);
	struct pm_sessions ss;
	err = pm_sessions_read(t, vm, kb, 0x1AD000, &ss, &d);
	if (!err) {
		if (verbose())
			for (size_t i = 0; i < ss.n; i++)
				fprintf(stderr, "session %u%s: desc %llu pages, failures %llu\n",
					ss.items[i].id, ss.items[i].current ? " (current)" : "",
					(unsigned long long)ss.items[i].desc_pages,
					(unsigned long long)ss.items[i].failures);
		pm_sessions_deinit(&ss);
	} else if (verbose()) {
		fprintf(stderr, "sessions: %s\n", pm_err_msg(err));
	}
	pm_error_destroy(err);
	static const char *const vars[] = { "ExPoolFailures", "MmPteFailures",
					    "MiChargeCommitmentFailures", "MmTotalFreeSystemPtes" };
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		uint64_t v;
		err = pm_sym_read_u32(t, vm, kb, vars[i], 0, &v);
		if (!err && verbose())
			fprintf(stderr, "%s = %llu\n", vars[i], (unsigned long long)v);
		pm_error_destroy(err);
	}
	if (verbose())
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  diag: %s\n", d.items[i].msg);
	pm_diags_deinit(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 32 + 4096)
		return 0;
	unsigned which = data[20] & 1;
	struct pm_symtab *t = symbols(which);
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
	struct pm_pagemap pm;
	struct pm_error *err = pm_pagemap_init_runs(&pm, src, run, 1);
	if (err) {
		pm_error_destroy(err);
		pm_source_destroy(src);
		return 0;
	}
	struct pm_vmem vm;
	if (!(err = pm_vmem_init(&vm, &pm, which ? PM_ARCH_X86_PAE : PM_ARCH_X64, dtb)))
		walk(t, &vm, kb, build);
	else if (verbose())
		fprintf(stderr, "vmem: %s\n", pm_err_msg(err));
	pm_error_destroy(err);
	pm_vmem_deinit(&vm);
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
	return 0;
}
