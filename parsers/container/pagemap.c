// SPDX-License-Identifier: MIT
// L1: the page map of a container, PFN -> file offset, for run lists and bitmaps (crashdump-format.md §2.2, §2.3, §2.5).
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pagemap.h"
#include "pm-reader.h"

static int run_cmp(const void *a, const void *b)
{
	const struct pm_phys_run *x = a, *y = b;
	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static void count_beyond_eof(struct pm_pagemap *pm)
{
	uint64_t size = pm->src->size;
	pm->pages_beyond_eof = 0;
	if (pm->runs) {
		for (size_t i = 0; i < pm->nruns; i++) {
			const struct pm_phys_run *r = &pm->runs[i];
			if (r->file_off >= size) {
				pm->pages_beyond_eof += r->count;
				continue;
			}
			uint64_t whole = (size - r->file_off) / PM_PAGE_SIZE;
			if (whole < r->count)
				pm->pages_beyond_eof += r->count - whole;
		}
	} else if (pm->bits) {
		uint64_t fit = 0;
		if (size > pm->first_page)
			fit = (size - pm->first_page) / PM_PAGE_SIZE;
		if (fit < pm->pages_present)
			pm->pages_beyond_eof = pm->pages_present - fit;
	}
}

struct pm_error *pm_pagemap_init_runs(struct pm_pagemap *pm, struct pm_source *src,
				      struct pm_phys_run *runs, size_t nruns)
{
	memset(pm, 0, sizeof(*pm));
	pm->src = src;
	if (nruns > 1) /* qsort() wants a non-null base even for 0 */
		qsort(runs, nruns, sizeof(*runs), run_cmp);
	uint64_t total = 0;
	for (size_t i = 0; i < nruns; i++) {
		uint64_t end;
		if (pm_ckd_add(&end, runs[i].pfn, runs[i].count)) {
			struct pm_error *err = pm_err(PM_ERR_FORMAT, "run at PFN %#" PRIx64 " of %"
						      PRIu64 " pages overflows", runs[i].pfn,
						      runs[i].count);
			free(runs);
			return err;
		}
		if (i + 1 < nruns && end > runs[i + 1].pfn) {
			uint64_t next = runs[i + 1].pfn;
			free(runs);
			return pm_err(PM_ERR_FORMAT, "runs overlap: run ending at PFN %#" PRIx64
				      " and run starting at PFN %#" PRIx64, end, next);
		}
		if (end > pm->pfn_limit)
			pm->pfn_limit = end;
		total += runs[i].count;
	}
	pm->runs = runs;
	pm->nruns = nruns;
	pm->pages_present = total;
	count_beyond_eof(pm);
	return NULL;
}

struct pm_error *pm_pagemap_init_bitmap(struct pm_pagemap *pm, struct pm_source *src,
					uint64_t *words, uint64_t nbits, uint64_t first_page)
{
	memset(pm, 0, sizeof(*pm));
	pm->src = src;
	uint64_t nwords = (nbits + 63) / 64;
	/* Bits past nbits in the last word are not pages: clear them so that a stray bit can
	 * neither be counted nor looked up (vol3 issue #509: bit counts that are not a multiple
	 * of 32). */
	if (nbits % 64 && nwords)
		words[nwords - 1] &= (UINT64_C(1) << (nbits % 64)) - 1;
	uint64_t *rank = malloc((size_t)(nwords ? nwords : 1) * sizeof(*rank));
	if (!rank) {
		free(words);
		return &pm_enomem;
	}
	uint64_t acc = 0, last = 0;
	for (uint64_t i = 0; i < nwords; i++) {
		rank[i] = acc;
		acc += (uint64_t)__builtin_popcountll(words[i]);
		if (words[i])
			last = i * 64 + 64 - (uint64_t)__builtin_clzll(words[i]);
	}
	pm->bits = words;
	pm->rank = rank;
	pm->nbits = nbits;
	pm->first_page = first_page;
	pm->pages_present = acc;
	pm->pfn_limit = last;
	count_beyond_eof(pm);
	return NULL;
}

void pm_pagemap_init_empty(struct pm_pagemap *pm, struct pm_source *src)
{
	memset(pm, 0, sizeof(*pm));
	pm->src = src;
}

void pm_pagemap_deinit(struct pm_pagemap *pm)
{
	free(pm->runs);
	free(pm->bits);
	free(pm->rank);
	memset(pm, 0, sizeof(*pm));
}

enum pm_page_status pm_pagemap_locate(const struct pm_pagemap *pm, uint64_t pfn,
				      uint64_t *off_ret)
{
	uint64_t off;
	if (pm->runs) {
		size_t lo = 0, hi = pm->nruns;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			const struct pm_phys_run *r = &pm->runs[mid];
			if (pfn < r->pfn)
				hi = mid;
			else if (pfn - r->pfn >= r->count)
				lo = mid + 1;
			else {
				off = r->file_off + (pfn - r->pfn) * PM_PAGE_SIZE;
				goto found;
			}
		}
		return PM_PAGE_NOT_CAPTURED;
	}
	if (pm->bits) {
		if (pfn >= pm->nbits)
			return PM_PAGE_NOT_CAPTURED;
		uint64_t w = pm->bits[pfn >> 6];
		unsigned b = (unsigned)(pfn & 63);
		if (!((w >> b) & 1))
			return PM_PAGE_NOT_CAPTURED;
		uint64_t below = b ? (uint64_t)__builtin_popcountll(w & ((UINT64_C(1) << b) - 1)) : 0;
		off = pm->first_page + (pm->rank[pfn >> 6] + below) * PM_PAGE_SIZE;
		goto found;
	}
	return PM_PAGE_NOT_CAPTURED;
found:
	if (pm->src->ops->has_page && !pm->src->ops->has_page(pm->src, pfn))
		return PM_PAGE_NOT_CAPTURED;
	/* Offsets are bounded by the validated file layout; check EOF per page. */
	if (off > pm->src->size || pm->src->size - off < PM_PAGE_SIZE)
		return PM_PAGE_BEYOND_EOF;
	*off_ret = off;
	return PM_PAGE_OK;
}

bool pm_pagemap_next(const struct pm_pagemap *pm, uint64_t *pfn)
{
	uint64_t p = *pfn;
	if (pm->runs) {
		for (size_t i = 0; i < pm->nruns; i++) { /* runs are sorted */
			const struct pm_phys_run *r = &pm->runs[i];
			if (p < r->pfn + r->count) {
				*pfn = p < r->pfn ? r->pfn : p;
				return true;
			}
		}
		return false;
	}
	if (pm->bits) {
		while (p < pm->nbits) {
			uint64_t w = pm->bits[p >> 6] >> (p & 63);
			if (w) {
				p += (uint64_t)__builtin_ctzll(w);
				if (p >= pm->nbits)
					return false;
				*pfn = p;
				return true;
			}
			p = (p | 63) + 1;
		}
	}
	return false;
}
