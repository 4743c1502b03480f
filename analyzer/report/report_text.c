// SPDX-License-Identifier: MIT
// Text rendering of `info` for terminals.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "fmt.h"
#include "names.h"
#include "report.h"
#include "strbuf.h"
#include "verinfo_view.h"
#include "vmview.h"

/* The reason as the one vocabulary says it (pm-absent.h), printed in parentheses. */
static const char *absent_text(enum pm_absent a)
{
	return a ? pm_absent_text(a) : "unreadable";
}

/* the file, its container and the machine */
static void info_identity(struct pm_strbuf *sb, const struct pm_info *in, const char *name)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_kernel *k = in->k;
	const struct pm_dmp_header *h = &d->hdr;
	const char *tn = pm_dump_type_name(h->dump_type);
	const char *td = pm_dump_type_desc(h->dump_type);
	if (d->src->container_size)
		pm_sb_printf(sb, "File:             %s (%" PRIu64 " bytes; physical address "
			     "space %" PRIu64 " bytes)\n", name, d->src->container_size,
			     d->src->size);
	else
		pm_sb_printf(sb, "File:             %s (%" PRIu64 " bytes)\n", name,
			     d->src->size);
	if (d->container != PM_CONT_CRASHDUMP)
		pm_sb_printf(sb, "Container:        %s (no Windows dump header)\n",
			     pm_container_name(d->container));
	else
		pm_sb_printf(sb, "Container:        %s, DumpType %u %s - %s%s%s%s\n",
			     h->is64 ? "PAGEDU64" : "PAGEDUMP", h->dump_type, tn ? tn : "?",
			     td ? td : "?", d->subformat[0] ? " [" : "", d->subformat,
			     d->subformat[0] ? "]" : "");
	pm_sb_printf(sb, "Architecture:     %s\n", pm_arch_name(k->arch));
	pm_sb_printf(sb, "Windows:          %s, build %u%s", in->os_name[0] ? in->os_name : "unknown release",
		     (unsigned)k->build.v, k->checked_build ? " (checked build)" : "");
	if (!k->service_pack.absent && k->service_pack.v)
		pm_sb_printf(sb, ", Service Pack %" PRIu64, k->service_pack.v);
	pm_sb_printf(sb, "\n");
	if (k->build_lab)
		pm_sb_printf(sb, "Build lab:        %s\n", k->build_lab);
	pm_sb_printf(sb, "Processors:       %u\n", (unsigned)k->nprocs.v);
}

/* the bugcheck and the times */
static void info_bugcheck(struct pm_strbuf *sb, const struct pm_info *in)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_kernel *k = in->k;
	const struct pm_dmp_header *h = &d->hdr;
	if (d->container == PM_CONT_CRASHDUMP) {
		const char *bn = pm_bugcheck_name(h->bugcheck_code);
		pm_sb_printf(sb, "Bugcheck:         %s %s\n", PM_BUGCHECK(h->bugcheck_code),
			     bn ? bn : "(unknown code)");
		pm_sb_printf(sb, "Parameters:      ");
		for (int i = 0; i < 4; i++)
			pm_sb_printf(sb, " %0*" PRIx64, h->is64 ? 16 : 8, h->bugcheck_params[i]);
		pm_sb_printf(sb, "\n");
		for (int i = 0; i < 4; i++) { /* as `lm a` names an address */
			long m = pm_info_module_at(in, h->bugcheck_params[i]);
			const struct pm_module *mo = m >= 0 ? &k->modules.items[m] : NULL;
			if (mo && mo->name)
				pm_sb_printf(sb, "                  parameter %d is %s+%#" PRIx64 "\n",
					     i + 1, pm_module_file_name(mo->name),
					     h->bugcheck_params[i] - mo->base);
		}
	} else {
		pm_sb_printf(sb, "Bugcheck:         none (a capture of a running system)\n");
	}
	char ts[PM_FMT_TIME];
	if (!k->system_time.absent && pm_fmt_time(k->system_time.v, ts))
		pm_sb_printf(sb, "System time:      %s\n", ts);
	else
		pm_sb_printf(sb, "System time:      (not in the dump header)\n");
	if (!k->uptime.absent)
		pm_sb_printf(sb, "Uptime:           %s\n", pm_fmt_uptime(k->uptime.v, ts));
	else
		pm_sb_printf(sb, "Uptime:           (not in the dump header)\n");
}

/* physical memory and whether the dump is complete */
static void info_memory(struct pm_strbuf *sb, const struct pm_info *in)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_kernel *k = in->k;
	const char *why;
	const struct pm_dmp_header *h = &d->hdr;
	pm_sb_printf(sb, "Physical memory:  %s in the dump", PM_PAGES(d->map.pages_present));
	if (!k->ram_pages.absent) {
		pm_sb_printf(sb, ", machine RAM %s", PM_PAGES(k->ram_pages.v));
	} else {
		pm_sb_printf(sb, ", machine RAM (%s)", absent_text(k->ram_pages.absent));
	}
	pm_sb_printf(sb, "\n");
	if (d->triage) {
		pm_sb_printf(sb, "Completeness:     small memory dump: header, bugcheck and module "
			     "names only\n");
	} else if (d->container != PM_CONT_CRASHDUMP) {
		if (pm_info_incomplete(in, &why))
			pm_sb_printf(sb, "Completeness:     INCOMPLETE: %s\n", why);
		else
			pm_sb_printf(sb, "Completeness:     not checked: no header states what the "
				     "capture should hold\n");
	} else if (d->map.pages_beyond_eof) {
		pm_sb_printf(sb, "Completeness:     TRUNCATED: file ends at %" PRIu64 " bytes, the "
			     "layout needs %" PRIu64 "; %" PRIu64 " pages missing\n", d->src->size,
			     d->expected_size, d->map.pages_beyond_eof);
	} else {
		pm_sb_printf(sb, "Completeness:     complete (%" PRIu64 " bytes as the layout needs)%s\n",
			     d->expected_size,
			     h->has_attributes && (h->attributes & PM_DUMP_ATTR_INSUFFICIENT_SPACE)
				     ? ", but the writer dropped pages (InsufficientDumpfileSize)"
				     : "");
	}
}

/* the kernel's identity, the KDBG, the symbols and discovery */
static void info_kernel(struct pm_strbuf *sb, const struct pm_info *in)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_kernel *k = in->k;
	if (!k->kernel_base.absent)
		pm_sb_printf(sb, "Kernel base:      %s (from %s)\n", PM_ADDR(k->kernel_base.v),
			     k->kernel_base.how);
	else
		pm_sb_printf(sb, "Kernel base:      (%s)\n", absent_text(k->kernel_base.absent));
	if (!k->pe_absent.why && k->pe.has_codeview) {
		char g[37], key[42];
		pm_pe_guid_string(k->pe.guid, g);
		pm_pe_pdb_key(&k->pe, key);
		pm_sb_printf(sb, "Kernel PDB:       %s GUID {%s} age %u (symbol key %s)\n",
			     k->pe.pdb_name, g, k->pe.age, key);
	} else {
		pm_sb_printf(sb, "Kernel PDB:       (%s)%s%s\n", absent_text(k->pe_absent.why),
			     k->pe_absent.detail ? " " : "", pm_absence_detail(&k->pe_absent));
		char ikey[300];
		for (size_t i = 0; i < k->modules.n; i++)
			if (pm_info_module_is_kernel(in, i)) {
				if (pm_info_module_image_key(in, i, ikey, sizeof(ikey)))
					pm_sb_printf(sb, "Kernel image:     symbol-store key %s (its "
						     "PDB's GUID is in the image)\n", ikey);
				break;
			}
	}
	if (k->has_kdbg) {
		pm_sb_printf(sb, "KDBG:             %s, size %#x, found via %s, %s\n",
			     PM_ADDR(k->kdbg.va), k->kdbg.size,
			     k->kdbg.source == PM_KDBG_FROM_TRIAGE_COPY ? "the triage dump's copy"
			     : k->kdbg_header_wrong ? "a search of the kernel image (the header's "
						      "KdDebuggerDataBlock is wrong)"
			     : k->kdbg.source == PM_KDBG_DISCOVERED     ? "discovery (no header)"
							     : "the dump header (KdDebuggerDataBlock)",
			     k->kdbg.decoded ? "was encoded, decoded" : "not encoded");
	} else {
		pm_sb_printf(sb, "KDBG:             not available: %s\n", pm_absence_detail(&k->kdbg_absent));
	}
	if (in->sym.requested && in->sym.found)
		pm_sb_printf(sb, "Symbols:          %s %s (GUID and age match the kernel); "
			     "`poolmortem symbols` lists what was taken from it\n",
			     in->sym.find.tab->id.format, in->sym.find.where);
	else if (in->sym.requested)
		pm_sb_printf(sb, "Symbols:          none used: %s\n", in->sym.absent);
	if (k->disc)
		pm_sb_printf(sb, "Discovered:       page-table root: %s\n                  kernel: %s\n"
			     "                  KDBG: %s\n                  build: %s; processors: %s\n",
			     k->disc->dtb_how, k->disc->kernel_how, k->disc->kdbg_how,
			     k->disc->build ? k->disc->build_how : "unknown",
			     k->disc->nprocs ? k->disc->nprocs_how : "unknown");
	if (d->triage)
		pm_sb_printf(sb, "Pool data:        not in this dump: a small memory dump holds no "
			     "pool pages, tag tables or big-page table\n");
}

/* the loaded modules and the diagnostics */
static void info_modules(struct pm_strbuf *sb, const struct pm_info *in)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_kernel *k = in->k;
	pm_sb_printf(sb, "\nModules (%zu, from %s%s):\n", k->modules.n,
		     k->modules_how ? k->modules_how : "nowhere",
		     k->modules.complete ? "" : ", list incomplete");
	if (k->modules_absent.detail)
		pm_sb_printf(sb, "  not available: %s\n", k->modules_absent.detail);
	if (k->modules.n)
		pm_sb_printf(sb, "  %-*s  %-*s  %-10s  %s\n", k->is64 ? 18 : 10, "Base",
			     k->is64 ? 18 : 10, "End", "Size", "Name / PDB");
	for (size_t i = 0; i < k->modules.n; i++) {
		const struct pm_kmodule *im = k->mods ? &k->mods[i] : NULL;
		const struct pm_module *m = &k->modules.items[i];
		pm_sb_printf(sb, "  %-*s  %-*s  %#-10x  %s", k->is64 ? 18 : 10, PM_ADDR(m->base),
			     k->is64 ? 18 : 10, PM_ADDR(m->base + m->size), m->size,
			     m->name ? m->name : "(name unreadable)");
		if (im && !im->pe_absent && im->pe.has_codeview) {
			char key[42];
			pm_pe_pdb_key(&im->pe, key);
			pm_sb_printf(sb, "  %s/%s", im->pe.pdb_name, key);
		} else if (im) {
			pm_sb_printf(sb, "  (%s)", absent_text(im->pe_absent));
		}
		pm_sb_printf(sb, "\n");
		if (im && im->pe_headers) { /* lm v's facts for the vendor ticket */
			pm_sb_printf(sb, "    ");
			pm_image_facts(sb, im->pe.timestamp, &im->ver, false);
			pm_sb_printf(sb, "\n");
		}
	}
	size_t nd = d->diags.n + in->diags.n;
	if (nd) {
		pm_sb_printf(sb, "\nDiagnostics (%zu):\n", nd);
		for (size_t i = 0; i < d->diags.n; i++)
			pm_sb_printf(sb, "  [%s] %s\n", d->diags.items[i].layer, d->diags.items[i].msg);
		for (size_t i = 0; i < in->diags.n; i++)
			pm_sb_printf(sb, "  [%s] %s\n", in->diags.items[i].layer,
				     in->diags.items[i].msg);
	}
}

struct pm_error *pm_report_info_text(const struct pm_info *in, const char *name, char **ret)
{
	struct pm_strbuf sb = { 0 };
	info_identity(&sb, in, name);
	info_bugcheck(&sb, in);
	info_memory(&sb, in);
	info_kernel(&sb, in);
	info_modules(&sb, in);
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

struct pm_error *pm_report_symbols_text(const struct pm_info *in, const char *name, char **ret)
{
	const struct pm_sym_info *s = &in->sym;
	const struct pm_kernel *k = in->k;
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "Dump:             %s\n", name);
	if (!k->pe_absent.why && k->pe.has_codeview) {
		char g[37], key[42];
		pm_pe_guid_string(k->pe.guid, g);
		pm_pe_pdb_key(&k->pe, key);
		pm_sb_printf(&sb, "Kernel wants:     %s GUID {%s} age %u (symbol key %s)\n",
			     k->pe.pdb_name, g, k->pe.age, key);
	} else {
		pm_sb_printf(&sb, "Kernel wants:     unknown: %s\n", pm_absence_detail(&k->pe_absent));
	}
	if (!s->requested) {
		pm_sb_printf(&sb, "Symbol path:      none (give --symbols PATH or set _NT_SYMBOL_PATH); "
			     "the analysis uses the KDBG and built-in layouts\n");
	} else {
		pm_sb_printf(&sb, "Symbol path:      %s\n", s->spec);
		pm_sb_printf(&sb, "Looked at:\n");
		for (size_t i = 0; i < s->find.ntried; i++)
			pm_sb_printf(&sb, "  %s\n", s->find.tried[i]);
		if (s->found)
			pm_sb_printf(&sb, "Using:            %s %s\n", s->find.tab->id.format,
				     s->find.where);
		else
			pm_sb_printf(&sb, "Using:            none: %s\n", s->absent);
	}
	if (s->nuses) {
		pm_sb_printf(&sb, "Taken from the symbols:\n");
		for (size_t i = 0; i < s->nuses; i++)
			pm_sb_printf(&sb, "  %-44s %s\n", s->uses[i].name, s->uses[i].what);
	}
	if (s->found) { /* !vm lines read through the symbols (Windows 10/11 MiState) */
		struct pm_vm_view v;
		pm_vm_view_build(in, &v);
		for (int i = 0; i < _PM_VM_MAX; i++) {
			const struct pm_vm_line *l = &v.line[i];
			if (!l->absent && l->from == PM_PROV_SYMBOL_LAYOUT)
				pm_sb_printf(&sb, "  %-44s !vm %s: %" PRIu64 " pages\n", l->source,
					     pm_vm_line_label((enum pm_vm_line_id)i), l->pages);
		}
		pm_vm_view_deinit(&v);
	}
	if (s->ndiffs) {
		pm_sb_printf(&sb, "Differences from the built-in profile (the symbols were used):\n");
		for (size_t i = 0; i < s->ndiffs; i++)
			pm_sb_printf(&sb, "  %s\n", s->diffs[i]);
	}
	char *out = pm_sb_take(&sb);
	if (!out)
		return &pm_enomem;
	*ret = out;
	return NULL;
}
