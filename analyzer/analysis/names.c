// SPDX-License-Identifier: MIT
// Release names by build number (crashdump-format.md §1.5) and bugcheck names (the table
// generated from rules/data/bugchecks.json: Microsoft's bug check code reference).
#include <stdio.h>
#include <string.h>

#include "names.h"

/* A build several releases share: from 1909 on, feature updates may be enablement packages
 * that switch features on in the same kernel, whose NtBuildNumber (the dump header's
 * MinorVersion) stays the base build. A real 22H2 triage dump carries 19041 (tests/real), so a
 * 19041 dump is 2004, 20H2, 21H1, 21H2 or 22H2 and nothing in the dump's header, KDBG or
 * KUSER_SHARED_DATA tells which (the release is the registry's CurrentBuild/UBR). The later
 * builds in the table (18363, 19042-19045, 22631, 26200) are what the registry reports, kept
 * for headers that carry them. */
static const struct {
	uint32_t build;
	const char *client, *server;
	bool shared; /**< several releases run this kernel build */
} releases[] = {
	{ 2195, "Windows 2000", "Windows 2000 Server", false },
	{ 2600, "Windows XP", NULL, false },
	{ 3790, "Windows XP x64", "Windows Server 2003", false },
	{ 6000, "Windows Vista", NULL, false },
	{ 6001, "Windows Vista SP1", "Windows Server 2008", false },
	{ 6002, "Windows Vista SP2", "Windows Server 2008 SP2", false },
	{ 6003, "Windows Vista SP2", "Windows Server 2008 SP2", false },
	{ 7600, "Windows 7", "Windows Server 2008 R2", false },
	{ 7601, "Windows 7 SP1", "Windows Server 2008 R2 SP1", false },
	{ 9200, "Windows 8", "Windows Server 2012", false },
	{ 9600, "Windows 8.1", "Windows Server 2012 R2", false },
	{ 10240, "Windows 10 1507", NULL, false },
	{ 10586, "Windows 10 1511", NULL, false },
	{ 14393, "Windows 10 1607", "Windows Server 2016", false },
	{ 15063, "Windows 10 1703", NULL, false },
	{ 16299, "Windows 10 1709", "Windows Server 1709", false },
	{ 17134, "Windows 10 1803", "Windows Server 1803", false },
	{ 17763, "Windows 10 1809", "Windows Server 2019", false },
	{ 18362, "Windows 10 1903/1909", "Windows Server 1903/1909", true },
	{ 18363, "Windows 10 1909", "Windows Server 1909", false },
	{ 19041, "Windows 10 2004/20H2/21H1/21H2/22H2", "Windows Server 2004/20H2", true },
	{ 19042, "Windows 10 20H2", "Windows Server 20H2", false },
	{ 19043, "Windows 10 21H1", NULL, false },
	{ 19044, "Windows 10 21H2", NULL, false },
	{ 19045, "Windows 10 22H2", NULL, false },
	{ 20348, NULL, "Windows Server 2022", false },
	{ 22000, "Windows 11 21H2", NULL, false },
	{ 22621, "Windows 11 22H2/23H2", NULL, true },
	{ 22631, "Windows 11 23H2", NULL, false },
	{ 25398, NULL, "Windows Server 23H2", false },
	{ 26100, "Windows 11 24H2/25H2", "Windows Server 2025", true },
	{ 26200, "Windows 11 25H2", NULL, false },
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
			snprintf(buf, len, "%s", c);
		else if ((product_type == 2 || product_type == 3) && s)
			snprintf(buf, len, "%s", s);
		else if (c && s)
			snprintf(buf, len, "%s / %s", c, s);
		else
			snprintf(buf, len, "%s", c ? c : s);
		size_t n = strlen(buf);
		if (releases[i].shared && strchr(buf, '/') && n < len)
			snprintf(buf + n, len - n, " (one kernel; the dump does not say which)");
		return buf;
	}
	return NULL;
}

const char *pm_module_file_name(const char *path)
{
	const char *b = path;
	for (const char *p = path; *p; p++)
		if (*p == '\\' || *p == '/')
			b = p + 1;
	return b;
}

const char *pm_module_lm_name(const char *path, bool is_kernel, char *buf, size_t len)
{
	if (is_kernel) {
		snprintf(buf, len, "nt");
		return buf;
	}
	const char *b = pm_module_file_name(path ? path : "");
	const char *dot = strrchr(b, '.');
	size_t n = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	snprintf(buf, len, "%.*s", (int)(n < 255 ? n : 255), b);
	return buf;
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
