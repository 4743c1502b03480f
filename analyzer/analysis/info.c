// SPDX-License-Identifier: MIT
// One dump end to end for `info`: container -> physical -> virtual -> KDBG -> kernel image
// -> modules. Each step that fails leaves its values absent with the reason, and the steps
// after it go on with what can still be trusted.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "info.h"
#include "names.h"
#include "pm-reader.h"
#include "segheap.h"
#include "container.h"

static const char *const absent_names[] = {
#define X(n, s) s,
	PM_ABSENT_REASONS(X)
#undef X
};

const char *pm_absent_name(enum pm_absent a)
{
	return a <= PM_ABSENT_FIELD_MISSING ? absent_names[a] : "unknown";
}

static enum pm_absent absent_of(const struct pm_error *err)
{
	switch (pm_err_code(err)) {
	case PM_ERR_NOT_CAPTURED:
		return PM_ABSENT_NOT_CAPTURED;
	case PM_ERR_NOT_PRESENT:
		return PM_ABSENT_NOT_PRESENT;
	case PM_ERR_PROFILE:
		return PM_ABSENT_FIELD_MISSING;
	default:
		return PM_ABSENT_UNREADABLE;
	}
}

static void mark_incomplete(struct pm_info *in, const char *msg)
{
	if (in->incomplete)
		return;
	in->incomplete = true;
	snprintf(in->incomplete_why, sizeof(in->incomplete_why), "%s", msg);
}

static struct pm_error *vm_read_cb(void *ctx, uint64_t va, void *buf, size_t len)
{
	return pm_vmem_read(ctx, va, buf, len);
}

/* Read a NUL-terminated ASCII string of at most @p cap-1 chars at @p va, page-safe. */
static struct pm_error *read_cstr(const struct pm_vmem *vm, uint64_t va, char *out, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		uint8_t c;
		PM_TRY(pm_vmem_read(vm, va + n, &c, 1));
		if (!c)
			break;
		out[n++] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
	}
	out[n] = 0;
	return NULL;
}

static void gather_kdbg_values(struct pm_info *in)
{
	uint64_t a, v;
	struct pm_error *err;
	/* CmNtCSDVersion: address of a ULONG; service pack = (value >> 8) & 0xFF (§4.2). */
	/* With a KDBG but no memory (a triage dump's copy), the variables it points to are
	 * simply not in the dump. */
	enum pm_absent why = !in->has_kdbg ? PM_ABSENT_NO_KDBG : PM_ABSENT_NOT_CAPTURED;
	in->service_pack.absent = why;
	in->ram_pages.absent = why;
	if (!in->has_kdbg || !in->has_vm)
		return;
	if (!(err = pm_kdbg_get(&in->kdbg, PM_KDBG_CmNtCSDVersion, &a))) {
		uint8_t b[4];
		err = pm_vmem_read(&in->vm, a, b, 4);
		if (!err) {
			in->service_pack.v = b[1];
			in->service_pack.absent = PM_ABSENT_PRESENT;
		}
	}
	if (err) {
		in->service_pack.absent = absent_of(err);
		pm_diag_take(&in->diags, "kdbg", pm_err_wrap(err, "CmNtCSDVersion"));
	}
	/* MmNumberOfPhysicalPages: a PFN count; its low 32 bits are read, which is right for
	 * both the ULONG and the ULONG_PTR declarations (< 16 TiB of RAM) [M]. */
	if (!(err = pm_kdbg_get(&in->kdbg, PM_KDBG_MmNumberOfPhysicalPages, &a))) {
		uint8_t b[4];
		err = pm_vmem_read(&in->vm, a, b, 4);
		if (!err) {
			in->ram_pages.v = (uint64_t)b[0] | (uint64_t)b[1] << 8 |
					  (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
			in->ram_pages.absent = PM_ABSENT_PRESENT;
		}
	}
	if (err) {
		in->ram_pages.absent = absent_of(err);
		pm_diag_take(&in->diags, "kdbg", pm_err_wrap(err, "MmNumberOfPhysicalPages"));
	}
	if (!(err = pm_kdbg_get(&in->kdbg, PM_KDBG_NtBuildLab, &a)))
		err = read_cstr(&in->vm, a, in->build_lab, sizeof(in->build_lab));
	if (err) {
		in->build_lab[0] = 0;
		pm_diag_take(&in->diags, "kdbg", pm_err_wrap(err, "NtBuildLab"));
	}
	/* L1TF: the physical bit Windows sets in non-present PTEs, 19H1+ (§6.4) [M]. */
	if (in->dmp->hdr.build >= 18362 &&
	    !(err = pm_kdbg_get(&in->kdbg, PM_KDBG_L1tfHighPhysicalBitIndex, &v))) {
		if (v >= 32 && v < 52)
			in->vm.l1tf_bit = (unsigned)v;
	} else {
		pm_error_destroy(err);
	}
}

static void gather_kdbg(struct pm_info *in)
{
	struct pm_dmp *dmp = in->dmp;
	struct pm_error *err;
	if (in->disc && in->disc->kdbg_raw) {
		/* discovered (and, on a live Windows 8+ x64 image, decoded) */
		err = pm_kdbg_decode(in->disc->kdbg_raw, in->disc->kdbg_size, in->disc->kdbg_va,
				     dmp->hdr.ptr_size, &in->kdbg);
		if (!err) {
			in->kdbg.source = PM_KDBG_DISCOVERED;
			in->kdbg.decoded = in->disc->kdbg_encoded;
		}
	} else if (dmp->triage) {
		err = pm_kdbg_from_triage(dmp, &in->kdbg);
	} else if (!in->has_vm) {
		err = pm_err(PM_ERR_UNSUPPORTED, "no address translation for this architecture");
	} else {
		err = pm_kdbg_read(&in->vm, dmp->hdr.kdbg_va, &in->kdbg);
		if (err)
			err = pm_err_wrap(err, "KDBG at VA %#" PRIx64 " (DUMP_HEADER%s."
					  "KdDebuggerDataBlock, file offset %#x)",
					  dmp->hdr.kdbg_va, dmp->hdr.is64 ? "64" : "32",
					  dmp->hdr.is64 ? 0x80 : 0x60);
	}
	if (err) {
		snprintf(in->kdbg_absent, sizeof(in->kdbg_absent), "%s", pm_err_msg(err));
		if (!dmp->triage)
			mark_incomplete(in, pm_err_msg(err));
		pm_diag_take(&in->diags, "kdbg", err);
		return;
	}
	in->has_kdbg = true;
}

static const char *symbol_path;

void pm_sym_used(struct pm_sym_info *s, const char *name, const char *fmt, ...)
{
	if (s->nuses >= PM_MAX_SYM_USES)
		return;
	struct pm_sym_use *u = &s->uses[s->nuses++];
	snprintf(u->name, sizeof(u->name), "%s", name);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(u->what, sizeof(u->what), fmt, ap);
	va_end(ap);
}

void pm_sym_differs(struct pm_sym_info *s, const char *fmt, ...)
{
	if (s->ndiffs >= PM_MAX_SYM_DIFFS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->diffs[s->ndiffs++], sizeof(s->diffs[0]), fmt, ap);
	va_end(ap);
}

void pm_info_set_symbol_path(const char *spec)
{
	symbol_path = spec && *spec ? spec : NULL;
}

/* Tier 3: the kernel's PDB or ISF, matched by the GUID and age of its CodeView record. */
static void gather_symbols(struct pm_info *in)
{
	struct pm_sym_info *s = &in->sym;
	s->requested = symbol_path != NULL;
	s->spec = symbol_path;
	if (!s->requested)
		return;
	if (in->kernel_pe_absent || !in->kernel_pe.has_codeview) {
		snprintf(s->absent, sizeof(s->absent), "the kernel image's CodeView record (which "
			 "names its PDB) was not read: %s", in->kernel_pe_why[0] ? in->kernel_pe_why
										    : "no CodeView record");
		return;
	}
	struct pm_symwant w;
	memset(&w, 0, sizeof(w));
	snprintf(w.pdb_name, sizeof(w.pdb_name), "%s", in->kernel_pe.pdb_name);
	memcpy(w.guid, in->kernel_pe.guid, 16);
	w.age = in->kernel_pe.age;
	struct pm_error *err = pm_symbols_find(symbol_path, &w, &s->find);
	if (err) {
		snprintf(s->absent, sizeof(s->absent), "%s", pm_err_msg(err));
		pm_diag_take(&in->diags, "symbols", err);
		return;
	}
	s->found = true;
}

static void gather_kernel(struct pm_info *in)
{
	struct pm_error *err = NULL;
	uint64_t v;
	in->kernel_base.absent = PM_ABSENT_NO_KDBG;
	in->kernel_pe_absent = PM_ABSENT_NO_KDBG;
	if (in->has_kdbg && !(err = pm_kdbg_get(&in->kdbg, PM_KDBG_KernBase, &v))) {
		in->kernel_base.v = v;
		in->kernel_base.absent = PM_ABSENT_PRESENT;
		in->kernel_base_source = "KDBG.KernBase";
	}
	pm_error_destroy(err);
	if (in->kernel_base.absent && in->modules.n && in->modules.items[0].base) {
		/* The first PsLoadedModuleList entry is the kernel (§5.1). */
		in->kernel_base.v = in->modules.items[0].base;
		in->kernel_base.absent = PM_ABSENT_PRESENT;
		in->kernel_base_source = "first loaded module";
	}
	if (in->kernel_base.absent) {
		snprintf(in->kernel_pe_why, sizeof(in->kernel_pe_why), "kernel base unknown");
		return;
	}
	if (!in->has_vm || in->dmp->triage) {
		in->kernel_pe_absent = PM_ABSENT_NOT_CAPTURED;
		snprintf(in->kernel_pe_why, sizeof(in->kernel_pe_why),
			 "the dump holds no kernel image pages");
		return;
	}
	struct pm_error *cv = NULL;
	err = pm_pe_parse(vm_read_cb, &in->vm, in->kernel_base.v, &in->kernel_pe, &cv);
	in->kernel_headers = !err; /* sections are usable even without a CodeView record */
	if (!err && cv)
		err = cv;
	if (err) {
		in->kernel_pe_absent = absent_of(err);
		snprintf(in->kernel_pe_why, sizeof(in->kernel_pe_why), "%s", pm_err_msg(err));
		pm_diag_take(&in->diags, "pe", pm_err_wrap(err, "kernel image"));
		return;
	}
	in->kernel_pe_absent = PM_ABSENT_PRESENT;
}

static void gather_modules(struct pm_info *in)
{
	struct pm_dmp *dmp = in->dmp;
	if (dmp->triage) {
		const struct pm_triage *t = dmp->triage;
		in->modules_source = "triage driver list";
		in->modules.items = calloc(t->ndrivers ? t->ndrivers : 1, sizeof(struct pm_module));
		if (!in->modules.items)
			return;
		for (size_t i = 0; i < t->ndrivers; i++) {
			struct pm_module *m = &in->modules.items[i];
			m->name = strdup(t->drivers[i].name);
			m->base = t->drivers[i].base;
			m->size = t->drivers[i].size;
			in->modules.n++;
		}
		in->modules.complete = true;
		return;
	}
	if (!in->has_vm)
		return;
	uint64_t head = dmp->hdr.ps_loaded_module_list;
	in->modules_source = "PsLoadedModuleList (dump header)";
	uint64_t kv;
	struct pm_error *err = NULL;
	if (in->has_kdbg && !(err = pm_kdbg_get(&in->kdbg, PM_KDBG_PsLoadedModuleList, &kv))) {
		if (kv != head && dmp->container == PM_CONT_CRASHDUMP) /* headerless: nothing to compare */
			pm_diag_add(&in->diags, PM_ERR_FORMAT, "modules",
				    "dump header PsLoadedModuleList %#" PRIx64 " differs from the "
				    "KDBG's %#" PRIx64 "; the KDBG value is used", head, kv);
		head = kv;
		in->modules_source = "PsLoadedModuleList (KDBG)";
	}
	pm_error_destroy(err);
	err = pm_modules_walk(&in->vm, head, &in->modules, &in->diags);
	if (err) {
		snprintf(in->modules_absent, sizeof(in->modules_absent), "%s", pm_err_msg(err));
		mark_incomplete(in, pm_err_msg(err));
		pm_diag_take(&in->diags, "modules", err);
		return;
	}
	if (!in->modules.complete)
		mark_incomplete(in, "the loaded-module list could not be walked to its end");
}

static void gather_module_pdbs(struct pm_info *in)
{
	in->mods = calloc(in->modules.n ? in->modules.n : 1, sizeof(*in->mods));
	if (!in->mods)
		return;
	for (size_t i = 0; i < in->modules.n; i++) {
		struct pm_info_module *im = &in->mods[i];
		im->m = &in->modules.items[i];
		if (!in->has_vm || in->dmp->triage) {
			im->pe_absent = PM_ABSENT_NOT_CAPTURED;
			continue;
		}
		struct pm_error *cv = NULL;
		struct pm_error *err = pm_pe_parse(vm_read_cb, &in->vm, im->m->base, &im->pe, &cv);
		if (!err && cv)
			err = cv;
		im->pe_absent = err ? absent_of(err) : PM_ABSENT_PRESENT;
		pm_error_destroy(err);
	}
}

/* Takes @p dmp (destroyed on failure too). */
static struct pm_error *gather(struct pm_dmp *dmp, struct pm_info **ret)
{
	struct pm_info *in = calloc(1, sizeof(*in));
	if (!in) {
		pm_dmp_destroy(dmp);
		return &pm_enomem;
	}
	pm_diags_init(&in->diags);
	in->dmp = dmp;
	struct pm_error *err = NULL;
	if (dmp->container != PM_CONT_CRASHDUMP) {
		err = pm_discover_dump(in->dmp, &in->disc);
		if (err) {
			pm_dmp_destroy(in->dmp);
			free(in);
			return err;
		}
	}
	const char *os = pm_windows_name(dmp->hdr.build, dmp->hdr.product_type, dmp->hdr.is64,
					 in->os_name, sizeof(in->os_name));
	if (os && os != in->os_name)
		snprintf(in->os_name, sizeof(in->os_name), "%s", os);
	if (dmp->map.pages_beyond_eof)
		mark_incomplete(in, "the file is truncated: pages lie beyond its end");
	if (!dmp->triage) {
		err = pm_vmem_init(&in->vm, &dmp->map, dmp->arch, dmp->hdr.dtb);
		if (err)
			pm_diag_take(&in->diags, "vtop", err);
		else
			in->has_vm = true;
	}
	gather_kdbg(in);
	gather_kdbg_values(in);
	gather_modules(in);
	gather_kernel(in);
	gather_symbols(in);
	gather_module_pdbs(in);
	*ret = in;
	return NULL;
}

struct pm_error *pm_info_gather_source(struct pm_source *src, struct pm_info **ret)
{
	struct pm_dmp *dmp;
	PM_TRY(pm_dmp_open(src, &dmp));
	return gather(dmp, ret);
}

struct pm_error *pm_info_gather(const char *path, struct pm_info **ret)
{
	struct pm_dmp *dmp;
	PM_TRY(pm_container_open_path(path, &dmp));
	return gather(dmp, ret);
}

struct pm_error *pm_info_gather_opened(const char *path, struct pm_source *src,
				       struct pm_info **ret)
{
	struct pm_dmp *dmp;
	PM_TRY(pm_container_open(path, src, &dmp));
	return gather(dmp, ret);
}

static void layout_text(const struct pm_tracker_layout *L, char *out, size_t n)
{
	snprintf(out, n, "%#x bytes: Key +%#x, NonPagedAllocs +%#x, NonPagedFrees +%#x, "
		 "NonPagedBytes +%#x/%u, PagedAllocs +%#x, PagedFrees +%#x, PagedBytes +%#x/%u",
		 L->stride, L->key.off, L->np_allocs.off, L->np_frees.off, L->np_bytes.off,
		 L->np_bytes.width, L->p_allocs.off, L->p_frees.off, L->p_bytes.off, L->p_bytes.width);
}

static bool same_tracker(const struct pm_tracker_layout *a, const struct pm_tracker_layout *b)
{
	const struct pm_field_loc *fa[] = { &a->key, &a->np_allocs, &a->np_frees, &a->np_bytes,
					    &a->p_allocs, &a->p_frees, &a->p_bytes };
	const struct pm_field_loc *fb[] = { &b->key, &b->np_allocs, &b->np_frees, &b->np_bytes,
					    &b->p_allocs, &b->p_frees, &b->p_bytes };
	if (a->stride != b->stride)
		return false;
	for (int i = 0; i < 7; i++)
		if (fa[i]->off != fb[i]->off || fa[i]->width != fb[i]->width)
			return false;
	return true;
}

/* What the tracker took from the symbols, and where they and the built-in profile differ. */
static void note_track_syms(struct pm_info *in)
{
	const struct pm_pool_info *p = &in->pool;
	const struct pm_pooltrack *t = &p->track;
	struct pm_sym_info *s = &in->sym;
	if (!p->has_syms)
		return;
	const char *src = p->syms.source;
	char buf[200];
	if (p->syms.has_ptt)
		pm_sym_used(s, "PoolTrackTable", "variable at %#" PRIx64 " = table %#" PRIx64,
			    p->syms.ptt_var, t->table0);
	if (p->syms.has_ptt_size && strstr(t->size_how, src))
		pm_sym_used(s, "PoolTrackTableSize", "variable at %#" PRIx64 " = %" PRIu64 " entries",
			    p->syms.ptt_size_var, t->entries);
	if (t->tag_tables_va && strstr(t->cpus_how, src))
		pm_sym_used(s, "ExPoolTagTables", "variable at %#" PRIx64 ": %u per-processor tables",
			    t->tag_tables_va, t->cpus_read);
	if (p->syms.has_expansion)
		pm_sym_used(s, "PoolTrackTableExpansion", "variable at %#" PRIx64 ": %" PRIu64
			    " entries", p->syms.exp_var, t->expansion_entries);
	if (t->layout_from_symbols) {
		layout_text(t->layout, buf, sizeof(buf));
		pm_sym_used(s, "_POOL_TRACKER_TABLE", "%s", buf);
		if (t->builtin && !same_tracker(t->layout, t->builtin))
			pm_sym_differs(s, "_POOL_TRACKER_TABLE: the %s gives %#x-byte entries (fields "
				       "above); the built-in profile for build %u expects %s; the %s's "
				       "were used", src, t->layout->stride, in->dmp->hdr.build,
				       t->builtin->name, src);
	}
}

static void note_big_syms(struct pm_info *in)
{
	const struct pm_pool_info *p = &in->pool;
	const struct pm_bigpool *b = &p->big;
	struct pm_sym_info *s = &in->sym;
	if (!p->has_syms)
		return;
	if (p->syms.has_big)
		pm_sym_used(s, "PoolBigPageTable", "variable at %#" PRIx64 " = table %#" PRIx64 ", %"
			    PRIu64 " entries (PoolBigPageTableSize)", p->syms.big_var, b->table,
			    b->entries);
	if (b->layout_from_symbols) {
		const struct pm_big_layout *L = b->layout, *B = b->builtin;
		pm_sym_used(s, "_POOL_TRACKER_BIG_PAGES", "%#x bytes: Key +%#x, %s +%#x/%u%s",
			    L->stride, L->key_off, L->size_kind == PM_BIG_PAGES ? "NumberOfPages"
										: "NumberOfBytes",
			    L->size.off, L->size.width,
			    L->type_kind == PM_BIG_TYPE_NONE ? ", no PoolType"
			    : L->type_kind == PM_BIG_TYPE_U32 ? ", PoolType ULONG"
							      : ", PoolType bits 8-19");
		if (B && (B->stride != L->stride || B->key_off != L->key_off ||
			  B->size_kind != L->size_kind || B->size.off != L->size.off ||
			  B->size.width != L->size.width || B->type_kind != L->type_kind ||
			  (L->type_kind != PM_BIG_TYPE_NONE && B->type_off != L->type_off)))
			pm_sym_differs(s, "_POOL_TRACKER_BIG_PAGES: the %s gives %#x-byte entries (size "
				       "at +%#x), the built-in profile for build %u expects %s", p->syms.source,
				       L->stride, L->size.off, in->dmp->hdr.build, B->name);
	}
}

void pm_info_gather_pool(struct pm_info *in)
{
	struct pm_pool_info *p = &in->pool;
	if (p->gathered)
		return;
	p->gathered = true;
	const char *why = NULL;
	uint64_t ptt = 0;
	struct pm_error *err = NULL;
	if (in->sym.found && !in->kernel_base.absent && in->has_vm) {
		pm_pool_syms_build(in->sym.find.tab, in->kernel_base.v, &p->syms, &in->diags);
		p->has_syms = true;
	}
	pm_info_gather_mm(in);
	bool sym_ptt = p->has_syms && p->syms.has_ptt;
	if (in->dmp->triage)
		why = "a small memory dump holds no pool tables";
	else if (!in->has_vm)
		why = "no virtual memory to read";
	else if (!in->has_kdbg && !sym_ptt)
		why = "no KDBG and no symbols: the PoolTrackTable address is unknown";
	else if (in->has_kdbg && (err = pm_kdbg_get(&in->kdbg, PM_KDBG_PoolTrackTable, &ptt)) &&
		 !sym_ptt)
		why = pm_err_msg(err);
	if (why) {
		snprintf(p->track_absent, sizeof(p->track_absent), "%s", why);
		snprintf(p->big_absent, sizeof(p->big_absent), "%s", why);
		pm_error_destroy(err);
		return;
	}
	struct pm_pool_ctx ctx = {
		.vm = &in->vm,
		.build = in->dmp->hdr.build,
		.nprocs = in->dmp->hdr.nprocs,
		.ptt_var = ptt,
		.kernel_base = in->kernel_base.absent ? 0 : in->kernel_base.v,
		.kernel_pe = in->kernel_headers ? &in->kernel_pe : NULL,
		.diags = &in->diags,
		.syms = p->has_syms ? &p->syms : NULL,
	};
	pm_error_destroy(err); /* a KDBG without PoolTrackTable, the symbols have it */
	err = pm_pooltrack_read(&ctx, &p->track);
	if (err) {
		snprintf(p->track_absent, sizeof(p->track_absent), "%s", pm_err_msg(err));
		pm_diag_take(&in->diags, "pool", pm_err_wrap(err, "tag tracker"));
	} else {
		p->has_track = true;
		note_track_syms(in);
	}
	if (!p->has_syms) {
		snprintf(p->session_absent, sizeof(p->session_absent), "the session pool's tag table "
			 "(ExpSessionPoolTrackTable) is reached only through the kernel's symbols");
	} else if (!p->has_track) {
		snprintf(p->session_absent, sizeof(p->session_absent), "no tracker layout");
	} else if ((err = pm_session_pool_read(&ctx, p->track.layout, &p->session))) {
		snprintf(p->session_absent, sizeof(p->session_absent), "%s", pm_err_msg(err));
		if (pm_err_code(err) != PM_ERR_NOT_PRESENT)
			pm_diag_take(&in->diags, "pool", pm_err_wrap(err, "session pool"));
		else
			pm_error_destroy(err);
	} else {
		p->has_session = true;
		pm_sym_used(&in->sym, "ExpSessionPoolTrackTable", "variable at %#" PRIx64 " = table %#"
			    PRIx64 ", %" PRIu64 " entries, %zu tags (the session the dump maps)",
			    p->syms.session_var, p->session.table, p->session.entries,
			    p->session.ntags);
	}
	err = NULL;
	if (!ctx.kernel_pe && !(p->has_syms && p->syms.has_big)) {
		snprintf(p->big_absent, sizeof(p->big_absent),
			 "the kernel image's section headers are unreadable, so its data cannot be "
			 "searched for PoolBigPageTable");
		return;
	}
	err = pm_bigpool_read(&ctx, &p->big);
	if (err) {
		snprintf(p->big_absent, sizeof(p->big_absent), "%s", pm_err_msg(err));
		pm_diag_take(&in->diags, "pool", pm_err_wrap(err, "big-page table"));
	} else {
		p->has_big = true;
		note_big_syms(in);
	}
}

void pm_info_gather_scan(struct pm_info *in)
{
	struct pm_pool_info *p = &in->pool;
	if (p->scanned)
		return;
	p->scanned = true;
	if (in->dmp->triage || !in->has_vm) {
		snprintf(p->scan_absent, sizeof(p->scan_absent), "%s",
			 in->dmp->triage ? "a small memory dump holds no pool pages"
					 : "no virtual memory to read");
		return;
	}
	uint32_t build = in->dmp->hdr.build;
	struct pm_error *err;
	if (pm_pool_era(build) == PM_ERA_SEGHEAP && in->sym.found && !in->kernel_base.absent) {
		/* 19H1+: the segment heap, through ExPoolState and RtlpHpHeapGlobals (§1.10) */
		err = pm_segheap_scan(in->sym.find.tab, &in->vm, in->kernel_base.v, build, &p->scan,
				      &in->diags);
		if (err) {
			err = pm_err_wrap(err, "segment-heap walk (with the kernel's symbols)");
		} else {
			uint64_t rva = 0;
			struct pm_error *e = pm_sym_rva(in->sym.find.tab, "ExPoolState", &rva);
			pm_error_destroy(e);
			pm_sym_used(&in->sym, "ExPoolState", "variable at %#" PRIx64 ": segment heaps "
				    "walked, %" PRIu64 " subsegments", in->kernel_base.v + rva,
				    p->scan.subsegments);
			pm_sym_used(&in->sym, "RtlpHpHeapGlobals", "HeapKey and LfhKey decode the VS "
				    "chunk headers and LFH block offsets");
		}
	} else if (pm_pool_era(build) == PM_ERA_SEGHEAP && in->sym.requested) {
		err = pm_err(PM_ERR_UNSUPPORTED, "build %u keeps small pool allocations in the "
			     "segment heap; walking it needs the kernel's symbols, which were not "
			     "found: %s", build, in->sym.absent);
	} else {
		err = pm_pool_scan(&in->vm, build, &p->scan);
	}
	if (err) {
		pm_scan_deinit(&p->scan);
		p->scan_needs_syms = pm_pool_era(build) == PM_ERA_SEGHEAP && !in->sym.found;
		snprintf(p->scan_absent, sizeof(p->scan_absent), "%s", pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	p->has_scan = true;
	if (p->scan.tables_missing)
		pm_diag_add(&in->diags, PM_ERR_NOT_CAPTURED, "pool",
			    "pool-page scan: %" PRIu64 " page tables are not in the dump; the pages "
			    "they map were not examined", p->scan.tables_missing);
}

void pm_info_destroy(struct pm_info *in)
{
	if (!in)
		return;
	pm_scan_deinit(&in->pool.scan);
	pm_pooltrack_deinit(&in->pool.track);
	pm_bigpool_deinit(&in->pool.big);
	pm_session_pool_deinit(&in->pool.session);
	pm_sessions_deinit(&in->mm.sessions);
	pm_kdbg_deinit(&in->kdbg);
	pm_module_list_deinit(&in->modules);
	free(in->mods);
	if (in->disc) {
		pm_discovery_deinit(in->disc);
		free(in->disc);
	}
	pm_diags_deinit(&in->diags);
	pm_symfind_deinit(&in->sym.find);
	pm_dmp_destroy(in->dmp);
	free(in);
}

struct pm_error *pm_info_read(const struct pm_info *in, bool phys, uint64_t addr, void *buf,
			      size_t len, const char **absent_ret)
{
	*absent_ret = NULL;
	uint64_t end;
	if (pm_ckd_add(&end, addr, len))
		return pm_err(PM_ERR_USAGE, "address %#" PRIx64 " + %zu wraps around", addr, len);
	if (phys) {
		for (uint64_t p = addr & ~(uint64_t)(PM_PAGE_SIZE - 1); p < end; p += PM_PAGE_SIZE) {
			uint64_t off;
			enum pm_page_status st = pm_pagemap_locate(&in->dmp->map, p >> PM_PAGE_SHIFT, &off);
			if (st != PM_PAGE_OK) {
				*absent_ret = st == PM_PAGE_NOT_CAPTURED ? "not_captured" : "beyond_eof";
				break;
			}
		}
		return pm_physmem_read(&in->dmp->map, addr, buf, len);
	}
	if (!in->has_vm) {
		*absent_ret = "not_captured";
		return pm_err(PM_ERR_UNSUPPORTED, "this dump has no virtual memory to read");
	}
	for (uint64_t v = addr & ~(uint64_t)(PM_PAGE_SIZE - 1); v < end; v += PM_PAGE_SIZE) {
		struct pm_xlat x;
		pm_vmem_translate(&in->vm, v, &x);
		if (x.status != PM_VA_OK && x.status != PM_VA_TRANSITION) {
			*absent_ret = pm_va_status_name(x.status);
			break;
		}
	}
	return pm_vmem_read(&in->vm, addr, buf, len);
}
