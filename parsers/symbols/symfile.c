// SPDX-License-Identifier: MIT
#include <string.h>

#include "isf.h"
#include "pdb.h"
#include "source_z.h"
#include "symfile.h"

struct pm_error *pm_symfile_open(const char *path, struct pm_symtab **ret)
{
	struct pm_source *src;
	PM_TRY(pm_source_open_any(path, &src));
	uint8_t m[64] = { 0 };
	size_t got = 0;
	struct pm_error *err = src->ops->read_at(src, 0, m, sizeof(m), &got);
	if (err) {
		pm_source_destroy(src);
		return err;
	}
	if (pm_is_pdb(m, got))
		return pm_pdb_open(src, path, ret);
	if (pm_is_xz(m, got) || pm_is_isf(m, got))
		return pm_isf_open(src, path, ret);
	pm_source_destroy(src);
	return pm_err(PM_ERR_FORMAT, "%s: neither a PDB (MSF 7.00) nor a Volatility ISF file", path);
}
