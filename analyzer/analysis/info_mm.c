// SPDX-License-Identifier: MIT
// What !vm reads beyond the KDBG, through the kernel's symbols: the failure counters behind
// its banners (ExPoolFailures, MmPteFailures, MiChargeCommitmentFailures), the free system
// PTE count of kernels before Windows 10 (MmTotalFreeSystemPtes) and the terminal-server
// sessions of `!vm 4`. Each value is present with its source or absent with why.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "info.h"

static void absent(struct pm_count *c, const char *why, const char *detail)
{
	c->present = false;
	c->absent = why;
	snprintf(c->detail, sizeof(c->detail), "%s", detail);
}

/* The sum of ULONG elements @p first..@p last of @p var. */
static void count(struct pm_info *in, struct pm_count *c, const char *var, unsigned first,
		  unsigned last, const char *source)
{
	uint64_t sum = 0;
	for (unsigned i = first; i <= last; i++) {
		uint64_t v;
		struct pm_error *err = pm_sym_read_u32(in->sym.find.tab, &in->vm,
						       in->kernel_base.v, var, i, &v);
		if (err) {
			bool missing = pm_err_code(err) == PM_ERR_PROFILE ||
				       pm_err_code(err) == PM_ERR_NOT_PRESENT;
			char d[200];
			snprintf(d, sizeof(d), "%s", pm_err_msg(err));
			absent(c, missing ? "not_in_symbols" : "unreadable", d);
			pm_error_destroy(err);
			return;
		}
		sum += v;
	}
	c->present = true;
	c->v = sum;
	c->source = source;
	pm_sym_used(&in->sym, var, "%s = %" PRIu64, source, sum);
}

void pm_info_gather_mm(struct pm_info *in)
{
	struct pm_mm_info *m = &in->mm;
	static const char need[] = "a global no KDBG field names: only the kernel's symbols give "
				   "its address";
	absent(&m->pool_failures, "needs_symbols", need);
	absent(&m->pte_failures, "needs_symbols", need);
	absent(&m->commit_failures, "needs_symbols", need);
	absent(&m->free_ptes, "needs_symbols", need);
	m->sessions_absent = "needs_symbols";
	snprintf(m->sessions_detail, sizeof(m->sessions_detail), "the session list "
		 "(MiSessionWsList) and MM_SESSION_SPACE are reached only through the kernel's "
		 "symbols");
	if (in->dmp->triage) {
		static const char tri[] = "a small memory dump holds no kernel data";
		absent(&m->pool_failures, "not_in_dump", tri);
		absent(&m->pte_failures, "not_in_dump", tri);
		absent(&m->commit_failures, "not_in_dump", tri);
		absent(&m->free_ptes, "not_in_dump", tri);
		m->sessions_absent = "not_in_dump";
		snprintf(m->sessions_detail, sizeof(m->sessions_detail), "%s", tri);
		return;
	}
	if (!in->sym.found || !in->has_vm || in->kernel_base.absent)
		return;
	count(in, &m->pool_failures, "ExPoolFailures", 0, 0, "ExPoolFailures");
	count(in, &m->pte_failures, "MmPteFailures", 0, 0, "MmPteFailures[0]");
	count(in, &m->commit_failures, "MiChargeCommitmentFailures", 0, 1,
	      "MiChargeCommitmentFailures[0..1]");
	count(in, &m->free_ptes, "MmTotalFreeSystemPtes", 0, 0, "MmTotalFreeSystemPtes");
	struct pm_error *err = pm_sessions_read(in->sym.find.tab, &in->vm, in->kernel_base.v,
						&m->sessions, &in->diags);
	if (err) {
		m->sessions_absent = pm_err_code(err) == PM_ERR_NOT_PRESENT ? "not_in_symbols"
									    : "unreadable";
		snprintf(m->sessions_detail, sizeof(m->sessions_detail), "%s", pm_err_msg(err));
		if (pm_err_code(err) != PM_ERR_NOT_PRESENT)
			pm_diag_take(&in->diags, "session", pm_err_wrap(err, "session list"));
		else
			pm_error_destroy(err);
		return;
	}
	m->has_sessions = true;
	m->sessions_absent = NULL;
	m->sessions_detail[0] = 0;
	pm_sym_used(&in->sym, "MiSessionWsList", "%zu sessions%s", m->sessions.n,
		    m->sessions.has_current ? ", the current one from MmSessionSpace" : "");
}
