// SPDX-License-Identifier: MIT
// L1: crash-dump header decoding and back-end dispatch (crashdump-format.md §1, §2, §3).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dmp-priv.h"
#include "pm-reader.h"

/*
 * Header layouts as data: offsets of every field we read, for DUMP_HEADER32 (size 0x1000)
 * and DUMP_HEADER64 (size 0x2000). Source: mindumpdef.h as tabulated in crashdump-format.md
 * §1.2 and §1.3 [H]. A field absent from a layout has offset 0 (the signature), which no
 * decoder below asks for.
 */
struct hdr_layout {
	const char *what;
	unsigned size, ptr;
	unsigned dtb, pfndb, psloaded, psactive, machine, nprocs, bugcheck, params;
	unsigned pae, kdbg, pmb, context, exception, comment, attributes, dump_type;
	unsigned minidump_fields, product_type, suite_mask, required, systime, uptime;
	unsigned pmb_pages; /* NumberOfPages inside PHYSICAL_MEMORY_DESCRIPTOR */
	unsigned pmb_runs;  /* Run[0] inside it */
};

static const struct hdr_layout layout32 = {
	.what = "DUMP_HEADER32", .size = 0x1000, .ptr = 4,
	.dtb = 0x10, .pfndb = 0x14, .psloaded = 0x18, .psactive = 0x1C, .machine = 0x20,
	.nprocs = 0x24, .bugcheck = 0x28, .params = 0x2C, .pae = 0x5C, .kdbg = 0x60,
	.pmb = 0x64, .context = 0x320, .exception = 0x7D0, .comment = 0x820,
	.attributes = 0x8A0, .dump_type = 0xF88, .minidump_fields = 0xF8C,
	.product_type = 0xF94, .suite_mask = 0xF98, .required = 0xFA0, .uptime = 0xFB8,
	.systime = 0xFC0, .pmb_pages = 0x4, .pmb_runs = 0x8,
};

static const struct hdr_layout layout64 = {
	.what = "DUMP_HEADER64", .size = 0x2000, .ptr = 8,
	.dtb = 0x10, .pfndb = 0x18, .psloaded = 0x20, .psactive = 0x28, .machine = 0x30,
	.nprocs = 0x34, .bugcheck = 0x38, .params = 0x40, .pae = 0, .kdbg = 0x80,
	.pmb = 0x88, .context = 0x348, .exception = 0xF00, .comment = 0xFB0,
	.attributes = 0x1050, .dump_type = 0xF98, .minidump_fields = 0x1038,
	.product_type = 0x1040, .suite_mask = 0x1044, .required = 0xFA0, .uptime = 0x1030,
	.systime = 0xFA8, .pmb_pages = 0x8, .pmb_runs = 0x10,
};

void pm_dmp_landmarks(bool is64, struct pm_dmp_landmarks *ret)
{
	const struct hdr_layout *l = is64 ? &layout64 : &layout32;
	ret->kdbg = l->kdbg;
	ret->context = l->context;
	ret->exception = l->exception;
	ret->comment = l->comment;
	ret->dump_type = l->dump_type;
	ret->header_size = l->size;
}

static const struct {
	uint32_t type;
	const char *name, *desc;
} dump_types[] = {
	{ 1, "DUMP_TYPE_FULL", "complete memory dump (run list)" },
	{ 2, "DUMP_TYPE_SUMMARY", "kernel summary dump (legacy)" },
	{ 3, "DUMP_TYPE_HEADER", "header-only dump" },
	{ 4, "DUMP_TYPE_TRIAGE", "small memory dump (triage/minidump)" },
	{ 5, "DUMP_TYPE_BITMAP_FULL", "complete memory dump (bitmap)" },
	{ 6, "DUMP_TYPE_BITMAP_KERNEL", "kernel/automatic/active memory dump (bitmap)" },
	{ 7, "DUMP_TYPE_AUTOMATIC", "automatic memory dump" },
	{ 8, "DUMP_TYPE_KERNEL_RANGE", "kernel range dump (RDMP, .dump /k)" },
	{ 9, "DUMP_TYPE_KERNEL_USER_RANGE", "kernel and user range dump (RDMP, .dump /ka)" },
	{ 10, "DUMP_TYPE_COMPLETE_RANGE", "complete range dump (RDMP, .dump /f)" },
};

const char *pm_dump_type_name(uint32_t t)
{
	for (size_t i = 0; i < sizeof(dump_types) / sizeof(dump_types[0]); i++)
		if (dump_types[i].type == t)
			return dump_types[i].name;
	return NULL;
}

const char *pm_dump_type_desc(uint32_t t)
{
	for (size_t i = 0; i < sizeof(dump_types) / sizeof(dump_types[0]); i++)
		if (dump_types[i].type == t)
			return dump_types[i].desc;
	return NULL;
}

static const uint64_t FILL64 = 0x4547415045474150ull;

static void decode_comment(const struct pm_rd *rd, unsigned off, char out[129])
{
	size_t n = 0;
	while (n < 128) {
		uint8_t c = 0;
		struct pm_error *err = pm_rd_u8(rd, off + n, &c);
		pm_error_destroy(err);
		if (err || c == 0)
			break;
		/* The "PAGE" fill marks the end of what the writer put there (§3.1). */
		if (n % 4 == 0 && n + 4 <= 128 && !memcmp(rd->buf + off + n, "PAGE", 4))
			break;
		out[n++] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
	}
	out[n] = 0;
}

struct pm_error *pm_dmp_decode_header(const uint8_t *buf, size_t len, struct pm_dmp_header *ret)
{
	struct pm_dmp_header h;
	memset(&h, 0, sizeof(h));
	if (len < 8)
		return pm_err(PM_ERR_TRUNCATED, "dump header at file offset 0: file has only %zu "
			      "bytes, a crash dump starts with an 8-byte signature", len);
	if (!memcmp(buf, "MDMP", 4))
		return pm_err(PM_ERR_UNSUPPORTED, "signature at file offset 0 is \"MDMP\": a "
			      "user-mode minidump, not a Windows kernel crash dump");
	if (memcmp(buf, "PAGE", 4)) {
		char sig[9];
		for (int i = 0; i < 8; i++)
			sig[i] = (buf[i] >= 0x20 && buf[i] < 0x7F) ? (char)buf[i] : '.';
		sig[8] = 0;
		return pm_err(PM_ERR_FORMAT, "signature at file offset 0 is \"%s\", expected "
			      "\"PAGEDUMP\" or \"PAGEDU64\": not a Windows kernel crash dump", sig);
	}
	const struct hdr_layout *l;
	if (!memcmp(buf + 4, "DU64", 4))
		l = &layout64;
	else if (!memcmp(buf + 4, "DUMP", 4))
		l = &layout32;
	else
		return pm_err(PM_ERR_FORMAT, "ValidDump at file offset 0x4 is not \"DUMP\" or "
			      "\"DU64\" (%02x %02x %02x %02x): the dump is invalid or was never "
			      "completed by its writer", buf[4], buf[5], buf[6], buf[7]);
	struct pm_rd rd = pm_rd_make(buf, len, PM_AS_FILE, 0, l->what);
	PM_TRY(pm_rd_need(&rd, 0, l->size));
	h.is64 = l == &layout64;
	h.header_size = l->size;
	h.ptr_size = l->ptr;
	PM_TRY(pm_rd_u32(&rd, 0x8, &h.major_version));
	PM_TRY(pm_rd_u32(&rd, 0xC, &h.build));
	PM_TRY(pm_rd_ptr(&rd, l->dtb, l->ptr, &h.dtb));
	PM_TRY(pm_rd_ptr(&rd, l->pfndb, l->ptr, &h.pfn_database));
	PM_TRY(pm_rd_ptr(&rd, l->psloaded, l->ptr, &h.ps_loaded_module_list));
	PM_TRY(pm_rd_ptr(&rd, l->psactive, l->ptr, &h.ps_active_process_head));
	PM_TRY(pm_rd_u32(&rd, l->machine, &h.machine));
	PM_TRY(pm_rd_u32(&rd, l->nprocs, &h.nprocs));
	PM_TRY(pm_rd_u32(&rd, l->bugcheck, &h.bugcheck_code));
	for (unsigned i = 0; i < 4; i++)
		PM_TRY(pm_rd_ptr(&rd, l->params + i * l->ptr, l->ptr, &h.bugcheck_params[i]));
	PM_TRY(pm_rd_ptr(&rd, l->kdbg, l->ptr, &h.kdbg_va));
	PM_TRY(pm_rd_u32(&rd, l->dump_type, &h.dump_type));
	PM_TRY(pm_rd_u32(&rd, l->pmb, &h.nruns_field));
	uint64_t np;
	PM_TRY(pm_rd_ptr(&rd, l->pmb + l->pmb_pages, l->ptr, &np));
	h.has_pmb_pages = np != 0 && np != FILL64 && (uint32_t)np != PM_DUMP_FILL32;
	h.pmb_pages = h.has_pmb_pages ? np : 0;
	if (!h.is64) {
		uint8_t pae;
		PM_TRY(pm_rd_u8(&rd, l->pae, &pae));
		/* 0x5C holds 'P' (0x50) when never written (§3.1). */
		h.has_pae_flag = pae == 0 || pae == 1;
		h.pae_enabled = pae == 1;
	}
	uint32_t v32;
	uint64_t v64;
	PM_TRY(pm_rd_u64(&rd, l->required, &v64));
	/* qemu declares only the low 32 bits in the 32-bit header; the rest may be fill. */
	if (!h.is64 && (v64 >> 32) == PM_DUMP_FILL32)
		v64 &= 0xFFFFFFFFull;
	h.has_required_space = v64 != 0 && v64 != FILL64 && (uint32_t)v64 != PM_DUMP_FILL32;
	h.required_space = h.has_required_space ? v64 : 0;
	PM_TRY(pm_rd_u64(&rd, l->systime, &v64));
	h.has_system_time = v64 != 0 && v64 != FILL64;
	h.system_time = h.has_system_time ? v64 : 0;
	PM_TRY(pm_rd_u64(&rd, l->uptime, &v64));
	h.has_uptime = v64 != 0 && v64 != FILL64;
	h.uptime = h.has_uptime ? v64 : 0;
	PM_TRY(pm_rd_u32(&rd, l->attributes, &v32));
	h.has_attributes = v32 != PM_DUMP_FILL32;
	h.attributes = h.has_attributes ? v32 : 0;
	PM_TRY(pm_rd_u32(&rd, l->product_type, &v32));
	h.has_product_type = v32 >= 1 && v32 <= 3;
	h.product_type = h.has_product_type ? v32 : 0;
	PM_TRY(pm_rd_u32(&rd, l->suite_mask, &v32));
	h.has_suite_mask = v32 != PM_DUMP_FILL32;
	h.suite_mask = h.has_suite_mask ? v32 : 0;
	PM_TRY(pm_rd_u32(&rd, l->minidump_fields, &h.minidump_fields));
	decode_comment(&rd, l->comment, h.comment);
	*ret = h;
	return NULL;
}

static const struct pm_dmp_ops *const backends[] = {
	&pm_dmp_full_ops,
	&pm_dmp_bitmap_ops,
	&pm_dmp_rdmp_ops,
	&pm_dmp_triage_ops,
};

static enum pm_arch pick_arch(const struct pm_dmp_header *h)
{
	switch (h->machine) {
	case 0x8664:
		return PM_ARCH_X64;
	case 0xAA64:
		return PM_ARCH_ARM64;
	case 0x14C:
		return h->pae_enabled ? PM_ARCH_X86_PAE : PM_ARCH_X86;
	default:
		return PM_ARCH_UNKNOWN;
	}
}

struct pm_error *pm_dmp_open(struct pm_source *src, struct pm_dmp **ret)
{
	struct pm_error *err;
	uint8_t *hdrbuf = calloc(1, 0x2000);
	struct pm_dmp *dmp = calloc(1, sizeof(*dmp));
	if (!hdrbuf || !dmp) {
		free(hdrbuf);
		free(dmp);
		pm_source_destroy(src);
		return &pm_enomem;
	}
	dmp->src = src;
	pm_diags_init(&dmp->diags);
	pm_pagemap_init_empty(&dmp->map, src);
	size_t got;
	err = src->ops->read_at(src, 0, hdrbuf, 0x2000, &got);
	if (err)
		goto fail;
	err = pm_dmp_decode_header(hdrbuf, got, &dmp->hdr);
	if (err)
		goto fail;
	const struct pm_dmp_header *h = &dmp->hdr;
	dmp->arch = pick_arch(h);
	if (h->is64 && dmp->arch != PM_ARCH_X64 && dmp->arch != PM_ARCH_ARM64) {
		err = pm_err(PM_ERR_FORMAT, "DUMP_HEADER64 at file offset 0x30: MachineImageType "
			     "%#x is not a 64-bit machine", h->machine);
		goto fail;
	}
	if (!h->is64 && h->machine != 0x14C) {
		err = pm_err(PM_ERR_FORMAT, "DUMP_HEADER32 at file offset 0x20: MachineImageType "
			     "%#x is not i386 (0x14c)", h->machine);
		goto fail;
	}
	if (h->has_attributes && (h->attributes & PM_DUMP_ATTR_ENCRYPTED) &&
	    !(h->attributes & PM_DUMP_ATTR_DECRYPTED)) {
		err = pm_err(PM_ERR_UNSUPPORTED, "%s at file offset %#x: Attributes %#x has "
			     "EncryptedDumpData set: the dump is encrypted and cannot be read "
			     "without its key", h->is64 ? "DUMP_HEADER64" : "DUMP_HEADER32",
			     h->is64 ? 0x1050 : 0x8A0, h->attributes);
		goto fail;
	}
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		err = backends[i]->probe(h);
		if (err == &pm_noprobe)
			continue;
		if (err)
			goto fail;
		dmp->ops = backends[i];
		break;
	}
	if (!dmp->ops) {
		const char *n = pm_dump_type_name(h->dump_type);
		err = pm_err(PM_ERR_UNSUPPORTED, "%s at file offset %#x: DumpType %#x (%s) is "
			     "not supported", h->is64 ? "DUMP_HEADER64" : "DUMP_HEADER32",
			     h->is64 ? 0xF98 : 0xF88, h->dump_type, n ? n : "unknown");
		goto fail;
	}
	err = dmp->ops->build(dmp, hdrbuf);
	if (err)
		goto fail;
	if (h->has_attributes && (h->attributes & PM_DUMP_ATTR_INSUFFICIENT_SPACE))
		pm_diag_add(&dmp->diags, PM_ERR_TRUNCATED, "container",
			    "Attributes has InsufficientDumpfileSize set: the writer dropped pages "
			    "for lack of space");
	if (dmp->has_expected_size && h->has_required_space &&
	    (dmp->required_space_is_bound ? h->required_space < dmp->expected_size
					  : h->required_space != dmp->expected_size))
		pm_diag_add(&dmp->diags, PM_ERR_FORMAT, "container",
			    "RequiredDumpSpace (file offset 0xfa0) is %#" PRIx64 " but the page "
			    "layout needs %#" PRIx64 " bytes", h->required_space,
			    dmp->expected_size);
	if (dmp->map.pages_beyond_eof)
		pm_diag_add(&dmp->diags, PM_ERR_TRUNCATED, "container",
			    "file is truncated: it ends at %#" PRIx64 " but the page layout needs %#"
			    PRIx64 " bytes; %" PRIu64 " of %" PRIu64 " pages lie beyond its end",
			    src->size, dmp->expected_size, dmp->map.pages_beyond_eof,
			    dmp->map.pages_present);
	free(hdrbuf);
	*ret = dmp;
	return NULL;
fail:
	free(hdrbuf);
	pm_dmp_destroy(dmp);
	return err;
}

const char *pm_container_name(enum pm_container c)
{
	switch (c) {
	case PM_CONT_RAW:
		return "raw physical memory image";
	case PM_CONT_ELF:
		return "ELF core (hypervisor capture, libkdumpfile)";
	case PM_CONT_KDUMP:
		return "kdump-compressed (libkdumpfile)";
	default:
		return "Windows crash dump";
	}
}

struct pm_error *pm_dmp_open_headerless(struct pm_source *src, enum pm_container kind,
					struct pm_dmp **ret)
{
	struct pm_dmp *dmp = calloc(1, sizeof(*dmp));
	struct pm_phys_run *run = calloc(1, sizeof(*run));
	if (!dmp || !run) {
		free(dmp);
		free(run);
		pm_source_destroy(src);
		return &pm_enomem;
	}
	dmp->src = src;
	dmp->container = kind;
	pm_diags_init(&dmp->diags);
	run->pfn = 0;
	run->count = src->size / PM_PAGE_SIZE;
	run->file_off = 0;
	struct pm_error *err = pm_pagemap_init_runs(&dmp->map, src, run, 1);
	if (err) {
		pm_dmp_destroy(dmp);
		return err;
	}
	/* no header states a size to check the file against; the container knows its pages */
	if (src->has_pages_stored)
		dmp->map.pages_present = src->pages_stored;
	/* the container counted the pages a truncated file lost (its has_page() says absent) */
	dmp->map.pages_beyond_eof = src->pages_beyond_eof;
	*ret = dmp;
	return NULL;
}

void pm_dmp_destroy(struct pm_dmp *dmp)
{
	if (!dmp)
		return;
	pm_pagemap_deinit(&dmp->map);
	pm_triage_destroy(dmp->triage);
	pm_diags_deinit(&dmp->diags);
	pm_source_destroy(dmp->src);
	free(dmp);
}
