// SPDX-License-Identifier: MIT
// The layouts of the holder walks as data: built in per x64 build family, or from the kernel's
// own symbols; both checked the same way (objprofile.h).
//
// Provenance of the built-in rows: fixtures/facts/ntkrnlmp-x64.json, the facts extracted from
// 213 real ntkrnlmp.pdb (Volatility 3 ISF files of JPCERTCC/Windows-Symbol-Tables, commit
// 11ad856cd9fb1dea9a007f6c56fb33b8c7e6e3e1). Within each family every kernel gives the same
// offset and width for every member below (the _EPROCESS size changes within 9600, 14393,
// 17763 and 20348, its members do not move): `measure.py ... objects` and the unit test
// test_objlayout, which compares every row with every kernel of the table.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "objprofile.h"

static const char *const field_type[PM_OBJ_NFIELDS] = {
#define X(id, type, member, req) type,
	PM_OBJ_FIELDS(X)
#undef X
};
static const char *const field_member[PM_OBJ_NFIELDS] = {
#define X(id, type, member, req) member,
	PM_OBJ_FIELDS(X)
#undef X
};
static const bool field_required[PM_OBJ_NFIELDS] = {
#define X(id, type, member, req) req,
	PM_OBJ_FIELDS(X)
#undef X
};
static const char *const type_names[PM_OBJ_NTYPES] = {
#define X(id, name) name,
	PM_OBJ_TYPES(X)
#undef X
};

const char *pm_obj_field_type(enum pm_obj_field f)
{
	return (unsigned)f < PM_OBJ_NFIELDS ? field_type[f] : "?";
}

const char *pm_obj_field_member(enum pm_obj_field f)
{
	return (unsigned)f < PM_OBJ_NFIELDS ? field_member[f] : "?";
}

const char *pm_obj_type_name(enum pm_obj_struct t)
{
	return (unsigned)t < PM_OBJ_NTYPES ? type_names[t] : "?";
}

static enum pm_obj_struct type_of(enum pm_obj_field f)
{
	for (unsigned t = 0; t < PM_OBJ_NTYPES; t++)
		if (!strcmp(type_names[t], field_type[f]))
			return (enum pm_obj_struct)t;
	return PM_OBJ_NTYPES;
}

/* ---- built-in rows ---------------------------------------------------------------------- */

struct cell {
	uint16_t off;
	uint8_t size; /* 0: the family's kernels lack the member */
	uint8_t bitpos, bitlen;
};

struct family {
	uint32_t family;
	const char *kernels; /* which kernels of the facts table the row was checked against */
	bool encoded, quota_cookie;
	uint16_t size[PM_OBJ_NTYPES];
	struct cell c[PM_OBJ_NFIELDS];
};

/* Members whose offset and width are the same in all 213 kernels. */
#define COMMON                                                                             \
	[PM_OF_OH_TYPEIDX] = { 0x18, 1, 0, 0 }, [PM_OF_OH_BODY] = { 0x30, 8, 0, 0 },          \
	[PM_OF_OH_HANDLES] = { 0x08, 8, 0, 0 }, [PM_OF_OT_NAME] = { 0x10, 16, 0, 0 },         \
	[PM_OF_OT_INDEX] = { 0x28, 1, 0, 0 }, [PM_OF_OT_OBJECTS] = { 0x2C, 4, 0, 0 },         \
	[PM_OF_OT_HANDLES] = { 0x30, 4, 0, 0 }, [PM_OF_OT_POOLTYPE] = { 0x64, 4, 0, 0 },      \
	[PM_OF_SS_ID] = { 0x08, 4, 0, 0 }
/* _HANDLE_TABLE and its entry from 9600 on: the object header pointer is ObjectPointerBits,
 * bits 20..63 of the entry's first qword; HighValue (the second qword) is -2 in the reserved
 * first entry of each table page. */
#define HT_9600                                                                            \
	[PM_OF_HT_CODE] = { 0x08, 8, 0, 0 }, [PM_OF_HT_NEXT] = { 0x00, 4, 0, 0 },             \
	[PM_OF_HT_PID] = { 0x28, 4, 0, 0 }, [PM_OF_HTE_OBJBITS] = { 0x00, 8, 20, 44 },        \
	[PM_OF_HTE_HIGH] = { 0x08, 8, 0, 0 }
#define EPROCESS(pid, links, name, table, parent, create, commit, peak, qu, qp, sess, thr)   \
	[PM_OF_EP_PID] = { pid, 8, 0, 0 }, [PM_OF_EP_LINKS] = { links, 16, 0, 0 },            \
	[PM_OF_EP_NAME] = { name, 15, 0, 0 }, [PM_OF_EP_OBJTABLE] = { table, 8, 0, 0 },       \
	[PM_OF_EP_PARENT] = { parent, 8, 0, 0 }, [PM_OF_EP_CREATE] = { create, 8, 0, 0 },     \
	[PM_OF_EP_COMMIT] = { commit, 8, 0, 0 }, [PM_OF_EP_COMMIT_PEAK] = { peak, 8, 0, 0 },  \
	[PM_OF_EP_QUOTA_USAGE] = { qu, 16, 0, 0 }, [PM_OF_EP_QUOTA_PEAK] = { qp, 16, 0, 0 },  \
	[PM_OF_EP_SESSION] = { sess, 8, 0, 0 }, [PM_OF_EP_THREADS] = { thr, 4, 0, 0 }
/* structure sizes: _EPROCESS (the smallest of the family), _HANDLE_TABLE, its entry,
 * _OBJECT_HEADER, _OBJECT_TYPE, _MM_SESSION_SPACE (SessionId only is read), big entry */
#define SIZES(ep, ht, ot, big) { ep, ht, 0x10, 0x38, ot, 0x0C, big }

static const struct family families[] = {
	{ 7601, "6.1.7601.24540 (1 kernel)", false, false, SIZES(0x4F8, 0x68, 0xD0, 0x18),
	  { COMMON,
	    EPROCESS(0x180, 0x188, 0x2E0, 0x200, 0x290, 0x168, 0x1B8, 0x380, 0x198, 0x1A8, 0x2D8,
		     0x328),
	    [PM_OF_HT_CODE] = { 0x00, 8, 0, 0 }, [PM_OF_HT_NEXT] = { 0x5C, 4, 0, 0 },
	    [PM_OF_HT_COUNT] = { 0x58, 4, 0, 0 }, [PM_OF_HT_PID] = { 0x10, 8, 0, 0 },
	    [PM_OF_HTE_OBJECT] = { 0x00, 8, 0, 0 }, [PM_OF_HTE_NEXTFREE] = { 0x08, 4, 0, 0 },
	    [PM_OF_OT_KEY] = { 0xB8, 4, 0, 0 } } },
	{ 9600, "6.3.9600.19913..21620 (32 kernels)", false, true, SIZES(0x700, 0x80, 0xD8, 0x18),
	  { COMMON, HT_9600,
	    EPROCESS(0x2E0, 0x2E8, 0x438, 0x408, 0x3D0, 0x2D0, 0x4D0, 0x6C8, 0x300, 0x310, 0x3F0,
		     0x480),
	    [PM_OF_OT_KEY] = { 0xC0, 4, 0, 0 } } },
	{ 14393, "10.0.14393.4583..6343 (26 kernels)", true, true, SIZES(0x7C8, 0x80, 0xD8, 0x18),
	  { COMMON, HT_9600,
	    EPROCESS(0x2E8, 0x2F0, 0x450, 0x418, 0x3E0, 0x308, 0x4F0, 0x4F8, 0x310, 0x320, 0x400,
		     0x498),
	    [PM_OF_OT_KEY] = { 0xC0, 4, 0, 0 } } },
	{ 17763, "10.0.17763.379..5933 (40 kernels)", true, true, SIZES(0x850, 0x80, 0xD8, 0x18),
	  { COMMON, HT_9600,
	    EPROCESS(0x2E0, 0x2E8, 0x450, 0x418, 0x3E0, 0x308, 0x4F0, 0x4F8, 0x310, 0x320, 0x400,
		     0x498),
	    [PM_OF_OT_KEY] = { 0xC0, 4, 0, 0 } } },
	{ 18362, "10.0.18362.30..836 (11 kernels)", true, true, SIZES(0x880, 0x80, 0xD8, 0x18),
	  { COMMON, HT_9600,
	    EPROCESS(0x2E8, 0x2F0, 0x450, 0x418, 0x3E8, 0x310, 0x4F0, 0x4F8, 0x318, 0x328, 0x400,
		     0x498),
	    [PM_OF_OT_KEY] = { 0xC0, 4, 0, 0 } } },
	{ 19041, "10.0.19041.329..3570 (39 kernels)", true, true, SIZES(0xA40, 0x80, 0xD8, 0x18),
	  { COMMON, HT_9600,
	    EPROCESS(0x440, 0x448, 0x5A8, 0x570, 0x540, 0x468, 0x648, 0x650, 0x470, 0x480, 0x558,
		     0x5F0),
	    [PM_OF_OT_KEY] = { 0xC0, 4, 0, 0 } } },
	{ 20348, "10.0.20348.288..2529 (35 kernels)", true, true, SIZES(0xB80, 0x80, 0xD8, 0x20),
	  { COMMON, HT_9600,
	    EPROCESS(0x440, 0x448, 0x5A8, 0x570, 0x540, 0x468, 0x648, 0x650, 0x470, 0x480, 0x558,
		     0x5F0),
	    [PM_OF_OT_KEY] = { 0xC0, 4, 0, 0 }, [PM_OF_BIG_BILLED] = { 0x18, 8, 0, 0 } } },
	{ 22000, "10.0.22000.318..2538 (29 kernels)", true, true, SIZES(0xB80, 0x80, 0xD8, 0x20),
	  { COMMON, HT_9600,
	    EPROCESS(0x440, 0x448, 0x5A8, 0x570, 0x540, 0x468, 0x648, 0x650, 0x470, 0x480, 0x558,
		     0x5F0),
	    [PM_OF_OT_KEY] = { 0xC0, 4, 0, 0 }, [PM_OF_BIG_BILLED] = { 0x18, 8, 0, 0 } } },
};

uint32_t pm_obj_family(uint32_t build)
{
	/* 1909 (18363) is an enablement package on the 1903 kernel, and 20H2..22H2
	 * (19042..19045) on the 2004 kernel: their ntoskrnl is file version 10.0.18362.x and
	 * 10.0.19041.x, the kernels the facts table holds (its versions are ntoskrnl's). */
	if (build == 18363)
		return 18362;
	if (build >= 19041 && build <= 19045)
		return 19041;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].family == build)
			return build;
	return 0;
}

struct pm_error *pm_obj_layout_builtin(uint32_t build, struct pm_obj_layout *ret)
{
	uint32_t fam = pm_obj_family(build);
	const struct family *F = NULL;
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		if (families[i].family == fam)
			F = &families[i];
	if (!F)
		return pm_err(PM_ERR_PROFILE, "no built-in process/handle layout for build %" PRIu32
			      " (the real-kernel facts cover x64 7601, 9600, 14393, 17763, "
			      "18362/18363, 19041..19045, 20348 and 22000); the kernel's symbols "
			      "would give it", build);
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "built-in %" PRIu32 " (x64)", F->family);
	ret->source = "built-in";
	snprintf(ret->provenance, sizeof(ret->provenance), "real-kernel facts "
		 "(fixtures/facts/ntkrnlmp-x64.json, JPCERTCC/Windows-Symbol-Tables 11ad856): "
		 "ntkrnlmp.pdb %s", F->kernels);
	ret->family = F->family;
	ret->type_index_encoded = F->encoded;
	ret->has_quota_cookie = F->quota_cookie;
	for (unsigned t = 0; t < PM_OBJ_NTYPES; t++)
		ret->size[t] = F->size[t];
	for (unsigned f = 0; f < PM_OBJ_NFIELDS; f++) {
		const struct cell *c = &F->c[f];
		if (!c->size)
			continue;
		ret->f[f] = (struct pm_obj_fld){ true, c->off, c->size, c->bitpos, c->bitlen };
	}
	return pm_obj_layout_check(ret);
}

/* ---- from the symbols ------------------------------------------------------------------- */

struct pm_error *pm_obj_layout_from_symbols(struct pm_symtab *t, struct pm_obj_layout *ret,
					    struct pm_diags *notes)
{
	memset(ret, 0, sizeof(*ret));
	ret->source = t->id.format[0] ? t->id.format : "symbols";
	snprintf(ret->name, sizeof(ret->name), "%s %.80s", ret->source,
		 t->id.pdb_name[0] ? t->id.pdb_name : "kernel symbols");
	snprintf(ret->provenance, sizeof(ret->provenance), "the kernel's own %s (%s)", ret->source,
		 t->path ? t->path : "?");
	if (t->id.ptr_size && t->id.ptr_size != 8)
		return pm_err(PM_ERR_UNSUPPORTED, "the process and handle walks read x64 kernels; "
			      "these symbols are of a %u-byte-pointer kernel", t->id.ptr_size);
	for (unsigned ty = 0; ty < PM_OBJ_NTYPES; ty++) {
		uint64_t size;
		struct pm_error *err = pm_sym_sizeof(t, type_names[ty], &size);
		if (!err && size > PM_OBJ_MAX_STRUCT && ty != PM_OT_SESSION)
			err = pm_err(PM_ERR_UNSUPPORTED, "%s is %#" PRIx64 " bytes (more than the "
				     "%#x read per object)", type_names[ty], size, PM_OBJ_MAX_STRUCT);
		if (err) {
			pm_diag_add(notes, pm_err_code(err), "symbols", "%s", pm_err_msg(err));
			pm_error_destroy(err);
			continue;
		}
		ret->size[ty] = (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size);
	}
	for (unsigned f = 0; f < PM_OBJ_NFIELDS; f++) {
		enum pm_obj_struct ty = type_of((enum pm_obj_field)f);
		if (ty >= PM_OBJ_NTYPES || !ret->size[ty])
			continue;
		struct pm_field x;
		struct pm_error *err = pm_sym_field(t, field_type[f], field_member[f], &x);
		if (err) {
			/* alternatives (Object / ObjectPointerBits, ...) and optional members: a
			 * note only when the walk needs it */
			if (field_required[f])
				pm_diag_add(notes, pm_err_code(err), "symbols", "%s", pm_err_msg(err));
			pm_error_destroy(err);
			continue;
		}
		if (x.offset > UINT32_MAX || x.size > UINT32_MAX || x.bitpos > 63 || x.bitlen > 64)
			continue; /* pm_obj_layout_check() names it absent-required if it matters */
		ret->f[f] = (struct pm_obj_fld){ true, (uint32_t)x.offset, (uint32_t)x.size,
						 (uint8_t)(x.is_bitfield ? x.bitpos : 0),
						 (uint8_t)(x.is_bitfield ? x.bitlen : 0) };
	}
	uint64_t rva;
	struct pm_error *err = pm_sym_rva(t, "ObHeaderCookie", &rva);
	ret->type_index_encoded = !err;
	pm_error_destroy(err);
	err = pm_sym_rva(t, "ExpPoolQuotaCookie", &rva);
	ret->has_quota_cookie = !err;
	pm_error_destroy(err);
	return pm_obj_layout_check(ret);
}

/* ---- checks ------------------------------------------------------------------------------ */

static struct pm_error *want_size(const struct pm_obj_layout *L, enum pm_obj_field f,
				  uint32_t lo, uint32_t hi)
{
	const struct pm_obj_fld *x = &L->f[f];
	if (!x->present)
		return NULL;
	if (x->size < lo || x->size > hi)
		return pm_err(PM_ERR_UNSUPPORTED, "%s.%s is %" PRIu32 " bytes; the walk reads "
			      "%" PRIu32 "..%" PRIu32, field_type[f], field_member[f], x->size, lo, hi);
	return NULL;
}

static struct pm_error *check_widths(const struct pm_obj_layout *L)
{
	static const struct {
		enum pm_obj_field f;
		uint8_t lo, hi;
	} w[] = {
		{ PM_OF_EP_PID, 8, 8 },        { PM_OF_EP_LINKS, 16, 16 },
		{ PM_OF_EP_NAME, 15, 16 },     { PM_OF_EP_OBJTABLE, 8, 8 },
		{ PM_OF_EP_PARENT, 8, 8 },     { PM_OF_EP_CREATE, 8, 8 },
		{ PM_OF_EP_COMMIT, 8, 8 },     { PM_OF_EP_COMMIT_PEAK, 8, 8 },
		{ PM_OF_EP_QUOTA_USAGE, 16, 16 }, { PM_OF_EP_QUOTA_PEAK, 16, 16 },
		{ PM_OF_EP_SESSION, 8, 8 },    { PM_OF_EP_THREADS, 4, 4 },
		{ PM_OF_HT_CODE, 8, 8 },       { PM_OF_HT_NEXT, 4, 4 },
		{ PM_OF_HT_COUNT, 4, 4 },      { PM_OF_HT_PID, 4, 8 },
		{ PM_OF_HTE_OBJECT, 8, 8 },    { PM_OF_HTE_OBJBITS, 8, 8 },
		{ PM_OF_HTE_NEXTFREE, 4, 4 },  { PM_OF_HTE_HIGH, 8, 8 },
		{ PM_OF_OH_TYPEIDX, 1, 1 },    { PM_OF_OH_HANDLES, 8, 8 },
		{ PM_OF_OT_NAME, 16, 16 },     { PM_OF_OT_INDEX, 1, 1 },
		{ PM_OF_OT_KEY, 4, 4 },        { PM_OF_OT_OBJECTS, 4, 4 },
		{ PM_OF_OT_HANDLES, 4, 4 },    { PM_OF_OT_POOLTYPE, 4, 4 },
		{ PM_OF_SS_ID, 4, 4 },         { PM_OF_BIG_BILLED, 8, 8 },
	};
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		PM_TRY(want_size(L, w[i].f, w[i].lo, w[i].hi));
	return NULL;
}

struct pm_error *pm_obj_layout_check(const struct pm_obj_layout *L)
{
	for (unsigned f = 0; f < PM_OBJ_NFIELDS; f++) {
		const struct pm_obj_fld *x = &L->f[f];
		enum pm_obj_struct ty = type_of((enum pm_obj_field)f);
		if (!x->present) {
			if (field_required[f])
				return pm_err(PM_ERR_PROFILE, "%s: %s.%s is not described", L->name,
					      field_type[f], field_member[f]);
			continue;
		}
		uint64_t end = (uint64_t)x->off + x->size;
		if (ty >= PM_OBJ_NTYPES || !L->size[ty] || end > L->size[ty])
			return pm_err(PM_ERR_FORMAT, "%s: %s.%s (%" PRIu32 " bytes at +%#" PRIx32 ") "
				      "lies outside the structure (%#" PRIx32 " bytes)", L->name,
				      field_type[f], field_member[f], x->size, x->off,
				      ty < PM_OBJ_NTYPES ? L->size[ty] : 0);
		if (x->bitlen && (unsigned)x->bitpos + x->bitlen > x->size * 8u)
			return pm_err(PM_ERR_FORMAT, "%s: bitfield %s.%s (bits %u..%u) is wider than "
				      "its %" PRIu32 " bytes", L->name, field_type[f], field_member[f],
				      x->bitpos, x->bitpos + x->bitlen - 1, x->size);
	}
	for (unsigned t = 0; t < PM_OBJ_NTYPES; t++)
		if (L->size[t] > PM_OBJ_MAX_STRUCT && t != PM_OT_SESSION)
			return pm_err(PM_ERR_UNSUPPORTED, "%s: %s is %#" PRIx32 " bytes", L->name,
				      type_names[t], L->size[t]);
	PM_TRY(check_widths(L));
	/* the entry's object pointer: a plain pointer with flag bits (7601), or a bitfield that
	 * holds a 16-byte-aligned 48-bit address (9600+): 44 bits shifted left by 4 */
	const struct pm_obj_fld *ob = &L->f[PM_OF_HTE_OBJBITS], *op = &L->f[PM_OF_HTE_OBJECT];
	if (ob->present ? (ob->off != 0 || !ob->bitlen || ob->bitlen > 48 || ob->bitlen < 40 ||
			   ob->bitpos + ob->bitlen != 64)
			: (!op->present || op->off != 0 || op->bitlen))
		return pm_err(PM_ERR_UNSUPPORTED, "%s: _HANDLE_TABLE_ENTRY has neither an Object "
			      "pointer at +0 nor ObjectPointerBits ending at bit 63 of the first "
			      "qword", L->name);
	if (L->size[PM_OT_HTE] != 16)
		return pm_err(PM_ERR_UNSUPPORTED, "%s: _HANDLE_TABLE_ENTRY is %" PRIu32 " bytes, "
			      "not the 16 of x64 kernels", L->name, L->size[PM_OT_HTE]);
	if (L->f[PM_OF_OH_BODY].off < L->f[PM_OF_OH_TYPEIDX].off + 1u ||
	    L->f[PM_OF_OH_BODY].off > 0x100 || L->f[PM_OF_OH_BODY].off % 8)
		return pm_err(PM_ERR_UNSUPPORTED, "%s: _OBJECT_HEADER.Body at +%#" PRIx32 " is not "
			      "after TypeIndex and 8-byte aligned", L->name, L->f[PM_OF_OH_BODY].off);
	return NULL;
}
