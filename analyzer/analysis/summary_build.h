/* SPDX-License-Identifier: MIT */
/**
 * @file summary_build.h
 * L6: turn what was read from a dump into the summary the rules read, including the
 * tag-to-driver evidence found by searching the driver images in the dump for the four bytes
 * of the pools' biggest tags (the `strings | findstr TAG` practice, done in the dump).
 */
#ifndef PM_SUMMARY_BUILD_H
#define PM_SUMMARY_BUILD_H

#include "info.h"
#include "summary.h"

enum { PM_ATTRIB_TAGS_PER_POOL = 12 };

/** Needs pm_info_gather_pool() done. */
struct pm_error *pm_summary_build(struct pm_info *in, struct pm_summary *ret);

/**
 * Classify the occurrences of @p tag in one image buffer (the bytes of an image mapped at
 * RVA 0): adds to *imm (immediate operand of mov/push/cmp in an executable section), *code,
 * *data. Pure; exposed for tests.
 */
void pm_attrib_scan_buf(const uint8_t *img, size_t len, const struct pm_pe_info *pe, bool is64,
			const uint32_t *tags, size_t ntags, unsigned (*counts)[3]);

#endif
