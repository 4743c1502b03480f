// SPDX-License-Identifier: MIT
// What !vm reads beyond the KDBG, through the kernel's symbols: the failure counters behind
// its banners (ExPoolFailures, MmPteFailures, MiChargeCommitmentFailures), the free system
// PTE count of kernels before Windows 10 (MmTotalFreeSystemPtes) and the terminal-server
// sessions of `!vm 4`. Each value is present with its source or absent with why.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"

static void absent(struct pm_count *c, enum pm_absent why, const char *detail)
{
	c->absent = why;
	free(c->detail);
	c->detail = strdup(detail);
}

/* The sum of ULONG elements @p first..@p last of @p var. */
static void count(struct pm_info *in, struct pm_count *c, const char *var, unsigned first,
		  unsigned last, const char *source)
{
	const struct pm_kernel *k = in->k;
	uint64_t sum = 0;
	for (unsigned i = first; i <= last; i++) {
		uint64_t v;
		struct pm_error *err = pm_sym_read_u32(in->sym.find.tab, &k->vm, k->kernel_base.v,
						       var, i, &v);
		if (err) {
			enum pm_err_code code = pm_err_code(err);
			bool missing = code == PM_ERR_PROFILE || code == PM_ERR_NOT_PRESENT;
			absent(c, missing ? PM_ABSENT_NOT_IN_SYMBOLS
				   : code == PM_ERR_BAD_SYMBOLS ? PM_ABSENT_BAD_SYMBOLS
								: PM_ABSENT_UNREADABLE, pm_err_msg(err));
			if (code == PM_ERR_BAD_SYMBOLS) /* said, not only absent */
				pm_diag_take(&in->diags, "symbols", err);
			else
				pm_error_destroy(err);
			return;
		}
		sum += v;
	}
	c->absent = PM_ABSENT_PRESENT;
	free(c->detail);
	c->detail = NULL;
	c->v = sum;
	c->source = source;
	pm_sym_used(&in->sym, var, "%s = %" PRIu64, source, sum);
}

static void sessions(struct pm_info *in)
{
	struct pm_mm_info *m = &in->mm;
	const struct pm_kernel *k = in->k;
	struct pm_error *err = pm_sessions_read(in->sym.find.tab, &k->vm, k->kernel_base.v,
						&m->sessions, &in->diags);
	if (err) {
		pm_absence_from(&m->sessions_absent, pm_err_code(err) == PM_ERR_NOT_PRESENT
							     ? PM_ABSENT_NOT_IN_SYMBOLS
						     : pm_err_code(err) == PM_ERR_BAD_SYMBOLS
							     ? PM_ABSENT_BAD_SYMBOLS
							     : PM_ABSENT_UNREADABLE, err);
		if (pm_err_code(err) != PM_ERR_NOT_PRESENT)
			pm_diag_take(&in->diags, "session", pm_err_wrap(err, "session list"));
		else
			pm_error_destroy(err);
		return;
	}
	m->has_sessions = true;
	pm_absence_clear(&m->sessions_absent);
	pm_sym_used(&in->sym, "MiSessionWsList", "%zu sessions%s", m->sessions.n,
		    m->sessions.has_current ? ", the current one from MmSessionSpace" : "");
}

void pm_info_gather_mm(struct pm_info *in)
{
	struct pm_mm_info *m = &in->mm;
	const struct pm_kernel *k = in->k;
	struct pm_count *c[] = { &m->pool_failures, &m->pte_failures, &m->commit_failures,
				 &m->free_ptes };
	if (in->dmp->triage) {
		static const char tri[] = "a small memory dump holds no kernel data";
		for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
			absent(c[i], PM_ABSENT_NOT_IN_DUMP, tri);
		pm_absence_set(&m->sessions_absent, PM_ABSENT_NOT_IN_DUMP, "%s", tri);
		return;
	}
	static const char need[] = "a global no KDBG field names: only the kernel's symbols give "
				   "its address";
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		absent(c[i], PM_ABSENT_NEEDS_SYMBOLS, need);
	pm_absence_set(&m->sessions_absent, PM_ABSENT_NEEDS_SYMBOLS, "the session list "
		       "(MiSessionWsList) and MM_SESSION_SPACE are reached only through the "
		       "kernel's symbols");
	if (!in->sym.found || !k->has_vm || k->kernel_base.absent)
		return;
	count(in, &m->pool_failures, "ExPoolFailures", 0, 0, "ExPoolFailures");
	count(in, &m->pte_failures, "MmPteFailures", 0, 0, "MmPteFailures[0]");
	count(in, &m->commit_failures, "MiChargeCommitmentFailures", 0, 1,
	      "MiChargeCommitmentFailures[0..1]");
	count(in, &m->free_ptes, "MmTotalFreeSystemPtes", 0, 0, "MmTotalFreeSystemPtes");
	sessions(in);
}
