// SPDX-License-Identifier: MIT
// Tier 3 of the pool profile: the variables and entry layouts the pool readers need, taken
// from the kernel's PDB or ISF (reference/symbols.md §5.7) instead of being searched for.
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pm-reader.h"

#include "profile.h"

/* The file, for messages about what it says. */
static const char *file_of(const struct pm_symtab *t)
{
	return t->path ? t->path : t->id.pdb_name[0] ? t->id.pdb_name : "(symbols)";
}

/* A query the symbols answered with nonsense (not "no such member"): their contradiction. */
static struct pm_error *contradiction(struct pm_symtab *t, struct pm_error *err, const char *type,
				      const char *path)
{
	if (!err || err == &pm_enomem || pm_err_code(err) == PM_ERR_PROFILE ||
	    pm_err_code(err) == PM_ERR_BAD_SYMBOLS)
		return err;
	struct pm_error *e = pm_err(PM_ERR_BAD_SYMBOLS, "symbol file %s: %s%s%s: %s", file_of(t),
				    type, path ? "." : "", path ? path : "", pm_err_msg(err));
	pm_error_destroy(err);
	return e;
}

struct pm_error *pm_sym_type_size(struct pm_symtab *t, const char *type, uint64_t *ret)
{
	uint64_t size;
	PM_TRY(contradiction(t, pm_sym_sizeof(t, type, &size), type, NULL));
	if (!size || size > PM_MAX_SYM_STRUCT)
		return pm_err(PM_ERR_BAD_SYMBOLS, "symbol file %s: %s is %#" PRIx64 " bytes (a kernel "
			      "structure is 1..%#x): the symbol file contradicts itself", file_of(t),
			      type, size, PM_MAX_SYM_STRUCT);
	*ret = size;
	return NULL;
}

struct pm_error *pm_sym_member(struct pm_symtab *t, const char *type, const char *path,
			       struct pm_field *ret)
{
	uint64_t size;
	struct pm_field f;
	PM_TRY(contradiction(t, pm_sym_field(t, type, path, &f), type, path));
	PM_TRY(pm_sym_type_size(t, type, &size));
	if (f.offset > size || f.size > size - f.offset)
		return pm_err(PM_ERR_BAD_SYMBOLS, "symbol file %s: %s.%s (%#" PRIx64 " bytes at +%#"
			      PRIx64 ") lies outside %s (%#" PRIx64 " bytes): the symbol file "
			      "contradicts itself", file_of(t), type, path, f.size, f.offset, type,
			      size);
	if (f.is_bitfield && (f.size < 1 || f.size > 8 || !f.bitlen ||
			      (uint64_t)f.bitpos + f.bitlen > 8 * f.size))
		return pm_err(PM_ERR_BAD_SYMBOLS, "symbol file %s: %s.%s is a bitfield of %u bits "
			      "at bit %u in %#" PRIx64 " bytes: the symbol file contradicts itself",
			      file_of(t), type, path, f.bitlen, f.bitpos, f.size);
	*ret = f;
	return NULL;
}

struct pm_error *pm_sym_global(struct pm_symtab *t, uint64_t kb, const char *name, uint64_t *ret)
{
	uint64_t rva;
	PM_TRY(contradiction(t, pm_sym_rva(t, name, &rva), name, NULL));
	if (pm_ckd_add(ret, kb, rva))
		return pm_err(PM_ERR_BAD_SYMBOLS, "symbol file %s: %s at RVA %#" PRIx64 " from %#"
			      PRIx64 " lies beyond the address space: the symbol file contradicts "
			      "itself", file_of(t), name, rva, kb);
	return NULL;
}

bool pm_tracker_layout_valid(const struct pm_tracker_layout *L)
{
	const struct pm_field_loc *f[] = { &L->key, &L->np_allocs, &L->np_frees, &L->np_bytes,
					   &L->p_allocs, &L->p_frees, &L->p_bytes };
	if (L->stride < 8 || L->stride > 0x100)
		return false;
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if ((f[i]->width != 4 && f[i]->width != 8) || f[i]->off > L->stride ||
		    f[i]->width > L->stride - f[i]->off)
			return false;
	return true;
}

bool pm_big_layout_valid(const struct pm_big_layout *L, unsigned ptr_size)
{
	if (L->stride < 8 || L->stride > 0x100 || ptr_size > L->stride)
		return false;
	if (L->key_off > L->stride || 4 > L->stride - L->key_off)
		return false;
	if ((L->size.width != 4 && L->size.width != 8) || L->size.off > L->stride ||
	    L->size.width > L->stride - L->size.off)
		return false;
	return L->type_kind == PM_BIG_TYPE_NONE ||
	       (L->type_off <= L->stride && 4 <= L->stride - L->type_off);
}

/* Record why a part of the symbols is not used: a contradiction is said as such. */
static bool note(struct pm_diags *notes, struct pm_error *err)
{
	if (!err)
		return true;
	pm_diag_add(notes, pm_err_code(err), "symbols", "%s", pm_err_msg(err));
	pm_error_destroy(err);
	return false;
}

static bool var(struct pm_symtab *t, uint64_t kb, const char *name, uint64_t *va,
		struct pm_diags *notes)
{
	return note(notes, pm_sym_global(t, kb, name, va));
}

/* A counter field: 4 or 8 bytes, not a bitfield, inside the entry (pm_sym_member). */
static bool field(struct pm_symtab *t, const char *type, const char *name, struct pm_field_loc *f,
		  struct pm_diags *notes)
{
	struct pm_field x;
	struct pm_error *err = pm_sym_member(t, type, name, &x);
	if (!err && (x.is_bitfield || (x.size != 4 && x.size != 8)))
		err = pm_err(PM_ERR_UNSUPPORTED, "%s.%s (%" PRIu64 " bytes at +%#" PRIx64 "%s) is not "
			     "a 4- or 8-byte counter the tracker reader can use", type, name, x.size,
			     x.offset, x.is_bitfield ? ", a bitfield" : "");
	if (!note(notes, err))
		return false;
	f->off = (unsigned)x.offset; /* inside a structure of at most 0x100 bytes (checked) */
	f->width = (unsigned)x.size;
	return true;
}

static bool tracker_layout(struct pm_symtab *t, struct pm_pool_syms *o, struct pm_diags *notes)
{
	const char *T = "_POOL_TRACKER_TABLE";
	struct pm_tracker_layout *L = &o->tracker;
	uint64_t size;
	struct pm_error *err = pm_sym_type_size(t, T, &size);
	if (!err && (size < 8 || size > 0x100))
		err = pm_err(PM_ERR_UNSUPPORTED, "%s is %#" PRIx64 " bytes: not a tracker entry", T,
			     size);
	if (!note(notes, err))
		return false;
	L->stride = (unsigned)size;
	if (!field(t, T, "Key", &L->key, notes) ||
	    !field(t, T, "NonPagedAllocs", &L->np_allocs, notes) ||
	    !field(t, T, "NonPagedFrees", &L->np_frees, notes) ||
	    !field(t, T, "NonPagedBytes", &L->np_bytes, notes) ||
	    !field(t, T, "PagedAllocs", &L->p_allocs, notes) ||
	    !field(t, T, "PagedFrees", &L->p_frees, notes) ||
	    !field(t, T, "PagedBytes", &L->p_bytes, notes))
		return false;
	if (!pm_tracker_layout_valid(L)) /* implied by the checks above; kept as the contract */
		return note(notes, pm_err(PM_ERR_BAD_SYMBOLS, "symbol file %s: %s does not hold its "
					  "counters", file_of(t), T));
	snprintf(o->tracker_name, sizeof(o->tracker_name), "%s %s (%#x bytes)", o->source, T,
		 L->stride);
	L->name = o->tracker_name;
	return true;
}

/* The size field: NumberOfBytes (Vista+) or NumberOfPages (XP/2003), a 4- or 8-byte integer. */
static struct pm_error *big_size(struct pm_symtab *t, const char *T, struct pm_big_layout *L)
{
	struct pm_field x;
	struct pm_error *e1 = pm_sym_member(t, T, "NumberOfBytes", &x);
	L->size_kind = PM_BIG_BYTES;
	if (e1 && pm_err_code(e1) == PM_ERR_PROFILE) {
		pm_error_destroy(e1);
		e1 = pm_sym_member(t, T, "NumberOfPages", &x);
		L->size_kind = PM_BIG_PAGES;
	}
	if (!e1 && (x.is_bitfield || (x.size != 4 && x.size != 8)))
		e1 = pm_err(PM_ERR_UNSUPPORTED, "%s: the size field is not a 4- or 8-byte integer", T);
	if (e1)
		return e1;
	L->size.off = (unsigned)x.offset; /* inside a structure of at most 0x100 bytes */
	L->size.width = (unsigned)x.size;
	return NULL;
}

static bool big_layout(struct pm_symtab *t, struct pm_pool_syms *o, struct pm_diags *notes)
{
	const char *T = "_POOL_TRACKER_BIG_PAGES";
	struct pm_big_layout *L = &o->big;
	uint64_t size;
	struct pm_field va, key, x;
	struct pm_error *err = pm_sym_type_size(t, T, &size);
	if (!err)
		err = pm_sym_member(t, T, "Va", &va);
	if (!err)
		err = pm_sym_member(t, T, "Key", &key);
	if (!err && (size < 8 || size > 0x100 || va.offset || key.size != 4 || key.is_bitfield))
		err = pm_err(PM_ERR_UNSUPPORTED, "%s (%#" PRIx64 " bytes, Va at +%#" PRIx64 ", Key of %"
			     PRIu64 " bytes at +%#" PRIx64 ") is not a layout the big-table reader can "
			     "use", T, size, va.offset, key.size, key.offset);
	if (!err)
		err = big_size(t, T, L);
	if (!note(notes, err))
		return false;
	L->stride = (unsigned)size;
	L->key_off = (unsigned)key.offset;
	/* the pool type: a ULONG, or 12 bits from bit 8 (Windows 10) */
	L->type_kind = PM_BIG_TYPE_NONE;
	struct pm_error *e2 = pm_sym_member(t, T, "PoolType", &x);
	if (!e2 && !x.is_bitfield && x.size == 4) {
		L->type_kind = PM_BIG_TYPE_U32;
		L->type_off = (unsigned)x.offset;
	} else if (!e2 && x.is_bitfield && x.bitpos == 8 && x.bitlen == 12 && x.size == 4) {
		L->type_kind = PM_BIG_TYPE_BITS8_19;
		L->type_off = (unsigned)x.offset;
	} else if (!e2) {
		pm_diag_add(notes, PM_ERR_UNSUPPORTED, "symbols", "%s.PoolType (%s%u bits at bit %u) "
			    "is not a form the reader decodes; big allocations are shown without "
			    "their pool", T, x.is_bitfield ? "" : "not a bitfield, ", x.bitlen,
			    x.bitpos);
	} else if (pm_err_code(e2) == PM_ERR_BAD_SYMBOLS) {
		note(notes, e2); /* said; the allocations are shown without their pool */
		e2 = NULL;
	}
	pm_error_destroy(e2);
	if (!pm_big_layout_valid(L, (unsigned)va.size)) /* implied by the checks above */
		return note(notes, pm_err(PM_ERR_BAD_SYMBOLS, "symbol file %s: %s does not hold its "
					  "fields", file_of(t), T));
	snprintf(o->big_name, sizeof(o->big_name), "%s %s (%#x bytes)", o->source, T, L->stride);
	L->name = o->big_name;
	return true;
}

/* _POOL_DESCRIPTOR by member name: TotalPages/TotalBigPages, or the allocated/deallocated
 * page counters of 1703+ (§4.3). Optional: Windows 10 2004+ has none, and that is not worth
 * a note; symbols that contradict themselves are. */
static bool desc_layout(struct pm_symtab *t, struct pm_pool_syms *o, struct pm_diags *notes)
{
	const char *T = "_POOL_DESCRIPTOR";
	struct pm_desc_layout *L = &o->desc;
	memset(L, 0, sizeof(*L));
	static const struct {
		const char *name;
		size_t off;
		bool split;
	} f[] = {
		{ "RunningAllocs", offsetof(struct pm_desc_layout, ra), false },
		{ "RunningDeAllocs", offsetof(struct pm_desc_layout, rd), false },
		{ "TotalPages", offsetof(struct pm_desc_layout, pages), false },
		{ "TotalBigPages", offsetof(struct pm_desc_layout, big), false },
		{ "PagesAllocated", offsetof(struct pm_desc_layout, pa), true },
		{ "PagesDeallocated", offsetof(struct pm_desc_layout, pd), true },
		{ "BigPagesAllocated", offsetof(struct pm_desc_layout, ba), true },
		{ "BigPagesDeallocated", offsetof(struct pm_desc_layout, bd), true },
	};
	struct pm_field x;
	struct pm_error *err = pm_sym_member(t, T, "TotalPages", &x);
	L->split = err != NULL;
	if (err && pm_err_code(err) == PM_ERR_BAD_SYMBOLS)
		return note(notes, err);
	pm_error_destroy(err);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (i >= 2 && f[i].split != L->split)
			continue;
		err = pm_sym_member(t, T, f[i].name, &x);
		if (err && i == 1 && pm_err_code(err) != PM_ERR_BAD_SYMBOLS) {
			/* 14393..18362 spell it RunningDeallocs (facts: every real kernel) */
			pm_error_destroy(err);
			err = pm_sym_member(t, T, "RunningDeallocs", &x);
		}
		if (err) {
			if (pm_err_code(err) == PM_ERR_BAD_SYMBOLS)
				return note(notes, err);
			pm_error_destroy(err);
			return false;
		}
		if (x.is_bitfield || x.offset > 0xFF || x.size > 8)
			return false;
		struct pm_desc_field *d = (struct pm_desc_field *)(void *)((char *)L + f[i].off);
		d->off = (unsigned)x.offset;
		d->width = (unsigned)x.size;
	}
	if (!pm_desc_layout_valid(L))
		return false;
	snprintf(o->desc_name, sizeof(o->desc_name), "%s %s", o->source, T);
	L->name = o->desc_name;
	return true;
}

void pm_pool_syms_build(struct pm_symtab *t, uint64_t kb, struct pm_pool_syms *o,
			struct pm_diags *notes)
{
	memset(o, 0, sizeof(*o));
	o->source = t->id.format;
	o->format = !strcmp(t->id.format, "ISF") ? PM_SYMFMT_ISF : PM_SYMFMT_PDB;
	o->has_ptt = var(t, kb, "PoolTrackTable", &o->ptt_var, notes);
	o->has_ptt_size = var(t, kb, "PoolTrackTableSize", &o->ptt_size_var, notes);
	o->has_tag_tables = var(t, kb, "ExPoolTagTables", &o->tag_tables_var, notes);
	o->has_big = var(t, kb, "PoolBigPageTable", &o->big_var, notes) &&
		     var(t, kb, "PoolBigPageTableSize", &o->big_size_var, notes);
	o->has_expansion = var(t, kb, "PoolTrackTableExpansion", &o->exp_var, notes) &&
			   var(t, kb, "PoolTrackTableExpansionSize", &o->exp_size_var, notes);
	/* optional: a kernel without sessions' symbols may lack it; not worth a note */
	struct pm_error *e1 = pm_sym_global(t, kb, "ExpSessionPoolTrackTable", &o->session_var);
	struct pm_error *e2 = e1 ? NULL : pm_sym_global(t, kb, "ExpSessionPoolTrackTableSize",
							&o->session_size_var);
	o->has_session = !e1 && !e2;
	o->session_name = "ExpSessionPoolTrackTable";
	bool gone = e1 && pm_err_code(e1) == PM_ERR_PROFILE;
	struct pm_error *e = e1 ? e1 : e2;
	if (e && pm_err_code(e) == PM_ERR_BAD_SYMBOLS)
		note(notes, e); /* a contradiction is said; a missing table is not */
	else
		pm_error_destroy(e);
	/* 22000 (facts: all 29 kernels): the variable is gone, the size is not, and the table
	 * hangs off the session: _MM_SESSION_SPACE.PoolTags (+0x380), a pointer */
	struct pm_field f;
	if (gone && (e = pm_sym_global(t, kb, "ExpSessionPoolTrackTableSize",
				       &o->session_size_var)) == NULL)
		e = pm_sym_member(t, "_MM_SESSION_SPACE", "PoolTags", &f);
	if (gone && !e) {
		o->has_session_tags_member = f.size == 8 && !f.is_bitfield;
		o->session_tags_off = f.offset;
		o->session_name = "_MM_SESSION_SPACE.PoolTags";
	} else if (gone && pm_err_code(e) == PM_ERR_BAD_SYMBOLS) {
		note(notes, e);
	} else if (gone) {
		pm_error_destroy(e);
	}
	o->has_tracker = tracker_layout(t, o, notes);
	o->has_big_layout = big_layout(t, o, notes);
	o->has_desc_layout = desc_layout(t, o, notes);
}

struct pm_error *pm_sym_read_at(const struct pm_vmem *vm, uint64_t base, const struct pm_field *f,
				uint64_t *val)
{
	if (!f->size || f->size > 8)
		return pm_err(PM_ERR_UNSUPPORTED, "a field of %" PRIu64 " bytes is not an integer",
			      f->size);
	if (f->is_bitfield && (!f->bitlen || (uint64_t)f->bitpos + f->bitlen > 8 * f->size))
		return pm_err(PM_ERR_BAD_SYMBOLS, "a bitfield of %u bits at bit %u does not fit its %"
			      PRIu64 " bytes", f->bitlen, f->bitpos, f->size);
	uint64_t va;
	if (pm_ckd_add(&va, base, f->offset))
		return pm_err(PM_ERR_FORMAT, "address %#" PRIx64 " + %#" PRIx64 " overflows", base,
			      f->offset);
	uint8_t b[8] = { 0 };
	PM_TRY(pm_vmem_read(vm, va, b, (size_t)f->size));
	uint64_t v = 0;
	for (int i = (int)f->size - 1; i >= 0; i--)
		v = v << 8 | b[i];
	if (f->is_bitfield)
		v = f->bitlen >= 64 ? v >> f->bitpos : (v >> f->bitpos) & ((UINT64_C(1) << f->bitlen) - 1);
	*val = v;
	return NULL;
}

struct pm_error *pm_sym_read_field(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				   const char *var, const char *type, const char *path,
				   uint64_t *val)
{
	uint64_t base;
	PM_TRY(pm_sym_global(t, kb, var, &base));
	struct pm_field f;
	if (type) {
		PM_TRY(pm_sym_member(t, type, path, &f));
	} else {
		memset(&f, 0, sizeof(f));
		f.size = pm_vmem_ptr_size(vm);
	}
	struct pm_error *err = pm_sym_read_at(vm, base, &f, val);
	return err ? pm_err_wrap(err, "%s%s%s", var, type ? "." : "", type ? path : "") : NULL;
}
