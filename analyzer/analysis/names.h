/* SPDX-License-Identifier: MIT */
/** @file names.h Names people know: Windows releases by build, bugcheck codes. Data only. */
#ifndef PM_NAMES_H
#define PM_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Release name for a build. @p product_type is the header's ProductType (1 workstation,
 * 2 domain controller, 3 server) or 0 when unknown, in which case both names are given
 * ("Windows 7 / Server 2008 R2"). Returns NULL for a build not in the table.
 */
const char *pm_windows_name(uint32_t build, uint32_t product_type, bool is64, char *buf,
			    size_t len);
/** Symbolic bugcheck name ("DRIVER_IRQL_NOT_LESS_OR_EQUAL", "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M"
 * for 0x1000007E), or NULL for a code Microsoft's reference does not document. */
const char *pm_bugcheck_name(uint32_t code);

/**
 * WinDbg's lm name of a module (its file's base name without the extension; the kernel is
 * "nt") from a BaseDllName or full path ("\\SystemRoot\\system32\\hal.dll" -> "hal").
 */
const char *pm_module_lm_name(const char *path, bool is_kernel, char *buf, size_t len);
/** The file name of @p path (after its last '\\' or '/'). */
const char *pm_module_file_name(const char *path);

/** One documented bugcheck (the table bugcheck_table.py generates, sorted by code). */
struct pm_bugcheck_entry {
	uint32_t code;
	const char *name;
};
extern const struct pm_bugcheck_entry pm_bugcheck_table[];
extern const unsigned pm_bugcheck_table_n;

#endif
