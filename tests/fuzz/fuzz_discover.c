// SPDX-License-Identifier: MIT
// Fuzz target: discovery over a headerless physical image (page-table root by self-map,
// kernel image, KDBG plain or encoded, build, processors, KUSER_SHARED_DATA). An input is a
// list of pages, each a record {u32 PFN (little-endian), 4096 bytes}; PFNs are kept below
// 2^24 (the first 64 GiB, for PAE) and a repeated PFN keeps its first record. Pages not listed read as
// not captured, like the gaps of an ELF core or kdump file.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "physmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { REC = 4 + 4096, MAX_PAGES = 512 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = size / REC;
	if (!n || n > MAX_PAGES)
		return 0;
	uint8_t *img = malloc(n * 4096);
	struct pm_phys_run *runs = calloc(n, sizeof(*runs));
	if (!img || !runs) {
		free(img);
		free(runs);
		return 0;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *r = data + i * REC;
		uint64_t pfn = ((uint64_t)r[0] | (uint64_t)r[1] << 8 | (uint64_t)r[2] << 16 |
				(uint64_t)r[3] << 24) & 0xFFFFFF;
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = runs[j].pfn == pfn;
		if (dup)
			continue;
		memcpy(img + k * 4096, r + 4, 4096);
		runs[k].pfn = pfn;
		runs[k].count = 1;
		runs[k].file_off = k * 4096;
		k++;
	}
	struct pm_source *src;
	if (pm_source_open_mem(img, k * 4096, "fuzz", &src)) {
		free(img);
		free(runs);
		return 0;
	}
	struct pm_pagemap pm; /* takes the runs */
	struct pm_error *err = pm_pagemap_init_runs(&pm, src, runs, k);
	if (!err) {
		struct pm_discovery d;
		struct pm_diags diags;
		pm_diags_init(&diags);
		err = pm_discover(&pm, &d, &diags);
		if (!err)
			pm_discovery_deinit(&d);
		pm_diags_deinit(&diags);
		pm_pagemap_deinit(&pm);
	}
	pm_error_destroy(err);
	pm_source_destroy(src);
	free(img);
	return 0;
}
