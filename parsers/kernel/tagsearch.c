// SPDX-License-Identifier: MIT
// The tag-in-image search (tagsearch.h).
#include <stdlib.h>
#include <string.h>

#include "tagsearch.h"

static const uint32_t SCN_CNT_CODE = 0x20, SCN_MEM_EXECUTE = 0x20000000u;
/* The protected-pool bit a tag may carry (pool-internals.md §2.7). */
static const uint32_t PROTECTED_BIT = 0x80000000u;

static bool exec_rva(const struct pm_pe_info *pe, size_t rva)
{
	if (!pe)
		return false;
	uint16_t n = pe->nsections < PM_PE_MAX_SECTIONS ? pe->nsections : PM_PE_MAX_SECTIONS;
	for (uint16_t i = 0; i < n; i++) {
		const struct pm_pe_section *s = &pe->sections[i];
		if (rva >= s->rva && rva - s->rva < s->vsize)
			return (s->characteristics & (SCN_CNT_CODE | SCN_MEM_EXECUTE)) != 0;
	}
	return false;
}

/* Is the 4-byte value at @p o the immediate operand of an instruction that ends there?
 * mov r32, imm32 (B8+r, with REX 41 for r8d-r15d), push imm32 (68), cmp eax, imm32 (3D),
 * cmp/mov r/m32, imm32 with a one-byte displacement (81 /7, C7 /0: xx 45 d8 or xx 44 24 d8). */
static bool immediate_at(const uint8_t *b, size_t o)
{
	if (o >= 1 && ((b[o - 1] >= 0xB8 && b[o - 1] <= 0xBF) || b[o - 1] == 0x68 ||
		       b[o - 1] == 0x3D))
		return true;
	if (o >= 3 && (b[o - 3] == 0xC7 || b[o - 3] == 0x81) && (b[o - 2] & 0xC0) == 0x40 &&
	    (b[o - 2] & 0x07) != 0x04)
		return true;
	if (o >= 4 && (b[o - 4] == 0xC7 || b[o - 4] == 0x81) && (b[o - 3] & 0xC7) == 0x44)
		return true;
	return false;
}

void pm_tagsearch_buf(const uint8_t *img, size_t len, const struct pm_pe_info *pe,
		      const uint32_t *tags, size_t ntags, struct pm_tag_hits *hits)
{
	for (size_t o = 0; len >= 4 && o <= len - 4; o++) {
		uint32_t v = (uint32_t)img[o] | (uint32_t)img[o + 1] << 8 |
			     (uint32_t)img[o + 2] << 16 | (uint32_t)img[o + 3] << 24;
		for (size_t t = 0; t < ntags; t++) {
			if (v != tags[t] && v != (tags[t] | PROTECTED_BIT))
				continue;
			if (exec_rva(pe, o))
				hits[t].n[immediate_at(img, o) ? PM_TAGHIT_IMMEDIATE : PM_TAGHIT_CODE]++;
			else
				hits[t].n[PM_TAGHIT_DATA]++;
		}
	}
}

static bool alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Outside a register load the bytes must read as a tag more strictly (letters, digits,
 * space, '_'): instruction bytes such as "D$(D" are printable too. */
static bool strict_tag(const uint8_t *b)
{
	for (int i = 0; i < 4; i++)
		if (!alnum(b[i]) && b[i] != ' ' && b[i] != '_')
			return false;
	return true;
}

static bool tag_like(const uint8_t *b)
{
	uint8_t c = b[0];
	if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
		return false;
	for (int i = 1; i < 4; i++)
		if (b[i] < 0x20 || b[i] > 0x7E)
			return false;
	return true;
}

void pm_tagsearch_immediates(const uint8_t *img, size_t len, const struct pm_pe_info *pe,
			     pm_imm_fn fn, void *ctx)
{
	uint16_t n = pe->nsections < PM_PE_MAX_SECTIONS ? pe->nsections : PM_PE_MAX_SECTIONS;
	for (uint16_t i = 0; i < n; i++) {
		const struct pm_pe_section *s = &pe->sections[i];
		if (!(s->characteristics & (SCN_CNT_CODE | SCN_MEM_EXECUTE)) || s->rva >= len)
			continue;
		size_t end = s->vsize < len - s->rva ? s->rva + (size_t)s->vsize : len;
		for (size_t o = s->rva; end >= 4 && o <= end - 4; o++) {
			if (!tag_like(img + o) || !immediate_at(img, o))
				continue;
			uint32_t v = (uint32_t)img[o] | (uint32_t)img[o + 1] << 8 |
				     (uint32_t)img[o + 2] << 16 | (uint32_t)img[o + 3] << 24;
			enum pm_imm_reg r = PM_IMM_OTHER;
			if (o >= 2 && img[o - 1] == 0xB8 && img[o - 2] == 0x41)
				r = PM_IMM_R8D; /* 41 B8: mov r8d, imm32 */
			else if (o >= 1 && img[o - 1] == 0xBA && !(o >= 2 && (img[o - 2] & 0xF0) == 0x40))
				r = PM_IMM_EDX; /* BA without REX: mov edx, imm32 */
			if (r == PM_IMM_OTHER && !strict_tag(img + o))
				continue;
			fn(ctx, v, r);
		}
	}
}

static struct pm_error *vm_read_cb(void *ctx, uint64_t va, void *buf, size_t len)
{
	return pm_vmem_read(ctx, va, buf, len);
}

struct pm_error *pm_tagsearch_image(const struct pm_vmem *vm, uint64_t base, uint64_t size,
				    const struct pm_pe_info *pe, const uint32_t *tags, size_t ntags,
				    struct pm_tag_hits *hits)
{
	struct pm_pe_info hdr;
	if (!pe) {
		/* headers readable but no CodeView still gives sections */
		struct pm_error *cv = NULL;
		PM_TRY(pm_pe_parse(vm_read_cb, (void *)vm, base, &hdr, &cv));
		pm_error_destroy(cv);
		pe = &hdr;
	}
	if (size > PM_TAGSEARCH_MAX_IMAGE)
		size = PM_TAGSEARCH_MAX_IMAGE;
	uint8_t *img = calloc(1, (size_t)size + 1);
	if (!img)
		return &pm_enomem;
	/* absent pages stay zero: they cannot produce a tag */
	for (uint64_t o = 0; o < size; o += PM_PAGE_SIZE) {
		size_t n = (size_t)(size - o < PM_PAGE_SIZE ? size - o : PM_PAGE_SIZE);
		struct pm_error *e = pm_vmem_read(vm, base + o, img + o, n);
		pm_error_destroy(e);
	}
	pm_tagsearch_buf(img, (size_t)size, pe, tags, ntags, hits);
	free(img);
	return NULL;
}
