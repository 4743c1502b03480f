// SPDX-License-Identifier: MIT
// PE headers and CodeView records (PE/COFF specification; crashdump-format.md §5.2).
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pe.h"
#include "pm-reader.h"

enum {
	IMAGE_DEBUG_TYPE_CODEVIEW = 2,
	IMAGE_DIRECTORY_ENTRY_RESOURCE = 2,
	IMAGE_DIRECTORY_ENTRY_DEBUG = 6,
	DEBUG_DIR_ENTRY_SIZE = 28,
};

static struct pm_error *read_codeview(pm_read_fn read, void *ctx, uint64_t base,
				      const struct pm_rd *hdr, size_t dd_off, uint32_t ndirs,
				      struct pm_pe_info *pe)
{
	if (ndirs <= IMAGE_DIRECTORY_ENTRY_DEBUG)
		return pm_err(PM_ERR_NOT_FOUND, "PE image at %#" PRIx64 " has no debug directory "
			      "(NumberOfRvaAndSizes %u)", base, ndirs);
	uint32_t rva, size;
	PM_TRY(pm_rd_u32(hdr, dd_off + IMAGE_DIRECTORY_ENTRY_DEBUG * 8, &rva));
	PM_TRY(pm_rd_u32(hdr, dd_off + IMAGE_DIRECTORY_ENTRY_DEBUG * 8 + 4, &size));
	if (!rva || !size)
		return pm_err(PM_ERR_NOT_FOUND, "PE image at %#" PRIx64 " has an empty debug "
			      "directory", base);
	uint32_t n = size / DEBUG_DIR_ENTRY_SIZE;
	if (n > PM_PE_MAX_DEBUG_ENTRIES)
		n = PM_PE_MAX_DEBUG_ENTRIES; /* only CodeView is wanted; it comes first in practice */
	if ((uint64_t)rva + (uint64_t)n * DEBUG_DIR_ENTRY_SIZE > pe->size_of_image)
		return pm_err(PM_ERR_FORMAT, "PE image at %#" PRIx64 ": debug directory RVA %#x "
			      "(%u entries) lies outside SizeOfImage %#x", base, rva, n,
			      pe->size_of_image);
	uint8_t dir[PM_PE_MAX_DEBUG_ENTRIES * DEBUG_DIR_ENTRY_SIZE];
	PM_TRY(read(ctx, base + rva, dir, (size_t)n * DEBUG_DIR_ENTRY_SIZE));
	struct pm_rd dr = pm_rd_make(dir, (size_t)n * DEBUG_DIR_ENTRY_SIZE, PM_AS_VIRT, base + rva,
				     "IMAGE_DEBUG_DIRECTORY");
	for (uint32_t i = 0; i < n; i++) {
		size_t e = (size_t)i * DEBUG_DIR_ENTRY_SIZE;
		uint32_t type, cvsize, cvrva;
		PM_TRY(pm_rd_u32(&dr, e + 0x0C, &type));
		PM_TRY(pm_rd_u32(&dr, e + 0x10, &cvsize));
		PM_TRY(pm_rd_u32(&dr, e + 0x14, &cvrva));
		if (type != IMAGE_DEBUG_TYPE_CODEVIEW)
			continue;
		if (cvsize < 24 || (uint64_t)cvrva + 24 > pe->size_of_image)
			return pm_err(PM_ERR_FORMAT, "PE image at %#" PRIx64 ": CodeView record at "
				      "RVA %#x (%u bytes) is out of the image", base, cvrva, cvsize);
		uint8_t cv[24 + 261];
		size_t want = cvsize < sizeof(cv) ? cvsize : sizeof(cv);
		if ((uint64_t)cvrva + want > pe->size_of_image)
			want = pe->size_of_image - cvrva;
		PM_TRY(read(ctx, base + cvrva, cv, want));
		if (memcmp(cv, "RSDS", 4))
			return pm_err(PM_ERR_UNSUPPORTED, "PE image at %#" PRIx64 ": CodeView record "
				      "at RVA %#x is not RSDS (PDB 7.0)", base, cvrva);
		struct pm_rd cr = pm_rd_make(cv, want, PM_AS_VIRT, base + cvrva, "CV_INFO_PDB70");
		PM_TRY(pm_rd_bytes(&cr, 4, pe->guid, 16));
		PM_TRY(pm_rd_u32(&cr, 20, &pe->age));
		size_t k = 0;
		while (k < want - 24 && k < sizeof(pe->pdb_name) - 1 && cv[24 + k]) {
			uint8_t c = cv[24 + k];
			pe->pdb_name[k++] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
		}
		pe->pdb_name[k] = 0;
		pe->has_codeview = true;
		return NULL;
	}
	return pm_err(PM_ERR_NOT_FOUND, "PE image at %#" PRIx64 " has no CodeView debug entry",
		      base);
}

struct pm_error *pm_pe_parse(pm_read_fn read, void *ctx, uint64_t base, struct pm_pe_info *ret,
			     struct pm_error **cv_err_ret)
{
	uint8_t page[4096];
	PM_TRY(read(ctx, base, page, sizeof(page)));
	struct pm_rd rd = pm_rd_make(page, sizeof(page), PM_AS_VIRT, base, "IMAGE_DOS_HEADER");
	if (page[0] != 'M' || page[1] != 'Z')
		return pm_err(PM_ERR_FORMAT, "no \"MZ\" at VA %#" PRIx64 ": not a PE image", base);
	uint32_t lfanew;
	PM_TRY(pm_rd_u32(&rd, 0x3C, &lfanew));
	rd.what = "IMAGE_NT_HEADERS";
	PM_TRY(pm_rd_need(&rd, lfanew, 24));
	if (memcmp(page + lfanew, "PE\0\0", 4))
		return pm_err(PM_ERR_FORMAT, "PE image at VA %#" PRIx64 ": no \"PE\\0\\0\" at "
			      "e_lfanew %#x", base, lfanew);
	struct pm_pe_info pe;
	memset(&pe, 0, sizeof(pe));
	uint16_t opt_size, magic;
	PM_TRY(pm_rd_u16(&rd, lfanew + 4, &pe.machine));
	PM_TRY(pm_rd_u32(&rd, lfanew + 8, &pe.timestamp));
	PM_TRY(pm_rd_u16(&rd, lfanew + 20, &opt_size));
	size_t opt = (size_t)lfanew + 24;
	PM_TRY(pm_rd_u16(&rd, opt, &magic));
	size_t nd_off, dd_off;
	if (magic == 0x20B) {
		pe.is_pe32plus = true;
		nd_off = opt + 0x6C;
		dd_off = opt + 0x70;
	} else if (magic == 0x10B) {
		nd_off = opt + 0x5C;
		dd_off = opt + 0x60;
	} else {
		return pm_err(PM_ERR_FORMAT, "PE image at VA %#" PRIx64 ": optional header magic "
			      "%#x is neither PE32 nor PE32+", base, magic);
	}
	uint32_t ndirs;
	PM_TRY(pm_rd_u32(&rd, opt + 0x38, &pe.size_of_image));
	PM_TRY(pm_rd_u32(&rd, nd_off, &ndirs));
	if (ndirs > 16)
		ndirs = 16;
	if (dd_off + (size_t)ndirs * 8 > opt + opt_size)
		ndirs = opt_size > dd_off - opt ? (uint32_t)((opt + opt_size - dd_off) / 8) : 0;
	if (ndirs > IMAGE_DIRECTORY_ENTRY_RESOURCE) {
		PM_TRY(pm_rd_u32(&rd, dd_off + IMAGE_DIRECTORY_ENTRY_RESOURCE * 8, &pe.rsrc_rva));
		PM_TRY(pm_rd_u32(&rd, dd_off + IMAGE_DIRECTORY_ENTRY_RESOURCE * 8 + 4,
				 &pe.rsrc_size));
	}
	/* Section headers follow the optional header; they must be in the header page. */
	uint16_t nsec;
	PM_TRY(pm_rd_u16(&rd, lfanew + 6, &nsec));
	size_t sec = opt + opt_size;
	for (uint16_t i = 0; i < nsec && i < PM_PE_MAX_SECTIONS; i++) {
		struct pm_pe_section *s = &pe.sections[pe.nsections];
		size_t o = sec + (size_t)i * 40;
		uint8_t nm[8];
		struct pm_error *e = pm_rd_bytes(&rd, o, nm, 8);
		if (!e)
			e = pm_rd_u32(&rd, o + 8, &s->vsize);
		if (!e)
			e = pm_rd_u32(&rd, o + 12, &s->rva);
		if (!e)
			e = pm_rd_u32(&rd, o + 36, &s->characteristics);
		if (e) {
			pm_error_destroy(e);
			break; /* the rest lies outside the header page: keep what was read */
		}
		for (int k = 0; k < 8; k++)
			s->name[k] = (char)((nm[k] >= 0x20 && nm[k] < 0x7F) ? nm[k] : (nm[k] ? '?' : 0));
		s->name[8] = 0;
		pe.nsections++;
	}
	struct pm_error *cv = read_codeview(read, ctx, base, &rd, dd_off, ndirs, &pe);
	if (cv_err_ret)
		*cv_err_ret = cv;
	else
		pm_error_destroy(cv);
	*ret = pe;
	return NULL;
}

void pm_pe_guid_string(const uint8_t g[16], char out[37])
{
	uint32_t d1 = (uint32_t)g[0] | (uint32_t)g[1] << 8 | (uint32_t)g[2] << 16 |
		      (uint32_t)g[3] << 24;
	unsigned d2 = (unsigned)(g[4] | g[5] << 8), d3 = (unsigned)(g[6] | g[7] << 8);
	snprintf(out, 37, "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X", d1, d2, d3, g[8],
		 g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

void pm_pe_pdb_key(const struct pm_pe_info *pe, char out[42])
{
	char gs[37], *o = out;
	pm_pe_guid_string(pe->guid, gs);
	for (const char *p = gs; *p; p++)
		if (*p != '-')
			*o++ = *p;
	snprintf(o, 10, "%X", pe->age);
}
