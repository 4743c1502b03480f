// SPDX-License-Identifier: MIT
// Which symbol format a file is: one table {name, probe, open}, as the container table
// (container.h) for dumps. Compression (gzip, zip members) is a source below this layer;
// ISF's own .json.xz is the ISF reader's.
#include <string.h>

#include "isf.h"
#include "pdb.h"
#include "source_z.h"
#include "symfile.h"

static bool probe_isf(const uint8_t *b, size_t n)
{
	return pm_is_xz(b, n) || pm_is_isf(b, n);
}

static const struct {
	const char *name;
	bool (*probe)(const uint8_t *b, size_t n);
	struct pm_error *(*open)(struct pm_source *src, const char *path, struct pm_symtab **ret);
} formats[] = {
	{ "PDB", pm_is_pdb, pm_pdb_open },
	{ "ISF", probe_isf, pm_isf_open },
};

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
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (formats[i].probe(m, got))
			return formats[i].open(src, path, ret);
	pm_source_destroy(src);
	return pm_err(PM_ERR_FORMAT, "%s: neither a PDB (MSF 7.00) nor a Volatility ISF file", path);
}
