/* SPDX-License-Identifier: MIT */
/**
 * @file pm-verinfo.h
 * An image's version resource as a value: the facts WinDbg's `lm v` prints for the vendor
 * ticket (VS_FIXEDFILEINFO's file and product versions; StringFileInfo's CompanyName,
 * ProductName, FileDescription, FileVersion and OriginalFilename). Read by the parser
 * (parsers/kernel/peversion.h), carried by the summary to the rules and the reports; no
 * pointers, so it is copied freely.
 *
 * Present (absent == PM_ABSENT_PRESENT) or absent with why: not captured / paged out (the
 * resource's pages are not in the dump), not found (the image has no RT_VERSION resource),
 * unreadable (the resource is damaged). A string the resource does not hold is has_str
 * false, never an empty string standing for "unknown".
 */
#ifndef PM_VERINFO_H
#define PM_VERINFO_H

#include <stdbool.h>
#include <stdint.h>

#include "pm-absent.h"

/** The StringFileInfo values kept, in the order reports print them. */
enum pm_ver_str {
	PM_VER_COMPANY,           /**< CompanyName */
	PM_VER_PRODUCT,           /**< ProductName */
	PM_VER_DESCRIPTION,       /**< FileDescription */
	PM_VER_FILE_VERSION,      /**< FileVersion (the string: often with the build branch) */
	PM_VER_ORIGINAL_FILENAME, /**< OriginalFilename */
	PM_VER_NSTR
};

enum { PM_VER_STR_MAX = 128, PM_VER_WHY_MAX = 200 };

struct pm_verinfo {
	enum pm_absent absent;     /**< PM_ABSENT_PRESENT when VS_VERSIONINFO was read */
	char why[PM_VER_WHY_MAX];  /**< when absent: what could not be read, and where */
	bool has_fixed;            /**< VS_FIXEDFILEINFO was there, with its signature */
	uint16_t file_version[4];  /**< dwFileVersionMS/LS as a.b.c.d */
	uint16_t product_version[4];
	char lang[9];              /**< the StringTable read ("040904B0"); "" when none */
	bool has_str[PM_VER_NSTR]; /**< the resource holds that string */
	char str[PM_VER_NSTR][PM_VER_STR_MAX]; /**< UTF-8, repaired, cut at a character */
	bool str_cut[PM_VER_NSTR]; /**< the value was longer than PM_VER_STR_MAX - 1 bytes */
};

/** The resource's key of @p s ("CompanyName", ...); NULL when out of range. */
static inline const char *pm_ver_key(enum pm_ver_str s)
{
	static const char *const keys[PM_VER_NSTR] = { "CompanyName", "ProductName",
						       "FileDescription", "FileVersion",
						       "OriginalFilename" };
	return (unsigned)s < PM_VER_NSTR ? keys[s] : NULL;
}

/**
 * An image's TimeDateStamp as the day it was linked, "2011-06-21" (UTC), in @p out; false
 * when it is 0 (not written) or outside 1990..2039: most of Windows' own images since 10
 * are built reproducibly and carry a hash there, not a time.
 */
bool pm_link_date(uint32_t timestamp, char out[11]);

#endif
