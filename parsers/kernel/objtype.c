// SPDX-License-Identifier: MIT
// The kernel's object types (objtype.h): nt!ObTypeIndexTable read or found, each type's name
// and pool tag, and the ObHeaderCookie checked or derived on the type objects themselves.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "objtype.h"
#include "pm-reader.h"
#include "process.h"

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (int i = (int)n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Read one _OBJECT_TYPE at @p va; NULL when it looks like a type of index @p slot. */
static struct pm_error *read_type(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				  uint64_t va, unsigned slot, struct pm_obj_type *t)
{
	uint32_t size = L->size[PM_OT_OBJECT_TYPE];
	uint8_t buf[PM_OBJ_MAX_STRUCT];
	if (!size || size > sizeof(buf))
		return pm_err(PM_ERR_PROFILE, "_OBJECT_TYPE size unknown");
	if (!pm_is_kernel_va64(va) || va & 7)
		return pm_err(PM_ERR_FORMAT, "ObTypeIndexTable[%u] = %#" PRIx64 " is not a kernel "
			      "address", slot, va);
	PM_TRY(pm_vmem_read(vm, va, buf, size));
	const struct pm_obj_fld *F = L->f;
	unsigned idx = buf[F[PM_OF_OT_INDEX].off];
	if (idx != slot)
		return pm_err(PM_ERR_FORMAT, "_OBJECT_TYPE at %#" PRIx64 " (ObTypeIndexTable[%u]) "
			      "has Index %u", va, slot, idx);
	memset(t, 0, sizeof(*t));
	t->va = va;
	t->key = (uint32_t)le(buf + F[PM_OF_OT_KEY].off, 4) & 0x7FFFFFFFu;
	if ((t->has_objects = F[PM_OF_OT_OBJECTS].present))
		t->objects = (uint32_t)le(buf + F[PM_OF_OT_OBJECTS].off, 4);
	if ((t->has_handles = F[PM_OF_OT_HANDLES].present))
		t->handles = (uint32_t)le(buf + F[PM_OF_OT_HANDLES].off, 4);
	if ((t->has_pool_type = F[PM_OF_OT_POOLTYPE].present))
		t->pool_type = (uint32_t)le(buf + F[PM_OF_OT_POOLTYPE].off, 4);
	/* Name: a UNICODE_STRING {Length, MaximumLength, pad, Buffer} */
	const uint8_t *us = buf + F[PM_OF_OT_NAME].off;
	unsigned len = (unsigned)le(us, 2);
	uint64_t sbuf = le(us + 8, 8);
	uint8_t w[2 * (sizeof(t->name) - 1)];
	if (!len || len % 2 || len > sizeof(w) || !pm_is_kernel_va64(sbuf))
		return pm_err(PM_ERR_FORMAT, "_OBJECT_TYPE at %#" PRIx64 ": Name (%u bytes at %#"
			      PRIx64 ") is not a type name", va, len, sbuf);
	PM_TRY(pm_vmem_read(vm, sbuf, w, len));
	for (unsigned i = 0; i < len / 2; i++) {
		unsigned c = w[2 * i] | (unsigned)w[2 * i + 1] << 8;
		if (c < 0x20 || c > 0x7E)
			return pm_err(PM_ERR_FORMAT, "_OBJECT_TYPE at %#" PRIx64 ": Name is not "
				      "printable", va);
		t->name[i] = (char)c;
	}
	t->present = true;
	return NULL;
}

struct pm_error *pm_obj_types_read(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				   uint64_t table, struct pm_obj_types *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->table = table;
	PM_TRY(pm_obj_layout_check(L));
	uint8_t b[PM_MAX_OBJ_TYPES * 8];
	/* the table may end in a page that is not in the dump: read what can be read */
	size_t got = 0;
	while (got < sizeof(b)) {
		size_t n = 0x1000 - (size_t)((table + got) & 0xFFF);
		if (n > sizeof(b) - got)
			n = sizeof(b) - got;
		struct pm_error *err = pm_vmem_read(vm, table + got, b + got, n);
		if (err) {
			if (got < 3 * 8)
				return pm_err_wrap(err, "ObTypeIndexTable at %#" PRIx64, table);
			pm_error_destroy(err);
			break;
		}
		got += n;
	}
	if (le(b, 8) != 0)
		return pm_err(PM_ERR_FORMAT, "ObTypeIndexTable at %#" PRIx64 ": slot 0 is not NULL",
			      table);
	unsigned i = 2;
	for (; i < got / 8; i++) {
		uint64_t va = le(b + 8 * i, 8);
		if (!va)
			break;
		struct pm_error *err = read_type(vm, L, va, i, &ret->t[i]);
		if (err)
			return pm_err_wrap(err, "ObTypeIndexTable at %#" PRIx64, table);
	}
	ret->n = i;
	if (i - 2 < PM_MIN_OBJ_TYPES || strcmp(ret->t[2].name, "Type"))
		return pm_err(PM_ERR_FORMAT, "ObTypeIndexTable at %#" PRIx64 ": %u types, slot 2 "
			      "\"%s\": not the kernel's type table", table, i - 2, ret->t[2].name);
	ret->type_type = 2;
	return NULL;
}

/* ---- the kernel's writable sections ------------------------------------------------------ */

struct pm_error *pm_kdata_scan(const struct pm_vmem *vm, uint64_t kernel_base,
			       const struct pm_pe_info *kpe, pm_kdata_fn fn, void *ctx,
			       uint64_t *missing_ret)
{
	uint64_t missing = 0;
	uint8_t page[0x1000 + 16];
	for (uint16_t s = 0; s < kpe->nsections; s++) {
		const struct pm_pe_section *sec = &kpe->sections[s];
		if (!(sec->characteristics & PM_SCN_MEM_WRITE) || !sec->vsize)
			continue;
		uint64_t start = kernel_base + sec->rva, end = start + sec->vsize;
		for (uint64_t va = start & ~UINT64_C(0xFFF); va < end; va += 0x1000) {
			struct pm_error *err = pm_vmem_read(vm, va, page, 0x1000);
			if (err) {
				pm_error_destroy(err);
				missing++;
				continue;
			}
			memset(page + 0x1000, 0, 16);
			if ((err = pm_vmem_read(vm, va + 0x1000, page + 0x1000, 16)))
				pm_error_destroy(err);
			for (unsigned o = 0; o < 0x1000; o += 8) {
				if (va + o < start || va + o + 8 > end)
					continue;
				uint64_t q[3] = { le(page + o, 8), le(page + o + 8, 8),
						  le(page + o + 16, 8) };
				if (!fn(ctx, va + o, q))
					goto done;
			}
		}
	}
done:
	if (missing_ret)
		*missing_ret = missing;
	return NULL;
}

struct find_ctx {
	const struct pm_vmem *vm;
	const struct pm_obj_layout *L;
	struct pm_obj_types *ts;
	unsigned candidates;
	bool found;
};

static bool find_one(void *c, uint64_t va, const uint64_t q[3])
{
	struct find_ctx *f = c;
	if (q[0] || (q[1] != PM_OBJ_FREED_MARKER && q[1] != (UINT64_C(0xFFFFFFFF) << 32 |
							      PM_OBJ_FREED_MARKER)) ||
	    !pm_is_kernel_va64(q[2]))
		return true;
	f->candidates++;
	struct pm_error *err = pm_obj_types_read(f->vm, f->L, va, f->ts);
	if (err) {
		pm_error_destroy(err);
		return true;
	}
	f->found = true;
	return false;
}

struct pm_error *pm_obj_types_find(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				   uint64_t kernel_base, const struct pm_pe_info *kpe,
				   struct pm_obj_types *ret)
{
	struct find_ctx f = { vm, L, ret, 0, false };
	uint64_t missing = 0;
	PM_TRY(pm_obj_layout_check(L));
	PM_TRY(pm_kdata_scan(vm, kernel_base, kpe, find_one, &f, &missing));
	if (!f.found)
		return pm_err(PM_ERR_NOT_PRESENT, "ObTypeIndexTable not found in the kernel's "
			      "writable sections (%u candidates with the 0xbad0b0b0 marker, none "
			      "a type table; %" PRIu64 " pages not in the dump)", f.candidates,
			      missing);
	snprintf(ret->table_how, sizeof(ret->table_how), "found in the kernel's writable "
		 "sections at %#" PRIx64 " (RVA %#" PRIx64 ")", ret->table, ret->table - kernel_base);
	return NULL;
}

/* ---- the cookie -------------------------------------------------------------------------- */

struct pm_error *pm_obj_types_cookie(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				     struct pm_obj_types *ts, bool have_cookie, uint8_t cookie,
				     const char *cookie_source)
{
	unsigned agree = 0, read = 0, derived = 0;
	bool first = true;
	ts->encoded = L->type_index_encoded;
	for (unsigned i = 2; i < ts->n; i++) {
		if (!ts->t[i].present)
			continue;
		uint64_t hdr = ts->t[i].va - L->f[PM_OF_OH_BODY].off;
		uint8_t stored;
		struct pm_error *err = pm_vmem_read(vm, hdr + L->f[PM_OF_OH_TYPEIDX].off, &stored, 1);
		if (err) {
			pm_error_destroy(err);
			continue;
		}
		read++;
		uint8_t c = (uint8_t)(stored ^ (uint8_t)(hdr >> 8) ^ ts->type_type);
		if (!ts->encoded) {
			agree += stored == ts->type_type;
			continue;
		}
		if (first) {
			derived = c;
			first = false;
		}
		agree += c == (have_cookie ? cookie : derived);
	}
	if (!read)
		return pm_err(PM_ERR_NOT_PRESENT, "no type object's header is in the dump: the "
			      "type index of objects cannot be checked");
	if (!ts->encoded) {
		if (agree != read)
			return pm_err(PM_ERR_FORMAT, "%u of %u type objects do not carry the \"Type\" "
				      "type's index %u in their header (is TypeIndex encoded on "
				      "this kernel?)", read - agree, read, ts->type_type);
		snprintf(ts->cookie_how, sizeof(ts->cookie_how), "not encoded (before 14393); "
			 "checked on %u type objects", read);
		return NULL;
	}
	if (!have_cookie && read < 3)
		return pm_err(PM_ERR_NOT_PRESENT, "only %u type object header(s) in the dump: too "
			      "few to derive ObHeaderCookie from", read);
	if (agree != read)
		return pm_err(PM_ERR_FORMAT, "the ObHeaderCookie %s disagrees with %u of %u type "
			      "objects", have_cookie ? cookie_source : "derived from the first one",
			      read - agree, read);
	ts->cookie = have_cookie ? cookie : (uint8_t)derived;
	if (have_cookie)
		snprintf(ts->cookie_how, sizeof(ts->cookie_how), "%s = %#x, agrees with %u type "
			 "objects", cookie_source, ts->cookie, read);
	else
		snprintf(ts->cookie_how, sizeof(ts->cookie_how), "derived from %u type objects "
			 "(all agree): %#x", read, ts->cookie);
	return NULL;
}
