/* SPDX-License-Identifier: MIT */
/* Shared by the gzip/zip sources (private to parsers/io). */
#ifndef PM_SOURCE_Z_PRIV_H
#define PM_SOURCE_Z_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

static inline uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/** The first @p n bytes of raw deflate (or @p stored) data at @p start of @p src. */
struct pm_error *pm_z_peek_raw(struct pm_source *src, uint64_t start, uint64_t clen, bool stored,
			       uint8_t *buf, size_t n, size_t *got_ret);

#endif
