// SPDX-License-Identifier: MIT
// L0 compressed sources: a gzip file (RFC 1952) or a zip member (stored or deflate, with
// ZIP64), read at random offsets through a seek index.
//
// Opening inflates the stream once and records access points every `span` bytes of output:
// the compressed offset of a deflate block boundary, the bits of the byte before it that
// belong to the block, and the 32 KiB of output before it (the dictionary the next block may
// refer to). A later read restarts a raw inflate at the nearest access point (inflatePrime +
// inflateSetDictionary) instead of at the start of the file. Decompressed 1 MiB chunks are kept
// in a small LRU cache. Memory is bounded: at most PM_Z_MAX_POINTS windows (the span doubles
// when the count would be exceeded) plus the cache.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "pm-reader.h"
#include "source.h"
#include "source_z-priv.h"
#include "source_z.h"

enum {
	WINDOW = 32768,
	CHUNK = 1 << 20,
	CACHE_CHUNKS = 16,
	IN_BUF = 1 << 18,
	PM_Z_MAX_POINTS = 1024,
};
static const uint64_t FIRST_SPAN = 4u << 20;

struct point {
	uint64_t uoff, coff;
	int bits;
	uint8_t *window; /* WINDOW bytes */
};

struct cache_slot {
	uint64_t chunk; /* chunk index + 1; 0 = empty */
	uint64_t stamp;
	uint32_t len;
	uint8_t *data;
};

struct zsrc {
	struct pm_source base;
	struct pm_source *inner; /* owned */
	char *name;
	uint64_t cstart, clen; /* compressed data in inner */
	bool stored;
	bool gzip; /* members follow each other: header, deflate data, 8-byte trailer (RFC 1952) */
	struct point *points;
	size_t npoints;
	uint64_t span;
	struct cache_slot cache[CACHE_CHUNKS];
	uint64_t clock;
	uint8_t *inbuf;
	pm_data_fn observe; /* optional: sees the output while the index is built */
	void *observe_ctx;
};

/* set by the open functions for the duration of one build_index() */
static _Thread_local pm_data_fn next_observe;
static _Thread_local void *next_observe_ctx;

static struct pm_error *zerr(int rc, const z_stream *s, const char *what)
{
	return pm_err(rc == Z_MEM_ERROR ? PM_ERR_NOMEM : PM_ERR_FORMAT, "%s: zlib error %d (%s)",
		      what, rc, s && s->msg ? s->msg : "no message");
}

static void free_points(struct zsrc *z)
{
	for (size_t i = 0; i < z->npoints; i++)
		free(z->points[i].window);
	free(z->points);
	z->points = NULL;
	z->npoints = 0;
}

static void zsrc_destroy(struct pm_source *src)
{
	struct zsrc *z = (struct zsrc *)src;
	free_points(z);
	for (int i = 0; i < CACHE_CHUNKS; i++)
		free(z->cache[i].data);
	free(z->inbuf);
	pm_source_destroy(z->inner);
	free(z->name);
	free(z);
}

/* Read compressed bytes [off, off+len) of the member into z->inbuf; returns the count. */
static struct pm_error *cread(struct zsrc *z, uint64_t off, size_t *got)
{
	size_t want = IN_BUF;
	if (off >= z->clen) {
		*got = 0;
		return NULL;
	}
	if (z->clen - off < want)
		want = (size_t)(z->clen - off);
	return z->inner->ops->read_at(z->inner, z->cstart + off, z->inbuf, want, got);
}

static struct pm_error *add_point(struct zsrc *z, uint64_t uoff, uint64_t coff, int bits,
				  const uint8_t *win, size_t wlen)
{
	if (z->npoints == PM_Z_MAX_POINTS) {
		/* keep every other point and double the span */
		size_t w = 0;
		for (size_t i = 0; i < z->npoints; i++) {
			if (i % 2 == 0)
				z->points[w++] = z->points[i];
			else
				free(z->points[i].window);
		}
		z->npoints = w;
		z->span *= 2;
	}
	if (z->npoints && uoff - z->points[z->npoints - 1].uoff < z->span)
		return NULL;
	struct point *p = &z->points[z->npoints];
	p->window = malloc(WINDOW);
	if (!p->window)
		return &pm_enomem;
	memset(p->window, 0, WINDOW);
	memcpy(p->window + (WINDOW - wlen), win, wlen);
	p->uoff = uoff;
	p->coff = coff;
	p->bits = bits;
	z->npoints++;
	return NULL;
}

/* The gzip member header at file offset @p at of @p src: where its deflate data starts. */
static struct pm_error *gz_member_header(struct pm_source *src, uint64_t at, uint64_t *data_ret)
{
	uint8_t h[10], b[2];
	PM_TRY(pm_source_read_exact(src, at, h, sizeof(h), "gzip header"));
	if (!pm_is_gzip(h, sizeof(h)))
		return pm_err(PM_ERR_FORMAT, "gzip header at file offset %#" PRIx64 ": bad magic or "
			      "method", at);
	uint64_t off = at + 10;
	if (h[3] & 4) { /* FEXTRA */
		PM_TRY(pm_source_read_exact(src, off, b, 2, "gzip FEXTRA length"));
		off += 2 + (uint64_t)(b[0] | b[1] << 8);
	}
	for (int f = 8; f <= 16; f += 8) { /* FNAME, FCOMMENT: NUL-terminated */
		if (!(h[3] & f))
			continue;
		for (unsigned k = 0;; k++) {
			if (k > 65536)
				return pm_err(PM_ERR_LIMIT, "gzip header at file offset %#" PRIx64 ": name or "
					      "comment over 64 KiB", at);
			PM_TRY(pm_source_read_exact(src, off++, b, 1, "gzip header string"));
			if (!b[0])
				break;
		}
	}
	if (h[3] & 2)
		off += 2; /* FHCRC */
	if (off + 8 > src->size)
		return pm_err(PM_ERR_TRUNCATED, "the file ends inside the gzip header at file offset %#"
			      PRIx64, at);
	*data_ret = off;
	return NULL;
}

/* A gzip member's deflate data ended at compressed offset @p end: check its trailer against
 * the @p crc and @p size its data gave; *next_ret is the next member's data (0: none). */
static struct pm_error *gz_member_end(struct zsrc *z, uint64_t end, uint32_t crc, uint64_t size,
				      unsigned member, uint64_t *next_ret)
{
	uint64_t at = z->cstart + end;
	uint8_t t[8];
	*next_ret = 0;
	if (end + 8 > z->clen)
		return pm_err(PM_ERR_TRUNCATED, "gzip member %u: the file ends at %#" PRIx64 " inside "
			      "its 8-byte trailer at file offset %#" PRIx64, member, z->inner->size, at);
	PM_TRY(pm_source_read_exact(z->inner, at, t, 8, "gzip trailer"));
	if (le32(t) != crc || le32(t + 4) != (uint32_t)size)
		return pm_err(PM_ERR_FORMAT, "gzip member %u: its trailer at file offset %#" PRIx64
			      " says CRC32 %#x / size %u, its data gives %#x / %u: the file is "
			      "corrupt", member, at, le32(t), le32(t + 4), crc,
			      (uint32_t)size);
	if (end + 8 == z->clen)
		return NULL;
	uint64_t data;
	struct pm_error *err = gz_member_header(z->inner, at + 8, &data);
	if (err) { /* anything but another member after a complete one */
		pm_error_destroy(err);
		return pm_err(PM_ERR_FORMAT, "the gzip data ends at file offset %#" PRIx64 " (member "
			      "%u complete, CRC32 correct), but %" PRIu64 " bytes of trailing "
			      "garbage follow (not a gzip member)", at + 8,
			      member, z->clen - end - 8);
	}
	*next_ret = data - z->cstart;
	return NULL;
}

/* One pass over the whole stream: builds the index, checks the CRC and the length (of each
 * gzip member against its trailer). */
static struct pm_error *build_index(struct zsrc *z, uint32_t *crc_ret, uint64_t *usize_ret)
{
	z_stream s;
	memset(&s, 0, sizeof(s));
	int rc = inflateInit2(&s, -15);
	if (rc != Z_OK)
		return zerr(rc, &s, "inflateInit2");
	uint8_t *out = malloc(WINDOW * 2); /* output ring: the last 32 KiB are always in it */
	z->points = calloc(PM_Z_MAX_POINTS, sizeof(*z->points));
	struct pm_error *err = NULL;
	if (!out || !z->points) {
		err = &pm_enomem;
		goto done;
	}
	uint64_t coff = 0, uoff = 0;
	uint32_t crc = (uint32_t)crc32(0, Z_NULL, 0);
	size_t have = 0; /* bytes of valid output in the ring, up to WINDOW */
	bool end = false;
	uint64_t mstart = 0; /* the output offset where the current gzip member starts */
	unsigned members = 0;
	/* the stream start is an access point with an empty dictionary */
	if ((err = add_point(z, 0, 0, 0, out, 0)))
		goto done;
	while (!end) {
		size_t got;
		if ((err = cread(z, coff, &got)))
			goto done;
		if (!got) {
			/* Z_BLOCK may have stopped after the last block: one more call ends it */
			uint8_t tmp[64];
			s.next_in = z->inbuf;
			s.avail_in = 0;
			s.next_out = tmp;
			s.avail_out = sizeof(tmp);
			if (inflate(&s, Z_BLOCK) == Z_STREAM_END && s.avail_out == sizeof(tmp)) {
				uint64_t next; /* gzip: the trailer is missing */
				if (z->gzip)
					err = gz_member_end(z, coff, crc, uoff - mstart, members + 1,
							    &next);
				if (err)
					goto done;
				break;
			}
			err = pm_err(PM_ERR_TRUNCATED, "%s: compressed data ends at offset %#" PRIx64
				     " before the end of the deflate stream", z->name, coff);
			goto done;
		}
		s.next_in = z->inbuf;
		s.avail_in = (uInt)got;
		uint64_t cbase = coff;
		bool full = false; /* the last call filled the output: more may be pending */
		while ((s.avail_in || full) && !end) {
			uint8_t tmp[WINDOW];
			s.next_out = tmp;
			s.avail_out = sizeof(tmp);
			rc = inflate(&s, Z_BLOCK);
			if (rc == Z_NEED_DICT)
				rc = Z_DATA_ERROR;
			if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
				err = pm_err_wrap(zerr(rc, &s, "inflate"), "%s at compressed offset %#"
						  PRIx64, z->name, cbase + (got - s.avail_in));
				goto done;
			}
			size_t n = sizeof(tmp) - s.avail_out;
			full = s.avail_out == 0;
			if (rc == Z_BUF_ERROR && !n)
				full = false; /* no progress possible without more input */
			crc = (uint32_t)crc32(crc, tmp, (uInt)n);
			if (z->observe && n)
				z->observe(z->observe_ctx, tmp, n);
			/* keep the last WINDOW bytes of output in out[WINDOW..2*WINDOW) */
			if (n >= WINDOW) {
				memcpy(out + WINDOW, tmp + n - WINDOW, WINDOW);
				have = WINDOW;
			} else if (n) {
				memmove(out + WINDOW, out + WINDOW + n, WINDOW - n);
				memcpy(out + 2 * WINDOW - n, tmp, n);
				have = have + n > WINDOW ? WINDOW : have + n;
			}
			uoff += n;
			if (rc == Z_STREAM_END) {
				end = true;
				break;
			}
			/* at a block boundary (not the last block): an access point */
			if ((s.data_type & 128) && !(s.data_type & 64) && uoff) {
				uint64_t at = cbase + (got - s.avail_in);
				if ((err = add_point(z, uoff, at, s.data_type & 7,
						     out + 2 * WINDOW - have, have)))
					goto done;
			}
		}
		coff = cbase + (got - s.avail_in);
		uint64_t next;
		if (end && z->gzip) { /* the member's trailer; another member may follow */
			if ((err = gz_member_end(z, coff, crc, uoff - mstart, ++members, &next)))
				goto done;
			if (next) {
				inflateReset(&s);
				crc = (uint32_t)crc32(0, Z_NULL, 0);
				mstart = uoff;
				coff = next;
				end = false;
			}
		}
	}
	*crc_ret = crc;
	*usize_ret = uoff;
done:
	inflateEnd(&s);
	free(out);
	return err;
}

/* Decompress chunk @p c into @p dst; returns its length. */
static struct pm_error *load_chunk(struct zsrc *z, uint64_t c, uint8_t *dst, uint32_t *len_ret)
{
	uint64_t start = c * CHUNK, want = z->base.size - start < CHUNK ? z->base.size - start : CHUNK;
	if (z->stored) {
		size_t got;
		PM_TRY(z->inner->ops->read_at(z->inner, z->cstart + start, dst, (size_t)want, &got));
		if (got < want)
			return pm_err(PM_ERR_TRUNCATED, "%s: stored data ends early", z->name);
		*len_ret = (uint32_t)want;
		return NULL;
	}
	size_t lo = 0, hi = z->npoints;
	while (hi - lo > 1) { /* last point with uoff <= start */
		size_t mid = (lo + hi) / 2;
		if (z->points[mid].uoff <= start)
			lo = mid;
		else
			hi = mid;
	}
	const struct point *p = &z->points[lo];
	z_stream s;
	memset(&s, 0, sizeof(s));
	int rc = inflateInit2(&s, -15);
	if (rc != Z_OK)
		return zerr(rc, &s, "inflateInit2");
	struct pm_error *err = NULL;
	uint64_t coff = p->coff;
	if (p->bits) {
		uint8_t b;
		size_t got;
		if ((err = z->inner->ops->read_at(z->inner, z->cstart + coff - 1, &b, 1, &got)))
			goto done;
		inflatePrime(&s, p->bits, b >> (8 - p->bits));
	}
	if (p->uoff)
		inflateSetDictionary(&s, p->window, WINDOW);
	uint64_t u = p->uoff;
	uint8_t skip[WINDOW];
	uint32_t filled = 0;
	while (filled < want) {
		size_t got;
		if ((err = cread(z, coff, &got)))
			goto done;
		if (!got) {
			err = pm_err(PM_ERR_TRUNCATED, "%s: compressed data ends early", z->name);
			goto done;
		}
		s.next_in = z->inbuf;
		s.avail_in = (uInt)got;
		while (s.avail_in && filled < want) {
			if (u < start) {
				uint64_t n = start - u < sizeof(skip) ? start - u : sizeof(skip);
				s.next_out = skip;
				s.avail_out = (uInt)n;
			} else {
				s.next_out = dst + filled;
				s.avail_out = (uInt)(want - filled);
			}
			uInt before = s.avail_out;
			rc = inflate(&s, Z_NO_FLUSH);
			if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
				err = zerr(rc, &s, z->name);
				goto done;
			}
			uInt n = before - s.avail_out;
			if (u < start)
				u += n;
			else
				filled += n;
			if (rc == Z_STREAM_END)
				break;
			if (rc == Z_BUF_ERROR && !n && s.avail_in)
				break;
		}
		coff += got - s.avail_in;
		if (rc == Z_STREAM_END && filled < want && z->gzip) {
			/* the next gzip member (trailers and headers were checked at opening) */
			uint64_t data;
			if ((err = gz_member_header(z->inner, z->cstart + coff + 8, &data)))
				goto done;
			coff = data - z->cstart;
			inflateReset(&s);
			rc = Z_OK;
		} else if (rc == Z_STREAM_END && filled < want) {
			err = pm_err(PM_ERR_TRUNCATED, "%s: stream ends before its stated size", z->name);
			goto done;
		}
	}
	*len_ret = filled;
done:
	inflateEnd(&s);
	return err;
}

static struct pm_error *zsrc_read_at(struct pm_source *src, uint64_t off, void *buf, size_t len,
				     size_t *got_ret)
{
	struct zsrc *z = (struct zsrc *)src;
	size_t done = 0;
	while (done < len && off + done < src->size) {
		uint64_t pos = off + done, c = pos / CHUNK;
		struct cache_slot *slot = NULL, *victim = &z->cache[0];
		for (int i = 0; i < CACHE_CHUNKS; i++) {
			if (z->cache[i].chunk == c + 1)
				slot = &z->cache[i];
			if (z->cache[i].stamp < victim->stamp)
				victim = &z->cache[i];
		}
		if (!slot) {
			if (!victim->data && !(victim->data = malloc(CHUNK)))
				return &pm_enomem;
			victim->chunk = 0;
			PM_TRY(load_chunk(z, c, victim->data, &victim->len));
			victim->chunk = c + 1;
			slot = victim;
		}
		slot->stamp = ++z->clock;
		uint64_t in_chunk = pos - c * CHUNK;
		if (in_chunk >= slot->len)
			break;
		size_t n = slot->len - in_chunk < len - done ? (size_t)(slot->len - in_chunk) : len - done;
		memcpy((uint8_t *)buf + done, slot->data + in_chunk, n);
		done += n;
	}
	*got_ret = done;
	return NULL;
}

static const struct pm_source_ops zsrc_ops = { "zlib", zsrc_read_at, zsrc_destroy, NULL,
					       NULL, NULL, NULL };

static struct pm_error *zsrc_new(struct pm_source *inner, const char *name, struct zsrc **ret)
{
	struct zsrc *z = calloc(1, sizeof(*z));
	char *n = strdup(name);
	uint8_t *in = malloc(IN_BUF);
	if (!z || !n || !in) {
		free(z);
		free(n);
		free(in);
		return &pm_enomem;
	}
	z->base.ops = &zsrc_ops;
	z->base.name = n;
	z->name = n;
	z->inner = inner;
	z->inbuf = in;
	z->span = FIRST_SPAN;
	z->observe = next_observe;
	z->observe_ctx = next_observe_ctx;
	*ret = z;
	return NULL;
}

/* ---- gzip (RFC 1952) ---- */

bool pm_is_gzip(const uint8_t *b, size_t n)
{
	return n >= 3 && b[0] == 0x1F && b[1] == 0x8B && b[2] == 8;
}

struct pm_error *pm_source_open_gzip(struct pm_source *inner, struct pm_source **ret)
{
	uint64_t off;
	struct pm_error *err = gz_member_header(inner, 0, &off);
	if (err) {
		pm_source_destroy(inner);
		return err;
	}
	struct zsrc *z;
	if ((err = zsrc_new(inner, inner->name, &z))) {
		pm_source_destroy(inner);
		return err;
	}
	z->gzip = true;
	z->cstart = off;
	z->clen = inner->size - off; /* every member, with its trailer (gz_member_end) */
	uint32_t crc;
	uint64_t usize;
	if ((err = build_index(z, &crc, &usize))) {
		zsrc_destroy(&z->base);
		return err;
	}
	z->base.size = usize;
	*ret = &z->base;
	return NULL;
}

/* ---- zip members (the directory is read by source_zip.c) ---- */

struct pm_error *pm_source_open_zip_member(struct pm_source *inner, const struct pm_zip_entry *e,
					   struct pm_source **ret)
{
	struct pm_error *err;
	if (e->flags & 1) {
		err = pm_err(PM_ERR_UNSUPPORTED, "zip member %s is encrypted", e->name);
		goto fail;
	}
	if (e->method != 0 && e->method != 8) {
		err = pm_err(PM_ERR_UNSUPPORTED, "zip member %s uses compression method %u (only "
			     "stored and deflate are supported)", e->name, e->method);
		goto fail;
	}
	uint8_t h[30];
	if ((err = pm_source_read_exact(inner, e->local, h, sizeof(h), "zip local header")))
		goto fail;
	if (le32(h) != 0x04034b50) {
		err = pm_err(PM_ERR_FORMAT, "zip local header of %s at file offset %#" PRIx64 ": bad "
			     "signature", e->name, e->local);
		goto fail;
	}
	uint64_t data = e->local + 30 + le16(h + 26) + le16(h + 28);
	if (data > inner->size || e->csize > inner->size - data) {
		err = pm_err(PM_ERR_TRUNCATED, "zip member %s: %" PRIu64 " compressed bytes at %#"
			     PRIx64 " extend past the end of the archive", e->name, e->csize, data);
		goto fail;
	}
	size_t nml = strlen(inner->name) + strlen(e->name) + 3;
	char *nm = malloc(nml);
	if (!nm) {
		err = &pm_enomem;
		goto fail;
	}
	snprintf(nm, nml, "%s::%s", inner->name, e->name);
	struct zsrc *z;
	err = zsrc_new(inner, nm, &z);
	free(nm);
	if (err)
		goto fail;
	z->cstart = data;
	z->clen = e->csize;
	if (e->method == 0) {
		z->stored = true;
		if (z->observe) { /* stored: stream it once for the observer */
			for (uint64_t o = 0; o < e->csize;) {
				size_t got;
				if ((err = cread(z, o, &got)) || !got) {
					zsrc_destroy(&z->base);
					return err ? err : pm_err(PM_ERR_TRUNCATED, "%s: stored data "
								  "ends early", e->name);
				}
				z->observe(z->observe_ctx, z->inbuf, got);
				o += got;
			}
		}
		if (e->csize != e->usize) {
			zsrc_destroy(&z->base);
			return pm_err(PM_ERR_FORMAT, "zip member %s: stored but sizes differ", e->name);
		}
		z->base.size = e->usize;
		*ret = &z->base;
		return NULL;
	}
	uint32_t crc;
	uint64_t usize;
	if ((err = build_index(z, &crc, &usize))) {
		zsrc_destroy(&z->base);
		return err;
	}
	if (crc != e->crc || usize != e->usize) {
		err = pm_err(PM_ERR_FORMAT, "zip member %s: CRC32 %#x / size %" PRIu64 " in the "
			     "directory, the data gives %#x / %" PRIu64 ": the archive is corrupt",
			     e->name, e->crc, e->usize, crc, usize);
		zsrc_destroy(&z->base);
		return err;
	}
	z->base.size = usize;
	*ret = &z->base;
	return NULL;
fail:
	pm_source_destroy(inner);
	return err;
}

struct pm_error *pm_source_open_observed(const char *path, pm_data_fn fn, void *ctx,
					 struct pm_source **ret, bool *observed_ret)
{
	next_observe = fn;
	next_observe_ctx = ctx;
	struct pm_error *err = pm_source_open_any(path, ret);
	next_observe = NULL;
	next_observe_ctx = NULL;
	*observed_ret = !err && (*ret)->ops == &zsrc_ops;
	return err;
}

struct pm_error *pm_z_peek_raw(struct pm_source *src, uint64_t start, uint64_t clen, bool stored,
			       uint8_t *buf, size_t n, size_t *got_ret)
{
	uint8_t in[4096];
	size_t want = clen < sizeof(in) ? (size_t)clen : sizeof(in), got;
	PM_TRY(src->ops->read_at(src, start, in, want, &got));
	if (stored) {
		size_t k = got < n ? got : n;
		memcpy(buf, in, k);
		*got_ret = k;
		return NULL;
	}
	z_stream s;
	memset(&s, 0, sizeof(s));
	if (inflateInit2(&s, -15) != Z_OK)
		return &pm_enomem;
	s.next_in = in;
	s.avail_in = (uInt)got;
	s.next_out = buf;
	s.avail_out = (uInt)n;
	int rc = inflate(&s, Z_SYNC_FLUSH);
	*got_ret = n - s.avail_out;
	inflateEnd(&s);
	if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
		return pm_err(PM_ERR_FORMAT, "%s: not a valid deflate stream", src->name);
	return NULL;
}

struct pm_error *pm_peek_gzip(struct pm_source *src, uint8_t *buf, size_t n, size_t *got_ret)
{
	uint64_t off;
	PM_TRY(gz_member_header(src, 0, &off));
	return pm_z_peek_raw(src, off, src->size - off, false, buf, n, got_ret);
}
