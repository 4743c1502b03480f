// SPDX-License-Identifier: MIT
// Fuzz target: gzip and zip containers (headers, central directory, ZIP64 fields, the deflate
// stream and the seek index), then reads at a few offsets.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_z.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reads(struct pm_source *s)
{
	uint8_t buf[5000];
	uint64_t offs[4] = { 0, s->size / 2, s->size > 100 ? s->size - 100 : 0, s->size };
	for (int i = 0; i < 4; i++) {
		size_t got;
		struct pm_error *e = s->ops->read_at(s, offs[i], buf, sizeof(buf), &got);
		pm_error_destroy(e);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_source *src, *z;
	if (pm_source_open_mem(data, size, "fuzz", &src))
		return 0;
	if (pm_is_gzip(data, size)) {
		struct pm_error *e = pm_source_open_gzip(src, &z);
		if (!e) {
			reads(z);
			pm_source_destroy(z);
		}
		pm_error_destroy(e);
		return 0;
	}
	struct pm_zip_entry *ents;
	size_t n;
	struct pm_error *e = pm_zip_list(src, &ents, &n);
	if (e) {
		pm_error_destroy(e);
		pm_source_destroy(src);
		return 0;
	}
	for (size_t i = 0; i < n && i < 64; i++) { /* member names as ARCHIVE::MEMBER reads them */
		size_t pick, total, k = pm_zip_occurrence(ents, n, i, &total);
		(void)total;
		char spec[300];
		snprintf(spec, sizeof(spec), "%.280s#%zu", ents[i].name, k);
		pm_error_destroy(pm_zip_find(ents, n, ents[i].name, &pick));
		e = pm_zip_find(ents, n, spec, &pick);
		/* NAME#K names a member called NAME, or one called NAME#K itself */
		if (!e && strlen(ents[i].name) < 280 && strcmp(ents[pick].name, ents[i].name) &&
		    strcmp(ents[pick].name, spec))
			abort();
		pm_error_destroy(e);
	}
	for (size_t i = 0; i < n && i < 4; i++) {
		struct pm_source *inner;
		if (pm_source_open_mem(data, size, "fuzz", &inner))
			break;
		e = pm_source_open_zip_member(inner, &ents[i], &z);
		if (!e) {
			reads(z);
			pm_source_destroy(z);
		}
		pm_error_destroy(e);
	}
	pm_zip_list_free(ents, n);
	pm_source_destroy(src);
	return 0;
}
