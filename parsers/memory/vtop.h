/* SPDX-License-Identifier: MIT */
/**
 * @file vtop.h
 * L3, virtual -> physical: x86 non-PAE, x86 PAE and x64 page walks, with large pages and
 * Windows' software PTE states (crashdump-format.md §6).
 *
 * Our own walk rather than libaddrxlat's: Windows' invalid-PTE states matter at every level
 * (a page table can itself be in transition), and libaddrxlat treats any non-present entry as
 * an error. A transition PTE names a physical page whose data is still in RAM, so it is read;
 * prototype, paged-out and demand-zero pages are reported absent with that reason, and "the
 * page tables say where it is but the dump does not have that page" is its own result.
 */
#ifndef PM_VTOP_H
#define PM_VTOP_H

#include <stddef.h>
#include <stdint.h>

#include "physmem.h"
#include "pm-arch.h"

#define PM_VA_STATUSES(X)                                                                  \
	X(OK, "ok", "mapped")                                                              \
	X(TRANSITION, "transition", "in transition (standby/modified list), data in RAM") \
	X(NOT_MAPPED, "not_mapped", "not mapped (zero or invalid entry)")                 \
	X(PAGED_OUT, "paged_out", "paged out to a pagefile")                               \
	X(DEMAND_ZERO, "demand_zero", "demand-zero (never touched)")                       \
	X(PROTOTYPE, "prototype", "behind a prototype PTE")                                \
	X(TABLE_NOT_CAPTURED, "table_not_captured", "page table not in the dump")          \
	X(NOT_CAPTURED, "not_captured", "mapped, but the page is not in the dump")         \
	X(BEYOND_EOF, "beyond_eof", "mapped, but the page lies past the end of the file")  \
	X(NOT_CANONICAL, "not_canonical", "not a canonical address")

enum pm_va_status {
#define X(n, s, d) PM_VA_##n,
	PM_VA_STATUSES(X)
#undef X
	_PM_VA_MAX
};

/** Stable short name ("paged_out") for reports. */
const char *pm_va_status_name(enum pm_va_status s);
/** Human description for messages. */
const char *pm_va_status_desc(enum pm_va_status s);

struct pm_xlat {
	enum pm_va_status status;
	uint64_t pa;        /**< for OK, TRANSITION, NOT_CAPTURED, BEYOND_EOF */
	uint64_t page_size; /**< 4 KiB, 2 MiB, 4 MiB or 1 GiB when mapped */
	const char *level;  /**< name of the deciding entry: "PML4E", "PDE", "PTE", ... */
	uint64_t entry;     /**< its raw value */
};

struct pm_ptcache;

struct pm_vmem {
	const struct pm_pagemap *pm;
	enum pm_arch arch;
	uint64_t dtb;      /**< DirectoryTableBase, masked for the mode */
	unsigned l1tf_bit; /**< physical-address bit Windows sets in non-present x64 PTEs (§6.4) */
	/** Page tables read so far (a bounded cache, PM_PTCACHE_PAGES pages): a translation reads
	 * each level from it, not with a read of 8 bytes from the file. NULL: uncached. */
	struct pm_ptcache *cache;
};

/** Page-table pages a pm_vmem keeps (256 KiB): the upper levels and 96 MiB of mapped VA. */
enum { PM_PTCACHE_PAGES = 64 };

/**
 * Set up translation for @p arch from the dump header's DirectoryTableBase. Release with
 * pm_vmem_deinit() (the page-table cache); without memory for the cache, translation works
 * uncached.
 */
struct pm_error *pm_vmem_init(struct pm_vmem *vm, const struct pm_pagemap *pm, enum pm_arch arch,
			      uint64_t dtb);
void pm_vmem_deinit(struct pm_vmem *vm);

/** Translate @p va; never fails (the outcome is in ret->status). */
void pm_vmem_translate(const struct pm_vmem *vm, uint64_t va, struct pm_xlat *ret);

/**
 * Read @p len bytes at @p va, crossing pages. An absent page gives PM_ERR_NOT_PRESENT
 * (not mapped, paged out, demand-zero, prototype) or PM_ERR_NOT_CAPTURED / PM_ERR_TRUNCATED,
 * with the VA, the deciding entry and its value in the message. Output is written in full
 * only on success.
 */
struct pm_error *pm_vmem_read(const struct pm_vmem *vm, uint64_t va, void *buf, size_t len);

/**
 * Called for each present 4 KiB page of a walk, in ascending VA order; return false to stop.
 * @p pa is the page's physical address (large pages are reported page by page).
 */
typedef bool (*pm_page_fn)(void *ctx, uint64_t va, uint64_t pa);

/**
 * Enumerate the pages the hardware tables map (Valid entries only) in the kernel half of
 * the address space, skipping the page-table self-map. Tables not in the dump are skipped
 * and counted in *tables_missing_ret. Bounded by the tables themselves (no recursion on data).
 */
void pm_vmem_walk_kernel(const struct pm_vmem *vm, pm_page_fn fn, void *ctx,
			 uint64_t *tables_missing_ret);
/** As pm_vmem_walk_kernel(), only for the (canonical) VAs in [@p lo, @p hi]; subtrees outside
 * the range are not read. */
void pm_vmem_walk_kernel_range(const struct pm_vmem *vm, uint64_t lo, uint64_t hi, pm_page_fn fn,
			       void *ctx, uint64_t *tables_missing_ret);

/** Read a pointer-sized value (4 bytes on x86, zero-extended; 8 on x64). */
struct pm_error *pm_vmem_read_ptr(const struct pm_vmem *vm, uint64_t va, uint64_t *ret);

static inline unsigned pm_vmem_ptr_size(const struct pm_vmem *vm)
{
	return vm->arch == PM_ARCH_X64 || vm->arch == PM_ARCH_ARM64 ? 8 : 4;
}

#endif
