// SPDX-License-Identifier: MIT
// The formats of fmt.h: one per kind of figure.
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "fmt.h"
#include "pm-units.h"
#include "summary.h"

const char *pm_fmt_tag(uint32_t tag, char out[PM_FMT_TAG])
{
	pm_sum_tag_str(tag, out);
	return out;
}

const char *pm_fmt_addr(uint64_t v, char out[PM_FMT_ADDR])
{
	snprintf(out, PM_FMT_ADDR, "0x%" PRIx64, v);
	return out;
}

const char *pm_fmt_bytes(uint64_t v, char out[PM_FMT_BYTES])
{
	snprintf(out, PM_FMT_BYTES, "%" PRIu64, v);
	return out;
}

const char *pm_fmt_thousands(uint64_t v, char out[PM_FMT_BYTES])
{
	return pm_units_grouped(v, out);
}

const char *pm_fmt_unit(uint64_t bytes, char out[PM_FMT_HUMAN])
{
	return pm_units_unit(bytes, out);
}

const char *pm_fmt_human(uint64_t bytes, char out[PM_FMT_HUMAN])
{
	return pm_units_human(bytes, out);
}

uint64_t pm_pages_kb(uint64_t pages)
{
	return pages * 4;
}

const char *pm_fmt_pages(uint64_t pages, char out[PM_FMT_PAGES])
{
	snprintf(out, PM_FMT_PAGES, "%" PRIu64 " pages (%" PRIu64 " MiB)", pages,
		 pages * 4096 >> 20);
	return out;
}

const char *pm_fmt_pages_kb(uint64_t pages, char out[PM_FMT_PAGES])
{
	snprintf(out, PM_FMT_PAGES, "%" PRIu64 " pages (%" PRIu64 " Kb)", pages, pm_pages_kb(pages));
	return out;
}

const char *pm_fmt_pct(double fraction, char out[PM_FMT_PCT])
{
	snprintf(out, PM_FMT_PCT, "%.0f%%", fraction * 100);
	return out;
}

const char *pm_fmt_bugcheck(uint32_t code, bool json, char out[PM_FMT_CODE])
{
	snprintf(out, PM_FMT_CODE, json ? "0x%08x" : "0x%08X", code);
	return out;
}

const char *pm_fmt_time(uint64_t ft, char out[PM_FMT_TIME])
{
	const uint64_t epoch_diff = 11644473600ull;
	uint64_t secs = ft / 10000000ull;
	if (secs < epoch_diff || secs - epoch_diff > 253402300799ull) /* up to 9999-12-31 */
		return NULL;
	time_t t = (time_t)(secs - epoch_diff);
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return NULL;
	strftime(out, PM_FMT_TIME, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return out;
}

const char *pm_fmt_uptime(uint64_t u100ns, char out[PM_FMT_TIME])
{
	uint64_t s = u100ns / 10000000ull;
	snprintf(out, PM_FMT_TIME, "%" PRIu64 "d %02" PRIu64 "h %02" PRIu64 "m %02" PRIu64 "s",
		 s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
	return out;
}
