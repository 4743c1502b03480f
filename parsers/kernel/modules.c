// SPDX-License-Identifier: MIT
// PsLoadedModuleList walk (crashdump-format.md §5.3).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"
#include "pm-reader.h"
#include "pm-utf.h"

/* KLDR_DATA_TABLE_ENTRY offsets as data, per pointer width [H]. */
struct ldr_layout {
	unsigned flink, dllbase, sizeofimage, basename, entry_size;
	unsigned us_len, us_buf; /* UNICODE_STRING Length and Buffer */
};
static const struct ldr_layout ldr64 = { 0x00, 0x30, 0x40, 0x58, 0x68, 0, 8 };
static const struct ldr_layout ldr32 = { 0x00, 0x18, 0x20, 0x2C, 0x34, 0, 4 };

void pm_module_list_deinit(struct pm_module_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].name);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static bool seen(const struct pm_module_list *l, uint64_t va)
{
	/* n <= PM_MAX_MODULES, so the quadratic check is bounded (16M compares worst case). */
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].entry_va == va)
			return true;
	return false;
}

struct pm_error *pm_modules_walk(const struct pm_vmem *vm, uint64_t head_va,
				 struct pm_module_list *ret, struct pm_diags *diags)
{
	const unsigned ps = pm_vmem_ptr_size(vm);
	const struct ldr_layout *L = ps == 8 ? &ldr64 : &ldr32;
	struct pm_module_list l = { NULL, 0, false };
	uint64_t cur;
	struct pm_error *err = pm_vmem_read_ptr(vm, head_va, &cur);
	if (err)
		return pm_err_wrap(err, "PsLoadedModuleList head at VA %#" PRIx64, head_va);
	l.items = calloc(16, sizeof(*l.items));
	size_t cap = 16;
	if (!l.items)
		return &pm_enomem;
	while (cur != head_va) {
		if (l.n >= PM_MAX_MODULES) {
			pm_diag_add(diags, PM_ERR_LIMIT, "modules",
				    "PsLoadedModuleList: more than %d entries without returning to "
				    "the head; walk stopped", PM_MAX_MODULES);
			goto done;
		}
		if (seen(&l, cur)) {
			pm_diag_add(diags, PM_ERR_FORMAT, "modules",
				    "PsLoadedModuleList: entry %#" PRIx64 " seen twice (a cycle that "
				    "skips the head); walk stopped after %zu entries", cur, l.n);
			goto done;
		}
		uint8_t e[0x68];
		err = pm_vmem_read(vm, cur, e, L->entry_size);
		if (err) {
			pm_diag_take(diags, "modules",
				     pm_err_wrap(err, "KLDR_DATA_TABLE_ENTRY #%zu at VA %#" PRIx64,
						 l.n, cur));
			goto done;
		}
		struct pm_rd rd = pm_rd_make(e, L->entry_size, PM_AS_VIRT, cur,
					     "KLDR_DATA_TABLE_ENTRY");
		uint64_t next, base, buf;
		uint32_t size;
		uint16_t len;
		if ((err = pm_rd_ptr(&rd, L->flink, ps, &next)) ||
		    (err = pm_rd_ptr(&rd, L->dllbase, ps, &base)) ||
		    (err = pm_rd_u32(&rd, L->sizeofimage, &size)) ||
		    (err = pm_rd_u16(&rd, L->basename + L->us_len, &len)) ||
		    (err = pm_rd_ptr(&rd, L->basename + L->us_buf, ps, &buf))) {
			pm_diag_take(diags, "modules", err);
			goto done;
		}
		if (l.n == cap) {
			struct pm_module *it = realloc(l.items, cap * 2 * sizeof(*it));
			if (!it) {
				pm_module_list_deinit(&l);
				return &pm_enomem;
			}
			l.items = it;
			cap *= 2;
		}
		struct pm_module *m = &l.items[l.n];
		memset(m, 0, sizeof(*m));
		m->entry_va = cur;
		m->base = base;
		m->size = size;
		if (len > PM_MAX_MODULE_NAME || len % 2) {
			pm_diag_add(diags, PM_ERR_FORMAT, "modules",
				    "KLDR_DATA_TABLE_ENTRY at VA %#" PRIx64 ": BaseDllName.Length %u "
				    "is implausible", cur, len);
		} else if (len) {
			uint8_t nb[PM_MAX_MODULE_NAME];
			err = pm_vmem_read(vm, buf, nb, len);
			if (err)
				pm_diag_take(diags, "modules",
					     pm_err_wrap(err, "BaseDllName of module at %#" PRIx64,
							 base));
			else if (!(m->name = pm_utf16le_to_utf8(nb, len / 2u))) {
				pm_module_list_deinit(&l);
				return &pm_enomem;
			}
		}
		l.n++;
		cur = next;
	}
	l.complete = true;
done:
	*ret = l;
	return NULL;
}
