// SPDX-License-Identifier: MIT
// JSON rendering of `info` (the only user of cJSON for output). Every cJSON constructor's
// result is checked through add_*(); the first failure becomes PM_ERR_NOMEM.
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "discover.h"
#include "jsonb.h"
#include "names.h"
#include "report.h"
#include "verinfo_view.h"
#include "vmview.h"

/* {"value": null, "absent": reason, "detail": text}; the reason as the data gives it (a
 * value with no reason recorded is reported "unreadable"). */
static void add_absent(struct pm_jb *j, cJSON *o, const char *k, enum pm_absent a, const char *detail)
{
	pm_jb_absent(j, o, k, pm_absent_name(a) ? pm_absent_name(a) : "unreadable", detail);
}

/* An image's PDB identity that is not there: why it could not be read, or (the image was
 * read) that its debug directory holds no CodeView record. */
static void add_pdb_absent(struct pm_jb *j, cJSON *o, const char *k, enum pm_absent why,
			   const char *detail)
{
	if (why)
		add_absent(j, o, k, why, detail);
	else
		add_absent(j, o, k, PM_ABSENT_NOT_FOUND, "the image has no CodeView record");
}

static void add_absence(struct pm_jb *j, cJSON *o, const char *k, const struct pm_absence *a)
{
	add_absent(j, o, k, a->why, pm_absence_detail(a));
}

static void add_pdb(struct pm_jb *j, cJSON *o, const char *k, const struct pm_pe_info *pe)
{
	char g[37], key[42];
	cJSON *x = pm_jb_obj(j, o, k);
	pm_pe_guid_string(pe->guid, g);
	pm_pe_pdb_key(pe, key);
	pm_jb_str(j, x, "name", pe->pdb_name);
	pm_jb_str(j, x, "guid", g);
	pm_jb_num(j, x, "age", pe->age);
	pm_jb_str(j, x, "symbol_key", key);
	pm_jb_hex(j, x, "timestamp", pe->timestamp);
	pm_jb_hex(j, x, "size_of_image", pe->size_of_image);
}

static void add_diags(struct pm_jb *j, cJSON *arr, const struct pm_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		cJSON *x = pm_jb_push_obj(j, arr);
		if (!x)
			return;
		pm_jb_str(j, x, "code", pm_err_code_name(d->items[i].code));
		pm_jb_str(j, x, "layer", d->items[i].layer);
		pm_jb_str(j, x, "message", d->items[i].msg);
	}
}

/* What tier 3 (PDB/ISF) gave, or why not. */
static void add_symbols(struct pm_jb *j, cJSON *root, const struct pm_info *in)
{
	const struct pm_sym_info *s = &in->sym;
	cJSON *o = pm_jb_obj(j, root, "symbols");
	pm_jb_bool(j, o, "requested", s->requested);
	if (!s->requested)
		return;
	pm_jb_str(j, o, "path", s->spec);
	pm_jb_bool(j, o, "found", s->found);
	if (s->found) {
		const struct pm_symtab *t = s->find.tab;
		char g[33];
		pm_sym_guid_text(t->id.guid, g);
		pm_jb_str(j, o, "file", s->find.where);
		pm_jb_str(j, o, "format", t->id.format);
		cJSON *id = pm_jb_obj(j, o, "identity");
		pm_jb_str(j, id, "pdb", t->id.pdb_name);
		pm_jb_str(j, id, "guid", g);
		pm_jb_num(j, id, "age", t->id.age);
		if (t->id.has_info_age)
			pm_jb_num(j, id, "pdb_info_age", t->id.info_age);
		pm_jb_str(j, id, "age_matched", s->age_matched);
	} else {
		pm_jb_str(j, o, "absent", s->absent);
	}
	cJSON *tr = pm_jb_arr(j, o, "tried");
	for (size_t i = 0; tr && i < s->find.ntried; i++)
		pm_jb_push_str(j, tr, s->find.tried[i]);
	cJSON *us = pm_jb_arr(j, o, "used");
	for (size_t i = 0; us && i < s->nuses; i++) {
		cJSON *x = pm_jb_push_obj(j, us);
		if (!x)
			break;
		pm_jb_str(j, x, "name", s->uses[i].name);
		pm_jb_str(j, x, "what", s->uses[i].what);
	}
	if (s->found) { /* !vm lines read through the symbols */
		struct pm_vm_view v;
		pm_vm_view_build(in, &v);
		for (int i = 0; us && i < _PM_VM_MAX; i++) {
			const struct pm_vm_line *l = &v.line[i];
			if (l->absent || l->from != PM_PROV_SYMBOL_LAYOUT)
				continue;
			cJSON *x = pm_jb_push_obj(j, us);
			if (!x)
				break;
			char what[120];
			snprintf(what, sizeof(what), "!vm %s: %" PRIu64 " pages",
				 pm_vm_line_label((enum pm_vm_line_id)i), l->pages);
			pm_jb_str(j, x, "name", l->source);
			pm_jb_str(j, x, "what", what);
		}
		pm_vm_view_deinit(&v);
	}
	cJSON *df = pm_jb_arr(j, o, "differences");
	for (size_t i = 0; df && i < s->ndiffs; i++)
		pm_jb_push_str(j, df, s->diffs[i]);
}

struct pm_error *pm_json_symbols(const struct pm_info *in, const char *name, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.symbols/1");
	cJSON *f = pm_jb_obj(&j, root, "file");
	pm_jb_str(&j, f, "path", name);
	const struct pm_kernel *k = in->k;
	if (!k->pe_absent.why && k->pe.has_codeview)
		add_pdb(&j, root, "kernel_pdb", &k->pe);
	else
		add_pdb_absent(&j, root, "kernel_pdb", k->pe_absent.why,
			       pm_absence_detail(&k->pe_absent));
	add_symbols(&j, root, in);
	return pm_jb_done(&j, root, ret);
}

static void add_container(struct pm_jb *j, cJSON *root, const struct pm_info *in,
			  const char *name)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_dmp_header *h = &d->hdr;
	cJSON *f = pm_jb_obj(j, root, "file");
	pm_jb_str(j, f, "path", name);
	pm_jb_num(j, f, "size", (double)d->src->size);
	cJSON *c = pm_jb_obj(j, root, "container");
	pm_jb_str(j, c, "format", pm_container_name(d->container));
	if (d->container == PM_CONT_CRASHDUMP) {
		pm_jb_str(j, c, "signature", h->is64 ? "PAGEDU64" : "PAGEDUMP");
		pm_jb_num(j, c, "dump_type", h->dump_type);
		pm_jb_str(j, c, "dump_type_name", pm_dump_type_name(h->dump_type));
		pm_jb_str(j, c, "description", pm_dump_type_desc(h->dump_type));
		pm_jb_str(j, c, "subformat", d->subformat[0] ? d->subformat : NULL);
		pm_jb_hex(j, c, "header_size", h->header_size);
	} else {
		/* no Windows dump header: none of its fields exist */
		static const char *const hdr_fields[] = { "signature", "dump_type", "header_size" };
		for (size_t i = 0; i < sizeof(hdr_fields) / sizeof(hdr_fields[0]); i++)
			add_absent(j, c, hdr_fields[i], PM_ABSENT_NOT_APPLICABLE,
				   "no Windows dump header");
	}
	if (h->comment[0])
		pm_jb_str(j, c, "comment", h->comment);
	if (d->src->container_size)
		pm_jb_num(j, c, "container_file_size", (double)d->src->container_size);
}

static void add_machine(struct pm_jb *j, cJSON *root, const struct pm_info *in)
{
	const struct pm_kernel *k = in->k;
	cJSON *m = pm_jb_obj(j, root, "machine");
	pm_jb_str(j, m, "arch", pm_arch_name(k->arch));
	pm_jb_num(j, m, "build", (double)k->build.v);
	pm_jb_bool(j, m, "checked_build", k->checked_build);
	pm_jb_str(j, m, "os", in->os_name[0] ? in->os_name : NULL);
	if (k->service_pack.absent)
		add_absent(j, m, "service_pack", k->service_pack.absent, NULL);
	else
		pm_jb_num(j, m, "service_pack", (double)k->service_pack.v);
	if (k->build_lab)
		pm_jb_str(j, m, "build_lab", k->build_lab);
	else
		add_absence(j, m, "build_lab", &k->build_lab_absent);
	pm_jb_num(j, m, "processors", (double)k->nprocs.v);
	if (!k->product_type.absent)
		pm_jb_num(j, m, "product_type", (double)k->product_type.v);
	else
		add_absent(j, m, "product_type", PM_ABSENT_NOT_IN_HEADER, NULL);
	pm_jb_hex(j, m, "directory_table_base", k->dtb.v);
}

static void add_bugcheck(struct pm_jb *j, cJSON *root, const struct pm_info *in)
{
	const struct pm_dmp_header *h = &in->dmp->hdr;
	if (in->dmp->container != PM_CONT_CRASHDUMP) {
		add_absent(j, root, "bugcheck", PM_ABSENT_NOT_APPLICABLE,
			   "a capture of a running system: no Windows dump header, no bugcheck");
		return;
	}
	cJSON *b = pm_jb_obj(j, root, "bugcheck");
	char code[PM_FMT_CODE];
	pm_jb_str(j, b, "code", pm_fmt_bugcheck(h->bugcheck_code, true, code));
	pm_jb_str(j, b, "name", pm_bugcheck_name(h->bugcheck_code));
	cJSON *params = pm_jb_arr(j, b, "parameters");
	for (int i = 0; params && i < 4; i++) {
		char p[PM_FMT_ADDR];
		pm_jb_push_str(j, params, pm_fmt_addr(h->bugcheck_params[i], p));
	}
	/* parameters that are addresses inside a loaded image, as `lm a` names them */
	cJSON *in_mod = NULL;
	for (int i = 0; i < 4; i++) {
		long m = pm_info_module_at(in, h->bugcheck_params[i]);
		const struct pm_module *mo = m >= 0 ? &in->k->modules.items[m] : NULL;
		if (!mo || !mo->name)
			continue;
		if (!in_mod && !(in_mod = pm_jb_arr(j, b, "in_module")))
			break;
		cJSON *o = pm_jb_push_obj(j, in_mod);
		char at[320];
		snprintf(at, sizeof(at), "%s+%#" PRIx64, pm_module_file_name(mo->name),
			 h->bugcheck_params[i] - mo->base);
		pm_jb_num(j, o, "parameter", i + 1);
		pm_jb_str(j, o, "module", pm_module_file_name(mo->name));
		pm_jb_hex(j, o, "offset", h->bugcheck_params[i] - mo->base);
		pm_jb_str(j, o, "at", at);
	}
}

static void add_time_memory(struct pm_jb *j, cJSON *root, const struct pm_info *in)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_dmp_header *h = &d->hdr;
	const struct pm_kernel *k = in->k;
	const char *why;
	cJSON *t = pm_jb_obj(j, root, "time");
	char ts[PM_FMT_TIME];
	if (!k->system_time.absent && pm_fmt_time(k->system_time.v, ts))
		pm_jb_str(j, t, "system_time", ts);
	else
		add_absent(j, t, "system_time", PM_ABSENT_NOT_IN_HEADER, NULL);
	if (!k->uptime.absent)
		pm_jb_num(j, t, "uptime_seconds", (double)(k->uptime.v / 10000000ull));
	else
		add_absent(j, t, "uptime_seconds", PM_ABSENT_NOT_IN_HEADER, NULL);
	cJSON *mem = pm_jb_obj(j, root, "memory");
	pm_jb_num(j, mem, "pages_in_dump", (double)d->map.pages_present);
	pm_jb_hex(j, mem, "pfn_limit", d->map.pfn_limit);
	if (k->ram_pages.absent)
		add_absent(j, mem, "ram_pages", k->ram_pages.absent, NULL);
	else
		pm_jb_num(j, mem, "ram_pages", (double)k->ram_pages.v);
	cJSON *cp = pm_jb_obj(j, root, "completeness");
	pm_jb_num(j, cp, "file_size",
		  (double)(d->src->container_size ? d->src->container_size : d->src->size));
	if (d->has_expected_size)
		pm_jb_num(j, cp, "expected_size", (double)d->expected_size);
	else
		add_absent(j, cp, "expected_size", PM_ABSENT_NOT_APPLICABLE, NULL);
	pm_jb_bool(j, cp, "truncated", d->map.pages_beyond_eof > 0);
	pm_jb_num(j, cp, "pages_beyond_eof", (double)d->map.pages_beyond_eof);
	pm_jb_bool(j, cp, "writer_dropped_pages",
		   h->has_attributes && (h->attributes & PM_DUMP_ATTR_INSUFFICIENT_SPACE));
	bool incomplete = pm_info_incomplete(in, &why);
	pm_jb_bool(j, cp, "complete", !incomplete);
	if (incomplete)
		pm_jb_str(j, cp, "problem", why);
}

static void add_kernel(struct pm_jb *j, cJSON *root, const struct pm_info *in)
{
	const struct pm_kernel *kn = in->k;
	cJSON *k = pm_jb_obj(j, root, "kernel");
	if (kn->kernel_base.absent) {
		add_absent(j, k, "base", kn->kernel_base.absent, NULL);
	} else {
		pm_jb_hex(j, k, "base", kn->kernel_base.v);
		pm_jb_str(j, k, "base_source", kn->kernel_base.how);
	}
	if (!kn->pe_absent.why && kn->pe.has_codeview)
		add_pdb(j, k, "pdb", &kn->pe);
	else
		add_pdb_absent(j, k, "pdb", kn->pe_absent.why, pm_absence_detail(&kn->pe_absent));
	for (size_t i = 0; i < kn->modules.n; i++) {
		char key[300];
		if (!pm_info_module_is_kernel(in, i))
			continue;
		if (pm_info_module_image_key(in, i, key, sizeof(key)))
			pm_jb_str(j, k, "image_key", key);
		break;
	}
	if (!kn->has_kdbg) {
		add_absence(j, root, "kdbg", &kn->kdbg_absent);
		return;
	}
	cJSON *kd = pm_jb_obj(j, root, "kdbg");
	pm_jb_hex(j, kd, "va", kn->kdbg.va);
	pm_jb_hex(j, kd, "size", kn->kdbg.size);
	pm_jb_str(j, kd, "found_by", kn->kdbg.source == PM_KDBG_FROM_TRIAGE_COPY ? "triage_copy"
				   : kn->kdbg_header_wrong ? "kernel_image_search"
				   : kn->kdbg.source == PM_KDBG_DISCOVERED    ? "discovered"
									      : "dump_header");
	pm_jb_bool(j, kd, "decoded", kn->kdbg.decoded);
	if (kn->kdbg_header_wrong) /* the header's pointer did not lead to it (issue 11) */
		pm_jb_hex(j, kd, "header_va_wrong", kn->kdbg_header_va);
}

static void add_modules(struct pm_jb *j, cJSON *root, const struct pm_info *in)
{
	const struct pm_kernel *k = in->k;
	cJSON *mods = pm_jb_obj(j, root, "modules");
	pm_jb_str(j, mods, "source", k->modules_how);
	pm_jb_bool(j, mods, "complete", k->modules.complete);
	pm_jb_num(j, mods, "count", (double)k->modules.n);
	cJSON *list = pm_jb_arr(j, mods, "list");
	for (size_t i = 0; list && i < k->modules.n; i++) {
		const struct pm_module *mo = &k->modules.items[i];
		cJSON *x = pm_jb_push_obj(j, list);
		if (!x)
			break;
		char lm[256], key[300];
		pm_jb_str(j, x, "name", mo->name);
		if (mo->name)
			pm_jb_str(j, x, "lm", pm_module_lm_name(mo->name,
								pm_info_module_is_kernel(in, i),
								lm, sizeof(lm)));
		pm_jb_hex(j, x, "base", mo->base);
		pm_jb_hex(j, x, "size", mo->size);
		if (pm_info_module_image_key(in, i, key, sizeof(key)))
			pm_jb_str(j, x, "image_key", key);
		const struct pm_kmodule *im = k->mods ? &k->mods[i] : NULL;
		if (im && !im->pe_absent && im->pe.has_codeview)
			add_pdb(j, x, "pdb", &im->pe);
		else
			add_pdb_absent(j, x, "pdb", im ? im->pe_absent : PM_ABSENT_UNREADABLE,
				       NULL);
		if (im && im->pe_headers)
			pm_link_json(j, x, im->pe.timestamp);
		if (im)
			pm_verinfo_json(j, x, "version", &im->ver);
	}
}

/* What a dump header would have given, found in memory: and how. */
static void add_discovered(struct pm_jb *j, cJSON *root, const struct pm_kernel *k)
{
	const struct pm_discovery *ds_ = k->disc;
	cJSON *ds = pm_jb_obj(j, root, "discovered");
	pm_jb_hex(j, ds, "directory_table_base", ds_->dtb);
	pm_jb_str(j, ds, "directory_table_base_how", ds_->dtb_how);
	pm_jb_hex(j, ds, "kernel_base", ds_->kernel_base);
	pm_jb_str(j, ds, "kernel_base_how", ds_->kernel_how);
	pm_jb_hex(j, ds, "kdbg", ds_->kdbg_va);
	pm_jb_str(j, ds, "kdbg_how", ds_->kdbg_how);
	pm_jb_bool(j, ds, "kdbg_was_encoded", ds_->kdbg_encoded);
	if (ds_->build)
		pm_jb_str(j, ds, "build_how", ds_->build_how);
	else
		add_absent(j, ds, "build_how", k->build.absent ? k->build.absent : PM_ABSENT_UNREADABLE,
			   "NtBuildLab unreadable");
	if (ds_->nprocs)
		pm_jb_str(j, ds, "processors_how", ds_->nprocs_how);
	else
		add_absent(j, ds, "processors_how",
			   k->nprocs.absent ? k->nprocs.absent : PM_ABSENT_UNREADABLE,
			   "KiProcessorBlock unreadable");
}

struct pm_error *pm_json_info(const struct pm_info *in, const char *name, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", PM_INFO_SCHEMA);
	add_container(&j, root, in, name);
	add_machine(&j, root, in);
	add_bugcheck(&j, root, in);
	add_time_memory(&j, root, in);
	add_kernel(&j, root, in);
	add_modules(&j, root, in);
	if (in->k->disc)
		add_discovered(&j, root, in->k);
	cJSON *pd = pm_jb_obj(&j, root, "pool_data");
	pm_jb_bool(&j, pd, "available", !in->dmp->triage);
	if (in->dmp->triage)
		pm_jb_str(&j, pd, "note", "a small memory dump holds no pool pages, tag tables or "
					 "big-page table");
	add_symbols(&j, root, in);
	cJSON *dg = pm_jb_arr(&j, root, "diagnostics");
	if (dg) {
		add_diags(&j, dg, &in->dmp->diags);
		add_diags(&j, dg, &in->diags);
	}
	return pm_jb_done(&j, root, ret);
}

struct pm_error *pm_json_read(bool phys, uint64_t addr, uint64_t len, const uint8_t *buf,
			      const char *absent, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "space", phys ? "phys" : "virt");
	pm_jb_hex(&j, root, "addr", addr);
	pm_jb_num(&j, root, "len", (double)len);
	if (!buf) {
		pm_jb_str(&j, root, "absent", absent ? absent : "unreadable");
		return pm_jb_done(&j, root, ret);
	}
	char *hex = malloc(2 * len + 1);
	if (!hex) {
		cJSON_Delete(root);
		return &pm_enomem;
	}
	for (uint64_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	hex[2 * len] = 0;
	pm_jb_str(&j, root, "hex", hex);
	free(hex);
	return pm_jb_done(&j, root, ret);
}
