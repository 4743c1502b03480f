// SPDX-License-Identifier: MIT
// PDB reader, the TPI stream (reference/symbols.md §5): the type-index table and the name
// index built once on first use; records decoded on demand (simple types, modifiers, pointers,
// arrays, bitfields, enums, structures/unions incl. the newer LF_STRUCTURE2 family, forward
// references, field lists continued with LF_INDEX), with depth and length limits.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdb-priv.h"

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
			      "..%#" PRIx32, pm_pdb_name(p), ti, p->ti_begin, p->ti_end);
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
	PM_TRY(pm_pdb_name_at(rd, at, pascal, &u->name, &u->nlen, &at));
	if (u->prop & PROP_UNIQUE)
		PM_TRY(pm_pdb_name_at(rd, at, pascal, &u->uname, &u->ulen, &at));
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
	PM_TRY(pm_pdb_read_stream(p, S_TPI, "TPI", &p->tpi, &p->tpi_len));
	struct pm_rd rd = pm_rd_make(p->tpi, p->tpi_len, PM_AS_BUF, 0, "TPI stream header");
	uint32_t version, hsize, rbytes;
	PM_TRY(pm_rd_u32(&rd, 0, &version));
	PM_TRY(pm_rd_u32(&rd, 4, &hsize));
	PM_TRY(pm_rd_u32(&rd, 8, &p->ti_begin));
	PM_TRY(pm_rd_u32(&rd, 12, &p->ti_end));
	PM_TRY(pm_rd_u32(&rd, 16, &rbytes));
	if (version != TPI_V80 && version != TPI_V70)
		return pm_err(PM_ERR_UNSUPPORTED, "%s: TPI stream version %" PRIu32 " (known: %d, %d)",
			      pm_pdb_name(p), version, TPI_V80, TPI_V70);
	if (hsize < 56 || hsize > p->tpi_len || rbytes > p->tpi_len - hsize)
		return pm_err(PM_ERR_FORMAT, "%s: TPI stream header: %" PRIu32 " header bytes and %"
			      PRIu32 " record bytes do not fit in the stream's %zu", pm_pdb_name(p), hsize,
			      rbytes, p->tpi_len);
	if (p->ti_begin < 0x1000 || p->ti_end < p->ti_begin ||
	    (uint64_t)(p->ti_end - p->ti_begin) * 4 > rbytes)
		return pm_err(PM_ERR_FORMAT, "%s: TPI stream header: type indices %#" PRIx32 "..%#"
			      PRIx32 " do not fit in %" PRIu32 " record bytes", pm_pdb_name(p),
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
				      "runs past the records' end (%#zx)", pm_pdb_name(p),
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
			      pm_pdb_name(p), ti);
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
				      "mode %" PRIu32 ")", pm_pdb_name(p), ti, mode);
		if (kind == 0x03) {
			t->kind = PM_TK_VOID;
			snprintf(t->name, sizeof(t->name), "void");
			return NULL;
		}
		if (!simple_base(kind, t))
			return pm_err(PM_ERR_UNSUPPORTED, "%s: simple type %#" PRIx32 " is not known",
				      pm_pdb_name(p), ti);
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

struct pm_error *pm_pdb_describe(struct pm_symtab *t, pm_tref ty, struct pm_tinfo *ret)
{
	if (ty > UINT32_MAX)
		return pm_err(PM_ERR_FORMAT, "type handle %#" PRIx64 " is not a type index", ty);
	return describe((struct pdb *)t, (uint32_t)ty, ret, 0);
}

struct pm_error *pm_pdb_find_type(struct pm_symtab *t, const char *name, pm_tref *ret)
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
	return pm_err(PM_ERR_PROFILE, "%s: no type %s", pm_pdb_name(p), name);
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
		return pm_pdb_name_at(rd, at + 6, leaf == LF_STMEMBER_ST || leaf == LF_NESTTYPE_ST, &s, &n,
				next);
	case LF_ENUMERATE: case LF_ENUMERATE_ST:
		PM_TRY(numeric(rd, at + 2, &v, &o));
		return pm_pdb_name_at(rd, o, leaf == LF_ENUMERATE_ST, &s, &n, next);
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
		return pm_pdb_name_at(rd, at + 6, leaf == LF_METHOD_ST, &s, &n, next);
	case LF_ONEMETHOD: case LF_ONEMETHOD_ST: /* attrs, type, [vbaseoff], name */
		PM_TRY(pm_rd_u16(rd, at, &attrs));
		o = at + 6;
		if (((attrs >> 2) & 7) == 4 || ((attrs >> 2) & 7) == 6)
			o += 4;
		return pm_pdb_name_at(rd, o, leaf == LF_ONEMETHOD_ST, &s, &n, next);
	default:
		return pm_err(PM_ERR_UNSUPPORTED, "%s at %s %#" PRIx64 ": field-list member leaf %#x "
			      "at +%#zx is not known; the rest of the list cannot be read", rd->what,
			      pm_as_name(rd->as), rd->base, leaf, at - 2);
	}
}

struct pm_error *pm_pdb_members(struct pm_symtab *t, pm_tref ty, struct pm_tmember **ret,
				    size_t *nret)
{
	struct pdb *p = (struct pdb *)t;
	PM_TRY(load_tpi(p));
	if (ty < p->ti_begin || ty >= p->ti_end)
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " has no members", pm_pdb_name(p), ty);
	uint16_t k;
	struct pm_rd rd;
	PM_TRY(rec(p, (uint32_t)ty, &k, &rd));
	if (!is_udt(k))
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " is not a structure", pm_pdb_name(p), ty);
	struct udt u;
	PM_TRY(parse_udt(k, &rd, &u));
	uint32_t def = resolve_fwd(p, (uint32_t)ty, &u);
	if (def != ty) {
		PM_TRY(rec(p, def, &k, &rd));
		PM_TRY(parse_udt(k, &rd, &u));
	}
	if (u.prop & PROP_FWDREF)
		return pm_err(PM_ERR_PROFILE, "%s: %.*s is declared but never defined", pm_pdb_name(p),
			      (int)u.nlen, u.name);
	struct pm_tmember *m = NULL;
	size_t n = 0, cap = 0;
	struct pm_error *err = NULL;
	uint32_t fl = u.field;
	for (unsigned lists = 0; fl && !err; lists++) {
		if (lists >= PDB_MAX_FIELD_LISTS) {
			err = pm_err(PM_ERR_LIMIT, "%s: %.*s: more than %d chained field lists (a "
				     "cycle?)", pm_pdb_name(p), (int)u.nlen, u.name, PDB_MAX_FIELD_LISTS);
			break;
		}
		struct pm_rd f;
		uint16_t fk;
		if ((err = rec(p, fl, &fk, &f)))
			break;
		if (fk != LF_FIELDLIST) {
			err = pm_err(PM_ERR_FORMAT, "%s: type %#" PRIx32 " should be a field list, is "
				     "leaf %#x", pm_pdb_name(p), fl, fk);
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
			if (is_member && (err = pm_pdb_name_at(&f, next, leaf == LF_MEMBER_ST, &s, &sl, &next)))
				break;
			at = next;
			if (n == cap) {
				if (cap >= PDB_MAX_MEMBERS) {
					err = pm_err(PM_ERR_LIMIT, "%s: %.*s has more than %d members",
						     pm_pdb_name(p), (int)u.nlen, u.name, PDB_MAX_MEMBERS);
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

struct pm_error *pm_pdb_enumerators(struct pm_symtab *t, pm_tref ty,
				       struct pm_tenumerator **ret, size_t *nret)
{
	struct pdb *p = (struct pdb *)t;
	PM_TRY(load_tpi(p));
	if (ty < p->ti_begin || ty >= p->ti_end)
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " is not an enum", pm_pdb_name(p), ty);
	uint16_t k;
	struct pm_rd rd;
	PM_TRY(rec(p, (uint32_t)ty, &k, &rd));
	struct udt u;
	if (k != LF_ENUM && k != LF_ENUM_ST)
		return pm_err(PM_ERR_PROFILE, "%s: type %#" PRIx64 " is not an enum", pm_pdb_name(p), ty);
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
		err = pm_err(PM_ERR_FORMAT, "%s: type %#" PRIx32 " should be a field list", pm_pdb_name(p),
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
				     "an enumerator", pm_pdb_name(p), u.field, leaf);
			break;
		}
		if ((err = numeric(&f, at + 4, &v, &next)) ||
		    (err = pm_pdb_name_at(&f, next, leaf == LF_ENUMERATE_ST, &s, &sl, &next)))
			break;
		at = next;
		if (n == cap) {
			if (cap >= PDB_MAX_MEMBERS) {
				err = pm_err(PM_ERR_LIMIT, "%s: enum with more than %d constants", pm_pdb_name(p),
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

