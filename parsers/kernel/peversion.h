/* SPDX-License-Identifier: MIT */
/**
 * @file peversion.h
 * An image's version resource: the resource directory (data directory 2) walked to RT_VERSION
 * (type 16; its first name, its first language), then VS_VERSIONINFO read —
 * VS_FIXEDFILEINFO's file and product versions, and from StringFileInfo the StringTable of
 * VarFileInfo's first Translation (else the first table) — as the PE/COFF specification
 * ("The .rsrc Section") and the VS_VERSIONINFO reference lay them out.
 *
 * Reads go through the same callback as pe.h, so one parser serves a driver file mapped by
 * pefile.h and an image mapped in a dump's memory, whose resource pages may not be captured.
 *
 * Contract: every offset, size and count is checked (through the reader idiom); the
 * directory walk is three levels, at most PM_PEVER_MAX_ENTRIES entries a directory; the
 * resource is at most PM_PEVER_MAX_SIZE bytes; a block has at most PM_PEVER_MAX_CHILDREN
 * children and StringFileInfo at most PM_PEVER_MAX_TABLES tables. UTF-16 becomes UTF-8
 * (unpaired surrogates and controls repaired), each value cut at PM_VER_STR_MAX - 1 bytes on
 * a character boundary.
 */
#ifndef PM_PEVERSION_H
#define PM_PEVERSION_H

#include <stdint.h>

#include "pe.h"
#include "pm-reader.h"
#include "pm-verinfo.h"

enum {
	PM_PEVER_MAX_ENTRIES = 512,
	PM_PEVER_MAX_SIZE = 64 << 10,
	PM_PEVER_MAX_CHILDREN = 256,
	PM_PEVER_MAX_TABLES = 16,
	PM_RT_VERSION = 16,
};

/**
 * Read VS_VERSIONINFO from @p rd (the resource's bytes). *ret is written only on success
 * (present). Errors name the block and its offset: PM_ERR_FORMAT, PM_ERR_TRUNCATED,
 * PM_ERR_LIMIT, or PM_ERR_NOMEM.
 */
struct pm_error *pm_verinfo_parse(const struct pm_rd *rd, struct pm_verinfo *ret);

/**
 * The version resource of the image at @p base whose headers are @p pe: *ret is present, or
 * absent with why (not captured / paged out with the address that failed, not found when the
 * image holds no RT_VERSION, unreadable when it is damaged). Fails only for out of memory.
 */
struct pm_error *pm_pe_version(pm_read_fn read, void *ctx, uint64_t base,
			       const struct pm_pe_info *pe, struct pm_verinfo *ret);

#endif
