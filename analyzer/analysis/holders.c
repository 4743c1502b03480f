// SPDX-License-Identifier: MIT
// Who holds it (holders.h): the layout, the process list, the object types and their cookie,
// every handle table, the billed big pages — each step present or absent with why.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"

static void why(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, n, fmt, ap);
	va_end(ap);
}

static void take(char *dst, size_t n, struct pm_error *err)
{
	why(dst, n, "%s", pm_err_msg(err));
	pm_error_destroy(err);
}

/* A kernel global through the symbols: its address, or false. */
static bool sym_va(struct pm_info *in, const char *name, uint64_t *va)
{
	uint64_t rva;
	struct pm_error *err = pm_sym_rva(in->sym.find.tab, name, &rva);
	if (err) {
		pm_error_destroy(err);
		return false;
	}
	*va = in->k->kernel_base.v + rva;
	return true;
}

static bool layout(struct pm_info *in, struct pm_holders *h)
{
	struct pm_error *err = NULL;
	if (in->sym.found) {
		err = pm_obj_layout_from_symbols(in->sym.find.tab, &h->layout, &in->diags);
		if (!err) {
			h->from_symbols = true;
			pm_sym_used(&in->sym, "_EPROCESS", "%#x bytes: UniqueProcessId +%#x, "
				    "ActiveProcessLinks +%#x, ObjectTable +%#x, ImageFileName +%#x",
				    h->layout.size[PM_OT_EPROCESS], h->layout.f[PM_OF_EP_PID].off,
				    h->layout.f[PM_OF_EP_LINKS].off, h->layout.f[PM_OF_EP_OBJTABLE].off,
				    h->layout.f[PM_OF_EP_NAME].off);
			return true;
		}
		/* the symbols lack something the walks need: the built-in row, said so */
		pm_diag_take(&in->diags, "holders", pm_err_wrap(err, "process layout from the "
								"symbols"));
	}
	if (in->k->build.absent) {
		h->layout_why = PM_ABSENT_NOT_AVAILABLE;
		why(h->layout_absent, sizeof(h->layout_absent), "the kernel's build is not known: no "
		    "built-in layout can be chosen");
		return false;
	}
	err = pm_obj_layout_builtin((uint32_t)in->k->build.v, &h->layout);
	if (err) {
		h->layout_why = PM_ABSENT_NEEDS_SYMBOLS;
		take(h->layout_absent, sizeof(h->layout_absent), err);
		return false;
	}
	return true;
}

static bool processes(struct pm_info *in, struct pm_holders *h)
{
	uint64_t head = 0;
	const char *how = "KDBG.PsActiveProcessHead";
	struct pm_error *err = NULL;
	if (h->from_symbols && sym_va(in, "PsActiveProcessHead", &head))
		how = h->layout.source;
	else if (!in->k->has_kdbg)
		err = pm_err(PM_ERR_NOT_PRESENT, "no KDBG and no symbols: PsActiveProcessHead is "
			     "not known");
	else
		err = pm_kdbg_get(&in->k->kdbg, PM_KDBG_PsActiveProcessHead, &head);
	if (!err && !head)
		err = pm_err(PM_ERR_NOT_PRESENT, "%s is 0", how);
	if (!err)
		err = pm_processes_read(&in->k->vm, &h->layout, head, &h->procs);
	if (err) {
		/* a layout that does not fit: the symbols would give the right one (or, when
		 * they gave this one, contradict the dump) */
		enum pm_err_code code = pm_err_code(err);
		h->procs_why = code != PM_ERR_PROFILE ? pm_absent_of(err)
			       : h->from_symbols ? PM_ABSENT_BAD_SYMBOLS : PM_ABSENT_NEEDS_SYMBOLS;
		take(h->procs_absent, sizeof(h->procs_absent),
		     pm_err_wrap(err, "the process list (%s)", how));
		/* The list head is a variable of the kernel's data, always in a kernel dump: a
		 * head that cannot be followed is damage, and who holds the memory goes with it
		 * (a head of 0 is a dump written without the list, said in the section only)
		 * (issue 16: a flipped bit in KDBG.PsActiveProcessHead lost every holder with
		 * no word beyond the report's holders section). */
		if (head && h->procs_why != PM_ABSENT_NEEDS_SYMBOLS &&
		    h->procs_why != PM_ABSENT_NOT_APPLICABLE && (in->k->has_kdbg || h->from_symbols))
			pm_diag_add(&in->diags, code, "holders", "%s: the processes, their handles and "
				    "the pool billed to them are not known", h->procs_absent);
		return false;
	}
	if (h->from_symbols)
		pm_sym_used(&in->sym, "PsActiveProcessHead", "variable at %#" PRIx64 ": %zu "
			    "processes", head, h->procs.n);
	h->p = calloc(h->procs.n ? h->procs.n : 1, sizeof(*h->p));
	if (!h->p) {
		why(h->procs_absent, sizeof(h->procs_absent), "out of memory");
		pm_processes_deinit(&h->procs);
		return false;
	}
	for (size_t i = 0; i < h->procs.n; i++)
		h->p[i].p = h->procs.items[i];
	return true;
}

static bool types(struct pm_info *in, struct pm_holders *h)
{
	h->types = calloc(1, sizeof(*h->types));
	if (!h->types) {
		why(h->types_absent, sizeof(h->types_absent), "out of memory");
		return false;
	}
	uint64_t table, cva;
	struct pm_error *err;
	bool have_cookie = false;
	uint8_t cookie = 0;
	char csrc[64] = "";
	if (h->from_symbols && sym_va(in, "ObTypeIndexTable", &table)) {
		err = pm_obj_types_read(&in->k->vm, &h->layout, table, h->types);
		if (!err)
			why(h->types->table_how, sizeof(h->types->table_how), "ObTypeIndexTable "
			    "(%s)", h->layout.source);
	} else if (in->k->pe_headers && !in->k->kernel_base.absent) {
		err = pm_obj_types_find(&in->k->vm, &h->layout, in->k->kernel_base.v, &in->k->pe,
					h->types);
	} else {
		err = pm_err(PM_ERR_NOT_PRESENT, "the kernel image's sections are not readable: "
			     "ObTypeIndexTable cannot be looked for");
	}
	if (!err && h->layout.type_index_encoded && h->from_symbols &&
	    sym_va(in, "ObHeaderCookie", &cva)) {
		err = pm_vmem_read(&in->k->vm, cva, &cookie, 1);
		have_cookie = !err;
		why(csrc, sizeof(csrc), "ObHeaderCookie (%s)", h->layout.source);
	}
	if (!err)
		err = pm_obj_types_cookie(&in->k->vm, &h->layout, h->types, have_cookie, cookie, csrc);
	if (err) {
		h->types_why = pm_absent_of(err);
		take(h->types_absent, sizeof(h->types_absent), pm_err_wrap(err, "object types"));
		return false;
	}
	if (h->from_symbols)
		pm_sym_used(&in->sym, "ObTypeIndexTable", "%s: %u types; TypeIndex %s",
			    h->types->table_how, h->types->n - 2, h->types->cookie_how);
	return true;
}

/* One process's table: counts kept as (type, handles) pairs. */
static void one_table(struct pm_info *in, struct pm_holders *h, struct pm_obj_cache *c,
		      struct pm_holder_proc *hp, uint64_t *budget)
{
	struct pm_htable_stats *st = malloc(sizeof(*st));
	if (!st) {
		hp->why = PM_ABSENT_UNREADABLE;
		why(hp->absent, sizeof(hp->absent), "out of memory");
		return;
	}
	struct pm_error *err = pm_htable_walk(c, &h->layout, h->types, hp->p.object_table,
					      hp->p.pid, budget, NULL, NULL, st);
	if (err) {
		hp->why = pm_absent_of(err);
		take(hp->absent, sizeof(hp->absent), err);
		h->tables_failed++;
		free(st);
		return;
	}
	(void)in;
	hp->walked = true;
	h->tables_walked++;
	hp->handles = st->handles;
	hp->unattributed = st->bad_pointer + st->bad_header;
	hp->header_absent = st->header_absent;
	hp->unseen = st->unseen;
	hp->has_kernel_count = st->has_kernel_count;
	hp->kernel_count = st->kernel_count;
	snprintf(hp->problem, sizeof(hp->problem), "%s", st->problem);
	h->handles += st->handles;
	h->unattributed += hp->unattributed;
	h->header_absent += st->header_absent;
	h->unseen += st->unseen;
	size_t n = 0;
	for (unsigned t = 0; t < PM_MAX_OBJ_TYPES; t++)
		n += st->per_type[t] != 0;
	hp->types = calloc(n ? n : 1, sizeof(*hp->types));
	if (hp->types) {
		for (unsigned t = 0; t < PM_MAX_OBJ_TYPES; t++) {
			if (!st->per_type[t])
				continue;
			hp->types[hp->ntypes++] = (struct pm_type_count){ (uint8_t)t, st->per_type[t] };
			h->per_type[t] += st->per_type[t];
		}
	}
	if (st->stopped && !*budget)
		h->budget_spent = true;
	free(st);
}

static void handles(struct pm_info *in, struct pm_holders *h)
{
	struct pm_obj_cache *c;
	struct pm_error *err = pm_obj_cache_new(&in->k->vm, PM_HOLDERS_CACHE_PAGES, &c);
	if (err) {
		h->handles_why = PM_ABSENT_UNREADABLE;
		take(h->handles_absent, sizeof(h->handles_absent), err);
		return;
	}
	uint64_t budget = PM_HOLDERS_BUDGET;
	for (size_t i = 0; i < h->procs.n; i++) {
		struct pm_holder_proc *hp = &h->p[i];
		if (!hp->p.object_table) {
			hp->why = PM_ABSENT_NOT_APPLICABLE;
			why(hp->absent, sizeof(hp->absent), "no handle table (the process has "
			    "exited, or is being created)");
			continue;
		}
		if (!budget) {
			hp->why = PM_ABSENT_PARTIAL;
			why(hp->absent, sizeof(hp->absent), "not walked: the entry budget (%d) "
			    "was spent on the processes before it", PM_HOLDERS_BUDGET);
			h->budget_spent = true;
			continue;
		}
		one_table(in, h, c, hp, &budget);
	}
	pm_obj_cache_destroy(c);
	h->has_handles = true;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void billed(struct pm_info *in, struct pm_holders *h)
{
	if (!h->layout.f[PM_OF_BIG_BILLED].present) {
		h->billed_why = PM_ABSENT_NOT_APPLICABLE;
		why(h->billed_absent, sizeof(h->billed_absent), "big-page entries carry no billed "
		    "process before build 20348 (Server 2022)");
		return;
	}
	if (!in->pool.has_big) {
		h->billed_why = in->pool.gathered ? in->pool.big_absent.why : PM_ABSENT_NOT_AVAILABLE;
		why(h->billed_absent, sizeof(h->billed_absent), "the big-page table was not read%s%s",
		    in->pool.gathered ? ": " : "", in->pool.gathered
		    ? pm_absence_detail(&in->pool.big_absent) : "");
		return;
	}
	uint64_t *eps = malloc((h->procs.n ? h->procs.n : 1) * sizeof(*eps));
	if (!eps) {
		why(h->billed_absent, sizeof(h->billed_absent), "out of memory");
		return;
	}
	for (size_t i = 0; i < h->procs.n; i++)
		eps[i] = h->procs.items[i].eprocess;
	qsort(eps, h->procs.n, sizeof(*eps), cmp_u64);
	uint64_t cva, cookie = 0;
	bool have = false;
	if (h->from_symbols && sym_va(in, "ExpPoolQuotaCookie", &cva)) {
		struct pm_error *e = pm_vmem_read_ptr(&in->k->vm, cva, &cookie);
		have = !e;
		pm_error_destroy(e);
	}
	struct pm_error *err = pm_billed_read(&in->k->vm, &h->layout, &in->pool.big, eps, h->procs.n,
					      have, cookie, in->k->kernel_base.v,
					      in->k->pe_headers ? &in->k->pe : NULL, &h->billed);
	free(eps);
	if (err) {
		h->billed_why = pm_err_code(err) == PM_ERR_NOT_PRESENT ? PM_ABSENT_NOT_FOUND
								       : pm_absent_of(err);
		take(h->billed_absent, sizeof(h->billed_absent), pm_err_wrap(err, "billed big "
									     "pages"));
		return;
	}
	h->has_billed = true;
	if (have)
		pm_sym_used(&in->sym, "ExpPoolQuotaCookie", "decodes _POOL_TRACKER_BIG_PAGES."
			    "ProcessBilled: %" PRIu64 " charged, %" PRIu64 " uncharged entries",
			    h->billed.charged, h->billed.uncharged);
}

/* The layout and the list; false when either is absent (the absent parts said). */
static bool procs_only(struct pm_info *in, struct pm_holders *h)
{
	memset(h, 0, sizeof(*h));
	h->gathered = true;
	const char *no = NULL;
	h->layout_why = PM_ABSENT_NOT_APPLICABLE;
	if (in->dmp->triage) {
		no = "a small memory dump holds no processes' memory";
		h->layout_why = PM_ABSENT_NOT_IN_DUMP;
	} else if (!in->k->has_vm) {
		no = "no address translation for this dump";
		h->layout_why = PM_ABSENT_NOT_AVAILABLE;
	} else if (in->k->arch != PM_ARCH_X64) {
		no = "the process and handle walks read x64 kernels only";
	}
	if (no)
		why(h->layout_absent, sizeof(h->layout_absent), "%s", no);
	else if (layout(in, h))
		h->has_layout = true;
	if (!h->has_layout) {
		h->procs_why = h->types_why = h->handles_why = h->billed_why = h->layout_why;
		why(h->procs_absent, sizeof(h->procs_absent), "%s", h->layout_absent);
		why(h->types_absent, sizeof(h->types_absent), "%s", h->layout_absent);
		why(h->handles_absent, sizeof(h->handles_absent), "%s", h->layout_absent);
		why(h->billed_absent, sizeof(h->billed_absent), "%s", h->layout_absent);
		return false;
	}
	h->has_procs = processes(in, h);
	return true;
}

void pm_holders_gather_procs(struct pm_info *in, struct pm_holders *h)
{
	procs_only(in, h);
}

void pm_holders_gather(struct pm_info *in, struct pm_holders *h)
{
	if (!procs_only(in, h))
		return;
	h->has_types = types(in, h);
	if (!h->has_procs) {
		h->handles_why = h->procs_why;
		why(h->handles_absent, sizeof(h->handles_absent), "%s", h->procs_absent);
	} else if (!h->has_types) {
		h->handles_why = h->types_why;
		why(h->handles_absent, sizeof(h->handles_absent), "%s", h->types_absent);
	} else {
		handles(in, h);
	}
	if (h->has_procs) {
		billed(in, h);
	} else {
		h->billed_why = h->procs_why;
		why(h->billed_absent, sizeof(h->billed_absent), "%s", h->procs_absent);
	}
	/* every absent part has a reason (out of memory and the like: not available) */
	enum pm_absent *w[] = { &h->procs_why, &h->types_why, &h->handles_why, &h->billed_why };
	bool has[] = { h->has_procs, h->has_types, h->has_handles, h->has_billed };
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (!has[i] && *w[i] == PM_ABSENT_PRESENT)
			*w[i] = PM_ABSENT_NOT_AVAILABLE;
}

void pm_holders_deinit(struct pm_holders *h)
{
	for (size_t i = 0; h->p && i < h->procs.n; i++)
		free(h->p[i].types);
	free(h->p);
	pm_processes_deinit(&h->procs);
	free(h->types);
	pm_billed_deinit(&h->billed);
	memset(h, 0, sizeof(*h));
}

const struct pm_holder_proc *pm_holders_proc_at(const struct pm_holders *h, uint64_t eprocess)
{
	for (size_t i = 0; h->p && i < h->procs.n; i++)
		if (h->p[i].p.eprocess == eprocess)
			return &h->p[i];
	return NULL;
}
