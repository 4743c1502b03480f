// SPDX-License-Identifier: MIT
// DumpType 1: the run list in the header's PHYSICAL_MEMORY_DESCRIPTOR (crashdump-format.md
// §1.4, §2.2). Pages of run i are stored back to back right after the header, so a run's
// file offset is the header size plus the pages of all runs before it, e.g. runs
// {PFN 1, 0x9e pages} and {PFN 0x100, 0x3f00 pages} put PFN 0x100 at 0x2000 + 0x9e * 0x1000.
// Holes between runs are simply not in the dump.
#include <inttypes.h>
#include <stdlib.h>

#include "dmp-priv.h"
#include "pm-reader.h"

static struct pm_error *full_probe(const struct pm_dmp_header *h)
{
	return h->dump_type == PM_DUMP_FULL ? NULL : &pm_noprobe;
}

static struct pm_error *full_build(struct pm_dmp *dmp, const uint8_t *hdrbuf)
{
	const struct pm_dmp_header *h = &dmp->hdr;
	const char *what = h->is64 ? "PHYSICAL_MEMORY_DESCRIPTOR64" : "PHYSICAL_MEMORY_DESCRIPTOR32";
	unsigned pmb = h->is64 ? 0x88 : 0x64;
	/* The descriptor is a 700-byte buffer (704 with the 64-bit padding, qemu Run[43]). */
	unsigned pmb_len = h->is64 ? 704 : 700;
	struct pm_rd rd = pm_rd_make(hdrbuf + pmb, pmb_len, PM_AS_FILE, pmb, what);
	uint32_t nruns;
	uint64_t npages;
	unsigned runs_off = h->is64 ? 0x10 : 0x8, run_size = h->is64 ? 16 : 8;
	PM_TRY(pm_rd_u32(&rd, 0, &nruns));
	PM_TRY(pm_rd_ptr(&rd, h->is64 ? 8 : 4, h->ptr_size, &npages));
	if (nruns == PM_DUMP_FILL32)
		return pm_err(PM_ERR_FORMAT, "%s at file offset %#x: NumberOfRuns is the \"PAGE\" "
			      "fill: the run list was never written", what, pmb);
	if (nruns == 0)
		return pm_err(PM_ERR_FORMAT, "%s at file offset %#x: NumberOfRuns is 0", what, pmb);
	/* the count is at pmb, the runs after it: name the field where it is */
	if (nruns > (pmb_len - runs_off) / run_size)
		return pm_err(PM_ERR_LIMIT, "%s at file offset %#x: NumberOfRuns %" PRIu32 " exceeds "
			      "the %u runs the descriptor holds (Run[] at %#x)", what, pmb, nruns,
			      (pmb_len - runs_off) / run_size, pmb + runs_off);
	struct pm_error *err = pm_rd_array(&rd, runs_off, nruns, run_size,
					   (pmb_len - runs_off) / run_size, "Run[]");
	if (err)
		return err;
	struct pm_phys_run *runs = calloc(nruns, sizeof(*runs));
	if (!runs)
		return &pm_enomem;
	uint64_t off = h->header_size, sum = 0;
	for (uint32_t i = 0; i < nruns; i++) {
		uint64_t base, count, bytes;
		size_t ro = runs_off + (size_t)i * run_size;
		if ((err = pm_rd_ptr(&rd, ro, h->ptr_size, &base)) ||
		    (err = pm_rd_ptr(&rd, ro + h->ptr_size, h->ptr_size, &count))) {
			free(runs);
			return err;
		}
		if (pm_ckd_mul(&bytes, count, PM_PAGE_SIZE) || pm_ckd_add(&bytes, bytes, off) ||
		    pm_ckd_add(&sum, sum, count) ||
		    pm_ckd_add(&(uint64_t){ 0 }, base, count)) {
			free(runs);
			return pm_err(PM_ERR_FORMAT, "%s at file offset %#x: Run[%u] (BasePage %#"
				      PRIx64 ", PageCount %#" PRIx64 ") overflows when converted "
				      "to a file offset", what, pmb + (unsigned)ro, i, base, count);
		}
		runs[i].pfn = base;
		runs[i].count = count;
		runs[i].file_off = off;
		off = bytes;
	}
	if (sum != npages)
		pm_diag_add(&dmp->diags, PM_ERR_FORMAT, "container",
			    "%s: NumberOfPages is %" PRIu64 " but the runs add up to %" PRIu64,
			    what, npages, sum);
	dmp->has_expected_size = true;
	dmp->expected_size = off;
	err = pm_pagemap_init_runs(&dmp->map, dmp->src, runs, nruns);
	if (err)
		return pm_err_wrap(err, "%s at file offset %#x", what, pmb);
	return NULL;
}

const struct pm_dmp_ops pm_dmp_full_ops = { "full", full_probe, full_build };
