/* SPDX-License-Identifier: MIT */
/**
 * @file kdump_check.h
 * L0: the structures of an ELF core or a kdump-compressed file checked against the file
 * before libkdumpfile is given it (libkdumpfile 0.5.1 trusts them: a section header entry
 * size of 0, a note or bitmap size from a damaged field, and it reads past its buffers or
 * asks for 2^51 bytes). Every structure libkdumpfile reads when it opens the file is checked:
 * the ELF header, program and section headers, the note segments and the string table; the
 * kdump header and sub-header, the header layout libkdumpfile will pick, block size, bitmaps,
 * notes and VMCOREINFO, and the page descriptors. What lies past the end of a truncated file
 * (a PT_LOAD's bytes, page descriptors, page data) is not an error: those pages are listed as
 * missing, so that they are counted and never read.
 */
#ifndef PM_KDUMP_CHECK_H
#define PM_KDUMP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

/** Pages [pfn, pfn + count) the file describes but whose bytes lie past its end. */
struct pm_kd_gap {
	uint64_t pfn;
	uint64_t count;
};

struct pm_kd_layout {
	bool diskdump;             /**< kdump-compressed (else ELF) */
	uint64_t file_size;
	struct pm_kd_gap *gaps;    /**< sorted by pfn, not overlapping */
	size_t ngaps;
	uint64_t pages_missing;    /**< sum of the gaps' counts */
};

/**
 * Check @p file (an ELF core or a kdump-compressed file; its signature decides) the way
 * libkdumpfile 0.5.1 will read it. On success *@p out holds the pages lost to truncation
 * (free with pm_kd_layout_free()); an error names the structure and its file offset.
 */
struct pm_error *pm_kd_check(struct pm_source *file, struct pm_kd_layout *out);
void pm_kd_layout_free(struct pm_kd_layout *l);

#endif
