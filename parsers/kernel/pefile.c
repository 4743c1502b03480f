// SPDX-License-Identifier: MIT
// A PE file mapped as the loader would, and its imports by name (pefile.h; PE/COFF
// specification: IMAGE_SECTION_HEADER, IMAGE_IMPORT_DESCRIPTOR).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pefile.h"
#include "peversion.h"
#include "pm-reader.h"

struct flat {
	const uint8_t *b;
	size_t n;
};

static struct pm_error *flat_read(void *ctx, uint64_t va, void *buf, size_t len)
{
	const struct flat *f = ctx;
	if (va > f->n || len > f->n - va)
		return pm_err(PM_ERR_TRUNCATED, "PE image: %zu bytes at RVA %#" PRIx64 " lie past "
			      "its end (%#zx)", len, va, f->n);
	memcpy(buf, f->b + va, len);
	return NULL;
}

/* Where the optional header and the section table start, and their sizes. */
struct hdrs {
	uint32_t lfanew, size_of_image, size_of_headers;
	uint16_t nsec, opt_size, magic;
};

static struct pm_error *read_hdrs(const struct pm_rd *rd, struct hdrs *h)
{
	PM_TRY(pm_rd_u32(rd, 0x3C, &h->lfanew));
	PM_TRY(pm_rd_need(rd, h->lfanew, 24));
	if (memcmp(rd->buf + h->lfanew, "PE\0\0", 4))
		return pm_err(PM_ERR_FORMAT, "PE file: no \"PE\\0\\0\" at e_lfanew %#x", h->lfanew);
	PM_TRY(pm_rd_u16(rd, h->lfanew + 6, &h->nsec));
	PM_TRY(pm_rd_u16(rd, h->lfanew + 20, &h->opt_size));
	size_t opt = (size_t)h->lfanew + 24;
	PM_TRY(pm_rd_u16(rd, opt, &h->magic));
	if (h->magic != 0x20B && h->magic != 0x10B)
		return pm_err(PM_ERR_FORMAT, "PE file: optional header magic %#x is neither PE32 "
			      "nor PE32+", h->magic);
	PM_TRY(pm_rd_u32(rd, opt + 0x38, &h->size_of_image));
	PM_TRY(pm_rd_u32(rd, opt + 0x3C, &h->size_of_headers));
	return NULL;
}

struct pm_error *pm_pefile_map(const uint8_t *file, size_t len, uint8_t **img_ret,
			       size_t *img_len_ret, struct pm_pe_info *pe_ret)
{
	struct pm_rd rd = pm_rd_make(file, len, PM_AS_FILE, 0, "PE file headers");
	if (len < 2 || file[0] != 'M' || file[1] != 'Z')
		return pm_err(PM_ERR_FORMAT, "no \"MZ\" at file offset 0: not a PE file");
	struct hdrs h;
	PM_TRY(read_hdrs(&rd, &h));
	if (h.size_of_image > PM_PEFILE_MAX_IMAGE || !h.size_of_image)
		return pm_err(PM_ERR_LIMIT, "PE file: SizeOfImage %#x is outside 1..%#x",
			      h.size_of_image, (unsigned)PM_PEFILE_MAX_IMAGE);
	/* at least the header page pm_pe_parse reads (a tiny image: the rest zeros) */
	if (h.size_of_image < 4096)
		h.size_of_image = 4096;
	uint8_t *img = calloc(1, h.size_of_image);
	if (!img)
		return &pm_enomem;
	size_t sec = (size_t)h.lfanew + 24 + h.opt_size;
	/* the headers: SizeOfHeaders, or up to the end of the section table when it is 0 */
	size_t hs = h.size_of_headers ? h.size_of_headers : sec + (size_t)h.nsec * 40;
	if (hs > len)
		hs = len;
	memcpy(img, file, hs < h.size_of_image ? hs : h.size_of_image);
	struct pm_error *err = NULL;
	for (uint16_t i = 0; i < h.nsec && i < PM_PE_MAX_SECTIONS && !err; i++) {
		size_t o = sec + (size_t)i * 40;
		uint32_t vsize, rva, rawsize, rawptr;
		if ((err = pm_rd_u32(&rd, o + 8, &vsize)) || (err = pm_rd_u32(&rd, o + 12, &rva)) ||
		    (err = pm_rd_u32(&rd, o + 16, &rawsize)) ||
		    (err = pm_rd_u32(&rd, o + 20, &rawptr)))
			break;
		uint64_t n = rawsize < vsize || !vsize ? rawsize : vsize;
		if (rawptr >= len || rva >= h.size_of_image)
			continue; /* nothing of it in the file, or outside the image: zeros */
		if (n > len - rawptr)
			n = len - rawptr;
		if (n > h.size_of_image - rva)
			n = h.size_of_image - rva;
		memcpy(img + rva, file + rawptr, (size_t)n);
	}
	if (!err) {
		struct flat f = { img, h.size_of_image };
		struct pm_error *cv = NULL;
		err = pm_pe_parse(flat_read, &f, 0, pe_ret, &cv);
		pm_error_destroy(cv); /* a driver without a CodeView record is still searched */
	}
	if (err) {
		free(img);
		return pm_err_wrap(err, "PE file");
	}
	*img_ret = img;
	*img_len_ret = h.size_of_image;
	return NULL;
}

struct pm_error *pm_pefile_version(const uint8_t *img, size_t len, const struct pm_pe_info *pe,
				   struct pm_verinfo *ret)
{
	struct flat f = { img, len };
	return pm_pe_version(flat_read, &f, 0, pe, ret);
}

/* A NUL-terminated name at @p rva of the image, copied into @p out (printable ASCII). */
static struct pm_error *name_at(const struct pm_rd *rd, uint64_t rva, char *out, size_t n)
{
	size_t k = 0;
	for (;; k++) {
		uint8_t c;
		PM_TRY(pm_rd_u8(rd, rva + k, &c));
		if (!c || k + 1 >= n)
			break;
		out[k] = (char)(c >= 0x20 && c < 0x7F ? c : '?');
	}
	out[k] = 0;
	return NULL;
}

static struct pm_error *dll_imports(const struct pm_rd *rd, bool is64, uint32_t names_rva,
				    const char *dll, pm_pe_import_fn fn, void *ctx, bool *stop)
{
	unsigned w = is64 ? 8 : 4;
	for (uint32_t i = 0; i < PM_PEFILE_MAX_THUNKS; i++) {
		uint64_t t;
		PM_TRY(pm_rd_ptr(rd, (uint64_t)names_rva + (uint64_t)i * w, w, &t));
		if (!t)
			return NULL;
		if (t >> (w * 8 - 1)) /* by ordinal: no name */
			continue;
		char fname[128];
		PM_TRY(name_at(rd, (t & 0x7FFFFFFF) + 2, fname, sizeof(fname)));
		if (!fn(ctx, dll, fname)) {
			*stop = true;
			return NULL;
		}
	}
	return pm_err(PM_ERR_LIMIT, "PE imports of %s: more than %u names", dll,
		      (unsigned)PM_PEFILE_MAX_THUNKS);
}

struct pm_error *pm_pefile_imports(const uint8_t *img, size_t len, pm_pe_import_fn fn,
				   void *ctx)
{
	struct pm_rd rd = pm_rd_make(img, len, PM_AS_VIRT, 0, "PE image (imports)");
	struct hdrs h;
	PM_TRY(read_hdrs(&rd, &h));
	bool is64 = h.magic == 0x20B;
	size_t opt = (size_t)h.lfanew + 24;
	uint32_t ndirs, dir;
	PM_TRY(pm_rd_u32(&rd, opt + (is64 ? 0x6C : 0x5C), &ndirs));
	if (ndirs < 2)
		return NULL;
	PM_TRY(pm_rd_u32(&rd, opt + (is64 ? 0x70 : 0x60) + 8, &dir));
	if (!dir)
		return NULL;
	rd.what = "IMAGE_IMPORT_DESCRIPTOR";
	bool stop = false;
	for (uint32_t i = 0; i < PM_PEFILE_MAX_DLLS && !stop; i++) {
		uint64_t d = (uint64_t)dir + (uint64_t)i * 20;
		uint32_t oft, name, ft;
		PM_TRY(pm_rd_u32(&rd, d, &oft));
		PM_TRY(pm_rd_u32(&rd, d + 12, &name));
		PM_TRY(pm_rd_u32(&rd, d + 16, &ft));
		if (!oft && !name && !ft)
			return NULL;
		char dll[128];
		PM_TRY(name_at(&rd, name, dll, sizeof(dll)));
		/* the names' table (OriginalFirstThunk), else the IAT as the file holds it */
		PM_TRY(dll_imports(&rd, is64, oft ? oft : ft, dll, fn, ctx, &stop));
	}
	return stop ? NULL : pm_err(PM_ERR_LIMIT, "PE imports: more than %u DLLs",
				    (unsigned)PM_PEFILE_MAX_DLLS);
}
