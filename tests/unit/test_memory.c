// SPDX-License-Identifier: MIT
// Physical lookups (rank index against a naive count, runs, EOF) and page walks on
// hand-made page tables: cases the fixture dumps do not all reach (PAT bit in a large PDE,
// 1 GiB pages, a page table in transition, the L1TF bit in a transition PTE, PSE-36).
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "physmem.h"
#include "vtop.h"

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void test_bitmap_rank(void)
{
	const uint64_t nbits = 1000; /* not a multiple of 64 or 32 */
	uint64_t *words = calloc(16, 8);
	uint8_t set[1024] = { 0 };
	for (uint64_t p = 0; p < nbits; p++)
		if (rnd() % 3 == 0) {
			words[p >> 6] |= UINT64_C(1) << (p & 63);
			set[p] = 1;
		}
	words[15] |= UINT64_C(1) << 63; /* a stray bit past nbits must be ignored */
	uint64_t present = 0;
	for (uint64_t p = 0; p < nbits; p++)
		present += set[p];
	size_t fsize = 0x3000 + (size_t)present * PM_PAGE_SIZE;
	uint8_t *file = calloc(1, fsize);
	struct pm_source *src;
	CHECK_OK(pm_source_open_mem(file, fsize, "bm", &src));
	struct pm_pagemap pm;
	CHECK_OK(pm_pagemap_init_bitmap(&pm, src, words, nbits, 0x3000));
	CHECK_EQ_U64(pm.pages_present, present);
	CHECK_EQ_U64(pm.pages_beyond_eof, 0);
	uint64_t rank = 0;
	for (uint64_t p = 0; p < nbits + 70; p++) {
		uint64_t off = 0;
		enum pm_page_status st = pm_pagemap_locate(&pm, p, &off);
		if (p < nbits && set[p]) {
			CHECK(st == PM_PAGE_OK);
			CHECK_EQ_U64(off, 0x3000 + rank * PM_PAGE_SIZE);
			rank++;
		} else {
			CHECK(st == PM_PAGE_NOT_CAPTURED);
		}
	}
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
	/* the same bitmap over a file one page short: the last page is beyond EOF */
	words = calloc(1, 8);
	words[0] = 0xF0;
	CHECK_OK(pm_source_open_mem(file, 0x3000 + 3 * PM_PAGE_SIZE, "short", &src));
	CHECK_OK(pm_pagemap_init_bitmap(&pm, src, words, 64, 0x3000));
	CHECK_EQ_U64(pm.pages_beyond_eof, 1);
	uint64_t off;
	CHECK(pm_pagemap_locate(&pm, 6, &off) == PM_PAGE_OK);
	CHECK(pm_pagemap_locate(&pm, 7, &off) == PM_PAGE_BEYOND_EOF);
	CHECK_ERR(pm_physmem_read(&pm, 7 << 12, &off, 8), PM_ERR_TRUNCATED);
	CHECK_ERR(pm_physmem_read(&pm, 3 << 12, &off, 8), PM_ERR_NOT_CAPTURED);
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
	free(file);
}

static void test_runs(void)
{
	uint8_t file[0x6000] = { 0 };
	struct pm_source *src;
	CHECK_OK(pm_source_open_mem(file, sizeof(file), "runs", &src));
	struct pm_pagemap pm;
	struct pm_phys_run *r = calloc(2, sizeof(*r));
	r[0] = (struct pm_phys_run){ 0x100, 2, 0x2000 };
	r[1] = (struct pm_phys_run){ 0x10, 2, 0x4000 }; /* out of order: sorted on init */
	CHECK_OK(pm_pagemap_init_runs(&pm, src, r, 2));
	uint64_t off;
	CHECK(pm_pagemap_locate(&pm, 0x11, &off) == PM_PAGE_OK);
	CHECK_EQ_U64(off, 0x5000);
	CHECK(pm_pagemap_locate(&pm, 0x100, &off) == PM_PAGE_OK);
	CHECK_EQ_U64(off, 0x2000);
	CHECK(pm_pagemap_locate(&pm, 0x12, &off) == PM_PAGE_NOT_CAPTURED);
	CHECK(pm_pagemap_locate(&pm, 0xFF, &off) == PM_PAGE_NOT_CAPTURED);
	pm_pagemap_deinit(&pm);
	r = calloc(2, sizeof(*r));
	r[0] = (struct pm_phys_run){ 0x10, 4, 0x2000 };
	r[1] = (struct pm_phys_run){ 0x12, 2, 0x6000 };
	CHECK_ERR(pm_pagemap_init_runs(&pm, src, r, 2), PM_ERR_FORMAT); /* overlap */
	pm_source_destroy(src);
}

/* A flat physical image of NPAGES pages, identity-mapped into the file. */
enum { NPAGES = 64 };
static uint8_t image[NPAGES * 4096];

static void put64(uint64_t pa, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		image[pa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint64_t pa, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		image[pa + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static void flat(struct pm_source **src, struct pm_pagemap *pm)
{
	CHECK_OK(pm_source_open_mem(image, sizeof(image), "flat", src));
	struct pm_phys_run *r = calloc(1, sizeof(*r));
	r[0] = (struct pm_phys_run){ 0, NPAGES, 0 };
	CHECK_OK(pm_pagemap_init_runs(pm, *src, r, 1));
}

struct seen {
	unsigned n;
	uint64_t va[8], pa[8];
};

static bool collect(void *ctx, uint64_t va, uint64_t pa)
{
	struct seen *w = ctx;
	if (w->n < 8) {
		w->va[w->n] = va;
		w->pa[w->n] = pa;
	}
	w->n++;
	return w->n < 64;
}

static void test_x64(void)
{
	memset(image, 0, sizeof(image));
	/* PML4 at PFN 1, PDPT at 2, PD at 3, PT at 4; data at PFN 10.. */
	const uint64_t va = 0xFFFFF80000000000ull; /* PML4[0x1F0] PDPT[0] PD[0] PT[0] */
	put64(0x1000 + 0x1F0 * 8, 0x2003);
	put64(0x2000 + 0 * 8, 0x3003);
	put64(0x3000 + 0 * 8, 0x4003);
	put64(0x4000 + 0 * 8, 0xA003);               /* valid 4K */
	put64(0x4000 + 1 * 8, 0xB000 | 0x800 | 0x80); /* transition, protection bits */
	put64(0x4000 + 2 * 8, (UINT64_C(1) << 45) | 0xC000 | 0x800); /* transition + L1TF bit */
	put64(0x4000 + 3 * 8, 0x0000432100000080ull); /* pagefile */
	put64(0x4000 + 4 * 8, 0x80);                  /* demand zero */
	put64(0x4000 + 5 * 8, 0xFFFFA80001234480ull | 0x400); /* prototype */
	put64(0x4000 + 6 * 8, 0x0000100000000003ull);  /* valid but frame beyond the dump */
	/* PD[1]: 2 MiB page at PA 0 with the PAT bit (12) set: must be masked */
	put64(0x3000 + 1 * 8, 0x1000 | 0x80 | 0x3);
	/* PD[2]: a page table in transition (PFN 5) whose PTE 0 maps PFN 12 */
	put64(0x3000 + 2 * 8, 0x5000 | 0x800);
	put64(0x5000, 0xC003);
	/* PDPT[1]: 1 GiB page at PA 0 */
	put64(0x2000 + 1 * 8, 0x83);
	memcpy(image + 0xA000, "valid-4k", 8);
	memcpy(image + 0xB000, "transition", 10);
	memcpy(image + 0xC000, "l1tf-page", 9);
	struct pm_source *src;
	struct pm_pagemap pm;
	flat(&src, &pm);
	struct pm_vmem vm;
	CHECK_OK(pm_vmem_init(&vm, &pm, PM_ARCH_X64, 0x1000 | 0x5)); /* PCID bits dropped */
	struct pm_xlat x;
	char buf[16] = { 0 };
	CHECK_OK(pm_vmem_read(&vm, va, buf, 8));
	CHECK(!memcmp(buf, "valid-4k", 8));
	pm_vmem_translate(&vm, va + 0x1000, &x);
	CHECK(x.status == PM_VA_TRANSITION);
	CHECK_EQ_U64(x.pa, 0xB000);
	pm_vmem_translate(&vm, va + 0x2000, &x);
	CHECK(x.status == PM_VA_TRANSITION);
	CHECK_EQ_U64(x.pa, 0xC000);
	pm_vmem_translate(&vm, va + 0x3000, &x);
	CHECK(x.status == PM_VA_PAGED_OUT);
	CHECK(!strcmp(x.level, "PTE"));
	pm_vmem_translate(&vm, va + 0x4000, &x);
	CHECK(x.status == PM_VA_DEMAND_ZERO);
	pm_vmem_translate(&vm, va + 0x5000, &x);
	CHECK(x.status == PM_VA_PROTOTYPE);
	pm_vmem_translate(&vm, va + 0x6000, &x);
	CHECK(x.status == PM_VA_NOT_CAPTURED);
	pm_vmem_translate(&vm, va + 0x7000, &x);
	CHECK(x.status == PM_VA_NOT_MAPPED);
	pm_vmem_translate(&vm, va + 0x200000 + 0xA123, &x);
	CHECK(x.status == PM_VA_OK);
	CHECK_EQ_U64(x.page_size, 0x200000);
	CHECK_EQ_U64(x.pa, 0xA123); /* PAT bit 12 not taken as an address bit */
	CHECK_OK(pm_vmem_read(&vm, va + 0x400000, buf, 9));
	CHECK(!memcmp(buf, "l1tf-page", 9));
	pm_vmem_translate(&vm, va + 0x40000000 + 0xB004, &x);
	CHECK(x.status == PM_VA_OK);
	CHECK_EQ_U64(x.page_size, 0x40000000);
	CHECK_EQ_U64(x.pa, 0xB004);
	pm_vmem_translate(&vm, 0x0000900000000000ull, &x);
	CHECK(x.status == PM_VA_NOT_CANONICAL);
	/* walks limited to a VA range: subtrees outside are skipped, a large page is clipped */
	struct seen w = { 0 };
	uint64_t missing;
	pm_vmem_walk_kernel_range(&vm, va + 0x1000, va + 0x202FFF, collect, &w, &missing);
	/* PT[6] (valid, frame beyond the dump) and 3 pages of PD[1], the large page whose PAT
	 * bit makes its raw frame field equal the PML4's: a page, not the self-map */
	CHECK_EQ_U64(w.n, 4);
	if (w.n == 4) {
		CHECK_EQ_U64(w.va[0], va + 0x6000);
		CHECK_EQ_U64(w.va[1], va + 0x200000);
		CHECK_EQ_U64(w.pa[1], 0);
		CHECK_EQ_U64(w.va[2], va + 0x201000);
		CHECK_EQ_U64(w.pa[2], 0x1000);
		CHECK_EQ_U64(w.va[3], va + 0x202000);
	}
	memset(&w, 0, sizeof(w));
	pm_vmem_walk_kernel_range(&vm, va + 0x40000000 + 0x3000, va + 0x40000000 + 0x3FFF, collect,
				  &w, &missing);
	CHECK_EQ_U64(w.n, 1); /* one page in the middle of the 1 GiB page */
	CHECK_EQ_U64(w.pa[0], 0x3000);
	/* a read across a valid page into a paged-out one fails and names the VA */
	struct pm_error *e = pm_vmem_read(&vm, va + 0x2FF8, buf, 16);
	CHECK(e && pm_err_code(e) == PM_ERR_NOT_PRESENT && strstr(pm_err_msg(e), "paged out"));
	pm_error_destroy(e);
	pm_vmem_deinit(&vm);
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
}

static void test_x86(void)
{
	memset(image, 0, sizeof(image));
	/* non-PAE: PD at PFN 1; 4 MiB page with PSE-36 high bits; 4K page via PT at PFN 2 */
	put32(0x1000 + 0x200 * 4, 0x00400000u | (1u << 13) | 0x83); /* PA 0x1_0040_0000 */
	put32(0x1000 + 0x201 * 4, 0x2003);
	put32(0x2000 + 5 * 4, 0x7003);
	put32(0x2000 + 6 * 4, 0x8000 | 0x800); /* transition */
	put32(0x2000 + 7 * 4, 0x12345000 | 0x80); /* pagefile */
	struct pm_source *src;
	struct pm_pagemap pm;
	flat(&src, &pm);
	struct pm_vmem vm;
	struct pm_xlat x;
	CHECK_OK(pm_vmem_init(&vm, &pm, PM_ARCH_X86, 0x1000));
	pm_vmem_translate(&vm, 0x80000000u + 0x1234, &x);
	CHECK_EQ_U64(x.page_size, 0x400000);
	CHECK_EQ_U64(x.pa, 0x100401234ull);
	CHECK(x.status == PM_VA_NOT_CAPTURED);
	pm_vmem_translate(&vm, 0x80400000u + 0x5010, &x);
	CHECK(x.status == PM_VA_OK);
	CHECK_EQ_U64(x.pa, 0x7010);
	pm_vmem_translate(&vm, 0x80400000u + 0x6000, &x);
	CHECK(x.status == PM_VA_TRANSITION);
	CHECK_EQ_U64(x.pa, 0x8000);
	pm_vmem_translate(&vm, 0x80400000u + 0x7000, &x);
	CHECK(x.status == PM_VA_PAGED_OUT);
	pm_vmem_deinit(&vm);
	/* PAE: PDPT at 0x3020 (32-byte aligned, not page aligned) */
	memset(image, 0, sizeof(image));
	put64(0x3020 + 2 * 8, 0x4001);            /* PDPTE[2] -> PD at PFN 4 */
	put64(0x4000 + 3 * 8, 0x5003);            /* PDE[3] -> PT at PFN 5 */
	put64(0x5000 + 4 * 8, 0x9003);            /* PTE[4] -> PFN 9 */
	put64(0x4000 + 4 * 8, 0x200000 | 0x83);   /* PDE[4]: 2 MiB page at PA 0x200000 */
	CHECK_OK(pm_vmem_init(&vm, &pm, PM_ARCH_X86_PAE, 0x3020));
	pm_vmem_translate(&vm, 0x80000000u + (3u << 21) + (4u << 12) + 0x10, &x);
	CHECK(x.status == PM_VA_OK);
	CHECK_EQ_U64(x.pa, 0x9010);
	pm_vmem_translate(&vm, 0x80000000u + (4u << 21) + 0x1234, &x);
	CHECK_EQ_U64(x.page_size, 0x200000);
	CHECK_EQ_U64(x.pa, 0x201234);
	pm_vmem_translate(&vm, 0x40000000u, &x); /* PDPTE[1] absent */
	CHECK(x.status == PM_VA_NOT_MAPPED);
	pm_vmem_deinit(&vm);
	pm_pagemap_deinit(&pm);
	pm_source_destroy(src);
}

int main(void)
{
	test_bitmap_rank();
	test_runs();
	test_x64();
	test_x86();
	return TEST_RESULT();
}
