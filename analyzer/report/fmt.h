/* SPDX-License-Identifier: MIT */
/**
 * @file fmt.h
 * Each kind of figure formatted once, for every rendering (text, JSON, Markdown, HTML): pool
 * tags, addresses, byte counts, page counts, percentages, times. Each writes into the caller's
 * buffer and returns it, so it can be used as a printf argument (PM_ADDR(va) and the like
 * bring their own buffer).
 */
#ifndef PM_FMT_H
#define PM_FMT_H

#include <stdbool.h>
#include <stdint.h>

enum {
	PM_FMT_TAG = 5,    /**< 4 characters */
	PM_FMT_ADDR = 19,  /**< "0x" and 16 digits */
	PM_FMT_BYTES = 28, /**< 20 digits grouped by thousands (26) and the NUL */
	PM_FMT_PAGES = 64,
	PM_FMT_PCT = 16,
	PM_FMT_TIME = 32,
	PM_FMT_CODE = 12, /**< "0x" and 8 digits */
	PM_FMT_HUMAN = 64,
};

/* The same as expressions with a buffer of their own (valid to the end of the enclosing
 * block), for printf arguments. */
#define PM_TAG(t) pm_fmt_tag((t), (char[PM_FMT_TAG]){ 0 })
#define PM_ADDR(v) pm_fmt_addr((v), (char[PM_FMT_ADDR]){ 0 })
#define PM_BYTES(v) pm_fmt_bytes((v), (char[PM_FMT_BYTES]){ 0 })
#define PM_PAGES(v) pm_fmt_pages((v), (char[PM_FMT_PAGES]){ 0 })
#define PM_PAGES_KB(v) pm_fmt_pages_kb((v), (char[PM_FMT_PAGES]){ 0 })
#define PM_PCT(f) pm_fmt_pct((f), (char[PM_FMT_PCT]){ 0 })
#define PM_HUMAN(v) pm_fmt_human((v), (char[PM_FMT_HUMAN]){ 0 })
#define PM_UNIT(v) pm_fmt_unit((v), (char[PM_FMT_HUMAN]){ 0 })
#define PM_THOUSANDS(v) pm_fmt_thousands((v), (char[PM_FMT_BYTES]){ 0 })
#define PM_BUGCHECK(c) pm_fmt_bugcheck((c), false, (char[PM_FMT_CODE]){ 0 })

/** A pool tag: its four characters, '?' for a byte that is not printable ASCII. */
const char *pm_fmt_tag(uint32_t tag, char out[PM_FMT_TAG]);
/** An address, or any figure kept in hex (sizes of structures, timestamps): "0x1a2b", "0x0". */
const char *pm_fmt_addr(uint64_t v, char out[PM_FMT_ADDR]);
/** A byte count, exactly. */
const char *pm_fmt_bytes(uint64_t v, char out[PM_FMT_BYTES]);
/** A count with thousands separators: "1,468,006,400". */
const char *pm_fmt_thousands(uint64_t v, char out[PM_FMT_BYTES]);
/** A byte count for people: "1.37 GiB (1,468,006,400 bytes)", "512 bytes" (binary units,
 * the exact figure beside them). */
const char *pm_fmt_human(uint64_t bytes, char out[PM_FMT_HUMAN]);
/** The same without the exact figure: "1.37 GiB", "512 bytes". */
const char *pm_fmt_unit(uint64_t bytes, char out[PM_FMT_HUMAN]);
/** A count of 4 KiB pages with its size: "1543 pages (6 MiB)". */
const char *pm_fmt_pages(uint64_t pages, char out[PM_FMT_PAGES]);
/** The same as WinDbg's !vm gives it: "1543 pages (6172 Kb)". */
const char *pm_fmt_pages_kb(uint64_t pages, char out[PM_FMT_PAGES]);
/** KiB in @p pages 4 KiB pages (!vm's "Kb"). */
uint64_t pm_pages_kb(uint64_t pages);
/** A fraction as a whole percentage: 0.416 -> "42%". */
const char *pm_fmt_pct(double fraction, char out[PM_FMT_PCT]);
/** A bugcheck code as WinDbg writes it, "0x0000001A" (@p json: lower case, "0x0000001a", as
 * the JSON schemas have it). */
const char *pm_fmt_bugcheck(uint32_t code, bool json, char out[PM_FMT_CODE]);
/** A FILETIME (100 ns since 1601) as "YYYY-MM-DDTHH:MM:SSZ"; NULL when out of range. */
const char *pm_fmt_time(uint64_t filetime, char out[PM_FMT_TIME]);
/** An uptime in 100 ns units: "1d 02h 03m 04s". */
const char *pm_fmt_uptime(uint64_t u100ns, char out[PM_FMT_TIME]);

#endif
