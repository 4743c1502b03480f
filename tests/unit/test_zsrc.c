// SPDX-License-Identifier: MIT
// Compressed sources: random reads through the seek index equal the original bytes, for
// gzip and for zip members (deflate and stored); corrupt data is refused.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "../harness/test.h"
#include "source_z.h"

enum { N = 24 << 20 }; /* 24 MiB: several access points at the 4 MiB span */

static uint8_t *make_data(void)
{
	uint8_t *d = malloc(N);
	uint32_t x = 1;
	for (size_t i = 0; i < N; i++) {
		/* compressible but not trivial: runs of pseudo-random bytes and zero pages */
		if ((i >> 12) % 5 == 0) {
			d[i] = 0;
			continue;
		}
		x = x * 1664525u + 1013904223u;
		d[i] = (uint8_t)((x >> 24) & 0x3F);
	}
	return d;
}

static size_t deflate_buf(const uint8_t *in, size_t n, uint8_t *out, size_t cap, int wbits)
{
	z_stream s;
	memset(&s, 0, sizeof(s));
	deflateInit2(&s, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
	s.next_in = (uint8_t *)in;
	s.avail_in = (uInt)n;
	s.next_out = out;
	s.avail_out = (uInt)cap;
	deflate(&s, Z_FINISH);
	size_t len = cap - s.avail_out;
	deflateEnd(&s);
	return len;
}

static void check_reads(struct pm_source *src, const uint8_t *data)
{
	CHECK_EQ_U64(src->size, N);
	uint32_t x = 7;
	uint8_t buf[70000];
	for (int i = 0; i < 300; i++) {
		x = x * 1103515245u + 12345u;
		uint64_t off = (x >> 4) % (N - sizeof(buf));
		size_t len = 1 + (x % sizeof(buf));
		size_t got = 0;
		CHECK_OK(src->ops->read_at(src, off, buf, len, &got));
		CHECK_EQ_U64(got, len);
		if (memcmp(buf, data + off, len)) {
			fprintf(stderr, "mismatch at %llu len %zu\n", (unsigned long long)off, len);
			test_failures++;
			break;
		}
	}
	size_t got;
	CHECK_OK(src->ops->read_at(src, N - 10, buf, 100, &got)); /* short read at the end */
	CHECK_EQ_U64(got, 10);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

/* A zip with one member "m.dmp" (method 0 or 8). Returns the archive length. */
static size_t make_zip(const uint8_t *data, uint8_t *out, size_t cap, int method, uint32_t crc)
{
	size_t pos = 30 + 5, clen;
	if (method == 8)
		clen = deflate_buf(data, N, out + pos, cap - pos - 200, -15);
	else {
		memcpy(out + pos, data, N);
		clen = N;
	}
	memset(out, 0, 30);
	put32(out, 0x04034b50);
	put16(out + 8, (unsigned)method);
	put32(out + 14, crc);
	put32(out + 18, (uint32_t)clen);
	put32(out + 22, N);
	put16(out + 26, 5);
	memcpy(out + 30, "m.dmp", 5);
	size_t cd = pos + clen;
	uint8_t *c = out + cd;
	memset(c, 0, 46);
	put32(c, 0x02014b50);
	put16(c + 10, (unsigned)method);
	put32(c + 16, crc);
	put32(c + 20, (uint32_t)clen);
	put32(c + 24, N);
	put16(c + 28, 5);
	put32(c + 42, 0);
	memcpy(c + 46, "m.dmp", 5);
	uint8_t *e = c + 51;
	memset(e, 0, 22);
	put32(e, 0x06054b50);
	put16(e + 8, 1);
	put16(e + 10, 1);
	put32(e + 12, 51);
	put32(e + 16, (uint32_t)cd);
	return cd + 51 + 22;
}

static struct pm_source *mem(const uint8_t *b, size_t n)
{
	struct pm_source *s = NULL;
	CHECK_OK(pm_source_open_mem(b, n, "test", &s));
	return s;
}

int main(void)
{
	uint8_t *data = make_data();
	uint32_t crc = (uint32_t)crc32(0, data, N);
	size_t cap = N + (N >> 3) + 4096;
	uint8_t *gz = malloc(cap), *zip = malloc(cap);
	size_t glen = deflate_buf(data, N, gz, cap, 31);
	struct pm_source *src;
	CHECK(pm_is_gzip(gz, glen));
	CHECK_OK(pm_source_open_gzip(mem(gz, glen), &src));
	if (src) {
		check_reads(src, data);
		pm_source_destroy(src);
	}
	/* a flipped byte in the middle: refused (CRC or inflate error), no crash */
	gz[glen / 2] ^= 0x55;
	struct pm_error *e = pm_source_open_gzip(mem(gz, glen), &src);
	CHECK(e != NULL);
	pm_error_destroy(e);
	/* truncated */
	e = pm_source_open_gzip(mem(gz, glen / 3), &src);
	CHECK(e != NULL);
	pm_error_destroy(e);
	for (int method = 0; method <= 8; method += 8) {
		size_t zlen = make_zip(data, zip, cap, method, crc);
		struct pm_source *arch = mem(zip, zlen);
		struct pm_zip_entry *ents;
		size_t n;
		CHECK_OK(pm_zip_list(arch, &ents, &n));
		CHECK_EQ_U64(n, 1);
		if (n == 1) {
			CHECK(!strcmp(ents[0].name, "m.dmp"));
			CHECK_OK(pm_source_open_zip_member(arch, &ents[0], &src));
			if (src) {
				check_reads(src, data);
				pm_source_destroy(src);
			}
			pm_zip_list_free(ents, n);
		} else {
			pm_source_destroy(arch);
		}
	}
	/* wrong CRC in the directory: refused */
	size_t zlen = make_zip(data, zip, cap, 8, crc ^ 1);
	struct pm_source *arch = mem(zip, zlen);
	struct pm_zip_entry *ents;
	size_t n;
	CHECK_OK(pm_zip_list(arch, &ents, &n));
	if (n == 1) {
		e = pm_source_open_zip_member(arch, &ents[0], &src);
		CHECK(e && strstr(pm_err_msg(e), "CRC32"));
		pm_error_destroy(e);
	}
	pm_zip_list_free(ents, n);
	free(data);
	free(gz);
	free(zip);
	return TEST_RESULT();
}
