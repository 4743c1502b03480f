/* SPDX-License-Identifier: MIT */
/**
 * @file source.h
 * L0, the source of bytes: a read-only random-access byte source (a file, or a buffer for
 * the fuzzers and unit tests). Inputs are opened read-only and never written.
 */
#ifndef PM_SOURCE_H
#define PM_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-error.h"

struct pm_source;

struct pm_source_ops {
	const char *name;
	/** Read up to @p len bytes at @p off; *got_ret < len only at end of source. */
	struct pm_error *(*read_at)(struct pm_source *src, uint64_t off, void *buf, size_t len,
				    size_t *got_ret);
	void (*destroy)(struct pm_source *src);
	/** Optional, for sources that present a physical address space with gaps: whether the
	 * page @p pfn is stored (reads of an absent page would return zeros). */
	bool (*has_page)(struct pm_source *src, uint64_t pfn);
};

struct pm_source {
	const struct pm_source_ops *ops;
	uint64_t size;    /**< size in bytes, known at open */
	const char *name; /**< for messages; owned by the source */
	/** Bytes of the container file behind a source that presents a physical address space
	 * (kdump, ELF); 0 when the file is the byte stream itself. */
	uint64_t container_size;
	/** Pages the container stores (kdump, ELF), when it says; else has_pages_stored false. */
	bool has_pages_stored;
	uint64_t pages_stored;
};

/** Open @p path read-only. */
struct pm_error *pm_source_open_file(const char *path, struct pm_source **ret);
/** Wrap a caller-owned buffer (not copied; must outlive the source). */
struct pm_error *pm_source_open_mem(const void *buf, size_t len, const char *name,
				    struct pm_source **ret);
void pm_source_destroy(struct pm_source *src);

/**
 * Read exactly @p len bytes at @p off; a short read is PM_ERR_TRUNCATED naming @p what and
 * the file offset.
 */
struct pm_error *pm_source_read_exact(struct pm_source *src, uint64_t off, void *buf, size_t len,
				      const char *what);

#endif
