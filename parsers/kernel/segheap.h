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

/** Which kind of subsegment holds an address. */
enum pm_sh_kind {
	PM_SH_NONE, /**< none found: pm_sh_at.why says what the address is, or why it is unknown */
	PM_SH_VS,   /**< a VS (variable size) subsegment */
	PM_SH_LFH,  /**< an LFH (low fragmentation heap) subsegment */
};

/** One allocation (a VS chunk or an LFH block) of a subsegment. */
struct pm_sh_block {
	uint64_t va;         /**< the allocation's first byte: its POOL_HEADER */
	uint64_t chunk;      /**< VS: the chunk, at its encoded header (va - header); LFH: va */
	uint32_t bytes;      /**< the allocator's size: VS chunk minus its header; LFH block size */
	uint32_t pool_bytes; /**< the POOL_HEADER's BlockSize * 16; 0 when free or implausible */
	uint32_t tag;        /**< the POOL_HEADER's tag (stale in a free block); 0 when not read */
	uint8_t pool_type;   /**< the POOL_HEADER's PoolType byte */
	bool allocated;      /**< busy: VS Allocated byte, LFH bitmap bit */
	bool state_unknown;  /**< busy or free not known (a VS chunk read without HeapKey) */
	bool header_ok;      /**< the POOL_HEADER is plausible: printable tag, BlockSize fits */
};

enum { PM_SH_AT_BLOCKS = 256 };

/** The answer of pm_segheap_at(). */
struct pm_sh_at {
	enum pm_sh_kind kind;
	bool keyed;        /**< decoded with HeapKey/LfhKey (symbols); false: read without the keys */
	int heap;          /**< index in _EX_HEAP_POOL_NODE.Heaps (0 NonPaged, 1 NonPagedNx, 2 Paged,
			        3 the fourth); -1 when not known (no symbols) */
	unsigned node;     /**< the pool node (NUMA) of that heap */
	uint64_t segment;  /**< the 1 MiB segment (with symbols: one its heap lists) */
	uint64_t subsegment, sub_bytes;
	uint32_t block_size;  /**< LFH: the blocks' size */
	uint32_t block_count; /**< LFH: BlockCount */
	struct pm_sh_block blocks[PM_SH_AT_BLOCKS]; /**< the allocations on the address's page */
	size_t nblocks;
	size_t hit;        /**< index in blocks of the allocation holding the address; nblocks: none */
	char why[384];     /**< no allocation holds it: where the address is, or why it is unknown */
	char limits[512];  /**< what could not be told (no keys), and the checks that failed */
};

/**
 * Which segment-heap allocation holds @p addr (what WinDbg's !pool answers on 19H1+): the
 * subsegment, the chunk or block with its POOL_HEADER, busy or free, and its neighbours on the
 * same page. With the kernel's symbols (@p t not NULL) the segment is one a heap of
 * ExPoolState lists, its page-range descriptors name the subsegment and HeapKey/LfhKey decode
 * the headers. Without (@p t NULL) the subsegment is looked for page by page back to the 1 MiB
 * segment boundary by what needs no key (the VS subsegment's Size ^ 0x2BED signature; an LFH
 * subsegment's header, bitmap and POOL_HEADERs); what the keys would have told is said in
 * @p ret->limits. Errors: only a walk this reader cannot make at all (x86, a layout it does not
 * decode, no memory); everything else is an answer in @p ret.
 */
struct pm_error *pm_segheap_at(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
			       uint32_t build, uint64_t addr, struct pm_sh_at *ret);

/** "NonPaged", "NonPagedNx", "Paged", "fourth" for pm_sh_at.heap; "unknown" for -1. */
const char *pm_segheap_name(int heap);

#endif
