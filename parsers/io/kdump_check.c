// SPDX-License-Identifier: MIT
// L0: an ELF core's structures checked against the file before libkdumpfile reads them (see
// kdump_check.h): what libkdumpfile 0.5.1 reads when it opens one (elfdump.c init_elf32/64,
// open_common, notes.c), each with its own bound here.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kdump_check-priv.h"

enum { PN_XNUM = 0xffff, PT_LOAD = 1, PT_NOTE = 4, SHT_NOBITS = 8 };

struct elf {
	struct pm_source *f;
	uint64_t size;
	bool is64;
	uint64_t phoff, shoff, phnum, shnum;
	unsigned phentsize, shentsize, shstrndx;
};

struct pm_error *pm_kd_add_gap(struct pm_kd_layout *l, uint64_t pfn, uint64_t count)
{
	if (!count)
		return NULL;
	if (l->ngaps && l->gaps[l->ngaps - 1].pfn + l->gaps[l->ngaps - 1].count == pfn) {
		l->gaps[l->ngaps - 1].count += count;
		return NULL;
	}
	if (!(l->ngaps & (l->ngaps + 1)) || !l->gaps) { /* grow at 0, 1, 3, 7, ... */
		size_t cap = l->ngaps ? 2 * (l->ngaps + 1) : 4;
		struct pm_kd_gap *g = realloc(l->gaps, cap * sizeof(*g));
		if (!g)
			return &pm_enomem;
		l->gaps = g;
	}
	l->gaps[l->ngaps++] = (struct pm_kd_gap){ pfn, count };
	return NULL;
}

static int gap_cmp(const void *a, const void *b)
{
	const struct pm_kd_gap *x = a, *y = b;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

void pm_kd_finish_gaps(struct pm_kd_layout *l)
{
	if (l->ngaps > 1)
		qsort(l->gaps, l->ngaps, sizeof(*l->gaps), gap_cmp);
	size_t o = 0;
	for (size_t i = 0; i < l->ngaps; i++) {
		struct pm_kd_gap g = l->gaps[i];
		if (o && l->gaps[o - 1].pfn + l->gaps[o - 1].count >= g.pfn) {
			uint64_t end = g.pfn + g.count, *c = &l->gaps[o - 1].count;
			if (end > l->gaps[o - 1].pfn + *c)
				*c = end - l->gaps[o - 1].pfn;
			continue;
		}
		l->gaps[o++] = g;
	}
	l->ngaps = o;
	l->pages_missing = 0;
	for (size_t i = 0; i < o; i++)
		l->pages_missing += l->gaps[i].count;
}

void pm_kd_layout_free(struct pm_kd_layout *l)
{
	free(l->gaps);
	l->gaps = NULL;
	l->ngaps = 0;
}

/* Section @p i's header (in the file: checked by the caller). */
static struct pm_error *read_shdr(const struct elf *e, uint64_t i, uint32_t *name, uint32_t *type,
				  uint64_t *off, uint64_t *size, uint32_t *info)
{
	uint8_t s[64];
	uint64_t at = e->shoff + i * e->shentsize;
	PM_TRY(pm_source_read_exact(e->f, at, s, e->shentsize, "ELF section header"));
	*name = kd_le32(s);
	*type = kd_le32(s + 4);
	*off = e->is64 ? kd_le64(s + 24) : kd_le32(s + 16);
	*size = e->is64 ? kd_le64(s + 32) : kd_le32(s + 20);
	*info = e->is64 ? kd_le32(s + 44) : kd_le32(s + 28);
	return NULL;
}

/* The section header table: libkdumpfile reads e_shnum entries of e_shentsize bytes (section
 * 0's sh_size and sh_info stand for e_shnum and e_phnum when those overflow), mallocs and
 * reads the string table whole, and reads the Xen sections it finds by name. */
static struct pm_error *check_sections(struct elf *e)
{
	unsigned want = e->is64 ? 64 : 40;
	if (e->shoff && (!e->shnum || e->phnum == PN_XNUM)) {
		if (e->shentsize != want || !kd_inside(e->shoff, want, e->size))
			return pm_err(PM_ERR_FORMAT, "ELF header: section header 0 (e_shoff %#" PRIx64
				      ", e_shentsize %u) is not a %u-byte entry inside the file (%"
				      PRIu64 " bytes)", e->shoff, e->shentsize, want, e->size);
		uint32_t name, type, info;
		uint64_t off, size;
		PM_TRY(read_shdr(e, 0, &name, &type, &off, &size, &info));
		if (!e->shnum)
			e->shnum = size;
		if (e->shnum && e->phnum == PN_XNUM)
			e->phnum = info;
	}
	if (!e->shnum)
		return NULL;
	uint64_t bytes;
	if (!e->shoff || e->shentsize != want || pm_ckd_mul(&bytes, e->shnum, want) ||
	    !kd_inside(e->shoff, bytes, e->size))
		return pm_err(PM_ERR_FORMAT, "ELF header at offset 0: %" PRIu64 " section headers "
			      "of %u bytes at e_shoff %#" PRIx64 " do not lie inside the file (%" PRIu64
			      " bytes; an entry is %u bytes)", e->shnum, e->shentsize, e->shoff,
			      e->size, want);
	if (!e->shstrndx || e->shstrndx >= e->shnum)
		return NULL; /* no string table: libkdumpfile reads no section by name */
	uint32_t name, type, info;
	uint64_t stroff, strsize;
	PM_TRY(read_shdr(e, e->shstrndx, &name, &type, &stroff, &strsize, &info));
	if (strsize > PM_KD_MAX_BLOB || !kd_inside(stroff, strsize, e->size))
		return pm_err(PM_ERR_FORMAT, "ELF section string table (section %u, header at "
			      "offset %#" PRIx64 "): %" PRIu64 " bytes at %#" PRIx64 " do not lie "
			      "inside the file (%" PRIu64 " bytes)", e->shstrndx,
			      e->shoff + (uint64_t)e->shstrndx * want, strsize, stroff, e->size);
	char *tab = malloc(strsize + 1);
	if (!tab)
		return &pm_enomem;
	struct pm_error *err = pm_source_read_exact(e->f, stroff, tab, strsize,
						    "ELF section string table");
	tab[strsize] = 0;
	for (uint64_t i = 0; !err && i < e->shnum; i++) {
		uint64_t off, size;
		if ((err = read_shdr(e, i, &name, &type, &off, &size, &info)))
			break;
		/* Xen domain cores: libkdumpfile reads these sections whole (or maps pages by
		 * them); a capture of a Windows machine has none */
		if (name < strsize && !strncmp(tab + name, ".xen", 4))
			err = pm_err(PM_ERR_UNSUPPORTED, "ELF section %" PRIu64 " (header at offset %#"
				     PRIx64 ") is \"%.32s\": a Xen domain core, which poolmortem "
				     "does not read", i, e->shoff + i * want, tab + name);
		else if (name < strsize && !strcmp(tab + name, ".note.Xen"))
			err = pm_err(PM_ERR_UNSUPPORTED, "ELF section %" PRIu64 " (header at offset %#"
				     PRIx64 ") is .note.Xen: a Xen core, which poolmortem does not "
				     "read", i, e->shoff + i * want);
	}
	free(tab);
	return err;
}

/* A PT_LOAD: its addresses in range; the pages whose bytes pass the end of the file are
 * missing (a truncated core). */
static struct pm_error *check_load(const struct elf *e, uint64_t i, uint64_t at, uint64_t off,
				   uint64_t paddr, uint64_t filesz, uint64_t memsz,
				   struct pm_kd_layout *l)
{
	uint64_t end, top = e->size > PM_KD_MAX_PHYS / 64 ? PM_KD_MAX_PHYS : 64 * e->size;
	bool nophys = paddr == UINT64_MAX; /* libkdumpfile: no physical address */
	if (top < PM_KD_PHYS_ANY)
		top = PM_KD_PHYS_ANY;
	if (filesz > memsz || pm_ckd_add(&end, off, filesz) ||
	    (!nophys && (pm_ckd_add(&end, paddr, memsz) || end > top)))
		return pm_err(PM_ERR_FORMAT, "ELF program header %" PRIu64 " (PT_LOAD) at offset %#"
			      PRIx64 ": p_paddr %#" PRIx64 ", p_offset %#" PRIx64 ", p_filesz %#"
			      PRIx64 ", p_memsz %#" PRIx64 " are out of range (physical addresses "
			      "up to %#" PRIx64 " for a file of %" PRIu64 " bytes)", i, at, paddr, off,
			      filesz, memsz, top, e->size);
	if (nophys || !filesz)
		return NULL;
	uint64_t have = off >= e->size ? 0 : e->size - off;
	if (have >= filesz)
		return NULL;
	/* [paddr + have, paddr + filesz) is lost; a page partly lost is lost */
	uint64_t first = (paddr + have) >> 12, last = (paddr + filesz - 1) >> 12;
	return pm_kd_add_gap(l, first, last - first + 1);
}

/* The program headers: in the file, each of e_phentsize bytes; notes inside the file. */
static struct pm_error *check_segments(const struct elf *e, struct pm_kd_layout *l)
{
	unsigned want = e->is64 ? 56 : 32;
	uint64_t bytes;
	if (!e->phnum)
		return NULL;
	if (e->phentsize != want || pm_ckd_mul(&bytes, e->phnum, want) ||
	    !kd_inside(e->phoff, bytes, e->size))
		return pm_err(PM_ERR_FORMAT, "ELF header at offset 0: %" PRIu64 " program headers "
			      "of %u bytes at e_phoff %#" PRIx64 " do not lie inside the file (%" PRIu64
			      " bytes; an entry is %u bytes)", e->phnum, e->phentsize, e->phoff,
			      e->size, want);
	uint64_t notes = 0;
	for (uint64_t i = 0; i < e->phnum; i++) {
		uint8_t p[56];
		uint64_t at = e->phoff + i * want;
		PM_TRY(pm_source_read_exact(e->f, at, p, want, "ELF program header"));
		uint32_t type = kd_le32(p);
		uint64_t off = e->is64 ? kd_le64(p + 8) : kd_le32(p + 4);
		uint64_t paddr = e->is64 ? kd_le64(p + 24) : kd_le32(p + 12);
		uint64_t filesz = e->is64 ? kd_le64(p + 32) : kd_le32(p + 16);
		uint64_t memsz = e->is64 ? kd_le64(p + 40) : kd_le32(p + 20);
		if (type == PT_LOAD) {
			PM_TRY(check_load(e, i, at, off, paddr, filesz, memsz, l));
		} else if (type == PT_NOTE) {
			notes += filesz;
			if (filesz > PM_KD_MAX_BLOB || notes > PM_KD_MAX_BLOB ||
			    !kd_inside(off, filesz, e->size))
				return pm_err(PM_ERR_FORMAT, "ELF program header %" PRIu64 " (PT_NOTE) at "
					      "offset %#" PRIx64 ": %" PRIu64 " bytes of notes at %#"
					      PRIx64 " do not lie inside the file (%" PRIu64 " bytes)",
					      i, at, filesz, off, e->size);
		}
	}
	return NULL;
}

struct pm_error *pm_kd_check_elf(struct pm_source *f, struct pm_kd_layout *l)
{
	uint8_t h[64];
	struct elf e = { .f = f, .size = f->size };
	if (f->size < 52)
		return pm_err(PM_ERR_TRUNCATED, "ELF header: the file is %" PRIu64 " bytes, shorter "
			      "than an ELF header", f->size);
	PM_TRY(pm_source_read_exact(f, 0, h, f->size < 64 ? 52 : 64, "ELF header"));
	if (h[4] != 1 && h[4] != 2)
		return pm_err(PM_ERR_FORMAT, "ELF header: EI_CLASS (offset 0x4) is %u, neither "
			      "ELFCLASS32 nor ELFCLASS64", h[4]);
	if (h[5] != 1)
		return pm_err(PM_ERR_UNSUPPORTED, "ELF header: EI_DATA (offset 0x5) is %u, not "
			      "little-endian: not a capture of an x86 or x64 machine", h[5]);
	e.is64 = h[4] == 2;
	if (e.is64 && f->size < 64)
		return pm_err(PM_ERR_TRUNCATED, "ELF header: the file is %" PRIu64 " bytes, shorter "
			      "than an ELF64 header", f->size);
	const uint8_t *x = e.is64 ? h + 52 : h + 40; /* e_ehsize, then the sizes and counts */
	e.phoff = e.is64 ? kd_le64(h + 32) : kd_le32(h + 28);
	e.shoff = e.is64 ? kd_le64(h + 40) : kd_le32(h + 32);
	e.phentsize = kd_le16(x + 2);
	e.phnum = kd_le16(x + 4);
	e.shentsize = kd_le16(x + 6);
	e.shnum = kd_le16(x + 8);
	e.shstrndx = kd_le16(x + 10);
	PM_TRY(check_sections(&e));
	PM_TRY(check_segments(&e, l));
	return NULL;
}

struct pm_error *pm_kd_check(struct pm_source *file, struct pm_kd_layout *out)
{
	memset(out, 0, sizeof(*out));
	out->file_size = file->size;
	uint8_t m[8] = { 0 };
	size_t got = 0;
	PM_TRY(file->ops->read_at(file, 0, m, sizeof(m), &got));
	out->diskdump = got == 8 && (!memcmp(m, "KDUMP   ", 8) || !memcmp(m, "DISKDUMP", 8));
	struct pm_error *err = out->diskdump ? pm_kd_check_diskdump(file, out)
					     : pm_kd_check_elf(file, out);
	if (err) {
		pm_kd_layout_free(out);
		return err;
	}
	pm_kd_finish_gaps(out);
	return NULL;
}
