// SPDX-License-Identifier: MIT
// PDB reader (reference/symbols.md §1-§5), as a pm_symtab: opening (MSF 7.00 in pdb_msf.c),
// the PDB info stream (GUID), DBI (age, machine, section headers, OMAP), the symbol records
// (publics and globals, indexed by name on first use); the types are in pdb_types.c.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdb-priv.h"

/* ---- PDB info and DBI ------------------------------------------------------------------ */

static struct pm_error *read_info(struct pdb *p)
{
	uint8_t *b;
	size_t n;
	PM_TRY(pm_pdb_read_stream(p, S_PDB, "PDB info", &b, &n));
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_BUF, 0, "PDB info stream");
	uint32_t version = 0, sig = 0, age = 0;
	struct pm_error *err = pm_rd_u32(&rd, 0, &version);
	if (!err)
		err = pm_rd_u32(&rd, 4, &sig);
	if (!err)
		err = pm_rd_u32(&rd, 8, &age);
	if (!err && version < PDB_VC70)
		err = pm_err(PM_ERR_UNSUPPORTED, "%s: PDB info stream version %" PRIu32 " predates "
			     "GUIDs (VC 7.0); the image cannot be matched", pm_pdb_name(p), version);
	if (!err)
		err = pm_rd_bytes(&rd, 12, p->base.id.guid, 16);
	free(b);
	p->base.id.has_guid = !err;
	(void)sig;
	/* The DBI age is the one matched first against the image (symbols.md §2.3); real PDBs may
	 * carry a higher PDB-info age (amdppm.pdb: 3, DBI 1, image 1), kept for the report. */
	p->base.id.has_info_age = !err;
	p->base.id.info_age = age;
	return err;
}

static struct pm_error *read_sections(struct pdb *p, uint16_t idx, struct sect **ret, size_t *n)
{
	uint8_t *b;
	size_t len;
	PM_TRY(pm_pdb_read_stream(p, idx, "section header", &b, &len));
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
	PM_TRY(pm_pdb_read_stream(p, S_DBI, "DBI", &b, &n));
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_BUF, 0, "DBI stream header");
	uint32_t sig, sizes[8];
	uint16_t machine;
	struct pm_error *err = pm_rd_u32(&rd, 0, &sig);
	if (!err && sig != UINT32_MAX)
		err = pm_err(PM_ERR_UNSUPPORTED, "%s: DBI stream: old (pre-VC 7) header, not "
			     "supported", pm_pdb_name(p));
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
	p->base.id.machine = machine;
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
			     " bytes at %#" PRIx64 ") lies beyond the stream's %zu bytes", pm_pdb_name(p),
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
		err = pm_err(PM_ERR_FORMAT, "%s: DBI stream: no section-header stream", pm_pdb_name(p));
		goto out;
	}
	if ((err = read_sections(p, dbg[5], &p->sec, &p->nsec)))
		goto out;
	if (dbg[10] != 0xFFFF && dbg[4] != 0xFFFF) { /* BBT-optimised: original sections + OMAP */
		if ((err = read_sections(p, dbg[10], &p->osec, &p->nosec)))
			goto out;
		uint8_t *om;
		size_t olen;
		if ((err = pm_pdb_read_stream(p, dbg[4], "OMAP from source", &om, &olen)))
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
			      pm_pdb_name(p));
	uint8_t *b;
	size_t n;
	PM_TRY(pm_pdb_read_stream(p, p->symrec, "symbol records", &b, &n));
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_BUF, 0, "symbol record stream");
	struct pm_error *err = NULL;
	size_t off = 0;
	while (off + 4 <= n && !err) {
		uint16_t reclen, kind;
		if ((err = pm_rd_u16(&rd, off, &reclen)) || (err = pm_rd_u16(&rd, off + 2, &kind)))
			break;
		if (reclen < 2 || off + 2 + (size_t)reclen > n) {
			err = pm_err(PM_ERR_FORMAT, "%s: symbol record at stream offset %#zx: length %u "
				     "runs past the stream's %zu bytes", pm_pdb_name(p), off, reclen, n);
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
			    (err = pm_pdb_name_at(&r, 14, pascal, &s, &len, &next)))
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
		return pm_err(PM_ERR_PROFILE, "%s: no public or global symbol %s", pm_pdb_name(p), name);
	if (!(v >> 32))
		return pm_err(PM_ERR_PROFILE, "%s: symbol %s has no address in the image (segment "
			      "or OMAP)", pm_pdb_name(p), name);
	*rva = (uint32_t)v;
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

static const struct pm_symtab_ops pdb_ops = { pdb_symbol, pm_pdb_find_type, pm_pdb_describe,
					      pm_pdb_members, pm_pdb_enumerators, pdb_destroy };

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
	if (!err && got >= sizeof(pm_msf2_magic) - 1 && !memcmp(hdr, pm_msf2_magic, sizeof(pm_msf2_magic) - 1))
		err = pm_err(PM_ERR_UNSUPPORTED, "%s: an MSF 2.00 (\"JG\", Windows 2000-era) PDB; only "
			     "MSF 7.00 PDBs can be read", path);
	else if (!err && (got < 0x38 || memcmp(hdr, pm_msf7_magic, sizeof(pm_msf7_magic))))
		err = pm_err(PM_ERR_FORMAT, "%s: no MSF 7.00 signature at file offset 0: not a PDB",
			     path);
	if (!err)
		err = pm_pdb_read_directory(p, hdr, src->size);
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

