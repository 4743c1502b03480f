// SPDX-License-Identifier: MIT
// Fuzz target: the whole dump path from raw bytes (container, physical and virtual memory,
// KDBG, module list, PE headers) and both report writers.
#include <stdint.h>
#include <stdlib.h>

#include "info.h"
#include "poolview.h"
#include "report.h"
#include "source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_source *src;
	if (pm_source_open_mem(data, size, "fuzz", &src))
		return 0;
	struct pm_info *in;
	struct pm_error *err = pm_info_gather_source(src, NULL, &in);
	if (err) {
		pm_error_destroy(err);
		return 0;
	}
	char *out;
	cJSON *t;
	if (!pm_report_info_text(in, "fuzz", &out))
		free(out);
	if (!pm_json_info(in, "fuzz", &t))
		cJSON_Delete(t);
	pm_info_gather_pool(in);
	struct pm_poolused_opts uo = { .sort = PM_SORT_NONPAGED, .top = 10, .pattern = "*",
				       .verbose = true, .scan = true };
	pm_info_gather_scan(in);
	struct pm_bigpool_opts bo = { .show_free = true };
	struct pm_error *e;
	if (!(e = pm_report_poolused_text(in, &uo, &out)))
		free(out);
	pm_error_destroy(e);
	if (!(e = pm_json_poolused(in, &uo, &t)))
		cJSON_Delete(t);
	pm_error_destroy(e);
	if (!(e = pm_report_bigpool_text(in, &bo, &out)))
		free(out);
	pm_error_destroy(e);
	if (!(e = pm_json_bigpool(in, &bo, &t)))
		cJSON_Delete(t);
	pm_error_destroy(e);
	pm_info_destroy(in);
	return 0;
}
