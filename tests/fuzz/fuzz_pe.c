// SPDX-License-Identifier: MIT
// Fuzz target: the PE/CodeView parser over an image "mapped" at a kernel address; the same
// bytes as a driver file on disk: mapped by its section table, imports walked, tag-like
// immediates enumerated (pefile.h, tagsearch.h).
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pe.h"
#include "pefile.h"
#include "tagsearch.h"

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

static bool count_import(void *ctx, const char *dll, const char *fn)
{
	*(size_t *)ctx += strlen(dll) + strlen(fn);
	return true;
}

static void count_imm(void *ctx, uint32_t tag, enum pm_imm_reg reg)
{
	*(size_t *)ctx += (size_t)(tag & 1) + (size_t)reg;
}

static void as_file(const uint8_t *data, size_t size)
{
	uint8_t *img;
	size_t len, n = 0;
	struct pm_pe_info pe;
	struct pm_error *err = pm_pefile_map(data, size, &img, &len, &pe);
	if (err) {
		pm_error_destroy(err);
		return;
	}
	pm_tagsearch_immediates(img, len, &pe, count_imm, &n);
	pm_error_destroy(pm_pefile_imports(img, len, count_import, &n));
	free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_file(data, size);
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
