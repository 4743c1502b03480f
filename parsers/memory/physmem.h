/* SPDX-License-Identifier: MIT */
/**
 * @file physmem.h
 * L2, physical memory: bytes at a physical address, read through the container's page map
 * (pagemap.h). A page the container does not hold is "not captured", one past the end of a
 * truncated file "beyond EOF"; both are errors naming the physical address, never zeros.
 */
#ifndef PM_PHYSMEM_H
#define PM_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

#include "pagemap.h"
#include "pm-error.h"

/**
 * Read @p len bytes at physical address @p pa, crossing pages as needed. A page absent from
 * the dump is PM_ERR_NOT_CAPTURED, a page past the end of the file PM_ERR_TRUNCATED; both
 * name the physical address.
 */
struct pm_error *pm_physmem_read(const struct pm_pagemap *pm, uint64_t pa, void *buf, size_t len);

/** Cheap variant for page-table walks: no error object; returns the page status. */
enum pm_page_status pm_physmem_read_quiet(const struct pm_pagemap *pm, uint64_t pa, void *buf,
					  size_t len);

#endif
