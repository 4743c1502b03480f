/* SPDX-License-Identifier: MIT */
/**
 * @file kernel.h
 * L5, the kernel's identity: what the dump says about the kernel that wrote it — the
 * architecture and page-table root, the KDBG (read where the header points, taken from a
 * small memory dump's copy, or discovered), the build, NtBuildLab, service pack, processors,
 * RAM, the kernel image and its PDB identity, and the loaded modules.
 *
 * Where it comes from: a crash dump's header when there is one; otherwise (raw images,
 * hypervisor captures: no header) from discovery in memory (discover.h). No crash-dump header
 * is ever made up for a headerless input: the container's header stays what the file holds,
 * and every consumer reads the identity from here.
 *
 * Every value is present with its provenance (an enum: header, KDBG, discovered, modules,
 * ...) or absent with a reason from the common vocabulary (pm-absent.h), never a silent 0.
 *
 * Contract of a partial read: pm_kernel_open() fails only when nothing can be said about the
 * kernel (a headerless input where discovery finds no kernel). Anything else that cannot be
 * read (the KDBG, a variable it points to, the module list, the kernel image) leaves that
 * value absent with why, notes the problem in the caller's diagnostics, sets @ref
 * pm_kernel.incomplete when a complete report would need it, and the rest goes on with what
 * can still be trusted.
 *
 * Ownership: the pm_kernel borrows the container (@p dmp must outlive it) and owns
 * everything else in it (strings, the KDBG copy, the module list, the discovery record).
 */
#ifndef PM_KERNEL_H
#define PM_KERNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "discover.h"
#include "dmp.h"
#include "kdbg.h"
#include "modules.h"
#include "pe.h"
#include "pm-absent.h"
#include "pm-diag.h"
#include "pm-verinfo.h"
#include "vtop.h"

/** A value of the identity: present with where it came from, or absent with why. */
struct pm_kval {
	uint64_t v;            /**< 0 when absent (never read it then) */
	enum pm_absent absent; /**< PM_ABSENT_PRESENT when v is valid */
	enum pm_prov from;     /**< where v came from; PM_PROV_NONE when absent */
	const char *how;       /**< static text naming the exact source ("KDBG.KernBase"), or NULL */
};

/** One loaded module's image identity (its PE headers and CodeView record) and its version
 * resource (absent with why when its headers or the resource's pages are not in the dump). */
struct pm_kmodule {
	const struct pm_module *m; /**< borrowed from the module list */
	struct pm_pe_info pe;
	enum pm_absent pe_absent;
	bool pe_headers;           /**< pe's headers were read (CodeView record or not) */
	struct pm_verinfo ver;
};

struct pm_kernel {
	const struct pm_dmp *dmp; /**< the container (borrowed) */
	enum pm_arch arch;        /**< PM_ARCH_UNKNOWN when neither header nor discovery says */
	bool is64;
	unsigned ptr_size;        /**< 4 or 8 */
	bool checked_build;       /**< the header's MajorVersion says 0xC (checked build) */
	struct pm_kval dtb;          /**< the kernel page-table root */
	struct pm_kval build;        /**< the build number */
	struct pm_kval nprocs;       /**< processors */
	struct pm_kval product_type; /**< 1 workstation, 2 domain controller, 3 server */
	struct pm_kval system_time;  /**< FILETIME */
	struct pm_kval uptime;       /**< 100 ns units */
	struct pm_kval kdbg_va;      /**< where the KDBG is said or found to be */
	/** The header's KdDebuggerDataBlock did not lead to a KDBG; kdbg_va is where the KDBG
	 * was found instead (kdbg_va.how says how, and what the header said). */
	bool kdbg_header_wrong;
	uint64_t kdbg_header_va;     /**< what the header said, when kdbg_header_wrong */
	struct pm_kval kernel_base;
	struct pm_kval service_pack; /**< CmNtCSDVersion's high byte (through the KDBG) */
	struct pm_kval ram_pages;    /**< MmNumberOfPhysicalPages (through the KDBG) */
	/** The RAM the dump header's PHYSICAL_MEMORY_DESCRIPTOR describes (NumberOfPages): a
	 * second figure for the machine's RAM, live where the KDBG's variable is stale */
	struct pm_kval header_ram_pages;
	char *build_lab;             /**< NtBuildLab (owned); NULL when absent */
	struct pm_absence build_lab_absent;

	bool has_vm;              /**< vm translates kernel addresses */
	struct pm_vmem vm;
	bool has_kdbg;
	struct pm_kdbg kdbg;
	struct pm_absence kdbg_absent; /**< why not, when !has_kdbg */

	struct pm_pe_info pe;     /**< the kernel image */
	bool pe_headers;          /**< pe's headers and sections were read (CodeView or not) */
	struct pm_absence pe_absent; /**< PRESENT when the image and its CodeView were read */

	struct pm_module_list modules;
	struct pm_kmodule *mods;  /**< modules.n entries (owned); NULL when out of memory */
	enum pm_prov modules_from;
	const char *modules_how;  /**< "PsLoadedModuleList (KDBG)", "triage driver list", ... */
	struct pm_absence modules_absent;

	struct pm_discovery *disc; /**< headerless inputs: what was discovered, and how (owned) */

	bool incomplete;          /**< something a complete report needs could not be read */
	char *incomplete_why;     /**< the first such problem (owned) */
};

/**
 * Establish the identity of the kernel in @p dmp (borrowed; must outlive *ret). Non-fatal
 * problems are appended to @p diags (the caller's). Fails only when a headerless input yields
 * no kernel at all (the error says what discovery tried).
 */
struct pm_error *pm_kernel_open(const struct pm_dmp *dmp, struct pm_diags *diags,
				struct pm_kernel **ret);
void pm_kernel_destroy(struct pm_kernel *k);

/** Record the first reason the identity is incomplete (later ones are diagnostics only). */
void pm_kernel_mark_incomplete(struct pm_kernel *k, const char *why);

/**
 * Read @p len bytes of the dump's memory at @p addr (virtual through the kernel page tables,
 * or physical). On failure *absent_ret names why ("paged_out", "not_captured", ...; see
 * pm_va_status_name) and the error says where.
 */
struct pm_error *pm_kernel_read(const struct pm_kernel *k, bool phys, uint64_t addr, void *buf,
				size_t len, const char **absent_ret);

/** Read a NUL-terminated ASCII string of at most @p max chars at @p va into *ret (owned;
 * characters outside printable ASCII become '?'). */
struct pm_error *pm_kernel_read_cstr(const struct pm_vmem *vm, uint64_t va, size_t max,
				     char **ret);

#endif
