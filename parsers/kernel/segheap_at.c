// SPDX-License-Identifier: MIT
// Which segment-heap allocation an address is in (pool-internals.md §1.10), as WinDbg's !pool
// answers on 19H1+. With the kernel's symbols: the 1 MiB segment holding the address must be
// one a heap of ExPoolState lists; its page-range descriptors name the LFH or VS subsegment;
// HeapKey decodes the VS chunk headers (raw ^ chunk address ^ HeapKey) and LfhKey the LFH
// BlockOffsets (raw ^ LfhKey ^ subsegment >> 12). Without them: only what needs no key — the
// VS subsegment's Size ^ 0x2BED signature, the LFH header's counts, its (plain) block bitmap and
// the blocks' own POOL_HEADERs. Every decoded field is checked before it is believed; every
// walk is bounded (a segment's 256 pages, its list length, a subsegment's size).
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "segheap-priv.h"
#include "segheap.h"

enum {
	PAGE = 4096,
	SEGMENT = 1 << 20,      /* SegmentMask 0xFFFFFFFFFFF00000 (§1.10): 1 MiB segments */
	MAX_LIST_STEPS = 16384, /* segment-list entries followed in one lookup, all heaps */
	LFH_MAX_BLOCKS = 4096,  /* BlockCount believed: a 1 MiB segment of 256-byte blocks */
	LFH_MAX_BLOCK = 0x210,  /* LFH serves up to 512 bytes (§1.10) plus the POOL_HEADER */
	LFH_FIRST_WINDOW = 0x100, /* keyless: where after the bitmap the first block may start */
	/* x64 POOL_HEADER (§1.2): BlockSize byte 2 (16-byte units), PoolType byte 3, tag at 4 */
	PH_BLOCKSIZE = 2, PH_POOLTYPE = 3, PH_TAG = 4, PH_SIZE = 16,
	/* the places the keyless reading relies on, the same in every real kernel of
	 * fixtures/facts (_HEAP_VS_SUBSEGMENT, _HEAP_LFH_SUBSEGMENT) and in the fixture kernel */
	VS_SIZE = 0x20, VS_SIG = 0x22, VS_FIRST_CHUNK = 0x30,
	LFH_FREECOUNT = 0x20, LFH_COUNT = 0x22, LFH_BITMAP = 0x30,
};

struct at_ctx {
	struct pm_symtab *t;
	const struct pm_vmem *vm;
	struct sh_layout L;
	uint64_t heap_key, lfh_key, seg_k;
	uint64_t addr;
	unsigned steps;
	struct pm_sh_at *r;
};

/* A subsegment's bytes, read page by page: a page not in the dump (uncommitted, paged out, not
 * captured) is marked absent, never taken as zeros. Its first page is always present. */
struct sub {
	uint64_t va;
	uint8_t *b;
	size_t len;
	bool present[SH_MAX_SUBSEG_PAGES];
	unsigned missing;
};

/* Are the @p n bytes at @p off all on pages of @p s that are in the dump? */
static bool sub_has(const struct sub *s, uint64_t off, uint64_t n)
{
	if (off > s->len || n > s->len - off)
		return false;
	for (uint64_t p = off / PAGE; n && p <= (off + n - 1) / PAGE; p++)
		if (!s->present[p])
			return false;
	return true;
}

#define NOTE(r, ...) note((r)->limits, sizeof((r)->limits), __VA_ARGS__)

__attribute__((format(printf, 3, 4))) static void note(char *buf, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(buf);
	if (n + 3 >= cap)
		return;
	if (n) {
		memcpy(buf + n, "; ", 3);
		n += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
}

static bool canonical_kernel(uint64_t p)
{
	return p >> 47 == 0x1FFFF;
}

static bool printable_tag(uint32_t tag)
{
	tag &= 0x7FFFFFFF; /* bit 31: a protected tag */
	for (int i = 0; i < 4; i++) {
		uint8_t ch = (uint8_t)(tag >> (8 * i));
		if (ch < 0x20 || ch > 0x7E)
			return false;
	}
	return true;
}

/* The POOL_HEADER at @p off of @p s into @p k; @p room: the bytes the allocator gave it. */
static void pool_header(const struct sub *s, uint64_t off, uint32_t room, struct pm_sh_block *k)
{
	if (!sub_has(s, off, PH_SIZE))
		return; /* not read: no tag, not plausible */
	const uint8_t *b = s->b;
	uint32_t bs = b[off + PH_BLOCKSIZE];
	k->tag = (uint32_t)le(b + off + PH_TAG, 4);
	k->pool_type = b[off + PH_POOLTYPE];
	k->header_ok = printable_tag(k->tag) && bs && (uint64_t)bs * 16 <= room;
	k->pool_bytes = (k->allocated || k->state_unknown) && k->header_ok ? bs * 16 : 0;
}

/* Keep @p k (spanning [k->chunk, @p end)) in the answer; it holds the address if it spans it. */
static void add_block(struct at_ctx *c, const struct pm_sh_block *k, uint64_t end)
{
	struct pm_sh_at *r = c->r;
	if (r->nblocks >= PM_SH_AT_BLOCKS)
		return;
	if (c->addr >= k->chunk && c->addr < end)
		r->hit = r->nblocks;
	r->blocks[r->nblocks++] = *k;
}

static bool on_page(uint64_t addr, uint64_t start, uint64_t end)
{
	uint64_t pg = addr & ~(uint64_t)(PAGE - 1);
	return start < pg + PAGE && end > pg;
}

/* The LFH blocks of the subsegment @p s on the address's page, given the
 * block size and first block (decoded with LfhKey, or read from the POOL_HEADERs), its bitmap
 * at +@p bitmap ending before @p first (checked by the callers). */
static void lfh_blocks(struct at_ctx *c, const struct sub *s, uint64_t bitmap, uint64_t n,
		       uint64_t bs, uint64_t first)
{
	struct pm_sh_at *r = c->r;
	uint64_t va = s->va;
	if (!sub_has(s, bitmap, (n * 2 + 63) / 64 * 8)) {
		snprintf(r->why, sizeof(r->why), "in the LFH subsegment at %#" PRIx64 ", whose block "
			 "bitmap is on a page not in the dump", va);
		return;
	}
	r->kind = PM_SH_LFH;
	r->subsegment = va;
	r->block_size = (uint32_t)bs;
	r->block_count = (uint32_t)n;
	uint64_t pg = c->addr & ~(uint64_t)(PAGE - 1);
	uint64_t k = pg > va + first ? (pg - va - first) / bs : 0;
	for (; k < n && va + first + k * bs < pg + PAGE; k++) {
		uint64_t off = first + k * bs;
		struct pm_sh_block blk = { .va = va + off, .chunk = va + off, .bytes = (uint32_t)bs };
		uint64_t word = le(s->b + bitmap + k / 32 * 8, 8); /* present: checked */
		blk.allocated = (word >> (2 * (k % 32))) & 1; /* 2 bits a block: bit 0 busy */
		pool_header(s, off, (uint32_t)bs, &blk);
		add_block(c, &blk, va + off + bs);
	}
	uint64_t rel = c->addr - va;
	if (rel < first)
		snprintf(r->why, sizeof(r->why), "in the header of the LFH subsegment at %#" PRIx64
			 " (its block bitmap; the first of its %" PRIu64 " blocks of %#" PRIx64
			 " bytes is at %#" PRIx64 ")", va, n, bs, va + first);
	else if ((rel - first) / bs >= n)
		snprintf(r->why, sizeof(r->why), "in the LFH subsegment at %#" PRIx64 " after its last "
			 "block (%" PRIu64 " blocks of %#" PRIx64 " bytes end at %#" PRIx64 "): unused",
			 va, n, bs, va + first + n * bs);
}

/* The LFH subsegment at @p va decoded with LfhKey. */
static void lfh_keyed(struct at_ctx *c, const struct sub *s)
{
	struct pm_sh_at *r = c->r;
	const uint8_t *b = s->b;
	size_t len = s->len;
	uint64_t va = s->va;
	r->subsegment = va;
	if (!sub_has(s, c->L.lfh_offsets, 4) || !sub_has(s, c->L.lfh_count, 2) ||
	    c->L.lfh_bitmap > len) {
		snprintf(r->why, sizeof(r->why), "in the LFH subsegment at %#" PRIx64 " (%zu bytes), "
			 "smaller than its header as the symbols describe it", va, len);
		return;
	}
	uint64_t n = le(b + c->L.lfh_count, 2);
	uint32_t dec = (uint32_t)le(b + c->L.lfh_offsets, 4) ^ (uint32_t)c->lfh_key ^
		       (uint32_t)(va >> 12);
	uint64_t bs = dec & 0xFFFF, first = dec >> 16;
	uint64_t bitmap_end = c->L.lfh_bitmap + (n * 2 + 63) / 64 * 8;
	if (bs < 16 || bs % 16 || bs > LFH_MAX_BLOCK || !n || n > LFH_MAX_BLOCKS ||
	    first < bitmap_end || first + n * bs > len) {
		snprintf(r->why, sizeof(r->why), "in the LFH subsegment at %#" PRIx64 " (%zu bytes), "
			 "whose BlockOffsets do not decode with LfhKey to a plausible layout (%" PRIu64
			 " blocks of %#" PRIx64 " bytes from +%#" PRIx64 ")", va, len, n, bs, first);
		return;
	}
	lfh_blocks(c, s, c->L.lfh_bitmap, n, bs, first);
}

/* The VS subsegment at @p va, its chunk headers decoded with HeapKey. */
static void vs_keyed(struct at_ctx *c, const struct sub *s, uint64_t end)
{
	struct pm_sh_at *r = c->r;
	uint64_t va = s->va;
	uint64_t off = c->L.vs_hdr, prev = 0;
	bool chained = true;
	for (unsigned n = 0; off + c->L.vs_chunk <= end && n < SEGMENT / 16; n++) {
		if (!sub_has(s, off, c->L.vs_chunk)) {
			NOTE(r, "the VS chunk header at %#" PRIx64 " is on a page not in the dump: the "
			     "chunks from there on are not known", va + off);
			break;
		}
		uint64_t raw = le(s->b + off, 8) ^ (va + off) ^ c->heap_key;
		uint64_t units = bits(raw >> (c->L.unsafesize.offset * 8), &c->L.unsafesize);
		uint64_t pu = bits(raw >> (c->L.prevsize.offset * 8), &c->L.prevsize);
		uint64_t alloc = bits(raw >> (c->L.allocated.offset * 8), &c->L.allocated);
		if (units > end / 16 || units * 16 <= c->L.vs_chunk || off + units * 16 > end ||
		    alloc > 1) {
			NOTE(r, "the VS chunk header at %#" PRIx64 " does not decode with HeapKey (%"
			     PRIu64 " units, Allocated %" PRIu64 "): the chunks from there on are not "
			     "known", va + off, units, alloc);
			break;
		}
		if (pu != prev && chained) {
			NOTE(r, "the chunk at %#" PRIx64 " says the previous chunk has %" PRIu64
			     " units, it has %" PRIu64, va + off, pu, prev);
			chained = false;
		}
		uint64_t cend = va + off + units * 16;
		if (on_page(c->addr, va + off, cend)) {
			struct pm_sh_block blk = { .va = va + off + c->L.vs_chunk, .chunk = va + off,
						   .bytes = (uint32_t)(units * 16 - c->L.vs_chunk),
						   .allocated = alloc == 1 };
			pool_header(s, off + c->L.vs_chunk, blk.bytes, &blk);
			add_block(c, &blk, cend);
			if (c->addr >= va + off && c->addr < blk.va)
				NOTE(r, "the address is in the chunk's encoded VS header, before the "
				     "allocation's POOL_HEADER at %#" PRIx64, blk.va);
		}
		prev = units;
		off += units * 16;
	}
	if (c->addr - va < c->L.vs_hdr)
		snprintf(r->why, sizeof(r->why), "in the header of the VS subsegment at %#" PRIx64
			 " (its first chunk is at %#" PRIx64 ")", va, va + c->L.vs_hdr);
	else if (c->addr >= va + off)
		snprintf(r->why, sizeof(r->why), "in the VS subsegment at %#" PRIx64 " beyond the "
			 "chunks decoded (they end at %#" PRIx64 ")", va, va + off);
}

/* The VS subsegment's own check, which needs no key: Signature == Size ^ 0x2BED (15 bits). */
static bool vs_signature(const uint8_t *b, size_t len, uint64_t at_size, uint64_t at_sig,
			 uint64_t *bytes)
{
	if (at_size + 2 > len || at_sig + 2 > len)
		return false;
	uint64_t size = le(b + at_size, 2), sig = le(b + at_sig, 2);
	*bytes = size * 16;
	return ((size ^ SH_VS_SIGNATURE_XOR) & 0x7FFF) == (sig & 0x7FFF) && size;
}

/* Read the @p npages (1..SH_MAX_SUBSEG_PAGES) at @p va into @p s, page by page; an error only
 * when the first page (the subsegment's header) is not there, or no memory. */
static struct pm_error *sub_read(const struct pm_vmem *vm, uint64_t va, uint64_t npages,
				 struct sub *s)
{
	memset(s, 0, sizeof(*s));
	s->va = va;
	s->len = (size_t)npages * PAGE;
	if (!npages || npages > SH_MAX_SUBSEG_PAGES || !(s->b = malloc(s->len)))
		return npages ? &pm_enomem : pm_err(PM_ERR_FORMAT, "an empty subsegment");
	for (uint64_t i = 0; i < npages; i++) {
		struct pm_error *err = pm_vmem_read(vm, va + i * PAGE, s->b + i * PAGE, PAGE);
		if (err && !i) {
			free(s->b);
			s->b = NULL;
			return err;
		}
		pm_error_destroy(err);
		s->present[i] = !err;
		s->missing += err != NULL;
		if (err)
			memset(s->b + i * PAGE, 0, PAGE); /* never read: present[i] says so */
	}
	return NULL;
}

/* The subsegment of @p npages at @p va that the descriptors name (@p flags VS or LFH). */
static void subsegment_keyed(struct at_ctx *c, uint64_t va, uint64_t npages, uint64_t flags)
{
	struct pm_sh_at *r = c->r;
	bool vs = flags == SH_RANGE_VS;
	struct sub s;
	struct pm_error *err = sub_read(c->vm, va, npages, &s);
	if (err) {
		snprintf(r->why, sizeof(r->why), "in the %s subsegment at %#" PRIx64 " (%" PRIu64
			 " pages), which cannot be read: %s", vs ? "VS" : "LFH", va, npages,
			 pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	r->sub_bytes = s.len;
	uint64_t size;
	if (!vs) {
		lfh_keyed(c, &s);
	} else if (!vs_signature(s.b, PAGE, c->L.vs_size, c->L.vs_sig, &size) || size > s.len) {
		r->subsegment = va;
		snprintf(r->why, sizeof(r->why), "in a page range the descriptors call a VS "
			 "subsegment (%#" PRIx64 ", %" PRIu64 " pages), whose Size/Signature do not "
			 "agree (Size ^ 0x2BED) or exceed the range", va, npages);
	} else {
		r->kind = PM_SH_VS;
		r->subsegment = va;
		r->sub_bytes = size;
		vs_keyed(c, &s, size);
	}
	if (s.missing)
		NOTE(r, "%u of the subsegment's %" PRIu64 " pages are not in the dump", s.missing,
		     npages);
	free(s.b);
}

/* The segment's page-range descriptors, walked from FirstDescriptorIndex by UnitSize, to the
 * range holding the address. */
static void segment_keyed(struct at_ctx *c, uint64_t seg, uint64_t firstdesc)
{
	struct pm_sh_at *r = c->r;
	size_t dlen = (size_t)(256 * c->L.desc_size);
	uint8_t *d = malloc(dlen);
	if (!d) {
		snprintf(r->why, sizeof(r->why), "out of memory");
		return;
	}
	struct pm_error *err = pm_vmem_read(c->vm, seg + c->L.descs, d, dlen);
	if (err) {
		snprintf(r->why, sizeof(r->why), "in the heap segment at %#" PRIx64 ", whose "
			 "page-range descriptors cannot be read: %s", seg, pm_err_msg(err));
		pm_error_destroy(err);
		free(d);
		return;
	}
	uint64_t page = (c->addr - seg) / PAGE, i = firstdesc;
	if (page < firstdesc)
		snprintf(r->why, sizeof(r->why), "in the header of the heap segment at %#" PRIx64
			 " (its first %" PRIu64 " pages: the page-range descriptors)", seg, firstdesc);
	while (page >= firstdesc && i < 256) {
		uint64_t flags = 0, units = 0, at = i * c->L.desc_size;
		if (!fetch(d, dlen, at + c->L.rangeflags.offset, &c->L.rangeflags, &flags) ||
		    !fetch(d, dlen, at + c->L.unitsize.offset, &c->L.unitsize, &units))
			break;
		units = units ? units : 1;
		units = i + units > 256 ? 256 - i : units;
		if (page < i + units) {
			flags &= 0x1F;
			if (flags == SH_RANGE_VS || flags == SH_RANGE_LFH)
				subsegment_keyed(c, seg + i * PAGE, units, flags);
			else
				snprintf(r->why, sizeof(r->why), "in a page range of the heap segment "
					 "at %#" PRIx64 " (%#" PRIx64 ", %" PRIu64 " pages) with "
					 "RangeFlags %#" PRIx64 "%s, not an LFH or VS subsegment", seg,
					 seg + i * PAGE, units, flags, flags == SH_RANGE_LARGE ?
					 " (a large range: the segment backend, not a pool chunk)" : "");
			break;
		}
		i += units;
	}
	free(d);
}

/* Is @p want on the segment list at @p head? Bounded by the list length and c->steps. */
static bool on_list(struct at_ctx *c, uint64_t head, uint64_t want)
{
	uint64_t e;
	if (pm_vmem_read_ptr(c->vm, head, &e))
		return false;
	for (unsigned n = 0; e != head && n < SH_MAX_SEGMENTS && c->steps < MAX_LIST_STEPS; n++) {
		c->steps++;
		if (e - c->L.seg_list == want)
			return true;
		struct pm_error *err = pm_vmem_read_ptr(c->vm, e, &e);
		if (err) {
			pm_error_destroy(err);
			return false;
		}
	}
	return false;
}

/* Does the heap at @p heap list the segment holding the address? Then the answer is its. */
static bool heap_has(struct at_ctx *c, uint64_t heap)
{
	uint8_t hb[4];
	struct pm_error *err = pm_vmem_read(c->vm, heap + c->L.heap_sig, hb, 4);
	if (err || (uint32_t)le(hb, 4) != SH_HEAP_SIGNATURE) {
		pm_error_destroy(err);
		return false;
	}
	for (unsigned k = 0; k < 2; k++) {
		uint64_t ctx = heap + c->L.segctx + k * c->L.segctx_size, mask, shift, first;
		uint8_t cb[0x100];
		if (c->L.segctx_size > sizeof(cb))
			continue;
		err = pm_vmem_read(c->vm, ctx, cb, (size_t)c->L.segctx_size);
		if (err) { /* an unreadable context is not this heap's answer */
			pm_error_destroy(err);
			continue;
		}
		size_t cl = (size_t)c->L.segctx_size;
		if (!fetch(cb, cl, c->L.segmask.offset, &c->L.segmask, &mask) ||
		    !fetch(cb, cl, c->L.unitshift.offset, &c->L.unitshift, &shift) ||
		    !fetch(cb, cl, c->L.firstdesc.offset, &c->L.firstdesc, &first) || shift != 12 ||
		    (~mask + 1) != SEGMENT)
			continue; /* 4 KiB units in 1 MiB segments only, as the scan */
		uint64_t seg = c->addr & mask;
		if (!on_list(c, ctx + c->L.seglist.offset, seg))
			continue;
		c->r->segment = seg;
		uint64_t sig;
		struct pm_error *serr = pm_vmem_read_ptr(c->vm, seg + c->L.seg_sig, &sig);
		if (serr)
			pm_error_destroy(serr); /* the check is skipped, not the lookup */
		else if ((sig ^ c->heap_key ^ seg ^ c->seg_k) != heap)
			NOTE(c->r, "the segment's Signature does not decode to its heap with HeapKey "
			     "(the formula is not settled, §1.10)");
		segment_keyed(c, seg, first < 256 ? first : 256);
		return true;
	}
	return false;
}

static const char *const HEAP_NAMES[] = { "NonPaged", "NonPagedNx", "Paged", "fourth" };

/* With the symbols: the heaps of every pool node, ExPoolState.PoolNode[].Heaps[]. */
static struct pm_error *keyed(struct at_ctx *c, uint64_t kb, uint32_t build)
{
	struct pm_sh_at *r = c->r;
	c->seg_k = pm_build_has(build, PM_FEAT_SEGMENT_SIG_UNKEYED) ? 0
								   : UINT64_C(0xA2E64EADA2E64EAD);
	PM_TRY(pm_sh_load_layout(c->t, &c->L));
	uint64_t st, gl;
	PM_TRY(pm_sym_global(c->t, kb, "ExPoolState", &st));
	PM_TRY(pm_sym_global(c->t, kb, "RtlpHpHeapGlobals", &gl));
	PM_TRY(pm_vmem_read_ptr(c->vm, gl + c->L.heapkey, &c->heap_key));
	PM_TRY(pm_vmem_read_ptr(c->vm, gl + c->L.lfhkey, &c->lfh_key));
	uint8_t nb[4];
	PM_TRY(pm_vmem_read(c->vm, st + c->L.numpools, nb, 4));
	uint32_t npools = (uint32_t)le(nb, 4);
	if (!npools || npools > SH_MAX_NODES)
		return pm_err(PM_ERR_FORMAT, "ExPoolState at %#" PRIx64 ": NumberOfPools %u is not "
			      "1..%d", st, npools, SH_MAX_NODES);
	r->keyed = true;
	unsigned heaps = 0;
	for (uint32_t node = 0; node < npools; node++)
		for (unsigned h = 0; h < c->L.nheaps; h++) {
			uint64_t heap, at = st + c->L.poolnode + node * c->L.node_size + c->L.heaps +
					    h * c->L.ptr_size;
			struct pm_error *err = pm_vmem_read_ptr(c->vm, at, &heap);
			if (err) {
				pm_error_destroy(err);
				continue;
			}
			if (!heap)
				continue;
			heaps++;
			if (heap_has(c, heap)) {
				r->heap = (int)h;
				r->node = node;
				return NULL;
			}
		}
	snprintf(r->why, sizeof(r->why), "not in any 1 MiB segment that the %u segment heaps of "
		 "ExPoolState list (%u list entries followed%s)", heaps, c->steps,
		 c->steps >= MAX_LIST_STEPS ? ", the most one lookup follows" : "");
	return NULL;
}

/*
 * Keyless VS. A chunk header is stored as X ^ its address ^ HeapKey, so X = stored ^ address
 * is the decoded header ^ HeapKey, and between two chunks the key cancels. Anchored on the
 * first chunk's UnsafePrevSize being 0, the first chunk's size u is the one whose successor's
 * UnsafePrevSize field reads u; that gives HeapKey's bits over UnsafeSize and UnsafePrevSize
 * (16..47, the fields' places in _HEAP_VS_CHUNK_HEADER_SIZE: MemoryCost:16, UnsafeSize:16,
 * UnsafePrevSize:16, Allocated:8), and the whole chain must then agree and end exactly at the
 * subsegment's end. The Allocated byte stays encoded: a chunk's state is not told.
 */
enum { VS_UNITS = 16, VS_PREV = 32, VS_ALLOC = 48, VS_HDR = 16 };

static uint64_t vs_x(const struct sub *s, uint64_t off)
{
	return le(s->b + off, 8) ^ (s->va + off);
}

/* The chain decoded with key bits @p k: true when it runs exactly to @p end, every
 * UnsafePrevSize naming the chunk before and the Allocated bytes of at most two values one
 * bit apart (0 and 1 under the key). */
static bool vs_chain_ok(const struct sub *s, uint64_t end, uint64_t k)
{
	uint64_t off = VS_FIRST_CHUNK, prev = 0;
	int a0 = -1;
	while (off < end) {
		if (end - off < 2 * VS_HDR || !sub_has(s, off, VS_HDR))
			return false;
		uint64_t x = vs_x(s, off), d = x ^ k;
		uint64_t units = d >> VS_UNITS & 0xFFFF, pu = d >> VS_PREV & 0xFFFF;
		int a = (int)(x >> VS_ALLOC & 0xFF);
		if (pu != prev || units < 2 || units > (end - off) / 16 || (a0 >= 0 && (a ^ a0) > 1))
			return false;
		a0 = a0 < 0 ? a : a0;
		prev = units;
		off += units * 16;
	}
	return off == end;
}

/* HeapKey's bits 16..47 for the VS subsegment @p s of @p end bytes, when exactly one first
 * chunk size gives a chain that holds. */
static bool vs_key_bits(const struct sub *s, uint64_t end, uint64_t *ret)
{
	if (!sub_has(s, VS_FIRST_CHUNK, VS_HDR))
		return false;
	uint64_t x0 = vs_x(s, VS_FIRST_CHUNK), k32 = x0 >> VS_PREV & 0xFFFF;
	unsigned found = 0;
	for (uint64_t u = 2; u <= 0xFFFF && VS_FIRST_CHUNK + u * 16 + VS_HDR <= end; u++) {
		uint64_t nx = VS_FIRST_CHUNK + u * 16;
		if (!sub_has(s, nx, VS_HDR) || ((vs_x(s, nx) >> VS_PREV & 0xFFFF) ^ k32) != u)
			continue;
		uint64_t k = ((x0 >> VS_UNITS & 0xFFFF) ^ u) << VS_UNITS | k32 << VS_PREV;
		if (vs_chain_ok(s, end, k) && found++ == 0)
			*ret = k;
	}
	return found == 1;
}

/* The chunks on the address's page, from the chain decoded with the key bits @p k. */
static void vs_keyfree(struct at_ctx *c, const struct sub *s, uint64_t end, uint64_t k)
{
	struct pm_sh_at *r = c->r;
	for (uint64_t off = VS_FIRST_CHUNK; off < end;) { /* vs_chain_ok: it ends at end */
		uint64_t units = (vs_x(s, off) ^ k) >> VS_UNITS & 0xFFFF;
		uint64_t cend = s->va + off + units * 16;
		if (on_page(c->addr, s->va + off, cend)) {
			struct pm_sh_block blk = { .va = s->va + off + VS_HDR, .chunk = s->va + off,
						   .bytes = (uint32_t)(units * 16 - VS_HDR),
						   .state_unknown = true };
			pool_header(s, off + VS_HDR, blk.bytes, &blk);
			add_block(c, &blk, cend);
		}
		off += units * 16;
	}
	if (c->addr - s->va < VS_FIRST_CHUNK)
		snprintf(r->why, sizeof(r->why), "in the header of the VS subsegment at %#" PRIx64
			 " (its first chunk is at %#" PRIx64 ")", s->va, s->va + VS_FIRST_CHUNK);
	NOTE(r, "without the kernel's symbols HeapKey (RtlpHpHeapGlobals) is unknown: the chunk "
	     "sizes come from the chain of encoded VS headers (the key cancels between "
	     "neighbours; the first chunk's previous size taken as 0, the chain checked to end at "
	     "the subsegment's end); the Allocated byte stays encoded, so busy or free cannot be "
	     "told, nor the owning heap");
}

/* Keyless: the VS subsegment at @p pg of @p size bytes. */
static void vs_keyless(struct at_ctx *c, uint64_t pg, uint64_t size)
{
	struct pm_sh_at *r = c->r;
	r->kind = PM_SH_VS;
	r->subsegment = pg;
	r->sub_bytes = size;
	struct sub s;
	uint64_t k = 0;
	struct pm_error *err = sub_read(c->vm, pg, size / PAGE, &s);
	if (!err && vs_key_bits(&s, size, &k)) {
		vs_keyfree(c, &s, size, k);
		free(s.b);
		return;
	}
	free(err ? NULL : s.b);
	pm_error_destroy(err);
	snprintf(r->why, sizeof(r->why), "in the VS subsegment at %#" PRIx64 " (%#" PRIx64
		 " bytes; found by its Size ^ 0x2BED signature)", pg, size);
	NOTE(r, "without the kernel's symbols HeapKey (RtlpHpHeapGlobals) is unknown: the VS chunk "
	     "headers (size, previous size, busy) are encoded with it and their chain did not "
	     "give itself away, so which allocation holds the address, its size and state cannot "
	     "be told; nor can the owning heap (the segment's Signature is encoded too)");
}

/* Keyless: an LFH subsegment header at @p va (its first page @p b), with its block size and
 * first block read from the blocks' POOL_HEADERs. True when everything agrees. */
static bool lfh_guess(const uint8_t *b, uint64_t va, uint64_t *n_ret, uint64_t *bs_ret,
		      uint64_t *first_ret)
{
	uint64_t n = le(b + LFH_COUNT, 2), nfree = le(b + LFH_FREECOUNT, 2);
	/* ListEntry and Owner: kernel pointers in every live subsegment */
	if (!canonical_kernel(le(b, 8)) || !canonical_kernel(le(b + 8, 8)) ||
	    !canonical_kernel(le(b + 16, 8)) || !n || n > LFH_MAX_BLOCKS || nfree > n)
		return false;
	uint64_t bitmap_end = LFH_BITMAP + (n * 2 + 63) / 64 * 8;
	if (bitmap_end > PAGE)
		return false;
	for (uint64_t first = (bitmap_end + 15) & ~UINT64_C(15);
	     first + PH_SIZE <= PAGE && first < bitmap_end + LFH_FIRST_WINDOW; first += 16) {
		uint64_t bs = (uint64_t)b[first + PH_BLOCKSIZE] * 16;
		if (bs < 32 || bs > LFH_MAX_BLOCK || !printable_tag((uint32_t)le(b + first + PH_TAG, 4)) ||
		    va % SEGMENT + first + n * bs > SEGMENT)
			continue;
		unsigned busy = 0, bad = 0;
		for (uint64_t k = 0; k < n && first + k * bs + PH_SIZE <= PAGE; k++) {
			uint64_t o = first + k * bs;
			if (!((le(b + LFH_BITMAP + k / 32 * 8, 8) >> (2 * (k % 32))) & 1))
				continue;
			if ((uint64_t)b[o + PH_BLOCKSIZE] * 16 == bs &&
			    printable_tag((uint32_t)le(b + o + PH_TAG, 4)))
				busy++;
			else
				bad++;
		}
		if (busy && !bad) {
			*n_ret = n;
			*bs_ret = bs;
			*first_ret = first;
			return true;
		}
	}
	return false;
}

/* Keyless: the subsegment holding the address, looked for page by page back to the segment
 * boundary by what needs no key. */
static void keyless(struct at_ctx *c)
{
	struct pm_sh_at *r = c->r;
	uint64_t seg = c->addr & ~(uint64_t)(SEGMENT - 1);
	uint8_t b[PAGE];
	unsigned absent = 0;
	for (uint64_t pg = c->addr & ~(uint64_t)(PAGE - 1); pg >= seg; pg -= PAGE) {
		struct pm_error *err = pm_vmem_read(c->vm, pg, b, PAGE);
		if (err && pg == (c->addr & ~(uint64_t)(PAGE - 1))) {
			snprintf(r->why, sizeof(r->why), "its page %#" PRIx64 " cannot be read: %s", pg,
				 pm_err_msg(err));
			pm_error_destroy(err);
			return;
		}
		if (err) { /* a subsegment's uncommitted page, maybe: its header may lie before */
			pm_error_destroy(err);
			absent++;
			if (pg == seg)
				break;
			continue;
		}
		uint64_t size, n, bs, first;
		if (vs_signature(b, PAGE, VS_SIZE, VS_SIG, &size) && size % PAGE == 0 &&
		    pg % SEGMENT + size <= SEGMENT) { /* a subsegment is whole pages */
			if (c->addr >= pg + size)
				break; /* subsegments do not overlap: the address is after this one */
			r->segment = seg;
			vs_keyless(c, pg, size);
			return;
		}
		if (lfh_guess(b, pg, &n, &bs, &first)) {
			if (c->addr >= pg + first + n * bs)
				break;
			struct sub sub;
			uint64_t npages = (first + n * bs + PAGE - 1) / PAGE;
			err = sub_read(c->vm, pg, npages, &sub);
			if (err) {
				snprintf(r->why, sizeof(r->why), "in the LFH subsegment at %#" PRIx64
					 ", which cannot be read: %s", pg, pm_err_msg(err));
				pm_error_destroy(err);
				return;
			}
			r->segment = seg;
			r->sub_bytes = npages * PAGE;
			lfh_blocks(c, &sub, LFH_BITMAP, n, bs, first);
			free(sub.b);
			NOTE(r, "without the kernel's symbols LfhKey is unknown: the block size (%#"
			     PRIx64 ") and first block (+%#" PRIx64 ") are read from the blocks' "
			     "POOL_HEADERs, not from the encoded BlockOffsets; busy or free is the "
			     "block bitmap's (not encoded); the owning heap is not known", bs, first);
			return;
		}
		if (pg == seg)
			break;
	}
	snprintf(r->why, sizeof(r->why), "no LFH or VS subsegment header found from the address "
		 "back to its 1 MiB boundary %#" PRIx64 " (%u pages on the way not in the dump; "
		 "without the kernel's symbols the segment's descriptors and keys are unknown: only "
		 "the subsegments' own marks are looked for)", seg, absent);
}

struct pm_error *pm_segheap_at(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
			       uint32_t build, uint64_t addr, struct pm_sh_at *r)
{
	memset(r, 0, sizeof(*r));
	r->heap = -1;
	r->hit = SIZE_MAX;
	if (pm_vmem_ptr_size(vm) != 8)
		return pm_err(PM_ERR_UNSUPPORTED, "the segment-heap lookup decodes x64 kernels only "
			      "(the x86 chunk headers are not described in the reference)");
	struct at_ctx c = { .t = t, .vm = vm, .addr = addr, .r = r };
	struct pm_error *err = NULL;
	if (t)
		err = keyed(&c, kb, build);
	else
		keyless(&c);
	if (r->hit == SIZE_MAX)
		r->hit = r->nblocks;
	if (r->hit == r->nblocks && !r->why[0])
		snprintf(r->why, sizeof(r->why), "in the %s subsegment at %#" PRIx64 ", in none of "
			 "its allocations decoded", r->kind == PM_SH_LFH ? "LFH" : "VS", r->subsegment);
	if (r->kind == PM_SH_NONE)
		r->nblocks = r->hit = 0;
	if (r->hit < r->nblocks)
		r->why[0] = '\0';
	const struct pm_sh_block *h = r->hit < r->nblocks ? &r->blocks[r->hit] : NULL;
	if (h && !h->header_ok)
		NOTE(r, "no plausible POOL_HEADER at %#" PRIx64 " (tag not printable, BlockSize 0 or "
		     "beyond the block, or its page not in the dump)%s: its tag is not told", h->va,
		     h->allocated || h->state_unknown ? "" : "; the block is free");
	return err;
}

const char *pm_segheap_name(int heap)
{
	return heap >= 0 && heap < 4 ? HEAP_NAMES[heap] : "unknown";
}
