/* SPDX-License-Identifier: MIT */
/**
 * @file pe.h
 * PE images mapped in kernel memory: headers, the debug directory and the CodeView (RSDS)
 * record that names the image's PDB (crashdump-format.md §5.2). Reads go through a callback
 * so that the same parser serves virtual memory and the fuzzer's flat buffer.
 *
 * Contract of a partial read: the header page must be readable (else an error); section
 * headers beyond it are dropped (nsections says how many were read); a debug directory or
 * CodeView record that is missing (PM_ERR_NOT_FOUND) or unreadable leaves has_codeview false
 * and is reported separately, so the sections stay usable. No allocation: the result is a
 * value.
 */
#ifndef PM_PE_H
#define PM_PE_H

#include <stdbool.h>
#include <stdint.h>

#include "pm-error.h"

typedef struct pm_error *(*pm_read_fn)(void *ctx, uint64_t va, void *buf, size_t len);

enum { PM_PE_MAX_SECTIONS = 96 };

struct pm_pe_section {
	char name[9];
	uint32_t rva;
	uint32_t vsize;
	uint32_t characteristics; /**< IMAGE_SCN_*; 0x80000000 = writable */
};

static const uint32_t PM_SCN_MEM_WRITE = 0x80000000u;

struct pm_pe_info {
	uint16_t machine;
	uint32_t timestamp;
	uint32_t size_of_image;
	bool is_pe32plus;
	bool has_codeview; /**< false when no RSDS record was found (see codeview_absent) */
	uint8_t guid[16];  /**< as stored: Data1 LE u32, Data2 LE u16, Data3 LE u16, Data4[8] */
	uint32_t age;
	char pdb_name[261];
	uint32_t rsrc_rva;  /**< the resource directory (data directory 2); 0 when none */
	uint32_t rsrc_size;
	uint16_t nsections; /**< section headers read (at most PM_PE_MAX_SECTIONS) */
	struct pm_pe_section sections[PM_PE_MAX_SECTIONS];
};

/** Policy limits for untrusted PE fields. */
enum { PM_PE_MAX_DEBUG_ENTRIES = 32 };

/**
 * Parse the image mapped at @p base. Headers must be readable; a debug directory or
 * CodeView record that is absent or unreadable leaves has_codeview false and returns NULL
 * with the reason in *cv_err_ret (owned by the caller; may be NULL if not wanted).
 */
struct pm_error *pm_pe_parse(pm_read_fn read, void *ctx, uint64_t base, struct pm_pe_info *ret,
			     struct pm_error **cv_err_ret);

/** The symbol-store key: GUID as 32 upper-case hex digits in Microsoft's order, then the age
 * in hex. @p out must hold 42 bytes. */
void pm_pe_pdb_key(const struct pm_pe_info *pe, char out[42]);
/** GUID as "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" (37 bytes). */
void pm_pe_guid_string(const uint8_t guid[16], char out[37]);

#endif
