// SPDX-License-Identifier: MIT
// Release names by build number (crashdump-format.md §1.5) and bugcheck names (the table
// generated from rules/data/bugchecks.json: Microsoft's bug check code reference).
#include <stdio.h>

#include "names.h"

static const struct {
	uint32_t build;
	const char *client, *server;
} releases[] = {
	{ 2195, "Windows 2000", "Windows 2000 Server" },
	{ 2600, "Windows XP", NULL },
	{ 3790, "Windows XP x64", "Windows Server 2003" },
	{ 6000, "Windows Vista", NULL },
	{ 6001, "Windows Vista SP1", "Windows Server 2008" },
	{ 6002, "Windows Vista SP2", "Windows Server 2008 SP2" },
	{ 6003, "Windows Vista SP2", "Windows Server 2008 SP2" },
	{ 7600, "Windows 7", "Windows Server 2008 R2" },
	{ 7601, "Windows 7 SP1", "Windows Server 2008 R2 SP1" },
	{ 9200, "Windows 8", "Windows Server 2012" },
	{ 9600, "Windows 8.1", "Windows Server 2012 R2" },
	{ 10240, "Windows 10 1507", NULL },
	{ 10586, "Windows 10 1511", NULL },
	{ 14393, "Windows 10 1607", "Windows Server 2016" },
	{ 15063, "Windows 10 1703", NULL },
	{ 16299, "Windows 10 1709", "Windows Server 1709" },
	{ 17134, "Windows 10 1803", "Windows Server 1803" },
	{ 17763, "Windows 10 1809", "Windows Server 2019" },
	{ 18362, "Windows 10 1903", "Windows Server 1903" },
	{ 18363, "Windows 10 1909", "Windows Server 1909" },
	{ 19041, "Windows 10 2004", "Windows Server 2004" },
	{ 19042, "Windows 10 20H2", "Windows Server 20H2" },
	{ 19043, "Windows 10 21H1", NULL },
	{ 19044, "Windows 10 21H2", NULL },
	{ 19045, "Windows 10 22H2", NULL },
	{ 20348, NULL, "Windows Server 2022" },
	{ 22000, "Windows 11 21H2", NULL },
	{ 22621, "Windows 11 22H2", NULL },
	{ 22631, "Windows 11 23H2", NULL },
	{ 25398, NULL, "Windows Server 23H2" },
	{ 26100, "Windows 11 24H2", "Windows Server 2025" },
	{ 26200, "Windows 11 25H2", NULL },
};

const char *pm_windows_name(uint32_t build, uint32_t product_type, bool is64, char *buf,
			    size_t len)
{
	(void)is64;
	for (size_t i = 0; i < sizeof(releases) / sizeof(releases[0]); i++) {
		if (releases[i].build != build)
			continue;
		const char *c = releases[i].client, *s = releases[i].server;
		if (product_type == 1 && c)
			return c;
		if ((product_type == 2 || product_type == 3) && s)
			return s;
		if (c && s)
			snprintf(buf, len, "%s / %s", c, s);
		else
			snprintf(buf, len, "%s", c ? c : s);
		return buf;
	}
	return NULL;
}

/* The names live in rules/data/bugchecks.json (every code Microsoft's bug check reference
 * documents, _M variants included); bugcheck_table.py turns them into this sorted table. */
const char *pm_bugcheck_name(uint32_t code)
{
	unsigned lo = 0, hi = pm_bugcheck_table_n;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (pm_bugcheck_table[mid].code == code)
			return pm_bugcheck_table[mid].name;
		if (pm_bugcheck_table[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
