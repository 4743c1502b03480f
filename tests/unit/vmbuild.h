/* SPDX-License-Identifier: MIT */
/* A tiny x64 address-space builder for unit tests: physical pages in one buffer, 4-level page
 * tables made on demand, little-endian writes at virtual addresses, and the pagemap/vmem over
 * it (PFN 0.. as one run). Test code only; never used on dump data. */
#ifndef PM_VMBUILD_H
#define PM_VMBUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "physmem.h"
#include "source.h"
#include "vtop.h"

struct vmb {
	/* optional journal of the writes (for fuzz seeds): records {u64 va, u32 len, u8 kind}
	 * then len bytes for kind 0 (data); kind 1 is len zero bytes, no payload */
	uint8_t *journal;
	size_t jlen, jcap;
	int journaling;
	uint8_t *phys;
	size_t cap, used; /* pages */
	uint64_t pml4;    /* PA */
	struct pm_source *src;
	struct pm_pagemap pm;
	struct pm_vmem vm;
	int vm_ok; /* vm was initialised (it holds a page-table cache) */
};

static inline uint64_t vmb_page(struct vmb *b)
{
	if (b->used == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		b->phys = realloc(b->phys, cap * 0x1000);
		if (!b->phys)
			abort();
		memset(b->phys + b->cap * 0x1000, 0, (cap - b->cap) * 0x1000);
		b->cap = cap;
	}
	return (uint64_t)(b->used++) << 12;
}

static inline uint64_t vmb_get(struct vmb *b, uint64_t pa)
{
	uint64_t v;
	memcpy(&v, b->phys + pa, 8);
	return v;
}

static inline void vmb_put(struct vmb *b, uint64_t pa, uint64_t v)
{
	memcpy(b->phys + pa, &v, 8);
}

static inline void vmb_init(struct vmb *b)
{
	memset(b, 0, sizeof(*b));
	b->pml4 = vmb_page(b);
}

/* The physical address of @p va's byte, mapping a fresh page if needed (unless @p nomap:
 * then ~0 when unmapped). */
static inline uint64_t vmb_pa(struct vmb *b, uint64_t va, int nomap)
{
	uint64_t table = b->pml4;
	for (int level = 3; level >= 0; level--) {
		unsigned idx = (unsigned)(va >> (12 + 9 * level)) & 511;
		uint64_t e = vmb_get(b, table + idx * 8);
		if (!(e & 1)) {
			if (nomap)
				return ~UINT64_C(0);
			e = vmb_page(b) | 3;
			vmb_put(b, table + idx * 8, e);
		}
		table = e & UINT64_C(0x000FFFFFFFFFF000);
	}
	return table | (va & 0xFFF);
}

/* Leave @p va's page unmapped: clear its PTE (the page stays allocated). */
static inline void vmb_unmap(struct vmb *b, uint64_t va)
{
	uint64_t table = b->pml4;
	for (int level = 3; level > 0; level--) {
		uint64_t e = vmb_get(b, table + ((va >> (12 + 9 * level)) & 511) * 8);
		if (!(e & 1))
			return;
		table = e & UINT64_C(0x000FFFFFFFFFF000);
	}
	vmb_put(b, table + ((va >> 12) & 511) * 8, 0);
}

static inline void vmb_journal(struct vmb *b, uint64_t va, const void *p, size_t n, uint8_t kind)
{
	if (!b->journaling)
		return;
	size_t need = 13 + (kind ? 0 : n);
	if (b->jlen + need > b->jcap) {
		size_t cap = b->jcap ? b->jcap * 2 : 4096;
		while (cap < b->jlen + need)
			cap *= 2;
		b->journal = realloc(b->journal, cap);
		if (!b->journal)
			abort();
		b->jcap = cap;
	}
	uint8_t *r = b->journal + b->jlen;
	for (int i = 0; i < 8; i++)
		r[i] = (uint8_t)(va >> (8 * i));
	for (int i = 0; i < 4; i++)
		r[8 + i] = (uint8_t)(n >> (8 * i));
	r[12] = kind;
	if (!kind)
		memcpy(r + 13, p, n);
	b->jlen += need;
}

static inline void vmb_write(struct vmb *b, uint64_t va, const void *p, size_t n)
{
	const uint8_t *s = p;
	vmb_journal(b, va, p, n, 0);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = vmb_pa(b, va + i, 0); /* may move b->phys */
		b->phys[pa] = s[i];
	}
}

/* Map @p n bytes at @p va, zero. */
static inline void vmb_zero(struct vmb *b, uint64_t va, size_t n)
{
	vmb_journal(b, va, NULL, n, 1);
	for (size_t i = 0; i < n; i++) {
		uint64_t pa = vmb_pa(b, va + i, 0); /* may move b->phys */
		b->phys[pa] = 0;
	}
}

/* Replay a journal (a fuzz input's records) into @p b; stops at a short record. At most
 * @p max_bytes are written in all. */
static inline void vmb_replay(struct vmb *b, const uint8_t *p, size_t n, size_t max_bytes)
{
	size_t written = 0;
	while (n >= 13) {
		uint64_t va = 0;
		size_t len = 0;
		for (int i = 7; i >= 0; i--)
			va = va << 8 | p[i];
		for (int i = 3; i >= 0; i--)
			len = len << 8 | p[8 + i];
		uint8_t kind = p[12];
		p += 13;
		n -= 13;
		if (len > max_bytes - written)
			return;
		written += len;
		if (kind & 1) {
			vmb_zero(b, va, len);
			continue;
		}
		if (len > n)
			return;
		vmb_write(b, va, p, len);
		p += len;
		n -= len;
	}
}

static inline void vmb_w(struct vmb *b, uint64_t va, uint64_t v, unsigned n)
{
	uint8_t x[8];
	for (unsigned i = 0; i < n; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	vmb_write(b, va, x, n);
}

/* Finish: the pagemap and vmem over the pages made so far (no writes after this). */
static inline struct pm_error *vmb_open(struct vmb *b)
{
	PM_TRY(pm_source_open_mem(b->phys, b->used * 0x1000, "vmb", &b->src));
	struct pm_phys_run *run = calloc(1, sizeof(*run));
	if (!run)
		return &pm_enomem;
	run->count = b->used;
	PM_TRY(pm_pagemap_init_runs(&b->pm, b->src, run, 1));
	PM_TRY(pm_vmem_init(&b->vm, &b->pm, PM_ARCH_X64, b->pml4));
	b->vm_ok = 1;
	return NULL;
}

static inline void vmb_free(struct vmb *b)
{
	if (b->src) {
		pm_vmem_deinit(&b->vm);
		pm_pagemap_deinit(&b->pm);
		pm_source_destroy(b->src);
	}
	free(b->phys);
	free(b->journal);
	memset(b, 0, sizeof(*b));
}

#endif
