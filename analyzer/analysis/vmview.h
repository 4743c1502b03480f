/* SPDX-License-Identifier: MIT */
/**
 * @file vmview.h
 * The `vm` view: what WinDbg's !vm prints, rebuilt from what the dump allows without
 * symbols (pool-internals.md §4.5). Each line is a value in pages with its provenance and
 * exact source, or absent with a reason from the one vocabulary (pm-absent.h): STALE (the
 * KDBG variable holds 0, as from Windows 10 on where the live counters moved into MiState),
 * NEEDS_SYMBOLS, UNREADABLE, NOT_APPLICABLE.
 *
 * Ownership: the view borrows from the pm_info it was built from (which must outlive it) and
 * owns its lines' details and the descriptors; pm_vm_view_deinit() frees them.
 */
#ifndef PM_VMVIEW_H
#define PM_VMVIEW_H

#include "info.h"
#include "mmvars.h"

#define PM_VM_LINES(X)                                                                     \
	X(physical_memory, "Physical Memory")                                              \
	X(available_pages, "Available Pages")                                              \
	X(resavail_pages, "ResAvail Pages")                                                \
	X(free_system_ptes, "Free System PTEs")                                            \
	X(nonpaged_usage, "NonPagedPool Usage")                                            \
	X(nonpaged_max, "NonPagedPool Max")                                                \
	X(paged_usage, "PagedPool Usage")                                                  \
	X(paged_max, "PagedPool Maximum")                                                  \
	X(shared_commit, "Shared Commit")                                                  \
	X(driver_commit, "Driver Commit")                                                  \
	X(process_commit, "Process Commit")                                                \
	X(pagedpool_commit, "PagedPool Commit")                                            \
	X(committed_pages, "Committed pages")                                              \
	X(commit_limit, "Commit limit")                                                    \
	X(commit_peak, "Commit peak")

enum pm_vm_line_id {
#define X(id, label) PM_VM_##id,
	PM_VM_LINES(X)
#undef X
	_PM_VM_MAX
};

struct pm_vm_line {
	enum pm_absent absent; /**< PM_ABSENT_PRESENT when pages is valid */
	uint64_t pages;
	/** KDBG, SYMBOL_LAYOUT (MiState/MiSystemPartition through the symbols' layouts), SYMBOLS
	 * (a global the symbols locate), DESCRIPTORS or ESTIMATE (the tag tracker's sums) */
	enum pm_prov from;
	const char *source; /**< the exact source: "MmAvailablePages", "MiState.Vs...", ... */
	char *detail;       /**< why absent, or what an estimate is (owned); NULL: nothing */
};

/** Whether the line was read at an address (and layout) the kernel's symbols gave. */
static inline bool pm_vm_line_from_symbols(const struct pm_vm_line *l)
{
	return l->from == PM_PROV_SYMBOLS || l->from == PM_PROV_SYMBOL_LAYOUT;
}

enum { PM_VM_MAX_BANNERS = 16, PM_VM_MAX_IMPLAUSIBLE = 8 };

/** From this build on the KDBG's Mm* pointers lead to no live counter (ram.h, vmview.c). */
enum { PM_VM_FIRST_STALE_KDBG_BUILD = 10240 };
/** The first build whose every real kernel keeps !vm's counters in MiState and
 * MiSystemPartition (fixtures/facts: 14393..22000, all 180 x64 kernels). */
enum { PM_VM_FIRST_PARTITION_BUILD = 14393 };

struct pm_vm_view {
	struct pm_vm_line line[_PM_VM_MAX];
	bool has_descs;
	struct pm_pool_descs descs;
	struct pm_absence descs_absent;
	bool has_np_desc;
	struct pm_pool_desc np_desc;
	struct pm_absence np_desc_absent;
	unsigned from_symbols; /**< lines read from MiState/MiSystemPartition via the PDB/ISF */
	bool has_tracker_totals;
	uint64_t tracker_np_pages, tracker_p_pages; /**< Σ tracker bytes / 4096, rounded up */
	const struct pm_mm_info *mm; /**< failure counters and sessions (the info's) */
	bool has_session_check; /**< the current session's descriptor vs its tag table */
	uint32_t session_check_id;
	uint64_t session_desc_pages, session_tag_pages;
	char banners[PM_VM_MAX_BANNERS][96]; /**< the warnings !vm would print */
	unsigned nbanners;
	/** Figures read but contradicted by an independent one (vmcheck.c): each sentence names
	 * both figures; the lines concerned are absent with PM_ABSENT_IMPLAUSIBLE. */
	char implausible[PM_VM_MAX_IMPLAUSIBLE][320];
	unsigned nimplausible;
};

const char *pm_vm_line_key(enum pm_vm_line_id id);
const char *pm_vm_line_label(enum pm_vm_line_id id);

/** Build the view; needs pm_info_gather_pool() to have run for the tracker estimates. */
void pm_vm_view_build(const struct pm_info *in, struct pm_vm_view *ret);
void pm_vm_view_deinit(struct pm_vm_view *v);
/** The cross-checks between independent figures (vmcheck.c), run by pm_vm_view_build()
 * before the tag tracker's estimates fill what is absent: a figure that fails one becomes
 * absent (PM_ABSENT_IMPLAUSIBLE) and a sentence in @p v->implausible says why. */
void pm_vm_plausibility(const struct pm_info *in, struct pm_vm_view *v);
/** Once per dump (after pm_info_gather_pool()'s reads): put in @p in's diagnostics the
 * figures of the view that could not be read although the KDBG or the symbols name them
 * (the variable and the address), the pool descriptors that could not be read, and the
 * implausible figures (issue 16, N4 and N5). */
void pm_vm_check(struct pm_info *in);
/** Once per dump: say (in @p in's diagnostics, once each) where the symbols contradict
 * themselves about the variables and fields the view reads; the view only marks those
 * figures absent. */
void pm_vm_symbols_check(struct pm_info *in);
/** Into @p out ("" when none): a sentence naming the figures a kernel of this build keeps in
 * MiState / MiSystemPartition that symbols matching the kernel do not give (a damaged symbol
 * file, or not the kernel's own: issue 16); @p why (may be NULL): the first lookup's error. */
void pm_vm_symbols_gap(struct pm_info *in, char *out, size_t n, char *why, size_t nwhy);


#endif
