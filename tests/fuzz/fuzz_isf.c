// SPDX-License-Identifier: MIT
// Fuzz target: the ISF reader (JSON or xz-compressed JSON) and `dt`/symbol queries over it.
#include <stdint.h>
#include <stdlib.h>

#include "dtview.h"
#include "isf.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_source *src;
	if (pm_source_open_mem(data, size, "fuzz.json", &src))
		return 0;
	struct pm_symtab *t;
	struct pm_error *err = pm_isf_open(src, "fuzz.json", &t);
	if (err) {
		pm_error_destroy(err);
		return 0;
	}
	static const char *const names[] = { "PoolTrackTable", "PoolBigPageTable", "MiState",
					     "_PoolTrackTable", "Nope" };
	uint64_t v;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		pm_error_destroy(pm_sym_rva(t, names[i], &v));
	static const char *const types[] = { "_POOL_TRACKER_BIG_PAGES", "_POOL_HEADER",
					     "_MI_SYSTEM_INFORMATION", "_MI_VISIBLE_STATE",
					     "_POOL_TYPE", "_LIST_ENTRY", "_KLDR_DATA_TABLE_ENTRY" };
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
		pm_error_destroy(pm_sym_sizeof(t, types[i], &v));
	}
	struct pm_field f;
	pm_error_destroy(pm_sym_field(t, "_MI_SYSTEM_INFORMATION",
				      "Vs.SystemPteInfo.TotalFreeSystemPtes", &f));
	pm_error_destroy(pm_sym_field(t, "_POOL_HEADER", "BlockSize", &f));
	pm_symtab_destroy(t);
	return 0;
}
