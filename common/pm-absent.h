/* SPDX-License-Identifier: MIT */
/**
 * @file pm-absent.h
 * The ONE vocabulary of absence and of provenance, shared by every layer.
 *
 * A value is present, or absent with a reason from PM_ABSENT_REASONS (never a silent 0). Each
 * reason has a key (the enum), a JSON name (stable: reports and schemas use it) and a human
 * text. Where a present value came from is a pm_prov, decided by enum and never by looking
 * into a message or a source string.
 *
 * Two reasons that look alike are distinct on purpose: "not captured" means the dump does not
 * hold the page a value lives in; "not found" means a search ran over what the dump holds and
 * found nothing (a missing KDBG tag, a table no candidate fits) — a search that finds nothing
 * is not a missing page.
 *
 * Ownership: pm_absence.detail is owned by the struct that holds the pm_absence; set it with
 * pm_absence_set() and free it with pm_absence_clear().
 */
#ifndef PM_ABSENT_H
#define PM_ABSENT_H

#include <stdint.h>

#include "pm-error.h"

/* key, JSON name, human text (as reports print it, without parentheses) */
#define PM_ABSENT_REASONS(X)                                                               \
	X(PRESENT, NULL, NULL)                                                             \
	X(NOT_IN_HEADER, "not_in_header", "not in the dump header")                        \
	X(NOT_CAPTURED, "not_captured", "not in the dump")                                 \
	X(NOT_PRESENT, "not_present", "paged out or not mapped")                           \
	X(PAGED_OUT, "paged_out", "paged out")                                             \
	X(NOT_FOUND, "not_found", "not found")                                             \
	X(UNREADABLE, "unreadable", "unreadable")                                          \
	X(NOT_APPLICABLE, "not_applicable", "not applicable")                              \
	X(NO_KDBG, "no_kdbg", "unknown: no KDBG")                                          \
	X(FIELD_MISSING, "field_missing", "not in this build's KDBG")                      \
	X(STALE, "stale", "not in the KDBG's variable on this build")                      \
	X(NEEDS_SYMBOLS, "needs_symbols", "needs symbols")                                 \
	X(NOT_IN_SYMBOLS, "not_in_symbols", "not in these symbols")                        \
	X(BAD_SYMBOLS, "bad_symbols", "the symbols contradict themselves")                 \
	X(IMPLAUSIBLE, "implausible", "implausible: another figure contradicts it")        \
	X(NOT_IN_DUMP, "not_in_dump", "not in a small memory dump")                        \
	X(PARTIAL, "partial", "partial")                                                   \
	X(NOT_AVAILABLE, "not_available", "not available")

enum pm_absent {
#define X(key, json, text) PM_ABSENT_##key,
	PM_ABSENT_REASONS(X)
#undef X
	_PM_ABSENT_MAX
};

/** The JSON name of @p a ("not_captured", ...); NULL for PM_ABSENT_PRESENT. */
const char *pm_absent_name(enum pm_absent a);
/** The human text of @p a ("not in the dump", ...); NULL for PM_ABSENT_PRESENT. */
const char *pm_absent_text(enum pm_absent a);
/** The reason from its JSON name; false when @p name is not one. */
bool pm_absent_parse(const char *name, enum pm_absent *ret);
/** The reason a value read with the error @p err is missing (a page not captured, not
 * present, a profile field missing, nothing found, ...; unreadable otherwise). */
enum pm_absent pm_absent_of(const struct pm_error *err);

/** A reason with its detail (an owned message; NULL when there is nothing to add). */
struct pm_absence {
	enum pm_absent why;
	char *detail;
};

/** Set @p a to @p why with a formatted detail (fmt NULL: none); frees the previous detail.
 * Out of memory leaves the reason set and the detail NULL. */
void pm_absence_set(struct pm_absence *a, enum pm_absent why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/** As pm_absence_set() with the message of @p err as the detail (err is not consumed). */
void pm_absence_from(struct pm_absence *a, enum pm_absent why, const struct pm_error *err);
/** Back to PM_ABSENT_PRESENT, detail freed. */
void pm_absence_clear(struct pm_absence *a);
/** The detail, or "" when none. */
const char *pm_absence_detail(const struct pm_absence *a);

/* Where a present value came from: key, JSON name, human text. */
#define PM_PROVENANCES(X)                                                                  \
	X(NONE, NULL, NULL)                                                                \
	X(HEADER, "header", "the dump header")                                             \
	X(KDBG, "kdbg", "the KDBG")                                                        \
	X(TRIAGE, "triage", "the small memory dump's own records")                         \
	X(DISCOVERED, "discovered", "discovery (no header)")                               \
	X(MODULES, "modules", "the loaded-module list")                                    \
	X(SYMBOLS, "symbols", "an address the kernel's symbols give")                      \
	X(SYMBOL_LAYOUT, "symbol_layout", "a structure layout the kernel's symbols give")  \
	X(BUILTIN, "builtin", "the built-in profile")                                      \
	X(SEARCH, "search", "a search of the kernel's data")                               \
	X(DESCRIPTORS, "descriptors", "the pool descriptors")                              \
	X(ESTIMATE, "estimate", "an estimate")

enum pm_prov {
#define X(key, json, text) PM_PROV_##key,
	PM_PROVENANCES(X)
#undef X
	_PM_PROV_MAX
};

/** The JSON name of @p p ("header", "kdbg", ...); NULL for PM_PROV_NONE. */
const char *pm_prov_name(enum pm_prov p);
/** The human text of @p p; NULL for PM_PROV_NONE. */
const char *pm_prov_text(enum pm_prov p);
/** The provenance from its JSON name; false when @p name is not one. */
bool pm_prov_parse(const char *name, enum pm_prov *ret);

#endif
