// SPDX-License-Identifier: MIT
// A dump's identity in batch: the reads of the analysis, hashed on the way (batch_ident.h).
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_ident.h"

enum { HEAD = 8192, SAMPLES = 64, SAMPLE = 4096, TAIL = 65536 };

struct pm_batch_ident {
	EVP_MD_CTX *md;
	bool sampled;
	uint64_t reads, bytes;
};

struct hsrc {
	struct pm_source base;
	struct pm_source_ops ops; /* the inner source's name; reads hashed */
	struct pm_source *inner;  /* owned */
	struct pm_batch_ident *id;
};

static void put_u64(EVP_MD_CTX *md, uint64_t v)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	EVP_DigestUpdate(md, b, 8);
}

static struct pm_error *h_read_at(struct pm_source *src, uint64_t off, void *buf, size_t len,
				  size_t *got_ret)
{
	struct hsrc *h = (struct hsrc *)src;
	struct pm_error *err = h->inner->ops->read_at(h->inner, off, buf, len, got_ret);
	put_u64(h->id->md, off);
	put_u64(h->id->md, err ? UINT64_MAX : *got_ret);
	if (!err) {
		EVP_DigestUpdate(h->id->md, buf, *got_ret);
		h->id->bytes += *got_ret;
	}
	h->id->reads++;
	return err;
}

static bool h_has_page(struct pm_source *src, uint64_t pfn)
{
	struct hsrc *h = (struct hsrc *)src;
	return h->inner->ops->has_page(h->inner, pfn);
}

/* A mapped window is hashed as the read of the same bytes would be. */
static struct pm_error *h_map(struct pm_source *src, uint64_t off, size_t len,
			      struct pm_view *ret)
{
	struct hsrc *h = (struct hsrc *)src;
	struct pm_error *err = h->inner->ops->map(h->inner, off, len, ret);
	put_u64(h->id->md, off);
	put_u64(h->id->md, err ? UINT64_MAX : ret->len);
	if (!err) {
		EVP_DigestUpdate(h->id->md, ret->data, ret->len);
		h->id->bytes += ret->len;
	}
	h->id->reads++;
	return err;
}

static void h_unmap(struct pm_source *src, struct pm_view *v)
{
	struct hsrc *h = (struct hsrc *)src;
	h->inner->ops->unmap(h->inner, v);
}

static void h_will_need(struct pm_source *src, uint64_t off, uint64_t len)
{
	struct hsrc *h = (struct hsrc *)src;
	h->inner->ops->will_need(h->inner, off, len);
}

static void h_destroy(struct pm_source *src)
{
	struct hsrc *h = (struct hsrc *)src;
	pm_source_destroy(h->inner);
	free(h);
}

/* The size and the first bytes, read past the hashing of reads. */
static struct pm_error *hash_head(struct pm_batch_ident *id, struct pm_source *src)
{
	uint8_t *b = malloc(HEAD);
	if (!b)
		return &pm_enomem;
	size_t got = 0;
	struct pm_error *err = src->ops->read_at(src, 0, b, src->size < HEAD ? src->size : HEAD,
						 &got);
	if (!err) {
		EVP_DigestUpdate(id->md, "pm-id/1", 8);
		put_u64(id->md, src->size);
		put_u64(id->md, got);
		EVP_DigestUpdate(id->md, b, got);
	}
	free(b);
	return err;
}

struct pm_error *pm_batch_ident_wrap(struct pm_source *inner, struct pm_batch_ident **id,
				     struct pm_source **ret)
{
	struct pm_batch_ident *d = calloc(1, sizeof(*d));
	struct hsrc *h = calloc(1, sizeof(*h));
	if (d)
		d->md = EVP_MD_CTX_new();
	struct pm_error *err = NULL;
	if (!d || !h || !d->md || !EVP_DigestInit_ex(d->md, EVP_sha256(), NULL))
		err = pm_err(PM_ERR_NOMEM, "cannot set up SHA-256");
	if (!err)
		err = hash_head(d, inner);
	if (err) {
		pm_batch_ident_free(d);
		free(h);
		pm_source_destroy(inner);
		return err;
	}
	h->ops.name = inner->ops->name; /* what the container layer asks (a plain file?) */
	h->ops.read_at = h_read_at;
	h->ops.destroy = h_destroy;
	h->ops.has_page = inner->ops->has_page ? h_has_page : NULL;
	h->ops.map = inner->ops->map && inner->ops->unmap ? h_map : NULL;
	h->ops.unmap = inner->ops->map && inner->ops->unmap ? h_unmap : NULL;
	h->ops.will_need = inner->ops->will_need ? h_will_need : NULL;
	h->base = *inner;
	h->base.ops = &h->ops;
	h->inner = inner;
	h->id = d;
	*id = d;
	*ret = &h->base;
	return NULL;
}

struct pm_error *pm_batch_ident_sample(struct pm_batch_ident *id, const char *file)
{
	struct pm_source *src;
	PM_TRY(pm_source_open_file(file, &src));
	uint8_t *b = malloc(TAIL);
	struct pm_error *err = b ? NULL : &pm_enomem;
	uint64_t sz = src->size;
	for (unsigned i = 0; !err && i <= SAMPLES; i++) {
		/* 64 blocks spread evenly, then the last 64 KiB */
		uint64_t off = i < SAMPLES ? sz / SAMPLES * i : sz > TAIL ? sz - TAIL : 0;
		size_t len = i < SAMPLES ? SAMPLE : TAIL, got = 0;
		if (!(err = src->ops->read_at(src, off, b, len, &got))) {
			put_u64(id->md, off);
			put_u64(id->md, got);
			EVP_DigestUpdate(id->md, b, got);
		}
	}
	free(b);
	pm_source_destroy(src);
	if (!err)
		id->sampled = true;
	return err;
}

static void hex32(const unsigned char *dg, char hex[65])
{
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", dg[i]);
}

void pm_batch_ident_final(struct pm_batch_ident *id, char hex[65], const char **basis)
{
	unsigned char dg[32];
	unsigned dl = 0;
	hex[0] = 0;
	if (EVP_DigestFinal_ex(id->md, dg, &dl) && dl == 32)
		hex32(dg, hex);
	*basis = id->sampled ? "pm-id/1-sampled" : "pm-id/1";
}

void pm_batch_ident_counts(const struct pm_batch_ident *id, uint64_t *reads, uint64_t *bytes)
{
	*reads = id->reads;
	*bytes = id->bytes;
}

void pm_batch_ident_free(struct pm_batch_ident *id)
{
	if (!id)
		return;
	EVP_MD_CTX_free(id->md);
	free(id);
}

struct pm_error *pm_batch_hash_source(struct pm_source *src, char hex[65])
{
	enum { BUF = 1 << 20 };
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *b = malloc(BUF);
	struct pm_error *err = NULL;
	if (!md || !b || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		err = pm_err(PM_ERR_NOMEM, "cannot set up SHA-256");
	for (uint64_t off = 0; !err && off < src->size;) {
		size_t got = 0;
		if (!(err = src->ops->read_at(src, off, b, BUF, &got)) && !got)
			err = pm_err(PM_ERR_TRUNCATED, "%s: ends at %#llx, before its size",
				     src->name, (unsigned long long)off);
		if (!err)
			EVP_DigestUpdate(md, b, got);
		off += got;
	}
	unsigned char dg[32];
	unsigned dl = 0;
	hex[0] = 0;
	if (!err && EVP_DigestFinal_ex(md, dg, &dl) && dl == 32)
		hex32(dg, hex);
	free(b);
	EVP_MD_CTX_free(md);
	return err;
}
