/* SPDX-License-Identifier: MIT */
/**
 * @file modules.h
 * The loaded-module list: PsLoadedModuleList walked through KLDR_DATA_TABLE_ENTRY
 * (crashdump-format.md §5.3), with a length limit and cycle detection.
 *
 * Contract of a partial read: an entry that cannot be read, a cycle or the limit ends the
 * walk with a diagnostic; the modules read so far are kept and complete is false. Only an
 * unreadable list head (nothing read at all) or OOM is an error. The list owns the names.
 */
#ifndef PM_MODULES_H
#define PM_MODULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-diag.h"
#include "vtop.h"

enum { PM_MAX_MODULES = 4096, PM_MAX_MODULE_NAME = 512 };

struct pm_module {
	char *name; /**< BaseDllName in UTF-8; NULL if unreadable */
	uint64_t entry_va;
	uint64_t base;
	uint32_t size;
};

struct pm_module_list {
	struct pm_module *items;
	size_t n;
	bool complete; /**< the walk returned to the list head */
};

/**
 * Walk the list whose head is at @p head_va. Entries that cannot be read end the walk with a
 * diagnostic (the modules read so far are kept, complete = false). Errors only for an
 * unreadable head or OOM.
 */
struct pm_error *pm_modules_walk(const struct pm_vmem *vm, uint64_t head_va,
				 struct pm_module_list *ret, struct pm_diags *diags);
void pm_module_list_deinit(struct pm_module_list *l);

#endif
