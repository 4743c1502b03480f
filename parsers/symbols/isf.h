/* SPDX-License-Identifier: MIT */
/**
 * @file isf.h
 * Volatility 3 ISF JSON symbol files (reference/symbols.md §6): plain or xz-compressed (the
 * caller's source already undoes gzip and zip), as a pm_symtab.
 */
#ifndef PM_ISF_H
#define PM_ISF_H

#include "source.h"
#include "symtab.h"

/** JSON text (first non-blank byte '{'). */
bool pm_is_isf(const uint8_t *b, size_t n);
/** The xz container signature. */
bool pm_is_xz(const uint8_t *b, size_t n);
/** Read @p src (taken over) as ISF JSON, xz-compressed or not. */
struct pm_error *pm_isf_open(struct pm_source *src, const char *path, struct pm_symtab **ret);

#endif
