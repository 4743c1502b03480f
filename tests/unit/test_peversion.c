// SPDX-License-Identifier: MIT
// The version resource parser (peversion.h) on the fuzz seeds of
// tests/fuzz/seed_peversion.py, whose contents are known: read from a driver file, from an
// image mapped in memory, with its resource page not captured, with two StringTables, with
// damaged text to repair, and damaged enough to be refused.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "pefile.h"
#include "peversion.h"
#include "pm-utf.h"

static const uint64_t BASE = 0xFFFFF80000000000ull;

struct flat {
	const uint8_t *data;
	size_t size;
	uint64_t hole; /* a page (RVA) not in the "dump"; 0: none */
};

static struct pm_error *flat_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	const struct flat *f = ctx;
	if (va < BASE || va - BASE > f->size || len > f->size - (va - BASE))
		return pm_err(PM_ERR_NOT_CAPTURED, "outside the image");
	uint64_t rva = va - BASE;
	if (f->hole && rva < f->hole + 4096 && rva + len > f->hole)
		return pm_err(PM_ERR_NOT_CAPTURED, "VA %#llx: page not in the dump",
			      (unsigned long long)(BASE + f->hole));
	memcpy(buf, f->data + rva, len);
	return NULL;
}

static uint8_t *slurp(const char *dir, const char *name, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return NULL;
	uint8_t *buf = malloc(1 << 16);
	*n = buf ? fread(buf, 1, 1 << 16, f) : 0;
	fclose(f);
	return buf;
}

static void from_file(const uint8_t *data, size_t n, struct pm_verinfo *v)
{
	uint8_t *img;
	size_t len;
	struct pm_pe_info pe;
	memset(v, 0, sizeof(*v));
	v->absent = PM_ABSENT_UNREADABLE;
	CHECK_OK(pm_pefile_map(data, n, &img, &len, &pe));
	CHECK_OK(pm_pefile_version(img, len, &pe, v));
	free(img);
}

static void from_memory(const uint8_t *data, size_t n, uint64_t hole, struct pm_verinfo *v)
{
	struct flat f = { data, n, hole };
	struct pm_pe_info pe;
	struct pm_error *cv = NULL;
	CHECK_OK(pm_pe_parse(flat_read, &f, BASE, &pe, &cv));
	pm_error_destroy(cv);
	CHECK_EQ_U64(pe.rsrc_rva, hole ? hole : pe.rsrc_rva);
	CHECK_OK(pm_pe_version(flat_read, &f, BASE, &pe, v));
}

static void check_full(const struct pm_verinfo *v)
{
	CHECK_EQ_U64(v->absent, PM_ABSENT_PRESENT);
	CHECK(v->has_fixed);
	CHECK_EQ_U64(v->file_version[0] * 1000 + v->file_version[3], 1004);
	CHECK_EQ_U64(v->product_version[1] * 10 + v->product_version[2], 67);
	CHECK(!strcmp(v->str[PM_VER_COMPANY], "Contoso Ltd."));
	CHECK(!strcmp(v->str[PM_VER_PRODUCT], "Contoso Leak Suite"));
	CHECK(!strcmp(v->str[PM_VER_DESCRIPTION], "Leaky test driver"));
	CHECK(!strcmp(v->str[PM_VER_FILE_VERSION], "1.2.3.4 (fixture.221203-1800)"));
	CHECK(!strcmp(v->str[PM_VER_ORIGINAL_FILENAME], "leaky.sys"));
	CHECK(!strcmp(v->lang, "040904B0"));
}

static void check_images(const char *dir)
{
	size_t n;
	struct pm_verinfo v;
	uint8_t *b = slurp(dir, "pe32plus-version.bin", &n);
	from_file(b, n, &v);
	check_full(&v);
	from_memory(b, n, 0, &v);
	check_full(&v);
	/* the resource's page not captured: absent with why, no value */
	from_memory(b, n, 0x6000, &v);
	CHECK_EQ_U64(v.absent, PM_ABSENT_NOT_CAPTURED);
	CHECK(strstr(v.why, "not in the dump") != NULL);
	CHECK(!v.has_fixed && !v.has_str[PM_VER_COMPANY]);
	free(b);

	b = slurp(dir, "pe32-two-tables.bin", &n);
	from_file(b, n, &v); /* Translation 0407/04B0 picks the second table */
	CHECK_EQ_U64(v.absent, PM_ABSENT_PRESENT);
	CHECK(!strcmp(v.str[PM_VER_COMPANY], "Zweite GmbH"));
	CHECK(!strcmp(v.lang, "040704B0"));
	CHECK(!v.has_str[PM_VER_DESCRIPTION]);
	free(b);

	b = slurp(dir, "pe32plus-no-rsrc.bin", &n);
	from_memory(b, n, 0, &v);
	CHECK_EQ_U64(v.absent, PM_ABSENT_NOT_FOUND);
	CHECK(strstr(v.why, "no resource directory") != NULL);
	free(b);

	b = slurp(dir, "pe32plus-rsrc-loop.bin", &n);
	from_file(b, n, &v);
	CHECK_EQ_U64(v.absent, PM_ABSENT_UNREADABLE);
	CHECK(strstr(v.why, "directory where a data entry belongs") != NULL);
	free(b);
}

static void check_blobs(const char *dir)
{
	size_t n;
	struct pm_verinfo v;
	uint8_t *b = slurp(dir, "vs-repair.bin", &n);
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_BUF, 0, "VS_VERSIONINFO");
	CHECK_OK(pm_verinfo_parse(&rd, &v));
	/* "A", unpaired high surrogate, "B", U+1F600, BEL, "C" */
	CHECK(!strcmp(v.str[PM_VER_COMPANY], "A\xEF\xBF\xBD" "B\xF0\x9F\x98\x80?C"));
	CHECK(v.str_cut[PM_VER_PRODUCT] && !v.str_cut[PM_VER_COMPANY]);
	CHECK_EQ_U64(strlen(v.str[PM_VER_PRODUCT]), 126); /* 63 'é', cut on a character */
	CHECK_EQ_U64(pm_utf8_invalid(v.str[PM_VER_PRODUCT]), 0);
	CHECK_EQ_U64(v.file_version[1] * 100 + v.file_version[2] * 10 + v.file_version[3], 141);
	free(b);

	b = slurp(dir, "vs-child-overflow.bin", &n);
	rd = pm_rd_make(b, n, PM_AS_BUF, 0, "VS_VERSIONINFO");
	CHECK_ERR(pm_verinfo_parse(&rd, &v), PM_ERR_FORMAT);
	/* cut anywhere short of its end, the resource is refused, never read past */
	for (size_t k = 0; k + 1 < n; k += 7) {
		rd = pm_rd_make(b, k, PM_AS_BUF, 0, "VS_VERSIONINFO");
		struct pm_error *e = pm_verinfo_parse(&rd, &v);
		CHECK(e != NULL);
		pm_error_destroy(e);
	}
	free(b);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_peversion SEED_DIR\n");
		return 2;
	}
	check_images(argv[1]);
	check_blobs(argv[1]);
	return TEST_RESULT();
}
