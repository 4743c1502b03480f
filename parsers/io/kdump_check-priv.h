/* SPDX-License-Identifier: MIT */
/* Private to kdump_check*.c: little-endian loads, the gap list, the two checkers. */
#ifndef PM_KDUMP_CHECK_PRIV_H
#define PM_KDUMP_CHECK_PRIV_H

#include "kdump_check.h"
#include "pm-reader.h"

/* The largest note, string table or bitmap area accepted (a real capture's notes are a few
 * KiB per processor; a 1 TiB guest's bitmaps 64 MiB). */
#define PM_KD_MAX_BLOB (UINT64_C(256) << 20)
/* Physical addresses past this are refused (256 TiB, as source_kdump.c's PFN limit); an ELF
 * core's segments may reach 1 TiB, or 64 times the file's size beyond that (RAM above holes):
 * the page states of the space they claim are kept, 2 bits a page. */
#define PM_KD_MAX_PHYS (UINT64_C(1) << 48)
#define PM_KD_PHYS_ANY (UINT64_C(1) << 40)

static inline uint16_t kd_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t kd_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t kd_le64(const uint8_t *p)
{
	return kd_le32(p) | (uint64_t)kd_le32(p + 4) << 32;
}

/* [off, off + len) inside a file of @p size bytes (no overflow). */
static inline bool kd_inside(uint64_t off, uint64_t len, uint64_t size)
{
	return off <= size && len <= size - off;
}

/** Add pages [pfn, pfn + count) to the gaps (merged with the last one when adjacent). */
struct pm_error *pm_kd_add_gap(struct pm_kd_layout *l, uint64_t pfn, uint64_t count);
/** Sort and merge the gaps, and count their pages. */
void pm_kd_finish_gaps(struct pm_kd_layout *l);

struct pm_error *pm_kd_check_elf(struct pm_source *f, struct pm_kd_layout *l);
struct pm_error *pm_kd_check_diskdump(struct pm_source *f, struct pm_kd_layout *l);

#endif
