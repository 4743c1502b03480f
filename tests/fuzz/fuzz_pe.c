// SPDX-License-Identifier: MIT
// Fuzz target: the PE/CodeView parser over an image "mapped" at a kernel address.
#include <stdint.h>
#include <string.h>

#include "pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct flat {
	const uint8_t *data;
	size_t size;
};

static const uint64_t BASE = 0xFFFFF80000000000ull;

static struct pm_error *flat_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	const struct flat *f = ctx;
	if (va < BASE || va - BASE > f->size || len > f->size - (va - BASE))
		return pm_err(PM_ERR_NOT_CAPTURED, "outside the image");
	memcpy(buf, f->data + (va - BASE), len);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flat f = { data, size };
	struct pm_pe_info pe;
	struct pm_error *cv = NULL;
	struct pm_error *err = pm_pe_parse(flat_read, &f, BASE, &pe, &cv);
	if (!err && !cv) {
		char key[42];
		pm_pe_pdb_key(&pe, key);
	}
	pm_error_destroy(err);
	pm_error_destroy(cv);
	return 0;
}
