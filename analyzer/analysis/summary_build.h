/* SPDX-License-Identifier: MIT */
/**
 * @file summary_build.h
 * L6: turn what was read from a dump into the summary the rules read, including the
 * tag-to-driver evidence found by searching the driver images in the dump for the four bytes
 * of the pools' biggest tags (the search itself is below the trust boundary: tagsearch.h).
 * Every figure of the summary is present with its provenance or absent with the reason the
 * pm_info gave (pm-absent.h); the summary owns its arrays (pm_summary_deinit()).
 */
#ifndef PM_SUMMARY_BUILD_H
#define PM_SUMMARY_BUILD_H

#include "info.h"
#include "summary.h"

enum { PM_ATTRIB_TAGS_PER_POOL = 12 };

/** The summary's coverage: dump completeness, tables read in part, the KDBG header pointer,
 * symbols and their key, and every reading of RAM (the best one becomes s->ram; readings that
 * disagree are noted in @p in's diagnostics). summary_cover.c. */
void pm_summary_coverage(struct pm_info *in, struct pm_summary *s);

/** Needs pm_info_gather_pool() done. */
struct pm_error *pm_summary_build(struct pm_info *in, struct pm_summary *ret);

#endif
