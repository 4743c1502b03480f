// SPDX-License-Identifier: MIT
// The tag-in-image search (tagsearch.h) on the fuzz seeds of tests/fuzz/seed_tagsearch.py,
// whose every occurrence of the tags is known: 'Leak' is an immediate 4 times in .text
// (mov r8d / push / mov [rsp+20h] / cmp [rbp-8]), once more in .text as plain bytes, twice in
// .data (once with the protected-pool bit); 'Abcd' once in .data; 'None' nowhere.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "tagsearch.h"

static const uint64_t BASE = 0xFFFFF80000000000ull;

struct flat {
	const uint8_t *data;
	size_t size;
};

static struct pm_error *flat_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	const struct flat *f = ctx;
	if (va < BASE || va - BASE > f->size || len > f->size - (va - BASE))
		return pm_err(PM_ERR_NOT_CAPTURED, "outside the image");
	memcpy(buf, f->data + (va - BASE), len);
	return NULL;
}

static void check_seed(const char *path)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	static uint8_t buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	CHECK(n > 13 + 4096);
	uint32_t tags[3];
	for (int i = 0; i < 3; i++)
		memcpy(&tags[i], buf + 1 + 4 * i, 4);
	const uint8_t *img = buf + 13;
	struct flat fl = { img, n - 13 };
	struct pm_pe_info pe;
	struct pm_error *cv = NULL;
	CHECK_OK(pm_pe_parse(flat_read, &fl, BASE, &pe, &cv));
	pm_error_destroy(cv);
	CHECK_EQ_U64(pe.nsections, 2);
	struct pm_tag_hits h[3];
	memset(h, 0, sizeof(h));
	pm_tagsearch_buf(img, n - 13, &pe, tags, 3, h);
	CHECK_EQ_U64(h[0].n[PM_TAGHIT_IMMEDIATE], 4);
	CHECK_EQ_U64(h[0].n[PM_TAGHIT_CODE], 1);
	CHECK_EQ_U64(h[0].n[PM_TAGHIT_DATA], 2);
	CHECK_EQ_U64(h[1].n[PM_TAGHIT_IMMEDIATE] + h[1].n[PM_TAGHIT_CODE], 0);
	CHECK_EQ_U64(h[1].n[PM_TAGHIT_DATA], 1);
	CHECK_EQ_U64(h[2].n[0] + h[2].n[1] + h[2].n[2], 0);
	/* without a section table nothing is code */
	memset(h, 0, sizeof(h));
	pm_tagsearch_buf(img, n - 13, NULL, tags, 3, h);
	CHECK_EQ_U64(h[0].n[PM_TAGHIT_DATA], 7);
	CHECK_EQ_U64(h[0].n[PM_TAGHIT_IMMEDIATE], 0);
	/* a buffer shorter than a tag holds none, and is not read past its end */
	memset(h, 0, sizeof(h));
	pm_tagsearch_buf(img, 3, &pe, tags, 3, h);
	CHECK_EQ_U64(h[0].n[0] + h[0].n[1] + h[0].n[2], 0);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		check_seed(argv[i]);
	CHECK(argc > 1);
	return TEST_RESULT();
}
