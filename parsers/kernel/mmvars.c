// SPDX-License-Identifier: MIT
// Mm* counters through the KDBG (pool-internals.md §4.2) and POOL_DESCRIPTORs (§4.3).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "mmvars.h"
#include "pm-reader.h"

/* POOL_DESCRIPTOR layouts (§4.3), offsets/widths in bytes. */
static const struct pm_desc_layout desc_xp = {
	"POOL_DESCRIPTOR XP/2003/Vista", false,
	{ 0x8, 4 }, { 0xC, 4 }, { 0x10, 4 }, { 0x14, 4 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 },
};
/* x64 from the real kernels (fixtures/facts/, 213 ntkrnlmp.pdb): totals on 7601 and 9600;
 * from 14393 (not 1703) the allocated/deallocated page counters, with RunningAllocs and
 * RunningDeallocs still 4 bytes at 0x40 and 0x80; gone from 19041. 10240 and 10586 are not in
 * the facts: they keep the older layout here, unchecked. */
static const struct pm_desc_layout desc_w7 = {
	"POOL_DESCRIPTOR x64 7..1511 (cache-line split)", false,
	{ 0x40, 4 }, { 0x44, 4 }, { 0xC0, 4 }, { 0x48, 4 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 },
};
static const struct pm_desc_layout desc_1607 = {
	"POOL_DESCRIPTOR x64 1607..1909 (page counters)", true,
	{ 0x40, 4 }, { 0x80, 4 }, { 0, 0 }, { 0, 0 }, { 0x48, 8 }, { 0x88, 8 }, { 0x50, 8 }, { 0x90, 8 },
};

/* Which tabulated layout each build has, as data: the first row whose last build is not
 * before @p build (and whose architecture fits) wins; none from 19041 on (descriptors are gone)
 * nor for x86 Vista and later (not tabulated). */
static const struct {
	uint32_t last_build;
	bool x64_only;
	const struct pm_desc_layout *layout;
} desc_by_build[] = {
	{ 3790, false, &desc_xp },
	{ 14392, true, &desc_w7 },
	{ 19040, true, &desc_1607 },
};

static const struct pm_desc_layout *desc_layout(uint32_t build, bool is64)
{
	for (size_t i = 0; i < sizeof(desc_by_build) / sizeof(desc_by_build[0]); i++)
		if (build <= desc_by_build[i].last_build && (is64 || !desc_by_build[i].x64_only))
			return desc_by_build[i].layout;
	return NULL;
}

struct pm_error *pm_mm_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
			    enum pm_kdbg_field f, enum pm_mm_width w, uint64_t *ret)
{
	uint64_t a;
	PM_TRY(pm_kdbg_get(k, f, &a));
	if (w == PM_MM_PTR) {
		struct pm_error *err = pm_vmem_read_ptr(vm, a, ret);
		return err ? pm_err_wrap(err, "KDBG.%s -> %#" PRIx64, pm_kdbg_field_name(f), a) : NULL;
	}
	uint8_t b[4];
	struct pm_error *err = pm_vmem_read(vm, a, b, 4);
	if (err)
		return pm_err_wrap(err, "KDBG.%s -> %#" PRIx64, pm_kdbg_field_name(f), a);
	*ret = (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24;
	return NULL;
}

struct pm_error *pm_phys_block_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
				    struct pm_phys_block *ret)
{
	uint64_t var, va;
	const unsigned ps = pm_vmem_ptr_size(vm);
	PM_TRY(pm_kdbg_get(k, PM_KDBG_MmPhysicalMemoryBlock, &var));
	struct pm_error *err = pm_vmem_read_ptr(vm, var, &va);
	if (err)
		return pm_err_wrap(err, "KDBG.MmPhysicalMemoryBlock -> %#" PRIx64, var);
	uint8_t hdr[16];
	if ((err = pm_vmem_read(vm, va, hdr, 2 * ps)))
		return pm_err_wrap(err, "PHYSICAL_MEMORY_DESCRIPTOR at %#" PRIx64
				   " (MmPhysicalMemoryBlock)", va);
	struct pm_rd rd = pm_rd_make(hdr, 2 * ps, PM_AS_VIRT, va, "PHYSICAL_MEMORY_DESCRIPTOR");
	uint32_t nruns;
	uint64_t npages;
	PM_TRY(pm_rd_u32(&rd, 0, &nruns));
	PM_TRY(pm_rd_ptr(&rd, ps, ps, &npages));
	if (!nruns || nruns > PM_MAX_PHYS_RUNS || !npages)
		return pm_err(PM_ERR_FORMAT, "PHYSICAL_MEMORY_DESCRIPTOR at %#" PRIx64 " (MmPhysical"
			      "MemoryBlock): NumberOfRuns %" PRIu32 ", NumberOfPages %" PRIu64 ": not "
			      "a description of RAM", va, nruns, npages);
	size_t len = (size_t)nruns * 2 * ps;
	uint8_t *runs = malloc(len);
	if (!runs)
		return &pm_enomem;
	if ((err = pm_vmem_read(vm, va + 2 * ps, runs, len))) {
		free(runs);
		return pm_err_wrap(err, "PHYSICAL_MEMORY_DESCRIPTOR at %#" PRIx64 ": its %" PRIu32
				   " runs", va, nruns);
	}
	rd = pm_rd_make(runs, len, PM_AS_VIRT, va + 2 * ps, "PHYSICAL_MEMORY_RUN");
	uint64_t sum = 0, end = 0;
	for (uint32_t i = 0; i < nruns && !err; i++) {
		uint64_t base, count, e;
		if ((err = pm_rd_ptr(&rd, (size_t)i * 2 * ps, ps, &base)) ||
		    (err = pm_rd_ptr(&rd, (size_t)i * 2 * ps + ps, ps, &count)))
			break;
		if (!count || base < end || pm_ckd_add(&e, base, count) || pm_ckd_add(&sum, sum, count))
			err = pm_err(PM_ERR_FORMAT, "PHYSICAL_MEMORY_DESCRIPTOR at %#" PRIx64 ": Run[%"
				     PRIu32 "] (BasePage %#" PRIx64 ", PageCount %#" PRIx64 ") is empty, "
				     "out of order or overflows", va, i, base, count);
		else
			end = e;
	}
	free(runs);
	if (err)
		return err;
	if (sum != npages)
		return pm_err(PM_ERR_FORMAT, "PHYSICAL_MEMORY_DESCRIPTOR at %#" PRIx64 ": "
			      "NumberOfPages is %" PRIu64 " but its %" PRIu32 " runs add up to %" PRIu64,
			      va, npages, nruns, sum);
	ret->va = va;
	ret->nruns = nruns;
	ret->pages = npages;
	ret->highest_pfn = end;
	return NULL;
}

/* A descriptor field through the reader (bounds-checked against the bytes read). */
static struct pm_error *field(const struct pm_rd *rd, unsigned off, unsigned width, uint64_t *ret)
{
	if (width == 4) {
		uint32_t v;
		PM_TRY(pm_rd_u32(rd, off, &v));
		*ret = v;
		return NULL;
	}
	return pm_rd_u64(rd, off, ret);
}

static struct pm_error *read_one(const struct pm_vmem *vm, uint64_t va,
				 const struct pm_desc_layout *L, struct pm_pool_desc *o)
{
	uint8_t buf[0x100]; /* covers every tabulated field (max 0xC4) */
	PM_TRY(pm_vmem_read(vm, va, buf, sizeof(buf)));
	struct pm_rd rd = pm_rd_make(buf, sizeof(buf), PM_AS_VIRT, va, "POOL_DESCRIPTOR");
	uint64_t a = 0, b = 0, c = 0, e = 0;
	memset(o, 0, sizeof(*o));
	PM_TRY(field(&rd, L->ra.off, L->ra.width, &o->running_allocs));
	PM_TRY(field(&rd, L->rd.off, L->rd.width, &o->running_frees));
	if (L->split) {
		PM_TRY(field(&rd, L->pa.off, L->pa.width, &a));
		PM_TRY(field(&rd, L->pd.off, L->pd.width, &b));
		PM_TRY(field(&rd, L->ba.off, L->ba.width, &c));
		PM_TRY(field(&rd, L->bd.off, L->bd.width, &e));
		o->big_pages = c >= e ? c - e : 0;
		o->pages = (a >= b ? a - b : 0) + o->big_pages;
	} else {
		PM_TRY(field(&rd, L->big.off, L->big.width, &o->big_pages));
		PM_TRY(field(&rd, L->pages.off, L->pages.width, &a));
		o->pages = a + o->big_pages;
	}
	return NULL;
}

/* The caller's layout (from the kernel's symbols) where given; else the build's. */
static const struct pm_desc_layout *pick(const struct pm_desc_layout *sym, uint32_t build,
					 const struct pm_vmem *vm)
{
	if (pm_build_has(build, PM_FEAT_NO_POOL_DESCRIPTORS))
		return NULL; /* gone, whatever the symbols still describe */
	return sym ? sym : desc_layout(build, pm_vmem_ptr_size(vm) == 8);
}


struct pm_error *pm_np_desc_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
				 uint32_t build, const struct pm_desc_layout *sym,
				 struct pm_pool_desc *ret)
{
	const struct pm_desc_layout *L = pick(sym, build, vm);
	if (!L)
		return pm_err(PM_ERR_PROFILE, "no POOL_DESCRIPTOR layout for build %u", build);
	uint64_t va;
	PM_TRY(pm_kdbg_get(k, PM_KDBG_NonPagedPoolDescriptor, &va));
	struct pm_error *err = read_one(vm, va, L, ret);
	return err ? pm_err_wrap(err, "nonpaged POOL_DESCRIPTOR (KDBG.NonPagedPoolDescriptor %#"
				 PRIx64 ")", va) : NULL;
}

struct pm_error *pm_pool_descs_read(const struct pm_vmem *vm, const struct pm_kdbg *k,
				    uint32_t build, const struct pm_desc_layout *sym,
				    struct pm_pool_descs *ret)
{
	const struct pm_desc_layout *L = pick(sym, build, vm);
	if (!L)
		return pm_err(PM_ERR_PROFILE, "no POOL_DESCRIPTOR layout for build %u (%s)", build,
			      pm_build_has(build, PM_FEAT_NO_POOL_DESCRIPTORS)
				      ? "descriptors are gone from 19041 on"
					     : "x86 Vista and later are not tabulated; the kernel's "
					       "symbols would give it");
	uint64_t n, arr;
	PM_TRY(pm_mm_read(vm, k, PM_KDBG_ExpNumberOfPagedPools, PM_MM_U32, &n));
	PM_TRY(pm_kdbg_get(k, PM_KDBG_ExpPagedPoolDescriptor, &arr));
	if (n + 1 > PM_MAX_PAGED_POOLS)
		return pm_err(PM_ERR_LIMIT, "ExpNumberOfPagedPools is %" PRIu64 ", over the limit of "
			      "%d", n, PM_MAX_PAGED_POOLS - 1);
	struct pm_pool_descs d = { L, calloc((size_t)n + 1, sizeof(struct pm_pool_desc)), 0 };
	if (!d.d)
		return &pm_enomem;
	const unsigned ps = pm_vmem_ptr_size(vm);
	for (uint64_t i = 0; i <= n; i++) {
		uint64_t pd;
		struct pm_error *err = pm_vmem_read_ptr(vm, arr + i * ps, &pd);
		if (!err)
			err = read_one(vm, pd, L, &d.d[d.n]);
		if (err) {
			free(d.d);
			return pm_err_wrap(err, "paged POOL_DESCRIPTOR %" PRIu64 " (ExpPagedPoolDescriptor"
					   " at %#" PRIx64 ")", i, arr);
		}
		d.d[d.n].index = (unsigned)i;
		d.n++;
	}
	*ret = d;
	return NULL;
}

void pm_pool_descs_deinit(struct pm_pool_descs *d)
{
	free(d->d);
	memset(d, 0, sizeof(*d));
}
