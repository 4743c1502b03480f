// SPDX-License-Identifier: MIT
// L0 zip archives (APPNOTE 6.3: EOCD, ZIP64, central directory, local headers): the member
// list, opening a path that names a plain file, a gzip file or a zip member, and peeking at a
// member's first bytes. Members are read through the seek index of source_z.c.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "source.h"
#include "source_z-priv.h"
#include "source_z.h"

enum { PM_ZIP_MAX_ENTRIES = 1 << 20 };

bool pm_is_zip(const uint8_t *b, size_t n)
{
	return n >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
}

void pm_zip_list_free(struct pm_zip_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

struct pm_error *pm_zip_list(struct pm_source *src, struct pm_zip_entry **ret, size_t *n_ret)
{
	uint64_t size = src->size;
	if (size < 22)
		return pm_err(PM_ERR_FORMAT, "zip: file too short for an end-of-central-directory record");
	size_t tail = size < 65557 ? (size_t)size : 65557;
	uint8_t *t = malloc(tail);
	if (!t)
		return &pm_enomem;
	struct pm_error *err = pm_source_read_exact(src, size - tail, t, tail, "zip tail");
	if (err) {
		free(t);
		return err;
	}
	ssize_t e = -1;
	for (ssize_t i = (ssize_t)tail - 22; i >= 0; i--)
		if (le32(t + i) == 0x06054b50) {
			e = i;
			break;
		}
	if (e < 0) {
		free(t);
		return pm_err(PM_ERR_FORMAT, "zip: no end-of-central-directory record in the last "
			      "64 KiB");
	}
	uint64_t count = le16(t + e + 10), cdsize = le32(t + e + 12), cdoff = le32(t + e + 16);
	uint64_t eocd_at = size - tail + (uint64_t)e;
	if ((count == 0xFFFF || cdoff == 0xFFFFFFFF || cdsize == 0xFFFFFFFF) && e >= 20 &&
	    le32(t + e - 20) == 0x07064b50) {
		uint64_t z64 = le64(t + e - 20 + 8);
		uint8_t r[56];
		if ((err = pm_source_read_exact(src, z64, r, sizeof(r), "zip64 end of central "
						"directory"))) {
			free(t);
			return err;
		}
		if (le32(r) != 0x06064b50) {
			free(t);
			return pm_err(PM_ERR_FORMAT, "zip64 end of central directory at file offset %#"
				      PRIx64 ": bad signature", z64);
		}
		count = le64(r + 32);
		cdsize = le64(r + 40);
		cdoff = le64(r + 48);
	}
	free(t);
	if (count > PM_ZIP_MAX_ENTRIES || cdsize > 256u << 20 || cdoff > eocd_at ||
	    cdsize > eocd_at - cdoff)
		return pm_err(PM_ERR_FORMAT, "zip: central directory (%" PRIu64 " entries, %" PRIu64
			      " bytes at %#" PRIx64 ") does not fit the file", count, cdsize, cdoff);
	uint8_t *cd = malloc(cdsize ? (size_t)cdsize : 1);
	struct pm_zip_entry *ents = calloc(count ? (size_t)count : 1, sizeof(*ents));
	if (!cd || !ents) {
		free(cd);
		free(ents);
		return &pm_enomem;
	}
	if ((err = pm_source_read_exact(src, cdoff, cd, (size_t)cdsize, "zip central directory")))
		goto bad;
	struct pm_rd rd = pm_rd_make(cd, (size_t)cdsize, PM_AS_FILE, cdoff, "zip central directory");
	size_t pos = 0, n = 0;
	for (uint64_t i = 0; i < count; i++) {
		uint32_t sig;
		if ((err = pm_rd_u32(&rd, pos, &sig)))
			goto bad;
		if (sig != 0x02014b50) {
			err = pm_err(PM_ERR_FORMAT, "zip central directory entry %" PRIu64 " at file "
				     "offset %#" PRIx64 ": bad signature", i, cdoff + pos);
			goto bad;
		}
		if ((err = pm_rd_need(&rd, pos, 46)))
			goto bad;
		const uint8_t *h = cd + pos;
		struct pm_zip_entry *z = &ents[n];
		z->method = le16(h + 10);
		z->crc = le32(h + 16);
		z->csize = le32(h + 20);
		z->usize = le32(h + 24);
		uint16_t nl = le16(h + 28), xl = le16(h + 30), cl = le16(h + 32);
		z->local = le32(h + 42);
		z->flags = le16(h + 8);
		if ((err = pm_rd_need(&rd, pos + 46, (size_t)nl + xl + cl)))
			goto bad;
		z->name = malloc((size_t)nl + 1);
		if (!z->name) {
			err = &pm_enomem;
			goto bad;
		}
		memcpy(z->name, h + 46, nl);
		z->name[nl] = 0;
		/* ZIP64 extra field: the 0xFFFFFFFF fields, in order */
		for (size_t x = 0; x + 4 <= xl;) {
			const uint8_t *f = h + 46 + nl + x;
			uint16_t id = le16(f), sz = le16(f + 2);
			if (x + 4 + sz > xl)
				break;
			if (id == 1) {
				size_t k = 4;
				if (z->usize == 0xFFFFFFFF && k + 8 <= 4u + sz)
					z->usize = le64(f + k), k += 8;
				if (z->csize == 0xFFFFFFFF && k + 8 <= 4u + sz)
					z->csize = le64(f + k), k += 8;
				if (z->local == 0xFFFFFFFF && k + 8 <= 4u + sz)
					z->local = le64(f + k);
			}
			x += 4 + (size_t)sz;
		}
		pos += 46 + (size_t)nl + xl + cl;
		n++;
	}
	free(cd);
	*ret = ents;
	*n_ret = n;
	return NULL;
bad:
	free(cd);
	pm_zip_list_free(ents, (size_t)count);
	return err;
}

size_t pm_zip_occurrence(const struct pm_zip_entry *e, size_t n, size_t i, size_t *total_ret)
{
	size_t k = 0, total = 0;
	for (size_t j = 0; j < n; j++) {
		if (strcmp(e[j].name, e[i].name))
			continue;
		total++;
		if (j <= i)
			k++;
	}
	*total_ret = total;
	return k;
}

struct pm_error *pm_zip_find(const struct pm_zip_entry *e, size_t n, const char *spec,
			     size_t *pick_ret)
{
	size_t pick = SIZE_MAX, same = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(e[i].name, spec) && !same++)
			pick = i;
	}
	const char *hash = strrchr(spec, '#');
	if (!same && hash && hash[1] && strspn(hash + 1, "0123456789") == strlen(hash + 1) &&
	    strlen(hash + 1) < 10) {
		size_t want = (size_t)strtoul(hash + 1, NULL, 10), k = 0, bl = (size_t)(hash - spec);
		for (size_t i = 0; i < n && pick == SIZE_MAX; i++) {
			if (strlen(e[i].name) == bl && !memcmp(e[i].name, spec, bl) && ++k == want)
				pick = i;
		}
	}
	if (pick == SIZE_MAX)
		return pm_err(PM_ERR_FORMAT, "the archive has no member \"%s\"", spec);
	*pick_ret = pick;
	return NULL;
}

struct pm_error *pm_source_open_any(const char *path, struct pm_source **ret)
{
	const char *sep = strstr(path, "::");
	char *file = sep ? strndup(path, (size_t)(sep - path)) : strdup(path);
	if (!file)
		return &pm_enomem;
	struct pm_source *src;
	struct pm_error *err = pm_source_open_file(file, &src);
	free(file);
	if (err)
		return err;
	uint8_t magic[4] = { 0 };
	size_t got = 0;
	if ((err = src->ops->read_at(src, 0, magic, sizeof(magic), &got))) {
		pm_source_destroy(src);
		return err;
	}
	if (pm_is_gzip(magic, got) && !sep)
		return pm_source_open_gzip(src, ret);
	if (!pm_is_zip(magic, got)) {
		if (sep) {
			pm_source_destroy(src);
			return pm_err(PM_ERR_FORMAT, "not a zip archive, so it has no member \"%s\"",
				      sep + 2);
		}
		*ret = src;
		return NULL;
	}
	struct pm_zip_entry *e;
	size_t n;
	if ((err = pm_zip_list(src, &e, &n))) {
		pm_source_destroy(src);
		return err;
	}
	size_t pick = SIZE_MAX, files = 0;
	for (size_t i = 0; i < n && !sep; i++) {
		size_t l = strlen(e[i].name);
		bool dir = l && e[i].name[l - 1] == '/';
		if (!dir)
			files++;
		if (!dir && pick == SIZE_MAX)
			pick = i;
	}
	if (sep)
		err = pm_zip_find(e, n, sep + 2, &pick);
	else if (files != 1)
		err = pm_err(PM_ERR_FORMAT, "the archive has %zu members: name one as "
			     "ARCHIVE::MEMBER (first: %s)", files, n ? e[0].name : "none");
	if (err) {
		pm_zip_list_free(e, n);
		pm_source_destroy(src);
		return err;
	}
	err = pm_source_open_zip_member(src, &e[pick], ret);
	pm_zip_list_free(e, n);
	return err;
}

struct pm_error *pm_peek_zip_member(struct pm_source *src, const struct pm_zip_entry *e,
				    uint8_t *buf, size_t n, size_t *got_ret)
{
	uint8_t h[30];
	PM_TRY(pm_source_read_exact(src, e->local, h, sizeof(h), "zip local header"));
	if (le32(h) != 0x04034b50)
		return pm_err(PM_ERR_FORMAT, "zip local header of %s: bad signature", e->name);
	uint64_t data = e->local + 30 + le16(h + 26) + le16(h + 28);
	if (data > src->size)
		return pm_err(PM_ERR_TRUNCATED, "zip member %s lies past the end", e->name);
	uint64_t clen = e->csize < src->size - data ? e->csize : src->size - data;
	if (e->method != 0 && e->method != 8)
		return pm_err(PM_ERR_UNSUPPORTED, "zip member %s: method %u", e->name, e->method);
	return pm_z_peek_raw(src, data, clen, e->method == 0, buf, n, got_ret);
}
