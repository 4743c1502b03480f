/* SPDX-License-Identifier: MIT */
/**
 * @file segheap.h
 * The pool scan of Windows 10 19H1+ (pool-internals.md §1.10): the kernel segment heap walked
 * from nt!ExPoolState with the keys of nt!RtlpHpHeapGlobals, at the offsets the kernel's PDB or
 * ISF gives (there is no symbol-free path). Fills the same pm_scan as the classic page scan.
 */
#ifndef PM_SEGHEAP_H
#define PM_SEGHEAP_H

#include "pm-diag.h"
#include "poolscan.h"
#include "symtab.h"
#include "vtop.h"

struct pm_error *pm_segheap_scan(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				 uint32_t build, struct pm_scan *ret, struct pm_diags *diags);

#endif
