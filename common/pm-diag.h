/* SPDX-License-Identifier: MIT */
/**
 * @file pm-diag.h
 * Non-fatal diagnostics: something was wrong or missing but the result is still meaningful.
 * A diagnostic is recorded once (never also returned as an error) and carried into reports.
 */
#ifndef PM_DIAG_H
#define PM_DIAG_H

#include <stddef.h>

#include "pm-error.h"

struct pm_diag {
	enum pm_err_code code;
	char *layer; /**< "container", "physmem", "vtop", "kdbg", "modules", "pe" */
	char *msg;
};

struct pm_diags {
	struct pm_diag *items;
	size_t n, cap;
	size_t dropped; /**< diagnostics not kept because of PM_MAX_DIAGS */
};

enum { PM_MAX_DIAGS = 256 };

void pm_diags_init(struct pm_diags *d);
void pm_diags_deinit(struct pm_diags *d);
/** Record a diagnostic; OOM or the cap are counted in @ref pm_diags.dropped. */
void pm_diag_add(struct pm_diags *d, enum pm_err_code code, const char *layer, const char *fmt,
		 ...) __attribute__((format(printf, 4, 5)));
/** Record @p err as a diagnostic and destroy it. */
void pm_diag_take(struct pm_diags *d, const char *layer, struct pm_error *err);

#endif
