// SPDX-License-Identifier: MIT
// Fuzz target: the version resource parser (peversion.h) three ways over the same bytes —
// VS_VERSIONINFO alone; a driver file mapped by its section table (pefile.h) whose resource
// directory leads to it; and an image "mapped" at a kernel address, read through a callback
// that fails (as a page not in the dump) past the input's end.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pe.h"
#include "pefile.h"
#include "peversion.h"
#include "pm-utf.h"

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

/* What a report does with the result: every string must be valid UTF-8 within its field. */
static void use(const struct pm_verinfo *v)
{
	for (unsigned i = 0; i < PM_VER_NSTR; i++)
		if (v->has_str[i] && (strlen(v->str[i]) >= PM_VER_STR_MAX ||
				      pm_utf8_invalid(v->str[i])))
			abort();
	if (v->absent && !v->why[0])
		abort(); /* an absent version resource always says why */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pm_verinfo v;
	struct pm_rd rd = pm_rd_make(data, size, PM_AS_BUF, 0, "VS_VERSIONINFO");
	struct pm_error *err = pm_verinfo_parse(&rd, &v);
	if (!err)
		use(&v);
	pm_error_destroy(err);

	uint8_t *img;
	size_t len;
	struct pm_pe_info pe;
	if (!(err = pm_pefile_map(data, size, &img, &len, &pe))) {
		if (!(err = pm_pefile_version(img, len, &pe, &v)))
			use(&v);
		free(img);
	}
	pm_error_destroy(err);

	struct flat f = { data, size };
	struct pm_error *cv = NULL;
	if (!(err = pm_pe_parse(flat_read, &f, BASE, &pe, &cv)) &&
	    !(err = pm_pe_version(flat_read, &f, BASE, &pe, &v)))
		use(&v);
	pm_error_destroy(err);
	pm_error_destroy(cv);
	return 0;
}
