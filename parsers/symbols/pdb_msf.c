// SPDX-License-Identifier: MIT
// PDB reader, the MSF 7.00 container (reference/symbols.md §1): header, block map, stream
// directory, streams read block by block into one buffer each; every block number and size
// checked before use.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdb-priv.h"

const char pm_msf7_magic[32] = "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0";
const char pm_msf2_magic[40] = "Microsoft C/C++ program database 2.00\r\n";

/* ---- MSF ------------------------------------------------------------------------------- */

bool pm_is_pdb(const uint8_t *b, size_t n)
{
	return (n >= sizeof(pm_msf7_magic) && !memcmp(b, pm_msf7_magic, sizeof(pm_msf7_magic))) ||
	       (n >= sizeof(pm_msf2_magic) - 1 && !memcmp(b, pm_msf2_magic, sizeof(pm_msf2_magic) - 1));
}

const char *pm_pdb_name(const struct pdb *p)
{
	return p->base.path;
}

static struct pm_error *read_block(struct pdb *p, uint32_t blk, uint8_t *out, size_t len,
				   const char *what)
{
	if (blk >= p->nblocks)
		return pm_err(PM_ERR_FORMAT, "%s: %s: block %" PRIu32 " is beyond the %" PRIu32
			      " blocks of the file", pm_pdb_name(p), what, blk, p->nblocks);
	struct pm_error *err = pm_source_read_exact(p->src, (uint64_t)blk * p->bs, out, len, what);
	return err ? pm_err_wrap(err, "%s", pm_pdb_name(p)) : NULL; /* name the file */
}

/* Read stream @p idx into a new buffer (*len bytes; never NULL on success). */
struct pm_error *pm_pdb_read_stream(struct pdb *p, uint32_t idx, const char *what, uint8_t **buf,
				    size_t *len)
{
	if (idx >= p->nstreams || p->ssize[idx] == UINT32_MAX)
		return pm_err(PM_ERR_FORMAT, "%s: the %s stream (%" PRIu32 ") is absent", pm_pdb_name(p),
			      what, idx);
	uint32_t size = p->ssize[idx];
	if (size > PDB_MAX_STREAM_BYTES || (uint64_t)size > (uint64_t)p->nblocks * p->bs)
		return pm_err(PM_ERR_LIMIT, "%s: the %s stream (%" PRIu32 ") claims %" PRIu32
			      " bytes, more than the file holds", pm_pdb_name(p), what, idx, size);
	uint8_t *b = malloc(size ? size : 1);
	if (!b)
		return &pm_enomem;
	uint32_t nb = (size + p->bs - 1) / p->bs;
	for (uint32_t i = 0; i < nb; i++) {
		size_t n = i + 1 < nb ? p->bs : size - (size_t)i * p->bs;
		struct pm_error *err = read_block(p, p->blocks[p->sfirst[idx] + i],
						  b + (size_t)i * p->bs, n, what);
		if (err) {
			free(b);
			return pm_err_wrap(err, "%s: %s stream (%" PRIu32 ")", pm_pdb_name(p), what, idx);
		}
	}
	*buf = b;
	*len = size;
	return NULL;
}

struct pm_error *pm_pdb_read_directory(struct pdb *p, const uint8_t *hdr, uint64_t file_size)
{
	struct pm_rd rd = pm_rd_make(hdr, 0x1000, PM_AS_FILE, 0, "MSF header");
	uint32_t fpm, dirbytes;
	PM_TRY(pm_rd_u32(&rd, 0x20, &p->bs));
	PM_TRY(pm_rd_u32(&rd, 0x24, &fpm));
	PM_TRY(pm_rd_u32(&rd, 0x28, &p->nblocks));
	PM_TRY(pm_rd_u32(&rd, 0x2C, &dirbytes));
	(void)fpm;
	if (p->bs < 512 || p->bs > 65536 || (p->bs & (p->bs - 1)))
		return pm_err(PM_ERR_FORMAT, "%s: MSF header at file offset 0x20: block size %" PRIu32
			      " is not a power of two in 512..65536", pm_pdb_name(p), p->bs);
	if (!p->nblocks || (uint64_t)p->nblocks * p->bs > file_size + p->bs)
		return pm_err(PM_ERR_TRUNCATED, "%s: MSF header at file offset 0x28: %" PRIu32
			      " blocks of %" PRIu32 " bytes, but the file has %" PRIu64 " bytes",
			      pm_pdb_name(p), p->nblocks, p->bs, file_size);
	if (!dirbytes || dirbytes > PDB_MAX_DIR_BYTES)
		return pm_err(PM_ERR_FORMAT, "%s: MSF header at file offset 0x2C: directory size %"
			      PRIu32 " is 0 or too large", pm_pdb_name(p), dirbytes);
	uint32_t ndir = (dirbytes + p->bs - 1) / p->bs;
	uint32_t nmap = (uint32_t)(((uint64_t)ndir * 4 + p->bs - 1) / p->bs);
	if (0x34 + (uint64_t)nmap * 4 > p->bs)
		return pm_err(PM_ERR_FORMAT, "%s: MSF header: %" PRIu32 " block-map blocks do not fit "
			      "in the header block", pm_pdb_name(p), nmap);
	/* the block map: the directory's block numbers */
	uint8_t *map = malloc((size_t)nmap * p->bs);
	uint8_t *dir = malloc((size_t)ndir * p->bs);
	struct pm_error *err = NULL;
	if (!map || !dir) {
		err = &pm_enomem;
		goto out;
	}
	for (uint32_t i = 0; i < nmap && !err; i++) {
		uint32_t blk;
		if (!(err = pm_rd_u32(&rd, 0x34 + 4 * (size_t)i, &blk)))
			err = read_block(p, blk, map + (size_t)i * p->bs, p->bs, "MSF block map");
	}
	struct pm_rd mrd = pm_rd_make(map, (size_t)nmap * p->bs, PM_AS_BUF, 0, "MSF block map");
	for (uint32_t i = 0; i < ndir && !err; i++) {
		uint32_t blk;
		if (!(err = pm_rd_u32(&mrd, 4 * (size_t)i, &blk)))
			err = read_block(p, blk, dir + (size_t)i * p->bs, p->bs, "MSF stream directory");
	}
	if (err)
		goto out;
	struct pm_rd d = pm_rd_make(dir, dirbytes, PM_AS_BUF, 0, "MSF stream directory");
	if ((err = pm_rd_u32(&d, 0, &p->nstreams)))
		goto out;
	if (p->nstreams > PDB_MAX_STREAMS || 4 + (uint64_t)p->nstreams * 4 > dirbytes) {
		err = pm_err(PM_ERR_FORMAT, "%s: MSF stream directory: %" PRIu32 " streams do not fit "
			     "in %" PRIu32 " bytes", pm_pdb_name(p), p->nstreams, dirbytes);
		goto out;
	}
	p->ssize = calloc(p->nstreams ? p->nstreams : 1, sizeof(*p->ssize));
	p->sfirst = calloc(p->nstreams ? p->nstreams : 1, sizeof(*p->sfirst));
	if (!p->ssize || !p->sfirst) {
		err = &pm_enomem;
		goto out;
	}
	uint64_t total = 0;
	for (uint32_t i = 0; i < p->nstreams; i++) {
		if ((err = pm_rd_u32(&d, 4 + 4 * (size_t)i, &p->ssize[i])))
			goto out;
		p->sfirst[i] = total;
		if (p->ssize[i] != UINT32_MAX)
			total += (p->ssize[i] + (uint64_t)p->bs - 1) / p->bs;
	}
	uint64_t at = 4 + (uint64_t)p->nstreams * 4;
	if (at + total * 4 > dirbytes) {
		err = pm_err(PM_ERR_FORMAT, "%s: MSF stream directory: the streams need %" PRIu64
			     " block numbers, the directory has room for %" PRIu64, pm_pdb_name(p), total,
			     (dirbytes - at) / 4);
		goto out;
	}
	p->blocks = malloc(total ? (size_t)total * 4 : 4);
	if (!p->blocks) {
		err = &pm_enomem;
		goto out;
	}
	for (uint64_t i = 0; i < total && !err; i++) {
		err = pm_rd_u32(&d, (size_t)(at + 4 * i), &p->blocks[i]);
		if (!err && p->blocks[i] >= p->nblocks)
			err = pm_err(PM_ERR_FORMAT, "%s: MSF stream directory entry %" PRIu64 ": block %"
				     PRIu32 " is beyond the %" PRIu32 " blocks of the file", pm_pdb_name(p),
				     i, p->blocks[i], p->nblocks);
	}
out:
	free(map);
	free(dir);
	return err;
}

/* ---- names in records ------------------------------------------------------------------- */

/* A NUL-terminated (or, for _ST records, length-prefixed) name at @p off: pointer and
 * length into the buffer; *next after it. */
struct pm_error *pm_pdb_name_at(const struct pm_rd *rd, size_t off, bool pascal, const char **s,
				size_t *len, size_t *next)
{
	if (pascal) {
		uint8_t l;
		PM_TRY(pm_rd_u8(rd, off, &l));
		PM_TRY(pm_rd_need(rd, off + 1, l));
		*s = (const char *)rd->buf + off + 1;
		*len = l;
		*next = off + 1 + l;
		return NULL;
	}
	if (off > rd->len)
		return pm_rd_need(rd, off, 1);
	const uint8_t *z = memchr(rd->buf + off, 0, rd->len - off);
	if (!z)
		return pm_err(PM_ERR_FORMAT, "%s at %s %#" PRIx64 ": name at +%#zx is not "
			      "terminated", rd->what, pm_as_name(rd->as), rd->base, off);
	*s = (const char *)rd->buf + off;
	*len = (size_t)(z - (rd->buf + off));
	*next = off + *len + 1;
	return NULL;
}

