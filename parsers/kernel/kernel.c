// SPDX-License-Identifier: MIT
// The kernel's identity (kernel.h): from the crash-dump header or from discovery, then the
// KDBG, the variables it points to, the module list and the kernel image. Each step that fails
// leaves its values absent with the reason, and the steps after it go on with what can still
// be trusted.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h"
#include "peversion.h"
#include "pm-reader.h"
#include "profile.h"

static void present(struct pm_kval *k, uint64_t v, enum pm_prov from, const char *how)
{
	k->v = v;
	k->absent = PM_ABSENT_PRESENT;
	k->from = from;
	k->how = how;
}

static void absent(struct pm_kval *k, enum pm_absent why)
{
	k->v = 0;
	k->absent = why;
	k->from = PM_PROV_NONE;
	k->how = NULL;
}

void pm_kernel_mark_incomplete(struct pm_kernel *k, const char *why)
{
	if (k->incomplete)
		return;
	k->incomplete = true;
	k->incomplete_why = strdup(why); /* NULL on OOM: the flag still says it */
}

static struct pm_error *vm_read_cb(void *ctx, uint64_t va, void *buf, size_t len)
{
	return pm_vmem_read(ctx, va, buf, len);
}

struct pm_error *pm_kernel_read_cstr(const struct pm_vmem *vm, uint64_t va, size_t max,
				     char **ret)
{
	char *out = malloc(max + 1);
	if (!out)
		return &pm_enomem;
	size_t n = 0;
	while (n < max) {
		uint8_t c;
		struct pm_error *err = pm_vmem_read(vm, va + n, &c, 1);
		if (err) {
			free(out);
			return err;
		}
		if (!c)
			break;
		out[n++] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
	}
	out[n] = 0;
	*ret = out;
	return NULL;
}

/* ---- what a header says, or discovery found ------------------------------------------- */

static void from_header(struct pm_kernel *k, const struct pm_dmp_header *h)
{
	k->is64 = h->is64;
	k->ptr_size = h->ptr_size;
	k->checked_build = h->major_version == 0xC;
	present(&k->dtb, h->dtb, PM_PROV_HEADER, "DirectoryTableBase");
	present(&k->build, h->build, PM_PROV_HEADER, "MinorVersion");
	present(&k->nprocs, h->nprocs, PM_PROV_HEADER, "NumberProcessors");
	present(&k->kdbg_va, h->kdbg_va, PM_PROV_HEADER, "KdDebuggerDataBlock");
	if (h->has_product_type)
		present(&k->product_type, h->product_type, PM_PROV_HEADER, "ProductType");
	else
		absent(&k->product_type, PM_ABSENT_NOT_IN_HEADER);
	if (h->has_system_time)
		present(&k->system_time, h->system_time, PM_PROV_HEADER, "SystemTime");
	else
		absent(&k->system_time, PM_ABSENT_NOT_IN_HEADER);
	if (h->has_uptime)
		present(&k->uptime, h->uptime, PM_PROV_HEADER, "SystemUpTime");
	else
		absent(&k->uptime, PM_ABSENT_NOT_IN_HEADER);
	if (h->has_pmb_pages)
		present(&k->header_ram_pages, h->pmb_pages, PM_PROV_HEADER,
			"PhysicalMemoryBlock.NumberOfPages");
	else
		absent(&k->header_ram_pages, PM_ABSENT_NOT_IN_HEADER);
}

static void from_discovery(struct pm_kernel *k, const struct pm_discovery *d)
{
	k->arch = d->arch;
	k->is64 = d->arch == PM_ARCH_X64;
	k->ptr_size = k->is64 ? 8 : 4;
	absent(&k->header_ram_pages, PM_ABSENT_NOT_APPLICABLE); /* no header */
	present(&k->dtb, d->dtb, PM_PROV_DISCOVERED, d->dtb_how);
	present(&k->kdbg_va, d->kdbg_va, PM_PROV_DISCOVERED, d->kdbg_how);
	if (d->build)
		present(&k->build, d->build, PM_PROV_DISCOVERED, d->build_how);
	else
		absent(&k->build, PM_ABSENT_NOT_FOUND);
	if (d->nprocs)
		present(&k->nprocs, d->nprocs, PM_PROV_DISCOVERED, d->nprocs_how);
	else
		absent(&k->nprocs, PM_ABSENT_NOT_FOUND);
	if (d->product_type)
		present(&k->product_type, d->product_type, PM_PROV_DISCOVERED,
			"KUSER_SHARED_DATA.NtProductType");
	else
		absent(&k->product_type, PM_ABSENT_NOT_FOUND);
	if (d->has_times) {
		present(&k->system_time, d->system_time, PM_PROV_DISCOVERED,
			"KUSER_SHARED_DATA.SystemTime");
	} else {
		absent(&k->system_time, PM_ABSENT_NOT_FOUND);
	}
	if (d->has_times && d->uptime)
		present(&k->uptime, d->uptime, PM_PROV_DISCOVERED, "KUSER_SHARED_DATA.InterruptTime");
	else
		absent(&k->uptime, PM_ABSENT_NOT_FOUND);
}

/* ---- the KDBG and the variables it points to --------------------------------------------- */

/* The header's KdDebuggerDataBlock did not lead to a KDBG (@p why): look for it as for a
 * headerless input, in the kernel image (found through the header's PsLoadedModuleList, else
 * searched for), by its tag or encoded (issue 11). True when found; the header's pointer is
 * then reported as wrong. */
static bool kdbg_fallback(struct pm_kernel *k, struct pm_diags *diags, const struct pm_error *why)
{
	uint64_t kb = 0;
	struct pm_diags scratch;
	pm_diags_init(&scratch);
	struct pm_module_list ml;
	memset(&ml, 0, sizeof(ml));
	struct pm_error *err = pm_modules_walk(&k->vm, k->dmp->hdr.ps_loaded_module_list, &ml,
					       &scratch);
	if (!err && ml.n && ml.items[0].base)
		kb = ml.items[0].base; /* the first entry is the kernel (§5.1) */
	pm_error_destroy(err);
	pm_module_list_deinit(&ml);
	pm_diags_deinit(&scratch);
	struct pm_discovery d;
	memset(&d, 0, sizeof(d)); /* untouched by a failed search */
	err = pm_discover_kdbg(&k->vm, kb, &d, diags);
	if (err && kb) { /* the module list misled too: search the kernel's mappings */
		pm_error_destroy(err);
		err = pm_discover_kdbg(&k->vm, 0, &d, diags);
	}
	if (!err) {
		err = pm_kdbg_decode(d.kdbg_raw, d.kdbg_size, d.kdbg_va, k->ptr_size, &k->kdbg);
		if (!err) {
			k->kdbg.source = PM_KDBG_DISCOVERED;
			k->kdbg.decoded = d.kdbg_encoded;
		}
	}
	if (err) {
		pm_diag_add(diags, pm_err_code(err), "kdbg", "the KDBG was not found in the kernel "
			    "image either: %s", pm_err_msg(err));
		pm_error_destroy(err);
		pm_discovery_deinit(&d);
		return false;
	}
	k->kdbg_header_wrong = true;
	k->kdbg_header_va = k->kdbg_va.v;
	present(&k->kdbg_va, d.kdbg_va, PM_PROV_SEARCH, d.kdbg_encoded
		? "found encoded in the kernel image and decoded; the dump header's "
		  "KdDebuggerDataBlock is wrong"
		: "found by its tag in the kernel image; the dump header's "
		  "KdDebuggerDataBlock is wrong");
	pm_diag_add(diags, PM_ERR_FORMAT, "kdbg", "the dump header's KdDebuggerDataBlock %#" PRIx64
		    " is wrong (%s); the KDBG was found at %#" PRIx64 " instead: %s (kernel: %s)",
		    k->kdbg_header_va, pm_err_msg(why), d.kdbg_va, d.kdbg_how, d.kernel_how);
	pm_discovery_deinit(&d);
	return true;
}

static void read_kdbg(struct pm_kernel *k, struct pm_diags *diags)
{
	const struct pm_dmp *dmp = k->dmp;
	struct pm_error *err;
	if (k->disc && k->disc->kdbg_raw) {
		/* discovered (and, on a live Windows 8+ x64 image, decoded) */
		err = pm_kdbg_decode(k->disc->kdbg_raw, k->disc->kdbg_size, k->disc->kdbg_va,
				     k->ptr_size, &k->kdbg);
		if (!err) {
			k->kdbg.source = PM_KDBG_DISCOVERED;
			k->kdbg.decoded = k->disc->kdbg_encoded;
		}
	} else if (dmp->triage) {
		err = pm_kdbg_from_triage(dmp, &k->kdbg);
	} else if (!k->has_vm) {
		err = pm_err(PM_ERR_UNSUPPORTED, "no address translation for this architecture");
	} else {
		err = pm_kdbg_read(&k->vm, k->kdbg_va.v, &k->kdbg);
		if (err)
			err = pm_err_wrap(err, "KDBG at VA %#" PRIx64 " (DUMP_HEADER%s."
					  "KdDebuggerDataBlock, file offset %#x)",
					  k->kdbg_va.v, k->is64 ? "64" : "32", k->is64 ? 0x80 : 0x60);
		if (err && dmp->container == PM_CONT_CRASHDUMP && kdbg_fallback(k, diags, err)) {
			pm_error_destroy(err);
			err = NULL;
		}
	}
	if (err) {
		pm_absence_from(&k->kdbg_absent, dmp->triage ? PM_ABSENT_NOT_CAPTURED
							     : pm_absent_of(err), err);
		if (!dmp->triage)
			pm_kernel_mark_incomplete(k, pm_err_msg(err));
		pm_diag_take(diags, "kdbg", err);
		return;
	}
	k->has_kdbg = true;
}

/* The 4-byte variable whose address is KDBG field @p f. */
static struct pm_error *kdbg_u32(const struct pm_kernel *k, enum pm_kdbg_field f, uint8_t b[4])
{
	uint64_t a;
	PM_TRY(pm_kdbg_get(&k->kdbg, f, &a));
	return pm_vmem_read(&k->vm, a, b, 4);
}

static void read_kdbg_values(struct pm_kernel *k, struct pm_diags *diags)
{
	struct pm_error *err;
	/* With a KDBG but no memory (a triage dump's copy), the variables it points to are
	 * simply not in the dump. */
	enum pm_absent why = !k->has_kdbg ? PM_ABSENT_NO_KDBG : PM_ABSENT_NOT_CAPTURED;
	absent(&k->service_pack, why);
	absent(&k->ram_pages, why);
	pm_absence_set(&k->build_lab_absent, why, NULL);
	if (!k->has_kdbg || !k->has_vm)
		return;
	uint8_t b[4];
	/* CmNtCSDVersion: address of a ULONG; service pack = (value >> 8) & 0xFF (§4.2). */
	if (!(err = kdbg_u32(k, PM_KDBG_CmNtCSDVersion, b))) {
		present(&k->service_pack, b[1], PM_PROV_KDBG, "CmNtCSDVersion");
	} else {
		absent(&k->service_pack, pm_absent_of(err));
		pm_diag_take(diags, "kdbg", pm_err_wrap(err, "CmNtCSDVersion"));
	}
	/* MmNumberOfPhysicalPages: a PFN count; its low 32 bits are read, which is right for
	 * both the ULONG and the ULONG_PTR declarations (< 16 TiB of RAM) [M]. */
	if (!(err = kdbg_u32(k, PM_KDBG_MmNumberOfPhysicalPages, b))) {
		present(&k->ram_pages, (uint64_t)b[0] | (uint64_t)b[1] << 8 | (uint64_t)b[2] << 16 |
					       (uint64_t)b[3] << 24, PM_PROV_KDBG,
			"MmNumberOfPhysicalPages");
	} else {
		absent(&k->ram_pages, pm_absent_of(err));
		pm_diag_take(diags, "kdbg", pm_err_wrap(err, "MmNumberOfPhysicalPages"));
	}
	uint64_t a;
	if (!(err = pm_kdbg_get(&k->kdbg, PM_KDBG_NtBuildLab, &a)))
		err = pm_kernel_read_cstr(&k->vm, a, 94, &k->build_lab);
	if (!err && !k->build_lab[0]) {
		free(k->build_lab);
		k->build_lab = NULL;
		pm_absence_set(&k->build_lab_absent, PM_ABSENT_UNREADABLE, "an empty string");
	} else if (!err) {
		pm_absence_clear(&k->build_lab_absent);
	} else {
		pm_absence_from(&k->build_lab_absent, pm_absent_of(err), err);
		/* taken: the diagnostics own (and free) it; it is not looked at again */
		pm_diag_take(diags, "kdbg", pm_err_wrap(err, "NtBuildLab"));
	}
	/* L1TF: the physical bit Windows sets in non-present PTEs (§6.4) [M]. */
	uint64_t v;
	if (pm_build_has((uint32_t)k->build.v, PM_FEAT_L1TF_PTE_BIT)) {
		if (!(err = pm_kdbg_get(&k->kdbg, PM_KDBG_L1tfHighPhysicalBitIndex, &v))) {
			if (v >= 32 && v < 52)
				k->vm.l1tf_bit = (unsigned)v;
		}
		pm_error_destroy(err);
	}
}

/* ---- modules and the kernel image ------------------------------------------------------- */

static void triage_modules(struct pm_kernel *k, const struct pm_triage *t)
{
	k->modules_from = PM_PROV_TRIAGE;
	k->modules_how = "triage driver list";
	k->modules.items = calloc(t->ndrivers ? t->ndrivers : 1, sizeof(struct pm_module));
	if (!k->modules.items)
		return;
	for (size_t i = 0; i < t->ndrivers; i++) {
		struct pm_module *m = &k->modules.items[i];
		m->name = strdup(t->drivers[i].name);
		m->base = t->drivers[i].base;
		m->size = t->drivers[i].size;
		k->modules.n++;
	}
	k->modules.complete = true;
}

static void read_modules(struct pm_kernel *k, struct pm_diags *diags)
{
	const struct pm_dmp *dmp = k->dmp;
	if (dmp->triage) {
		triage_modules(k, dmp->triage);
		return;
	}
	if (!k->has_vm)
		return;
	uint64_t head = dmp->hdr.ps_loaded_module_list;
	k->modules_from = PM_PROV_HEADER;
	k->modules_how = "PsLoadedModuleList (dump header)";
	uint64_t kv;
	struct pm_error *err = NULL;
	if (k->has_kdbg && !(err = pm_kdbg_get(&k->kdbg, PM_KDBG_PsLoadedModuleList, &kv))) {
		if (kv != head && dmp->container == PM_CONT_CRASHDUMP) /* headerless: nothing to compare */
			pm_diag_add(diags, PM_ERR_FORMAT, "modules",
				    "dump header PsLoadedModuleList %#" PRIx64 " differs from the "
				    "KDBG's %#" PRIx64 "; the KDBG value is used", head, kv);
		head = kv;
		k->modules_from = PM_PROV_KDBG;
		k->modules_how = "PsLoadedModuleList (KDBG)";
	}
	pm_error_destroy(err);
	err = pm_modules_walk(&k->vm, head, &k->modules, diags);
	if (err) {
		pm_absence_from(&k->modules_absent, pm_absent_of(err), err);
		pm_kernel_mark_incomplete(k, pm_err_msg(err));
		pm_diag_take(diags, "modules", err);
		return;
	}
	if (!k->modules.complete)
		pm_kernel_mark_incomplete(k, "the loaded-module list could not be walked to its end");
}

static void read_image(struct pm_kernel *k, struct pm_diags *diags)
{
	struct pm_error *err = NULL;
	uint64_t v;
	absent(&k->kernel_base, PM_ABSENT_NO_KDBG);
	if (k->has_kdbg && !(err = pm_kdbg_get(&k->kdbg, PM_KDBG_KernBase, &v)))
		present(&k->kernel_base, v, PM_PROV_KDBG, "KDBG.KernBase");
	pm_error_destroy(err);
	if (k->kernel_base.absent && k->modules.n && k->modules.items[0].base)
		/* The first PsLoadedModuleList entry is the kernel (§5.1). */
		present(&k->kernel_base, k->modules.items[0].base, PM_PROV_MODULES,
			"first loaded module");
	if (k->kernel_base.absent) {
		pm_absence_set(&k->pe_absent, PM_ABSENT_NO_KDBG, "kernel base unknown");
		return;
	}
	if (!k->has_vm || k->dmp->triage) {
		pm_absence_set(&k->pe_absent, PM_ABSENT_NOT_CAPTURED,
			       "the dump holds no kernel image pages");
		return;
	}
	struct pm_error *cv = NULL;
	err = pm_pe_parse(vm_read_cb, &k->vm, k->kernel_base.v, &k->pe, &cv);
	k->pe_headers = !err; /* sections are usable even without a CodeView record */
	if (!err && cv)
		err = cv;
	if (err) {
		pm_absence_from(&k->pe_absent, pm_absent_of(err), err);
		pm_diag_take(diags, "pe", pm_err_wrap(err, "kernel image"));
		return;
	}
	pm_absence_clear(&k->pe_absent);
}

static void read_module_images(struct pm_kernel *k)
{
	k->mods = calloc(k->modules.n ? k->modules.n : 1, sizeof(*k->mods));
	if (!k->mods)
		return;
	for (size_t i = 0; i < k->modules.n; i++) {
		struct pm_kmodule *km = &k->mods[i];
		km->m = &k->modules.items[i];
		if (!k->has_vm || k->dmp->triage) {
			km->pe_absent = PM_ABSENT_NOT_CAPTURED;
			km->ver.absent = PM_ABSENT_NOT_CAPTURED;
			snprintf(km->ver.why, sizeof(km->ver.why), "the dump holds no image pages");
			continue;
		}
		struct pm_error *cv = NULL;
		struct pm_error *err = pm_pe_parse(vm_read_cb, &k->vm, km->m->base, &km->pe, &cv);
		km->pe_headers = !err;
		if (err) {
			km->ver.absent = pm_absent_of(err);
			snprintf(km->ver.why, sizeof(km->ver.why), "the image's headers: %s",
				 pm_err_msg(err));
		} else if (pm_pe_version(vm_read_cb, &k->vm, km->m->base, &km->pe, &km->ver)) {
			km->ver.absent = PM_ABSENT_UNREADABLE; /* out of memory */
			snprintf(km->ver.why, sizeof(km->ver.why), "out of memory");
		}
		if (!err && cv)
			err = cv;
		km->pe_absent = err ? pm_absent_of(err) : PM_ABSENT_PRESENT;
		pm_error_destroy(err);
	}
}

/* Where the file ends (a capture's container file, not its physical address space). */
static uint64_t file_end(const struct pm_dmp *dmp)
{
	return dmp->src->container_size ? dmp->src->container_size : dmp->src->size;
}

struct pm_error *pm_kernel_open(const struct pm_dmp *dmp, struct pm_diags *diags,
				struct pm_kernel **ret)
{
	struct pm_kernel *k = calloc(1, sizeof(*k));
	if (!k)
		return &pm_enomem;
	k->dmp = dmp;
	k->arch = dmp->arch;
	if (dmp->container == PM_CONT_CRASHDUMP) {
		from_header(k, &dmp->hdr);
	} else {
		k->disc = calloc(1, sizeof(*k->disc));
		struct pm_error *err = k->disc ? pm_discover(&dmp->map, k->disc, diags) : &pm_enomem;
		if (err) {
			free(k->disc);
			free(k);
			if (dmp->map.pages_beyond_eof) /* the likely reason first */
				return pm_err_wrap(err, "%s: the file is truncated (it ends at %#" PRIx64
						   ", and %" PRIu64 " of its %" PRIu64 " pages lie beyond "
						   "its end): discovery failed",
						   pm_container_name(dmp->container), file_end(dmp),
						   dmp->map.pages_beyond_eof, dmp->map.pages_present);
			return pm_err_wrap(err, "%s: discovery failed", pm_container_name(dmp->container));
		}
		from_discovery(k, k->disc);
	}
	if (dmp->map.pages_beyond_eof) {
		char why[160];
		snprintf(why, sizeof(why), "the file is truncated: it ends at %#" PRIx64 " and %"
			 PRIu64 " of the %" PRIu64 " pages in the dump lie beyond its end",
			 file_end(dmp), dmp->map.pages_beyond_eof, dmp->map.pages_present);
		pm_kernel_mark_incomplete(k, why);
	}
	if (!dmp->triage) {
		struct pm_error *err = pm_vmem_init(&k->vm, &dmp->map, k->arch, k->dtb.v);
		if (err)
			pm_diag_take(diags, "vtop", err);
		else
			k->has_vm = true;
	}
	read_kdbg(k, diags);
	read_kdbg_values(k, diags);
	read_modules(k, diags);
	read_image(k, diags);
	read_module_images(k);
	*ret = k;
	return NULL;
}

void pm_kernel_destroy(struct pm_kernel *k)
{
	if (!k)
		return;
	pm_kdbg_deinit(&k->kdbg);
	pm_module_list_deinit(&k->modules);
	pm_vmem_deinit(&k->vm);
	free(k->mods);
	if (k->disc) {
		pm_discovery_deinit(k->disc);
		free(k->disc);
	}
	free(k->build_lab);
	free(k->incomplete_why);
	pm_absence_clear(&k->build_lab_absent);
	pm_absence_clear(&k->kdbg_absent);
	pm_absence_clear(&k->pe_absent);
	pm_absence_clear(&k->modules_absent);
	free(k);
}

struct pm_error *pm_kernel_read(const struct pm_kernel *k, bool phys, uint64_t addr, void *buf,
				size_t len, const char **absent_ret)
{
	*absent_ret = NULL;
	uint64_t end;
	if (pm_ckd_add(&end, addr, len))
		return pm_err(PM_ERR_USAGE, "address %#" PRIx64 " + %zu wraps around", addr, len);
	if (phys) {
		for (uint64_t p = addr & ~(uint64_t)(PM_PAGE_SIZE - 1); p < end; p += PM_PAGE_SIZE) {
			uint64_t off;
			enum pm_page_status st = pm_pagemap_locate(&k->dmp->map, p >> PM_PAGE_SHIFT,
								   &off);
			if (st != PM_PAGE_OK) {
				*absent_ret = st == PM_PAGE_NOT_CAPTURED ? "not_captured" : "beyond_eof";
				break;
			}
		}
		return pm_physmem_read(&k->dmp->map, addr, buf, len);
	}
	if (!k->has_vm) {
		*absent_ret = "not_captured";
		return pm_err(PM_ERR_UNSUPPORTED, "this dump has no virtual memory to read");
	}
	for (uint64_t v = addr & ~(uint64_t)(PM_PAGE_SIZE - 1); v < end; v += PM_PAGE_SIZE) {
		struct pm_xlat x;
		pm_vmem_translate(&k->vm, v, &x);
		if (x.status != PM_VA_OK && x.status != PM_VA_TRANSITION) {
			*absent_ret = pm_va_status_name(x.status);
			break;
		}
	}
	return pm_vmem_read(&k->vm, addr, buf, len);
}
