// SPDX-License-Identifier: MIT
// DumpType 4: triage ("small memory", minidump) dumps (crashdump-format.md §2.6). They hold
// the header, a driver list with names in a string pool, a copy of the KDBG and the
// DUMP_MM_STORAGE pool counters, but no pool pages: pool analysis is impossible and the
// report says so.
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dmp-priv.h"
#include "pm-reader.h"
#include "pm-utf.h"

/* TRIAGE_DUMP_* bits of MiniDumpFields (Singularity Dump.h, Ghidra Pagedump.java). */
enum {
	TRIAGE_DRIVER_LIST = 0x40,
	TRIAGE_MMINFO = 0x100,
	TRIAGE_DEBUGGER_DATA = 0x400,
};

struct triage_layout {
	const char *what;
	unsigned size, kdbg_off, kdbg_size;
	unsigned dllbase, sizeofimage; /* inside a driver entry */
	unsigned strides[4];
};

static const struct triage_layout tl64 = {
	"TRIAGE_DUMP64", 0x80, 0x70, 0x74, 0x38, 0x48, { 0xA8, 0xA0, 0x98, 0x90 },
};
/* DUMP_DRIVER_ENTRY32: u32 name offset, then a KLDR_DATA_TABLE_ENTRY32 copy at +4 [M]. */
static const struct triage_layout tl32 = {
	"TRIAGE_DUMP32", 0x68, 0x58, 0x5C, 0x1C, 0x24, { 0x4C, 0x50, 0x54, 0x58 },
};

void pm_triage_destroy(struct pm_triage *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ndrivers; i++)
		free(t->drivers[i].name);
	free(t->drivers);
	free(t);
}

static struct pm_error *triage_probe(const struct pm_dmp_header *h)
{
	return h->dump_type == PM_DUMP_TRIAGE ? NULL : &pm_noprobe;
}

/* Whether every entry under @p stride looks like a driver: name inside the string pool,
 * DllBase a page-aligned system-space address. */
static bool stride_fits(const struct pm_rd *dl, uint32_t count, unsigned stride,
			const struct triage_layout *l, bool is64, uint64_t pool, uint64_t pool_end)
{
	for (uint32_t i = 0; i < count; i++) {
		uint32_t name;
		uint64_t base;
		size_t e = (size_t)i * stride;
		if (pm_ckd_add(&(uint64_t){ 0 }, e, stride) || e + stride > dl->len)
			return false;
		struct pm_error *err = pm_rd_u32(dl, e, &name);
		if (err) {
			pm_error_destroy(err);
			return false;
		}
		if (name < pool || name >= pool_end)
			return false;
		err = pm_rd_ptr(dl, e + l->dllbase, is64 ? 8 : 4, &base);
		if (err) {
			pm_error_destroy(err);
			return false;
		}
		if (base & 0xFFF)
			return false;
		if (is64 ? base < 0xFFFF800000000000ull : base < 0x80000000ull)
			return false;
	}
	return true;
}

static struct pm_error *read_drivers(struct pm_dmp *dmp, struct pm_triage *t,
				     const struct pm_rd *tr, const struct triage_layout *l)
{
	bool is64 = dmp->hdr.is64;
	uint32_t dl_off, count, pool_off, pool_size;
	PM_TRY(pm_rd_u32(tr, 0x30, &dl_off));
	PM_TRY(pm_rd_u32(tr, 0x34, &count));
	PM_TRY(pm_rd_u32(tr, 0x38, &pool_off));
	PM_TRY(pm_rd_u32(tr, 0x3C, &pool_size));
	if (count == 0)
		return NULL;
	if (count > PM_MAX_TRIAGE_DRIVERS)
		return pm_err(PM_ERR_LIMIT, "%s at file offset %#" PRIx64 ": DriverCount %u exceeds "
			      "the limit of %u", l->what, tr->base, count, PM_MAX_TRIAGE_DRIVERS);
	uint64_t fsize = dmp->src->size;
	if ((uint64_t)pool_off + pool_size > fsize)
		return pm_err(PM_ERR_TRUNCATED, "%s: string pool at file offset %#x (%u bytes) "
			      "extends past the end of the file (%#" PRIx64 ")", l->what, pool_off,
			      pool_size, fsize);
	size_t maxlen = (size_t)count * 0xA8;
	if (dl_off >= fsize)
		return pm_err(PM_ERR_TRUNCATED, "%s: driver list at file offset %#x lies beyond "
			      "the end of the file", l->what, dl_off);
	if (maxlen > fsize - dl_off)
		maxlen = (size_t)(fsize - dl_off);
	uint8_t *buf = malloc(maxlen ? maxlen : 1);
	uint8_t *pool = malloc(pool_size ? pool_size : 1);
	struct pm_error *err = NULL;
	if (!buf || !pool) {
		err = &pm_enomem;
		goto out;
	}
	if ((err = pm_source_read_exact(dmp->src, dl_off, buf, maxlen, "triage driver list")) ||
	    (err = pm_source_read_exact(dmp->src, pool_off, pool, pool_size,
					"triage string pool")))
		goto out;
	struct pm_rd dl = pm_rd_make(buf, maxlen, PM_AS_FILE, dl_off, "DUMP_DRIVER_ENTRY");
	struct pm_rd sp = pm_rd_make(pool, pool_size, PM_AS_FILE, pool_off, "DUMP_STRING");
	unsigned stride = 0;
	for (int i = 0; i < 4 && !stride; i++)
		if (stride_fits(&dl, count, l->strides[i], l, is64, pool_off,
				(uint64_t)pool_off + pool_size))
			stride = l->strides[i];
	if (!stride) {
		err = pm_err(PM_ERR_FORMAT, "%s: driver list at file offset %#x: no entry size "
			     "(tried %#x, %#x, %#x, %#x) gives names inside the string pool and "
			     "page-aligned system addresses", l->what, dl_off, l->strides[0],
			     l->strides[1], l->strides[2], l->strides[3]);
		goto out;
	}
	t->driver_stride = stride;
	t->drivers = calloc(count, sizeof(*t->drivers));
	if (!t->drivers) {
		err = &pm_enomem;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		size_t e = (size_t)i * stride;
		uint32_t name, len, size32;
		uint64_t base;
		struct pm_triage_driver *d = &t->drivers[t->ndrivers];
		if ((err = pm_rd_u32(&dl, e, &name)) ||
		    (err = pm_rd_ptr(&dl, e + l->dllbase, is64 ? 8 : 4, &base)) ||
		    (err = pm_rd_u32(&dl, e + l->sizeofimage, &size32)) ||
		    (err = pm_rd_u32(&sp, name - pool_off, &len)))
			goto out;
		/* DUMP_STRING.Length counts UTF-16 characters, not bytes (§2.6) [M]. */
		if (len > PM_MAX_DUMP_STRING ||
		    (err = pm_rd_need(&sp, name - pool_off + 4, (size_t)len * 2))) {
			if (!err)
				err = pm_err(PM_ERR_LIMIT, "DUMP_STRING at file offset %#x: length "
					     "%u exceeds the limit of %u", name, len,
					     PM_MAX_DUMP_STRING);
			goto out;
		}
		d->name = pm_utf16le_to_utf8(pool + (name - pool_off) + 4, len);
		if (!d->name) {
			err = &pm_enomem;
			goto out;
		}
		d->base = base;
		d->size = size32;
		/* The 0x90-byte x64 entry holds CheckSum at +0x80 and TimeDateStamp at +0x88 [M]:
		 * both real triage dumps' kernels are filed under TimeDateStamp+SizeOfImage
		 * (rizinorg/test-pdb-repository ntoskrnl.exe/0d8333e61046000, df291b09103e000). */
		if (is64 && stride == 0x90 && !(err = pm_rd_u32(&dl, e + 0x88, &d->timestamp)))
			d->has_timestamp = d->timestamp != 0; /* 0: not written */
		if (err)
			goto out;
		t->ndrivers++;
	}
out:
	free(buf);
	free(pool);
	return err;
}

/* The secondary data a triage dump may carry after its SizeOfDump bytes: "DumpBlob", the file
 * header's size and a build field, then records { u32 HeaderSize (0x20), GUID Tag, u32
 * DataSize, u32 PrePad, u32 PostPad } each followed by its padding and data. Sets
 * dmp->expected_size to where the last record ends. */
static struct pm_error *read_blobs(struct pm_dmp *dmp, struct pm_triage *t)
{
	uint64_t at = t->size_of_dump, fsize = dmp->src->size;
	uint8_t b[0x20];
	if (fsize < at + 16)
		return NULL;
	PM_TRY(pm_source_read_exact(dmp->src, at, b, 16, "DUMP_BLOB_FILE_HEADER"));
	if (memcmp(b, "DumpBlob", 8))
		return NULL;
	struct pm_rd fh = pm_rd_make(b, 16, PM_AS_FILE, at, "DUMP_BLOB_FILE_HEADER");
	uint32_t hsize;
	PM_TRY(pm_rd_u32(&fh, 8, &hsize));
	if (hsize < 16 || hsize > fsize - at)
		return pm_err(PM_ERR_FORMAT, "DUMP_BLOB_FILE_HEADER at file offset %#" PRIx64
			      ": HeaderSize %#x does not fit the file (%#" PRIx64 " bytes)", at,
			      hsize, fsize);
	t->has_blobs = true;
	uint64_t o = at + hsize;
	while (o < fsize) {
		if (t->nblobs >= PM_MAX_DUMP_BLOBS)
			return pm_err(PM_ERR_LIMIT, "DUMP_BLOB_HEADER at file offset %#" PRIx64
				      ": more than %u secondary-data records", o, PM_MAX_DUMP_BLOBS);
		PM_TRY(pm_source_read_exact(dmp->src, o, b, sizeof(b), "DUMP_BLOB_HEADER"));
		struct pm_rd r = pm_rd_make(b, sizeof(b), PM_AS_FILE, o, "DUMP_BLOB_HEADER");
		uint32_t h, size, pre, post;
		PM_TRY(pm_rd_u32(&r, 0, &h));
		PM_TRY(pm_rd_u32(&r, 20, &size));
		PM_TRY(pm_rd_u32(&r, 24, &pre));
		PM_TRY(pm_rd_u32(&r, 28, &post));
		uint64_t end = o + (uint64_t)h + pre + size + post; /* each term < 2^32: no wrap */
		if (h < sizeof(b))
			return pm_err(PM_ERR_FORMAT, "DUMP_BLOB_HEADER at file offset %#" PRIx64
				      ": HeaderSize %#x is smaller than the header", o, h);
		t->nblobs++;
		o = end;
		if (end > fsize)
			pm_diag_add(&dmp->diags, PM_ERR_TRUNCATED, "container", "DUMP_BLOB_HEADER "
				    "%u: its data ends at %#" PRIx64 ", past the end of the file "
				    "(%#" PRIx64 ")", t->nblobs, end, fsize);
	}
	t->blob_bytes = o - at;
	dmp->expected_size = o;
	return NULL;
}

static struct pm_error *triage_build(struct pm_dmp *dmp, const uint8_t *hdrbuf)
{
	(void)hdrbuf;
	const struct pm_dmp_header *h = &dmp->hdr;
	const struct triage_layout *l = h->is64 ? &tl64 : &tl32;
	uint8_t buf[0x80];
	PM_TRY(pm_source_read_exact(dmp->src, h->header_size, buf, l->size, l->what));
	struct pm_rd tr = pm_rd_make(buf, l->size, PM_AS_FILE, h->header_size, l->what);
	struct pm_triage *t = calloc(1, sizeof(*t));
	if (!t)
		return &pm_enomem;
	dmp->triage = t;
	uint32_t valid_off, mm_off;
	uint8_t marker[4];
	PM_TRY(pm_rd_u32(&tr, 0x04, &t->size_of_dump));
	PM_TRY(pm_rd_u32(&tr, 0x08, &valid_off));
	PM_TRY(pm_rd_u32(&tr, 0x14, &mm_off));
	struct pm_error *err = pm_source_read_exact(dmp->src, valid_off, marker, 4,
						    "triage valid marker");
	if (err)
		return pm_err_wrap(err, "%s at file offset %#x: ValidOffset", l->what,
				   h->header_size);
	if (memcmp(marker, "TRGD", 4))
		return pm_err(PM_ERR_FORMAT, "%s at file offset %#x: no \"TRGD\" marker at "
			      "ValidOffset %#x: the triage dump is incomplete or corrupt", l->what,
			      h->header_size, valid_off);
	memcpy(dmp->subformat, "TRGD", 5);
	dmp->has_expected_size = true;
	dmp->expected_size = t->size_of_dump;
	/* RequiredDumpSpace is what the kernel reserved for the small dump: real ones hold more
	 * than the file (0x197915 for 0x160ab4 bytes), which ends with the secondary data. */
	dmp->required_space_is_bound = true;
	if ((err = read_blobs(dmp, t)))
		pm_diag_take(&dmp->diags, "container", pm_err_wrap(err, "triage secondary data"));
	uint32_t fields = h->minidump_fields;
	if (fields & TRIAGE_DRIVER_LIST) {
		err = read_drivers(dmp, t, &tr, l);
		if (err)
			pm_diag_take(&dmp->diags, "container",
				     pm_err_wrap(err, "triage driver list"));
	}
	if (fields & TRIAGE_DEBUGGER_DATA) {
		uint32_t off, size;
		PM_TRY(pm_rd_u32(&tr, l->kdbg_off, &off));
		PM_TRY(pm_rd_u32(&tr, l->kdbg_size, &size));
		if (size && (uint64_t)off + size <= dmp->src->size) {
			t->has_kdbg_copy = true;
			t->kdbg_copy_off = off;
			t->kdbg_copy_size = size;
		} else {
			pm_diag_add(&dmp->diags, PM_ERR_TRUNCATED, "container",
				    "%s: KDBG copy at file offset %#x (%u bytes) is not in the file",
				    l->what, off, size);
		}
	}
	if ((fields & TRIAGE_MMINFO) && h->is64) {
		uint8_t mm[0x50];
		err = pm_source_read_exact(dmp->src, mm_off, mm, sizeof(mm), "DUMP_MM_STORAGE64");
		if (err) {
			pm_diag_take(&dmp->diags, "container", err);
		} else {
			struct pm_rd m = pm_rd_make(mm, sizeof(mm), PM_AS_FILE, mm_off,
						    "DUMP_MM_STORAGE64");
			PM_TRY(pm_rd_u64(&m, 0x18, &t->mm_nonpaged_max));
			PM_TRY(pm_rd_u64(&m, 0x20, &t->mm_nonpaged_alloc));
			PM_TRY(pm_rd_u64(&m, 0x28, &t->mm_paged_max));
			PM_TRY(pm_rd_u64(&m, 0x30, &t->mm_paged_alloc));
			PM_TRY(pm_rd_u64(&m, 0x38, &t->mm_committed));
			PM_TRY(pm_rd_u64(&m, 0x40, &t->mm_commit_peak));
			PM_TRY(pm_rd_u64(&m, 0x48, &t->mm_commit_limit_max));
			t->has_mm = true;
		}
	}
	return NULL;
}

struct pm_error *pm_dmp_triage_kdbg_copy(const struct pm_dmp *dmp, size_t max,
					 uint8_t **buf_ret, size_t *len_ret)
{
	const struct pm_triage *t = dmp->triage;
	if (!t || !t->has_kdbg_copy)
		return pm_err(PM_ERR_NOT_CAPTURED, "the triage dump carries no KDBG copy");
	size_t n = t->kdbg_copy_size > max ? max : t->kdbg_copy_size;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return &pm_enomem;
	struct pm_error *err = pm_source_read_exact(dmp->src, t->kdbg_copy_off, buf, n,
						    "triage KDBG copy");
	if (err) {
		free(buf);
		return pm_err_wrap(err, "triage KDBG copy at file offset %#" PRIx64,
				   t->kdbg_copy_off);
	}
	*buf_ret = buf;
	*len_ret = n;
	return NULL;
}

const struct pm_dmp_ops pm_dmp_triage_ops = { "triage", triage_probe, triage_build };
