/* SPDX-License-Identifier: MIT */
/**
 * @file physmem.h
 * L2, physical memory: bytes at a physical address, read through the container's page map
 * (pagemap.h). A page the container does not hold is "not captured", one past the end of a
 * truncated file "beyond EOF"; both are errors naming the physical address, never zeros.
 */
#ifndef PM_PHYSMEM_H
#define PM_PHYSMEM_H

#include <stdbool.h>
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

/* ---- streaming: many pages, each read once, in the order they lie in the dump -------------- */

/** Pages in one window of a stream (4 MiB): mapped (or read) at once. */
enum { PM_STREAM_PAGES = 1024 };

/** A page of a stream: its PFN and its PM_PAGE_SIZE bytes. Return false to stop. */
typedef bool (*pm_phys_page_fn)(void *ctx, uint64_t pfn, const uint8_t *page);

/**
 * Every page the container holds with a PFN in [@p first_pfn, @p end_pfn), in ascending PFN
 * order, read a window of pages that lie together in the file at a time (mapped where the
 * source maps, so nothing is copied) instead of one read per page. Pages that cannot be read
 * (past the end of a truncated file, or a read that fails) are skipped and counted in
 * *unreadable_ret. Stops when @p fn returns false. @p fn reads the first cache line and the
 * bytes from @p reads_from of each page (0: all of it): those are prefetched ahead.
 */
struct pm_error *pm_physmem_stream(const struct pm_pagemap *pm, uint64_t first_pfn,
				   uint64_t end_pfn, unsigned reads_from, pm_phys_page_fn fn,
				   void *ctx, uint64_t *unreadable_ret);

/**
 * A set of physical pages to read once each (a frame named twice is read once), gathered
 * first and then streamed in the order they lie in the dump, so that a scan reads the file
 * forwards in windows rather than page by page in the order the page tables name them.
 * Memory: one bit per page of the file.
 */
struct pm_physset;

struct pm_error *pm_physset_create(const struct pm_pagemap *pm, struct pm_physset **ret);
void pm_physset_destroy(struct pm_physset *s);
/** Add the page holding @p pa: PM_PAGE_OK when the dump holds it (*added says whether it was
 * new to the set), else why it cannot be read (nothing added). */
enum pm_page_status pm_physset_add(struct pm_physset *s, uint64_t pa, bool *added);
/** Pages in the set. */
uint64_t pm_physset_count(const struct pm_physset *s);

/** A page of a set's stream: its PM_PAGE_SIZE bytes. Return false to stop. */
typedef bool (*pm_page_bytes_fn)(void *ctx, const uint8_t *page);

/** Every page of @p s, each once, in the order they lie in the dump (windows as above); a
 * page that cannot be read is skipped. */
struct pm_error *pm_physset_stream(struct pm_physset *s, pm_page_bytes_fn fn, void *ctx);

#endif
