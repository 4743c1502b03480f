// SPDX-License-Identifier: MIT
// Release names by build number (crashdump-format.md §1.5) and bugcheck names (Microsoft's
// bug check code reference, learn.microsoft.com/windows-hardware/drivers/debugger/bug-check-code-reference2).
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

static const struct {
	uint32_t code;
	const char *name;
} bugchecks[] = {
	{ 0x0A, "IRQL_NOT_LESS_OR_EQUAL" },
	{ 0x19, "BAD_POOL_HEADER" },
	{ 0x1A, "MEMORY_MANAGEMENT" },
	{ 0x1E, "KMODE_EXCEPTION_NOT_HANDLED" },
	{ 0x24, "NTFS_FILE_SYSTEM" },
	{ 0x3B, "SYSTEM_SERVICE_EXCEPTION" },
	{ 0x3F, "NO_MORE_SYSTEM_PTES" },
	{ 0x41, "MUST_SUCCEED_POOL_EMPTY" },
	{ 0x4D, "NO_PAGES_AVAILABLE" },
	{ 0x50, "PAGE_FAULT_IN_NONPAGED_AREA" },
	{ 0x7A, "KERNEL_DATA_INPAGE_ERROR" },
	{ 0x7E, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED" },
	{ 0x7F, "UNEXPECTED_KERNEL_MODE_TRAP" },
	{ 0x8E, "KERNEL_MODE_EXCEPTION_NOT_HANDLED" },
	{ 0x9F, "DRIVER_POWER_STATE_FAILURE" },
	{ 0xA0, "INTERNAL_POWER_ERROR" },
	{ 0xBE, "ATTEMPTED_WRITE_TO_READONLY_MEMORY" },
	{ 0xC2, "BAD_POOL_CALLER" },
	{ 0xC4, "DRIVER_VERIFIER_DETECTED_VIOLATION" },
	{ 0xC5, "DRIVER_CORRUPTED_EXPOOL" },
	{ 0xCD, "PAGE_FAULT_BEYOND_END_OF_ALLOCATION" },
	{ 0xD1, "DRIVER_IRQL_NOT_LESS_OR_EQUAL" },
	{ 0xD5, "DRIVER_PAGE_FAULT_IN_FREED_SPECIAL_POOL" },
	{ 0xD6, "DRIVER_PAGE_FAULT_BEYOND_END_OF_ALLOCATION" },
	{ 0xE2, "MANUALLY_INITIATED_CRASH" },
	{ 0xEF, "CRITICAL_PROCESS_DIED" },
	{ 0xF4, "CRITICAL_OBJECT_TERMINATION" },
	{ 0xFC, "ATTEMPTED_EXECUTE_OF_NOEXECUTE_MEMORY" },
	{ 0x101, "CLOCK_WATCHDOG_TIMEOUT" },
	{ 0x109, "CRITICAL_STRUCTURE_CORRUPTION" },
	{ 0x116, "VIDEO_TDR_FAILURE" },
	{ 0x124, "WHEA_UNCORRECTABLE_ERROR" },
	{ 0x133, "DPC_WATCHDOG_VIOLATION" },
	{ 0x139, "KERNEL_SECURITY_CHECK_FAILURE" },
	{ 0x13A, "KERNEL_MODE_HEAP_CORRUPTION" },
	{ 0x144, "BUGCODE_USB3_DRIVER" },
	{ 0x154, "UNEXPECTED_STORE_EXCEPTION" },
	{ 0x15F, "CONNECTED_STANDBY_WATCHDOG_TIMEOUT_LIVEDUMP" },
	{ 0x161, "LIVE_SYSTEM_DUMP" },
	{ 0x1A8, "BUGCODE_WIFIADAPTER_DRIVER" },
	{ 0x1D5, "DRIVER_PNP_WATCHDOG" },
	{ 0xDEADDEAD, "MANUALLY_INITIATED_CRASH1" },
};

const char *pm_bugcheck_name(uint32_t code)
{
	for (size_t i = 0; i < sizeof(bugchecks) / sizeof(bugchecks[0]); i++)
		if (bugchecks[i].code == code)
			return bugchecks[i].name;
	return NULL;
}
