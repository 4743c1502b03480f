// SPDX-License-Identifier: MIT
// The machine's RAM from the dump itself: every reading, the best used, disagreements said.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mmvars.h"
#include "ram.h"

/* From Windows 10 on the real kernels have no MmNumberOfPhysicalPages (the facts table:
 * only 7601 and 9600 of 213 kernels): the KDBG's pointer leads to a stale value. */
enum { PM_FIRST_STALE_MM_BUILD = 10240 };

static void add(struct pm_ram_view *v, enum pm_prov from, uint64_t pages, bool upper,
		bool stale, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add(struct pm_ram_view *v, enum pm_prov from, uint64_t pages, bool upper,
		bool stale, const char *fmt, ...)
{
	if (v->n >= PM_SUM_MAX_RAM || !pages)
		return;
	struct pm_sum_ram *r = &v->r[v->n++];
	memset(r, 0, sizeof(*r));
	r->from = from;
	r->pages = pages;
	r->upper_bound = upper;
	r->stale = stale;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->source, sizeof(r->source), fmt, ap);
	va_end(ap);
}

/* The kernel's own figures: the symbols' MiSystemPartition, MmPhysicalMemoryBlock, and the
 * KDBG's MmNumberOfPhysicalPages (live only before Windows 10). */
static void from_kernel(const struct pm_info *in, struct pm_ram_view *v)
{
	const struct pm_kernel *k = in->k;
	uint64_t val;
	if (in->sym.found && k->has_vm && !k->kernel_base.absent) {
		struct pm_error *err = pm_sym_read_field(in->sym.find.tab, &k->vm, k->kernel_base.v,
							 "MiSystemPartition", "_MI_PARTITION",
							 "Vp.NumberOfPhysicalPages", &val);
		if (!err)
			add(v, PM_PROV_SYMBOL_LAYOUT, val, false, false,
			    "MiSystemPartition.Vp.NumberOfPhysicalPages");
		pm_error_destroy(err);
	}
	if (k->has_kdbg && k->has_vm) {
		struct pm_phys_block b;
		struct pm_error *err = pm_phys_block_read(&k->vm, &k->kdbg, &b);
		if (!err)
			add(v, PM_PROV_KDBG, b.pages, false, false, "MmPhysicalMemoryBlock (KDBG +0x270, "
			    "%" PRIu32 " runs)", b.nruns);
		pm_error_destroy(err);
	}
	if (!k->ram_pages.absent) {
		bool stale = k->build.v >= PM_FIRST_STALE_MM_BUILD;
		add(v, PM_PROV_KDBG, k->ram_pages.v, false, stale, "KDBG.MmNumberOfPhysicalPages%s",
		    stale ? " (stale on Windows 10 and later)" : "");
	}
}

/* What the container says: the header's descriptor, a complete-memory dump's pages, the
 * length of a bitmap or of a capture (holes included: at least RAM). */
static void from_container(const struct pm_info *in, struct pm_ram_view *v)
{
	const struct pm_dmp *d = in->dmp;
	const struct pm_dmp_header *h = &d->hdr;
	if (d->triage)
		return;
	if (d->container == PM_CONT_CRASHDUMP) {
		const struct pm_kval *hr = &in->k->header_ram_pages;
		if (!hr->absent)
			add(v, hr->from, hr->v, false, false, "DUMP_HEADER%s.%s", h->is64 ? "64" : "32",
			    hr->how ? hr->how : "PhysicalMemoryBlock.NumberOfPages");
		if (h->dump_type == PM_DUMP_BITMAP_FULL || h->dump_type == PM_DUMP_RDMP_COMPLETE)
			add(v, PM_PROV_HEADER, d->map.pages_present, false, false, "pages of the "
			    "complete memory dump (DumpType %" PRIu32 ")", h->dump_type);
		if (d->map.nbits)
			add(v, PM_PROV_HEADER, d->map.nbits, true, false, "bitmap length (highest PFN "
			    "+ 1, holes included)");
		return;
	}
	add(v, PM_PROV_DISCOVERED, d->map.pfn_limit, true, false, "%s capture length (highest "
	    "PFN + 1, holes included)", pm_container_name(d->container));
}

static uint64_t diff_pct(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;
	return b ? d * 100 / b : 100;
}

void pm_ram_view_build(const struct pm_info *in, struct pm_ram_view *v)
{
	memset(v, 0, sizeof(*v));
	v->best = -1;
	from_kernel(in, v);
	from_container(in, v);
	for (unsigned i = 0; i < v->n && v->best < 0; i++)
		if (!v->r[i].stale && !v->r[i].upper_bound)
			v->best = (int)i;
	for (unsigned i = 0; i < v->n && v->best < 0; i++)
		if (!v->r[i].stale)
			v->best = (int)i;
	if (v->best < 0)
		return;
	struct pm_sum_ram *b = &v->r[v->best];
	b->used = true;
	int len = 0;
	for (unsigned i = 0; i < v->n; i++) {
		const struct pm_sum_ram *r = &v->r[i];
		if ((int)i == v->best || r->stale ||
		    (r->upper_bound ? r->pages * 100 >= b->pages * 99 : diff_pct(r->pages, b->pages) < 1))
			continue;
		int w = snprintf(v->disagree + len, sizeof(v->disagree) - (size_t)len,
				 "%s%s says %" PRIu64 " pages", len ? "; " : "", r->source, r->pages);
		if (w < 0 || (size_t)w >= sizeof(v->disagree) - (size_t)len)
			break;
		len += w;
	}
}
