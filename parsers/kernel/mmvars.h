/* SPDX-License-Identifier: MIT */
/**
 * @file mmvars.h
 * Memory-manager counters reachable without symbols (pool-internals.md §4): the Mm*
 * variables whose addresses the KDBG holds, and the paged-pool POOL_DESCRIPTORs
 * (ExpPagedPoolDescriptor / ExpNumberOfPagedPools) on the builds that have them.
 * Values are returned raw; judging whether a counter is live is the caller's business.
 */
#ifndef PM_MMVARS_H
#define PM_MMVARS_H

#include <stdbool.h>
#include <stdint.h>

#include "kdbg.h"
#include "profile.h"
#include "vtop.h"

enum pm_mm_width { PM_MM_U32, PM_MM_PTR };

/** Read the variable whose address is KDBG field @p f: 4 bytes (page counts) or pointer-sized
 * (byte sizes). */
struct pm_error *pm_mm_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
			    enum pm_kdbg_field f, enum pm_mm_width w, uint64_t *ret);

/** The kernel's own description of RAM: MmPhysicalMemoryBlock (KDBG +0x270 holds the
 * address of a pointer to a PHYSICAL_MEMORY_DESCRIPTOR: NumberOfRuns ULONG, NumberOfPages
 * PFN_NUMBER, then {BasePage, PageCount} runs of PFN_NUMBERs; crashdump-format.md §1.4, §4.2).
 * It exists on every build (the facts table: 7601 to 22000). */
struct pm_phys_block {
	uint64_t va;          /**< the descriptor */
	uint32_t nruns;
	uint64_t pages;       /**< NumberOfPages = the runs' sum */
	uint64_t highest_pfn; /**< end of the last run */
};

enum { PM_MAX_PHYS_RUNS = 1024 };

/** Read and check MmPhysicalMemoryBlock: NumberOfRuns 1..PM_MAX_PHYS_RUNS, runs ascending,
 * not overlapping, adding up to NumberOfPages (PM_ERR_FORMAT naming the VA otherwise). */
struct pm_error *pm_phys_block_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
				    struct pm_phys_block *ret);

struct pm_pool_desc {
	unsigned index;
	uint64_t pages;     /**< small + big pages in use */
	uint64_t big_pages;
	uint64_t running_allocs, running_frees;
};

struct pm_pool_descs {
	const struct pm_desc_layout *layout;
	struct pm_pool_desc *d;
	unsigned n;
};

enum { PM_MAX_PAGED_POOLS = 64 };

/**
 * Read the paged-pool descriptors with @p sym (a layout from the kernel's symbols) or, when
 * NULL, the build's tabulated one. PM_ERR_PROFILE when there is neither (x86 Vista and later
 * without symbols) and on every build from 19041, where descriptors are gone.
 */
struct pm_error *pm_pool_descs_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
				    uint32_t build, const struct pm_desc_layout *sym,
				    struct pm_pool_descs *ret);
void pm_pool_descs_deinit(struct pm_pool_descs *d);

/** The nonpaged POOL_DESCRIPTOR the KDBG points at (NonPagedPoolDescriptor, +0x1C0). */
struct pm_error *pm_np_desc_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
				 uint32_t build, const struct pm_desc_layout *sym,
				 struct pm_pool_desc *ret);

#endif
