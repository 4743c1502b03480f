// SPDX-License-Identifier: MIT
// Fuzz target: the PDB reader (MSF directory, PDB info, DBI, symbol records, TPI types) and
// the generic symbol queries and `dt` rendering over it. The input is a whole PDB file.
#include <stdint.h>
#include <stdlib.h>

#include "dtview.h"
#include "pdb.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_source *src;
	if (pm_source_open_mem(data, size, "fuzz.pdb", &src))
		return 0;
	struct pm_symtab *t;
	struct pm_error *err = pm_pdb_open(src, "fuzz.pdb", &t);
	if (err) {
		pm_error_destroy(err);
		return 0;
	}
	static const char *const names[] = { "PoolTrackTable", "PoolBigPageTable", "MiState",
					     "KdDebuggerDataBlock", "PrivateCounter", "Nope" };
	uint64_t v;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		pm_error_destroy(pm_sym_rva(t, names[i], &v));
	static const char *const types[] = { "_POOL_TRACKER_BIG_PAGES", "_POOL_HEADER",
					     "_MI_SYSTEM_INFORMATION", "_POOL_TYPE", "_LIST_ENTRY" };
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		char *out = NULL;
		struct pm_error *e = pm_dt_text(t, types[i], &out);
		if (!e)
			free(out);
		pm_error_destroy(e);
		cJSON *tree = NULL;
		e = pm_json_dt(t, types[i], &tree);
		if (!e)
			cJSON_Delete(tree);
		pm_error_destroy(e);
	}
	struct pm_field f;
	pm_error_destroy(pm_sym_field(t, "_MI_SYSTEM_INFORMATION", "Vs.SystemPteInfo.TotalFreeSystemPtes",
				      &f));
	pm_error_destroy(pm_sym_field(t, "_POOL_HEADER", "BlockSize", &f));
	/* every type index a small PDB can have: describe, members, enumerators */
	for (pm_tref ti = 0; ti < 0x1000 + 4096; ti++) {
		struct pm_tinfo info;
		if ((err = t->ops->describe(t, ti, &info))) {
			pm_error_destroy(err);
			continue;
		}
		pm_error_destroy(pm_sym_tsize(t, ti, &v));
		struct pm_tmember *m = NULL;
		size_t n = 0;
		if (info.kind == PM_TK_STRUCT || info.kind == PM_TK_UNION)
			pm_error_destroy(t->ops->members(t, ti, &m, &n));
		free(m);
		struct pm_tenumerator *e = NULL;
		if (info.kind == PM_TK_ENUM)
			pm_error_destroy(t->ops->enumerators(t, ti, &e, &n));
		free(e);
	}
	pm_symtab_destroy(t);
	return 0;
}
