// SPDX-License-Identifier: MIT
// Names of the architectures (pm-arch.h).
#include "pm-arch.h"

const char *pm_arch_name(enum pm_arch a)
{
	switch (a) {
	case PM_ARCH_X86:
		return "x86";
	case PM_ARCH_X86_PAE:
		return "x86-PAE";
	case PM_ARCH_X64:
		return "x64";
	case PM_ARCH_ARM64:
		return "arm64";
	default:
		return "unknown";
	}
}
