// SPDX-License-Identifier: MIT
// KDBG reading (crashdump-format.md §4.1-§4.4, §4.7).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kdbg.h"
#include "pm-reader.h"

static const struct {
	const char *name;
	unsigned off, width;
} fields[] = {
#define X(name, off, w) { #name, off, w },
	PM_KDBG_FIELDS(X)
#undef X
};

const char *pm_kdbg_field_name(enum pm_kdbg_field f)
{
	return (unsigned)f < _PM_KDBG_FIELD_MAX ? fields[f].name : "?";
}

unsigned pm_kdbg_field_offset(enum pm_kdbg_field f)
{
	return (unsigned)f < _PM_KDBG_FIELD_MAX ? fields[f].off : 0;
}

struct pm_error *pm_kdbg_decode(const uint8_t *buf, size_t len, uint64_t va, unsigned ptr_size,
				struct pm_kdbg *ret)
{
	struct pm_rd rd = pm_rd_make(buf, len, PM_AS_VIRT, va, "KDDEBUGGER_DATA64");
	uint32_t tag, size;
	PM_TRY(pm_rd_u32(&rd, 0x10, &tag));
	PM_TRY(pm_rd_u32(&rd, 0x14, &size));
	if (tag != PM_KDBG_TAG)
		return pm_err(PM_ERR_FORMAT, "KDDEBUGGER_DATA64 at VA %#" PRIx64 ": OwnerTag is %#x, "
			      "not \"KDBG\" (the block is corrupt, or encoded as on a live "
			      "Windows 8+ x64 system)", va, tag);
	if (size < PM_KDBG_MIN_SIZE || size > PM_KDBG_MAX_SIZE || size % 4)
		return pm_err(PM_ERR_FORMAT, "KDDEBUGGER_DATA64 at VA %#" PRIx64 ": Header.Size %#x "
			      "is implausible (expected %#x..%#x)", va, size, PM_KDBG_MIN_SIZE,
			      PM_KDBG_MAX_SIZE);
	PM_TRY(pm_rd_need(&rd, 0, size));
	uint8_t *raw = malloc(size);
	if (!raw)
		return &pm_enomem;
	memcpy(raw, buf, size);
	ret->va = va;
	ret->size = size;
	ret->decoded = false;
	ret->ptr_size = ptr_size;
	ret->raw = raw;
	return NULL;
}

struct pm_error *pm_kdbg_read(const struct pm_vmem *vm, uint64_t va, struct pm_kdbg *ret)
{
	uint8_t hdr[0x18];
	PM_TRY(pm_vmem_read(vm, va, hdr, sizeof(hdr)));
	struct pm_rd rd = pm_rd_make(hdr, sizeof(hdr), PM_AS_VIRT, va, "KDDEBUGGER_DATA64");
	uint32_t size;
	PM_TRY(pm_rd_u32(&rd, 0x14, &size));
	if (size < 0x18 || size > PM_KDBG_MAX_SIZE)
		return pm_kdbg_decode(hdr, sizeof(hdr), va, pm_vmem_ptr_size(vm), ret);
	uint8_t *buf = malloc(size);
	if (!buf)
		return &pm_enomem;
	struct pm_error *err = pm_vmem_read(vm, va, buf, size);
	if (!err)
		err = pm_kdbg_decode(buf, size, va, pm_vmem_ptr_size(vm), ret);
	free(buf);
	if (!err)
		ret->source = PM_KDBG_FROM_HEADER;
	return err;
}

struct pm_error *pm_kdbg_from_triage(const struct pm_dmp *dmp, struct pm_kdbg *ret)
{
	uint8_t *buf;
	size_t n;
	PM_TRY(pm_dmp_triage_kdbg_copy(dmp, PM_KDBG_MAX_SIZE, &buf, &n));
	struct pm_error *err = pm_kdbg_decode(buf, n, dmp->hdr.kdbg_va, dmp->hdr.ptr_size, ret);
	free(buf);
	if (err)
		return pm_err_wrap(err, "triage KDBG copy at file offset %#" PRIx64,
				   dmp->triage->kdbg_copy_off);
	ret->source = PM_KDBG_FROM_TRIAGE_COPY;
	return NULL;
}

void pm_kdbg_deinit(struct pm_kdbg *k)
{
	free(k->raw);
	k->raw = NULL;
}

struct pm_error *pm_kdbg_get(const struct pm_kdbg *k, enum pm_kdbg_field f, uint64_t *ret)
{
	if ((unsigned)f >= _PM_KDBG_FIELD_MAX)
		return pm_err(PM_ERR_PROFILE, "unknown KDBG field %d", (int)f);
	unsigned off = fields[f].off, w = fields[f].width;
	if (off + w > k->size)
		return pm_err(PM_ERR_PROFILE, "KDBG field %s (+%#x) lies beyond the block's size "
			      "%#x on this build", fields[f].name, off, k->size);
	struct pm_rd rd = pm_rd_make(k->raw, k->size, PM_AS_VIRT, k->va, "KDDEBUGGER_DATA64");
	if (w == 1) {
		uint8_t v;
		PM_TRY(pm_rd_u8(&rd, off, &v));
		*ret = v;
		return NULL;
	}
	uint64_t v;
	PM_TRY(pm_rd_u64(&rd, off, &v));
	/* x86 kernels use the 64-bit layout with 32-bit values; mask (§4.4, [L]). */
	if (k->ptr_size == 4)
		v &= 0xFFFFFFFFull;
	*ret = v;
	return NULL;
}
