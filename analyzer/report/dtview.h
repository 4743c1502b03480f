/* SPDX-License-Identifier: MIT */
/** @file dtview.h `dt` (a type's layout, WinDbg style or JSON) and `x` (symbols' RVAs). */
#ifndef PM_DTVIEW_H
#define PM_DTVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "symtab.h"

struct pm_error *pm_dt_render(struct pm_symtab *t, const char *type, bool json, char **ret);
/** *all_found is false when some name has no symbol (each is reported in the output). */
struct pm_error *pm_x_render(struct pm_symtab *t, const char *const *names, size_t n, bool json,
			     char **ret, bool *all_found);

#endif
