/* SPDX-License-Identifier: MIT */
/**
 * @file symfile.h
 * Open a symbol file by path, whatever it is: a PDB (MSF 7.00), or a Volatility 3 ISF
 * (.json, .json.gz, .json.xz, or a member of a zip symbol pack as "pack.zip::member").
 */
#ifndef PM_SYMFILE_H
#define PM_SYMFILE_H

#include "symtab.h"

struct pm_error *pm_symfile_open(const char *path, struct pm_symtab **ret);

#endif
