// SPDX-License-Identifier: MIT
// `vm`: !vm's lines from the KDBG's Mm* variables, the paged-pool descriptors and, where the
// counters are not usable, estimates from the tag tracker (pool-internals.md §4.5).
#include <inttypes.h>
#include <stdarg.h>
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

static void absent(struct pm_vm_line *l, const char *why, const char *detail)
{
	l->present = false;
	l->absent = why;
	snprintf(l->detail, sizeof(l->detail), "%s", detail);
}

void pm_vm_view_build(const struct pm_info *in, struct pm_vm_view *v)
{
	memset(v, 0, sizeof(*v));
	for (int i = 0; i < _PM_VM_MAX; i++)
		absent(&v->line[i], "unreadable", in->has_kdbg ? "" : "no KDBG");
	struct pm_vm_line *pm = &v->line[PM_VM_physical_memory];
	if (!in->ram_pages.absent) {
		pm->present = true;
		pm->pages = in->ram_pages.v;
		pm->source = "KDBG.MmNumberOfPhysicalPages";
	}
	absent(&v->line[PM_VM_free_system_ptes], "needs_symbols",
	       "the free system PTE count (MmTotalFreeSystemPtes / MiState) is not reachable "
	       "through the KDBG");
	if (in->sym.found && in->has_vm && !in->kernel_base.absent) {
		for (size_t i = 0; i < sizeof(sym_lines) / sizeof(sym_lines[0]); i++) {
			uint64_t val;
			struct pm_error *err = pm_sym_read_field(in->sym.find.tab, &in->vm,
								 in->kernel_base.v, sym_lines[i].var,
								 sym_lines[i].type, sym_lines[i].path,
								 &val);
			if (err) { /* not in these symbols (an older kernel): the KDBG's turn */
				pm_error_destroy(err);
				continue;
			}
			struct pm_vm_line *l = &v->line[sym_lines[i].id];
			l->present = true;
			l->pages = val;
			l->source = sym_lines[i].source;
			l->from_symbols = true;
			snprintf(l->detail, sizeof(l->detail), "from the kernel's %s",
				 in->sym.find.tab->id.format);
			v->from_symbols++;
		}
	}
	/* Before Windows 10: MmTotalFreeSystemPtes[0], a global the symbols locate */
	struct pm_vm_line *fp = &v->line[PM_VM_free_system_ptes];
	if (!fp->present && in->mm.free_ptes.present) {
		fp->present = fp->from_symbols = true;
		fp->pages = in->mm.free_ptes.v;
		fp->source = in->mm.free_ptes.source;
		snprintf(fp->detail, sizeof(fp->detail), "from the kernel's %s",
			 in->sym.find.tab->id.format);
		v->from_symbols++;
	}
	v->mm = &in->mm;
	if (in->has_kdbg && in->has_vm) {
		for (size_t i = 0; i < sizeof(kdbg_lines) / sizeof(kdbg_lines[0]); i++) {
			struct pm_vm_line *l = &v->line[kdbg_lines[i].id];
			if (l->present) /* the symbols gave it */
				continue;
			uint64_t val;
			struct pm_error *err = pm_mm_read(&in->vm, &in->kdbg, kdbg_lines[i].f,
							  kdbg_lines[i].bytes ? PM_MM_PTR : PM_MM_U32,
							  &val);
			const char *fname = pm_kdbg_field_name(kdbg_lines[i].f);
			if (err) {
				absent(l, pm_err_code(err) == PM_ERR_PROFILE ? "not_applicable"
									     : "unreadable",
				       pm_err_msg(err));
				pm_error_destroy(err);
			} else if (val == 0) {
				/* §4.2 open point: from Windows 10 on the live counters are in
				 * MiState / MiSystemPartition; a 0 here is not a measurement. */
				char why[240];
				snprintf(why, sizeof(why), "KDBG.%s points at a variable holding 0; on "
					 "Windows 10 and later the live counter is in MiState/"
					 "MiSystemPartition, which needs symbols", fname);
				absent(l, "stale", why);
			} else {
				l->present = true;
				l->pages = kdbg_lines[i].bytes ? val / 4096 : val;
				l->source = fname;
			}
		}
		const struct pm_desc_layout *sl = in->pool.has_syms && in->pool.syms.has_desc_layout
							  ? &in->pool.syms.desc : NULL;
		struct pm_error *err = pm_np_desc_read(&in->vm, &in->kdbg, in->dmp->hdr.build, sl,
						       &v->np_desc);
		if (err) {
			snprintf(v->np_desc_absent, sizeof(v->np_desc_absent), "%s", pm_err_msg(err));
			pm_error_destroy(err);
		} else {
			v->has_np_desc = true;
		}
		err = pm_pool_descs_read(&in->vm, &in->kdbg, in->dmp->hdr.build, sl, &v->descs);
		if (!err && v->line[PM_VM_paged_usage].present) {
			v->has_descs = true; /* shown, but the symbols' total stands */
		} else if (err) {
			snprintf(v->descs_absent, sizeof(v->descs_absent), "%s", pm_err_msg(err));
			pm_error_destroy(err);
		} else {
			v->has_descs = true;
			struct pm_vm_line *l = &v->line[PM_VM_paged_usage];
			l->present = true;
			l->pages = 0;
			for (unsigned i = 0; i < v->descs.n; i++)
				l->pages += v->descs.d[i].pages;
			l->source = "pool descriptors";
		}
	}
	if (in->pool.has_track) {
		uint64_t np = 0, p = 0;
		for (size_t i = 0; i < in->pool.track.ntags; i++) {
			np += in->pool.track.tags[i].np_bytes;
			p += in->pool.track.tags[i].p_bytes;
		}
		v->has_tracker_totals = true;
		v->tracker_np_pages = (np + 4095) / 4096;
		v->tracker_p_pages = (p + 4095) / 4096;
		/* Where no counter is usable, the tracker's bytes are a lower bound (§4.5). */
		struct pm_vm_line *l = &v->line[PM_VM_nonpaged_usage];
		if (!l->present) {
			l->present = true;
			l->pages = v->tracker_np_pages;
			l->source = "estimate";
			snprintf(l->detail, sizeof(l->detail), "sum of the tag tracker's nonpaged bytes "
				 "(a lower bound: whole pages and allocator overhead are not in it)");
		}
		l = &v->line[PM_VM_paged_usage];
		if (!l->present) {
			l->present = true;
			l->pages = v->tracker_p_pages;
			l->source = "estimate";
			snprintf(l->detail, sizeof(l->detail), "sum of the tag tracker's paged bytes "
				 "(a lower bound)");
		}
	}
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
	if (npu->present && npm->present && npm->pages && npu->pages > 4 * (npm->pages / 5))
		banner(v, "Excessive NonPaged Pool Usage");
	if (pu->present && pmx->present && pmx->pages && pu->pages > 95 * (pmx->pages / 100))
		banner(v, "Excessive Paged Pool Usage");
	if (v->mm->pool_failures.present && v->mm->pool_failures.v)
		banner(v, "%" PRIu64 " pool allocations have failed", v->mm->pool_failures.v);
	if (L[PM_VM_free_system_ptes].present && L[PM_VM_free_system_ptes].pages < 1024)
		banner(v, "Running out of system PTEs");
	if (v->mm->pte_failures.present && v->mm->pte_failures.v)
		banner(v, "%" PRIu64 " system PTE allocations have failed", v->mm->pte_failures.v);
	if (L[PM_VM_committed_pages].present && L[PM_VM_commit_limit].present &&
	    L[PM_VM_committed_pages].pages + 100 > L[PM_VM_commit_limit].pages)
		banner(v, "Number of committed pages is near limit");
	if (v->mm->commit_failures.present && v->mm->commit_failures.v)
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
}
