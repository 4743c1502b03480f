// SPDX-License-Identifier: MIT
// Names people know: every documented bugcheck code (rules/data/bugchecks.json, from
// Microsoft's bug check reference) and the releases of a build.
#include <string.h>

#include "../harness/test.h"
#include "names.h"

static int streq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

int main(void)
{
	/* the codes real dumps carry (tests/real: triage_x64 0x1000007E, triage_arm64 0x1C8) */
	CHECK(streq(pm_bugcheck_name(0x1000007E), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M"));
	CHECK(streq(pm_bugcheck_name(0x1C8), "MANUALLY_INITIATED_POWER_BUTTON_HOLD"));
	CHECK(streq(pm_bugcheck_name(0x4A), "IRQL_GT_ZERO_AT_SYSTEM_SERVICE"));
	CHECK(streq(pm_bugcheck_name(0x7E), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED"));
	CHECK(streq(pm_bugcheck_name(0x1), "APC_INDEX_MISMATCH"));
	CHECK(streq(pm_bugcheck_name(0xDEADDEAD), "MANUALLY_INITIATED_CRASH1"));
	CHECK(streq(pm_bugcheck_name(0xC000021A), "WINLOGON_FATAL_ERROR"));
	/* 0x1A8 is a live dump of a black screen; the Wi-Fi adapter check is 0x1DE */
	CHECK(streq(pm_bugcheck_name(0x1A8), "VIDEO_DXGKRNL_BLACK_SCREEN_LIVEDUMP"));
	CHECK(streq(pm_bugcheck_name(0x1DE), "BUGCODE_WIFIADAPTER_DRIVER"));
	/* the reference's table says CPI_...; the code's own page says ACPI_... */
	CHECK(streq(pm_bugcheck_name(0x1D0), "ACPI_FIRMWARE_WATCHDOG_TIMEOUT"));
	/* not documented: no name is made up (not even base name + _M) */
	CHECK(pm_bugcheck_name(0x0) == NULL);
	CHECK(pm_bugcheck_name(0x10000050) == NULL);
	CHECK(pm_bugcheck_name(0xFFFFFFFF) == NULL);
	CHECK(pm_bugcheck_table_n > 400);
	for (unsigned i = 1; i < pm_bugcheck_table_n; i++)
		CHECK(pm_bugcheck_table[i - 1].code < pm_bugcheck_table[i].code);
	for (unsigned i = 0; i < pm_bugcheck_table_n; i++)
		CHECK(streq(pm_bugcheck_name(pm_bugcheck_table[i].code), pm_bugcheck_table[i].name));
	/* releases: a 19041 kernel runs 2004..22H2 (a real 22H2 dump carries 19041) */
	char buf[96];
	const char *r = pm_windows_name(19041, 1, true, buf, sizeof(buf));
	CHECK(r && strstr(r, "2004/20H2/21H1/21H2/22H2") && strstr(r, "does not say which"));
	r = pm_windows_name(22621, 1, true, buf, sizeof(buf));
	CHECK(r && strstr(r, "22H2/23H2") && strstr(r, "does not say which"));
	CHECK(streq(pm_windows_name(26100, 3, true, buf, sizeof(buf)), "Windows Server 2025"));
	CHECK(streq(pm_windows_name(22000, 1, true, buf, sizeof(buf)), "Windows 11 21H2"));
	CHECK(streq(pm_windows_name(7601, 0, true, buf, sizeof(buf)),
		    "Windows 7 SP1 / Windows Server 2008 R2 SP1"));
	CHECK(pm_windows_name(12345, 1, true, buf, sizeof(buf)) == NULL);
	char small[8]; /* truncated, never overrun */
	r = pm_windows_name(19041, 1, true, small, sizeof(small));
	CHECK(r && strlen(r) == sizeof(small) - 1);
	return test_failures ? 1 : 0;
}
