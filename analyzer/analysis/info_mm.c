// SPDX-License-Identifier: MIT
// What !vm reads beyond the KDBG, through the kernel's symbols: the failure counters behind
// its banners (ExPoolFailures; PTE and commit failures where each kernel keeps them), the
// free system PTE count of kernels before Windows 10 and the terminal-server sessions of
// `!vm 4`. Each value is present with its source or absent with why.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "info.h"
#include "vmview.h"

static void absent(struct pm_count *c, enum pm_absent why, const char *detail)
{
	c->absent = why;
	free(c->detail);
	c->detail = strdup(detail);
}

/* Where a counter is kept: a global (type NULL: ULONG elements @p first..@p last of it) or a
 * member of a global's structure (one field, or ULONG elements of an array member). */
struct where {
	const char *var, *type, *path;
	unsigned first, last;
	const char *source;
};

static struct pm_error *read_sum(struct pm_info *in, const struct where *w, uint64_t *sum)
{
	const struct pm_kernel *k = in->k;
	struct pm_symtab *t = in->sym.find.tab;
	*sum = 0;
	if (w->type && w->first == w->last && !w->first)
		return pm_sym_read_field(t, &k->vm, k->kernel_base.v, w->var, w->type, w->path, sum);
	for (unsigned i = w->first; i <= w->last; i++) {
		uint64_t v;
		PM_TRY(w->type ? pm_sym_read_member_u32(t, &k->vm, k->kernel_base.v, w->var, w->type,
							w->path, i, &v)
			       : pm_sym_read_u32(t, &k->vm, k->kernel_base.v, w->var, i, &v));
		*sum += v;
	}
	return NULL;
}

/* The first of @p n places the symbols describe (older names first: the kernels that have
 * them keep them); absent with the first place's reason when none is there. */
static void count(struct pm_info *in, struct pm_count *c, const struct where *w, size_t n)
{
	struct pm_error *why = NULL; /* the oldest name's reason, when none is there */
	for (size_t i = 0; i < n; i++) {
		uint64_t sum;
		struct pm_error *err = read_sum(in, &w[i], &sum);
		if (!err) {
			pm_error_destroy(why);
			c->absent = PM_ABSENT_PRESENT;
			free(c->detail);
			c->detail = NULL;
			c->v = sum;
			c->source = w[i].source;
			pm_sym_used(&in->sym, w[i].var, "%s = %" PRIu64, w[i].source, sum);
			return;
		}
		enum pm_err_code code = pm_err_code(err);
		if (code == PM_ERR_PROFILE || code == PM_ERR_NOT_PRESENT) { /* the next place */
			if (!why)
				why = err;
			else
				pm_error_destroy(err);
			continue;
		}
		pm_error_destroy(why);
		absent(c, code == PM_ERR_BAD_SYMBOLS ? PM_ABSENT_BAD_SYMBOLS : PM_ABSENT_UNREADABLE,
		       pm_err_msg(err));
		if (code == PM_ERR_BAD_SYMBOLS) /* said, not only absent */
			pm_diag_take(&in->diags, "symbols", err);
		else
			pm_error_destroy(err);
		return;
	}
	absent(c, PM_ABSENT_NOT_IN_SYMBOLS, why ? pm_err_msg(why) : "not in the symbols");
	pm_error_destroy(why);
}

/* Where real kernels keep them (fixtures/facts/, 213 ntkrnlmp.pdb): MmPteFailures and
 * MmTotalFreeSystemPtes are in none of them; MiSystemPteInfo (a _MI_SYSTEM_PTE_TYPE) holds
 * both on 7601 and 9600, MiState.Vs.SystemPteInfo from 14393. MiChargeCommitmentFailures is
 * there up to 9600, MiSystemPartition.Vp.ChargeCommitmentFailures (ULONG[4]) from 14393. */
static const struct where pool_fail[] = {
	{ "ExPoolFailures", NULL, NULL, 0, 0, "ExPoolFailures" },
};
static const struct where pte_fail[] = {
	{ "MmPteFailures", NULL, NULL, 0, 0, "MmPteFailures[0]" },
	{ "MiSystemPteInfo", "_MI_SYSTEM_PTE_TYPE", "PteFailures", 0, 0,
	  "MiSystemPteInfo.PteFailures" },
	{ "MiState", "_MI_SYSTEM_INFORMATION", "Vs.SystemPteInfo.PteFailures", 0, 0,
	  "MiState.Vs.SystemPteInfo.PteFailures" },
};
static const struct where commit_fail[] = {
	{ "MiChargeCommitmentFailures", NULL, NULL, 0, 1, "MiChargeCommitmentFailures[0..1]" },
	{ "MiSystemPartition", "_MI_PARTITION", "Vp.ChargeCommitmentFailures", 0, 1,
	  "MiSystemPartition.Vp.ChargeCommitmentFailures[0..1]" },
};
static const struct where free_ptes[] = {
	{ "MmTotalFreeSystemPtes", NULL, NULL, 0, 0, "MmTotalFreeSystemPtes" },
	{ "MiSystemPteInfo", "_MI_SYSTEM_PTE_TYPE", "TotalFreeSystemPtes", 0, 0,
	  "MiSystemPteInfo.TotalFreeSystemPtes" },
};

static void sessions(struct pm_info *in)
{
	struct pm_mm_info *m = &in->mm;
	const struct pm_kernel *k = in->k;
	/* the CR3 of the processor that bugchecked: a crash dump's header says it */
	uint64_t dtb = in->dmp->container == PM_CONT_CRASHDUMP ? in->dmp->hdr.dtb : 0;
	struct pm_error *err = pm_sessions_read(in->sym.find.tab, &k->vm, k->kernel_base.v, dtb,
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
	pm_sym_used(&in->sym, m->sessions.list_source, "%zu sessions; %s%s", m->sessions.n,
		    m->sessions.has_current ? "the current one from " : "no current session: ",
		    m->sessions.has_current ? m->sessions.current_source
					    : m->sessions.current_absent);
	if (m->sessions.has_current && m->sessions.current_pid)
		pm_sym_used(&in->sym, "_EPROCESS.Session", "PID %" PRIu64 " is in the bugcheck "
			    "context: session %u is the current one", m->sessions.current_pid,
			    m->sessions.current_id);
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
	count(in, &m->pool_failures, pool_fail, sizeof(pool_fail) / sizeof(pool_fail[0]));
	count(in, &m->pte_failures, pte_fail, sizeof(pte_fail) / sizeof(pte_fail[0]));
	count(in, &m->commit_failures, commit_fail, sizeof(commit_fail) / sizeof(commit_fail[0]));
	count(in, &m->free_ptes, free_ptes, sizeof(free_ptes) / sizeof(free_ptes[0]));
	sessions(in);
	pm_vm_symbols_check(in);
}
