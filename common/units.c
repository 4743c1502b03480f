// SPDX-License-Identifier: MIT
// Memory sizes for people (pm-units.h): one writing for every layer.
#include <inttypes.h>
#include <stdio.h>

#include "pm-units.h"

const char *pm_units_grouped(uint64_t v, char out[PM_UNITS_GROUPED])
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%" PRIu64, v), k = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			out[k++] = ',';
		out[k++] = digits[i];
	}
	out[k] = 0;
	return out;
}

const char *pm_units_unit(uint64_t bytes, char out[PM_UNITS_HUMAN])
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	if (bytes < 1024) {
		char t[PM_UNITS_GROUPED];
		snprintf(out, PM_UNITS_HUMAN, "%s bytes", pm_units_grouped(bytes, t));
		return out;
	}
	int u = 0;
	double v = (double)bytes / 1024;
	while (v >= 1023.5 && u < 3) { /* what would print as "1024 MiB" is "1.00 GiB" */
		v /= 1024;
		u++;
	}
	snprintf(out, PM_UNITS_HUMAN, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
	return out;
}

const char *pm_units_human(uint64_t bytes, char out[PM_UNITS_HUMAN])
{
	char unit[PM_UNITS_HUMAN], exact[PM_UNITS_GROUPED];
	pm_units_unit(bytes, unit);
	if (bytes < 1024)
		return pm_units_unit(bytes, out);
	snprintf(out, PM_UNITS_HUMAN, "%.24s (%.27s bytes)", unit, pm_units_grouped(bytes, exact));
	return out;
}

const char *pm_units_pages(uint64_t pages, char out[PM_UNITS_PAGES])
{
	char n[PM_UNITS_GROUPED], size[PM_UNITS_HUMAN];
	/* none, or past 2^52 pages (the size would overflow): the count alone */
	if (!pages || pages > UINT64_MAX / 4096) {
		snprintf(out, PM_UNITS_PAGES, "%s pages", pm_units_grouped(pages, n));
		return out;
	}
	snprintf(out, PM_UNITS_PAGES, "%s page%s (%s)", pm_units_grouped(pages, n),
		 pages == 1 ? "" : "s", pm_units_unit(pages * 4096, size));
	return out;
}
