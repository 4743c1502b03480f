// SPDX-License-Identifier: MIT
// PDB reader (reference/symbols.md §1-§5): MSF 7.00 streams, PDB info, DBI, symbol records,
// TPI types. Every stream is materialised into one buffer and read through pm_rd; every
// count and size from the file is checked before use; type walks are depth- and
// length-limited.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdb.h"
#include "pm-reader.h"
#include "strmap.h"

static const char MSF7_MAGIC[32] = "Microsoft C/C++ MSF 7.00\r\n\x1a" "DS\0\0";
static const char MSF2_MAGIC[] = "Microsoft C/C++ program database 2.00\r\n";

/* Policy limits. */
enum {
	PDB_MAX_STREAMS = 1 << 20,
	PDB_MAX_DIR_BYTES = 64 << 20,
	PDB_MAX_FIELD_LISTS = 4096,  /* LF_INDEX continuations followed per type */
	PDB_MAX_MEMBERS = 1 << 16,
	PDB_MAX_MODIFIERS = 16,
};
static const uint64_t PDB_MAX_STREAM_BYTES = UINT64_C(1) << 30;

/* Stream numbers and leaf / symbol kinds (symbols.md §1.2, §4.2, §5.5). */
enum { S_PDB = 1, S_TPI = 2, S_DBI = 3 };
enum {
	LF_MODIFIER = 0x1001, LF_POINTER = 0x1002, LF_ARRAY_ST = 0x1003, LF_CLASS_ST = 0x1004,
	LF_STRUCTURE_ST = 0x1005, LF_UNION_ST = 0x1006, LF_ENUM_ST = 0x1007,
	LF_PROCEDURE = 0x1008, LF_MFUNCTION = 0x1009, LF_ARGLIST = 0x1201, LF_FIELDLIST = 0x1203,
	LF_BITFIELD = 0x1205, LF_BCLASS = 0x1400, LF_VBCLASS = 0x1401, LF_IVBCLASS = 0x1402,
	LF_INDEX = 0x1404, LF_MEMBER_ST = 0x1405, LF_STMEMBER_ST = 0x1406, LF_METHOD_ST = 0x1407,
	LF_NESTTYPE_ST = 0x1408, LF_VFUNCTAB = 0x1409, LF_FRIENDCLS = 0x140A,
	LF_ONEMETHOD_ST = 0x140B, LF_VFUNCOFF = 0x140C, LF_ENUMERATE_ST = 0x0403,
	LF_ENUMERATE = 0x1502, LF_ARRAY = 0x1503, LF_CLASS = 0x1504, LF_STRUCTURE = 0x1505,
	LF_UNION = 0x1506, LF_ENUM = 0x1507, LF_FRIENDFCN = 0x150C, LF_MEMBER = 0x150D,
	LF_STMEMBER = 0x150E, LF_METHOD = 0x150F, LF_NESTTYPE = 0x1510, LF_ONEMETHOD = 0x1511,
	LF_NESTTYPEEX = 0x1512, LF_STRIDED_ARRAY = 0x1516, LF_INTERFACE = 0x1519,
	LF_BINTERFACE = 0x151A, LF_CLASS2 = 0x1608, LF_STRUCTURE2 = 0x1609, LF_UNION2 = 0x160A,
	LF_INTERFACE2 = 0x160B,
};
enum {
	S_PUB32 = 0x110E, S_GDATA32 = 0x110D, S_LDATA32 = 0x110C, S_PUB32_ST = 0x1009,
	S_GDATA32_ST = 0x1008, S_LDATA32_ST = 0x1007,
};
enum { PROP_FWDREF = 0x80, PROP_UNIQUE = 0x200 };
enum { TPI_V80 = 20040203, TPI_V70 = 19990903, PDB_VC70 = 20000404 };

struct sect {
	uint32_t va, vsize;
};

struct pdb {
	struct pm_symtab base;
	struct pm_source *src;
	uint32_t bs, nblocks;
	uint32_t nstreams;
	uint32_t *ssize;  /* per stream; UINT32_MAX = nil */
	uint64_t *sfirst; /* index of the stream's first block in blocks[] */
	uint32_t *blocks;
	uint16_t symrec;  /* 0xFFFF: none */
	struct sect *sec, *osec;
	size_t nsec, nosec;
	uint32_t *omap;   /* (source RVA, target RVA) pairs, sorted by source */
	size_t nomap;
	/* symbols, on first use */
	bool syms_loaded;
	struct pm_strmap pub, alias, gdata; /* name -> RVA | 1 << 32 (RVA valid) */
	/* types, on first use */
	bool tpi_loaded;
	uint8_t *tpi;
	size_t tpi_len;
	uint32_t ti_begin, ti_end;
	uint32_t *toff; /* offset of record ti - ti_begin in tpi (at its length field) */
	struct pm_strmap udt_name, udt_unique;
	unsigned nest; /* array-in-array depth while counting elements */
};

/* ---- MSF ------------------------------------------------------------------------------- */

bool pm_is_pdb(const uint8_t *b, size_t n)
{
	return (n >= sizeof(MSF7_MAGIC) && !memcmp(b, MSF7_MAGIC, sizeof(MSF7_MAGIC))) ||
	       (n >= sizeof(MSF2_MAGIC) - 1 && !memcmp(b, MSF2_MAGIC, sizeof(MSF2_MAGIC) - 1));
}

static const char *pname(const struct pdb *p)
{
	return p->base.path;
}

static struct pm_error *read_block(struct pdb *p, uint32_t blk, uint8_t *out, size_t len,
				   const char *what)
{
	if (blk >= p->nblocks)
		return pm_err(PM_ERR_FORMAT, "%s: %s: block %" PRIu32 " is beyond the %" PRIu32
			      " blocks of the file", pname(p), what, blk, p->nblocks);
	return pm_source_read_exact(p->src, (uint64_t)blk * p->bs, out, len, what);
}

/* Read stream @p idx into a new buffer (*len bytes; never NULL on success). */
static struct pm_error *read_stream(struct pdb *p, uint32_t idx, const char *what, uint8_t **buf,
				    size_t *len)
{
	if (idx >= p->nstreams || p->ssize[idx] == UINT32_MAX)
		return pm_err(PM_ERR_FORMAT, "%s: the %s stream (%" PRIu32 ") is absent", pname(p),
			      what, idx);
	uint32_t size = p->ssize[idx];
	if (size > PDB_MAX_STREAM_BYTES || (uint64_t)size > (uint64_t)p->nblocks * p->bs)
		return pm_err(PM_ERR_LIMIT, "%s: the %s stream (%" PRIu32 ") claims %" PRIu32
			      " bytes, more than the file holds", pname(p), what, idx, size);
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
			return pm_err_wrap(err, "%s: %s stream (%" PRIu32 ")", pname(p), what, idx);
		}
	}
	*buf = b;
	*len = size;
	return NULL;
}

static struct pm_error *read_directory(struct pdb *p, const uint8_t *hdr, uint64_t file_size)
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
			      " is not a power of two in 512..65536", pname(p), p->bs);
	if (!p->nblocks || (uint64_t)p->nblocks * p->bs > file_size + p->bs)
		return pm_err(PM_ERR_TRUNCATED, "%s: MSF header at file offset 0x28: %" PRIu32
			      " blocks of %" PRIu32 " bytes, but the file has %" PRIu64 " bytes",
			      pname(p), p->nblocks, p->bs, file_size);
	if (!dirbytes || dirbytes > PDB_MAX_DIR_BYTES)
		return pm_err(PM_ERR_FORMAT, "%s: MSF header at file offset 0x2C: directory size %"
			      PRIu32 " is 0 or too large", pname(p), dirbytes);
	uint32_t ndir = (dirbytes + p->bs - 1) / p->bs;
	uint32_t nmap = (uint32_t)(((uint64_t)ndir * 4 + p->bs - 1) / p->bs);
	if (0x34 + (uint64_t)nmap * 4 > p->bs)
		return pm_err(PM_ERR_FORMAT, "%s: MSF header: %" PRIu32 " block-map blocks do not fit "
			      "in the header block", pname(p), nmap);
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
			     "in %" PRIu32 " bytes", pname(p), p->nstreams, dirbytes);
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
			     " block numbers, the directory has room for %" PRIu64, pname(p), total,
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
				     PRIu32 " is beyond the %" PRIu32 " blocks of the file", pname(p),
				     i, p->blocks[i], p->nblocks);
	}
out:
	free(map);
	free(dir);
	return err;
}

/* ---- PDB info and DBI ------------------------------------------------------------------ */

static struct pm_error *read_info(struct pdb *p)
{
	uint8_t *b;
	size_t n;
	PM_TRY(read_stream(p, S_PDB, "PDB info", &b, &n));
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_BUF, 0, "PDB info stream");
	uint32_t version, sig, age;
	struct pm_error *err = pm_rd_u32(&rd, 0, &version);
	if (!err)
		err = pm_rd_u32(&rd, 4, &sig);
	if (!err)
		err = pm_rd_u32(&rd, 8, &age);
	if (!err && version < PDB_VC70)
		err = pm_err(PM_ERR_UNSUPPORTED, "%s: PDB info stream version %" PRIu32 " predates "
			     "GUIDs (VC 7.0); the image cannot be matched", pname(p), version);
	if (!err)
		err = pm_rd_bytes(&rd, 12, p->base.id.guid, 16);
	free(b);
	p->base.id.has_guid = !err;
	(void)sig;
	(void)age; /* the DBI age is the one matched against the image (symbols.md §2.3) */
	return err;
}

static struct pm_error *read_sections(struct pdb *p, uint16_t idx, struct sect **ret, size_t *n)
{
	uint8_t *b;
	size_t len;
	PM_TRY(read_stream(p, idx, "section header", &b, &len));
	size_t cnt = len / 40;
	struct sect *s = calloc(cnt ? cnt : 1, sizeof(*s));
	if (!s) {
		free(b);
		return &pm_enomem;
	}
	struct pm_rd rd = pm_rd_make(b, len, PM_AS_BUF, 0, "section header stream");
	struct pm_error *err = NULL;
	for (size_t i = 0; i < cnt && !err; i++) {
		err = pm_rd_u32(&rd, i * 40 + 8, &s[i].vsize);
		if (!err)
			err = pm_rd_u32(&rd, i * 40 + 12, &s[i].va);
	}
	free(b);
	if (err) {
		free(s);
		return err;
	}
	*ret = s;
	*n = cnt;
	return NULL;
}

static int omap_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static struct pm_error *read_dbi(struct pdb *p)
{
	uint8_t *b;
	size_t n;
	PM_TRY(read_stream(p, S_DBI, "DBI", &b, &n));
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_BUF, 0, "DBI stream header");
	uint32_t sig, sizes[8];
	uint16_t machine;
	struct pm_error *err = pm_rd_u32(&rd, 0, &sig);
	if (!err && sig != UINT32_MAX)
		err = pm_err(PM_ERR_UNSUPPORTED, "%s: DBI stream: old (pre-VC 7) header, not "
			     "supported", pname(p));
	if (!err)
		err = pm_rd_u32(&rd, 8, &p->base.id.age);
	if (!err)
		err = pm_rd_u16(&rd, 20, &p->symrec);
	for (int i = 0; i < 8 && !err; i++)
		err = pm_rd_u32(&rd, 24 + 4 * (size_t)i, &sizes[i]);
	if (!err)
		err = pm_rd_u16(&rd, 58, &machine);
	if (err)
		goto out;
	p->base.id.ptr_size = machine == 0x8664 || machine == 0xAA64 ? 8 : machine == 0x14C ? 4 : 0;
	/* substreams: ModInfo, SectionContribution, SectionMap, SourceInfo, TypeServerMap,
	 * then EC (size at +52) and the optional debug header (size at +48) */
	uint64_t at = 64;
	for (int i = 0; i < 5; i++)
		at += sizes[i];
	at += sizes[7];
	uint32_t dbgsize = sizes[6];
	if (at + dbgsize > n) {
		err = pm_err(PM_ERR_FORMAT, "%s: DBI stream: the optional debug header (%" PRIu32
			     " bytes at %#" PRIx64 ") lies beyond the stream's %zu bytes", pname(p),
			     dbgsize, at, n);
		goto out;
	}
	uint16_t dbg[11];
	for (unsigned i = 0; i < 11; i++)
		dbg[i] = 0xFFFF;
	struct pm_rd dr = pm_rd_make(b + at, dbgsize, PM_AS_BUF, at, "DBI optional debug header");
	for (unsigned i = 0; i < 11 && 2 * (size_t)i + 2 <= dbgsize && !err; i++)
		err = pm_rd_u16(&dr, 2 * (size_t)i, &dbg[i]);
	if (err)
		goto out;
	if (dbg[5] == 0xFFFF) {
		err = pm_err(PM_ERR_FORMAT, "%s: DBI stream: no section-header stream", pname(p));
		goto out;
	}
	if ((err = read_sections(p, dbg[5], &p->sec, &p->nsec)))
		goto out;
	if (dbg[10] != 0xFFFF && dbg[4] != 0xFFFF) { /* BBT-optimised: original sections + OMAP */
		if ((err = read_sections(p, dbg[10], &p->osec, &p->nosec)))
			goto out;
		uint8_t *om;
		size_t olen;
		if ((err = read_stream(p, dbg[4], "OMAP from source", &om, &olen)))
			goto out;
		p->nomap = olen / 8;
		p->omap = malloc(p->nomap ? p->nomap * 8 : 8);
		struct pm_rd orl = pm_rd_make(om, olen, PM_AS_BUF, 0, "OMAP stream");
		for (size_t i = 0; p->omap && i < 2 * p->nomap && !err; i++)
			err = pm_rd_u32(&orl, 4 * i, &p->omap[i]);
		free(om);
		if (!p->omap)
			err = &pm_enomem;
		if (err)
			goto out;
		if (p->nomap > 1)
			qsort(p->omap, p->nomap, 8, omap_cmp);
	}
out:
	free(b);
	return err;
}

/* segment:offset -> RVA (symbols.md §3.4). */
static struct pm_error *seg_rva(const struct pdb *p, uint16_t seg, uint32_t off, uint32_t *rva)
{
	const struct sect *s = p->omap ? p->osec : p->sec;
	size_t ns = p->omap ? p->nosec : p->nsec;
	if (!seg || seg > ns)
		return pm_err(PM_ERR_FORMAT, "segment %u is not one of the %zu sections", seg, ns);
	uint64_t r = (uint64_t)s[seg - 1].va + off;
	if (r > UINT32_MAX)
		return pm_err(PM_ERR_FORMAT, "segment %u offset %#" PRIx32 " overflows", seg, off);
	if (!p->omap) {
		*rva = (uint32_t)r;
		return NULL;
	}
	size_t lo = 0, hi = p->nomap; /* last entry with source <= r */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (p->omap[2 * mid] <= r)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || !p->omap[2 * (lo - 1) + 1])
		return pm_err(PM_ERR_NOT_PRESENT, "RVA %#" PRIx64 " has no address in the final "
			      "image (OMAP)", r);
	*rva = p->omap[2 * (lo - 1) + 1] + (uint32_t)(r - p->omap[2 * (lo - 1)]);
	return NULL;
}

/* ---- names in records ------------------------------------------------------------------- */

/* A NUL-terminated (or, for _ST records, length-prefixed) name at @p off: pointer and
 * length into the buffer; *next after it. */
static struct pm_error *get_name(const struct pm_rd *rd, size_t off, bool pascal, const char **s,
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

/* ---- symbols --------------------------------------------------------------------------- */

static bool add_sym(struct pm_strmap *m, const char *s, size_t len, uint64_t v)
{
	return !len || pm_strmap_add(m, s, len, v);
}

/* x86 decorations (symbols.md §4.6): _Name, _Name@N, @Name@N -> Name. */
static void undecorate(const char *s, size_t len, const char **us, size_t *ulen)
{
	*us = s;
	*ulen = len;
	if (len > 1 && (s[0] == '_' || s[0] == '@')) {
		(*us)++;
		(*ulen)--;
		for (size_t i = *ulen; i > 0; i--) {
			if ((*us)[i - 1] == '@') {
				size_t k = i;
				while (k < *ulen && (*us)[k] >= '0' && (*us)[k] <= '9')
					k++;
				if (k == *ulen && k > i)
					*ulen = i - 1;
				break;
			}
		}
	}
}

static struct pm_error *load_syms(struct pdb *p)
{
	if (p->syms_loaded)
		return NULL;
	if (p->symrec == 0xFFFF)
		return pm_err(PM_ERR_FORMAT, "%s: no symbol-record stream (a types-only PDB?)",
			      pname(p));
	uint8_t *b;
	size_t n;
	PM_TRY(read_stream(p, p->symrec, "symbol records", &b, &n));
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_BUF, 0, "symbol record stream");
	struct pm_error *err = NULL;
	size_t off = 0;
	while (off + 4 <= n && !err) {
		uint16_t reclen, kind;
		if ((err = pm_rd_u16(&rd, off, &reclen)) || (err = pm_rd_u16(&rd, off + 2, &kind)))
			break;
		if (reclen < 2 || off + 2 + (size_t)reclen > n) {
			err = pm_err(PM_ERR_FORMAT, "%s: symbol record at stream offset %#zx: length %u "
				     "runs past the stream's %zu bytes", pname(p), off, reclen, n);
			break;
		}
		struct pm_rd r = pm_rd_make(b + off, (size_t)reclen + 2, PM_AS_BUF, off,
					    "symbol record");
		bool pub = kind == S_PUB32 || kind == S_PUB32_ST;
		bool data = kind == S_GDATA32 || kind == S_LDATA32 || kind == S_GDATA32_ST ||
			    kind == S_LDATA32_ST;
		if (pub || data) {
			uint32_t a, o;
			uint16_t seg;
			const char *s;
			size_t len, next;
			bool pascal = kind == S_PUB32_ST || kind == S_GDATA32_ST || kind == S_LDATA32_ST;
			if ((err = pm_rd_u32(&r, 4, &a)) || (err = pm_rd_u32(&r, 8, &o)) ||
			    (err = pm_rd_u16(&r, 12, &seg)) ||
			    (err = get_name(&r, 14, pascal, &s, &len, &next)))
				break;
			uint32_t rva = 0;
			struct pm_error *e = seg_rva(p, seg, o, &rva);
			uint64_t v = e ? 0 : (uint64_t)rva | UINT64_C(1) << 32;
			pm_error_destroy(e);
			bool ok;
			if (pub) {
				const char *us;
				size_t ul;
				undecorate(s, len, &us, &ul);
				ok = add_sym(&p->pub, s, len, v) && add_sym(&p->alias, us, ul, v);
			} else {
				ok = add_sym(&p->gdata, s, len, v);
			}
			if (!ok)
				err = &pm_enomem;
		}
		off += 2 + (size_t)reclen;
	}
	free(b);
	if (!err)
		p->syms_loaded = true;
	return err;
}

static struct pm_error *pdb_symbol(struct pm_symtab *t, const char *name, uint64_t *rva)
{
	struct pdb *p = (struct pdb *)t;
	PM_TRY(load_syms(p));
	size_t len = strlen(name);
	uint64_t v;
	char buf[512];
	bool found = pm_strmap_get(&p->pub, name, len, &v);
	if (!found && len + 1 < sizeof(buf)) { /* x86 cdecl */
		buf[0] = '_';
		memcpy(buf + 1, name, len);
		found = pm_strmap_get(&p->pub, buf, len + 1, &v);
	}
	if (!found)
		found = pm_strmap_get(&p->alias, name, len, &v);
	if (!found)
		found = pm_strmap_get(&p->gdata, name, len, &v);
	if (!found)
		return pm_err(PM_ERR_PROFILE, "%s: no public or global symbol %s", pname(p), name);
	if (!(v >> 32))
		return pm_err(PM_ERR_PROFILE, "%s: symbol %s has no address in the image (segment "
			      "or OMAP)", pname(p), name);
	*rva = (uint32_t)v;
	return NULL;
}

/* ---- types ----------------------------------------------------------------------------- */

static struct pm_error *numeric(const struct pm_rd *rd, size_t off, uint64_t *v, size_t *next)
{
	uint16_t w;
	PM_TRY(pm_rd_u16(rd, off, &w));
	if (w < 0x8000) {
		*v = w;
		*next = off + 2;
		return NULL;
	}
	off += 2;
	uint8_t b8;
	uint16_t b16;
	uint32_t b32;
	switch (w) {
	case 0x8000: /* LF_CHAR */
		PM_TRY(pm_rd_u8(rd, off, &b8));
		*v = (uint64_t)(int64_t)(int8_t)b8;
		*next = off + 1;
		return NULL;
	case 0x8001: /* LF_SHORT */
	case 0x8002: /* LF_USHORT */
		PM_TRY(pm_rd_u16(rd, off, &b16));
		*v = w == 0x8001 ? (uint64_t)(int64_t)(int16_t)b16 : b16;
		*next = off + 2;
		return NULL;
	case 0x8003: /* LF_LONG */
	case 0x8004: /* LF_ULONG */
		PM_TRY(pm_rd_u32(rd, off, &b32));
		*v = w == 0x8003 ? (uint64_t)(int64_t)(int32_t)b32 : b32;
		*next = off + 4;
		return NULL;
	case 0x8009: /* LF_QUADWORD */
	case 0x800A: /* LF_UQUADWORD */
		PM_TRY(pm_rd_u64(rd, off, v));
		*next = off + 8;
		return NULL;
	default:
		return pm_err(PM_ERR_UNSUPPORTED, "%s at %s %#" PRIx64 ": numeric leaf %#x at +%#zx "
			      "is not an integer", rd->what, pm_as_name(rd->as), rd->base, w, off - 2);
	}
}

/* The record of type @p ti: its leaf kind and a reader over its payload. */
static struct pm_error *rec(const struct pdb *p, uint32_t ti, uint16_t *kind, struct pm_rd *rd)
{
	if (ti < p->ti_begin || ti >= p->ti_end)
		return pm_err(PM_ERR_FORMAT, "%s: type index %#" PRIx32 " is outside %#" PRIx32
			      "..%#" PRIx32, pname(p), ti, p->ti_begin, p->ti_end);
	size_t at = p->toff[ti - p->ti_begin];
	uint16_t len = (uint16_t)(p->tpi[at] | p->tpi[at + 1] << 8);
	*kind = (uint16_t)(p->tpi[at + 2] | p->tpi[at + 3] << 8);
	*rd = pm_rd_make(p->tpi + at + 4, (size_t)len - 2, PM_AS_BUF, ti, "type record");
	return NULL;
}

static bool is_udt(uint16_t k)
{
	switch (k) {
	case LF_STRUCTURE: case LF_CLASS: case LF_INTERFACE: case LF_UNION: case LF_ENUM:
	case LF_STRUCTURE_ST: case LF_CLASS_ST: case LF_UNION_ST: case LF_ENUM_ST:
	case LF_STRUCTURE2: case LF_CLASS2: case LF_UNION2: case LF_INTERFACE2:
		return true;
	default:
		return false;
	}
}

struct udt {
	enum pm_tkind kind;
	uint32_t prop;
	uint32_t field;   /* field list TI */
	uint32_t utype;   /* enum: underlying type */
	uint64_t size;
	bool has_size;
	const char *name, *uname;
	size_t nlen, ulen;
};

static struct pm_error *parse_udt(uint16_t k, const struct pm_rd *rd, struct udt *u)
{
	memset(u, 0, sizeof(*u));
	bool pascal = k == LF_STRUCTURE_ST || k == LF_CLASS_ST || k == LF_UNION_ST ||
		      k == LF_ENUM_ST;
	size_t at;
	uint16_t p16;
	switch (k) {
	case LF_STRUCTURE: case LF_CLASS: case LF_INTERFACE: case LF_STRUCTURE_ST:
	case LF_CLASS_ST:
		u->kind = PM_TK_STRUCT;
		PM_TRY(pm_rd_u16(rd, 2, &p16));
		u->prop = p16;
		PM_TRY(pm_rd_u32(rd, 4, &u->field));
		PM_TRY(numeric(rd, 16, &u->size, &at));
		u->has_size = true;
		break;
	case LF_UNION: case LF_UNION_ST:
		u->kind = PM_TK_UNION;
		PM_TRY(pm_rd_u16(rd, 2, &p16));
		u->prop = p16;
		PM_TRY(pm_rd_u32(rd, 4, &u->field));
		PM_TRY(numeric(rd, 8, &u->size, &at));
		u->has_size = true;
		break;
	case LF_ENUM: case LF_ENUM_ST:
		u->kind = PM_TK_ENUM;
		PM_TRY(pm_rd_u16(rd, 2, &p16));
		u->prop = p16;
		PM_TRY(pm_rd_u32(rd, 4, &u->utype));
		PM_TRY(pm_rd_u32(rd, 8, &u->field));
		at = 12;
		break;
	default: /* the newer records: LF_STRUCTURE2 and family (symbols.md §5.5) */
		u->kind = k == LF_UNION2 ? PM_TK_UNION : PM_TK_STRUCT;
		PM_TRY(pm_rd_u32(rd, 0, &u->prop));
		PM_TRY(pm_rd_u32(rd, 4, &u->field));
		PM_TRY(numeric(rd, 18, &u->size, &at));
		u->has_size = true;
		break;
	}
	PM_TRY(get_name(rd, at, pascal, &u->name, &u->nlen, &at));
	if (u->prop & PROP_UNIQUE)
		PM_TRY(get_name(rd, at, pascal, &u->uname, &u->ulen, &at));
	if (u->prop & PROP_FWDREF)
		u->has_size = false;
	return NULL;
}

static bool anon_name(const char *s, size_t n)
{
	return !n || (n >= 9 && !memcmp(s, "<unnamed-", 9)) || (n >= 10 && !memcmp(s, "__unnamed", 9)) ||
	       (n >= 11 && !memcmp(s, "<anonymous-", 11));
}

static struct pm_error *load_tpi_once(struct pdb *p);

/* Load and index TPI on first use; a failure leaves nothing behind (the next use retries). */
static struct pm_error *load_tpi(struct pdb *p)
{
	if (p->tpi_loaded)
		return NULL;
	struct pm_error *err = load_tpi_once(p);
	if (err) {
		free(p->tpi);
		free(p->toff);
		p->tpi = NULL;
		p->toff = NULL;
		pm_strmap_free(&p->udt_name);
		pm_strmap_free(&p->udt_unique);
	}
	return err;
}

static struct pm_error *load_tpi_once(struct pdb *p)
{
	PM_TRY(read_stream(p, S_TPI, "TPI", &p->tpi, &p->tpi_len));
	struct pm_rd rd = pm_rd_make(p->tpi, p->tpi_len, PM_AS_BUF, 0, "TPI stream header");
	uint32_t version, hsize, rbytes;
	PM_TRY(pm_rd_u32(&rd, 0, &version));
	PM_TRY(pm_rd_u32(&rd, 4, &hsize));
	PM_TRY(pm_rd_u32(&rd, 8, &p->ti_begin));
	PM_TRY(pm_rd_u32(&rd, 12, &p->ti_end));
	PM_TRY(pm_rd_u32(&rd, 16, &rbytes));
	if (version != TPI_V80 && version != TPI_V70)
		return pm_err(PM_ERR_UNSUPPORTED, "%s: TPI stream version %" PRIu32 " (known: %d, %d)",
			      pname(p), version, TPI_V80, TPI_V70);
	if (hsize < 56 || hsize > p->tpi_len || rbytes > p->tpi_len - hsize)
		return pm_err(PM_ERR_FORMAT, "%s: TPI stream header: %" PRIu32 " header bytes and %"
			      PRIu32 " record bytes do not fit in the stream's %zu", pname(p), hsize,
			      rbytes, p->tpi_len);
	if (p->ti_begin < 0x1000 || p->ti_end < p->ti_begin ||
	    (uint64_t)(p->ti_end - p->ti_begin) * 4 > rbytes)
		return pm_err(PM_ERR_FORMAT, "%s: TPI stream header: type indices %#" PRIx32 "..%#"
			      PRIx32 " do not fit in %" PRIu32 " record bytes", pname(p),
			      p->ti_begin, p->ti_end, rbytes);
	uint32_t count = p->ti_end - p->ti_begin;
	p->toff = malloc(count ? (size_t)count * 4 : 4);
	if (!p->toff)
		return &pm_enomem;
	size_t off = hsize, end = (size_t)hsize + rbytes;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t len = 0;
		if (off + 4 <= end)
			PM_TRY(pm_rd_u16(&rd, off, &len));
		if (off + 4 > end || len < 2 || off + 2 + (size_t)len > end)
			return pm_err(PM_ERR_FORMAT, "%s: TPI record %#" PRIx32 " at stream offset %#zx "
				      "runs past the records' end (%#zx)", pname(p),
				      p->ti_begin + i, off, end);
		p->toff[i] = (uint32_t)off;
		off += 2 + (size_t)len;
	}
	for (uint32_t i = 0; i < count; i++) {
		uint16_t k;
		struct pm_rd r;
		PM_TRY(rec(p, p->ti_begin + i, &k, &r));
		if (!is_udt(k))
			continue;
		struct udt u;
		struct pm_error *e = parse_udt(k, &r, &u);
		if (e) { /* a record we cannot parse is found by nothing */
			pm_error_destroy(e);
			continue;
		}
		if ((u.prop & PROP_FWDREF) || anon_name(u.name, u.nlen))
			continue;
		if (!pm_strmap_add(&p->udt_name, u.name, u.nlen, p->ti_begin + i) ||
		    (u.ulen && !pm_strmap_add(&p->udt_unique, u.uname, u.ulen, p->ti_begin + i)))
			return &pm_enomem;
	}
	p->tpi_loaded = true;
	return NULL;
}

/* Simple types (symbols.md §5.3). */
static bool simple_base(uint32_t kind, struct pm_tinfo *t)
{
	static const struct {
		uint8_t kind, size;
		bool sign;
		enum pm_base_class bc;
		const char *name;
	} tab[] = {
		{ 0x08, 4, true, PM_BC_INT, "HRESULT" },
		{ 0x10, 1, true, PM_BC_CHAR, "signed char" },
		{ 0x20, 1, false, PM_BC_CHAR, "unsigned char" },
		{ 0x70, 1, true, PM_BC_CHAR, "char" },
		{ 0x71, 2, false, PM_BC_WCHAR, "wchar_t" },
		{ 0x7A, 2, false, PM_BC_WCHAR, "char16_t" },
		{ 0x7B, 4, false, PM_BC_WCHAR, "char32_t" },
		{ 0x7C, 1, false, PM_BC_CHAR, "char8_t" },
		{ 0x68, 1, true, PM_BC_INT, "__int8" },
		{ 0x69, 1, false, PM_BC_INT, "unsigned __int8" },
		{ 0x11, 2, true, PM_BC_INT, "short" },
		{ 0x21, 2, false, PM_BC_INT, "unsigned short" },
		{ 0x72, 2, true, PM_BC_INT, "__int16" },
		{ 0x73, 2, false, PM_BC_INT, "unsigned __int16" },
		{ 0x12, 4, true, PM_BC_INT, "long" },
		{ 0x22, 4, false, PM_BC_INT, "unsigned long" },
		{ 0x74, 4, true, PM_BC_INT, "int" },
		{ 0x75, 4, false, PM_BC_INT, "unsigned int" },
		{ 0x13, 8, true, PM_BC_INT, "__int64" },
		{ 0x23, 8, false, PM_BC_INT, "unsigned __int64" },
		{ 0x76, 8, true, PM_BC_INT, "__int64" },
		{ 0x77, 8, false, PM_BC_INT, "unsigned __int64" },
		{ 0x14, 16, true, PM_BC_INT, "__int128" },
		{ 0x24, 16, false, PM_BC_INT, "unsigned __int128" },
		{ 0x78, 16, true, PM_BC_INT, "__int128" },
		{ 0x79, 16, false, PM_BC_INT, "unsigned __int128" },
		{ 0x30, 1, false, PM_BC_BOOL, "bool" },
		{ 0x31, 2, false, PM_BC_BOOL, "bool16" },
		{ 0x32, 4, false, PM_BC_BOOL, "bool32" },
		{ 0x33, 8, false, PM_BC_BOOL, "bool64" },
		{ 0x40, 4, true, PM_BC_FLOAT, "float" },
		{ 0x41, 8, true, PM_BC_FLOAT, "double" },
		{ 0x42, 10, true, PM_BC_FLOAT, "long double" },
		{ 0x43, 16, true, PM_BC_FLOAT, "__float128" },
		{ 0x46, 2, true, PM_BC_FLOAT, "half" },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (tab[i].kind != kind)
			continue;
		t->kind = PM_TK_BASE;
		t->has_size = true;
		t->size = tab[i].size;
		t->is_signed = tab[i].sign;
		t->base_class = tab[i].bc;
		snprintf(t->name, sizeof(t->name), "%s", tab[i].name);
		return true;
	}
	return false;
}

static struct pm_error *describe(struct pdb *p, uint32_t ti, struct pm_tinfo *t, unsigned depth);

/* A forward reference's definition, or the record itself. */
static uint32_t resolve_fwd(struct pdb *p, uint32_t ti, const struct udt *u)
{
	uint64_t v;
	if (!(u->prop & PROP_FWDREF))
		return ti;
	if (u->ulen && pm_strmap_get(&p->udt_unique, u->uname, u->ulen, &v))
		return (uint32_t)v;
	if (!anon_name(u->name, u->nlen) && pm_strmap_get(&p->udt_name, u->name, u->nlen, &v))
		return (uint32_t)v;
	return ti;
}

static struct pm_error *describe(struct pdb *p, uint32_t ti, struct pm_tinfo *t, unsigned depth)
{
	memset(t, 0, sizeof(*t));
	if (depth > PDB_MAX_MODIFIERS)
		return pm_err(PM_ERR_LIMIT, "%s: type %#" PRIx32 ": modifiers nested too deep",
			      pname(p), ti);
	if (ti < 0x1000) {
		uint32_t kind = ti & 0xFF, mode = (ti >> 8) & 7;
		if (mode == 4 || mode == 6) {
			t->kind = PM_TK_POINTER;
			t->has_size = true;
			t->size = mode == 4 ? 4 : 8;
			t->target = kind;
			return NULL;
		}
		if (mode)
			return pm_err(PM_ERR_UNSUPPORTED, "%s: simple type %#" PRIx32 " (16-bit pointer "
				      "mode %" PRIu32 ")", pname(p), ti, mode);
		if (kind == 0x03) {
			t->kind = PM_TK_VOID;
			snprintf(t->name, sizeof(t->name), "void");
			return NULL;
		}
		if (!simple_base(kind, t))
			return pm_err(PM_ERR_UNSUPPORTED, "%s: simple type %#" PRIx32 " is not known",
				      pname(p), ti);
		return NULL;
	}
	PM_TRY(load_tpi(p));
	uint16_t k;
	struct pm_rd rd;
	PM_TRY(rec(p, ti, &k, &rd));
	uint32_t a, b;
	uint8_t len, pos;
	size_t next;
	switch (k) {
	case LF_MODIFIER:
		PM_TRY(pm_rd_u32(&rd, 0, &a));
		return describe(p, a, t, depth + 1);
	case LF_POINTER:
		PM_TRY(pm_rd_u32(&rd, 0, &a));
		PM_TRY(pm_rd_u32(&rd, 4, &b));
		t->kind = PM_TK_POINTER;
		t->has_size = true;
		t->size = (b >> 13) & 0x3F;
		if (!t->size)
			t->size = (b & 0x1F) == 0x0C ? 8 : 4;
		t->target = a;
		return NULL;
	case LF_ARRAY:
	case LF_ARRAY_ST:
	case LF_STRIDED_ARRAY:
		PM_TRY(pm_rd_u32(&rd, 0, &a));
		t->kind = PM_TK_ARRAY;
		t->target = a;
		PM_TRY(numeric(&rd, k == LF_STRIDED_ARRAY ? 12 : 8, &t->size, &next));
		t->has_size = true;
		if (p->nest < PDB_MAX_MODIFIERS) { /* element size, for the count; arrays nest */
			uint64_t el = 0;
			p->nest++;
			struct pm_error *e = pm_sym_tsize(&p->base, a, &el);
			p->nest--;
			t->count = !e && el ? t->size / el : 0;
			pm_error_destroy(e);
		}
		return NULL;
	case LF_BITFIELD:
		PM_TRY(pm_rd_u32(&rd, 0, &a));
		PM_TRY(pm_rd_u8(&rd, 4, &len));
		PM_TRY(pm_rd_u8(&rd, 5, &pos));
		t->kind = PM_TK_BITFIELD;
		t->target = a;
		t->bitlen = len;
		t->bitpos = pos;
		return NULL;
	case LF_PROCEDURE:
	case LF_MFUNCTION:
		t->kind = PM_TK_FUNCTION;
		snprintf(t->name, sizeof(t->name), "function");
		return NULL;
	default:
		break;
	}
	if (!is_udt(k)) {
		t->kind = PM_TK_OTHER;
		snprintf(t->name, sizeof(t->name), "leaf %#x", k);
		return NULL;
	}
	struct udt u;
	PM_TRY(parse_udt(k, &rd, &u));
	uint32_t def = resolve_fwd(p, ti, &u);
	if (def != ti) {
		PM_TRY(rec(p, def, &k, &rd));
		PM_TRY(parse_udt(k, &rd, &u));
	}
	t->kind = u.kind;
	t->has_size = u.has_size;
	t->size = u.size;
	t->anonymous = anon_name(u.name, u.nlen);
	snprintf(t->name, sizeof(t->name), "%.*s", (int)(u.nlen < 255 ? u.nlen : 255), u.name);
	if (u.kind == PM_TK_ENUM) {
		t->target = u.utype;
		t->has_size = false;
	}
	return NULL;
}

static struct pm_error *pdb_describe(struct pm_symtab *t, pm_tref ty, struct pm_tinfo *ret)
{
	if (ty > UINT32_MAX)
		return pm_err(PM_ERR_FORMAT, "type handle %#" PRIx64 " is not a type index", ty);
	return describe((struct pdb *)t, (uint32_t)ty, ret, 0);
}

static struct pm_error *pdb_find_type(struct pm_symtab *t, const char *name, pm_tref *ret)
{
	struct pdb *p = (struct pdb *)t;
	PM_TRY(load_tpi(p));
	uint64_t v;
	size_t len = strlen(name);
	if (pm_strmap_get(&p->udt_name, name, len, &v) ||
	    pm_strmap_get(&p->udt_unique, name, len, &v)) {
		*ret = v;
		return NULL;
	}
	return pm_err(PM_ERR_PROFILE, "%s: no type %s", pname(p), name);
}

/* Skip one field-list sub-record we do not keep; *next after it. Names are length-prefixed in
 * the _ST leaves (below 0x1500) and NUL-terminated in the others, whatever the TPI version. */
static struct pm_error *skip_member(const struct pm_rd *rd, size_t at, uint16_t leaf,
				    size_t *next)
{
	const char *s;
	size_t n, o;
	uint64_t v;
	uint16_t attrs;
	switch (leaf) {
	case LF_STMEMBER: case LF_STMEMBER_ST: /* attrs, type, name */
	case LF_NESTTYPEEX:
	case LF_NESTTYPE: case LF_NESTTYPE_ST: /* pad/attrs, type, name */
	case LF_FRIENDFCN:
		return get_name(rd, at + 6, leaf == LF_STMEMBER_ST || leaf == LF_NESTTYPE_ST, &s, &n,
				next);
	case LF_ENUMERATE: case LF_ENUMERATE_ST:
		PM_TRY(numeric(rd, at + 2, &v, &o));
		return get_name(rd, o, leaf == LF_ENUMERATE_ST, &s, &n, next);
	case LF_VFUNCTAB: case LF_FRIENDCLS:
		PM_TRY(pm_rd_need(rd, at, 6));
		*next = at + 6;
		return NULL;
	case LF_VFUNCOFF:
		PM_TRY(pm_rd_need(rd, at, 10));
		*next = at + 10;
		return NULL;
	case LF_VBCLASS: case LF_IVBCLASS:
		PM_TRY(numeric(rd, at + 10, &v, &o));
		return numeric(rd, o, &v, next);
	case LF_METHOD: case LF_METHOD_ST: /* count, method list, name */
		return get_name(rd, at + 6, leaf == LF_METHOD_ST, &s, &n, next);
	case LF_ONEMETHOD: case LF_ONEMETHOD_ST: /* attrs, type, [vbaseoff], name */
		PM_TRY(pm_rd_u16(rd, at, &attrs));
		o = at + 6;
		if (((attrs >> 2) & 7) == 4 || ((attrs >> 2) & 7) == 6)
			o += 4;
		return get_name(rd, o, leaf == LF_ONEMETHOD_ST, &s, &n, next);
	default:
		return pm_err(PM_ERR_UNSUPPORTED, "%s at %s %#" PRIx64 ": field-list member leaf %#x "
			      "at +%#zx is not known; the rest of the list cannot be read", rd->what,
			      pm_as_name(rd->as), rd->base, leaf, at - 2);
	}
}

static struct pm_error *pdb_members(struct pm_symtab *t, pm_tref ty, struct pm_tmember **ret,
				    size_t *nret)
{
	struct pdb *p = (struct pdb *)t;
	PM_TRY(load_tpi(p));
	if (ty < p->ti_begin || ty >= p->ti_end)
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " has no members", pname(p), ty);
	uint16_t k;
	struct pm_rd rd;
	PM_TRY(rec(p, (uint32_t)ty, &k, &rd));
	if (!is_udt(k))
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " is not a structure", pname(p), ty);
	struct udt u;
	PM_TRY(parse_udt(k, &rd, &u));
	uint32_t def = resolve_fwd(p, (uint32_t)ty, &u);
	if (def != ty) {
		PM_TRY(rec(p, def, &k, &rd));
		PM_TRY(parse_udt(k, &rd, &u));
	}
	if (u.prop & PROP_FWDREF)
		return pm_err(PM_ERR_PROFILE, "%s: %.*s is declared but never defined", pname(p),
			      (int)u.nlen, u.name);
	struct pm_tmember *m = NULL;
	size_t n = 0, cap = 0;
	struct pm_error *err = NULL;
	uint32_t fl = u.field;
	for (unsigned lists = 0; fl && !err; lists++) {
		if (lists >= PDB_MAX_FIELD_LISTS) {
			err = pm_err(PM_ERR_LIMIT, "%s: %.*s: more than %d chained field lists (a "
				     "cycle?)", pname(p), (int)u.nlen, u.name, PDB_MAX_FIELD_LISTS);
			break;
		}
		struct pm_rd f;
		uint16_t fk;
		if ((err = rec(p, fl, &fk, &f)))
			break;
		if (fk != LF_FIELDLIST) {
			err = pm_err(PM_ERR_FORMAT, "%s: type %#" PRIx32 " should be a field list, is "
				     "leaf %#x", pname(p), fl, fk);
			break;
		}
		fl = 0;
		size_t at = 0;
		while (at < f.len && !err) {
			if (f.buf[at] >= 0xF0) { /* LF_PADn: skip n bytes */
				at += (f.buf[at] & 0x0F) ? (size_t)(f.buf[at] & 0x0F) : 1;
				continue;
			}
			uint16_t leaf;
			if ((err = pm_rd_u16(&f, at, &leaf)))
				break;
			at += 2;
			size_t next = 0;
			if (leaf == LF_INDEX) {
				uint32_t cont;
				if (!(err = pm_rd_u32(&f, at + 2, &cont)))
					fl = cont;
				at = f.len; /* the continuation ends this list */
				continue;
			}
			bool is_member = leaf == LF_MEMBER || leaf == LF_MEMBER_ST;
			bool is_base = leaf == LF_BCLASS || leaf == LF_BINTERFACE;
			if (!is_member && !is_base) {
				err = skip_member(&f, at, leaf, &next);
				at = next;
				continue;
			}
			uint32_t mt;
			uint64_t off;
			const char *s = "";
			size_t sl = 0;
			if ((err = pm_rd_u32(&f, at + 2, &mt)) || (err = numeric(&f, at + 6, &off, &next)))
				break;
			if (is_member && (err = get_name(&f, next, leaf == LF_MEMBER_ST, &s, &sl, &next)))
				break;
			at = next;
			if (n == cap) {
				if (cap >= PDB_MAX_MEMBERS) {
					err = pm_err(PM_ERR_LIMIT, "%s: %.*s has more than %d members",
						     pname(p), (int)u.nlen, u.name, PDB_MAX_MEMBERS);
					break;
				}
				cap = cap ? cap * 2 : 16;
				struct pm_tmember *m2 = realloc(m, cap * sizeof(*m2));
				if (!m2) {
					err = &pm_enomem;
					break;
				}
				m = m2;
			}
			memset(&m[n], 0, sizeof(m[n]));
			snprintf(m[n].name, sizeof(m[n].name), "%.*s", (int)(sl < 255 ? sl : 255), s);
			m[n].offset = off;
			m[n].type = mt;
			m[n].anonymous = is_base || anon_name(s, sl);
			n++;
		}
	}
	if (err) {
		free(m);
		return err;
	}
	*ret = m;
	*nret = n;
	return NULL;
}

static struct pm_error *pdb_enumerators(struct pm_symtab *t, pm_tref ty,
				       struct pm_tenumerator **ret, size_t *nret)
{
	struct pdb *p = (struct pdb *)t;
	PM_TRY(load_tpi(p));
	if (ty < p->ti_begin || ty >= p->ti_end)
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " is not an enum", pname(p), ty);
	uint16_t k;
	struct pm_rd rd;
	PM_TRY(rec(p, (uint32_t)ty, &k, &rd));
	struct udt u;
	if (k != LF_ENUM && k != LF_ENUM_ST)
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " is not an enum", pname(p), ty);
	PM_TRY(parse_udt(k, &rd, &u));
	uint32_t def = resolve_fwd(p, (uint32_t)ty, &u);
	if (def != ty) {
		PM_TRY(rec(p, def, &k, &rd));
		PM_TRY(parse_udt(k, &rd, &u));
	}
	struct pm_tinfo base; /* values are stored unsigned; read them as the underlying type */
	PM_TRY(describe(p, u.utype, &base, 0));
	struct pm_tenumerator *e = NULL;
	size_t n = 0, cap = 0;
	struct pm_error *err = NULL;
	struct pm_rd f;
	uint16_t fk;
	if (u.field && !(err = rec(p, u.field, &fk, &f)) && fk != LF_FIELDLIST)
		err = pm_err(PM_ERR_FORMAT, "%s: type %#" PRIx32 " should be a field list", pname(p),
			     u.field);
	size_t at = 0;
	while (u.field && !err && at < f.len) {
		if (f.buf[at] >= 0xF0) {
			at += (f.buf[at] & 0x0F) ? (size_t)(f.buf[at] & 0x0F) : 1;
			continue;
		}
		uint16_t leaf;
		uint64_t v;
		const char *s;
		size_t sl, next;
		if ((err = pm_rd_u16(&f, at, &leaf)))
			break;
		if (leaf != LF_ENUMERATE && leaf != LF_ENUMERATE_ST) {
			err = pm_err(PM_ERR_FORMAT, "%s: enum field list %#" PRIx32 ": leaf %#x is not "
				     "an enumerator", pname(p), u.field, leaf);
			break;
		}
		if ((err = numeric(&f, at + 4, &v, &next)) ||
		    (err = get_name(&f, next, leaf == LF_ENUMERATE_ST, &s, &sl, &next)))
			break;
		at = next;
		if (n == cap) {
			if (cap >= PDB_MAX_MEMBERS) {
				err = pm_err(PM_ERR_LIMIT, "%s: enum with more than %d constants", pname(p),
					     PDB_MAX_MEMBERS);
				break;
			}
			cap = cap ? cap * 2 : 16;
			struct pm_tenumerator *e2 = realloc(e, cap * sizeof(*e2));
			if (!e2) {
				err = &pm_enomem;
				break;
			}
			e = e2;
		}
		snprintf(e[n].name, sizeof(e[n].name), "%.*s", (int)(sl < 255 ? sl : 255), s);
		if (base.is_signed && base.size == 4)
			v = (uint64_t)(int64_t)(int32_t)(uint32_t)v;
		else if (base.is_signed && base.size == 2)
			v = (uint64_t)(int64_t)(int16_t)(uint16_t)v;
		else if (base.is_signed && base.size == 1)
			v = (uint64_t)(int64_t)(int8_t)(uint8_t)v;
		e[n].value = (int64_t)v;
		n++;
	}
	if (err) {
		free(e);
		return err;
	}
	*ret = e;
	*nret = n;
	return NULL;
}

static void pdb_destroy(struct pm_symtab *t)
{
	struct pdb *p = (struct pdb *)t;
	pm_source_destroy(p->src);
	free(p->ssize);
	free(p->sfirst);
	free(p->blocks);
	free(p->sec);
	free(p->osec);
	free(p->omap);
	pm_strmap_free(&p->pub);
	pm_strmap_free(&p->alias);
	pm_strmap_free(&p->gdata);
	free(p->tpi);
	free(p->toff);
	pm_strmap_free(&p->udt_name);
	pm_strmap_free(&p->udt_unique);
	free(p->base.path);
	free(p);
}

static const struct pm_symtab_ops pdb_ops = { pdb_symbol, pdb_find_type, pdb_describe,
					      pdb_members, pdb_enumerators, pdb_destroy };

struct pm_error *pm_pdb_open(struct pm_source *src, const char *path, struct pm_symtab **ret)
{
	struct pdb *p = calloc(1, sizeof(*p));
	char *pp = strdup(path);
	uint8_t *hdr = calloc(1, 0x1000);
	if (!p || !pp || !hdr) {
		free(p);
		free(pp);
		free(hdr);
		pm_source_destroy(src);
		return &pm_enomem;
	}
	p->base.ops = &pdb_ops;
	p->base.path = pp;
	p->src = src;
	snprintf(p->base.id.format, sizeof(p->base.id.format), "PDB");
	const char *base = strrchr(path, '/');
	snprintf(p->base.id.pdb_name, sizeof(p->base.id.pdb_name), "%s", base ? base + 1 : path);
	size_t got = 0;
	struct pm_error *err = src->ops->read_at(src, 0, hdr, 0x1000, &got);
	if (!err && got >= sizeof(MSF2_MAGIC) - 1 && !memcmp(hdr, MSF2_MAGIC, sizeof(MSF2_MAGIC) - 1))
		err = pm_err(PM_ERR_UNSUPPORTED, "%s: an MSF 2.00 (\"JG\", Windows 2000-era) PDB; only "
			     "MSF 7.00 PDBs can be read", path);
	else if (!err && (got < 0x38 || memcmp(hdr, MSF7_MAGIC, sizeof(MSF7_MAGIC))))
		err = pm_err(PM_ERR_FORMAT, "%s: no MSF 7.00 signature at file offset 0: not a PDB",
			     path);
	if (!err)
		err = read_directory(p, hdr, src->size);
	if (!err)
		err = read_info(p);
	if (!err)
		err = read_dbi(p);
	free(hdr);
	if (err) {
		pdb_destroy(&p->base);
		return err;
	}
	*ret = &p->base;
	return NULL;
}
