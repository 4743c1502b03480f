/* SPDX-License-Identifier: MIT */
/**
 * @file pefile.h
 * A PE file on disk (a driver's .sys), laid out as the loader maps it, and the names it
 * imports (PE/COFF specification: section table, import directory). For `tags`: the tags a
 * driver passes to the pool allocator, read from the file when no dump maps it.
 *
 * Contract: the file is untrusted; sections whose raw data lies outside the file are mapped
 * as far as the file holds them (the rest zero), and the image is capped at
 * PM_PEFILE_MAX_IMAGE bytes (an error beyond). Import walks are bounded by PM_PEFILE_MAX_DLLS
 * descriptors and PM_PEFILE_MAX_THUNKS names per DLL; a name that is not in the image ends
 * that DLL's walk with an error.
 */
#ifndef PM_PEFILE_H
#define PM_PEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "pe.h"
#include "pm-verinfo.h"

enum {
	PM_PEFILE_MAX_IMAGE = 64 << 20,
	PM_PEFILE_MAX_DLLS = 256,
	PM_PEFILE_MAX_THUNKS = 16384,
};

/**
 * Map @p file (@p len bytes) as the loader would: headers at RVA 0, each section's raw data
 * at its RVA. *img_ret (SizeOfImage bytes, caller frees) and its parsed headers in *pe_ret.
 */
struct pm_error *pm_pefile_map(const uint8_t *file, size_t len, uint8_t **img_ret,
			       size_t *img_len_ret, struct pm_pe_info *pe_ret);

/** The version resource of the mapped image @p img (@p len bytes, headers @p pe): present,
 * or absent with why (peversion.h). Fails only for out of memory. */
struct pm_error *pm_pefile_version(const uint8_t *img, size_t len, const struct pm_pe_info *pe,
				   struct pm_verinfo *ret);

/** Called for each function imported by name; returns false to stop. */
typedef bool (*pm_pe_import_fn)(void *ctx, const char *dll, const char *function);

/** Walk the import directory of the mapped image @p img (@p len bytes). */
struct pm_error *pm_pefile_imports(const uint8_t *img, size_t len, pm_pe_import_fn fn,
				   void *ctx);

#endif
