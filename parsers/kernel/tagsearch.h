/* SPDX-License-Identifier: MIT */
/**
 * @file tagsearch.h
 * L5, the tag-in-image search: where a pool tag's four bytes occur in a driver image mapped in
 * the dump — the `strings *.sys | findstr TAG` practice, done inside the dump. An occurrence
 * is an immediate operand of an instruction that ends there (`mov r8d, 'Leak'`, `push 'Leak'`,
 * `cmp eax, imm32`, `mov/cmp dword [disp8], imm32`) inside an executable section (strong
 * evidence: the driver passes the tag to the allocator), elsewhere in an executable section,
 * or in data (weak). A tag with the protected-pool bit (31) set counts as the tag.
 *
 * Contract of a partial read: pages of the image the dump does not hold are searched as
 * zeros (which cannot produce a tag); the search reports that it looked, not that it saw
 * every page. Nothing here allocates beyond one image buffer, capped at
 * PM_TAGSEARCH_MAX_IMAGE bytes (a larger image is searched up to that size).
 */
#ifndef PM_TAGSEARCH_H
#define PM_TAGSEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "pe.h"
#include "vtop.h"

enum pm_tag_hit_kind { PM_TAGHIT_IMMEDIATE, PM_TAGHIT_CODE, PM_TAGHIT_DATA, _PM_TAGHIT_MAX };

/** One tag's occurrences in one image, by kind. */
struct pm_tag_hits {
	unsigned n[_PM_TAGHIT_MAX];
};

/** Largest image searched; bigger images are searched up to this size. */
enum { PM_TAGSEARCH_MAX_IMAGE = 64 << 20 };

/**
 * Classify the occurrences of each of @p tags (@p ntags of them) in @p img (@p len bytes of an
 * image laid out as mapped, RVA 0 first), using @p pe's section table for what is code (NULL
 * or no sections: everything is data). Adds to @p hits[i] for tags[i]. Pure.
 */
void pm_tagsearch_buf(const uint8_t *img, size_t len, const struct pm_pe_info *pe,
		      const uint32_t *tags, size_t ntags, struct pm_tag_hits *hits);

/**
 * Search the image mapped at @p base (@p size bytes, capped) through @p vm. @p pe is its parsed
 * headers, or NULL to parse them here (an image whose headers cannot be read is an error:
 * without sections code and data cannot be told apart). Adds to @p hits as pm_tagsearch_buf().
 */
struct pm_error *pm_tagsearch_image(const struct pm_vmem *vm, uint64_t base, uint64_t size,
				    const struct pm_pe_info *pe, const uint32_t *tags, size_t ntags,
				    struct pm_tag_hits *hits);

/** Where a tag-like immediate is loaded (x64 calling convention: the allocators
 * ExAllocatePoolWithTag / ExAllocatePool2 / ExAllocatePool3 take the tag as their third
 * argument, r8d; ExFreePoolWithTag as its second, edx, as do many drivers' own wrappers). */
enum pm_imm_reg { PM_IMM_R8D, PM_IMM_EDX, PM_IMM_OTHER, _PM_IMM_MAX };

typedef void (*pm_imm_fn)(void *ctx, uint32_t tag, enum pm_imm_reg reg);

/**
 * Call @p fn for each immediate operand (as pm_tagsearch_buf() recognises them) inside an
 * executable section of @p img whose four bytes read as a pool tag: printable ASCII, the
 * first a letter or digit (elsewhere than r8d/edx: letters, digits, space and '_' only). The
 * driver's own tags, found with no tag list to look for. Pure.
 */
void pm_tagsearch_immediates(const uint8_t *img, size_t len, const struct pm_pe_info *pe,
			     pm_imm_fn fn, void *ctx);

#endif
