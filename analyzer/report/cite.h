/* SPDX-License-Identifier: MIT */
/**
 * @file cite.h
 * The rules cite their sources with the project's reference keys ("[RUSS]", "[KB312362]",
 * "pool-internals.md §2.5"): right for the code and the JSON, meaningless to a reader of a
 * ticket. These turn them into citations a reader can look up.
 */
#ifndef PM_CITE_H
#define PM_CITE_H

#include <stddef.h>

/** @p s with each reference key replaced by a short citation ("(Russinovich, 2009)"), in
 * @p buf; @p s itself when it holds none (or @p buf is too small). */
const char *pm_cite_short(const char *s, char *buf, size_t n);
/** The full citations of the sources @p refs names ("[RUSS] [KB312362]"), in order, into
 * @p out (at most @p max); a key this table does not know is left out. */
unsigned pm_cite_list(const char *refs, const char *out[], unsigned max);

#endif
