/* SPDX-License-Identifier: MIT */
/**
 * @file pm-error.h
 * Errors are values with context.
 *
 * A fallible function returns `struct pm_error *`; NULL means success and outputs are
 * written only on success. Messages chain outer to inner ("reading KDBG: page not in dump:
 * PFN 0x1a2b"), each layer prepending what it knows with pm_err_wrap(). Out of memory is a
 * static object so that reporting it never allocates. Nothing in this module prints.
 */
#ifndef PM_ERROR_H
#define PM_ERROR_H

#include <stdbool.h>
#include <stdint.h>

#define PM_ERROR_CODES(X)                                                                  \
	X(NOMEM, "out of memory")                                                          \
	X(OS, "system call failed")                                                        \
	X(FORMAT, "malformed data")                                                        \
	X(TRUNCATED, "data truncated")                                                     \
	X(UNSUPPORTED, "unsupported")                                                      \
	X(NOT_PRESENT, "page not present")                                                 \
	X(NOT_CAPTURED, "page not in dump")                                                \
	X(NOT_FOUND, "searched for, not found")                                            \
	X(PROFILE, "profile lacks symbol or field")                                        \
	X(BAD_SYMBOLS, "the symbol file contradicts itself")                               \
	X(LIMIT, "policy limit exceeded")                                                  \
	X(NOPROBE, "not this format")                                                      \
	X(USAGE, "usage error")

enum pm_err_code {
#define X(name, desc) PM_ERR_##name,
	PM_ERROR_CODES(X)
#undef X
	_PM_ERR_MAX
};

struct pm_error;

/** Static out-of-memory error; pm_error_destroy() on it is a no-op. */
extern struct pm_error pm_enomem;
/** Static probe sentinel: "this back-end does not handle the input". */
extern struct pm_error pm_noprobe;

/** Create an error. Never returns NULL (falls back to &pm_enomem). */
struct pm_error *pm_err(enum pm_err_code code, const char *fmt, ...)
	__attribute__((returns_nonnull, format(printf, 2, 3)));
/** Create an error carrying the errno value @p errnum. */
struct pm_error *pm_err_os(int errnum, const char *fmt, ...)
	__attribute__((returns_nonnull, format(printf, 2, 3)));
/** Prepend context to @p err ("context: inner"); returns @p err (or &pm_enomem). */
struct pm_error *pm_err_wrap(struct pm_error *err, const char *fmt, ...)
	__attribute__((returns_nonnull, format(printf, 2, 3)));
/** If *errp has @p code, destroy it, set *errp to NULL and return true. */
bool pm_err_catch(struct pm_error **errp, enum pm_err_code code);
enum pm_err_code pm_err_code(const struct pm_error *err);
/** Borrowed; valid until the error is destroyed. */
const char *pm_err_msg(const struct pm_error *err);
const char *pm_err_code_name(enum pm_err_code code);
void pm_error_destroy(struct pm_error *err);

#define PM_TRY(expr)                                                                       \
	do {                                                                               \
		struct pm_error *pm_try_err_ = (expr);                                     \
		if (pm_try_err_)                                                           \
			return pm_try_err_;                                                \
	} while (0)

#endif
