// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-diag.h"

void pm_diags_init(struct pm_diags *d)
{
	memset(d, 0, sizeof(*d));
}

void pm_diags_deinit(struct pm_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].layer);
		free(d->items[i].msg);
	}
	free(d->items);
	memset(d, 0, sizeof(*d));
}

static void add_msg(struct pm_diags *d, enum pm_err_code code, const char *layer, char *msg)
{
	if (!msg || d->n >= PM_MAX_DIAGS) {
		free(msg);
		d->dropped++;
		return;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct pm_diag *it = realloc(d->items, cap * sizeof(*it));
		if (!it) {
			free(msg);
			d->dropped++;
			return;
		}
		d->items = it;
		d->cap = cap;
	}
	char *l = strdup(layer);
	if (!l) {
		free(msg);
		d->dropped++;
		return;
	}
	d->items[d->n].code = code;
	d->items[d->n].layer = l;
	d->items[d->n].msg = msg;
	d->n++;
}

void pm_diag_add(struct pm_diags *d, enum pm_err_code code, const char *layer, const char *fmt,
		 ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *msg = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (msg)
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	add_msg(d, code, layer, msg);
}

void pm_diag_take(struct pm_diags *d, const char *layer, struct pm_error *err)
{
	if (!err)
		return;
	pm_diag_add(d, pm_err_code(err), layer, "%s", pm_err_msg(err));
	pm_error_destroy(err);
}
