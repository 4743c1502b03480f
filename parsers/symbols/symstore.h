/* SPDX-License-Identifier: MIT */
/**
 * @file symstore.h
 * Find the kernel's PDB or ISF offline from a symbol path (`--symbols`, `_NT_SYMBOL_PATH`):
 * `;`-separated elements; `srv*DIR*...*URL`, `symsrv*symsrv.dll*DIR*...`, `cache*DIR` (every
 * local directory is searched as a store, URLs are never used); plain directories (store
 * layouts one- and two-tier, `file.ptr`, flat, `symbols/exe`, Volatility `windows/<pdb>/`
 * trees and `windows.zip` packs); single files and `pack.zip::member`. A file is taken only if
 * its GUID and age are the image's (reference/symbols.md §2.3).
 */
#ifndef PM_SYMSTORE_H
#define PM_SYMSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "symtab.h"

struct pm_symwant {
	char pdb_name[261]; /**< from the image's RSDS record: "ntkrnlmp.pdb" */
	uint8_t guid[16];
	uint32_t age;
};

struct pm_symfind {
	struct pm_symtab *tab; /**< the match, owned (NULL if none) */
	char *where;           /**< its path */
	char **tried;          /**< one line per place looked at, in order */
	size_t ntried;
	bool url_ignored;
};

/** On failure, *ret still lists what was tried (free it with pm_symfind_deinit). */
struct pm_error *pm_symbols_find(const char *spec, const struct pm_symwant *w,
				 struct pm_symfind *ret);
void pm_symfind_deinit(struct pm_symfind *f);

/** GUID as 32 upper-case hex digits in Microsoft's order (the store key without the age). */
void pm_sym_guid_text(const uint8_t g[16], char out[33]);

#endif
