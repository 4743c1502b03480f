/* SPDX-License-Identifier: MIT */
/**
 * @file pdb.h
 * Microsoft PDB files (MSF 7.00; reference/symbols.md §1-§5): the PDB info stream (GUID,
 * age), DBI (age, machine, section headers, OMAP), public and global symbols, and TPI types,
 * as a pm_symtab. Streams are read on first use; names are indexed once.
 */
#ifndef PM_PDB_H
#define PM_PDB_H

#include "source.h"
#include "symtab.h"

/** Whether @p b starts like a PDB (MSF 7.00 or the refused 2.00). */
bool pm_is_pdb(const uint8_t *b, size_t n);

/** Open @p src (taken over, destroyed on failure too) as a PDB. @p path names it in errors. */
struct pm_error *pm_pdb_open(struct pm_source *src, const char *path, struct pm_symtab **ret);

#endif
