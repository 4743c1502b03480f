/* SPDX-License-Identifier: MIT */
/**
 * @file discover.h
 * What a Windows crash-dump header would have said, found in memory that has no such header
 * (raw images, hypervisor captures): the kernel page-table root by its self-map entry, the
 * kernel image, the KDBG by its tag (or, encoded as on a live Windows 8+ x64 system, by the
 * keys KdCopyDataBlock uses), the build and the processor count. The kernel's identity
 * (kernel.h) is made from it; no crash-dump header is filled in.
 * crashdump-format.md §4.6, §4.7, §5.1, §6.1.
 */
#ifndef PM_DISCOVER_H
#define PM_DISCOVER_H

#include <stdbool.h>
#include <stdint.h>

#include "dmp.h"
#include "pm-diag.h"
#include "vtop.h"

struct pm_discovery {
	enum pm_arch arch;
	uint64_t dtb;
	char dtb_how[160];
	uint64_t kernel_base;
	char kernel_how[160];
	uint64_t kdbg_va;
	bool kdbg_encoded; /**< the block was encoded and has been decoded */
	char kdbg_how[200];
	uint8_t *kdbg_raw; /**< decoded block (kdbg_size bytes), owned */
	uint32_t kdbg_size;
	uint32_t build;
	char build_how[80];
	unsigned nprocs;
	char nprocs_how[80];
	bool has_times;      /**< from KUSER_SHARED_DATA */
	uint64_t system_time, uptime; /**< FILETIME, 100 ns units */
	uint32_t product_type; /**< 0 unknown */
	char tried[600]; /**< what was tried, for the error when discovery fails */
};

/**
 * Run discovery over @p pm (a physical address space without a dump header). Errors say what
 * was tried. @p diags receives non-fatal notes (e.g. a wrong decode rejected by its tag).
 */
struct pm_error *pm_discover(const struct pm_pagemap *pm, struct pm_discovery *ret,
			     struct pm_diags *diags);
void pm_discovery_deinit(struct pm_discovery *d);

/**
 * The KDBG of a dump whose page-table root is known but whose header's KdDebuggerDataBlock
 * does not lead to it: the kernel image at @p kernel_base (0: searched for, as for a headerless
 * input), then the KDBG inside it by its tag or, on x64, encoded and decoded (the same steps
 * as pm_discover()). On success ret->kdbg_raw/kdbg_size/kdbg_va/kdbg_how, kernel_base and
 * build are set (ret owns kdbg_raw: pm_discovery_deinit()).
 */
struct pm_error *pm_discover_kdbg(const struct pm_vmem *vm, uint64_t kernel_base,
				  struct pm_discovery *ret, struct pm_diags *diags);

/** The KDBG decoding transform (crashdump-format.md §4.6), per 8-byte word; exposed for tests. */
uint64_t pm_kdbg_decode_word(uint64_t w, uint64_t wait_never, uint64_t wait_always,
			     uint64_t encoded_flag_va);

#endif
