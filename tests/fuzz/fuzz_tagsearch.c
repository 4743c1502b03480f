// SPDX-License-Identifier: MIT
// Fuzz target: the tag-in-image search (parsers/kernel/tagsearch.c) over a fuzzed driver image.
// Layout of an input: byte 0 gives the number of tags (1 + byte % 8), then that many 4-byte
// little-endian tags, then the image as mapped (RVA 0 first). The image's own PE headers, when
// they parse, give the section table that tells code from data; otherwise everything is data.
#include <stdint.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t ntags = 1 + data[0] % 8;
	if (size < 1 + 4 * ntags)
		return 0;
	uint32_t tags[8];
	for (size_t i = 0; i < ntags; i++) {
		const uint8_t *p = data + 1 + 4 * i;
		tags[i] = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			  (uint32_t)p[3] << 24;
	}
	const uint8_t *img = data + 1 + 4 * ntags;
	size_t len = size - 1 - 4 * ntags;
	struct flat f = { img, len };
	struct pm_pe_info pe;
	struct pm_error *cv = NULL;
	struct pm_error *err = pm_pe_parse(flat_read, &f, BASE, &pe, &cv);
	struct pm_tag_hits hits[8];
	memset(hits, 0, sizeof(hits));
	pm_tagsearch_buf(img, len, err ? NULL : &pe, tags, ntags, hits);
	/* every occurrence is counted once: the sum cannot exceed the places a tag can start */
	for (size_t i = 0; i < ntags; i++) {
		uint64_t sum = (uint64_t)hits[i].n[PM_TAGHIT_IMMEDIATE] + hits[i].n[PM_TAGHIT_CODE] +
			       hits[i].n[PM_TAGHIT_DATA];
		if (sum > (len >= 4 ? len - 3 : 0))
			__builtin_trap();
	}
	pm_error_destroy(err);
	pm_error_destroy(cv);
	return 0;
}
