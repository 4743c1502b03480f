// SPDX-License-Identifier: MIT
// DumpTypes 5 and 6: bitmap dumps (crashdump-format.md §2.3). The sub-header follows the
// file header: "SDMP"/"FDMP", "DUMP", then at +0x20 the file offset of the first page, at
// +0x28 the number of pages present, at +0x30 the bitmap length in bits, and the bitmap at
// +0x38. Pages of set bits are stored in ascending PFN order from the first page.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dmp-priv.h"
#include "pm-reader.h"

/* 2^36 bits = 256 TiB of RAM in 4 KiB pages: beyond what any Windows release supports. */
static const uint64_t PM_MAX_BITMAP_BITS = UINT64_C(1) << 36;

static struct pm_error *bitmap_probe(const struct pm_dmp_header *h)
{
	return (h->dump_type == PM_DUMP_BITMAP_FULL || h->dump_type == PM_DUMP_BITMAP_KERNEL)
		       ? NULL
		       : &pm_noprobe;
}

static struct pm_error *bitmap_build(struct pm_dmp *dmp, const uint8_t *hdrbuf)
{
	(void)hdrbuf;
	const uint64_t H = dmp->hdr.header_size;
	uint8_t sub[0x38];
	PM_TRY(pm_source_read_exact(dmp->src, H, sub, sizeof(sub), "bitmap dump sub-header"));
	struct pm_rd rd = pm_rd_make(sub, sizeof(sub), PM_AS_FILE, H, "bitmap dump sub-header");
	if ((memcmp(sub, "SDMP", 4) && memcmp(sub, "FDMP", 4)) || memcmp(sub + 4, "DUMP", 4))
		return pm_err(PM_ERR_FORMAT, "bitmap dump sub-header at file offset %#" PRIx64
			      ": signature is not \"SDMPDUMP\" or \"FDMPDUMP\"", H);
	memcpy(dmp->subformat, sub, 4);
	dmp->subformat[4] = 0;
	uint64_t first_page, present, nbits;
	PM_TRY(pm_rd_u64(&rd, 0x20, &first_page));
	PM_TRY(pm_rd_u64(&rd, 0x28, &present));
	PM_TRY(pm_rd_u64(&rd, 0x30, &nbits));
	if (nbits == 0 || nbits > PM_MAX_BITMAP_BITS)
		return pm_err(nbits ? PM_ERR_LIMIT : PM_ERR_FORMAT,
			      "bitmap dump sub-header at file offset %#" PRIx64 ": bitmap length %#"
			      PRIx64 " bits (field +0x30) is %s", H, nbits,
			      nbits ? "beyond the limit of 2^36 pages" : "zero");
	uint64_t nbytes = (nbits + 7) / 8, bitmap_end = H + 0x38 + nbytes;
	if (first_page < bitmap_end)
		return pm_err(PM_ERR_FORMAT, "bitmap dump sub-header at file offset %#" PRIx64
			      ": first page offset %#" PRIx64 " (field +0x20) lies inside the %"
			      PRIu64 "-byte bitmap that ends at %#" PRIx64, H, first_page, nbytes,
			      bitmap_end);
	if (bitmap_end > dmp->src->size)
		return pm_err(PM_ERR_TRUNCATED, "bitmap at file offset %#" PRIx64 ": %" PRIu64
			      " bytes for %#" PRIx64 " pages, but the file ends at %#" PRIx64,
			      H + 0x38, nbytes, nbits, dmp->src->size);
	if (first_page % PM_PAGE_SIZE)
		pm_diag_add(&dmp->diags, PM_ERR_FORMAT, "container",
			    "bitmap dump: first page offset %#" PRIx64 " is not page aligned",
			    first_page);
	/* The bitmap is used where it lies in the file (mapped, not copied): bit p is bit (p & 7)
	 * of byte p >> 3. */
	PM_TRY(pm_pagemap_init_bitmap_at(&dmp->map, dmp->src, H + 0x38, nbits, first_page));
	if (dmp->map.pages_present != present)
		pm_diag_add(&dmp->diags, PM_ERR_FORMAT, "container",
			    "bitmap dump sub-header at file offset %#" PRIx64 ": header says %" PRIu64
			    " pages present (field +0x28) but the bitmap has %" PRIu64 " bits set",
			    H, present, dmp->map.pages_present);
	dmp->has_expected_size = true;
	dmp->expected_size = first_page + dmp->map.pages_present * PM_PAGE_SIZE;
	return NULL;
}

const struct pm_dmp_ops pm_dmp_bitmap_ops = { "bitmap", bitmap_probe, bitmap_build };
