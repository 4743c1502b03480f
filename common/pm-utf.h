/* SPDX-License-Identifier: MIT */
/** @file pm-utf.h UTF-16LE (untrusted bytes) to UTF-8, bounded. */
#ifndef PM_UTF_H
#define PM_UTF_H

#include <stddef.h>
#include <stdint.h>

/**
 * Convert @p nchars UTF-16LE code units at @p in to a newly allocated NUL-terminated UTF-8
 * string. Unpaired surrogates and NULs become U+FFFD. Returns NULL on OOM.
 */
char *pm_utf16le_to_utf8(const uint8_t *in, size_t nchars);

#endif
