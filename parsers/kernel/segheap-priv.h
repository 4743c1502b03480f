/* SPDX-License-Identifier: MIT */
/**
 * @file segheap-priv.h
 * Shared by the segment-heap readers of this folder (segheap.c: the pool scan; segheap_at.c:
 * the allocation an address is in): the policy limits, the layout the kernel's symbols give
 * and the bounds-checked little-endian fetches over a buffer already read from the dump.
 */
#ifndef PM_SEGHEAP_PRIV_H
#define PM_SEGHEAP_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "profile.h"
#include "symtab.h"

/* Policy limits. */
enum {
	SH_MAX_NODES = 64,
	SH_MAX_HEAPS = 8, /* _EX_HEAP_POOL_NODE.Heaps: 4 on every real kernel of the facts */
	SH_MAX_SEGMENTS = 4096,        /* per segment context */
	SH_MAX_SUBSEG_PAGES = 256,     /* a segment's pages */
	SH_RANGE_LARGE = 3,
	SH_RANGE_LFH = 0xB,
	SH_RANGE_VS = 0xF,
	SH_VS_SIGNATURE_XOR = 0x2BED,
};
static const uint32_t SH_HEAP_SIGNATURE = 0xDDEEDDEE;

/* The layout, from the symbols. */
struct sh_layout {
	uint64_t numpools, poolnode, node_size, heaps, nheaps;           /* pool manager */
	uint64_t heap_sig, segctx, segctx_size;                          /* _SEGMENT_HEAP */
	struct pm_field segmask, unitshift, firstdesc, seglist;           /* _HEAP_SEG_CONTEXT */
	uint64_t seg_list, seg_sig, descs, desc_size;                    /* _HEAP_PAGE_SEGMENT */
	struct pm_field rangeflags, unitsize;                            /* descriptor */
	uint64_t vs_hdr, vs_size, vs_sig;                                /* _HEAP_VS_SUBSEGMENT */
	uint64_t vs_chunk;                                               /* VS chunk header size */
	struct pm_field unsafesize, prevsize, allocated;                 /* in HeaderBits */
	uint64_t lfh_count, lfh_offsets, lfh_bitmap;                     /* _HEAP_LFH_SUBSEGMENT */
	uint64_t heapkey, lfhkey;                                        /* _RTLP_HP_HEAP_GLOBALS */
	struct pm_field tag, blocksize;                                  /* _POOL_HEADER */
	uint64_t ptr_size;
};

static inline uint64_t bits(uint64_t v, const struct pm_field *f)
{
	if (!f->is_bitfield)
		return v;
	v >>= f->bitpos;
	return f->bitlen >= 64 ? v : v & ((UINT64_C(1) << f->bitlen) - 1);
}

/* An unsigned little-endian field of @p f.size bytes at @p off in @p b (bounds checked). */
static inline bool fetch(const uint8_t *b, size_t len, uint64_t off, const struct pm_field *f,
			 uint64_t *ret)
{
	if (f->size == 0 || f->size > 8 || off > len || f->size > len - off)
		return false;
	uint64_t v = 0;
	for (int i = (int)f->size - 1; i >= 0; i--)
		v = v << 8 | b[off + (uint64_t)i];
	*ret = bits(v, f);
	return true;
}

static inline uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (int i = (int)n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/** Load the layout from the symbols (every member checked by pm_sym_member); a layout this
 * reader does not decode is PM_ERR_UNSUPPORTED. */
struct pm_error *pm_sh_load_layout(struct pm_symtab *t, struct sh_layout *L);

#endif
