// SPDX-License-Identifier: MIT
// L0: a kdump-compressed file's structures checked against the file before libkdumpfile
// reads them (see kdump_check.h), following what libkdumpfile 0.5.1 reads when it opens one
// (diskdump.c: the header layout it picks, try_header, read_sub_hdr_32/64, read_bitmap,
// read_notes, read_vmcoreinfo; diskdump_read_page for the page descriptors).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kdump_check-priv.h"

/* libkdumpfile's page size bounds (MIN_PAGE_SIZE, MAX_PAGE_SIZE) */
enum { KD_MIN_BS = 1 << 12, KD_MAX_BS = 1 << 18, KD_DESC = 24, KD_HDR_READ = 464 };

struct dd {
	struct pm_source *f;
	uint64_t size;
	bool is64;
	int32_t version, block_size, sub_hdr_size;
	uint32_t bitmap_blocks, max_mapnr;
	uint64_t max_pfn;
	const char *layout;
};

/* The header fields at their offsets in the 32-bit (packed, after a 2-byte pad) and 64-bit
 * (6-byte pad, 16-byte timeval) layouts of disk_dump_header. */
static void fields(const uint8_t *h, bool is64, struct dd *d)
{
	const uint8_t *p = h + (is64 ? 424 : 412); /* status */
	d->is64 = is64;
	d->version = (int32_t)kd_le32(h + 8);
	d->block_size = (int32_t)kd_le32(p + 4);
	d->sub_hdr_size = (int32_t)kd_le32(p + 8);
	d->bitmap_blocks = kd_le32(p + 12);
	d->max_mapnr = kd_le32(p + 16);
}

static uint32_t bswap(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* libkdumpfile's try_header(): a block size within its page-size bounds and a bitmap that
 * covers max_mapnr pages. */
static bool plausible(uint32_t bs, uint32_t blocks, uint32_t mapnr)
{
	int32_t b = (int32_t)bs;
	return b >= KD_MIN_BS && b <= KD_MAX_BS && UINT64_C(8) * blocks * (uint64_t)b >= mapnr;
}

/* The layout libkdumpfile picks: 32-bit little-endian, 32-bit big-endian, 64-bit
 * little-endian, then 64-bit big-endian, the first whose try_header() passes. */
static struct pm_error *pick_layout(const uint8_t *h, struct dd *d)
{
	for (int i = 0; i < 2; i++) {
		bool is64 = i == 1;
		const uint8_t *p = h + (is64 ? 424 : 412);
		uint32_t bs = kd_le32(p + 4), blocks = kd_le32(p + 12), mapnr = kd_le32(p + 16);
		if (plausible(bs, blocks, mapnr)) {
			fields(h, is64, d);
			d->layout = is64 ? "64-bit" : "32-bit";
			return NULL;
		}
		if (plausible(bswap(bs), bswap(blocks), bswap(mapnr)))
			return pm_err(PM_ERR_UNSUPPORTED, "kdump header: its %s fields read as "
				      "big-endian (block_size %u at offset %#x): not a capture of an "
				      "x86 or x64 machine", is64 ? "64-bit" : "32-bit", bswap(bs),
				      is64 ? 428 : 416);
	}
	return pm_err(PM_ERR_FORMAT, "kdump header: no layout has a block size between 4096 and "
		      "262144 whose bitmap covers max_mapnr (32-bit layout: block_size %" PRId32
		      " at 0x1a0, bitmap_blocks %u at 0x1a8, max_mapnr %u at 0x1ac; 64-bit: %" PRId32
		      " at 0x1ac, %u at 0x1b4, %u at 0x1b8)", (int32_t)kd_le32(h + 416),
		      kd_le32(h + 424), kd_le32(h + 428), (int32_t)kd_le32(h + 428),
		      kd_le32(h + 436), kd_le32(h + 440));
}

/* A blob libkdumpfile reads whole at open (notes, VMCOREINFO): inside the file, bounded. */
static struct pm_error *check_blob(const struct dd *d, const char *what, uint64_t off,
				   uint64_t len, unsigned field_at)
{
	if (len <= PM_KD_MAX_BLOB && kd_inside(off, len, d->size))
		return NULL;
	return pm_err(PM_ERR_FORMAT, "kdump sub-header (offset %#x), %s: %" PRIu64 " bytes at "
		      "%#" PRIx64 " (fields at %#x) do not lie inside the file (%" PRIu64 " bytes)",
		      d->block_size, what, len, off, d->block_size + field_at, d->size);
}

/* The sub-header (header_version 1 and later): notes, VMCOREINFO, split files, max_mapnr_64. */
static struct pm_error *check_sub(struct dd *d)
{
	d->max_pfn = d->max_mapnr;
	if (d->version < 0)
		return pm_err(PM_ERR_FORMAT, "kdump header: header_version (offset 0x8) is %" PRId32,
			      d->version);
	if (d->version < 1)
		return NULL;
	uint8_t s[104];
	size_t n = d->is64 ? 104 : 80;
	if (!kd_inside((uint64_t)d->block_size, n, d->size))
		return pm_err(PM_ERR_TRUNCATED, "kdump sub-header: %zu bytes at %#" PRIx32 " (one "
			      "block in) pass the end of the file (%" PRIu64 " bytes)", n,
			      (uint32_t)d->block_size, d->size);
	PM_TRY(pm_source_read_exact(d->f, (uint64_t)d->block_size, s, n, "kdump sub-header"));
	uint32_t split = kd_le32(s + (d->is64 ? 12 : 8));
	if (d->version >= 2 && split)
		return pm_err(PM_ERR_UNSUPPORTED, "kdump sub-header (offset %#" PRIx32 "): split is "
			      "%u: one part of a dump split into several files, which poolmortem "
			      "does not read", (uint32_t)d->block_size, split);
	if (d->version >= 4) {
		uint64_t off = kd_le64(s + (d->is64 ? 48 : 32));
		uint64_t len = d->is64 ? kd_le64(s + 56) : kd_le32(s + 40);
		if (len)
			PM_TRY(check_blob(d, "offset_note/size_note", off, len, d->is64 ? 48 : 32));
	} else if (d->version >= 3) {
		uint64_t off = kd_le64(s + (d->is64 ? 32 : 20));
		uint64_t len = d->is64 ? kd_le64(s + 40) : kd_le32(s + 28);
		PM_TRY(check_blob(d, "offset_vmcoreinfo/size_vmcoreinfo", off, len,
				  d->is64 ? 32 : 20));
	}
	if (d->version >= 6)
		d->max_pfn = kd_le64(s + (d->is64 ? 96 : 72));
	return NULL;
}

static struct pm_error *walk_descs(struct dd *d, const uint8_t *bm, uint64_t descoff,
				   struct pm_kd_layout *l);

struct pm_error *pm_kd_check_diskdump(struct pm_source *f, struct pm_kd_layout *l)
{
	struct dd d = { .f = f, .size = f->size };
	uint8_t h[KD_HDR_READ];
	if (f->size < KD_HDR_READ)
		return pm_err(PM_ERR_TRUNCATED, "kdump header: the file is %" PRIu64 " bytes, "
			      "shorter than the %d bytes of a kdump header", f->size, KD_HDR_READ);
	PM_TRY(pm_source_read_exact(f, 0, h, sizeof(h), "kdump header"));
	PM_TRY(pick_layout(h, &d));
	if (d.block_size != 4096)
		return pm_err(PM_ERR_UNSUPPORTED, "kdump header (%s layout): block_size (offset %#x) "
			      "is %" PRId32 ": poolmortem reads captures of 4096-byte pages only",
			      d.layout, d.is64 ? 428 : 416, d.block_size);
	PM_TRY(check_sub(&d));
	/* read_bitmap(): the bitmaps follow the header block and sub_hdr_size blocks */
	uint64_t bs = (uint64_t)d.block_size, bmoff, bmlen, descoff;
	if (d.sub_hdr_size < 0 || (int32_t)d.bitmap_blocks <= 0 ||
	    pm_ckd_mul(&bmoff, 1 + (uint64_t)d.sub_hdr_size, bs) ||
	    pm_ckd_mul(&bmlen, d.bitmap_blocks, bs) || bmlen > PM_KD_MAX_BLOB ||
	    !kd_inside(bmoff, bmlen, d.size))
		return pm_err(PM_ERR_FORMAT, "kdump header (%s layout): sub_hdr_size %" PRId32
			      " (offset %#x) and bitmap_blocks %" PRId32 " (offset %#x) put the "
			      "bitmaps outside the file (%" PRIu64 " bytes)", d.layout, d.sub_hdr_size,
			      d.is64 ? 432 : 420, (int32_t)d.bitmap_blocks, d.is64 ? 436 : 424,
			      d.size);
	descoff = bmoff + bmlen;
	uint64_t used = bmlen, nbits = bmlen * 8;
	if (d.max_pfn <= nbits / 2) { /* the second half: the pages dumped */
		used = (d.bitmap_blocks / 2) * bs;
		bmoff += used;
		nbits = used * 8;
	}
	if (d.max_pfn > nbits)
		d.max_pfn = nbits;
	uint8_t *bm = malloc(used ? used : 1);
	if (!bm)
		return &pm_enomem;
	struct pm_error *err = pm_source_read_exact(f, bmoff, bm, used, "kdump page bitmap");
	if (!err)
		err = walk_descs(&d, bm, descoff, l);
	free(bm);
	return err;
}

/* Pages [pfn0, pfn0 + n) whose descriptors are @p descs: those whose data lies past the end
 * of the file are missing. */
static struct pm_error *gaps_of_descs(const struct dd *d, const uint8_t *descs,
				      const uint64_t *pfns, size_t n, struct pm_kd_layout *l)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = descs + i * KD_DESC;
		uint64_t off = kd_le64(p);
		uint32_t len = kd_le32(p + 8);
		if (!kd_inside(off, len, d->size))
			PM_TRY(pm_kd_add_gap(l, pfns[i], 1));
	}
	return NULL;
}

enum { KD_CHUNK = 4096 }; /* descriptors read at a time */

/* The page descriptors (one per set bit of the bitmap in use, in PFN order, from descoff):
 * a page whose descriptor or data lies past the end of the file is missing. */
static struct pm_error *walk_descs(struct dd *d, const uint8_t *bm, uint64_t descoff,
				   struct pm_kd_layout *l)
{
	uint64_t in_file = descoff >= d->size ? 0 : (d->size - descoff) / KD_DESC;
	uint8_t *buf = malloc(KD_CHUNK * KD_DESC);
	uint64_t *pfns = malloc(KD_CHUNK * sizeof(*pfns));
	struct pm_error *err = buf && pfns ? NULL : &pm_enomem;
	uint64_t idx = 0, first = 0;
	size_t n = 0;
	for (uint64_t p = 0; !err && p < d->max_pfn; p++) {
		if (!(p & 7) && p + 8 <= d->max_pfn) { /* a byte at a time where it can */
			if (!bm[p >> 3]) {
				p += 7;
				continue;
			}
			if (bm[p >> 3] == 0xff && idx >= in_file) {
				err = pm_kd_add_gap(l, p, 8);
				idx += 8;
				p += 7;
				continue;
			}
		}
		if (!(bm[p >> 3] >> (p & 7) & 1))
			continue;
		if (idx >= in_file) {
			err = pm_kd_add_gap(l, p, 1);
			idx++;
			continue;
		}
		if (!n)
			first = idx;
		pfns[n++] = p;
		idx++;
		if (n == KD_CHUNK) {
			err = pm_source_read_exact(d->f, descoff + first * KD_DESC, buf, n * KD_DESC,
						   "kdump page descriptors");
			if (!err)
				err = gaps_of_descs(d, buf, pfns, n, l);
			n = 0;
		}
	}
	if (!err && n) {
		err = pm_source_read_exact(d->f, descoff + first * KD_DESC, buf, n * KD_DESC,
					   "kdump page descriptors");
		if (!err)
			err = gaps_of_descs(d, buf, pfns, n, l);
	}
	free(buf);
	free(pfns);
	return err;
}
