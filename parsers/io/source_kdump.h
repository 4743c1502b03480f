/* SPDX-License-Identifier: MIT */
/**
 * @file source_kdump.h
 * Linux-world captures of a Windows guest, read through libkdumpfile: ELF cores (QEMU
 * dump-guest-memory, virsh dump) and kdump-compressed files (makedumpfile, QEMU
 * dump-guest-memory -z/-l/-s), as a flat physical address space (offset = guest-physical
 * address) whose has_page() says which pages exist.
 */
#ifndef PM_SOURCE_KDUMP_H
#define PM_SOURCE_KDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "source.h"

enum pm_kdump_kind { PM_KDUMP_ELF, PM_KDUMP_COMPRESSED };

/** "\x7fELF" signature. */
bool pm_is_elf_container(const uint8_t *b, size_t n);
/** "KDUMP   " or "DISKDUMP" signature. */
bool pm_is_diskdump_container(const uint8_t *b, size_t n);

/** Open @p path with libkdumpfile; *kind_ret says which of the two it was. */
struct pm_error *pm_source_open_kdump(const char *path, struct pm_source **ret,
				      enum pm_kdump_kind *kind_ret);

#endif
