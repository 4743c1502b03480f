/* SPDX-License-Identifier: MIT */
/**
 * @file kdbg.h
 * The kernel debugger data block (KDDEBUGGER_DATA64, "KDBG"): crashdump-format.md §4.
 *
 * The block is read whole (Header.Size bytes, never an assumed size) and kept as bytes;
 * fields are looked up by name from a table of offsets. A field at or beyond Size is absent
 * (PM_ERR_PROFILE), not zero. On x86 the 64-bit layout is used with 32-bit values (§4.4).
 * A struct pm_kdbg owns its copy of the block (raw), freed by pm_kdbg_deinit(); the triage
 * dump's copy is read through the container (pm_dmp_triage_kdbg_copy()), never from the file.
 */
#ifndef PM_KDBG_H
#define PM_KDBG_H

#include <stdbool.h>
#include <stdint.h>

#include "dmp.h"
#include "vtop.h"

/* Fields we read: name, offset, width in bytes (8 = pointer-sized). */
#define PM_KDBG_FIELDS(X)                                                                  \
	X(KernBase, 0x018, 8)                                                              \
	X(PsLoadedModuleList, 0x048, 8)                                                    \
	X(PsActiveProcessHead, 0x050, 8)                                                   \
	X(ExpPagedPoolDescriptor, 0x068, 8)                                                \
	X(ExpNumberOfPagedPools, 0x070, 8)                                                 \
	X(KiBugcheckData, 0x088, 8)                                                        \
	X(MmPfnDatabase, 0x0C0, 8)                                                         \
	X(MmSystemPtesStart, 0x0C8, 8)                                                     \
	X(MmSystemPtesEnd, 0x0D0, 8)                                                       \
	X(MmNumberOfPhysicalPages, 0x0F8, 8)                                               \
	X(MmMaximumNonPagedPoolInBytes, 0x100, 8)                                          \
	X(MmNonPagedPoolStart, 0x110, 8)                                                   \
	X(MmNonPagedPoolEnd, 0x118, 8)                                                     \
	X(MmPagedPoolStart, 0x120, 8)                                                      \
	X(MmPagedPoolEnd, 0x128, 8)                                                        \
	X(MmSizeOfPagedPoolInBytes, 0x140, 8)                                              \
	X(MmTotalCommitLimit, 0x148, 8)                                                    \
	X(MmTotalCommittedPages, 0x150, 8)                                                 \
	X(MmSharedCommit, 0x158, 8)                                                        \
	X(MmDriverCommit, 0x160, 8)                                                        \
	X(MmProcessCommit, 0x168, 8)                                                       \
	X(MmPagedPoolCommit, 0x170, 8)                                                     \
	X(MmAvailablePages, 0x1A8, 8)                                                      \
	X(MmResidentAvailablePages, 0x1B0, 8)                                              \
	X(PoolTrackTable, 0x1B8, 8)                                                        \
	X(NonPagedPoolDescriptor, 0x1C0, 8)                                                \
	X(NtBuildLab, 0x208, 8)                                                            \
	X(KiProcessorBlock, 0x218, 8)                                                      \
	X(MmAllocatedNonPagedPool, 0x250, 8)                                               \
	X(MmPeakCommitment, 0x258, 8)                                                      \
	X(MmTotalCommitLimitMaximum, 0x260, 8)                                             \
	X(CmNtCSDVersion, 0x268, 8)                                                        \
	X(MmPhysicalMemoryBlock, 0x270, 8)                                                 \
	X(L1tfHighPhysicalBitIndex, 0x2C2, 1)                                              \
	X(PteBase, 0x360, 8)

enum pm_kdbg_field {
#define X(name, off, w) PM_KDBG_##name,
	PM_KDBG_FIELDS(X)
#undef X
	_PM_KDBG_FIELD_MAX
};

enum { PM_KDBG_TAG = 0x4742444Bu, PM_KDBG_MIN_SIZE = 0x80, PM_KDBG_MAX_SIZE = 0x1000 };

/** How the block was found. */
enum pm_kdbg_source { PM_KDBG_FROM_HEADER, PM_KDBG_FROM_TRIAGE_COPY, PM_KDBG_DISCOVERED };

struct pm_kdbg {
	uint64_t va;   /**< where the block lives in kernel memory */
	uint32_t size; /**< Header.Size */
	enum pm_kdbg_source source;
	bool decoded;  /**< had to be decoded (Windows 8+ encoded block) */
	unsigned ptr_size;
	uint8_t *raw;  /**< size bytes */
};

/** Read the KDBG at the header's KdDebuggerDataBlock through @p vm. */
struct pm_error *pm_kdbg_read(const struct pm_vmem *vm, uint64_t va, struct pm_kdbg *ret);
/** Take the KDBG copy a triage dump carries (read through the container). */
struct pm_error *pm_kdbg_from_triage(const struct pm_dmp *dmp, struct pm_kdbg *ret);
/** Decode a block already in memory (used by both of the above and by the fuzzer). */
struct pm_error *pm_kdbg_decode(const uint8_t *buf, size_t len, uint64_t va, unsigned ptr_size,
				struct pm_kdbg *ret);
void pm_kdbg_deinit(struct pm_kdbg *k);

/** Value of a field; PM_ERR_PROFILE if the block is too short to hold it. */
struct pm_error *pm_kdbg_get(const struct pm_kdbg *k, enum pm_kdbg_field f, uint64_t *ret);
const char *pm_kdbg_field_name(enum pm_kdbg_field f);
unsigned pm_kdbg_field_offset(enum pm_kdbg_field f);

#endif
