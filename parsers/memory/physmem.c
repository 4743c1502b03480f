// SPDX-License-Identifier: MIT
// L2: reading physical memory through a container's page map.
#include <inttypes.h>

#include "physmem.h"

enum pm_page_status pm_physmem_read_quiet(const struct pm_pagemap *pm, uint64_t pa, void *buf,
					  size_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t off;
		size_t in_page = PM_PAGE_SIZE - (size_t)(pa & (PM_PAGE_SIZE - 1));
		size_t n = len < in_page ? len : in_page;
		enum pm_page_status st = pm_pagemap_locate(pm, pa >> PM_PAGE_SHIFT, &off);
		if (st != PM_PAGE_OK)
			return st;
		size_t got;
		struct pm_error *err = pm->src->ops->read_at(pm->src, off + (pa & (PM_PAGE_SIZE - 1)),
							     out, n, &got);
		if (err || got < n) {
			pm_error_destroy(err);
			return PM_PAGE_BEYOND_EOF;
		}
		out += n;
		pa += n;
		len -= n;
	}
	return PM_PAGE_OK;
}

struct pm_error *pm_physmem_read(const struct pm_pagemap *pm, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t off, n;
		size_t in_page = PM_PAGE_SIZE - (size_t)(pa & (PM_PAGE_SIZE - 1));
		uint64_t pages = len <= in_page ? 1 : 1 + (len - in_page + PM_PAGE_SIZE - 1) / PM_PAGE_SIZE;
		switch (pm_pagemap_extent(pm, pa >> PM_PAGE_SHIFT, pages, &off, &n)) {
		case PM_PAGE_NOT_CAPTURED:
			return pm_err(PM_ERR_NOT_CAPTURED, "physical page %#" PRIx64
				      " (PFN %#" PRIx64 ") is not in the dump",
				      pa & ~(uint64_t)(PM_PAGE_SIZE - 1), pa >> PM_PAGE_SHIFT);
		case PM_PAGE_BEYOND_EOF:
			return pm_err(PM_ERR_TRUNCATED, "physical page %#" PRIx64
				      " (PFN %#" PRIx64 ") lies beyond the end of the file (%" PRIu64
				      " bytes)", pa & ~(uint64_t)(PM_PAGE_SIZE - 1),
				      pa >> PM_PAGE_SHIFT, pm->src->size);
		case PM_PAGE_OK:
			break;
		}
		/* the pages that lie together in the file: one read */
		uint64_t span = in_page + (n - 1) * PM_PAGE_SIZE;
		size_t k = span < len ? (size_t)span : len;
		PM_TRY(pm_source_read_exact(pm->src, off + (pa & (PM_PAGE_SIZE - 1)), out, k,
					    "physical page"));
		out += k;
		pa += k;
		len -= k;
	}
	return NULL;
}
