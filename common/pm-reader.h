/* SPDX-License-Identifier: MIT */
/**
 * @file pm-reader.h
 * The one bounds-checked reader idiom for untrusted bytes.
 *
 * A `struct pm_rd` is a window over bytes already in memory (read from the file, a physical
 * page, or a kernel object read through virtual memory). Every access checks bounds with
 * integer arithmetic (`off > len || n > len - off`, never pointer arithmetic), copies with
 * memcpy and decodes little-endian. A failed access returns PM_ERR_TRUNCATED naming the
 * structure (`what`), the address space and the absolute address, and writes no output.
 * The reader owns no memory.
 *
 * Also here: checked arithmetic (pm_ckd_add/pm_ckd_mul) for every size computed from
 * untrusted values.
 */
#ifndef PM_READER_H
#define PM_READER_H

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pm-error.h"

enum pm_addr_space { PM_AS_FILE, PM_AS_PHYS, PM_AS_VIRT, PM_AS_BUF };

static inline const char *pm_as_name(enum pm_addr_space as)
{
	switch (as) {
	case PM_AS_FILE:
		return "file offset";
	case PM_AS_PHYS:
		return "physical address";
	case PM_AS_VIRT:
		return "VA";
	default:
		return "offset";
	}
}

struct pm_rd {
	const uint8_t *buf; /**< window start */
	size_t len;         /**< window length */
	enum pm_addr_space as;
	uint64_t base; /**< address of buf[0] in @ref as, for messages */
	const char *what; /**< static name of the structure, e.g. "DUMP_HEADER64" */
};

static inline struct pm_rd pm_rd_make(const void *buf, size_t len, enum pm_addr_space as,
				      uint64_t base, const char *what)
{
	struct pm_rd rd = { (const uint8_t *)buf, len, as, base, what };
	return rd;
}

/** Overflow-checked a + b; returns true on overflow (like C23 ckd_add). */
static inline int pm_ckd_add(uint64_t *r, uint64_t a, uint64_t b)
{
	return __builtin_add_overflow(a, b, r);
}

/** Overflow-checked a * b; returns true on overflow. */
static inline int pm_ckd_mul(uint64_t *r, uint64_t a, uint64_t b)
{
	return __builtin_mul_overflow(a, b, r);
}

static inline struct pm_error *pm_rd_need(const struct pm_rd *rd, size_t off, size_t n)
{
	if (off > rd->len || n > rd->len - off)
		return pm_err(PM_ERR_TRUNCATED,
			      "%s at %s %#" PRIx64 ": need %zu bytes at +%#zx, only %zu available",
			      rd->what, pm_as_name(rd->as), rd->base, n, off,
			      off > rd->len ? (size_t)0 : rd->len - off);
	return NULL;
}

static inline struct pm_error *pm_rd_bytes(const struct pm_rd *rd, size_t off, void *out, size_t n)
{
	PM_TRY(pm_rd_need(rd, off, n));
	memcpy(out, rd->buf + off, n);
	return NULL;
}

static inline struct pm_error *pm_rd_u8(const struct pm_rd *rd, size_t off, uint8_t *ret)
{
	PM_TRY(pm_rd_need(rd, off, 1));
	*ret = rd->buf[off];
	return NULL;
}

static inline struct pm_error *pm_rd_u16(const struct pm_rd *rd, size_t off, uint16_t *ret)
{
	PM_TRY(pm_rd_need(rd, off, 2));
	const uint8_t *p = rd->buf + off;
	*ret = (uint16_t)(p[0] | (p[1] << 8));
	return NULL;
}

static inline struct pm_error *pm_rd_u32(const struct pm_rd *rd, size_t off, uint32_t *ret)
{
	PM_TRY(pm_rd_need(rd, off, 4));
	const uint8_t *p = rd->buf + off;
	*ret = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	return NULL;
}

static inline struct pm_error *pm_rd_u64(const struct pm_rd *rd, size_t off, uint64_t *ret)
{
	uint32_t lo, hi;
	PM_TRY(pm_rd_need(rd, off, 8));
	PM_TRY(pm_rd_u32(rd, off, &lo));
	PM_TRY(pm_rd_u32(rd, off + 4, &hi));
	*ret = (uint64_t)hi << 32 | lo;
	return NULL;
}

/** Pointer-sized value: 4 bytes (zero-extended) or 8 bytes. */
static inline struct pm_error *pm_rd_ptr(const struct pm_rd *rd, size_t off, unsigned ptr_size,
					 uint64_t *ret)
{
	if (ptr_size == 4) {
		uint32_t v;
		PM_TRY(pm_rd_u32(rd, off, &v));
		*ret = v;
		return NULL;
	}
	return pm_rd_u64(rd, off, ret);
}

/**
 * Validate an untrusted array of @p count elements of @p elem bytes at @p off: the product
 * must not overflow, must fit in the window, and count must not exceed the named policy
 * @p limit.
 */
static inline struct pm_error *pm_rd_array(const struct pm_rd *rd, size_t off, uint64_t count,
					   size_t elem, uint64_t limit, const char *what)
{
	uint64_t total;
	if (count > limit)
		return pm_err(PM_ERR_LIMIT, "%s at %s %#" PRIx64 ": %s count %" PRIu64
			      " exceeds the limit of %" PRIu64,
			      rd->what, pm_as_name(rd->as), rd->base + off, what, count, limit);
	if (pm_ckd_mul(&total, count, elem) || total > SIZE_MAX)
		return pm_err(PM_ERR_FORMAT, "%s at %s %#" PRIx64 ": %s count %" PRIu64
			      " overflows", rd->what, pm_as_name(rd->as), rd->base + off, what,
			      count);
	return pm_rd_need(rd, off, (size_t)total);
}

#endif
