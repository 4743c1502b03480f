/* SPDX-License-Identifier: MIT */
/**
 * @file process.h
 * L5, the processes: the _EPROCESS list from nt!PsActiveProcessHead (the KDBG holds its
 * address, +0x50, so no symbols are needed to find it), read with a layout of objprofile.h.
 *
 * The list is untrusted like everything else: it is followed with a length limit and a cycle
 * check, every node's Blink must point back at the previous node, every pointer must be a
 * canonical kernel address, and each process must look like one (PID a multiple of 4 below
 * 2^32, a NUL-terminated printable image name). The layout itself is judged on the first node,
 * which on every Windows is the System process (PID 4, "System"): if it is not, the layout
 * does not fit this kernel and nothing is returned. A node that fails later ends the walk; the
 * processes read so far are kept and the reason is given (complete = false).
 */
#ifndef PM_PROCESS_H
#define PM_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "objprofile.h"
#include "pm-error.h"
#include "vtop.h"

struct pm_process {
	uint64_t eprocess;       /**< the _EPROCESS (object body) */
	uint64_t pid;
	char name[16];           /**< ImageFileName; non-printable bytes as '?' */
	bool has_parent;
	uint64_t parent_pid;     /**< InheritedFromUniqueProcessId */
	bool has_create;
	uint64_t create_time;    /**< FILETIME */
	/** session id: Session -> _MM_SESSION_SPACE.SessionId; absent when the process has no
	 * session (System, Registry, ...) or the session structure cannot be read */
	bool has_session;
	uint32_t session;
	const char *session_absent; /**< "none", "unreadable", "not_in_layout" */
	uint64_t object_table;   /**< _HANDLE_TABLE, 0 for a process without one (exited) */
	bool has_commit;
	uint64_t commit_pages;   /**< CommitCharge: private committed pages */
	bool has_commit_peak;
	uint64_t commit_peak_pages;
	/** pool quota charged to the process (ProcessQuotaUsage / ProcessQuotaPeak, bytes;
	 * [0] nonpaged, [1] paged: PS_QUOTA_TYPE order) */
	bool has_quota;
	uint64_t quota_np, quota_p;
	bool has_quota_peak;
	uint64_t quota_peak_np, quota_peak_p;
	bool has_threads;
	uint32_t threads;        /**< ActiveThreads (0: exited, still referenced) */
};

struct pm_processes {
	uint64_t head;           /**< &PsActiveProcessHead */
	struct pm_process *items; /**< list order (System first) */
	size_t n;
	bool complete;           /**< the list led back to its head */
	char stop[320];          /**< why not, when !complete */
};

enum { PM_MAX_PROCESSES = 1 << 16 };
/** A process's commit (pages) or quota (bytes / 4096) above this is not a figure: absent. */
#define PM_MAX_PROC_PAGES (UINT64_C(1) << 36)

/**
 * Walk the list at @p head with @p L. Errors: the head or the first node unreadable, or the
 * first node not the System process (the layout does not fit: PM_ERR_PROFILE).
 */
struct pm_error *pm_processes_read(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				   uint64_t head, struct pm_processes *ret);
void pm_processes_deinit(struct pm_processes *p);

/** A canonical x64 kernel-half address (bits 47..63 set). */
static inline bool pm_is_kernel_va64(uint64_t va)
{
	return (va >> 47) == 0x1FFFF;
}

#endif
