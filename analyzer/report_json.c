// SPDX-License-Identifier: MIT
// JSON rendering of `info` (the only user of cJSON for output). Every cJSON constructor's
// result is checked through add_*(); the first failure becomes PM_ERR_NOMEM.
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "names.h"
#include "report.h"
#include "vmview.h"

struct jb {
	bool oom;
};

static cJSON *chk(struct jb *j, cJSON *x)
{
	if (!x)
		j->oom = true;
	return x;
}

static void add_hex(struct jb *j, cJSON *o, const char *k, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof(b), "%#" PRIx64, v);
	if (!v)
		snprintf(b, sizeof(b), "0x0");
	chk(j, cJSON_AddStringToObject(o, k, b));
}

static void add_num(struct jb *j, cJSON *o, const char *k, double v)
{
	chk(j, cJSON_AddNumberToObject(o, k, v));
}

static void add_str(struct jb *j, cJSON *o, const char *k, const char *s)
{
	chk(j, s ? cJSON_AddStringToObject(o, k, s) : cJSON_AddNullToObject(o, k));
}

static void add_bool(struct jb *j, cJSON *o, const char *k, bool b)
{
	chk(j, cJSON_AddBoolToObject(o, k, b));
}

static cJSON *add_obj(struct jb *j, cJSON *o, const char *k)
{
	cJSON *x = chk(j, cJSON_AddObjectToObject(o, k));
	return x ? x : o; /* on OOM keep going harmlessly; j->oom reports it */
}

/* {"value": null, "absent": reason, "detail": text} */
static void add_absent(struct jb *j, cJSON *o, const char *k, enum pm_absent a, const char *detail)
{
	cJSON *x = add_obj(j, o, k);
	chk(j, cJSON_AddNullToObject(x, "value"));
	add_str(j, x, "absent", pm_absent_name(a) ? pm_absent_name(a) : "unreadable");
	if (detail && detail[0])
		add_str(j, x, "detail", detail);
}

static void add_pdb(struct jb *j, cJSON *o, const char *k, const struct pm_pe_info *pe)
{
	char g[37], key[42];
	cJSON *x = add_obj(j, o, k);
	pm_pe_guid_string(pe->guid, g);
	pm_pe_pdb_key(pe, key);
	add_str(j, x, "name", pe->pdb_name);
	add_str(j, x, "guid", g);
	add_num(j, x, "age", pe->age);
	add_str(j, x, "symbol_key", key);
	add_hex(j, x, "timestamp", pe->timestamp);
	add_hex(j, x, "size_of_image", pe->size_of_image);
}

static void add_diags(struct jb *j, cJSON *arr, const struct pm_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		cJSON *x = chk(j, cJSON_CreateObject());
		if (!x)
			return;
		cJSON_AddItemToArray(arr, x);
		add_str(j, x, "code", pm_err_code_name(d->items[i].code));
		add_str(j, x, "layer", d->items[i].layer);
		add_str(j, x, "message", d->items[i].msg);
	}
}

/* What tier 3 (PDB/ISF) gave, or why not. */
static void add_symbols(struct jb *j, cJSON *root, const struct pm_info *in)
{
	const struct pm_sym_info *s = &in->sym;
	cJSON *o = add_obj(j, root, "symbols");
	add_bool(j, o, "requested", s->requested);
	if (!s->requested)
		return;
	add_str(j, o, "path", s->spec);
	add_bool(j, o, "found", s->found);
	if (s->found) {
		const struct pm_symtab *t = s->find.tab;
		char g[33];
		pm_sym_guid_text(t->id.guid, g);
		add_str(j, o, "file", s->find.where);
		add_str(j, o, "format", t->id.format);
		cJSON *id = add_obj(j, o, "identity");
		add_str(j, id, "pdb", t->id.pdb_name);
		add_str(j, id, "guid", g);
		add_num(j, id, "age", t->id.age);
	} else {
		add_str(j, o, "absent", s->absent);
	}
	cJSON *tr = chk(j, cJSON_AddArrayToObject(o, "tried"));
	for (size_t i = 0; tr && i < s->find.ntried; i++) {
		cJSON *x = chk(j, cJSON_CreateString(s->find.tried[i]));
		if (x)
			cJSON_AddItemToArray(tr, x);
	}
	cJSON *us = chk(j, cJSON_AddArrayToObject(o, "used"));
	for (size_t i = 0; us && i < s->nuses; i++) {
		cJSON *x = chk(j, cJSON_CreateObject());
		if (!x)
			break;
		cJSON_AddItemToArray(us, x);
		add_str(j, x, "name", s->uses[i].name);
		add_str(j, x, "what", s->uses[i].what);
	}
	if (s->found) { /* !vm lines read through the symbols */
		struct pm_vm_view v;
		pm_vm_view_build(in, &v);
		for (int i = 0; us && i < _PM_VM_MAX; i++) {
			const struct pm_vm_line *l = &v.line[i];
			if (!l->present || !l->source || (strncmp(l->source, "MiState", 7) &&
							  strncmp(l->source, "MiSystem", 8)))
				continue;
			cJSON *x = chk(j, cJSON_CreateObject());
			if (!x)
				break;
			cJSON_AddItemToArray(us, x);
			char what[120];
			snprintf(what, sizeof(what), "!vm %s: %" PRIu64 " pages",
				 pm_vm_line_label((enum pm_vm_line_id)i), l->pages);
			add_str(j, x, "name", l->source);
			add_str(j, x, "what", what);
		}
		pm_vm_view_deinit(&v);
	}
	cJSON *df = chk(j, cJSON_AddArrayToObject(o, "differences"));
	for (size_t i = 0; df && i < s->ndiffs; i++) {
		cJSON *x = chk(j, cJSON_CreateString(s->diffs[i]));
		if (x)
			cJSON_AddItemToArray(df, x);
	}
}

struct pm_error *pm_report_symbols_json(const struct pm_info *in, const char *name, char **ret)
{
	struct jb j = { false };
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return &pm_enomem;
	add_str(&j, root, "schema", "poolmortem.symbols/1");
	cJSON *f = add_obj(&j, root, "file");
	add_str(&j, f, "path", name);
	if (!in->kernel_pe_absent && in->kernel_pe.has_codeview)
		add_pdb(&j, root, "kernel_pdb", &in->kernel_pe);
	else
		add_absent(&j, root, "kernel_pdb", in->kernel_pe_absent ? in->kernel_pe_absent
									: PM_ABSENT_UNREADABLE,
			   in->kernel_pe_why);
	add_symbols(&j, root, in);
	char *s = j.oom ? NULL : cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

struct pm_error *pm_report_info_json(const struct pm_info *in, const char *name, char **ret)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_dmp_header *h = &d->hdr;
	struct jb j = { false };
	cJSON *root = cJSON_CreateObject();
	if (!root)
		return &pm_enomem;
	add_str(&j, root, "schema", PM_INFO_SCHEMA);
	cJSON *f = add_obj(&j, root, "file");
	add_str(&j, f, "path", name);
	add_num(&j, f, "size", (double)d->src->size);

	cJSON *c = add_obj(&j, root, "container");
	add_str(&j, c, "format", pm_container_name(d->container));
	if (d->container == PM_CONT_CRASHDUMP) {
		add_str(&j, c, "signature", h->is64 ? "PAGEDU64" : "PAGEDUMP");
		add_num(&j, c, "dump_type", h->dump_type);
		add_str(&j, c, "dump_type_name", pm_dump_type_name(h->dump_type));
		add_str(&j, c, "description", pm_dump_type_desc(h->dump_type));
		add_str(&j, c, "subformat", d->subformat[0] ? d->subformat : NULL);
		add_hex(&j, c, "header_size", h->header_size);
	} else {
		/* no Windows dump header: none of its fields exist */
		static const char *const hdr_fields[] = { "signature", "dump_type", "header_size" };
		for (size_t i = 0; i < sizeof(hdr_fields) / sizeof(hdr_fields[0]); i++)
			add_absent(&j, c, hdr_fields[i], PM_ABSENT_NOT_APPLICABLE,
				   "no Windows dump header");
	}
	if (h->comment[0])
		add_str(&j, c, "comment", h->comment);
	if (d->src->container_size)
		add_num(&j, c, "container_file_size", (double)d->src->container_size);

	cJSON *m = add_obj(&j, root, "machine");
	add_str(&j, m, "arch", pm_arch_name(d->arch));
	add_num(&j, m, "build", h->build);
	add_bool(&j, m, "checked_build", h->major_version == 0xC);
	add_str(&j, m, "os", in->os_name[0] ? in->os_name : NULL);
	if (in->service_pack.absent)
		add_absent(&j, m, "service_pack", in->service_pack.absent, NULL);
	else
		add_num(&j, m, "service_pack", (double)in->service_pack.v);
	if (in->build_lab[0])
		add_str(&j, m, "build_lab", in->build_lab);
	else
		add_absent(&j, m, "build_lab", in->has_kdbg ? PM_ABSENT_UNREADABLE : PM_ABSENT_NO_KDBG,
			   NULL);
	add_num(&j, m, "processors", h->nprocs);
	if (h->has_product_type)
		add_num(&j, m, "product_type", h->product_type);
	else
		add_absent(&j, m, "product_type", PM_ABSENT_NOT_IN_HEADER, NULL);
	add_hex(&j, m, "directory_table_base", h->dtb);

	if (d->container == PM_CONT_CRASHDUMP) {
		cJSON *b = add_obj(&j, root, "bugcheck");
		char code[16];
		snprintf(code, sizeof(code), "0x%08x", h->bugcheck_code);
		add_str(&j, b, "code", code);
		add_str(&j, b, "name", pm_bugcheck_name(h->bugcheck_code));
		cJSON *params = b ? chk(&j, cJSON_AddArrayToObject(b, "parameters")) : NULL;
		for (int i = 0; params && i < 4; i++) {
			char p[24];
			snprintf(p, sizeof(p), "%#" PRIx64, h->bugcheck_params[i]);
			if (!h->bugcheck_params[i])
				snprintf(p, sizeof(p), "0x0");
			cJSON *s = chk(&j, cJSON_CreateString(p));
			if (s)
				cJSON_AddItemToArray(params, s);
		}
	} else {
		add_absent(&j, root, "bugcheck", PM_ABSENT_NOT_APPLICABLE,
			   "a capture of a running system: no Windows dump header, no bugcheck");
	}

	cJSON *t = add_obj(&j, root, "time");
	char ts[32];
	if (h->has_system_time && pm_filetime_iso(h->system_time, ts))
		add_str(&j, t, "system_time", ts);
	else
		add_absent(&j, t, "system_time", PM_ABSENT_NOT_IN_HEADER, NULL);
	if (h->has_uptime)
		add_num(&j, t, "uptime_seconds", (double)(h->uptime / 10000000ull));
	else
		add_absent(&j, t, "uptime_seconds", PM_ABSENT_NOT_IN_HEADER, NULL);

	cJSON *mem = add_obj(&j, root, "memory");
	add_num(&j, mem, "pages_in_dump", (double)d->phys.pages_present);
	add_hex(&j, mem, "pfn_limit", d->phys.pfn_limit);
	if (in->ram_pages.absent)
		add_absent(&j, mem, "ram_pages", in->ram_pages.absent, NULL);
	else
		add_num(&j, mem, "ram_pages", (double)in->ram_pages.v);

	cJSON *cp = add_obj(&j, root, "completeness");
	add_num(&j, cp, "file_size",
		(double)(d->src->container_size ? d->src->container_size : d->src->size));
	if (d->has_expected_size)
		add_num(&j, cp, "expected_size", (double)d->expected_size);
	else
		add_absent(&j, cp, "expected_size", PM_ABSENT_NOT_APPLICABLE, NULL);
	add_bool(&j, cp, "truncated", d->phys.pages_beyond_eof > 0);
	add_num(&j, cp, "pages_beyond_eof", (double)d->phys.pages_beyond_eof);
	add_bool(&j, cp, "writer_dropped_pages",
		 h->has_attributes && (h->attributes & PM_DUMP_ATTR_INSUFFICIENT_SPACE));
	add_bool(&j, cp, "complete", !in->incomplete);
	if (in->incomplete)
		add_str(&j, cp, "problem", in->incomplete_why);

	cJSON *k = add_obj(&j, root, "kernel");
	if (in->kernel_base.absent) {
		add_absent(&j, k, "base", in->kernel_base.absent, NULL);
	} else {
		add_hex(&j, k, "base", in->kernel_base.v);
		add_str(&j, k, "base_source", in->kernel_base_source);
	}
	if (!in->kernel_pe_absent && in->kernel_pe.has_codeview)
		add_pdb(&j, k, "pdb", &in->kernel_pe);
	else
		add_absent(&j, k, "pdb", in->kernel_pe_absent ? in->kernel_pe_absent
							      : PM_ABSENT_UNREADABLE,
			   in->kernel_pe_why);

	if (in->has_kdbg) {
		cJSON *kd = add_obj(&j, root, "kdbg");
		add_hex(&j, kd, "va", in->kdbg.va);
		add_hex(&j, kd, "size", in->kdbg.size);
		add_str(&j, kd, "found_by", in->kdbg.source == PM_KDBG_FROM_TRIAGE_COPY ? "triage_copy"
					    : in->kdbg.source == PM_KDBG_DISCOVERED  ? "discovered"
										     : "dump_header");
		add_bool(&j, kd, "decoded", in->kdbg.decoded);
	} else {
		add_absent(&j, root, "kdbg", d->triage ? PM_ABSENT_NOT_CAPTURED : PM_ABSENT_UNREADABLE,
			   in->kdbg_absent);
	}

	cJSON *mods = add_obj(&j, root, "modules");
	add_str(&j, mods, "source", in->modules_source);
	add_bool(&j, mods, "complete", in->modules.complete);
	add_num(&j, mods, "count", (double)in->modules.n);
	cJSON *list = chk(&j, cJSON_AddArrayToObject(mods, "list"));
	for (size_t i = 0; list && i < in->modules.n; i++) {
		const struct pm_module *mo = &in->modules.items[i];
		cJSON *x = chk(&j, cJSON_CreateObject());
		if (!x)
			break;
		cJSON_AddItemToArray(list, x);
		add_str(&j, x, "name", mo->name);
		add_hex(&j, x, "base", mo->base);
		add_hex(&j, x, "size", mo->size);
		const struct pm_info_module *im = in->mods ? &in->mods[i] : NULL;
		if (im && !im->pe_absent && im->pe.has_codeview)
			add_pdb(&j, x, "pdb", &im->pe);
		else
			add_absent(&j, x, "pdb", im && im->pe_absent ? im->pe_absent
								     : PM_ABSENT_UNREADABLE,
				   NULL);
	}

	if (d->disc) {
		/* what a dump header would have given, found in memory: and how */
		cJSON *ds = add_obj(&j, root, "discovered");
		add_hex(&j, ds, "directory_table_base", d->disc->dtb);
		add_str(&j, ds, "directory_table_base_how", d->disc->dtb_how);
		add_hex(&j, ds, "kernel_base", d->disc->kernel_base);
		add_str(&j, ds, "kernel_base_how", d->disc->kernel_how);
		add_hex(&j, ds, "kdbg", d->disc->kdbg_va);
		add_str(&j, ds, "kdbg_how", d->disc->kdbg_how);
		add_bool(&j, ds, "kdbg_was_encoded", d->disc->kdbg_encoded);
		if (d->disc->build)
			add_str(&j, ds, "build_how", d->disc->build_how);
		else
			add_absent(&j, ds, "build_how", PM_ABSENT_UNREADABLE, "NtBuildLab unreadable");
		if (d->disc->nprocs)
			add_str(&j, ds, "processors_how", d->disc->nprocs_how);
		else
			add_absent(&j, ds, "processors_how", PM_ABSENT_UNREADABLE,
				   "KiProcessorBlock unreadable");
	}
	cJSON *pd = add_obj(&j, root, "pool_data");
	add_bool(&j, pd, "available", !d->triage);
	if (d->triage)
		add_str(&j, pd, "note", "a small memory dump holds no pool pages, tag tables or "
					"big-page table");
	add_symbols(&j, root, in);
	cJSON *dg = chk(&j, cJSON_AddArrayToObject(root, "diagnostics"));
	if (dg) {
		add_diags(&j, dg, &d->diags);
		add_diags(&j, dg, &in->diags);
	}
	char *s = j.oom ? NULL : cJSON_Print(root);
	cJSON_Delete(root);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
