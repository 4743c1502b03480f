// SPDX-License-Identifier: MIT
// The pool scan of Windows 10 19H1+ (pool-internals.md §1.10): small allocations live in the
// kernel segment heap, reached through nt!ExPoolState and decoded with the keys in
// nt!RtlpHpHeapGlobals, at offsets only the kernel's symbols give. Heaps -> segments (1 MiB,
// listed in each heap's segment contexts) -> page-range descriptors -> LFH and VS
// subsegments -> chunks, each an allocation that starts with a POOL_HEADER. Every pointer is
// checked before it is followed; lists and counts are bounded.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "profile.h"
#include "segheap.h"

#include "segheap-priv.h"

struct sh_ctx {
	struct pm_symtab *t;
	const struct pm_vmem *vm;
	struct sh_layout L;
	uint64_t heap_key, lfh_key, seg_k;
	struct pm_scan *s;
	struct pm_scan_tag *tags;
	size_t ntags, cap;
	struct pm_diags *diags;
	unsigned bad_segments, bad_subsegments, sig_mismatch;
	uint64_t *seen; /* one segment list's segments (SH_MAX_SEGMENTS), for cycle detection */
};

static void count(struct sh_ctx *c, uint32_t tag, bool paged, uint64_t bytes)
{
	tag &= 0x7FFFFFFF;
	size_t i = 0;
	while (i < c->ntags && c->tags[i].tag != tag)
		i++;
	if (i == c->ntags) {
		if (c->ntags == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 64;
			struct pm_scan_tag *n = realloc(c->tags, cap * sizeof(*n));
			if (!n)
				return; /* counted in chunks but not per tag; rare */
			c->tags = n;
			c->cap = cap;
		}
		memset(&c->tags[c->ntags], 0, sizeof(c->tags[0]));
		c->tags[c->ntags++].tag = tag;
	}
	if (paged) {
		c->tags[i].p_count++;
		c->tags[i].p_bytes += bytes;
	} else {
		c->tags[i].np_count++;
		c->tags[i].np_bytes += bytes;
	}
}

/* The allocation at @p off of a subsegment buffer: its POOL_HEADER's tag and block size. */
static void pool_chunk(struct sh_ctx *c, const uint8_t *b, size_t len, uint64_t off, bool paged)
{
	uint64_t tag, bs;
	if (!fetch(b, len, off + c->L.tag.offset, &c->L.tag, &tag) ||
	    !fetch(b, len, off + c->L.blocksize.offset, &c->L.blocksize, &bs))
		return;
	c->s->chunks++;
	count(c, (uint32_t)tag, paged, bs * 16);
}

static struct pm_error *read_range(struct sh_ctx *c, uint64_t va, uint64_t npages, uint8_t **ret)
{
	uint8_t *b = malloc((size_t)npages * 4096);
	if (!b)
		return &pm_enomem;
	struct pm_error *err = pm_vmem_read(c->vm, va, b, (size_t)npages * 4096);
	if (err) {
		free(b);
		return err;
	}
	c->s->bytes_read += npages * 4096;
	c->s->pages_examined += npages;
	*ret = b;
	return NULL;
}

static void vs_subsegment(struct sh_ctx *c, uint64_t va, uint64_t npages, bool paged)
{
	uint8_t *b;
	struct pm_error *err = read_range(c, va, npages, &b);
	if (err) {
		pm_diag_take(c->diags, "segheap", pm_err_wrap(err, "VS subsegment at %#" PRIx64, va));
		return;
	}
	size_t len = (size_t)npages * 4096;
	uint64_t size = 0, sig = 0;
	struct pm_field u16 = { .size = 2 };
	if (!fetch(b, len, c->L.vs_size, &u16, &size) || !fetch(b, len, c->L.vs_sig, &u16, &sig) ||
	    ((size ^ SH_VS_SIGNATURE_XOR) & 0x7FFF) != (sig & 0x7FFF) || size * 16 > len) {
		c->bad_subsegments++;
		free(b);
		return;
	}
	c->s->pool_pages += npages;
	c->s->subsegments++;
	uint64_t end = size * 16;
	for (uint64_t off = c->L.vs_hdr; off + c->L.vs_chunk <= end;) {
		uint64_t raw = le(b + off, 8) ^ (va + off) ^ c->heap_key;
		uint64_t units = bits(raw >> (c->L.unsafesize.offset * 8), &c->L.unsafesize);
		uint64_t alloc = bits(raw >> (c->L.allocated.offset * 8), &c->L.allocated);
		if (!units || off + units * 16 > end) {
			c->bad_subsegments++; /* a header that does not decode: stop here */
			break;
		}
		if (alloc)
			pool_chunk(c, b, len, off + c->L.vs_chunk, paged);
		else
			c->s->free_chunks++, c->s->chunks++;
		off += units * 16;
	}
	free(b);
}

static void lfh_subsegment(struct sh_ctx *c, uint64_t va, uint64_t npages, bool paged)
{
	uint8_t *b;
	struct pm_error *err = read_range(c, va, npages, &b);
	if (err) {
		pm_diag_take(c->diags, "segheap", pm_err_wrap(err, "LFH subsegment at %#" PRIx64, va));
		return;
	}
	size_t len = (size_t)npages * 4096;
	if (c->L.lfh_offsets + 4 > len || c->L.lfh_count + 2 > len) {
		free(b);
		c->bad_subsegments++;
		return;
	}
	uint64_t n = le(b + c->L.lfh_count, 2);
	uint32_t dec = (uint32_t)le(b + c->L.lfh_offsets, 4) ^ (uint32_t)c->lfh_key ^
		       (uint32_t)(va >> 12);
	uint64_t bsize = dec & 0xFFFF, first = dec >> 16;
	uint64_t bitmap_end = c->L.lfh_bitmap + (n * 2 + 63) / 64 * 8;
	if (bsize < 16 || !n || first < bitmap_end || first + n * bsize > len || bitmap_end > len) {
		c->bad_subsegments++;
		free(b);
		return;
	}
	c->s->pool_pages += npages;
	c->s->subsegments++;
	for (uint64_t k = 0; k < n; k++) {
		uint64_t word = le(b + c->L.lfh_bitmap + k / 32 * 8, 8);
		/* two bits per block: bit 0 busy, bit 1 "unused bytes present" (1 or 3 = in use) */
		if ((word >> (2 * (k % 32))) & 1)
			pool_chunk(c, b, len, first + k * bsize, paged);
		else
			c->s->free_chunks++, c->s->chunks++;
	}
	free(b);
}

static void segment(struct sh_ctx *c, uint64_t seg, uint64_t heap, unsigned firstdesc,
		    bool paged)
{
	uint8_t *d = malloc((size_t)(256 * c->L.desc_size));
	uint64_t sig;
	if (!d)
		return;
	struct pm_error *err = pm_vmem_read_ptr(c->vm, seg + c->L.seg_sig, &sig);
	if (!err)
		err = pm_vmem_read(c->vm, seg + c->L.descs, d, (size_t)(256 * c->L.desc_size));
	if (err) {
		pm_diag_take(c->diags, "segheap", pm_err_wrap(err, "heap segment at %#" PRIx64, seg));
		free(d);
		return;
	}
	/* §1.10 [L]: the decoded signature names the owning heap. The formula is not settled, so a
	 * mismatch is reported but the segment is still walked: its subsegments carry their own
	 * checks (VS signature, LFH offsets inside the subsegment). */
	if ((sig ^ c->heap_key ^ seg ^ c->seg_k) != heap)
		c->sig_mismatch++;
	size_t dlen = (size_t)(256 * c->L.desc_size);
	for (uint64_t i = firstdesc; i < 256;) {
		uint64_t flags = 0, units = 0;
		uint64_t at = i * c->L.desc_size;
		if (!fetch(d, dlen, at + c->L.rangeflags.offset, &c->L.rangeflags, &flags) ||
		    !fetch(d, dlen, at + c->L.unitsize.offset, &c->L.unitsize, &units))
			break;
		if (!units)
			units = 1;
		if (i + units > 256)
			units = 256 - i;
		if ((flags & 0x1F) == SH_RANGE_VS)
			vs_subsegment(c, seg + i * 4096, units, paged);
		else if ((flags & 0x1F) == SH_RANGE_LFH)
			lfh_subsegment(c, seg + i * 4096, units, paged);
		i += units;
	}
	free(d);
}

static void heap_walk(struct sh_ctx *c, uint64_t heap, bool paged)
{
	uint8_t hb[4] = { 0 };
	struct pm_error *err = pm_vmem_read(c->vm, heap + c->L.heap_sig, hb, 4);
	if (err || (uint32_t)le(hb, 4) != SH_HEAP_SIGNATURE) {
		pm_diag_add(c->diags, PM_ERR_FORMAT, "segheap", "segment heap at %#" PRIx64 ": %s",
			    heap, err ? pm_err_msg(err) : "no 0xDDEEDDEE signature; not walked");
		pm_error_destroy(err);
		return;
	}
	for (unsigned k = 0; k < 2; k++) {
		uint64_t ctx = heap + c->L.segctx + k * c->L.segctx_size;
		uint8_t cb[0x100];
		if (c->L.segctx_size > sizeof(cb))
			continue;
		struct pm_error *e1 = pm_vmem_read(c->vm, ctx, cb, (size_t)c->L.segctx_size);
		if (e1) {
			pm_diag_take(c->diags, "segheap", pm_err_wrap(e1, "segment context"));
			continue;
		}
		uint64_t mask, shift, first;
		size_t cl = (size_t)c->L.segctx_size;
		if (!fetch(cb, cl, c->L.segmask.offset, &c->L.segmask, &mask) ||
		    !fetch(cb, cl, c->L.unitshift.offset, &c->L.unitshift, &shift) ||
		    !fetch(cb, cl, c->L.firstdesc.offset, &c->L.firstdesc, &first) || shift != 12)
			continue; /* only 4 KiB units are walked */
		uint64_t head = ctx + c->L.seglist.offset, e;
		if (pm_vmem_read_ptr(c->vm, head, &e))
			continue;
		size_t nseen = 0;
		for (unsigned n = 0; e != head && n < SH_MAX_SEGMENTS; n++) {
			uint64_t seg = e - c->L.seg_list;
			bool again = false;
			for (size_t i = 0; i < nseen && !again; i++)
				again = c->seen[i] == seg;
			if ((seg & ~mask) || again) {
				c->bad_segments++; /* misaligned, or a cycle */
				break;
			}
			if (nseen < SH_MAX_SEGMENTS)
				c->seen[nseen++] = seg;
			segment(c, seg, heap, (unsigned)(first < 256 ? first : 256), paged);
			struct pm_error *e2 = pm_vmem_read_ptr(c->vm, e, &e);
			if (e2) {
				pm_error_destroy(e2);
				break;
			}
		}
	}
}

static int tag_cmp(const void *x, const void *y)
{
	const struct pm_scan_tag *a = x, *b = y;
	uint8_t ka[4], kb[4];
	for (int i = 0; i < 4; i++) {
		ka[i] = (uint8_t)(a->tag >> (8 * i));
		kb[i] = (uint8_t)(b->tag >> (8 * i));
	}
	return memcmp(ka, kb, 4);
}

struct pm_error *pm_segheap_scan(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				 uint32_t build, struct pm_scan *ret, struct pm_diags *diags)
{
	struct sh_ctx c;
	memset(&c, 0, sizeof(c));
	memset(ret, 0, sizeof(*ret));
	c.t = t;
	c.vm = vm;
	c.s = ret;
	c.diags = diags;
	if (t->id.ptr_size && t->id.ptr_size != 8)
		return pm_err(PM_ERR_UNSUPPORTED, "the segment-heap walk decodes x64 kernels only "
			      "(the x86 chunk headers are not described in the reference)");
	/* §1.10 [M]: the segment signature's constant, gone in 24H2 */
	c.seg_k = pm_build_has(build, PM_FEAT_SEGMENT_SIG_UNKEYED) ? 0
								  : UINT64_C(0xA2E64EADA2E64EAD);
	PM_TRY(pm_sh_load_layout(t, &c.L));
	uint64_t st, gl;
	PM_TRY(pm_sym_global(t, kb, "ExPoolState", &st));
	PM_TRY(pm_sym_global(t, kb, "RtlpHpHeapGlobals", &gl));
	PM_TRY(pm_vmem_read_ptr(vm, gl + c.L.heapkey, &c.heap_key));
	PM_TRY(pm_vmem_read_ptr(vm, gl + c.L.lfhkey, &c.lfh_key));
	uint8_t nb[4];
	PM_TRY(pm_vmem_read(vm, st + c.L.numpools, nb, 4));
	uint32_t npools = (uint32_t)le(nb, 4);
	if (!npools || npools > SH_MAX_NODES)
		return pm_err(PM_ERR_FORMAT, "ExPoolState at %#" PRIx64 ": NumberOfPools %u is not "
			      "1..%d", st, npools, SH_MAX_NODES);
	c.seen = malloc(SH_MAX_SEGMENTS * sizeof(*c.seen));
	if (!c.seen)
		return &pm_enomem;
	for (uint32_t node = 0; node < npools; node++)
		for (unsigned h = 0; h < c.L.nheaps; h++) { /* NonPaged, NonPagedNx, Paged, MmSt */
			uint64_t heap;
			uint64_t at = st + c.L.poolnode + node * c.L.node_size + c.L.heaps +
				      h * c.L.ptr_size;
			struct pm_error *err = pm_vmem_read_ptr(vm, at, &heap);
			if (err) {
				pm_diag_take(diags, "segheap", err);
				continue;
			}
			if (heap)
				heap_walk(&c, heap, h == 2);
		}
	if (c.sig_mismatch)
		pm_diag_add(diags, PM_ERR_FORMAT, "segheap", "%u heap segments have a Signature that "
			    "does not decode to their heap with HeapKey; walked anyway (the formula is "
			    "not settled)", c.sig_mismatch);
	free(c.seen);
	if (c.bad_segments)
		pm_diag_add(diags, PM_ERR_FORMAT, "segheap", "%u segment lists ended early (an entry "
			    "not on a segment boundary, or a cycle); the rest of each was not walked",
			    c.bad_segments);
	if (c.bad_subsegments)
		pm_diag_add(diags, PM_ERR_FORMAT, "segheap", "%u subsegments did not decode with the "
			    "keys in RtlpHpHeapGlobals (signature, offsets or a chunk header); their "
			    "chunks (or the rest of them) are not counted", c.bad_subsegments);
	if (c.ntags > 1)
		qsort(c.tags, c.ntags, sizeof(*c.tags), tag_cmp);
	ret->tags = c.tags;
	ret->ntags = c.ntags;
	ret->method = PM_SCAN_SEGHEAP;
	ret->undecoded = (uint64_t)c.bad_segments + c.bad_subsegments;
	return NULL;
}
