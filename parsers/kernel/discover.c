// SPDX-License-Identifier: MIT
// Discovery in headerless memory (raw images, hypervisor captures).
#include <endian.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discover.h"
#include "kdbg.h"
#include "pe.h"
#include "pm-reader.h"

/* Pages examined when looking for the page-table root before giving up. */
static const uint64_t PM_MAX_DTB_SCAN_PAGES = UINT64_C(1) << 26; /* 256 GiB */

static uint64_t u64at(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

static uint32_t u32at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void note(struct pm_discovery *d, const char *text)
{
	size_t n = strlen(d->tried);
	if (n < sizeof(d->tried) - 1)
		snprintf(d->tried + n, sizeof(d->tried) - n, "%s", text);
}

/* ---- the page-table root ------------------------------------------------------------- */

/* x64: a PML4 has, in its kernel half, an entry that points at itself (the PTE self-map:
 * 0x1ED before Windows 10 1607, a random slot after). Check it by translating the self-map
 * address of the table itself. */
static bool x64_root(const struct pm_pagemap *pm, const uint8_t *b, uint64_t pa, unsigned *idx)
{
	/* First the self entry alone (present, writable, supervisor, not large, naming this page):
	 * one masked compare per entry, so that the pages that are not roots cost little. */
	const uint64_t mask = 0x000FFFFFFFFFF000ull | 0x87, want = pa | 0x03;
	int self = -1;
	for (unsigned i = 256; i < 512; i++)
		if ((u64at(b + 8 * i) & mask) == want)
			self = (int)i;
	if (self < 0)
		return false;
	unsigned present = 0;
	for (unsigned i = 256; i < 512; i++)
		present += (unsigned)(u64at(b + 8 * i) & 1);
	if (present < 3)
		return false;
	struct pm_vmem vm;
	struct pm_error *err = pm_vmem_init(&vm, pm, PM_ARCH_X64, pa);
	if (err) {
		pm_error_destroy(err);
		return false;
	}
	uint64_t i = (uint64_t)self;
	uint64_t va = 0xFFFF000000000000ull | i << 39 | i << 30 | i << 21 | i << 12;
	struct pm_xlat x;
	pm_vmem_translate(&vm, va, &x);
	pm_vmem_deinit(&vm);
	if (x.status != PM_VA_OK || (x.pa & ~0xFFFull) != pa)
		return false;
	*idx = (unsigned)self;
	return true;
}

/* x86 non-PAE: PDE[0x300] maps the page directory itself at 0xC0000000. */
static bool x86_root(const uint8_t *b, uint64_t pa)
{
	uint32_t e = u32at(b + 4 * 0x300);
	if ((e & 0x83) != 0x03 || (e & 0xFFFFF000u) != pa)
		return false;
	unsigned present = 0;
	for (unsigned i = 512; i < 1024; i++)
		present += u32at(b + 4 * i) & 1;
	return present >= 4; /* the self-map, the kernel, its data, pool: more on real systems */
}

/* x86 PAE: the page directory for 0xC0000000 maps the four directories (entries 0-3),
 * itself at entry 3; the PDPT is a 32-byte block naming the same four. */
static bool pae_pd3(const uint8_t *b, uint64_t pa, uint64_t pds[4])
{
	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = u64at(b + 8 * i);
		if ((e & 0x83) != 0x03)
			return false;
		pds[i] = e & 0x000FFFFFFFFFF000ull;
	}
	return pds[3] == pa && pds[0] != pds[1] && pds[1] != pds[2] && pds[0] != pds[2];
}

/* ---- the kernel image -------------------------------------------------------------------- */

struct kfind {
	const struct pm_vmem *vm;
	uint64_t base;
	char pdb[261];
	uint64_t *budget; /* mapped pages still to be looked at, shared by all candidate roots */
};

/* Policy: mapped kernel pages examined for the kernel image, over all candidate roots,
 * before giving up (16 GiB of mappings; less when fuzzing, where it only costs speed). */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
static const uint64_t PM_MAX_KERNEL_SEARCH_PAGES = UINT64_C(1) << 14;
#else
static const uint64_t PM_MAX_KERNEL_SEARCH_PAGES = UINT64_C(1) << 22;
#endif

static struct pm_error *vm_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	return pm_vmem_read(ctx, va, buf, len);
}

static bool is_kernel_pdb(const char *n)
{
	static const char *const names[] = { "ntkrnlmp.pdb", "ntoskrnl.pdb", "ntkrnlpa.pdb",
					     "ntkrpamp.pdb" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(n, names[i]))
			return true;
	return false;
}

static bool on_kpage(void *ctx, uint64_t va, uint64_t pa)
{
	struct kfind *k = ctx;
	if (!*k->budget)
		return false;
	--*k->budget;
	uint8_t mz[2];
	if (pm_physmem_read_quiet(k->vm->pm, pa, mz, 2) != PM_PAGE_OK || mz[0] != 'M' || mz[1] != 'Z')
		return true;
	struct pm_pe_info pe;
	struct pm_error *cv = NULL, *err = pm_pe_parse(vm_read, (void *)k->vm, va, &pe, &cv);
	bool found = !err && !cv && pe.has_codeview && is_kernel_pdb(pe.pdb_name);
	pm_error_destroy(err);
	pm_error_destroy(cv);
	if (found) {
		k->base = va;
		snprintf(k->pdb, sizeof(k->pdb), "%s", pe.pdb_name);
		return false;
	}
	return true;
}

/* ---- the KDBG --------------------------------------------------------------------------- */

uint64_t pm_kdbg_decode_word(uint64_t w, uint64_t wait_never, uint64_t wait_always,
			     uint64_t encoded_flag_va)
{
	/* §4.6: xor KiWaitNever, rotate left by its low byte (mod 64), xor the address of
	 * KdpDataBlockEncoded, byte-swap, xor KiWaitAlways. */
	unsigned n = (unsigned)(wait_never & 0xFF) & 63;
	w ^= wait_never;
	w = n ? (w << n) | (w >> (64 - n)) : w;
	w ^= encoded_flag_va | 0xFFFF000000000000ull;
	w = __builtin_bswap64(w);
	return w ^ wait_always;
}

static bool plausible_kdbg(const uint8_t *b, size_t avail, uint64_t kb, uint32_t *size)
{
	if (avail < 0x20 || u32at(b + 0x10) != PM_KDBG_TAG)
		return false;
	uint32_t sz = u32at(b + 0x14);
	if (sz < PM_KDBG_MIN_SIZE || sz > PM_KDBG_MAX_SIZE || sz % 8)
		return false;
	if (kb && u64at(b + 0x18) != kb && (u64at(b + 0x18) & 0xFFFFFFFFull) != kb)
		return false;
	*size = sz;
	return true;
}

static struct pm_error *kdbg_plain(const struct pm_vmem *vm, uint64_t kb, uint32_t image,
				   struct pm_discovery *d)
{
	uint8_t b[4096 + 0x20];
	for (uint64_t o = 0; o < image; o += 4096) {
		struct pm_error *err = pm_vmem_read(vm, kb + o, b, 4096);
		if (err) {
			pm_error_destroy(err);
			continue;
		}
		for (unsigned i = 0x10; i + 8 <= 4096; i += 8) {
			if (u32at(b + i) != PM_KDBG_TAG)
				continue;
			uint64_t va = kb + o + i - 0x10;
			uint8_t *blk = malloc(PM_KDBG_MAX_SIZE);
			if (!blk)
				return &pm_enomem;
			uint32_t size;
			err = pm_vmem_read(vm, va, blk, 0x20);
			if (!err && plausible_kdbg(blk, 0x20, kb, &size) &&
			    !(err = pm_vmem_read(vm, va, blk, size))) {
				d->kdbg_va = va;
				d->kdbg_raw = blk;
				d->kdbg_size = size;
				snprintf(d->kdbg_how, sizeof(d->kdbg_how), "found by its \"KDBG\" tag "
					 "inside the kernel image, KernBase matching");
				return NULL;
			}
			pm_error_destroy(err);
			free(blk);
		}
	}
	return pm_err(PM_ERR_NOT_FOUND, "no \"KDBG\" tag in the kernel image");
}

static bool rip_rel(const uint8_t *c, size_t at, size_t len, uint8_t op, uint64_t ip,
		    uint64_t *target)
{
	/* REX.W(+R) op modrm(mod 00, rm 101 = RIP-relative) disp32 */
	if (at + 7 > len || (c[at] != 0x48 && c[at] != 0x4C) || c[at + 1] != op)
		return false;
	if ((c[at + 2] & 0xC7) != 0x05)
		return false;
	int32_t rel = (int32_t)u32at(c + at + 3);
	*target = ip + at + 7 + (uint64_t)(int64_t)rel;
	return true;
}

/* The keys KdCopyDataBlock uses (vol2's scan, crashdump-format.md §4.6): a
 * `cmp byte [rip+x], 0` (KdpDataBlockEncoded) followed within 300 bytes, before a `ret`, by a
 * `lea r64,[rip+y]` (KdDebuggerDataBlock), a `mov r64,[rip+z]` (KiWaitNever), the next
 * `mov`/`xor r64,[rip+w]` (KiWaitAlways) and a `bswap r64`. */
static bool find_keys(const uint8_t *c, size_t len, uint64_t ip, uint64_t *flag, uint64_t *block,
		      uint64_t *never, uint64_t *always)
{
	for (size_t i = 0; i + 7 <= len; i++) {
		if (c[i] != 0x80 || c[i + 1] != 0x3D || c[i + 6] != 0)
			continue;
		uint64_t f = ip + i + 7 + (uint64_t)(int64_t)(int32_t)u32at(c + i + 2);
		uint64_t blk = 0, wn = 0, wa = 0;
		bool bswap = false;
		for (size_t j = i + 7; j < i + 300 && j + 3 <= len && c[j] != 0xC3; j++) {
			uint64_t t;
			if ((c[j] == 0x48 || c[j] == 0x49) && c[j + 1] == 0x0F && c[j + 2] >= 0xC8 &&
			    c[j + 2] <= 0xCF)
				bswap = true;
			if (!blk && rip_rel(c, j, len, 0x8D, ip, &t))
				blk = t;
			else if (!wn && rip_rel(c, j, len, 0x8B, ip, &t))
				wn = t;
			else if (wn && !wa && (rip_rel(c, j, len, 0x8B, ip, &t) ||
					       rip_rel(c, j, len, 0x33, ip, &t)) && t != wn)
				wa = t;
		}
		if (blk && wn && wa && bswap) {
			*flag = f;
			*block = blk;
			*never = wn;
			*always = wa;
			return true;
		}
	}
	return false;
}

static struct pm_error *kdbg_encoded(const struct pm_vmem *vm, uint64_t kb,
				     const struct pm_pe_info *pe, struct pm_discovery *d,
				     struct pm_diags *diags)
{
	for (uint16_t s = 0; s < pe->nsections; s++) {
		const struct pm_pe_section *sec = &pe->sections[s];
		if (!(sec->characteristics & 0x20000000u) || !sec->vsize || sec->vsize > (64u << 20))
			continue;
		uint8_t *c = calloc(1, sec->vsize);
		if (!c)
			return &pm_enomem;
		for (uint32_t o = 0; o < sec->vsize; o += 4096) {
			struct pm_error *e = pm_vmem_read(vm, kb + sec->rva + o, c + o,
							  sec->vsize - o < 4096 ? sec->vsize - o : 4096);
			pm_error_destroy(e);
		}
		uint64_t flag, block, never, always;
		bool ok = find_keys(c, sec->vsize, kb + sec->rva, &flag, &block, &never, &always);
		free(c);
		if (!ok)
			continue;
		uint64_t wn, wa;
		struct pm_error *err = pm_vmem_read_ptr(vm, never, &wn);
		if (!err)
			err = pm_vmem_read_ptr(vm, always, &wa);
		if (err)
			return pm_err_wrap(err, "KiWaitNever/KiWaitAlways");
		uint8_t hdr[0x18];
		if ((err = pm_vmem_read(vm, block, hdr, sizeof(hdr))))
			return pm_err_wrap(err, "encoded KDBG at %#" PRIx64, block);
		uint8_t dec[0x18];
		for (int k = 0; k < 3; k++) {
			uint64_t w = pm_kdbg_decode_word(u64at(hdr + 8 * k), wn, wa, flag);
			for (int b = 0; b < 8; b++)
				dec[8 * k + b] = (uint8_t)(w >> (8 * b));
		}
		uint32_t size = u32at(dec + 0x14);
		if (u32at(dec + 0x10) != PM_KDBG_TAG || size < PM_KDBG_MIN_SIZE ||
		    size > PM_KDBG_MAX_SIZE || size % 8) {
			/* a wrong decode is detected, not trusted */
			pm_diag_add(diags, PM_ERR_FORMAT, "discover",
				    "KDBG at %#" PRIx64 " decoded with the keys found at KiWaitNever %#"
				    PRIx64 " / KiWaitAlways %#" PRIx64 " does not carry the KDBG tag: "
				    "decode rejected", block, never, always);
			return pm_err(PM_ERR_FORMAT, "the encoded KDBG at %#" PRIx64 " does not carry the "
				      "\"KDBG\" tag once decoded with the keys found (KiWaitNever %#"
				      PRIx64 ", KiWaitAlways %#" PRIx64 "): decode rejected, not "
				      "trusted", block, never, always);
		}
		uint8_t *raw = malloc(size);
		if (!raw)
			return &pm_enomem;
		if ((err = pm_vmem_read(vm, block, raw, size))) {
			free(raw);
			return err;
		}
		for (uint32_t k = 0; k < size / 8; k++) {
			uint64_t w = pm_kdbg_decode_word(u64at(raw + 8 * k), wn, wa, flag);
			for (int b = 0; b < 8; b++)
				raw[8 * k + b] = (uint8_t)(w >> (8 * b));
		}
		if (u64at(raw + 0x18) != kb) {
			pm_diag_add(diags, PM_ERR_FORMAT, "discover", "decoded KDBG's KernBase %#" PRIx64
				    " differs from the kernel found at %#" PRIx64, u64at(raw + 0x18), kb);
		}
		d->kdbg_va = block;
		d->kdbg_raw = raw;
		d->kdbg_size = size;
		d->kdbg_encoded = true;
		snprintf(d->kdbg_how, sizeof(d->kdbg_how), "encoded (Windows 8+ x64): decoded with "
			 "KiWaitNever %#" PRIx64 ", KiWaitAlways %#" PRIx64 " and KdpDataBlockEncoded %#"
			 PRIx64 " found in KdCopyDataBlock's code", never, always, flag);
		return NULL;
	}
	return pm_err(PM_ERR_NOT_FOUND, "no KdCopyDataBlock-like code in the kernel's executable "
		      "sections");
}

/* ---- build and processors --------------------------------------------------------------- */

static void finish(const struct pm_vmem *vm, struct pm_discovery *d)
{
	struct pm_kdbg k;
	struct pm_error *err = pm_kdbg_decode(d->kdbg_raw, d->kdbg_size, d->kdbg_va,
					      pm_vmem_ptr_size(vm), &k);
	if (err) {
		pm_error_destroy(err);
		return;
	}
	uint64_t a;
	/* KdVersionBlock (DBGKD_GET_VERSION64) near the KDBG: KernBase and PsLoadedModuleList
	 * equal to the KDBG's; MinorVersion is the build (§4.5, vol2's search) [M]. */
	uint64_t kb = 0, ml = 0;
	struct pm_error *e1 = pm_kdbg_get(&k, PM_KDBG_KernBase, &kb);
	struct pm_error *e2 = pm_kdbg_get(&k, PM_KDBG_PsLoadedModuleList, &ml);
	if (!e1 && !e2) {
		uint64_t lo = (d->kdbg_va & ~0xFFFull) - 8 * 4096;
		uint8_t pg[4096];
		for (uint64_t va = lo; va <= lo + 16 * 4096 && !d->build; va += 4096) {
			struct pm_error *e = pm_vmem_read(vm, va, pg, sizeof(pg));
			if (e) {
				pm_error_destroy(e);
				continue;
			}
			for (unsigned o = 0; o + 0x28 <= 4096; o += 8)
				if (u64at(pg + o + 0x10) == kb && u64at(pg + o + 0x18) == ml &&
				    (pg[o] | pg[o + 1] << 8) == 0xF) {
					d->build = (uint32_t)(pg[o + 2] | pg[o + 3] << 8);
					snprintf(d->build_how, sizeof(d->build_how), "KdVersionBlock at %#"
						 PRIx64 " (MinorVersion)", va + o);
					break;
				}
		}
	}
	pm_error_destroy(e1);
	pm_error_destroy(e2);
	/* KUSER_SHARED_DATA: InterruptTime (uptime), SystemTime, NtProductType */
	uint64_t ksd = pm_vmem_ptr_size(vm) == 8 ? 0xFFFFF78000000000ull : 0xFFDF0000ull;
	uint8_t kd[0x268];
	struct pm_error *ek = pm_vmem_read(vm, ksd, kd, sizeof(kd));
	if (!ek) {
		uint64_t it = (uint64_t)u32at(kd + 0x0C) << 32 | u32at(kd + 0x08);
		uint64_t st = (uint64_t)u32at(kd + 0x18) << 32 | u32at(kd + 0x14);
		uint32_t pt = u32at(kd + 0x264);
		if (st && u32at(kd + 0x0C) == u32at(kd + 0x10) && u32at(kd + 0x18) == u32at(kd + 0x1C)) {
			d->has_times = true;
			d->system_time = st;
			d->uptime = it;
		}
		if (pt >= 1 && pt <= 3)
			d->product_type = pt;
	}
	pm_error_destroy(ek);
	if (!d->build && !(err = pm_kdbg_get(&k, PM_KDBG_NtBuildLab, &a))) {
		char lab[32] = "";
		for (size_t i = 0; i + 1 < sizeof(lab); i++) {
			uint8_t c;
			struct pm_error *e = pm_vmem_read(vm, a + i, &c, 1);
			if (e || !c) {
				pm_error_destroy(e);
				break;
			}
			lab[i] = (char)c;
		}
		unsigned long b = strtoul(lab, NULL, 10);
		if (b > 0 && b < 1000000) {
			d->build = (uint32_t)b;
			snprintf(d->build_how, sizeof(d->build_how), "NtBuildLab \"%.24s\"", lab);
		}
	}
	pm_error_destroy(err);
	if (!(err = pm_kdbg_get(&k, PM_KDBG_KiProcessorBlock, &a))) {
		unsigned n = 0;
		uint64_t p;
		while (n < 2048) {
			struct pm_error *e = pm_vmem_read_ptr(vm, a + (uint64_t)n * pm_vmem_ptr_size(vm), &p);
			if (e || !p) {
				pm_error_destroy(e);
				break;
			}
			n++;
		}
		if (n) {
			d->nprocs = n;
			snprintf(d->nprocs_how, sizeof(d->nprocs_how), "KiProcessorBlock (%u entries)", n);
		}
	}
	pm_error_destroy(err);
	pm_kdbg_deinit(&k);
}

/* The kernel image (at @p kb, or searched for when 0) and the KDBG inside it: by its tag, or
 * (x64) encoded and decoded with the keys KdCopyDataBlock's code names. From a page-table root
 * candidate (d->arch, d->dtb, d->dtb_how set) errors leave notes in d->tried; d->kernel_base
 * != 0 afterwards means the root led to a kernel, so the candidate was the right one and its
 * error is the answer. */
static struct pm_error *find_kdbg(const struct pm_vmem *vmp, uint64_t kb, struct pm_discovery *d,
				  struct pm_diags *diags, uint64_t *budget)
{
	struct pm_vmem vmc = *vmp; /* a copy sharing the page-table cache */
	struct pm_vmem *vm = &vmc;
	struct kfind k = { vm, kb, "", budget };
	uint64_t missing;
	/* x64 kernels of every Windows version load at 0xFFFFF80x'xxxxxxxx (PML4 entry 0x1F0):
	 * look there first, before the pools and the PFN database that precede it. */
	if (!k.base && d->arch == PM_ARCH_X64)
		pm_vmem_walk_kernel_range(vm, 0xFFFFF80000000000ull, 0xFFFFF8FFFFFFFFFFull, on_kpage,
					  &k, &missing);
	if (!k.base)
		pm_vmem_walk_kernel(vm, on_kpage, &k, &missing);
	if (!k.base)
		return pm_err(PM_ERR_NOT_FOUND, "no kernel image%s",
			      !*budget ? " in the mapped pages examined" : "");
	d->kernel_base = k.base;
	if (kb)
		snprintf(d->kernel_how, sizeof(d->kernel_how), "the first loaded module at %#" PRIx64,
			 k.base);
	else
		snprintf(d->kernel_how, sizeof(d->kernel_how), "MZ image at %#" PRIx64 " whose "
			 "CodeView names %s", k.base, k.pdb);
	struct pm_pe_info pe;
	struct pm_error *cv = NULL;
	struct pm_error *err = pm_pe_parse(vm_read, vm, k.base, &pe, &cv);
	pm_error_destroy(cv);
	if (err)
		return err;
	err = kdbg_plain(vm, k.base, pe.size_of_image, d);
	if (err) {
		pm_error_destroy(err);
		if (d->arch == PM_ARCH_X64)
			err = kdbg_encoded(vm, k.base, &pe, d, diags);
		else
			err = pm_err(PM_ERR_NOT_FOUND, "no KDBG tag in the kernel image");
		if (err) {
			note(d, "KDBG: no tag in the kernel image");
			note(d, d->arch == PM_ARCH_X64 ? ", and no usable decoding keys; " : "; ");
			struct pm_error *e2 = pm_err(pm_err_code(err), "%s%s", d->tried, pm_err_msg(err));
			pm_error_destroy(err);
			return e2;
		}
	}
	finish(vm, d);
	return NULL;
}

struct pm_error *pm_discover_kdbg(const struct pm_vmem *vm, uint64_t kernel_base,
				  struct pm_discovery *ret, struct pm_diags *diags)
{
	uint64_t budget = PM_MAX_KERNEL_SEARCH_PAGES;
	struct pm_discovery d;
	memset(&d, 0, sizeof(d));
	d.arch = pm_vmem_ptr_size(vm) == 8 ? PM_ARCH_X64 : PM_ARCH_X86;
	struct pm_error *err = find_kdbg(vm, kernel_base, &d, diags, &budget);
	if (err) {
		pm_discovery_deinit(&d);
		return err;
	}
	*ret = d;
	return NULL;
}

static struct pm_error *from_root(const struct pm_pagemap *pm, struct pm_discovery *d,
				  struct pm_diags *diags, uint64_t *budget)
{
	struct pm_vmem vm;
	PM_TRY(pm_vmem_init(&vm, pm, d->arch, d->dtb));
	struct pm_error *err = find_kdbg(&vm, 0, d, diags, budget);
	pm_vmem_deinit(&vm);
	return err;
}

/* Candidates per architecture, for the error when none leads to a kernel. */
struct tally {
	unsigned seen, pae_no_pdpt;
	uint64_t first;
};

enum { PM_MAX_ROOT_CANDIDATES = 64 };

/* A PAE page-directory set found in the pass; its PDPT is looked for afterwards. */
struct pae_cand {
	uint64_t pa, pds[4], pdpt;
	bool has_pdpt;
};

/* The pass over physical memory. */
struct pass {
	const struct pm_pagemap *pm;
	struct pm_diags *diags;
	struct tally t[3];
	uint64_t n, budget;
	unsigned tried_roots;
	struct pae_cand pae[PM_MAX_ROOT_CANDIDATES];
	unsigned npae;
	bool done;                /* a root led to a kernel: *result is the answer */
	struct pm_error *result;
	struct pm_discovery d;
};

/* Try the root in p->d (arch, dtb, dtb_how set); true when the search is over. */
static bool try_root(struct pass *p)
{
	p->tried_roots++;
	struct pm_error *err = from_root(p->pm, &p->d, p->diags, &p->budget);
	if (!err || p->d.kernel_base) { /* found, or the right root: its KDBG error is the answer */
		if (err)
			pm_discovery_deinit(&p->d);
		p->result = err;
		p->done = true;
		return true;
	}
	pm_error_destroy(err);
	pm_discovery_deinit(&p->d);
	return p->tried_roots >= PM_MAX_ROOT_CANDIDATES;
}

/* The page checks read bytes 0-31 (a PAE directory's first entries) and the second half (the
 * kernel half of a PML4 or an x86 directory), not the rest. */
enum { DISCOVER_READS_FROM = 2048 };

/* One page of the pass: x64 and x86 roots are tried at once, PAE directory sets kept. */
static bool on_phys_page(void *ctx, uint64_t pfn, const uint8_t *b)
{
	struct pass *p = ctx;
	if (p->n++ >= PM_MAX_DTB_SCAN_PAGES)
		return false;
	uint64_t pa = pfn << 12;
	unsigned idx;
	uint64_t pds[4];
	if (x64_root(p->pm, b, pa, &idx)) {
		if (!p->t[0].seen++)
			p->t[0].first = pa;
		memset(&p->d, 0, sizeof(p->d));
		p->d.arch = PM_ARCH_X64;
		p->d.dtb = pa;
		snprintf(p->d.dtb_how, sizeof(p->d.dtb_how), "PML4 at %#" PRIx64 " maps itself at "
			 "entry %#x (PTE base %#" PRIx64 ")", pa, idx,
			 (uint64_t)(0xFFFF000000000000ull | (uint64_t)idx << 39));
		if (try_root(p))
			return false;
	}
	if (pae_pd3(b, pa, pds)) {
		if (!p->t[1].seen++)
			p->t[1].first = pa;
		if (p->npae < PM_MAX_ROOT_CANDIDATES) {
			struct pae_cand *c = &p->pae[p->npae++];
			c->pa = pa;
			memcpy(c->pds, pds, sizeof(pds));
			c->has_pdpt = false;
		}
	}
	if (x86_root(b, pa)) {
		if (!p->t[2].seen++)
			p->t[2].first = pa;
		memset(&p->d, 0, sizeof(p->d));
		p->d.arch = PM_ARCH_X86;
		p->d.dtb = pa;
		snprintf(p->d.dtb_how, sizeof(p->d.dtb_how), "page directory at %#" PRIx64
			 " maps itself at PDE 0x300 (0xC0000000)", pa);
		if (try_root(p))
			return false;
	}
	return true;
}

/* PAE: the PDPTs, 32-byte blocks below 4 GiB (CR3 is 32 bits wide) naming the four page
 * directories of a candidate: one more pass for all candidates together. */
static bool on_pdpt_page(void *ctx, uint64_t pfn, const uint8_t *b)
{
	struct pass *p = ctx;
	unsigned left = 0;
	for (unsigned o = 0; o < 4096; o += 32) {
		uint64_t e0 = u64at(b + o);
		if (!(e0 & 1))
			continue;
		for (unsigned c = 0; c < p->npae; c++) {
			struct pae_cand *k = &p->pae[c];
			if (k->has_pdpt || (e0 & 0x000FFFFFFFFFF000ull) != k->pds[0])
				continue;
			unsigned i = 1;
			while (i < 4 && (u64at(b + o + 8 * i) & 1) &&
			       (u64at(b + o + 8 * i) & 0x000FFFFFFFFFF000ull) == k->pds[i])
				i++;
			if (i == 4) {
				k->pdpt = (pfn << 12) + o;
				k->has_pdpt = true;
			}
		}
	}
	for (unsigned c = 0; c < p->npae; c++)
		left += !p->pae[c].has_pdpt;
	return left > 0;
}

static void try_pae(struct pass *p)
{
	struct pm_error *err = pm_physmem_stream(p->pm, 0, UINT64_C(1) << 20, 0, on_pdpt_page, p,
						   NULL);
	pm_error_destroy(err); /* an unreadable page only hides a PDPT */
	for (unsigned c = 0; c < p->npae && !p->done; c++) {
		if (!p->pae[c].has_pdpt) {
			p->t[1].pae_no_pdpt++;
			continue;
		}
		if (p->tried_roots >= PM_MAX_ROOT_CANDIDATES)
			break;
		memset(&p->d, 0, sizeof(p->d));
		p->d.arch = PM_ARCH_X86_PAE;
		p->d.dtb = p->pae[c].pdpt;
		snprintf(p->d.dtb_how, sizeof(p->d.dtb_how), "PAE: PDPT at %#" PRIx64 " names the "
			 "four page directories, the last mapping itself at 0xC0600000", p->d.dtb);
		try_root(p);
	}
	/* sets beyond the candidates kept had no PDPT looked for */
	if (p->t[1].seen > p->npae)
		p->t[1].pae_no_pdpt += p->t[1].seen - p->npae;
}

/* What was tried, for the error when no root led to a kernel. */
static struct pm_error *nothing_found(const struct pass *p, uint64_t unreadable)
{
	static const enum pm_arch arches[3] = { PM_ARCH_X64, PM_ARCH_X86_PAE, PM_ARCH_X86 };
	char tried[600];
	int len = 0;
	for (unsigned a = 0; a < 3; a++) {
		const struct tally *t = &p->t[a];
		const char *what = a == 0   ? "x64: no PML4 maps itself"
				   : a == 1 ? "x86-PAE: no directory set maps itself"
					    : "x86: no page directory maps itself at PDE 0x300";
		int w;
		if (!t->seen)
			w = snprintf(tried + len, sizeof(tried) - (size_t)len, "%s%s", len ? "; " : "",
				     what);
		else if (a == 1 && t->pae_no_pdpt == t->seen)
			w = snprintf(tried + len, sizeof(tried) - (size_t)len, "%sx86-PAE: %u directory "
				     "set(s) map themselves (first at %#" PRIx64 ") but no PDPT names "
				     "them", len ? "; " : "", t->seen, t->first);
		else
			w = snprintf(tried + len, sizeof(tried) - (size_t)len, "%s%s: %u page-table "
				     "root(s) map themselves (first at %#" PRIx64 ") but none leads to a "
				     "kernel image (MZ with an nt*.pdb CodeView record)", len ? "; " : "",
				     pm_arch_name(arches[a]), t->seen, t->first);
		if (w > 0 && (size_t)w < sizeof(tried) - (size_t)len)
			len += w;
	}
	char tail[160] = "";
	uint64_t n = p->n < PM_MAX_DTB_SCAN_PAGES ? p->n : PM_MAX_DTB_SCAN_PAGES;
	if (unreadable)
		snprintf(tail, sizeof(tail), " (%" PRIu64 " of %" PRIu64 " pages unreadable)",
			 unreadable, n + unreadable);
	if (p->tried_roots >= PM_MAX_ROOT_CANDIDATES)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "; gave up after %d "
			 "candidate roots", PM_MAX_ROOT_CANDIDATES);
	if (!p->budget)
		snprintf(tail + strlen(tail), sizeof(tail) - strlen(tail), "; gave up after %" PRIu64
			 " mapped pages searched for the kernel image", PM_MAX_KERNEL_SEARCH_PAGES);
	return pm_err(PM_ERR_NOT_FOUND, "%s%s", tried, tail);
}

/*
 * One pass over physical memory in address order, streamed a window at a time. Each page that
 * looks like an x64 or x86 page-table root (x64 PML4 with a self-map; x86 directory mapping
 * itself at PDE 0x300) is tried at once: the first whose tables lead to a kernel image wins. A
 * page directory can pass for a PML4 and vice versa, but only the right one leads to a kernel.
 * PAE directory sets are collected, and their PDPTs looked for in one more pass below 4 GiB
 * only if no other root led to a kernel.
 */
struct pm_error *pm_discover(const struct pm_pagemap *pm, struct pm_discovery *ret,
			     struct pm_diags *diags)
{
	struct pass *p = calloc(1, sizeof(*p));
	if (!p)
		return &pm_enomem;
	p->pm = pm;
	p->diags = diags;
	p->budget = PM_MAX_KERNEL_SEARCH_PAGES;
	uint64_t unreadable = 0;
	struct pm_error *err = pm_physmem_stream(pm, 0, UINT64_MAX, DISCOVER_READS_FROM,
						   on_phys_page, p, &unreadable);
	if (!err && !p->done && p->npae && p->tried_roots < PM_MAX_ROOT_CANDIDATES)
		try_pae(p);
	if (!err && p->done) {
		err = p->result;
		if (!err)
			*ret = p->d;
	} else if (!err) {
		if (p->npae == 0 && p->t[1].seen)
			p->t[1].pae_no_pdpt = p->t[1].seen;
		err = nothing_found(p, unreadable);
	}
	free(p);
	return err;
}

void pm_discovery_deinit(struct pm_discovery *d)
{
	free(d->kdbg_raw);
	d->kdbg_raw = NULL;
}
