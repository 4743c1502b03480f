// SPDX-License-Identifier: MIT
// Generic queries over a symbol table backend (PDB or ISF): sizes, dotted member paths.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "symtab.h"

/* Policy: nesting followed when sizing arrays or descending through anonymous members. */
enum { PM_SYM_MAX_DEPTH = 16 };

void pm_symtab_destroy(struct pm_symtab *t)
{
	if (t)
		t->ops->destroy(t);
}

const char *pm_symtab_age_match(const struct pm_symtab_id *id, uint32_t image_age)
{
	if (id->age == image_age)
		return strcmp(id->format, "PDB") ? id->format : "DBI";
	if (id->has_info_age && id->info_age == image_age)
		return "PDB-info";
	return NULL;
}

struct pm_error *pm_sym_rva(struct pm_symtab *t, const char *name, uint64_t *rva)
{
	return t->ops->symbol(t, name, rva);
}

static struct pm_error *tsize(struct pm_symtab *t, pm_tref ty, unsigned depth, uint64_t *size)
{
	if (depth > PM_SYM_MAX_DEPTH)
		return pm_err(PM_ERR_LIMIT, "type nesting deeper than %d levels (a cycle?)",
			      PM_SYM_MAX_DEPTH);
	struct pm_tinfo ti;
	PM_TRY(t->ops->describe(t, ty, &ti));
	if (ti.has_size) {
		*size = ti.size;
		return NULL;
	}
	uint64_t el;
	switch (ti.kind) {
	case PM_TK_ARRAY:
		PM_TRY(tsize(t, ti.target, depth + 1, &el));
		if (pm_ckd_mul(size, el, ti.count))
			return pm_err(PM_ERR_FORMAT, "array of %" PRIu64 " elements of %" PRIu64
				      " bytes overflows", ti.count, el);
		return NULL;
	case PM_TK_BITFIELD:
	case PM_TK_ENUM:
		return tsize(t, ti.target, depth + 1, size);
	default:
		return pm_err(PM_ERR_PROFILE, "type %s has no size (%s)", ti.name[0] ? ti.name : "?",
			      ti.kind == PM_TK_STRUCT || ti.kind == PM_TK_UNION
				      ? "declared but never defined"
				      : ti.kind == PM_TK_FUNCTION ? "a function" : "void or unknown");
	}
}

struct pm_error *pm_sym_tsize(struct pm_symtab *t, pm_tref ty, uint64_t *size)
{
	return tsize(t, ty, 0, size);
}

struct pm_error *pm_sym_sizeof(struct pm_symtab *t, const char *type, uint64_t *size)
{
	pm_tref ty;
	PM_TRY(t->ops->find_type(t, type, &ty));
	return tsize(t, ty, 0, size);
}

/* Find member @p name (len bytes) in struct/union @p ty, looking into anonymous members too;
 * adds its offset to *off and returns its type. */
static struct pm_error *member(struct pm_symtab *t, pm_tref ty, const char *name, size_t len,
			       unsigned depth, uint64_t *off, pm_tref *mty, bool *found)
{
	*found = false;
	if (depth > PM_SYM_MAX_DEPTH)
		return NULL;
	struct pm_tmember *m;
	size_t n;
	PM_TRY(t->ops->members(t, ty, &m, &n));
	struct pm_error *err = NULL;
	for (size_t i = 0; i < n && !*found; i++)
		if (!m[i].anonymous && strlen(m[i].name) == len && !memcmp(m[i].name, name, len)) {
			*off += m[i].offset;
			*mty = m[i].type;
			*found = true;
		}
	for (size_t i = 0; i < n && !*found && !err; i++) {
		if (!m[i].anonymous)
			continue;
		uint64_t o = *off + m[i].offset;
		err = member(t, m[i].type, name, len, depth + 1, &o, mty, found);
		if (*found)
			*off = o;
	}
	free(m);
	return err;
}

struct pm_error *pm_sym_field(struct pm_symtab *t, const char *type, const char *path,
			      struct pm_field *ret)
{
	pm_tref ty;
	PM_TRY(t->ops->find_type(t, type, &ty));
	uint64_t off = 0;
	const char *p = path;
	struct pm_tinfo ti;
	for (;;) {
		PM_TRY(t->ops->describe(t, ty, &ti));
		if (ti.kind != PM_TK_STRUCT && ti.kind != PM_TK_UNION)
			return pm_err(PM_ERR_PROFILE, "%s.%s: %.*s is not a structure", type, path,
				      (int)(p > path ? p - path - 1 : 0), path);
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		bool found;
		pm_tref mty = 0;
		PM_TRY(member(t, ty, p, len, 0, &off, &mty, &found));
		if (!found)
			return pm_err(PM_ERR_PROFILE, "%s has no member %.*s (looking for %s.%s)",
				      ti.name[0] ? ti.name : type, (int)len, p, type, path);
		ty = mty;
		/* a member is held by value: its type must be defined (a real kernel's symbols
		 * define every one); one that is only named means the file contradicts itself */
		uint64_t msize;
		struct pm_error *err = tsize(t, ty, 0, &msize);
		if (err && pm_err_code(err) == PM_ERR_PROFILE) {
			struct pm_error *e = pm_err(PM_ERR_BAD_SYMBOLS, "%s.%s: member %.*s: %s: the "
						    "symbol file contradicts itself", type, path,
						    (int)len, p, pm_err_msg(err));
			pm_error_destroy(err);
			return e;
		}
		PM_TRY(err);
		if (!dot)
			break;
		p = dot + 1;
	}
	memset(ret, 0, sizeof(*ret));
	PM_TRY(t->ops->describe(t, ty, &ret->type));
	ret->offset = off;
	if (ret->type.kind == PM_TK_BITFIELD) {
		ret->is_bitfield = true;
		ret->bitpos = ret->type.bitpos;
		ret->bitlen = ret->type.bitlen;
	}
	return tsize(t, ty, 0, &ret->size);
}
