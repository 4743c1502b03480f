/* SPDX-License-Identifier: MIT */
/**
 * @file pm-units.h
 * Memory sizes for people, written one way in every layer that writes text (the rules'
 * findings, the report writers through fmt.h): binary units with the exact figure beside them,
 * "1.37 GiB (1,468,006,400 bytes)", and page counts as WinDbg gives them with their size,
 * "1,543 pages (6.03 MiB)". A finding uses one of the two families, never both.
 */
#ifndef PM_UNITS_H
#define PM_UNITS_H

#include <stdint.h>

enum {
	PM_UNITS_GROUPED = 28, /**< 20 digits grouped by thousands (26) and the NUL */
	PM_UNITS_HUMAN = 64,
	PM_UNITS_PAGES = 96,
};

/** A count with thousands separators: "1,468,006,400". */
const char *pm_units_grouped(uint64_t v, char out[PM_UNITS_GROUPED]);
/** Bytes in binary units without the exact figure: "1.37 GiB", "512 bytes". */
const char *pm_units_unit(uint64_t bytes, char out[PM_UNITS_HUMAN]);
/** Bytes for people: "1.37 GiB (1,468,006,400 bytes)"; under 1 KiB "512 bytes". */
const char *pm_units_human(uint64_t bytes, char out[PM_UNITS_HUMAN]);
/** 4 KiB pages with their size: "1,543 pages (6.03 MiB)", "1 page (4.00 KiB)", "0 pages". */
const char *pm_units_pages(uint64_t pages, char out[PM_UNITS_PAGES]);

/* The same as expressions with a buffer of their own (valid to the end of the enclosing
 * block), for printf arguments. */
#define PM_U_GROUPED(v) pm_units_grouped((v), (char[PM_UNITS_GROUPED]){ 0 })
#define PM_U_UNIT(v) pm_units_unit((v), (char[PM_UNITS_HUMAN]){ 0 })
#define PM_U_HUMAN(v) pm_units_human((v), (char[PM_UNITS_HUMAN]){ 0 })
#define PM_U_PAGES(v) pm_units_pages((v), (char[PM_UNITS_PAGES]){ 0 })

#endif
