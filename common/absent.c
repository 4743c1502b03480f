// SPDX-License-Identifier: MIT
// The vocabulary of absence and provenance (pm-absent.h).
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-absent.h"

static const struct {
	const char *json, *text;
} reasons[] = {
#define X(key, json, text) { json, text },
	PM_ABSENT_REASONS(X)
#undef X
};

static const struct {
	const char *json, *text;
} provs[] = {
#define X(key, json, text) { json, text },
	PM_PROVENANCES(X)
#undef X
};

const char *pm_absent_name(enum pm_absent a)
{
	return (unsigned)a < _PM_ABSENT_MAX ? reasons[a].json : "unreadable";
}

const char *pm_absent_text(enum pm_absent a)
{
	return (unsigned)a < _PM_ABSENT_MAX ? reasons[a].text : "unreadable";
}

bool pm_absent_parse(const char *name, enum pm_absent *ret)
{
	for (unsigned i = 1; i < _PM_ABSENT_MAX; i++)
		if (!strcmp(name, reasons[i].json)) {
			*ret = (enum pm_absent)i;
			return true;
		}
	return false;
}

enum pm_absent pm_absent_of(const struct pm_error *err)
{
	switch (pm_err_code(err)) {
	case PM_ERR_NOT_CAPTURED:
		return PM_ABSENT_NOT_CAPTURED;
	case PM_ERR_NOT_PRESENT:
		return PM_ABSENT_NOT_PRESENT;
	case PM_ERR_NOT_FOUND:
		return PM_ABSENT_NOT_FOUND;
	case PM_ERR_PROFILE:
		return PM_ABSENT_FIELD_MISSING;
	case PM_ERR_BAD_SYMBOLS:
		return PM_ABSENT_BAD_SYMBOLS;
	default:
		return PM_ABSENT_UNREADABLE;
	}
}

static void set_detail(struct pm_absence *a, enum pm_absent why, char *detail)
{
	free(a->detail);
	a->why = why;
	a->detail = detail;
}

void pm_absence_set(struct pm_absence *a, enum pm_absent why, const char *fmt, ...)
{
	char *d = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(NULL, 0, fmt, ap);
		va_end(ap);
		if (n >= 0 && (d = malloc((size_t)n + 1))) {
			va_start(ap, fmt);
			vsnprintf(d, (size_t)n + 1, fmt, ap);
			va_end(ap);
		}
	}
	set_detail(a, why, d);
}

void pm_absence_from(struct pm_absence *a, enum pm_absent why, const struct pm_error *err)
{
	pm_absence_set(a, why, "%s", pm_err_msg(err));
}

void pm_absence_clear(struct pm_absence *a)
{
	set_detail(a, PM_ABSENT_PRESENT, NULL);
}

const char *pm_absence_detail(const struct pm_absence *a)
{
	return a->detail ? a->detail : "";
}

const char *pm_prov_name(enum pm_prov p)
{
	return (unsigned)p < _PM_PROV_MAX ? provs[p].json : NULL;
}

const char *pm_prov_text(enum pm_prov p)
{
	return (unsigned)p < _PM_PROV_MAX ? provs[p].text : NULL;
}

bool pm_prov_parse(const char *name, enum pm_prov *ret)
{
	for (unsigned i = 1; i < _PM_PROV_MAX; i++)
		if (!strcmp(name, provs[i].json)) {
			*ret = (enum pm_prov)i;
			return true;
		}
	return false;
}
