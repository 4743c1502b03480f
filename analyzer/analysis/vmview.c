// SPDX-License-Identifier: MIT
// `vm`: !vm's lines from the KDBG's Mm* variables, the paged-pool descriptors and, where the
// counters are not usable, estimates from the tag tracker (pool-internals.md §4.5).
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmview.h"

static const char *const keys[] = {
#define X(id, label) #id,
	PM_VM_LINES(X)
#undef X
};
static const char *const labels[] = {
#define X(id, label) label,
	PM_VM_LINES(X)
#undef X
};

const char *pm_vm_line_key(enum pm_vm_line_id id)
{
	return keys[id];
}

const char *pm_vm_line_label(enum pm_vm_line_id id)
{
	return labels[id];
}

/* KDBG variable -> line; bytes = value is in bytes (converted to pages). */
static const struct {
	enum pm_vm_line_id id;
	enum pm_kdbg_field f;
	bool bytes;
} kdbg_lines[] = {
	{ PM_VM_available_pages, PM_KDBG_MmAvailablePages, false },
	{ PM_VM_resavail_pages, PM_KDBG_MmResidentAvailablePages, false },
	{ PM_VM_nonpaged_usage, PM_KDBG_MmAllocatedNonPagedPool, false },
	{ PM_VM_nonpaged_max, PM_KDBG_MmMaximumNonPagedPoolInBytes, true },
	{ PM_VM_paged_max, PM_KDBG_MmSizeOfPagedPoolInBytes, true },
	{ PM_VM_shared_commit, PM_KDBG_MmSharedCommit, false },
	{ PM_VM_driver_commit, PM_KDBG_MmDriverCommit, false },
	{ PM_VM_process_commit, PM_KDBG_MmProcessCommit, false },
	{ PM_VM_pagedpool_commit, PM_KDBG_MmPagedPoolCommit, false },
	{ PM_VM_committed_pages, PM_KDBG_MmTotalCommittedPages, false },
	{ PM_VM_commit_limit, PM_KDBG_MmTotalCommitLimit, false },
	{ PM_VM_commit_peak, PM_KDBG_MmPeakCommitment, false },
};

/* Windows 10/11: the live counters in MiState / MiSystemPartition, where the symbols say
 * (pool-internals.md §4.4, §4.5 "19H1+ (PDB)" column). The source names the field. */
static const struct {
	enum pm_vm_line_id id;
	const char *var, *type, *path, *source;
} sym_lines[] = {
	{ PM_VM_physical_memory, "MiSystemPartition", "_MI_PARTITION", "Vp.NumberOfPhysicalPages",
	  "MiSystemPartition.Vp.NumberOfPhysicalPages" },
	{ PM_VM_available_pages, "MiSystemPartition", "_MI_PARTITION", "Vp.AvailablePages",
	  "MiSystemPartition.Vp.AvailablePages" },
	{ PM_VM_resavail_pages, "MiSystemPartition", "_MI_PARTITION", "Vp.ResidentAvailablePages",
	  "MiSystemPartition.Vp.ResidentAvailablePages" },
	{ PM_VM_free_system_ptes, "MiState", "_MI_SYSTEM_INFORMATION",
	  "Vs.SystemPteInfo.TotalFreeSystemPtes", "MiState.Vs.SystemPteInfo.TotalFreeSystemPtes" },
	{ PM_VM_nonpaged_usage, "MiState", "_MI_SYSTEM_INFORMATION", "Pools.AllocatedNonPagedPool",
	  "MiState.Pools.AllocatedNonPagedPool" },
	{ PM_VM_nonpaged_max, "MiState", "_MI_SYSTEM_INFORMATION", "Vs.MaximumNonPagedPoolInPages",
	  "MiState.Vs.MaximumNonPagedPoolInPages" },
	{ PM_VM_paged_usage, "MiState", "_MI_SYSTEM_INFORMATION",
	  "Vs.PagedPoolInfo.AllocatedPagedPool", "MiState.Vs.PagedPoolInfo.AllocatedPagedPool" },
	{ PM_VM_paged_max, "MiState", "_MI_SYSTEM_INFORMATION", "Vs.SizeOfPagedPoolInPages",
	  "MiState.Vs.SizeOfPagedPoolInPages" },
	{ PM_VM_shared_commit, "MiSystemPartition", "_MI_PARTITION", "Vp.SharedCommit",
	  "MiSystemPartition.Vp.SharedCommit" },
	/* 14393 keeps it in MiState.Vs, not in Vp (fixtures/facts/: every 14393 kernel) */
	{ PM_VM_shared_commit, "MiState", "_MI_SYSTEM_INFORMATION", "Vs.SharedCommit",
	  "MiState.Vs.SharedCommit" },
	{ PM_VM_driver_commit, "MiState", "_MI_SYSTEM_INFORMATION", "Vs.DriverCommit",
	  "MiState.Vs.DriverCommit" },
	{ PM_VM_process_commit, "MiState", "_MI_SYSTEM_INFORMATION", "Vs.ProcessCommit",
	  "MiState.Vs.ProcessCommit" },
	{ PM_VM_committed_pages, "MiSystemPartition", "_MI_PARTITION", "Vp.TotalCommittedPages",
	  "MiSystemPartition.Vp.TotalCommittedPages" },
	{ PM_VM_commit_limit, "MiSystemPartition", "_MI_PARTITION", "Vp.TotalCommitLimit",
	  "MiSystemPartition.Vp.TotalCommitLimit" },
	{ PM_VM_commit_peak, "MiSystemPartition", "_MI_PARTITION", "Commit.PeakCommitment",
	  "MiSystemPartition.Commit.PeakCommitment" },
};

static void banners(struct pm_vm_view *v);
static void session_check(const struct pm_info *in, struct pm_vm_view *v);

static void set_detail(struct pm_vm_line *l, const char *detail)
{
	free(l->detail);
	l->detail = detail && *detail ? strdup(detail) : NULL;
}

static void absent(struct pm_vm_line *l, enum pm_absent why, const char *detail)
{
	l->absent = why;
	l->from = PM_PROV_NONE;
	l->source = NULL;
	l->pages = 0;
	set_detail(l, detail);
}

static void present(struct pm_vm_line *l, uint64_t pages, enum pm_prov from, const char *source,
		    const char *detail)
{
	l->absent = PM_ABSENT_PRESENT;
	l->pages = pages;
	l->from = from;
	l->source = source;
	set_detail(l, detail);
}

/* Windows 10/11: the live counters in MiState / MiSystemPartition, through the symbols. */
static void symbol_lines(const struct pm_info *in, struct pm_vm_view *v)
{
	const struct pm_kernel *k = in->k;
	if (!in->sym.found || !k->has_vm || k->kernel_base.absent)
		return;
	char detail[64];
	snprintf(detail, sizeof(detail), "from the kernel's %s", in->sym.find.tab->id.format);
	for (size_t i = 0; i < sizeof(sym_lines) / sizeof(sym_lines[0]); i++) {
		uint64_t val;
		struct pm_error *err = pm_sym_read_field(in->sym.find.tab, &k->vm, k->kernel_base.v,
							 sym_lines[i].var, sym_lines[i].type,
							 sym_lines[i].path, &val);
		if (err) { /* not in these symbols (an older kernel): the KDBG's turn */
			/* symbols that contradict themselves are said, but never erase what the
			 * KDBG already gave (the RAM figure); the KDBG may still give the others */
			struct pm_vm_line *l = &v->line[sym_lines[i].id];
			if (pm_err_code(err) == PM_ERR_BAD_SYMBOLS && l->absent)
				absent(l, PM_ABSENT_BAD_SYMBOLS, pm_err_msg(err));
			else if (l->absent == PM_ABSENT_NEEDS_SYMBOLS) /* they were given */
				absent(l, PM_ABSENT_NOT_IN_SYMBOLS, pm_err_msg(err));
			else if (l->absent && pm_err_code(err) == PM_ERR_PROFILE &&
				 k->build.v >= PM_VM_FIRST_PARTITION_BUILD)
				/* every real kernel of this build has it: the symbols lack it */
				absent(l, PM_ABSENT_NOT_IN_SYMBOLS, pm_err_msg(err));
			pm_error_destroy(err);
			continue;
		}
		present(&v->line[sym_lines[i].id], val, PM_PROV_SYMBOL_LAYOUT, sym_lines[i].source,
			detail);
		v->from_symbols++;
	}
	/* Before Windows 10: MmTotalFreeSystemPtes[0], a global the symbols locate */
	struct pm_vm_line *fp = &v->line[PM_VM_free_system_ptes];
	if (fp->absent && !in->mm.free_ptes.absent) {
		present(fp, in->mm.free_ptes.v, PM_PROV_SYMBOLS, in->mm.free_ptes.source, detail);
		v->from_symbols++;
	}
}

/* The Mm* variables the KDBG points at, where the symbols gave nothing better. */
static void kdbg_lines_read(const struct pm_info *in, struct pm_vm_view *v)
{
	const struct pm_kernel *k = in->k;
	const bool stale = !k->build.absent && k->build.v >= PM_VM_FIRST_STALE_KDBG_BUILD;
	for (size_t i = 0; i < sizeof(kdbg_lines) / sizeof(kdbg_lines[0]); i++) {
		struct pm_vm_line *l = &v->line[kdbg_lines[i].id];
		if (!l->absent) /* the symbols gave it */
			continue;
		uint64_t val;
		struct pm_error *err = pm_mm_read(&k->vm, &k->kdbg, kdbg_lines[i].f,
						  kdbg_lines[i].bytes ? PM_MM_PTR : PM_MM_U32, &val);
		const char *fname = pm_kdbg_field_name(kdbg_lines[i].f);
		if ((err || val == 0 || stale) && (l->absent == PM_ABSENT_BAD_SYMBOLS ||
						   (stale && l->absent == PM_ABSENT_NOT_IN_SYMBOLS))) {
			/* the KDBG has nothing better: why the symbols failed is the reason (on
			 * Windows 10 and later the KDBG never has the counter) */
			pm_error_destroy(err);
		} else if (err) {
			absent(l, pm_err_code(err) == PM_ERR_PROFILE ? PM_ABSENT_NOT_APPLICABLE
								     : PM_ABSENT_UNREADABLE,
			       pm_err_msg(err));
			pm_error_destroy(err);
		} else if (val == 0) {
			/* §4.2 open point: from Windows 10 on the live counters are in
			 * MiState / MiSystemPartition; a 0 here is not a measurement. */
			char why[240];
			snprintf(why, sizeof(why), "KDBG.%s points at a variable holding 0; on "
				 "Windows 10 and later the live counter is in MiState/"
				 "MiSystemPartition, which needs symbols", fname);
			absent(l, PM_ABSENT_STALE, why);
		} else if (stale) {
			/* Not 0, yet no counter either: the kernels of Windows 10 and later have
			 * no such variable (fixtures/facts: MmMaximumNonPagedPoolInBytes and
			 * MmTotalCommittedPages, like MmNumberOfPhysicalPages, are in none of the
			 * 180 x64 kernels of 14393..22000; the other Mm counters moved into
			 * MiState/MiSystemPartition with them, an inference). Whatever the KDBG's
			 * pointer leads to is not the counter: a damaged 0 would otherwise be
			 * believed (issue 16, N5). */
			char why[240];
			snprintf(why, sizeof(why), "KDBG.%s points at a variable holding %" PRIu64
				 ", not a counter: on Windows 10 and later the live counter is in "
				 "MiState/MiSystemPartition, which needs symbols", fname, val);
			absent(l, PM_ABSENT_STALE, why);
		} else {
			present(l, kdbg_lines[i].bytes ? val / 4096 : val, PM_PROV_KDBG, fname, NULL);
		}
	}
}

/* The pool descriptors: the nonpaged one, and the paged ones (their sum is the paged-pool
 * usage where nothing better gave it). */
static void descriptors(const struct pm_info *in, struct pm_vm_view *v)
{
	const struct pm_kernel *k = in->k;
	const uint32_t build = (uint32_t)k->build.v;
	const struct pm_desc_layout *sl = in->pool.has_syms && in->pool.syms.has_desc_layout
						  ? &in->pool.syms.desc : NULL;
	struct pm_error *err = pm_np_desc_read(&k->vm, &k->kdbg, build, sl, &v->np_desc);
	if (err) {
		pm_absence_from(&v->np_desc_absent, pm_absent_of(err), err);
		pm_error_destroy(err);
	} else {
		v->has_np_desc = true;
	}
	err = pm_pool_descs_read(&k->vm, &k->kdbg, build, sl, &v->descs);
	if (err) {
		pm_absence_from(&v->descs_absent, pm_absent_of(err), err);
		pm_error_destroy(err);
		return;
	}
	v->has_descs = true;
	struct pm_vm_line *l = &v->line[PM_VM_paged_usage];
	if (!l->absent)
		return; /* shown, but the symbols' total stands */
	uint64_t pages = 0;
	for (unsigned i = 0; i < v->descs.n; i++)
		pages += v->descs.d[i].pages;
	present(l, pages, PM_PROV_DESCRIPTORS, "pool descriptors", NULL);
}

/* A small memory dump: no kernel memory, only DUMP_MM_STORAGE64, which the kernel fills (in
 * pages: MmWriteTriageInformation) only when MiniDumpFields has MMINFO (0x100). Real triage
 * dumps (tests/real: 0xCFF, x64 and ARM64) lack it and hold the block zeroed. */
static void triage_lines(const struct pm_info *in, struct pm_vm_view *v)
{
	const struct pm_triage *t = in->dmp->triage;
	static const struct {
		enum pm_vm_line_id id;
		size_t off;
		const char *source;
	} mm[] = {
		{ PM_VM_nonpaged_usage, offsetof(struct pm_triage, mm_nonpaged_alloc),
		  "DUMP_MM_STORAGE64.MmAllocatedNonPagedPool" },
		{ PM_VM_nonpaged_max, offsetof(struct pm_triage, mm_nonpaged_max),
		  "DUMP_MM_STORAGE64.MmMaximumNonPagedPool" },
		{ PM_VM_paged_usage, offsetof(struct pm_triage, mm_paged_alloc),
		  "DUMP_MM_STORAGE64.PagedPoolAllocated" },
		{ PM_VM_paged_max, offsetof(struct pm_triage, mm_paged_max),
		  "DUMP_MM_STORAGE64.PagedPoolMaximum" },
		{ PM_VM_committed_pages, offsetof(struct pm_triage, mm_committed),
		  "DUMP_MM_STORAGE64.CommittedPages" },
		{ PM_VM_commit_peak, offsetof(struct pm_triage, mm_commit_peak),
		  "DUMP_MM_STORAGE64.CommittedPagesPeak" },
	};
	for (int i = 0; i < _PM_VM_MAX; i++)
		if (v->line[i].absent)
			absent(&v->line[i], PM_ABSENT_NOT_IN_DUMP, "a small memory dump holds no "
			       "kernel memory");
	char why[160];
	if (!t->has_mm)
		snprintf(why, sizeof(why), "MiniDumpFields %#x lacks MMINFO (0x100): the kernel did "
			 "not fill the small dump's DUMP_MM_STORAGE64", in->dmp->hdr.minidump_fields);
	else if (!t->mm_nonpaged_max && !t->mm_committed)
		snprintf(why, sizeof(why), "the small dump's DUMP_MM_STORAGE64 is zeroed");
	else
		why[0] = 0;
	for (size_t i = 0; i < sizeof(mm) / sizeof(mm[0]); i++) {
		if (why[0]) {
			absent(&v->line[mm[i].id], PM_ABSENT_NOT_CAPTURED, why);
			continue;
		}
		uint64_t pages;
		memcpy(&pages, (const char *)t + mm[i].off, sizeof(pages));
		if (pages) /* a 0 there is a counter the kernel did not fill, not a measurement */
			present(&v->line[mm[i].id], pages, PM_PROV_TRIAGE, mm[i].source, NULL);
		else
			absent(&v->line[mm[i].id], PM_ABSENT_NOT_CAPTURED, "the small dump's "
			       "DUMP_MM_STORAGE64 holds 0 for it");
	}
}

/* Where no counter is usable, the tracker's bytes are a lower bound (§4.5). */
static void tracker_estimates(const struct pm_info *in, struct pm_vm_view *v)
{
	if (!in->pool.has_track)
		return;
	uint64_t np = 0, p = 0;
	for (size_t i = 0; i < in->pool.track.ntags; i++) {
		np += in->pool.track.tags[i].np_bytes;
		p += in->pool.track.tags[i].p_bytes;
	}
	v->has_tracker_totals = true;
	v->tracker_np_pages = (np + 4095) / 4096;
	v->tracker_p_pages = (p + 4095) / 4096;
	struct pm_vm_line *l = &v->line[PM_VM_nonpaged_usage];
	if (l->absent)
		present(l, v->tracker_np_pages, PM_PROV_ESTIMATE, "estimate", "sum of the tag "
			"tracker's nonpaged bytes (a lower bound: whole pages and allocator overhead "
			"are not in it)");
	l = &v->line[PM_VM_paged_usage];
	if (l->absent)
		present(l, v->tracker_p_pages, PM_PROV_ESTIMATE, "estimate", "sum of the tag "
			"tracker's paged bytes (a lower bound)");
}

void pm_vm_symbols_check(struct pm_info *in)
{
	const struct pm_kernel *k = in->k;
	if (!in->sym.found || !k->has_vm || k->kernel_base.absent)
		return;
	const char *bad[sizeof(sym_lines) / sizeof(sym_lines[0])]; /* types said: once each */
	size_t nbad = 0;
	for (size_t i = 0; i < sizeof(sym_lines) / sizeof(sym_lines[0]); i++) {
		uint64_t val;
		struct pm_error *err = pm_sym_read_field(in->sym.find.tab, &k->vm, k->kernel_base.v,
							 sym_lines[i].var, sym_lines[i].type,
							 sym_lines[i].path, &val);
		bool said = !err || pm_err_code(err) != PM_ERR_BAD_SYMBOLS;
		for (size_t d = 0; !said && d < nbad; d++)
			said = !strcmp(bad[d], sym_lines[i].type);
		if (said) {
			pm_error_destroy(err);
			continue;
		}
		bad[nbad++] = sym_lines[i].type;
		pm_diag_take(&in->diags, "symbols", err);
	}
	char gap[480], why[200];
	pm_vm_symbols_gap(in, gap, sizeof(gap), why, sizeof(why));
	if (gap[0])
		pm_diag_add(&in->diags, PM_ERR_BAD_SYMBOLS, "symbols", "%s (%s)", gap, why);
}

/* The figures every real kernel from 14393 on keeps in MiState / MiSystemPartition
 * (fixtures/facts/README.md, "member offsets": all 180 x64 kernels of 14393..22000). */
static const enum pm_vm_line_id partition_lines[] = {
	PM_VM_physical_memory, PM_VM_available_pages,  PM_VM_free_system_ptes,
	PM_VM_nonpaged_usage,  PM_VM_nonpaged_max,     PM_VM_paged_usage,
	PM_VM_paged_max,       PM_VM_committed_pages,  PM_VM_commit_limit,
};

/* "MiSystemPartition.Vp.{AvailablePages, TotalCommittedPages}, MiState...": the sources by
 * the structure they are in */
static void gap_add(char *out, size_t n, size_t *len, const char *source, const char **prev,
		    size_t *prev_len)
{
	const char *dot = strrchr(source, '.');
	size_t plen = dot ? (size_t)(dot - source) : 0;
	bool same = *prev && plen == *prev_len && !strncmp(*prev, source, plen);
	int w;
	if (same)
		w = snprintf(out + *len - 1, n - *len + 1, ", %s}", source + plen + 1);
	else if (dot)
		w = snprintf(out + *len, n - *len, "%s%.*s.{%s}", *len ? ", " : "", (int)plen,
			     source, dot + 1);
	else
		w = snprintf(out + *len, n - *len, "%s%s", *len ? ", " : "", source);
	if (w < 0 || (size_t)w >= n - *len - (same ? 0 : 1))
		return;
	*len += (size_t)w - (same ? 1 : 0);
	*prev = dot ? source : NULL;
	*prev_len = plen;
}

void pm_vm_symbols_gap(struct pm_info *in, char *out, size_t n, char *why, size_t nwhy)
{
	const struct pm_kernel *k = in->k;
	out[0] = '\0';
	if (why && nwhy)
		why[0] = '\0';
	if (!in->sym.found || !in->sym.find.tab || !k->has_vm || k->kernel_base.absent ||
	    k->build.absent || k->build.v < PM_VM_FIRST_PARTITION_BUILD)
		return;
	char list[300] = "";
	size_t len = 0, prev_len = 0;
	const char *prev = NULL;
	unsigned missing = 0;
	for (size_t j = 0; j < sizeof(partition_lines) / sizeof(partition_lines[0]); j++) {
		const char *name = NULL;
		bool gives = false;
		for (size_t i = 0; !gives && i < sizeof(sym_lines) / sizeof(sym_lines[0]); i++) {
			if (sym_lines[i].id != partition_lines[j])
				continue;
			uint64_t va;
			struct pm_field f;
			struct pm_error *err = pm_sym_global(in->sym.find.tab, k->kernel_base.v,
							     sym_lines[i].var, &va);
			if (!err)
				err = pm_sym_member(in->sym.find.tab, sym_lines[i].type,
						    sym_lines[i].path, &f);
			gives = !err;
			if (err && !name) {
				name = sym_lines[i].source;
				if (why && nwhy && !why[0])
					snprintf(why, nwhy, "%s", pm_err_msg(err));
			}
			pm_error_destroy(err);
		}
		if (gives || !name)
			continue;
		gap_add(list, sizeof(list), &len, name, &prev, &prev_len);
		missing++;
	}
	if (missing)
		snprintf(out, n, "the symbols match the kernel but lack %s, which every real kernel "
			 "of this build has: damaged, or not the kernel's own; what needs %s is not "
			 "judged", list, missing > 1 ? "them" : "it");
}

void pm_vm_view_build(const struct pm_info *in, struct pm_vm_view *v)
{
	const struct pm_kernel *k = in->k;
	memset(v, 0, sizeof(*v));
	for (int i = 0; i < _PM_VM_MAX; i++)
		absent(&v->line[i], PM_ABSENT_UNREADABLE, k->has_kdbg ? NULL : "no KDBG");
	if (!k->ram_pages.absent)
		present(&v->line[PM_VM_physical_memory], k->ram_pages.v, PM_PROV_KDBG,
			"KDBG.MmNumberOfPhysicalPages", NULL);
	absent(&v->line[PM_VM_free_system_ptes], PM_ABSENT_NEEDS_SYMBOLS,
	       "the free system PTE count (MmTotalFreeSystemPtes / MiState) is not reachable "
	       "through the KDBG");
	symbol_lines(in, v);
	v->mm = &in->mm;
	if (k->has_kdbg && k->has_vm) {
		kdbg_lines_read(in, v);
		descriptors(in, v);
	}
	if (in->dmp->triage)
		triage_lines(in, v);
	else
		pm_vm_plausibility(in, v);
	tracker_estimates(in, v);
	session_check(in, v);
	banners(v);
}

static void banner(struct pm_vm_view *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void banner(struct pm_vm_view *v, const char *fmt, ...)
{
	if (v->nbanners >= PM_VM_MAX_BANNERS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->banners[v->nbanners++], sizeof(v->banners[0]), fmt, ap);
	va_end(ap);
}

/* The warnings !vm prints, with its thresholds (the debugger extension's source: nonpaged use
 * above 4/5 of the maximum, paged above 95%, fewer than 1024 free system PTEs, commit within
 * 100 pages of the limit, any failure counter not 0). Only from figures that are present. */
static void banners(struct pm_vm_view *v)
{
	const struct pm_vm_line *L = v->line;
	const struct pm_vm_line *npu = &L[PM_VM_nonpaged_usage], *npm = &L[PM_VM_nonpaged_max];
	const struct pm_vm_line *pu = &L[PM_VM_paged_usage], *pmx = &L[PM_VM_paged_max];
	if (!npu->absent && !npm->absent && npm->pages && npu->pages > 4 * (npm->pages / 5))
		banner(v, "Excessive NonPaged Pool Usage");
	if (!pu->absent && !pmx->absent && pmx->pages && pu->pages > 95 * (pmx->pages / 100))
		banner(v, "Excessive Paged Pool Usage");
	if (!v->mm->pool_failures.absent && v->mm->pool_failures.v)
		banner(v, "%" PRIu64 " pool allocations have failed", v->mm->pool_failures.v);
	if (!L[PM_VM_free_system_ptes].absent && L[PM_VM_free_system_ptes].pages < 1024)
		banner(v, "Running out of system PTEs");
	if (!v->mm->pte_failures.absent && v->mm->pte_failures.v)
		banner(v, "%" PRIu64 " system PTE allocations have failed", v->mm->pte_failures.v);
	if (!L[PM_VM_committed_pages].absent && !L[PM_VM_commit_limit].absent &&
	    L[PM_VM_committed_pages].pages + 100 > L[PM_VM_commit_limit].pages)
		banner(v, "Number of committed pages is near limit");
	if (!v->mm->commit_failures.absent && v->mm->commit_failures.v)
		banner(v, "%" PRIu64 " commit requests have failed", v->mm->commit_failures.v);
	if (v->mm->has_sessions)
		for (size_t i = 0; i < v->mm->sessions.n; i++) {
			const struct pm_session *se = &v->mm->sessions.items[i];
			if (se->has_failures && se->failures)
				banner(v, "Session %u: %" PRIu64 " Pool Allocation Failures", se->id,
				       se->failures);
		}
}

/* The current session's paged-pool descriptor against its tag table (ExpSessionPoolTrackTable
 * is the table of the session the dump maps). */
static void session_check(const struct pm_info *in, struct pm_vm_view *v)
{
	const struct pm_sessions *ss = &in->mm.sessions;
	if (!in->mm.has_sessions || !ss->has_current || !in->pool.has_session)
		return;
	for (size_t i = 0; i < ss->n; i++) {
		const struct pm_session *se = &ss->items[i];
		if (!se->current || !se->has_desc)
			continue;
		uint64_t b = 0;
		for (size_t k = 0; k < in->pool.session.ntags; k++)
			b += in->pool.session.tags[k].p_bytes;
		v->has_session_check = true;
		v->session_check_id = se->id;
		v->session_desc_pages = se->desc_pages;
		v->session_tag_pages = (b + 4095) / 4096;
	}
}

void pm_vm_view_deinit(struct pm_vm_view *v)
{
	pm_pool_descs_deinit(&v->descs);
	pm_absence_clear(&v->descs_absent);
	pm_absence_clear(&v->np_desc_absent);
	for (int i = 0; i < _PM_VM_MAX; i++) {
		free(v->line[i].detail);
		v->line[i].detail = NULL;
	}
}
