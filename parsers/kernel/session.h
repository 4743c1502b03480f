/* SPDX-License-Identifier: MIT */
/**
 * @file session.h
 * Terminal-server sessions, what WinDbg's `!vm 4` prints: every MM_SESSION_SPACE on
 * nt!MiSessionWsList (linked at each structure's system-space address, so every session is
 * readable from any context), with its paged-pool POOL_DESCRIPTOR (up to the builds that
 * dropped it, pool-internals.md §2.6), its paged-pool pages, commit and pool-allocation
 * failures; the current session marked; the session pool maximum (nt!MmSessionPoolSize).
 * Symbols only: none of these is reachable through the KDBG. Each per-session figure is
 * present or absent on its own (a field the symbols do not describe).
 *
 * The current session: nt!MmSessionSpace where the kernel has it (no real kernel of the facts
 * does, 7601 to 22000); otherwise the session of the process in the bugcheck context: the
 * _EPROCESS on PsActiveProcessHead whose Pcb.DirectoryTableBase is the dump header's
 * DirectoryTableBase (the CR3 of the processor that bugchecked), through _EPROCESS.Session.
 */
#ifndef PM_SESSION_H
#define PM_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "pm-diag.h"
#include "symtab.h"
#include "vtop.h"

struct pm_session {
	uint32_t id;
	uint64_t va; /**< the MM_SESSION_SPACE (system-space address) */
	bool current;
	bool has_desc; /**< PagedPool (POOL_DESCRIPTOR) */
	uint64_t desc_pages, desc_big_pages, desc_allocs, desc_frees;
	bool has_pp_pages; /**< PagedPoolInfo.AllocatedPagedPool */
	uint64_t pp_pages;
	bool has_committed; /**< CommittedPages */
	uint64_t committed;
	bool has_failures; /**< the sum of SessionPoolAllocationFailures[] */
	uint64_t failures;
};

struct pm_sessions {
	struct pm_session *items;
	size_t n;
	bool has_pool_max; /**< MmSessionPoolSize, in pages */
	uint64_t pool_max_pages;
	bool has_current;  /**< the current session is on the list */
	uint32_t current_id;
	uint64_t current_va; /**< its MM_SESSION_SPACE (system-space address; 0 not known) */
	const char *current_source; /**< "MmSessionSpace" or the bugcheck context's process */
	uint64_t current_pid; /**< that process (when current_source names it) */
	char current_absent[200]; /**< why no session is marked current ("" when one is) */
	const char *desc_absent; /**< why no session has a descriptor (symbols lack the field) */
	/** where the list head was: "MiSessionWsList" (to 9600) or "MiState.Vs.SessionWsList" */
	const char *list_source;
};

enum { PM_MAX_SESSIONS = 4096, PM_MAX_SESSION_WALK = 1 << 16 };

/**
 * Walk the sessions. PM_ERR_NOT_PRESENT when the symbols have neither MiSessionWsList (to
 * 9600) nor MiState.Vs.SessionWsList (14393 on), or no _MM_SESSION_SPACE.WsListEntry. A list
 * that cannot be followed to its end keeps the sessions read so far and says why in @p diags.
 * @p dtb: the dump header's DirectoryTableBase (0: not known, as in a headerless capture).
 */
struct pm_error *pm_sessions_read(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				  uint64_t dtb, struct pm_sessions *ret, struct pm_diags *diags);
void pm_sessions_deinit(struct pm_sessions *s);

/** The ULONG element @p index of the global @p var (ExPoolFailures, MmPteFailures[1], ...). */
struct pm_error *pm_sym_read_u32(struct pm_symtab *t, const struct pm_vmem *vm, uint64_t kb,
				 const char *var, unsigned index, uint64_t *val);
/** The ULONG element @p index of member @p path of @p type in the global @p var
 * (MiSystemPartition.Vp.ChargeCommitmentFailures[1], MiState.Vs.SystemPteInfo.PteFailures[0]);
 * PM_ERR_PROFILE when the member has no such element. */
struct pm_error *pm_sym_read_member_u32(struct pm_symtab *t, const struct pm_vmem *vm,
					uint64_t kb, const char *var, const char *type,
					const char *path, unsigned index, uint64_t *val);

#endif
