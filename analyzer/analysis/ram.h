/* SPDX-License-Identifier: MIT */
/**
 * @file ram.h
 * The machine's RAM from the dump itself (issue 11), every reading with its provenance:
 * the kernel's symbols (MiSystemPartition.Vp.NumberOfPhysicalPages), the kernel's own
 * MmPhysicalMemoryBlock (through the KDBG), the KDBG's MmNumberOfPhysicalPages (a live
 * variable only up to Windows 8.1: on Windows 10 and later the real kernels have no such
 * global and the KDBG's pointer leads to a stale value, reports/facts.md), the dump header's
 * PHYSICAL_MEMORY_DESCRIPTOR, the pages of a complete-memory dump, and a bitmap's or a
 * capture's length (highest PFN + 1: an upper bound, address holes included).
 *
 * The best reading is used (that order); the others are kept, and readings that disagree
 * with it by more than 1% are reported. Plain values above the trust boundary: every read goes
 * through parsers/.
 */
#ifndef PM_RAM_H
#define PM_RAM_H

#include "info.h"
#include "summary.h"

struct pm_ram_view {
	struct pm_sum_ram r[PM_SUM_MAX_RAM]; /**< in order of trust; the used one marked */
	unsigned n;
	int best;            /**< index of the used reading, -1 when none */
	char disagree[240];  /**< "" or which readings disagree with the used one */
};

/** Every reading of RAM @p in allows (pm_info_gather_pool() need not have run). */
void pm_ram_view_build(const struct pm_info *in, struct pm_ram_view *ret);

#endif
