// SPDX-License-Identifier: MIT
// `dt`: a type's layout the way WinDbg's dt prints it (offsets, WinDbg's type names, bitfield
// positions), or as JSON; and `x`: symbols' RVAs.
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtview.h"
#include "fmt.h"
#include "jsonb.h"
#include "strbuf.h"
#include "symstore.h"

/* Policy: pointer/array levels spelled out in a type name. */
enum { DT_MAX_NAME_DEPTH = 8 };

/* WinDbg's name for a type: Uint4B, Ptr64 _LIST_ENTRY, [3] Uint8B, Pos 8, 12 Bits. */
static void type_name(struct pm_symtab *t, const struct pm_tinfo *ti, unsigned depth, char *out,
		      size_t n)
{
	struct pm_tinfo sub;
	char inner[200];
	switch (ti->kind) {
	case PM_TK_BASE:
		if (ti->base_class == PM_BC_FLOAT)
			snprintf(out, n, "Float");
		else if (ti->base_class == PM_BC_BOOL)
			snprintf(out, n, "Bool");
		else if (ti->base_class == PM_BC_WCHAR)
			snprintf(out, n, "Wchar");
		else if (ti->size == 1)
			snprintf(out, n, "%s", ti->is_signed ? "Char" : "UChar");
		else
			snprintf(out, n, "%s%" PRIu64 "B", ti->is_signed ? "Int" : "Uint", ti->size);
		return;
	case PM_TK_VOID:
		snprintf(out, n, "Void");
		return;
	case PM_TK_FUNCTION:
		snprintf(out, n, "void");
		return;
	case PM_TK_STRUCT:
	case PM_TK_UNION:
	case PM_TK_ENUM:
		snprintf(out, n, "%.200s", ti->name[0] ? ti->name : "<unnamed-tag>");
		return;
	case PM_TK_BITFIELD:
		snprintf(out, n, "Pos %u, %u Bit%s", ti->bitpos, ti->bitlen, ti->bitlen == 1 ? "" : "s");
		return;
	case PM_TK_POINTER:
	case PM_TK_ARRAY: {
		struct pm_error *e = depth >= DT_MAX_NAME_DEPTH ? NULL
				     : t->ops->describe(t, ti->target, &sub);
		if (depth >= DT_MAX_NAME_DEPTH || e)
			snprintf(inner, sizeof(inner), "?");
		else
			type_name(t, &sub, depth + 1, inner, sizeof(inner));
		pm_error_destroy(e);
		if (ti->kind == PM_TK_POINTER)
			snprintf(out, n, "Ptr%u %.200s", (unsigned)(ti->size * 8), inner);
		else
			snprintf(out, n, "[%" PRIu64 "] %.200s", ti->count, inner);
		return;
	}
	default:
		snprintf(out, n, "%.200s", ti->name);
	}
}

static const char *kind_name(enum pm_tkind k)
{
	static const char *const names[] = { "base", "void", "pointer", "array", "struct",
					     "union", "enum", "bitfield", "function", "other" };
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "other";
}

/* "nt" for kernel PDBs, else the file's base name without .pdb. */
static void module_name(const struct pm_symtab *t, char *out, size_t n)
{
	const char *p = t->id.pdb_name;
	if (!strncmp(p, "nt", 2) && (strstr(p, "krnl") || strstr(p, "krpamp") || strstr(p, "oskrnl"))) {
		snprintf(out, n, "nt");
		return;
	}
	snprintf(out, n, "%.60s", p[0] ? p : "?");
	char *dot = strrchr(out, '.');
	if (dot)
		*dot = 0;
}

/* Which file was read: its name, GUID and ages (a PDB has two that may differ: amdppm.pdb's
 * PDB-info stream says 3, its DBI 1), machine and path. */
static void source_json(struct pm_jb *j, cJSON *root, const struct pm_symtab *t)
{
	cJSON *src = pm_jb_obj(j, root, "source");
	pm_jb_str(j, src, "format", t->id.format);
	pm_jb_str(j, src, "path", t->path);
	if (t->id.pdb_name[0])
		pm_jb_str(j, src, "pdb", t->id.pdb_name);
	if (t->id.has_guid) {
		char g[33];
		pm_sym_guid_text(t->id.guid, g);
		pm_jb_str(j, src, "guid", g);
	}
	if (!strcmp(t->id.format, "PDB")) {
		pm_jb_num(j, src, "dbi_age", t->id.age);
		if (t->id.has_info_age)
			pm_jb_num(j, src, "pdb_info_age", t->id.info_age);
		if (t->id.machine)
			pm_jb_hex(j, src, "machine", t->id.machine);
	} else {
		pm_jb_num(j, src, "age", t->id.age);
	}
}

/* The type @p type and, for a struct or union, its members (caller frees m). */
struct dt_type {
	pm_tref ty;
	struct pm_tinfo ti;
	bool has_size;
	uint64_t size;
	struct pm_tmember *m;
	size_t n;
};

static struct pm_error *dt_lookup(struct pm_symtab *t, const char *type, struct dt_type *d)
{
	memset(d, 0, sizeof(*d));
	PM_TRY(t->ops->find_type(t, type, &d->ty));
	PM_TRY(t->ops->describe(t, d->ty, &d->ti));
	struct pm_error *serr = pm_sym_tsize(t, d->ty, &d->size);
	d->has_size = !serr;
	pm_error_destroy(serr);
	if (d->ti.kind == PM_TK_STRUCT || d->ti.kind == PM_TK_UNION)
		PM_TRY(t->ops->members(t, d->ty, &d->m, &d->n));
	return NULL;
}

static struct pm_error *dt_member_json(struct pm_jb *j, struct pm_symtab *t, cJSON *arr,
				       const struct pm_tmember *m)
{
	struct pm_tinfo mt;
	PM_TRY(t->ops->describe(t, m->type, &mt));
	char tn[256];
	type_name(t, &mt, 0, tn, sizeof(tn));
	uint64_t msz = 0;
	struct pm_error *e = pm_sym_tsize(t, m->type, &msz);
	cJSON *o = pm_jb_push_obj(j, arr);
	pm_jb_str(j, o, "name", m->name);
	pm_jb_num(j, o, "offset", (double)m->offset);
	if (e)
		pm_jb_null(j, o, "size");
	else
		pm_jb_num(j, o, "size", (double)msz);
	pm_jb_str(j, o, "kind", kind_name(mt.kind));
	pm_jb_str(j, o, "type", tn);
	if (mt.kind == PM_TK_BITFIELD) {
		pm_jb_num(j, o, "bit_position", mt.bitpos);
		pm_jb_num(j, o, "bit_length", mt.bitlen);
	}
	pm_error_destroy(e);
	return NULL;
}

struct pm_error *pm_json_dt(struct pm_symtab *t, const char *type, cJSON **ret)
{
	struct dt_type d;
	struct pm_error *err = dt_lookup(t, type, &d);
	if (err) {
		free(d.m);
		return err;
	}
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.dt/1");
	pm_jb_str(&j, root, "type", type);
	pm_jb_str(&j, root, "kind", kind_name(d.ti.kind));
	if (d.has_size)
		pm_jb_num(&j, root, "size", (double)d.size);
	else
		pm_jb_null(&j, root, "size");
	source_json(&j, root, t);
	cJSON *arr = pm_jb_arr(&j, root, "members");
	for (size_t i = 0; arr && i < d.n && !err; i++)
		err = dt_member_json(&j, t, arr, &d.m[i]);
	free(d.m);
	if (err) {
		cJSON_Delete(root);
		return err;
	}
	return pm_jb_done(&j, root, ret);
}

struct pm_error *pm_dt_text(struct pm_symtab *t, const char *type, char **ret)
{
	struct dt_type d;
	struct pm_error *err = dt_lookup(t, type, &d);
	if (err) {
		free(d.m);
		return err;
	}
	char mod[64];
	module_name(t, mod, sizeof(mod));
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "%s!%s\n", mod, type);
	size_t w = 16;
	for (size_t i = 0; i < d.n; i++)
		if (strlen(d.m[i].name) > w)
			w = strlen(d.m[i].name);
	for (size_t i = 0; i < d.n && !err; i++) {
		struct pm_tinfo mt;
		if ((err = t->ops->describe(t, d.m[i].type, &mt)))
			break;
		char tn[256];
		type_name(t, &mt, 0, tn, sizeof(tn));
		pm_sb_printf(&sb, "   +0x%03" PRIx64 " %-*s : %s\n", d.m[i].offset, (int)w,
			     d.m[i].name, tn);
	}
	if (d.ti.kind == PM_TK_ENUM && !err) {
		struct pm_tenumerator *e = NULL;
		size_t ne = 0;
		if (!(err = t->ops->enumerators(t, d.ty, &e, &ne)))
			for (size_t i = 0; i < ne; i++)
				pm_sb_printf(&sb, "   %s = 0n%" PRId64 "\n", e[i].name, e[i].value);
		free(e);
	}
	if (d.has_size)
		pm_sb_printf(&sb, "   (size %#" PRIx64 " bytes; from %s %s)\n", d.size, t->id.format,
			     t->path);
	free(d.m);
	if (err) {
		pm_sb_free(&sb);
		return err;
	}
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

struct pm_error *pm_json_x(struct pm_symtab *t, const char *const *names, size_t n, cJSON **ret,
			   bool *all_found)
{
	*all_found = true;
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.x/1");
	source_json(&j, root, t);
	cJSON *arr = pm_jb_arr(&j, root, "symbols");
	for (size_t i = 0; arr && i < n; i++) {
		uint64_t rva = 0;
		struct pm_error *e = pm_sym_rva(t, names[i], &rva);
		cJSON *o = pm_jb_push_obj(&j, arr);
		pm_jb_str(&j, o, "name", names[i]);
		if (e) {
			*all_found = false;
			pm_jb_null(&j, o, "rva");
			pm_jb_str(&j, o, "error", pm_err_msg(e));
		} else {
			pm_jb_hex(&j, o, "rva", rva);
		}
		pm_error_destroy(e);
	}
	return pm_jb_done(&j, root, ret);
}

struct pm_error *pm_x_text(struct pm_symtab *t, const char *const *names, size_t n, char **ret,
			   bool *all_found)
{
	*all_found = true;
	struct pm_strbuf sb = { 0 };
	for (size_t i = 0; i < n; i++) {
		uint64_t rva = 0;
		struct pm_error *e = pm_sym_rva(t, names[i], &rva);
		if (e) {
			*all_found = false;
			pm_sb_printf(&sb, "%-10s %s: %s\n", "-", names[i], pm_err_msg(e));
		} else {
			pm_sb_printf(&sb, "%-10s %s\n", PM_ADDR(rva), names[i]);
		}
		pm_error_destroy(e);
	}
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
