/* SPDX-License-Identifier: MIT */
/** @file dtview.h `dt` (a type's layout, WinDbg style or JSON) and `x` (symbols' RVAs). */
#ifndef PM_DTVIEW_H
#define PM_DTVIEW_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "symtab.h"

/** The type's layout as WinDbg's dt prints it. */
struct pm_error *pm_dt_text(struct pm_symtab *t, const char *type, char **ret);
/** The same as a tree (schema poolmortem.dt/1). */
struct pm_error *pm_json_dt(struct pm_symtab *t, const char *type, cJSON **ret);
/** Each name's RVA; *all_found is false when some name has no symbol (each is said). */
struct pm_error *pm_x_text(struct pm_symtab *t, const char *const *names, size_t n, char **ret,
			   bool *all_found);
/** The same as a tree (schema poolmortem.x/1). */
struct pm_error *pm_json_x(struct pm_symtab *t, const char *const *names, size_t n, cJSON **ret,
			   bool *all_found);

#endif
