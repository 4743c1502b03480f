// SPDX-License-Identifier: MIT
// The segment heap's layout (pool-internals.md §1.10) from the kernel's symbols: the pool
// manager, _SEGMENT_HEAP, its segment contexts, segments, page-range descriptors, VS and LFH
// subsegments, the VS chunk header's bits and the keys' places in RtlpHpHeapGlobals. Every
// member goes through pm_sym_member (inside its type, bitfields inside their bytes).
#include <inttypes.h>

#include "pm-reader.h"
#include "segheap-priv.h"

/* A member the symbols give, checked against its type (pm_sym_member: inside the structure,
 * a bitfield inside its bytes); a contradiction stays PM_ERR_BAD_SYMBOLS. */
static struct pm_error *field(struct pm_symtab *t, const char *type, const char *path,
			      struct pm_field *f)
{
	struct pm_error *err = pm_sym_member(t, type, path, f);
	return err ? pm_err_wrap(err, "segment heap layout") : NULL;
}

static struct pm_error *type_size(struct pm_symtab *t, const char *type, uint64_t *size)
{
	struct pm_error *err = pm_sym_type_size(t, type, size);
	return err ? pm_err_wrap(err, "segment heap layout") : NULL;
}

static struct pm_error *offset(struct pm_symtab *t, const char *type, const char *path,
			       uint64_t *off)
{
	struct pm_field f;
	PM_TRY(field(t, type, path, &f));
	*off = f.offset;
	return NULL;
}

struct pm_error *pm_sh_load_layout(struct pm_symtab *t, struct sh_layout *L)
{
	PM_TRY(offset(t, "_EX_POOL_HEAP_MANAGER_STATE", "NumberOfPools", &L->numpools));
	PM_TRY(offset(t, "_EX_POOL_HEAP_MANAGER_STATE", "PoolNode", &L->poolnode));
	PM_TRY(type_size(t, "_EX_HEAP_POOL_NODE", &L->node_size));
	struct pm_field hf;
	PM_TRY(field(t, "_EX_HEAP_POOL_NODE", "Heaps", &hf));
	L->heaps = hf.offset;
	L->nheaps = hf.size; /* bytes: divided by the pointer size below */
	PM_TRY(offset(t, "_SEGMENT_HEAP", "Signature", &L->heap_sig));
	PM_TRY(offset(t, "_SEGMENT_HEAP", "SegContexts", &L->segctx));
	PM_TRY(type_size(t, "_HEAP_SEG_CONTEXT", &L->segctx_size));
	PM_TRY(field(t, "_HEAP_SEG_CONTEXT", "SegmentMask", &L->segmask));
	PM_TRY(field(t, "_HEAP_SEG_CONTEXT", "UnitShift", &L->unitshift));
	PM_TRY(field(t, "_HEAP_SEG_CONTEXT", "FirstDescriptorIndex", &L->firstdesc));
	PM_TRY(field(t, "_HEAP_SEG_CONTEXT", "SegmentListHead", &L->seglist));
	PM_TRY(offset(t, "_HEAP_PAGE_SEGMENT", "ListEntry", &L->seg_list));
	PM_TRY(offset(t, "_HEAP_PAGE_SEGMENT", "Signature", &L->seg_sig));
	PM_TRY(offset(t, "_HEAP_PAGE_SEGMENT", "DescArray", &L->descs));
	PM_TRY(type_size(t, "_HEAP_PAGE_RANGE_DESCRIPTOR", &L->desc_size));
	PM_TRY(field(t, "_HEAP_PAGE_RANGE_DESCRIPTOR", "RangeFlags", &L->rangeflags));
	PM_TRY(field(t, "_HEAP_PAGE_RANGE_DESCRIPTOR", "UnitSize", &L->unitsize));
	PM_TRY(type_size(t, "_HEAP_VS_SUBSEGMENT", &L->vs_hdr));
	L->vs_hdr = (L->vs_hdr + 15) & ~UINT64_C(15); /* chunks are 16-byte aligned (+0x30, §1.10) */
	PM_TRY(offset(t, "_HEAP_VS_SUBSEGMENT", "Size", &L->vs_size));
	PM_TRY(offset(t, "_HEAP_VS_SUBSEGMENT", "Signature", &L->vs_sig));
	PM_TRY(type_size(t, "_HEAP_VS_CHUNK_HEADER", &L->vs_chunk));
	PM_TRY(field(t, "_HEAP_VS_CHUNK_HEADER", "Sizes.UnsafeSize", &L->unsafesize));
	PM_TRY(field(t, "_HEAP_VS_CHUNK_HEADER", "Sizes.UnsafePrevSize", &L->prevsize));
	PM_TRY(field(t, "_HEAP_VS_CHUNK_HEADER", "Sizes.Allocated", &L->allocated));
	PM_TRY(offset(t, "_HEAP_LFH_SUBSEGMENT", "BlockCount", &L->lfh_count));
	PM_TRY(offset(t, "_HEAP_LFH_SUBSEGMENT", "BlockOffsets", &L->lfh_offsets));
	PM_TRY(offset(t, "_HEAP_LFH_SUBSEGMENT", "BlockBitmap", &L->lfh_bitmap));
	PM_TRY(field(t, "_POOL_HEADER", "PoolTag", &L->tag));
	PM_TRY(field(t, "_POOL_HEADER", "BlockSize", &L->blocksize));
	L->ptr_size = t->id.ptr_size ? t->id.ptr_size : 8;
	/* Heaps[] by _EX_HEAP_TYPE: NonPaged, NonPagedNx, Paged and, on every real kernel from
	 * 17763 (facts), a fourth (ExHeapTypeMmSt); a symbol file that gives no array size is
	 * read as the three of the reference */
	L->nheaps = L->nheaps >= L->ptr_size ? L->nheaps / L->ptr_size : 3;
	if (L->nheaps > SH_MAX_HEAPS)
		return pm_err(PM_ERR_UNSUPPORTED, "segment heap layout: _EX_HEAP_POOL_NODE.Heaps "
			      "holds %" PRIu64 " heaps (at most %d are read)", L->nheaps, SH_MAX_HEAPS);
	/* HeapKey is the first qword and LfhKey follows it (§1.10); the symbols say so when they
	 * describe the globals, which not every PDB does. */
	struct pm_field f;
	struct pm_error *e = pm_sym_member(t, "_RTLP_HP_HEAP_GLOBALS", "HeapKey", &f);
	if (e && pm_err_code(e) == PM_ERR_BAD_SYMBOLS)
		return e;
	L->heapkey = e ? 0 : f.offset;
	pm_error_destroy(e);
	e = pm_sym_member(t, "_RTLP_HP_HEAP_GLOBALS", "LfhKey", &f);
	if (e && pm_err_code(e) == PM_ERR_BAD_SYMBOLS)
		return e;
	L->lfhkey = e ? L->ptr_size : f.offset;
	pm_error_destroy(e);
	if (L->desc_size == 0 || L->desc_size > 0x100 || L->vs_chunk < 8 || L->vs_chunk > 0x40 ||
	    L->unsafesize.offset + L->unsafesize.size > 8 || L->allocated.offset + L->allocated.size > 8 ||
	    L->prevsize.offset + L->prevsize.size > 8)
		return pm_err(PM_ERR_UNSUPPORTED, "segment heap layout: a descriptor of %#" PRIx64
			      " bytes or a VS chunk header of %#" PRIx64 " bytes is not one this reader "
			      "decodes", L->desc_size, L->vs_chunk);
	return NULL;
}

