/* SPDX-License-Identifier: MIT */
/**
 * @file batch_discover.h
 * Finding the dumps under the paths given to `batch`: files, folders (not following
 * symlinks), gzip files whose content starts like a dump, zip members ("ARCHIVE::MEMBER").
 * Nothing found is dropped silently: a file that is not a dump is counted, and a dump that
 * cannot be listed (over the limit, out of memory, a member name that cannot be addressed)
 * is kept as a failure, which batch writes as that path's error line.
 */
#ifndef PM_BATCH_DISCOVER_H
#define PM_BATCH_DISCOVER_H

#include <stddef.h>
#include <stdint.h>

#include "pm-diag.h"
#include "pm-error.h"

/** The default number of dumps one batch lists; the rest are failures (PM_ERR_LIMIT). */
enum { PM_BATCH_MAX_CANDIDATES = 1 << 22 };

struct pm_batch_cand {
	char *path; /**< file, or ARCHIVE::MEMBER */
	uint64_t size;
};

/** A dump found but not listed for analysis, and why. */
struct pm_batch_fail {
	char *path;
	enum pm_err_code code;
	char *msg;
};

struct pm_batch_cands {
	struct pm_batch_cand *v; /**< sorted by path after pm_batch_discover() */
	size_t n, cap;
	size_t limit;   /**< at most this many in v */
	size_t skipped; /**< files that are not dumps */
	struct pm_batch_fail *fail;
	size_t nfail, capfail;
	size_t lost; /**< failures that could not even be recorded (out of memory) */
	struct pm_diags diags; /**< paths that could not be read at all (lstat, opendir, open) */
};

/** Every dump under @p paths, at most @p limit (0: PM_BATCH_MAX_CANDIDATES) listed. */
void pm_batch_discover(struct pm_batch_cands *c, const char *const *paths, size_t npaths,
		       size_t limit);
void pm_batch_cands_deinit(struct pm_batch_cands *c);

#endif
