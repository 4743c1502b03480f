/* SPDX-License-Identifier: MIT */
/**
 * @file pm-arch.h
 * The processor architectures a dump can come from (every layer names them).
 */
#ifndef PM_ARCH_H
#define PM_ARCH_H

enum pm_arch { PM_ARCH_UNKNOWN, PM_ARCH_X86, PM_ARCH_X86_PAE, PM_ARCH_X64, PM_ARCH_ARM64 };

/** "x86", "x86-PAE", "x64", "arm64" or "unknown". */
const char *pm_arch_name(enum pm_arch a);

#endif
