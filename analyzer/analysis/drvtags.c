// SPDX-License-Identifier: MIT
// `tags DRIVER.sys`: a driver file's own pool-tag evidence (drvtags.h).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "drvtags.h"
#include "names.h"
#include "pefile.h"
#include "tagsearch.h"

/* Pool routines whose import says how the driver allocates (the x64 Tag argument of the
 * allocators is r8d; of ExFreePoolWithTag, edx). */
static const char *const pool_routines[] = {
	"ExAllocatePoolWithTag", "ExAllocatePool2", "ExAllocatePool3", "ExAllocatePoolWithQuotaTag",
	"ExAllocatePoolWithTagPriority", "ExAllocatePoolZero", "ExAllocatePoolUninitialized",
	"ExAllocatePoolQuotaZero", "ExAllocatePoolPriorityZero", "ExAllocatePool",
	"ExFreePoolWithTag", "ExInitializeLookasideListEx", "ExInitializeNPagedLookasideList",
	"ExInitializePagedLookasideList",
};

static bool on_import(void *ctx, const char *dll, const char *fn)
{
	struct pm_drvtags *d = ctx;
	(void)dll;
	if (!strcmp(fn, "WdfVersionBind"))
		d->kmdf = true;
	for (size_t i = 0; i < sizeof(pool_routines) / sizeof(pool_routines[0]); i++) {
		if (strcmp(fn, pool_routines[i]))
			continue;
		bool seen = false;
		for (size_t k = 0; k < d->npool_imports; k++)
			seen |= d->pool_imports[k] == pool_routines[i];
		if (!seen && d->npool_imports < PM_DRVTAGS_MAX_IMPORTS)
			d->pool_imports[d->npool_imports++] = pool_routines[i];
	}
	return true;
}

static void on_imm(void *ctx, uint32_t tag, enum pm_imm_reg reg)
{
	struct pm_drvtags *d = ctx;
	size_t i = 0;
	while (i < d->ntags && d->tags[i].tag != tag)
		i++;
	if (i == d->ntags) {
		if (d->ntags >= PM_DRVTAGS_MAX) {
			d->truncated = true;
			return;
		}
		d->tags[d->ntags++] = (struct pm_drvtag){ .tag = tag };
	}
	unsigned *c[] = { &d->tags[i].r8d, &d->tags[i].edx, &d->tags[i].other };
	(*c[reg])++;
}

static int by_evidence(const void *a, const void *b)
{
	const struct pm_drvtag *x = a, *y = b;
	if (x->r8d != y->r8d)
		return x->r8d > y->r8d ? -1 : 1;
	if (x->edx != y->edx)
		return x->edx > y->edx ? -1 : 1;
	if (x->other != y->other)
		return x->other > y->other ? -1 : 1;
	return x->tag < y->tag ? -1 : x->tag > y->tag;
}

/* The framework's tag: the first four characters of the driver's (service) name, which is
 * the file's base name for a driver installed the usual way; a name beginning "Wdf" is
 * taken after it (microsoft/Windows-Driver-Frameworks, FxDriver). */
static void kmdf_tag(const char *name, char out[5])
{
	char base[256];
	pm_module_lm_name(name, false, base, sizeof(base));
	const char *p = base;
	if (!strncasecmp(p, "wdf", 3) && strlen(p) > 3)
		p += 3;
	snprintf(out, 5, "%.4s", p);
}

struct pm_error *pm_drvtags_build(const uint8_t *file, size_t len, const char *name,
				  struct pm_drvtags *d)
{
	memset(d, 0, sizeof(*d));
	uint8_t *img;
	size_t ilen;
	PM_TRY(pm_pefile_map(file, len, &img, &ilen, &d->pe));
	struct pm_error *verr = pm_pefile_version(img, ilen, &d->pe, &d->ver);
	if (verr) {
		free(img);
		return verr;
	}
	d->tags = calloc(PM_DRVTAGS_MAX, sizeof(*d->tags));
	if (!d->tags) {
		free(img);
		return &pm_enomem;
	}
	pm_tagsearch_immediates(img, ilen, &d->pe, on_imm, d);
	qsort(d->tags, d->ntags, sizeof(*d->tags), by_evidence);
	struct pm_error *err = pm_pefile_imports(img, ilen, on_import, d);
	if (err) {
		d->imports_error = strdup(pm_err_msg(err));
		pm_error_destroy(err);
	}
	if (d->kmdf)
		kmdf_tag(name, d->kmdf_tag);
	free(img);
	return NULL;
}

void pm_drvtags_deinit(struct pm_drvtags *d)
{
	free(d->tags);
	free(d->imports_error);
	memset(d, 0, sizeof(*d));
}
