/* SPDX-License-Identifier: MIT */
/**
 * @file dmp.h
 * L1, the Windows kernel crash-dump container (`PAGEDUMP` / `PAGEDU64`).
 *
 * pm_dmp_open() decodes the header into native values (no struct is ever overlaid on file
 * bytes), picks the back-end for the DumpType (run list, bitmap, RDMP ranges, triage) and
 * builds the physical-memory map. Layout facts: shared/reference/crashdump-format.md §1-§3.
 * Problems that leave the result meaningful (a truncated page area, a popcount that
 * disagrees with the header) become diagnostics; problems that make it meaningless are
 * returned as errors naming the structure and the file offset.
 *
 * Contract of a partial read: a file shorter than its layout opens, with the pages beyond
 * its end counted (map.pages_beyond_eof) and a diagnostic; reading one of them says so
 * (PM_PAGE_BEYOND_EOF), never zeros. Which container an input is, is the probe table's
 * business (container.h); a headerless input's pm_dmp has an all-zero header, never a
 * made-up one: what a header would say is the kernel layer's (kernel.h).
 *
 * Ownership: a struct pm_dmp owns its source, page map, triage record and diagnostics;
 * pm_dmp_destroy() frees them. Everything above borrows it.
 */
#ifndef PM_DMP_H
#define PM_DMP_H

#include <stdbool.h>
#include <stdint.h>

#include "pagemap.h"
#include "pm-arch.h"
#include "pm-diag.h"
#include "pm-error.h"
#include "source.h"


/** DumpType values (crashdump-format.md §2.1). */
enum pm_dump_type {
	PM_DUMP_FULL = 1,
	PM_DUMP_SUMMARY = 2,
	PM_DUMP_HEADER = 3,
	PM_DUMP_TRIAGE = 4,
	PM_DUMP_BITMAP_FULL = 5,
	PM_DUMP_BITMAP_KERNEL = 6,
	PM_DUMP_AUTOMATIC = 7,
	PM_DUMP_RDMP_KERNEL = 8,
	PM_DUMP_RDMP_KERNEL_USER = 9,
	PM_DUMP_RDMP_COMPLETE = 10,
};
/** Symbolic name of a DumpType value, or NULL when unknown. */
const char *pm_dump_type_name(uint32_t t);
/** What users call it ("complete memory dump", "kernel memory dump", ...), or NULL. */
const char *pm_dump_type_desc(uint32_t t);

/** Value that Windows uses to pre-fill the header ("PAGE"): a field holding it was never written. */
enum { PM_DUMP_FILL32 = 0x45474150u };

struct pm_dmp_header {
	bool is64;
	unsigned header_size; /**< 0x1000 or 0x2000 */
	unsigned ptr_size;    /**< 4 or 8 */
	uint32_t major_version; /**< 0xF free build, 0xC checked */
	uint32_t build;         /**< MinorVersion = build number */
	uint64_t dtb;           /**< DirectoryTableBase as written */
	uint64_t pfn_database;
	uint64_t ps_loaded_module_list;
	uint64_t ps_active_process_head;
	uint32_t machine;
	uint32_t nprocs;
	uint32_t bugcheck_code;
	uint64_t bugcheck_params[4];
	uint64_t kdbg_va;
	uint32_t dump_type;
	bool has_pae_flag;
	uint8_t pae_enabled;
	bool has_required_space;
	uint64_t required_space;
	bool has_system_time;
	uint64_t system_time; /**< FILETIME */
	bool has_uptime;
	uint64_t uptime; /**< 100 ns units */
	bool has_attributes;
	uint32_t attributes;
	bool has_product_type;
	uint32_t product_type;
	bool has_suite_mask;
	uint32_t suite_mask;
	uint32_t minidump_fields;
	char comment[129]; /**< cut at NUL or at the "PAGE" fill; "" when absent */
	uint32_t nruns_field; /**< PHYSICAL_MEMORY_DESCRIPTOR.NumberOfRuns as written */
	bool has_pmb_pages;   /**< NumberOfPages was written (not 0, not the "PAGE" fill) */
	uint64_t pmb_pages;   /**< PHYSICAL_MEMORY_DESCRIPTOR.NumberOfPages: the machine's RAM */
};

/** Attributes bits (crashdump-format.md §1.7). */
enum {
	PM_DUMP_ATTR_INSUFFICIENT_SPACE = 1u << 2,
	PM_DUMP_ATTR_LIVE = 1u << 4,
	PM_DUMP_ATTR_ENCRYPTED = 1u << 8,
	PM_DUMP_ATTR_DECRYPTED = 1u << 9,
};

/** One module of a triage dump's driver list. */
struct pm_triage_driver {
	char *name; /**< UTF-8 */
	uint64_t base;
	uint32_t size;
	bool has_timestamp; /**< the entry's layout is known to hold the image's TimeDateStamp */
	uint32_t timestamp; /**< with SizeOfImage, the symbol store's key of the image file */
};

/** What a triage (mini) dump carries besides the header (crashdump-format.md §2.6). */
struct pm_triage {
	uint32_t size_of_dump;
	uint32_t driver_stride;
	struct pm_triage_driver *drivers;
	size_t ndrivers;
	bool has_kdbg_copy;
	uint64_t kdbg_copy_off; /**< file offset of the KDBG copy */
	uint32_t kdbg_copy_size;
	/* Secondary data after SizeOfDump: a DUMP_BLOB_FILE_HEADER ("DumpBlob") then DUMP_BLOB
	 * records to the end of the file (Singularity Dump.h; real triage dumps: 20 and 42). */
	bool has_blobs;
	uint32_t nblobs;
	uint64_t blob_bytes;  /**< from SizeOfDump to the end of the last record */
	bool has_mm;
	uint64_t mm_nonpaged_max, mm_nonpaged_alloc, mm_paged_max, mm_paged_alloc;
	uint64_t mm_committed, mm_commit_peak, mm_commit_limit_max;
};

struct pm_dmp_ops;

/** What holds the memory. */
enum pm_container { PM_CONT_CRASHDUMP, PM_CONT_RAW, PM_CONT_ELF, PM_CONT_KDUMP };
const char *pm_container_name(enum pm_container c);

struct pm_dmp {
	struct pm_source *src; /**< owned */
	struct pm_dmp_header hdr;
	enum pm_arch arch;
	const struct pm_dmp_ops *ops;
	char subformat[8]; /**< "SDMP"/"FDMP"/"RDMP"/"TRGD" or "" */
	struct pm_pagemap map;
	bool has_expected_size;
	uint64_t expected_size; /**< size the container says the file should have */
	bool required_space_is_bound; /**< RequiredDumpSpace is the space reserved for the dump
				       *   (triage), an upper bound, not the file's size */
	struct pm_triage *triage; /**< only for DumpType 4 */
	struct pm_diags diags;
	enum pm_container container;
};

/**
 * Open memory without a Windows dump header (@p src presents physical memory as a flat
 * file: offset = physical address; pages it lacks are reported absent by @p has_page when
 * given). The header stays empty (all zero) and is never filled in: the kernel layer discovers
 * what a header would say (kernel.h, pm_kernel_open()). Ownership of @p src is taken.
 */
struct pm_error *pm_dmp_open_headerless(struct pm_source *src, enum pm_container kind,
					struct pm_dmp **ret);

/**
 * Open @p src as a crash dump; takes ownership of @p src (destroyed on failure too).
 * Errors name the structure and the file offset; the caller adds the file name.
 */
struct pm_error *pm_dmp_open(struct pm_source *src, struct pm_dmp **ret);
void pm_dmp_destroy(struct pm_dmp *dmp);

/**
 * The KDBG copy a triage dump carries: at most @p max bytes of it, read from the file into
 * *buf_ret (caller frees), its length in *len_ret. PM_ERR_NOT_CAPTURED when the dump carries
 * none; a short file is PM_ERR_TRUNCATED naming the file offset.
 */
struct pm_error *pm_dmp_triage_kdbg_copy(const struct pm_dmp *dmp, size_t max,
					 uint8_t **buf_ret, size_t *len_ret);

/** Decode just the header from the first bytes of a file (used by pm_dmp_open and tests). */
struct pm_error *pm_dmp_decode_header(const uint8_t *buf, size_t len, struct pm_dmp_header *ret);

/** Offsets of header landmarks, for tests that pin them (kdmp-parser's static_asserts). */
struct pm_dmp_landmarks {
	unsigned kdbg, context, exception, comment, dump_type, header_size;
};
void pm_dmp_landmarks(bool is64, struct pm_dmp_landmarks *ret);

#endif
