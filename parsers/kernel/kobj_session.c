// SPDX-License-Identifier: MIT
// Terminal-server sessions through the kernel's symbols (session.h): the MM_SESSION_SPACE
// list, each session's paged-pool descriptor and counters, the current session.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "pool.h"
#include "session.h"

static const char SS[] = "_MM_SESSION_SPACE";

struct pm_error *pm_sym_read_u32(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				 const char *var, unsigned index, uint64_t *val)
{
	uint64_t base;
	PM_TRY(pm_sym_global(t, kb, var, &base));
	struct pm_field f = { .offset = (uint64_t)index * 4, .size = 4 };
	struct pm_error *err = pm_sym_read_at(vm, base, &f, val);
	return err ? pm_err_wrap(err, "%s[%u]", var, index) : NULL;
}

struct pm_error *pm_sym_read_member_u32(struct pm_symtab *t, const struct pm_vmem *vm,
					uint64_t kb, const char *var, const char *type,
					const char *path, unsigned index, uint64_t *val)
{
	uint64_t base;
	struct pm_field m;
	PM_TRY(pm_sym_global(t, kb, var, &base));
	PM_TRY(pm_sym_member(t, type, path, &m));
	if (m.is_bitfield || m.size < 4 || (uint64_t)index * 4 > m.size - 4)
		return pm_err(PM_ERR_PROFILE, "%s.%s is %" PRIu64 " bytes: no ULONG element %u", type,
			      path, m.size, index);
	struct pm_field f = { .offset = m.offset + (uint64_t)index * 4, .size = 4 };
	struct pm_error *err = pm_sym_read_at(vm, base, &f, val);
	return err ? pm_err_wrap(err, "%s.%s[%u]", var, path, index) : NULL;
}

/* Optional fields: absent from the symbols means absent from the report, not an error; a
 * field the symbols contradict themselves about is said in @p diags and not read. */
static bool opt_field(struct pm_symtab *t, const char *path, struct pm_field *f,
		      struct pm_diags *diags)
{
	struct pm_error *err = pm_sym_member(t, SS, path, f);
	if (err && pm_err_code(err) == PM_ERR_BAD_SYMBOLS)
		pm_diag_take(diags, "symbols", err);
	else
		pm_error_destroy(err);
	return !err;
}

struct desc_fields {
	bool ok, split;
	struct pm_field ra, rd, pages, big, pa, pd, ba, bd;
};

/* The session's PagedPool descriptor: TotalPages/TotalBigPages (to 1607) or the allocated /
 * deallocated page counters (1703+), as in mmvars.c (§4.3). */
static void desc_layout(struct pm_symtab *t, struct desc_fields *d, struct pm_diags *g)
{
	memset(d, 0, sizeof(*d));
	if (!opt_field(t, "PagedPool.RunningAllocs", &d->ra, g) ||
	    (!opt_field(t, "PagedPool.RunningDeAllocs", &d->rd, g) &&
	     !opt_field(t, "PagedPool.RunningDeallocs", &d->rd, g))) /* 14393..18362 */
		return;
	if (opt_field(t, "PagedPool.TotalPages", &d->pages, g) &&
	    opt_field(t, "PagedPool.TotalBigPages", &d->big, g)) {
		d->ok = true;
	} else if (opt_field(t, "PagedPool.PagesAllocated", &d->pa, g) &&
		   opt_field(t, "PagedPool.PagesDeallocated", &d->pd, g) &&
		   opt_field(t, "PagedPool.BigPagesAllocated", &d->ba, g) &&
		   opt_field(t, "PagedPool.BigPagesDeallocated", &d->bd, g)) {
		d->ok = d->split = true;
	}
}

static struct pm_error *read_desc(const struct pm_vmem *vm, uint64_t s,
				  const struct desc_fields *d, struct pm_session *o)
{
	PM_TRY(pm_sym_read_at(vm, s, &d->ra, &o->desc_allocs));
	PM_TRY(pm_sym_read_at(vm, s, &d->rd, &o->desc_frees));
	if (d->split) {
		uint64_t a, b, c, e;
		PM_TRY(pm_sym_read_at(vm, s, &d->pa, &a));
		PM_TRY(pm_sym_read_at(vm, s, &d->pd, &b));
		PM_TRY(pm_sym_read_at(vm, s, &d->ba, &c));
		PM_TRY(pm_sym_read_at(vm, s, &d->bd, &e));
		o->desc_big_pages = c >= e ? c - e : 0;
		o->desc_pages = (a >= b ? a - b : 0) + o->desc_big_pages;
	} else {
		uint64_t small;
		PM_TRY(pm_sym_read_at(vm, s, &d->pages, &small));
		PM_TRY(pm_sym_read_at(vm, s, &d->big, &o->desc_big_pages));
		o->desc_pages = small + o->desc_big_pages;
	}
	return NULL;
}

struct sess_layout {
	struct pm_field id, ws, committed, pp, fail;
	bool has_committed, has_pp, has_fail;
	struct desc_fields desc;
};

static void read_one(const struct pm_vmem *vm, uint64_t s, const struct sess_layout *L,
		     struct pm_session *o, struct pm_diags *diags)
{
	struct pm_error *err;
	if (L->desc.ok) {
		if ((err = read_desc(vm, s, &L->desc, o)))
			pm_diag_take(diags, "session", pm_err_wrap(err, "session %u at %#" PRIx64
								   ": PagedPool descriptor", o->id, s));
		else
			o->has_desc = true;
	}
	if (L->has_pp) {
		if ((err = pm_sym_read_at(vm, s, &L->pp, &o->pp_pages)))
			pm_diag_take(diags, "session", pm_err_wrap(err, "session %u: paged-pool pages",
								   o->id));
		else
			o->has_pp_pages = true;
	}
	if (L->has_committed) {
		if ((err = pm_sym_read_at(vm, s, &L->committed, &o->committed)))
			pm_diag_take(diags, "session", pm_err_wrap(err, "session %u: CommittedPages",
								   o->id));
		else
			o->has_committed = true;
	}
	if (L->has_fail) {
		/* an array of ULONGs, one per pool type; summed as !vm 4 does */
		uint64_t n = L->fail.size / 4, sum = 0;
		o->has_failures = true;
		for (uint64_t i = 0; i < n && i < 16; i++) {
			struct pm_field e = { .offset = L->fail.offset + i * 4, .size = 4 };
			uint64_t v;
			if ((err = pm_sym_read_at(vm, s, &e, &v))) {
				pm_diag_take(diags, "session", pm_err_wrap(
						     err, "session %u: SessionPoolAllocationFailures",
						     o->id));
				o->has_failures = false;
				break;
			}
			sum += v;
		}
		o->failures = sum;
	}
}

static int by_id(const void *x, const void *y)
{
	const struct pm_session *a = x, *b = y;
	return a->id < b->id ? -1 : a->id > b->id;
}

/* The list head: nt!MiSessionWsList up to 9600; from 14393 (facts: every real kernel) the
 * global is gone and the head is MiState.Vs.SessionWsList. */
static struct pm_error *session_list(struct pm_symtab *t, uint64_t kb, uint64_t *head,
				     const char **source)
{
	struct pm_error *err = pm_sym_global(t, kb, "MiSessionWsList", head);
	*source = "MiSessionWsList";
	if (!err || pm_err_code(err) == PM_ERR_BAD_SYMBOLS)
		return err;
	uint64_t st;
	struct pm_field f;
	struct pm_error *e2 = pm_sym_global(t, kb, "MiState", &st);
	if (!e2)
		e2 = pm_sym_member(t, "_MI_SYSTEM_INFORMATION", "Vs.SessionWsList", &f);
	if (e2 && pm_err_code(e2) != PM_ERR_BAD_SYMBOLS) {
		pm_error_destroy(e2);
		return err; /* neither: say why the old name failed */
	}
	pm_error_destroy(err);
	if (e2)
		return e2;
	*head = st + f.offset;
	*source = "MiState.Vs.SessionWsList";
	return NULL;
}

/* The process in the bugcheck context: the one on PsActiveProcessHead whose
 * Pcb.DirectoryTableBase is @p dtb (page frames compared: the low bits carry flags). Its
 * Session pointer into @p sva (0: the process has none, as System). */
static struct pm_error *context_session(struct pm_symtab *t, const struct pm_vmem *vm,
					uint64_t kb, uint64_t dtb, uint64_t *sva, uint64_t *pid)
{
	static const char EP[] = "_EPROCESS";
	uint64_t head, e;
	struct pm_field links, cr3, sess, id;
	PM_TRY(pm_sym_global(t, kb, "PsActiveProcessHead", &head));
	PM_TRY(pm_sym_member(t, EP, "ActiveProcessLinks", &links));
	PM_TRY(pm_sym_member(t, EP, "Pcb.DirectoryTableBase", &cr3));
	PM_TRY(pm_sym_member(t, EP, "Session", &sess));
	PM_TRY(pm_sym_member(t, EP, "UniqueProcessId", &id));
	PM_TRY(pm_vmem_read_ptr(vm, head, &e));
	uint64_t ps = pm_vmem_ptr_size(vm), prev = head;
	for (unsigned n = 0; e != head; n++) {
		if (n >= PM_MAX_SESSION_WALK || (e & (ps - 1)) || e == prev)
			return pm_err(PM_ERR_FORMAT, "PsActiveProcessHead: entry %#" PRIx64 " after %u "
				      "processes %s", e, n, n >= PM_MAX_SESSION_WALK ? "(no end: a "
				      "cycle?)" : "is misaligned or loops on itself");
		uint64_t ep = e - links.offset, v;
		PM_TRY(pm_sym_read_at(vm, ep, &cr3, &v));
		if (v >> 12 == dtb >> 12) {
			PM_TRY(pm_sym_read_at(vm, ep, &id, pid));
			return pm_sym_read_at(vm, ep, &sess, sva);
		}
		prev = e;
		PM_TRY(pm_vmem_read_ptr(vm, e, &e));
	}
	return pm_err(PM_ERR_NOT_PRESENT, "no process on PsActiveProcessHead has the dump header's "
		      "DirectoryTableBase %#" PRIx64, dtb);
}

/* The current session: MmSessionSpace where the kernel has it, else the session of the process
 * in the bugcheck context; named by its MM_SESSION_SPACE's SessionId. */
static void mark_current(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
			 uint64_t dtb, const struct pm_field *idf, struct pm_sessions *ret)
{
	uint64_t sva = 0, cur;
	struct pm_error *err = pm_sym_read_field(t, vm, kb, "MmSessionSpace", NULL, NULL, &sva);
	if (!err) {
		ret->current_source = "MmSessionSpace";
	} else if (pm_err_code(err) == PM_ERR_PROFILE && dtb) {
		pm_error_destroy(err);
		err = context_session(t, vm, kb, dtb, &sva, &ret->current_pid);
		ret->current_source = "the bugcheck context's process (its Pcb.DirectoryTableBase is "
				      "the dump header's): _EPROCESS.Session";
	}
	if (err) {
		snprintf(ret->current_absent, sizeof(ret->current_absent), "%s%s",
			 pm_err_code(err) == PM_ERR_PROFILE && !dtb ? "no MmSessionSpace and no "
			 "dump header's DirectoryTableBase: " : "", pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	if (!sva) {
		snprintf(ret->current_absent, sizeof(ret->current_absent), "%s", ret->current_pid
			 ? "the process in the bugcheck context has no session" : "the bugcheck "
			 "context has no session (System's address space)");
		return;
	}
	if ((err = pm_sym_read_at(vm, sva, idf, &cur))) {
		snprintf(ret->current_absent, sizeof(ret->current_absent), "the current session at "
			 "%#" PRIx64 ": %s", sva, pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < ret->n; i++)
		if (ret->items[i].id == cur) {
			ret->items[i].current = true;
			ret->has_current = true;
			ret->current_id = (uint32_t)cur;
			ret->current_va = ret->items[i].va;
		}
	if (!ret->has_current)
		snprintf(ret->current_absent, sizeof(ret->current_absent), "session %" PRIu64 " (%s) "
			 "is not on the session list", cur, ret->current_source);
}

struct pm_error *pm_sessions_read(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				  uint64_t dtb, struct pm_sessions *ret, struct pm_diags *diags)
{
	memset(ret, 0, sizeof(*ret));
	struct sess_layout L;
	memset(&L, 0, sizeof(L));
	uint64_t head;
	struct pm_error *err = session_list(t, kb, &head, &ret->list_source);
	if (!err)
		err = pm_sym_member(t, SS, "WsListEntry", &L.ws);
	if (!err)
		err = pm_sym_member(t, SS, "SessionId", &L.id);
	if (err && pm_err_code(err) == PM_ERR_BAD_SYMBOLS)
		return pm_err_wrap(err, "sessions not read");
	if (err) {
		struct pm_error *e = pm_err(PM_ERR_NOT_PRESENT, "the kernel's symbols do not "
					    "describe the session list (%s); sessions not read",
					    pm_err_msg(err));
		pm_error_destroy(err);
		return e;
	}
	L.has_pp = opt_field(t, "PagedPoolInfo.AllocatedPagedPool", &L.pp, diags);
	L.has_committed = opt_field(t, "CommittedPages", &L.committed, diags);
	L.has_fail = opt_field(t, "SessionPoolAllocationFailures", &L.fail, diags);
	desc_layout(t, &L.desc, diags);
	if (!L.desc.ok)
		ret->desc_absent = "the symbols have no _MM_SESSION_SPACE.PagedPool descriptor "
				   "(gone from Windows 10 2004 on)";
	uint64_t ps = pm_vmem_ptr_size(vm);
	uint64_t e;
	PM_TRY(pm_vmem_read_ptr(vm, head, &e));
	size_t cap = 0;
	while (e != head) {
		if (ret->n >= PM_MAX_SESSIONS) {
			pm_diag_add(diags, PM_ERR_LIMIT, "session", "%s: more than %d sessions; the "
				    "rest not read", ret->list_source, PM_MAX_SESSIONS);
			break;
		}
		uint64_t s = e - L.ws.offset;
		bool again = false;
		for (size_t i = 0; i < ret->n && !again; i++)
			again = ret->items[i].va == s;
		if (again || (e & (ps - 1))) {
			pm_diag_add(diags, PM_ERR_FORMAT, "session", "%s: entry %#" PRIx64 " %s; the "
				    "list ends there", ret->list_source, e,
				    again ? "comes round again (a cycle)" : "is misaligned");
			break;
		}
		uint64_t id;
		if ((err = pm_sym_read_at(vm, s, &L.id, &id))) {
			pm_diag_take(diags, "session", pm_err_wrap(err, "MM_SESSION_SPACE at %#" PRIx64
								   " (SessionId); the list ends there",
								   s));
			break;
		}
		if (ret->n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct pm_session *n = realloc(ret->items, nc * sizeof(*n));
			if (!n) {
				pm_sessions_deinit(ret);
				return &pm_enomem;
			}
			ret->items = n;
			cap = nc;
		}
		struct pm_session *o = &ret->items[ret->n++];
		memset(o, 0, sizeof(*o));
		o->id = (uint32_t)id;
		o->va = s;
		read_one(vm, s, &L, o, diags);
		if ((err = pm_vmem_read_ptr(vm, e, &e))) {
			pm_diag_take(diags, "session", pm_err_wrap(err, "%s after session %u; the "
								   "list ends there", ret->list_source,
								   o->id));
			break;
		}
	}
	uint64_t v;
	if (!(err = pm_sym_read_field(t, vm, kb, "MmSessionPoolSize", NULL, NULL, &v))) {
		ret->has_pool_max = true;
		ret->pool_max_pages = v / 4096;
	}
	pm_error_destroy(err);
	mark_current(t, vm, kb, dtb, &L.id, ret);
	if (ret->n > 1)
		qsort(ret->items, ret->n, sizeof(*ret->items), by_id);
	return NULL;
}

void pm_sessions_deinit(struct pm_sessions *s)
{
	free(s->items);
	memset(s, 0, sizeof(*s));
}
