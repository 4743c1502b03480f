// SPDX-License-Identifier: MIT
// One dump end to end: container (container.h) -> kernel identity (kernel.h) -> symbols ->
// pool and memory-manager answers. Nothing here interprets dump bytes: every read goes through
// parsers/, and each answer that cannot be had is absent with its reason.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "names.h"
#include "vmview.h"
#include "segheap.h"

static char *vfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static char *vfmt(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

void pm_sym_used(struct pm_sym_info *s, const char *name, const char *fmt, ...)
{
	if (s->nuses >= PM_MAX_SYM_USES)
		return;
	if (!s->uses && !(s->uses = calloc(PM_MAX_SYM_USES, sizeof(*s->uses))))
		return;
	struct pm_sym_use *u = &s->uses[s->nuses];
	va_list ap;
	va_start(ap, fmt);
	u->what = vfmt(fmt, ap);
	va_end(ap);
	u->name = strdup(name);
	if (!u->name || !u->what) { /* out of memory: the use is not recorded */
		free(u->name);
		free(u->what);
		u->name = u->what = NULL;
		return;
	}
	s->nuses++;
}

void pm_sym_differs(struct pm_sym_info *s, const char *fmt, ...)
{
	if (s->ndiffs >= PM_MAX_SYM_DIFFS)
		return;
	if (!s->diffs && !(s->diffs = calloc(PM_MAX_SYM_DIFFS, sizeof(*s->diffs))))
		return;
	va_list ap;
	va_start(ap, fmt);
	s->diffs[s->ndiffs] = vfmt(fmt, ap);
	va_end(ap);
	if (s->diffs[s->ndiffs])
		s->ndiffs++;
}

static void sym_absent(struct pm_sym_info *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void sym_absent(struct pm_sym_info *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(s->absent);
	s->absent = vfmt(fmt, ap);
	va_end(ap);
}

/* Tier 3: the kernel's PDB or ISF, matched by the GUID and age of its CodeView record. */
static void gather_symbols(struct pm_info *in, const struct pm_info_opts *opts)
{
	struct pm_sym_info *s = &in->sym;
	const struct pm_kernel *k = in->k;
	const char *path = opts && opts->symbol_path && *opts->symbol_path ? opts->symbol_path
									    : NULL;
	s->requested = path != NULL;
	if (!s->requested)
		return;
	s->spec = strdup(path);
	if (k->pe_absent.why || !k->pe.has_codeview) {
		sym_absent(s, "the kernel image's CodeView record (which names its PDB) was not "
			   "read: %s", k->pe_absent.detail ? k->pe_absent.detail : "no CodeView record");
		return;
	}
	struct pm_symwant w;
	memset(&w, 0, sizeof(w));
	snprintf(w.pdb_name, sizeof(w.pdb_name), "%s", k->pe.pdb_name);
	memcpy(w.guid, k->pe.guid, 16);
	w.age = k->pe.age;
	struct pm_error *err = pm_symbols_find(path, &w, &s->find);
	if (err) {
		sym_absent(s, "%s", pm_err_msg(err));
		pm_diag_take(&in->diags, "symbols", err);
		return;
	}
	s->found = true;
	s->age_matched = pm_symtab_age_match(&s->find.tab->id, w.age);
}

/* Takes @p dmp (destroyed on failure too). */
static struct pm_error *gather(struct pm_dmp *dmp, const struct pm_info_opts *opts,
			       struct pm_info **ret)
{
	struct pm_info *in = calloc(1, sizeof(*in));
	if (!in) {
		pm_dmp_destroy(dmp);
		return &pm_enomem;
	}
	pm_diags_init(&in->diags);
	in->dmp = dmp;
	struct pm_error *err = pm_kernel_open(dmp, &in->diags, &in->k);
	if (err) {
		pm_info_destroy(in);
		return err;
	}
	const struct pm_kernel *k = in->k;
	const char *os = pm_windows_name((uint32_t)k->build.v, (uint32_t)k->product_type.v, k->is64,
					 in->os_name, sizeof(in->os_name));
	if (os && os != in->os_name)
		snprintf(in->os_name, sizeof(in->os_name), "%s", os);
	gather_symbols(in, opts);
	*ret = in;
	return NULL;
}

struct pm_error *pm_info_gather_source(struct pm_source *src, const struct pm_info_opts *opts,
				       struct pm_info **ret)
{
	struct pm_dmp *dmp;
	PM_TRY(pm_dmp_open(src, &dmp));
	return gather(dmp, opts, ret);
}

struct pm_error *pm_info_gather(const char *path, const struct pm_info_opts *opts,
				struct pm_info **ret)
{
	struct pm_dmp *dmp;
	PM_TRY(pm_container_open_path(path, &dmp));
	return gather(dmp, opts, ret);
}

struct pm_error *pm_info_gather_opened(const char *path, struct pm_source *src,
				       const struct pm_info_opts *opts, struct pm_info **ret)
{
	struct pm_dmp *dmp;
	PM_TRY(pm_container_open(path, src, &dmp));
	return gather(dmp, opts, ret);
}

bool pm_info_incomplete(const struct pm_info *in, const char **why_ret)
{
	*why_ret = in->k->incomplete_why ? in->k->incomplete_why : "out of memory";
	return in->k->incomplete;
}

long pm_info_module_at(const struct pm_info *in, uint64_t va)
{
	const struct pm_module_list *m = &in->k->modules;
	for (size_t i = 0; i < m->n; i++)
		if (m->items[i].size && va >= m->items[i].base &&
		    va - m->items[i].base < m->items[i].size)
			return (long)i;
	return -1;
}

bool pm_info_module_is_kernel(const struct pm_info *in, size_t i)
{
	const struct pm_kernel *k = in->k;
	if (i >= k->modules.n)
		return false;
	if (!k->kernel_base.absent)
		return k->modules.items[i].base == k->kernel_base.v;
	return i == 0;
}

const char *pm_info_module_image_key(const struct pm_info *in, size_t i, char *buf, size_t len)
{
	const struct pm_triage *t = in->dmp->triage;
	const struct pm_module *m = i < in->k->modules.n ? &in->k->modules.items[i] : NULL;
	if (!t || !m || !m->name || i >= t->ndrivers || !t->drivers[i].has_timestamp ||
	    t->drivers[i].base != m->base)
		return NULL;
	snprintf(buf, len, "%s/%08" PRIX32 "%" PRIx32, pm_module_file_name(m->name),
		 t->drivers[i].timestamp, m->size);
	return buf;
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
	if (p->syms.has_ptt_size && t->size_from == PM_PROV_SYMBOLS)
		pm_sym_used(s, "PoolTrackTableSize", "variable at %#" PRIx64 " = %" PRIu64 " entries",
			    p->syms.ptt_size_var, t->entries);
	if (t->tag_tables_va && t->cpus_from == PM_PROV_SYMBOLS)
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
				       "were used", src, t->layout->stride, (unsigned)in->k->build.v,
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
				       "at +%#x), the built-in profile for build %u expects %s",
				       p->syms.source, L->stride, L->size.off, (unsigned)in->k->build.v,
				       B->name);
	}
}

/* On 22000 the session table hangs off the current session (_MM_SESSION_SPACE.PoolTags):
 * @p sy becomes a copy whose session_var is that member of the current session. False, with
 * the absence said, when there is no current session to read it from. */
static bool session_tags_member(struct pm_info *in, struct pm_pool_syms *sy)
{
	struct pm_pool_info *p = &in->pool;
	const struct pm_sessions *ss = &in->mm.sessions;
	if (!in->mm.has_sessions || !ss->has_current) {
		pm_absence_set(&p->session_absent, PM_ABSENT_NOT_PRESENT, "the session pool's tag "
			       "table is the current session's (_MM_SESSION_SPACE.PoolTags, 22000): "
			       "%s", !in->mm.has_sessions ? "the session list was not read"
			       : ss->current_absent[0] ? ss->current_absent : "no current session");
		return false;
	}
	sy->session_var = ss->current_va + sy->session_tags_off;
	sy->has_session = true;
	return true;
}

/* The session pool's tag table (symbols only), with the main table's layout. */
static void gather_session_pool(struct pm_info *in, const struct pm_pool_ctx *ctx0)
{
	struct pm_pool_info *p = &in->pool;
	struct pm_error *err;
	struct pm_pool_syms sy;
	struct pm_pool_ctx c = *ctx0, *ctx = &c;
	if (p->has_syms && !p->syms.has_session && p->syms.has_session_tags_member) {
		sy = p->syms;
		if (!session_tags_member(in, &sy))
			return;
		c.syms = &sy;
	}
	if (!p->has_syms) {
		pm_absence_set(&p->session_absent, PM_ABSENT_NEEDS_SYMBOLS, "the session pool's tag "
			       "table (ExpSessionPoolTrackTable) is reached only through the kernel's "
			       "symbols");
	} else if (!p->has_track) {
		pm_absence_set(&p->session_absent, PM_ABSENT_UNREADABLE, "no tracker layout");
	} else if ((err = pm_session_pool_read(ctx, p->track.layout, &p->session))) {
		pm_absence_from(&p->session_absent, pm_err_code(err) == PM_ERR_NOT_PRESENT
							    ? PM_ABSENT_NOT_PRESENT
							    : pm_absent_of(err), err);
		if (pm_err_code(err) != PM_ERR_NOT_PRESENT)
			pm_diag_take(&in->diags, "pool", pm_err_wrap(err, "session pool"));
		else
			pm_error_destroy(err);
	} else {
		p->has_session = true;
		pm_sym_used(&in->sym, ctx->syms->session_name, "%s at %#" PRIx64 " = table %#" PRIx64
			    ", %" PRIu64 " entries, %zu tags (the %s session)",
			    c.syms == &sy ? "the current session's member" : "variable",
			    ctx->syms->session_var, p->session.table, p->session.entries,
			    p->session.ntags, c.syms == &sy ? "current" : "dump's mapped");
	}
}

static void gather_big(struct pm_info *in, const struct pm_pool_ctx *ctx)
{
	struct pm_pool_info *p = &in->pool;
	if (!ctx->kernel_pe && !(p->has_syms && p->syms.has_big)) {
		pm_absence_set(&p->big_absent, PM_ABSENT_UNREADABLE, "the kernel image's section "
			       "headers are unreadable, so its data cannot be searched for "
			       "PoolBigPageTable");
		return;
	}
	struct pm_error *err = pm_bigpool_read(ctx, &p->big);
	if (err) {
		pm_absence_from(&p->big_absent, pm_absent_of(err), err);
		pm_diag_take(&in->diags, "pool", pm_err_wrap(err, "big-page table"));
	} else {
		p->has_big = true;
		note_big_syms(in);
	}
}

/* Why the tracker cannot be looked for at all (NULL: it can); *ptt_ret the KDBG's
 * &PoolTrackTable when it has one. */
static const char *no_tracker(struct pm_info *in, enum pm_absent *why, uint64_t *ptt_ret,
			      struct pm_error **err_ret)
{
	const struct pm_kernel *k = in->k;
	bool sym_ptt = in->pool.has_syms && in->pool.syms.has_ptt;
	*err_ret = NULL;
	*why = PM_ABSENT_UNREADABLE;
	if (in->dmp->triage) {
		*why = PM_ABSENT_NOT_IN_DUMP;
		return "a small memory dump holds no pool tables";
	}
	if (!k->has_vm)
		return "no virtual memory to read";
	if (!k->has_kdbg && !sym_ptt) {
		*why = PM_ABSENT_NO_KDBG;
		return "no KDBG and no symbols: the PoolTrackTable address is unknown";
	}
	if (k->has_kdbg && (*err_ret = pm_kdbg_get(&k->kdbg, PM_KDBG_PoolTrackTable, ptt_ret)) &&
	    !sym_ptt) {
		*why = PM_ABSENT_FIELD_MISSING;
		return pm_err_msg(*err_ret);
	}
	return NULL;
}

static void gather_pool(struct pm_info *in)
{
	struct pm_pool_info *p = &in->pool;
	const struct pm_kernel *k = in->k;
	if (in->sym.found && !k->kernel_base.absent && k->has_vm) {
		pm_pool_syms_build(in->sym.find.tab, k->kernel_base.v, &p->syms, &in->diags);
		p->has_syms = true;
	}
	pm_info_gather_mm(in);
	uint64_t ptt = 0;
	enum pm_absent why;
	struct pm_error *err;
	const char *no = no_tracker(in, &why, &ptt, &err);
	if (no) {
		pm_absence_set(&p->track_absent, why, "%s", no);
		pm_absence_set(&p->big_absent, why, "%s", no);
		pm_error_destroy(err);
		return;
	}
	pm_error_destroy(err); /* a KDBG without PoolTrackTable: the symbols have it */
	struct pm_pool_ctx ctx = {
		.vm = &k->vm,
		.build = (uint32_t)k->build.v,
		.nprocs = (unsigned)k->nprocs.v,
		.ptt_var = ptt,
		.kernel_base = k->kernel_base.absent ? 0 : k->kernel_base.v,
		.kernel_pe = k->pe_headers ? &k->pe : NULL,
		.diags = &in->diags,
		.syms = p->has_syms ? &p->syms : NULL,
	};
	err = pm_pooltrack_read(&ctx, &p->track);
	if (err) {
		pm_absence_from(&p->track_absent, pm_absent_of(err), err);
		pm_diag_take(&in->diags, "pool", pm_err_wrap(err, "tag tracker"));
	} else {
		p->has_track = true;
		note_track_syms(in);
	}
	gather_session_pool(in, &ctx);
	gather_big(in, &ctx);
}

void pm_info_gather_pool(struct pm_info *in)
{
	if (in->pool.gathered)
		return;
	in->pool.gathered = true;
	gather_pool(in);
	pm_vm_check(in); /* what the vm view could not read, and figures that contradict */
}

/* The segment heap of 19H1+ through ExPoolState and RtlpHpHeapGlobals (§1.10). */
static struct pm_error *scan_segheap(struct pm_info *in)
{
	const struct pm_kernel *k = in->k;
	struct pm_pool_info *p = &in->pool;
	struct pm_error *err = pm_segheap_scan(in->sym.find.tab, &k->vm, k->kernel_base.v,
					       (uint32_t)k->build.v, &p->scan, &in->diags);
	if (err)
		return pm_err_wrap(err, "segment-heap walk (with the kernel's symbols)");
	uint64_t rva = 0;
	struct pm_error *e = pm_sym_rva(in->sym.find.tab, "ExPoolState", &rva);
	pm_error_destroy(e);
	pm_sym_used(&in->sym, "ExPoolState", "variable at %#" PRIx64 ": segment heaps walked, %"
		    PRIu64 " subsegments", k->kernel_base.v + rva, p->scan.subsegments);
	pm_sym_used(&in->sym, "RtlpHpHeapGlobals", "HeapKey and LfhKey decode the VS chunk headers "
		    "and LFH block offsets");
	return NULL;
}

void pm_info_gather_scan(struct pm_info *in)
{
	struct pm_pool_info *p = &in->pool;
	const struct pm_kernel *k = in->k;
	if (p->scanned)
		return;
	p->scanned = true;
	if (in->dmp->triage || !k->has_vm) {
		pm_absence_set(&p->scan_absent, PM_ABSENT_NOT_AVAILABLE, "%s",
			       in->dmp->triage ? "a small memory dump holds no pool pages"
					       : "no virtual memory to read");
		return;
	}
	uint32_t build = (uint32_t)k->build.v;
	bool segheap = pm_pool_era(build) == PM_ERA_SEGHEAP;
	struct pm_error *err;
	if (segheap && in->sym.found && !k->kernel_base.absent)
		err = scan_segheap(in);
	else if (segheap && in->sym.requested)
		err = pm_err(PM_ERR_UNSUPPORTED, "build %u keeps small pool allocations in the "
			     "segment heap; walking it needs the kernel's symbols, which were not "
			     "found: %s", build, in->sym.absent ? in->sym.absent : "");
	else
		err = pm_pool_scan(&k->vm, build, &p->scan);
	if (err) {
		pm_scan_deinit(&p->scan);
		bool walk = segheap && in->sym.found && !k->kernel_base.absent;
		pm_absence_from(&p->scan_absent, segheap && !in->sym.found ? PM_ABSENT_NEEDS_SYMBOLS
						 : pm_err_code(err) == PM_ERR_BAD_SYMBOLS
							 ? PM_ABSENT_BAD_SYMBOLS
							 : PM_ABSENT_NOT_AVAILABLE,
				err);
		if (walk) /* the symbols were found and the walk still failed: said */
			pm_diag_take(&in->diags, "pool", pm_err_wrap(err, "segment-heap walk"));
		else
			pm_error_destroy(err);
		return;
	}
	p->has_scan = true;
	if (p->scan.tables_missing)
		pm_diag_add(&in->diags, PM_ERR_NOT_CAPTURED, "pool",
			    "pool-page scan: %" PRIu64 " page tables are not in the dump; the pages "
			    "they map were not examined", p->scan.tables_missing);
}

static void count_deinit(struct pm_count *c)
{
	free(c->detail);
	c->detail = NULL;
}

void pm_info_destroy(struct pm_info *in)
{
	if (!in)
		return;
	struct pm_pool_info *p = &in->pool;
	pm_scan_deinit(&p->scan);
	pm_pooltrack_deinit(&p->track);
	pm_bigpool_deinit(&p->big);
	pm_session_pool_deinit(&p->session);
	pm_absence_clear(&p->track_absent);
	pm_absence_clear(&p->big_absent);
	pm_absence_clear(&p->session_absent);
	pm_absence_clear(&p->scan_absent);
	pm_sessions_deinit(&in->mm.sessions);
	pm_absence_clear(&in->mm.sessions_absent);
	count_deinit(&in->mm.pool_failures);
	count_deinit(&in->mm.pte_failures);
	count_deinit(&in->mm.commit_failures);
	count_deinit(&in->mm.free_ptes);
	struct pm_sym_info *s = &in->sym;
	for (size_t i = 0; i < s->nuses; i++) {
		free(s->uses[i].name);
		free(s->uses[i].what);
	}
	free(s->uses);
	for (size_t i = 0; i < s->ndiffs; i++)
		free(s->diffs[i]);
	free(s->diffs);
	free(s->spec);
	free(s->absent);
	pm_symfind_deinit(&s->find);
	pm_kernel_destroy(in->k);
	pm_diags_deinit(&in->diags);
	pm_dmp_destroy(in->dmp);
	free(in);
}

struct pm_error *pm_info_read(const struct pm_info *in, bool phys, uint64_t addr, void *buf,
			      size_t len, const char **absent_ret)
{
	return pm_kernel_read(in->k, phys, addr, buf, len, absent_ret);
}
