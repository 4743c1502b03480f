/* SPDX-License-Identifier: MIT */
/** @file pm-utf.h UTF-16LE (untrusted bytes) to UTF-8, bounded; UTF-8 checked and repaired. */
#ifndef PM_UTF_H
#define PM_UTF_H

#include <stddef.h>
#include <stdint.h>

/**
 * Convert @p nchars UTF-16LE code units at @p in to a newly allocated NUL-terminated UTF-8
 * string. Unpaired surrogates and NULs become U+FFFD. Returns NULL on OOM.
 */
char *pm_utf16le_to_utf8(const uint8_t *in, size_t nchars);

/** Number of bytes of the NUL-terminated @p s that start no well-formed UTF-8 sequence. */
size_t pm_utf8_invalid(const char *s);

/**
 * @p s (malloc'd, NUL-terminated) with every byte that starts no well-formed UTF-8 sequence
 * replaced by U+FFFD: @p s itself when it is valid, else a new string (and @p s is freed).
 * Returns NULL on OOM (@p s freed). Every text that leaves as JSON goes through this: bytes
 * copied from a damaged dump or symbol file must not make the output invalid JSON.
 */
char *pm_utf8_repair(char *s);

#endif
