// SPDX-License-Identifier: MIT
// L3: page walks for x86, x86-PAE and x64 with Windows software-PTE states.
// Hardware formats: Intel SDM Vol. 3A ch. 4 (crashdump-format.md §6.1). Software states:
// §6.3; the decision masks are those MemProcFS uses (transition if (pte & 0xC01) == 0x800,
// prototype if bit 10 is set in an invalid entry).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "vtop.h"

static const char *const va_names[] = {
#define X(n, s, d) s,
	PM_VA_STATUSES(X)
#undef X
};
static const char *const va_descs[] = {
#define X(n, s, d) d,
	PM_VA_STATUSES(X)
#undef X
};

const char *pm_va_status_name(enum pm_va_status s)
{
	return (unsigned)s < _PM_VA_MAX ? va_names[s] : "unknown";
}

const char *pm_va_status_desc(enum pm_va_status s)
{
	return (unsigned)s < _PM_VA_MAX ? va_descs[s] : "unknown";
}

enum {
	PTE_VALID = 1u << 0,
	PTE_LARGE = 1u << 7,
	PTE_PROTOTYPE = 1u << 10,
	PTE_TRANSITION = 1u << 11,
};

/* One paging mode as data: levels from the root down. */
struct paging_mode {
	unsigned nlevels;
	unsigned entry_size;
	unsigned shift[4];     /* VA bit where each level's index starts */
	unsigned index_bits[4];
	bool large_ok[4];      /* PS bit honoured at this level */
	const char *names[4];
	uint64_t pfn_mask;      /* frame bits of a valid entry */
	uint64_t trans_mask;    /* frame bits of a transition entry */
};

static const struct paging_mode mode_x64 = {
	4, 8, { 39, 30, 21, 12 }, { 9, 9, 9, 9 }, { false, true, true, false },
	{ "PML4E", "PDPTE", "PDE", "PTE" }, 0x000FFFFFFFFFF000ull, 0x0000FFFFFFFFF000ull,
};
static const struct paging_mode mode_pae = {
	3, 8, { 30, 21, 12 }, { 2, 9, 9 }, { false, true, false },
	{ "PDPTE", "PDE", "PTE" }, 0x000FFFFFFFFFF000ull, 0x0000003FFFFFF000ull,
};
static const struct paging_mode mode_x86 = {
	2, 4, { 22, 12 }, { 10, 10 }, { true, false },
	{ "PDE", "PTE" }, 0xFFFFF000ull, 0xFFFFF000ull,
};

static const struct paging_mode *mode_of(enum pm_arch a)
{
	switch (a) {
	case PM_ARCH_X64:
		return &mode_x64;
	case PM_ARCH_X86_PAE:
		return &mode_pae;
	case PM_ARCH_X86:
		return &mode_x86;
	default:
		return NULL;
	}
}

/* ---- the page-table cache: 2-way set associative, keyed by page frame ------------------ */

enum { PT_SETS = PM_PTCACHE_PAGES / 2 };

struct pm_ptcache {
	uint64_t tag[PT_SETS][2];       /* PFN + 1; 0 = empty */
	uint8_t status[PT_SETS][2];     /* enum pm_page_status of the read */
	uint8_t older[PT_SETS];         /* the way to replace next */
	uint8_t page[PT_SETS][2][PM_PAGE_SIZE];
};

void pm_vmem_deinit(struct pm_vmem *vm)
{
	free(vm->cache);
	vm->cache = NULL;
}

/* The table entry of @p size bytes at physical @p pa (inside one page), through the cache. */
static enum pm_page_status table_read(const struct pm_vmem *vm, uint64_t pa, void *out,
				      unsigned size)
{
	struct pm_ptcache *c = vm->cache;
	if (!c)
		return pm_physmem_read_quiet(vm->pm, pa, out, size);
	uint64_t pfn = pa >> PM_PAGE_SHIFT;
	unsigned set = (unsigned)((pfn ^ pfn >> 5 ^ pfn >> 10) % PT_SETS), way;
	if (c->tag[set][0] == pfn + 1) {
		way = 0;
	} else if (c->tag[set][1] == pfn + 1) {
		way = 1;
	} else {
		way = c->older[set];
		c->status[set][way] = (uint8_t)pm_physmem_read_quiet(
			vm->pm, pfn << PM_PAGE_SHIFT, c->page[set][way], PM_PAGE_SIZE);
		c->tag[set][way] = pfn + 1;
	}
	c->older[set] = (uint8_t)!way;
	if (c->status[set][way] != PM_PAGE_OK)
		return (enum pm_page_status)c->status[set][way];
	memcpy(out, c->page[set][way] + (pa & (PM_PAGE_SIZE - 1)), size);
	return PM_PAGE_OK;
}

struct pm_error *pm_vmem_init(struct pm_vmem *vm, const struct pm_pagemap *pm, enum pm_arch arch,
			      uint64_t dtb)
{
	memset(vm, 0, sizeof(*vm));
	if (!mode_of(arch))
		return pm_err(PM_ERR_UNSUPPORTED, "address translation for %s is not supported",
			      pm_arch_name(arch));
	/* calloc: only the tags need zeros, and untouched pages of a large calloc cost nothing */
	vm->cache = calloc(1, sizeof(*vm->cache));
	vm->pm = pm;
	vm->arch = arch;
	vm->l1tf_bit = 45; /* fallback recommended by §6.4; KDBG 0x2C2 may refine it */
	switch (arch) {
	case PM_ARCH_X64:
		vm->dtb = dtb & 0x000FFFFFFFFFF000ull; /* drop PCID bits */
		break;
	case PM_ARCH_X86_PAE:
		vm->dtb = dtb & 0xFFFFFFE0ull; /* PDPT is 32-byte aligned, not page aligned */
		break;
	default:
		vm->dtb = dtb & 0xFFFFF000ull;
		break;
	}
	return NULL;
}

/* Base of a large page mapped by entry @p e at level @p lvl (PAT bit 12 cleared). */
static uint64_t large_base(const struct paging_mode *m, uint64_t e, unsigned lvl)
{
	uint64_t size = UINT64_C(1) << m->shift[lvl];
	if (m == &mode_x86) /* 4 MiB page; PSE-36 puts PA bits 32-39 in entry bits 13-20 */
		return (e & 0xFFC00000ull) | (((e >> 13) & 0xFF) << 32);
	return e & m->pfn_mask & ~(size - 1);
}

/* Classify an invalid entry (Valid clear). Returns true if it is a transition entry whose
 * frame is in *pa. */
static bool soft_entry(const struct pm_vmem *vm, const struct paging_mode *m, uint64_t e,
		       uint64_t *pa, enum pm_va_status *st)
{
	if (e == 0) {
		*st = PM_VA_NOT_MAPPED;
		return false;
	}
	if (e & PTE_PROTOTYPE) {
		*st = PM_VA_PROTOTYPE;
		return false;
	}
	if (e & PTE_TRANSITION) {
		uint64_t f = e & m->trans_mask;
		if (m == &mode_x64 && vm->l1tf_bit >= 12 && vm->l1tf_bit < 48)
			f &= ~(UINT64_C(1) << vm->l1tf_bit);
		*pa = f;
		*st = PM_VA_TRANSITION;
		return true;
	}
	/* Software PTE: a pagefile offset (x64/PAE: high dword; x86: bits 12-31) or none. */
	uint64_t where;
	if (m == &mode_x86) {
		where = e >> 12;
	} else {
		where = e >> 32;
		if (m == &mode_x64 && vm->l1tf_bit >= 32 && vm->l1tf_bit < 64)
			where &= ~(UINT64_C(1) << (vm->l1tf_bit - 32));
	}
	*st = where ? PM_VA_PAGED_OUT : PM_VA_DEMAND_ZERO;
	return false;
}

void pm_vmem_translate(const struct pm_vmem *vm, uint64_t va, struct pm_xlat *ret)
{
	const struct paging_mode *m = mode_of(vm->arch);
	struct pm_xlat x = { PM_VA_NOT_MAPPED, 0, 0, "", 0 };
	if (!m) {
		*ret = x;
		return;
	}
	if (vm->arch == PM_ARCH_X64) {
		uint64_t top = va >> 47;
		if (top != 0 && top != 0x1FFFF) {
			x.status = PM_VA_NOT_CANONICAL;
			*ret = x;
			return;
		}
	} else if (va > 0xFFFFFFFFull) {
		x.status = PM_VA_NOT_CANONICAL;
		*ret = x;
		return;
	}
	uint64_t table = vm->dtb;
	for (unsigned lvl = 0; lvl < m->nlevels; lvl++) {
		uint64_t idx = (va >> m->shift[lvl]) & ((UINT64_C(1) << m->index_bits[lvl]) - 1);
		uint8_t raw[8] = { 0 };
		x.level = m->names[lvl];
		enum pm_page_status ps = table_read(vm, table + idx * m->entry_size, raw, m->entry_size);
		if (ps != PM_PAGE_OK) {
			x.status = PM_VA_TABLE_NOT_CAPTURED;
			x.pa = table + idx * m->entry_size;
			*ret = x;
			return;
		}
		struct pm_rd rd = pm_rd_make(raw, m->entry_size, PM_AS_PHYS, 0, "page-table entry");
		uint64_t e = 0;
		struct pm_error *err = m->entry_size == 8 ? pm_rd_u64(&rd, 0, &e)
							  : pm_rd_ptr(&rd, 0, 4, &e);
		pm_error_destroy(err); /* cannot fail: the window is the entry */
		x.entry = e;
		uint64_t next;
		bool is_last = lvl + 1 == m->nlevels;
		if (m == &mode_pae && lvl == 0) {
			/* PDPTEs have no software states: present or not. */
			if (!(e & PTE_VALID)) {
				x.status = PM_VA_NOT_MAPPED;
				*ret = x;
				return;
			}
			next = e & m->pfn_mask;
		} else if (e & PTE_VALID) {
			if (m->large_ok[lvl] && (e & PTE_LARGE)) {
				uint64_t size = UINT64_C(1) << m->shift[lvl];
				x.page_size = size;
				x.pa = large_base(m, e, lvl) + (va & (size - 1));
				x.status = PM_VA_OK;
				goto data;
			}
			next = e & m->pfn_mask;
		} else {
			enum pm_va_status st;
			if (!soft_entry(vm, m, e, &next, &st)) {
				x.status = st;
				*ret = x;
				return;
			}
			if (is_last) {
				x.page_size = PM_PAGE_SIZE;
				x.pa = next + (va & (PM_PAGE_SIZE - 1));
				x.status = PM_VA_TRANSITION;
				goto data;
			}
			/* a page table in transition: still readable (vol3 does the same) */
		}
		if (is_last) {
			x.page_size = PM_PAGE_SIZE;
			x.pa = next + (va & (PM_PAGE_SIZE - 1));
			x.status = PM_VA_OK;
			goto data;
		}
		table = next;
	}
data: {
	uint64_t off;
	enum pm_page_status ps = pm_pagemap_locate(vm->pm, x.pa >> PM_PAGE_SHIFT, &off);
	if (ps == PM_PAGE_NOT_CAPTURED)
		x.status = PM_VA_NOT_CAPTURED;
	else if (ps == PM_PAGE_BEYOND_EOF)
		x.status = PM_VA_BEYOND_EOF;
	*ret = x;
}
}

static bool has_data(const struct pm_xlat *x)
{
	return x->status == PM_VA_OK || x->status == PM_VA_TRANSITION;
}

struct pm_error *pm_vmem_read(const struct pm_vmem *vm, uint64_t va, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		struct pm_xlat x;
		size_t in_page = PM_PAGE_SIZE - (size_t)(va & (PM_PAGE_SIZE - 1));
		size_t n = len < in_page ? len : in_page;
		pm_vmem_translate(vm, va, &x);
		switch (x.status) {
		case PM_VA_OK:
		case PM_VA_TRANSITION:
			/* the following pages while they are physically adjacent: one read */
			while (n < len) {
				struct pm_xlat y;
				pm_vmem_translate(vm, va + n, &y);
				if (!has_data(&y) || y.pa != x.pa + n)
					break;
				n += len - n < PM_PAGE_SIZE ? len - n : PM_PAGE_SIZE;
			}
			PM_TRY(pm_physmem_read(vm->pm, x.pa, out, n));
			break;
		case PM_VA_NOT_CAPTURED:
			return pm_err(PM_ERR_NOT_CAPTURED, "VA %#" PRIx64 " maps to physical %#"
				      PRIx64 ", which is not in the dump", va, x.pa);
		case PM_VA_BEYOND_EOF:
			return pm_err(PM_ERR_TRUNCATED, "VA %#" PRIx64 " maps to physical %#" PRIx64
				      ", which lies beyond the end of the file", va, x.pa);
		case PM_VA_TABLE_NOT_CAPTURED:
			return pm_err(PM_ERR_NOT_CAPTURED, "VA %#" PRIx64 ": the page holding its %s "
				      "(physical %#" PRIx64 ") is not in the dump", va, x.level, x.pa);
		case PM_VA_NOT_CANONICAL:
			return pm_err(PM_ERR_NOT_PRESENT, "VA %#" PRIx64 " is not a canonical "
				      "%s address", va, pm_arch_name(vm->arch));
		default:
			return pm_err(PM_ERR_NOT_PRESENT, "VA %#" PRIx64 " is %s (%s %#" PRIx64 ")",
				      va, pm_va_status_desc(x.status), x.level, x.entry);
		}
		out += n;
		va += n;
		len -= n;
	}
	return NULL;
}

struct pm_error *pm_vmem_read_ptr(const struct pm_vmem *vm, uint64_t va, uint64_t *ret)
{
	uint8_t b[8];
	unsigned n = pm_vmem_ptr_size(vm);
	PM_TRY(pm_vmem_read(vm, va, b, n));
	struct pm_rd rd = pm_rd_make(b, n, PM_AS_VIRT, va, "pointer");
	return pm_rd_ptr(&rd, 0, n, ret);
}

struct walk {
	const struct pm_vmem *vm;
	const struct paging_mode *m;
	pm_page_fn fn;
	void *ctx;
	uint64_t missing;
	uint64_t self_frame; /* frame of the root table: entries pointing at it are the self-map */
	bool stop;
	uint64_t lo, hi; /* canonical VA range walked (kernel half: monotone in canonical form) */
};

static uint64_t canon(const struct paging_mode *m, uint64_t va)
{
	if (m == &mode_x64 && (va >> 47) & 1)
		return va | 0xFFFF000000000000ull;
	return va;
}

static void walk_level(struct walk *w, uint64_t table, unsigned lvl, uint64_t base,
		       unsigned first, unsigned last)
{
	const struct paging_mode *m = w->m;
	uint8_t buf[4096];
	unsigned n = 1u << m->index_bits[lvl];
	if (pm_physmem_read_quiet(w->vm->pm, table, buf, (size_t)n * m->entry_size) != PM_PAGE_OK) {
		w->missing++;
		return;
	}
	for (unsigned i = first; i <= last && i < n && !w->stop; i++) {
		uint64_t e = 0;
		for (int k = (int)m->entry_size - 1; k >= 0; k--)
			e = e << 8 | buf[i * m->entry_size + (unsigned)k];
		bool pdpt = m == &mode_pae && lvl == 0;
		if (!(e & PTE_VALID))
			continue;
		uint64_t va = canon(m, base + ((uint64_t)i << m->shift[lvl]));
		uint64_t span = UINT64_C(1) << m->shift[lvl];
		if (va + (span - 1) < w->lo || va > w->hi)
			continue; /* outside the range asked for */
		uint64_t frame = e & m->pfn_mask;
		bool large = !pdpt && m->large_ok[lvl] && (e & PTE_LARGE);
		if (!pdpt && !large && lvl + 1 < m->nlevels && frame == w->self_frame)
			continue; /* the self-map: page tables, not kernel data */
		if (large) {
			uint64_t b = large_base(m, e, lvl);
			uint64_t o = va < w->lo ? (w->lo - va) & ~(uint64_t)(PM_PAGE_SIZE - 1) : 0;
			for (; o < span && va + o <= w->hi && !w->stop; o += PM_PAGE_SIZE)
				if (!w->fn(w->ctx, va + o, b + o))
					w->stop = true;
			continue;
		}
		if (lvl + 1 == m->nlevels) {
			if (!w->fn(w->ctx, va, frame))
				w->stop = true;
			continue;
		}
		walk_level(w, frame, lvl + 1, base + ((uint64_t)i << m->shift[lvl]), 0,
			   (1u << m->index_bits[lvl + 1]) - 1);
	}
}

void pm_vmem_walk_kernel(const struct pm_vmem *vm, pm_page_fn fn, void *ctx,
			 uint64_t *tables_missing_ret)
{
	pm_vmem_walk_kernel_range(vm, 0, UINT64_MAX, fn, ctx, tables_missing_ret);
}

void pm_vmem_walk_kernel_range(const struct pm_vmem *vm, uint64_t lo, uint64_t hi, pm_page_fn fn,
			       void *ctx, uint64_t *tables_missing_ret)
{
	const struct paging_mode *m = mode_of(vm->arch);
	struct walk w = { vm, m, fn, ctx, 0, 0, false, lo, hi };
	if (!m) {
		*tables_missing_ret = 0;
		return;
	}
	/* Kernel half: PML4 256..511 (x64), PDPT 2..3 (PAE), PD 512..1023 (x86). The PAE root is
	 * a 4-entry PDPT inside a page, so its "self" frame is the PD for 0xC0000000. */
	if (m == &mode_x64) {
		w.self_frame = vm->dtb & m->pfn_mask;
		walk_level(&w, vm->dtb, 0, 0, 256, 511);
	} else if (m == &mode_pae) {
		/* PDPT[2..3]; in PD[3] entries 0..3 are the self-map (0xC0000000..0xC07FFFFF) */
		w.self_frame = UINT64_MAX;
		for (unsigned i = 2; i < 4; i++) {
			uint8_t b[8];
			if (pm_physmem_read_quiet(vm->pm, vm->dtb + i * 8, b, 8) != PM_PAGE_OK) {
				w.missing++;
				continue;
			}
			uint64_t e = 0;
			for (int k = 7; k >= 0; k--)
				e = e << 8 | b[k];
			if (e & PTE_VALID)
				walk_level(&w, e & m->pfn_mask, 1, (uint64_t)i << 30, i == 3 ? 4 : 0, 511);
		}
	} else {
		w.self_frame = vm->dtb & m->pfn_mask;
		walk_level(&w, vm->dtb, 0, 0, 512, 1023);
	}
	*tables_missing_ret = w.missing;
}
