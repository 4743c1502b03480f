// SPDX-License-Identifier: MIT
// Which pool allocation an address belongs to: the big-page table first (its entries are
// sorted by VA), then the address's page parsed as a classic small-pool page, or on 19H1+ the
// segment-heap subsegment holding it.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "poolfind.h"

enum { PAGE = 4096 };

/* The live (or freed) big allocation holding @p addr, or NULL. */
static const struct pm_big_alloc *in_big(const struct pm_big_alloc *a, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n; /* the last entry whose va <= addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a[mid].va <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	const struct pm_big_alloc *b = &a[lo - 1];
	uint64_t span = b->bytes ? (b->bytes + PAGE - 1) / PAGE * PAGE : PAGE;
	return addr - b->va < span ? b : NULL;
}

static const struct pm_big_alloc *in_freed(const struct pm_big_alloc *a, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++) { /* freed slots are few and not sorted */
		uint64_t va = a[i].va & ~1ull, span = a[i].bytes ? a[i].bytes : PAGE;
		if (addr >= va && addr - va < span)
			return &a[i];
	}
	return NULL;
}

/* 19H1+: the segment heap, with the kernel's symbols (keys, heaps, descriptors) or without. */
static void segheap_at(const struct pm_info *in, uint32_t build, uint64_t addr,
		       struct pm_pool_at *r)
{
	const struct pm_kernel *k = in->k;
	if (!k->has_vm) {
		snprintf(r->why, sizeof(r->why), "not in the big-page table; no virtual memory to "
			 "read the segment heap from");
		return;
	}
	struct pm_symtab *t = in->sym.found && !k->kernel_base.absent ? in->sym.find.tab : NULL;
	struct pm_error *err = pm_segheap_at(t, &k->vm, t ? k->kernel_base.v : 0, build, addr,
					     &r->sh);
	if (err && t && pm_err_code(err) != PM_ERR_NOMEM) {
		/* symbols that do not describe the segment heap: what needs no key still holds */
		char used[200];
		snprintf(used, sizeof(used), "the kernel's symbols could not be used: %s",
			 pm_err_msg(err));
		pm_error_destroy(err);
		err = pm_segheap_at(NULL, &k->vm, 0, build, addr, &r->sh);
		if (!err) {
			size_t n = strlen(r->sh.limits);
			snprintf(r->sh.limits + n, sizeof(r->sh.limits) - n, "%s%s", n ? "; " : "",
				 used);
		}
	}
	if (err) {
		snprintf(r->why, sizeof(r->why), "not in the big-page table; the segment-heap lookup "
			 "failed: %s", pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	const struct pm_sh_at *sh = &r->sh;
	if (sh->hit >= sh->nblocks) {
		snprintf(r->why, sizeof(r->why), "not in the big-page table; %s", sh->why);
		return;
	}
	const struct pm_sh_block *b = &sh->blocks[sh->hit];
	r->where = PM_POOL_SEGHEAP;
	r->base = b->va;
	r->bytes = b->pool_bytes ? b->pool_bytes : b->bytes;
	r->tag = b->header_ok ? b->tag : 0;
	if (sh->heap >= 0)
		r->pool = sh->heap == 2 ? "paged" : "nonpaged";
	else if (b->allocated && !b->state_unknown && b->header_ok) /* paged = odd (§1.3) */
		r->pool = b->pool_type & 1 ? "paged" : "nonpaged";
}

static void small_page(const struct pm_info *in, uint64_t addr, struct pm_pool_at *r)
{
	uint32_t build = in->k->build.absent ? 0 : (uint32_t)in->k->build.v;
	if (!build) {
		snprintf(r->why, sizeof(r->why), "not in the big-page table; the build is unknown, "
			 "so the page's pool layout is too");
		return;
	}
	enum pm_pool_era era = pm_pool_era(build);
	if (era == PM_ERA_SEGHEAP) {
		segheap_at(in, build, addr, r);
		return;
	}
	uint8_t page[PAGE];
	const char *absent = NULL;
	uint64_t base = addr & ~(uint64_t)(PAGE - 1);
	struct pm_error *err = pm_info_read(in, false, base, page, PAGE, &absent);
	if (err) {
		snprintf(r->why, sizeof(r->why), "not in the big-page table; its page %#" PRIx64
			 " cannot be read: %s", base, pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	r->nchunks = pm_pool_page_parse(page, in->k->is64, era, r->chunks, PM_POOL_PAGE_CHUNKS);
	if (!r->nchunks) {
		snprintf(r->why, sizeof(r->why), "not in the big-page table, and its page %#" PRIx64
			 " is not a small-pool page (its headers do not chain)", base);
		return;
	}
	r->page = base;
	unsigned off = (unsigned)(addr - base);
	for (size_t i = 0; i < r->nchunks; i++)
		if (off >= r->chunks[i].offset && off < r->chunks[i].offset + r->chunks[i].size) {
			r->where = PM_POOL_SMALL;
			r->hit = i;
			r->base = base + r->chunks[i].offset;
			r->bytes = r->chunks[i].size;
			r->tag = r->chunks[i].tag;
			r->pool = r->chunks[i].paged ? "paged" : "nonpaged";
			return;
		}
	snprintf(r->why, sizeof(r->why), "its page %#" PRIx64 " is a small-pool page, but no "
		 "chunk covers offset %#x", base, off);
}

void pm_pool_at(const struct pm_info *in, uint64_t addr, struct pm_pool_at *r)
{
	memset(r, 0, sizeof(*r));
	r->addr = addr;
	const struct pm_pool_info *p = &in->pool;
	const struct pm_big_alloc *b = NULL;
	if (p->has_big && (b = in_big(p->big.allocs, p->big.nallocs, addr)))
		r->where = PM_POOL_BIG;
	else if (p->has_big && (b = in_freed(p->big.freed, p->big.nfreed, addr)))
		r->where = PM_POOL_BIG_FREED;
	if (b) {
		r->base = b->va & ~1ull;
		r->bytes = b->bytes;
		r->tag = b->tag;
		r->pool = b->pool;
		return;
	}
	small_page(in, addr, r);
}
