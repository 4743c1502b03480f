/* SPDX-License-Identifier: MIT */
/**
 * @file source_z.h
 * L0 compressed sources with random access: a gzip file or a zip member (stored or deflate,
 * ZIP64). Opening one inflates it once to build a seek index (CRC and size are checked);
 * reads then restart from the nearest access point. The result is a pm_source like a file.
 */
#ifndef PM_SOURCE_Z_H
#define PM_SOURCE_Z_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

bool pm_is_gzip(const uint8_t *b, size_t n);
bool pm_is_zip(const uint8_t *b, size_t n);

/** Open the gzip stream held by @p inner (ownership taken, also on failure). */
struct pm_error *pm_source_open_gzip(struct pm_source *inner, struct pm_source **ret);

struct pm_zip_entry {
	char *name;
	uint16_t method, flags;
	uint32_t crc;
	uint64_t csize, usize, local;
};

/** The central directory of the zip archive @p src (borrowed). */
struct pm_error *pm_zip_list(struct pm_source *src, struct pm_zip_entry **ret, size_t *n_ret);
void pm_zip_list_free(struct pm_zip_entry *e, size_t n);
/**
 * Which of the @p n members @p spec names: the member of that exact name (the first, when
 * several share it, as unzip does); "NAME#K" is the K-th (from 1, in the central directory's
 * order) of the members named NAME, when no member is called "NAME#K" itself.
 */
struct pm_error *pm_zip_find(const struct pm_zip_entry *e, size_t n, const char *spec,
			     size_t *pick_ret);
/** Member @p i's place among the members of its name (1 = first); *total_ret: how many. */
size_t pm_zip_occurrence(const struct pm_zip_entry *e, size_t n, size_t i, size_t *total_ret);
/** Open member @p e of the archive @p inner (ownership of inner taken, also on failure). */
struct pm_error *pm_source_open_zip_member(struct pm_source *inner, const struct pm_zip_entry *e,
					   struct pm_source **ret);

/** Called with every decompressed byte, in order, while a compressed source is indexed. */
typedef void (*pm_data_fn)(void *ctx, const uint8_t *p, size_t n);

/** As pm_source_open_any(), but hands the decompressed data of a gzip/zip input to @p fn
 * (plain files are not read: *observed_ret says whether @p fn saw the whole content). */
struct pm_error *pm_source_open_observed(const char *path, pm_data_fn fn, void *ctx,
					 struct pm_source **ret, bool *observed_ret);

/** The first @p n decompressed bytes of a gzip file or zip member, cheaply (no index). */
struct pm_error *pm_peek_gzip(struct pm_source *src, uint8_t *buf, size_t n, size_t *got_ret);
struct pm_error *pm_peek_zip_member(struct pm_source *src, const struct pm_zip_entry *e,
				    uint8_t *buf, size_t n, size_t *got_ret);

/**
 * Open @p path as a dump source: a plain file, a gzip file, or a zip member. A zip member is
 * named as "ARCHIVE::MEMBER"; an archive with a single member needs no name.
 */
struct pm_error *pm_source_open_any(const char *path, struct pm_source **ret);

#endif
