// SPDX-License-Identifier: MIT
// `dt`: a type's layout the way WinDbg's dt prints it (offsets, WinDbg's type names, bitfield
// positions), or as JSON; and `x`: symbols' RVAs.
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtview.h"
#include "strbuf.h"

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

struct pm_error *pm_dt_render(struct pm_symtab *t, const char *type, bool json, char **ret)
{
	pm_tref ty;
	PM_TRY(t->ops->find_type(t, type, &ty));
	struct pm_tinfo ti;
	PM_TRY(t->ops->describe(t, ty, &ti));
	uint64_t size = 0;
	struct pm_error *serr = pm_sym_tsize(t, ty, &size);
	bool has_size = !serr;
	pm_error_destroy(serr);
	struct pm_tmember *m = NULL;
	size_t n = 0;
	if (ti.kind == PM_TK_STRUCT || ti.kind == PM_TK_UNION)
		PM_TRY(t->ops->members(t, ty, &m, &n));
	char mod[64];
	module_name(t, mod, sizeof(mod));
	struct pm_error *err = NULL;
	if (json) {
		cJSON *root = cJSON_CreateObject();
		cJSON *arr = root ? cJSON_AddArrayToObject(root, "members") : NULL;
		bool oom = !arr;
		if (root) {
			oom |= !cJSON_AddStringToObject(root, "schema", "poolmortem.dt/1");
			oom |= !cJSON_AddStringToObject(root, "type", type);
			oom |= !cJSON_AddStringToObject(root, "kind", kind_name(ti.kind));
			if (has_size)
				oom |= !cJSON_AddNumberToObject(root, "size", (double)size);
			else
				oom |= !cJSON_AddNullToObject(root, "size");
			cJSON *src = cJSON_AddObjectToObject(root, "source");
			oom |= !src || !cJSON_AddStringToObject(src, "format", t->id.format) ||
			       !cJSON_AddStringToObject(src, "path", t->path);
		}
		for (size_t i = 0; arr && i < n && !err; i++) {
			struct pm_tinfo mt;
			if ((err = t->ops->describe(t, m[i].type, &mt)))
				break;
			char tn[256];
			type_name(t, &mt, 0, tn, sizeof(tn));
			uint64_t msz = 0;
			struct pm_error *e = pm_sym_tsize(t, m[i].type, &msz);
			cJSON *o = cJSON_CreateObject();
			oom |= !o;
			if (o) {
				cJSON_AddItemToArray(arr, o);
				oom |= !cJSON_AddStringToObject(o, "name", m[i].name);
				oom |= !cJSON_AddNumberToObject(o, "offset", (double)m[i].offset);
				if (e)
					oom |= !cJSON_AddNullToObject(o, "size");
				else
					oom |= !cJSON_AddNumberToObject(o, "size", (double)msz);
				oom |= !cJSON_AddStringToObject(o, "kind", kind_name(mt.kind));
				oom |= !cJSON_AddStringToObject(o, "type", tn);
				if (mt.kind == PM_TK_BITFIELD) {
					oom |= !cJSON_AddNumberToObject(o, "bit_position", mt.bitpos);
					oom |= !cJSON_AddNumberToObject(o, "bit_length", mt.bitlen);
				}
			}
			pm_error_destroy(e);
		}
		char *s = root && !oom && !err ? cJSON_Print(root) : NULL;
		cJSON_Delete(root);
		free(m);
		if (err) {
			free(s);
			return err;
		}
		if (!s)
			return &pm_enomem;
		*ret = s;
		return NULL;
	}
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "%s!%s\n", mod, type);
	size_t w = 16;
	for (size_t i = 0; i < n; i++)
		if (strlen(m[i].name) > w)
			w = strlen(m[i].name);
	for (size_t i = 0; i < n && !err; i++) {
		struct pm_tinfo mt;
		if ((err = t->ops->describe(t, m[i].type, &mt)))
			break;
		char tn[256];
		type_name(t, &mt, 0, tn, sizeof(tn));
		pm_sb_printf(&sb, "   +0x%03" PRIx64 " %-*s : %s\n", m[i].offset, (int)w, m[i].name, tn);
	}
	if (ti.kind == PM_TK_ENUM) {
		struct pm_tenumerator *e = NULL;
		size_t ne = 0;
		if (!(err = t->ops->enumerators(t, ty, &e, &ne)))
			for (size_t i = 0; i < ne; i++)
				pm_sb_printf(&sb, "   %s = 0n%" PRId64 "\n", e[i].name, e[i].value);
		free(e);
	}
	if (has_size)
		pm_sb_printf(&sb, "   (size %#" PRIx64 " bytes; from %s %s)\n", size, t->id.format,
			     t->path);
	free(m);
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

struct pm_error *pm_x_render(struct pm_symtab *t, const char *const *names, size_t n, bool json,
			     char **ret, bool *all_found)
{
	*all_found = true;
	struct pm_strbuf sb = { 0 };
	cJSON *root = json ? cJSON_CreateObject() : NULL;
	cJSON *arr = root ? cJSON_AddArrayToObject(root, "symbols") : NULL;
	if (json && (!root || !arr || !cJSON_AddStringToObject(root, "schema", "poolmortem.x/1"))) {
		cJSON_Delete(root);
		return &pm_enomem;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t rva = 0;
		struct pm_error *e = pm_sym_rva(t, names[i], &rva);
		if (e)
			*all_found = false;
		if (json) {
			cJSON *o = cJSON_CreateObject();
			if (o) {
				cJSON_AddItemToArray(arr, o);
				cJSON_AddStringToObject(o, "name", names[i]);
				if (e) {
					cJSON_AddNullToObject(o, "rva");
					cJSON_AddStringToObject(o, "error", pm_err_msg(e));
				} else {
					char h[24];
					snprintf(h, sizeof(h), "%#" PRIx64, rva);
					cJSON_AddStringToObject(o, "rva", h);
				}
			}
		} else if (e) {
			pm_sb_printf(&sb, "%-10s %s: %s\n", "-", names[i], pm_err_msg(e));
		} else {
			pm_sb_printf(&sb, "%#-10" PRIx64 " %s\n", rva, names[i]);
		}
		pm_error_destroy(e);
	}
	char *s = json ? cJSON_Print(root) : pm_sb_take(&sb);
	cJSON_Delete(root);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
