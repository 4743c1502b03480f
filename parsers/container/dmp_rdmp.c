// SPDX-License-Identifier: MIT
// DumpTypes 8, 9 and 0xA: "RDMP" range dumps written by newer WinDbg (.dump /k, /ka, /f).
// Layout reverse-engineered by kdmp-parser (crashdump-format.md §2.5) [M]: at 0x2000 a
// marker 0x40, "RDMP", "DUMP", MetadataSize at 0x2010, FirstPageOffset at 0x2018
// (= 0x2020 + MetadataSize); ranges {first PFN, page count} of 16 bytes from 0x2030,
// their pages stored back to back from FirstPageOffset. For 0xA, TotalNumberOfPages at
// 0x2028 is trusted over MetadataSize (kdmp issue #27, PR #28).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dmp-priv.h"
#include "pm-reader.h"

static struct pm_error *rdmp_probe(const struct pm_dmp_header *h)
{
	return (h->is64 && h->dump_type >= PM_DUMP_RDMP_KERNEL &&
		h->dump_type <= PM_DUMP_RDMP_COMPLETE)
		       ? NULL
		       : &pm_noprobe;
}

static struct pm_error *rdmp_build(struct pm_dmp *dmp, const uint8_t *hdrbuf)
{
	(void)hdrbuf;
	uint8_t sub[0x30];
	PM_TRY(pm_source_read_exact(dmp->src, 0x2000, sub, sizeof(sub), "RDMP sub-header"));
	struct pm_rd rd = pm_rd_make(sub, sizeof(sub), PM_AS_FILE, 0x2000, "RDMP sub-header");
	uint32_t marker;
	uint64_t meta, first, total = 0;
	PM_TRY(pm_rd_u32(&rd, 0, &marker));
	if (marker != 0x40 || memcmp(sub + 4, "RDMP", 4) || memcmp(sub + 8, "DUMP", 4))
		return pm_err(PM_ERR_FORMAT, "RDMP sub-header at file offset 0x2000: expected "
			      "marker 0x40 and \"RDMPDUMP\"");
	memcpy(dmp->subformat, "RDMP", 5);
	PM_TRY(pm_rd_u64(&rd, 0x10, &meta));
	PM_TRY(pm_rd_u64(&rd, 0x18, &first));
	if (meta < 0x10 || meta % 16 || meta > (uint64_t)PM_MAX_RDMP_RANGES * 16 ||
	    first != 0x2020 + meta)
		return pm_err(PM_ERR_FORMAT, "RDMP sub-header at file offset 0x2000: MetadataSize "
			      "%#" PRIx64 " and FirstPageOffset %#" PRIx64 " are inconsistent "
			      "(need a multiple of 16 and FirstPageOffset = 0x2020 + MetadataSize)",
			      meta, first);
	bool complete = dmp->hdr.dump_type == PM_DUMP_RDMP_COMPLETE;
	if (complete)
		PM_TRY(pm_rd_u64(&rd, 0x28, &total));
	uint64_t nranges = (meta - 0x10) / 16;
	uint8_t *rbuf = malloc(nranges ? (size_t)nranges * 16 : 1);
	if (!rbuf)
		return &pm_enomem;
	struct pm_error *err = pm_source_read_exact(dmp->src, 0x2030, rbuf, (size_t)nranges * 16,
						    "RDMP range list");
	struct pm_phys_run *runs = calloc(nranges ? (size_t)nranges : 1, sizeof(*runs));
	if (err || !runs) {
		free(rbuf);
		free(runs);
		return err ? err : &pm_enomem;
	}
	struct pm_rd rr = pm_rd_make(rbuf, (size_t)nranges * 16, PM_AS_FILE, 0x2030,
				     "RDMP range list");
	uint64_t off = first, sum = 0;
	size_t n = 0;
	for (uint64_t i = 0; i < nranges; i++) {
		uint64_t pfn, count, bytes;
		if ((err = pm_rd_u64(&rr, (size_t)i * 16, &pfn)) ||
		    (err = pm_rd_u64(&rr, (size_t)i * 16 + 8, &count)))
			break;
		if (complete && sum >= total)
			break; /* MetadataSize may overstate the ranges (kdmp issue #27) */
		if (pm_ckd_mul(&bytes, count, PM_PAGE_SIZE) || pm_ckd_add(&bytes, bytes, off) ||
		    pm_ckd_add(&sum, sum, count)) {
			err = pm_err(PM_ERR_FORMAT, "RDMP range %" PRIu64 " at file offset %#" PRIx64
				     ": page count %#" PRIx64 " overflows", i, 0x2030 + i * 16, count);
			break;
		}
		runs[n].pfn = pfn;
		runs[n].count = count;
		runs[n].file_off = off;
		n++;
		off = bytes;
	}
	free(rbuf);
	if (err) {
		free(runs);
		return err;
	}
	if (complete && sum != total)
		pm_diag_add(&dmp->diags, PM_ERR_FORMAT, "container",
			    "RDMP: TotalNumberOfPages is %" PRIu64 " but the ranges hold %" PRIu64,
			    total, sum);
	dmp->has_expected_size = true;
	dmp->expected_size = off;
	err = pm_pagemap_init_runs(&dmp->map, dmp->src, runs, n);
	return err ? pm_err_wrap(err, "RDMP range list at file offset 0x2030") : NULL;
}

const struct pm_dmp_ops pm_dmp_rdmp_ops = { "rdmp", rdmp_probe, rdmp_build };
