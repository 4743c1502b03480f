// SPDX-License-Identifier: MIT
// An image's link date (pm-verinfo.h).
#include <stdio.h>
#include <time.h>

#include "pm-verinfo.h"

bool pm_link_date(uint32_t ts, char out[11])
{
	/* 1990-01-01 and 2040-01-01, seconds since 1970 */
	static const uint32_t first = 631152000u, last = 2208988800u;
	out[0] = 0;
	if (ts < first || ts >= last)
		return false;
	time_t t = (time_t)ts;
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return false;
	return strftime(out, 11, "%Y-%m-%d", &tm) == 10;
}
