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

/**
 * A read-only window on a source's bytes (pm_source_view()): @p data holds @p len bytes,
 * mapped from the file without copying when the source can, else read into the caller's
 * buffer. Valid until pm_source_unview(); windows are independent of each other.
 */
struct pm_view {
	const uint8_t *data;
	size_t len;
	void *base;      /**< private: the mapping to release, or NULL */
	size_t base_len; /**< private */
};

struct pm_source_ops {
	const char *name;
	/** Read up to @p len bytes at @p off; *got_ret < len only at end of source. */
	struct pm_error *(*read_at)(struct pm_source *src, uint64_t off, void *buf, size_t len,
				    size_t *got_ret);
	void (*destroy)(struct pm_source *src);
	/** Optional, for sources that present a physical address space with gaps: whether the
	 * page @p pfn is stored (reads of an absent page would return zeros). */
	bool (*has_page)(struct pm_source *src, uint64_t pfn);
	/** Optional: map [off, off + len) (inside the source) read-only, without copying. */
	struct pm_error *(*map)(struct pm_source *src, uint64_t off, size_t len,
				struct pm_view *ret);
	/** Release a window made by map. */
	void (*unmap)(struct pm_source *src, struct pm_view *v);
	/** Optional hint: [off, off + len) will be read soon (start reading it ahead). */
	void (*will_need)(struct pm_source *src, uint64_t off, uint64_t len);
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
	/** Of those, pages whose bytes lie past the end of the container file (a truncated ELF
	 * core or kdump file): has_page() says they are absent, and they are counted here. */
	uint64_t pages_beyond_eof;
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

/**
 * A window of exactly @p len bytes at @p off: mapped when the source maps (a plain file, a
 * memory buffer), else read into @p buf, which must hold @p len bytes. A window that would
 * pass the end of the source is PM_ERR_TRUNCATED naming @p what and the offset.
 */
struct pm_error *pm_source_view(struct pm_source *src, uint64_t off, size_t len, uint8_t *buf,
				const char *what, struct pm_view *ret);
/** Release a window (a no-op for one read into the caller's buffer). */
void pm_source_unview(struct pm_source *src, struct pm_view *v);
/** Whether pm_source_view() maps (no copy) rather than reads. */
bool pm_source_can_map(const struct pm_source *src);
/** Tell the source that [off, off + len) will be read soon (a no-op when it cannot use it). */
void pm_source_will_need(struct pm_source *src, uint64_t off, uint64_t len);

#endif
