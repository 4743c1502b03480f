/* SPDX-License-Identifier: MIT */
/**
 * @file drvtags.h
 * `tags DRIVER.sys`: the pool tags a driver file itself gives away, for attribution when no
 * dump maps it. Three kinds of evidence, named as such: tags the code loads as immediates
 * (into r8d, the allocators' Tag argument; into edx, ExFreePoolWithTag's and many wrappers';
 * elsewhere), the pool routines it imports (ExAllocatePoolWithTag, ExAllocatePool2, ...), and,
 * for a KMDF client (it imports WdfVersionBind), the tag the framework derives from the
 * driver's name for the allocations it makes on the driver's behalf, which is in no code.
 */
#ifndef PM_DRVTAGS_H
#define PM_DRVTAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pe.h"
#include "pm-error.h"
#include "pm-verinfo.h"

enum { PM_DRVTAGS_MAX = 4096, PM_DRVTAGS_MAX_IMPORTS = 16, PM_DRVTAGS_MAX_FILE = 64 << 20 };

struct pm_drvtag {
	uint32_t tag;
	unsigned r8d, edx, other; /**< immediates by where they are loaded */
};

struct pm_drvtags {
	struct pm_pe_info pe;
	struct pm_verinfo ver;  /**< its version resource, or why not */
	struct pm_drvtag *tags; /**< most likely allocator tags first (r8d, then edx, then all) */
	size_t ntags;
	bool truncated;         /**< more than PM_DRVTAGS_MAX distinct tag-like immediates */
	const char *pool_imports[PM_DRVTAGS_MAX_IMPORTS]; /**< static names, import order */
	size_t npool_imports;
	bool kmdf;              /**< imports WdfVersionBind */
	char kmdf_tag[5];       /**< the framework's tag for it, from @p name ("" if none) */
	char *imports_error;    /**< the import table could not be read to its end (owned) */
};

/**
 * Read the driver file @p file (@p len bytes, named @p name: its base name gives the KMDF
 * tag). Errors: not a PE file, or an image too large to map.
 */
struct pm_error *pm_drvtags_build(const uint8_t *file, size_t len, const char *name,
				  struct pm_drvtags *ret);
void pm_drvtags_deinit(struct pm_drvtags *d);

#endif
