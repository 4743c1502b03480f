// SPDX-License-Identifier: MIT
// The reader idiom at its boundaries, checked arithmetic, header landmarks and signatures.
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "container.h"
#include "dmp.h"
#include "pm-reader.h"
#include "pm-utf.h"
#include "profile.h"

static void test_bounds(void)
{
	uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct pm_rd rd = pm_rd_make(b, sizeof(b), PM_AS_FILE, 0x1000, "TEST");
	uint32_t v32 = 0;
	uint64_t v64 = 0;
	CHECK_OK(pm_rd_u32(&rd, 4, &v32)); /* ends exactly at the window's end: valid */
	CHECK_EQ_U64(v32, 0x08070605);
	CHECK_OK(pm_rd_u64(&rd, 0, &v64));
	CHECK_EQ_U64(v64, 0x0807060504030201ull);
	v32 = 0xDEADBEEF;
	CHECK_ERR(pm_rd_u32(&rd, 5, &v32), PM_ERR_TRUNCATED); /* one byte short */
	CHECK_EQ_U64(v32, 0xDEADBEEF);                       /* no output on error */
	CHECK_ERR(pm_rd_u32(&rd, 9, &v32), PM_ERR_TRUNCATED); /* off > len */
	CHECK_ERR(pm_rd_u32(&rd, SIZE_MAX - 1, &v32), PM_ERR_TRUNCATED);
	struct pm_error *e = pm_rd_u32(&rd, 6, &v32);
	CHECK(e && strstr(pm_err_msg(e), "TEST at file offset 0x1000"));
	CHECK(e && strstr(pm_err_msg(e), "+0x6"));
	pm_error_destroy(e);
	CHECK_ERR(pm_rd_array(&rd, 0, UINT64_C(1) << 62, 8, UINT64_MAX, "n"), PM_ERR_FORMAT);
	CHECK_ERR(pm_rd_array(&rd, 0, 3, 4, 2, "n"), PM_ERR_LIMIT);
	CHECK_ERR(pm_rd_array(&rd, 0, 3, 4, 10, "n"), PM_ERR_TRUNCATED);
	CHECK_OK(pm_rd_array(&rd, 0, 2, 4, 10, "n"));
	uint64_t r;
	CHECK(pm_ckd_mul(&r, UINT64_C(0x0010000000000001), 4096));
	CHECK(!pm_ckd_mul(&r, UINT64_C(0x000FFFFFFFFFFFFF), 4096));
	CHECK(pm_ckd_add(&r, UINT64_MAX, 1));
}

static void test_landmarks(void)
{
	struct pm_dmp_landmarks l;
	pm_dmp_landmarks(true, &l); /* the offsets kdmp-parser pins with static_assert */
	CHECK_EQ_U64(l.kdbg, 0x80);
	CHECK_EQ_U64(l.context, 0x348);
	CHECK_EQ_U64(l.exception, 0xF00);
	CHECK_EQ_U64(l.comment, 0xFB0);
	CHECK_EQ_U64(l.dump_type, 0xF98);
	CHECK_EQ_U64(l.header_size, 0x2000);
	pm_dmp_landmarks(false, &l);
	CHECK_EQ_U64(l.kdbg, 0x60);
	CHECK_EQ_U64(l.context, 0x320);
	CHECK_EQ_U64(l.exception, 0x7D0);
	CHECK_EQ_U64(l.comment, 0x820);
	CHECK_EQ_U64(l.dump_type, 0xF88);
	CHECK_EQ_U64(l.header_size, 0x1000);
}

static void test_signatures(void)
{
	uint8_t *h = calloc(1, 0x2000);
	struct pm_dmp_header hdr;
	memcpy(h, "MDMP", 4);
	CHECK_ERR(pm_dmp_decode_header(h, 0x2000, &hdr), PM_ERR_UNSUPPORTED);
	memcpy(h, "PAGEDUMX", 8);
	CHECK_ERR(pm_dmp_decode_header(h, 0x2000, &hdr), PM_ERR_FORMAT);
	memcpy(h, "PAGEDU64", 8);
	CHECK_ERR(pm_dmp_decode_header(h, 0x1FFF, &hdr), PM_ERR_TRUNCATED);
	CHECK_ERR(pm_dmp_decode_header(h, 4, &hdr), PM_ERR_TRUNCATED);
	/* fill pattern everywhere: fields read as absent, not as values */
	for (int i = 8; i < 0x2000; i += 4)
		memcpy(h + i, "PAGE", 4);
	CHECK_OK(pm_dmp_decode_header(h, 0x2000, &hdr));
	CHECK(!hdr.has_system_time && !hdr.has_uptime && !hdr.has_attributes);
	CHECK(!hdr.has_required_space && !hdr.has_product_type && !hdr.has_pmb_pages);
	CHECK(hdr.comment[0] == 0);
	/* PHYSICAL_MEMORY_DESCRIPTOR64.NumberOfPages at 0x88 + 8: the machine's RAM */
	memcpy(h + 0x90, "\x9f\x2f\0\0\0\0\0\0", 8);
	CHECK_OK(pm_dmp_decode_header(h, 0x2000, &hdr));
	CHECK(hdr.has_pmb_pages);
	CHECK_EQ_U64(hdr.pmb_pages, 0x2f9f);
	memcpy(h + 0xFB0, "Hello from a test", 17);
	h[0xFB0 + 17] = 0;
	CHECK_OK(pm_dmp_decode_header(h, 0x2000, &hdr));
	CHECK(!strcmp(hdr.comment, "Hello from a test"));
	free(h);
}

/* The container probe table: each signature, raw images by name, what batch lists. */
static void test_container_probe(void)
{
	static const struct {
		const char *head, *path;
		bool in_archive;
		const char *want; /* NULL: no container claims it */
	} cases[] = {
		{ "PAGEDU64", "x.dmp", false, "crash dump" },
		{ "PAGEDUMP", NULL, true, "crash dump" },
		{ "PAGEDU64", "x.raw", false, "crash dump" }, /* the signature wins over the name */
		{ "\x7f" "ELF\2\1\1\0", "x.raw", false, "raw" }, /* the name over ELF's bytes */
		{ "\x7f" "ELF\2\1\1\0", "core", false, "ELF" },
		{ "\x7f" "ELF\2\1\1\0", NULL, true, NULL }, /* not listed inside archives */
		{ "KDUMP   ", NULL, true, "kdump" },
		{ "DISKDUMP", "x", false, "kdump" },
		{ "zeros...", "raw:x.bin", false, "raw" },
		{ "zeros...", "X.VMEM", false, "raw" },
		{ "zeros...", "x.txt", false, NULL },
		{ "PAGEDU", "x", false, NULL }, /* too short for a signature */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *h = cases[i].head;
		const struct pm_container_kind *k = pm_container_probe(
			(const uint8_t *)h, strlen(h) < 8 && h[0] != 0x7f ? strlen(h) : 8,
			cases[i].path, cases[i].in_archive);
		if (!cases[i].want)
			CHECK(k == NULL);
		else
			CHECK(k && !strcmp(k->name, cases[i].want));
	}
	CHECK(!strcmp(pm_container_file("raw:a.bin"), "a.bin"));
	CHECK(!strcmp(pm_container_file("a.bin"), "a.bin"));
}

/* The profile's own tables satisfy the contract symbol-given layouts are held to, and the
 * build features hold from their first build on. */
static void test_profile(void)
{
	for (unsigned i = 0; i < PM_N_TRACKER_LAYOUTS; i++) {
		CHECK(pm_tracker_layout_valid(&pm_tracker_layouts32[i]));
		CHECK(pm_tracker_layout_valid(&pm_tracker_layouts64[i]));
	}
	for (unsigned i = 0; i < PM_N_BIG_LAYOUTS32; i++)
		CHECK(pm_big_layout_valid(&pm_big_layouts32[i], 4));
	for (unsigned i = 0; i < PM_N_BIG_LAYOUTS64; i++)
		CHECK(pm_big_layout_valid(&pm_big_layouts64[i], 8));
	struct pm_tracker_layout bad = pm_tracker_layouts64[1];
	bad.np_bytes.off = bad.stride - 4; /* 8 bytes that straddle the entry's end */
	CHECK(!pm_tracker_layout_valid(&bad));
	struct pm_big_layout bb = pm_big_layouts64[0];
	CHECK(!pm_big_layout_valid(&bb, 0x20)); /* a Va wider than the entry */
	bb.key_off = bb.stride - 2;
	CHECK(!pm_big_layout_valid(&bb, 8));
	CHECK(!pm_build_has(18361, PM_FEAT_L1TF_PTE_BIT) && pm_build_has(18362, PM_FEAT_L1TF_PTE_BIT));
	CHECK(!pm_build_has(0, PM_FEAT_NO_POOL_DESCRIPTORS)); /* unknown build: nothing assumed */
	CHECK(pm_build_has(26100, PM_FEAT_BIG_POOL_FLAGS) && !pm_build_has(22631, PM_FEAT_BIG_POOL_FLAGS));
}

/* UTF-8 from damaged files repaired before it reaches JSON (issue 16 item 4). */
static char *dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

static void test_utf8(void)
{
	static const struct {
		const char *in, *out;
		size_t bad;
	} t[] = {
		{ "plain.dmp", "plain.dmp", 0 },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0 },
		{ "\xff\xfe.dmp", "\xef\xbf\xbd\xef\xbf\xbd.dmp", 2 },
		{ "cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd", 2 },        /* a character cut */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", 2 },                /* overlong '/' */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3 }, /* a surrogate */
		{ "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		CHECK_EQ_U64(pm_utf8_invalid(t[i].in), t[i].bad);
		char *o = pm_utf8_repair(dup(t[i].in));
		CHECK(o && !strcmp(o, t[i].out));
		CHECK(o && pm_utf8_invalid(o) == 0);
		free(o);
	}
	CHECK(pm_utf8_repair(NULL) == NULL);
}

int main(void)
{
	test_container_probe();
	test_profile();
	test_bounds();
	test_landmarks();
	test_signatures();
	test_utf8();
	return TEST_RESULT();
}
