// SPDX-License-Identifier: MIT
// Summary for the rules, from the dump (info, pool tables, vm view) plus tag attribution.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "holders.h"
#include "summary_build.h"
#include "tagsearch.h"
#include "vmview.h"

static int cmp_bytes_desc(const void *x, const void *y, bool paged)
{
	const struct pm_sum_tag *a = x, *b = y;
	uint64_t va = paged ? a->p_bytes : a->np_bytes, vb = paged ? b->p_bytes : b->np_bytes;
	return va > vb ? -1 : va < vb;
}

static int cmp_np(const void *x, const void *y)
{
	return cmp_bytes_desc(x, y, false);
}

static int cmp_p(const void *x, const void *y)
{
	return cmp_bytes_desc(x, y, true);
}

static void fig(struct pm_fig *f, const struct pm_vm_line *l)
{
	f->absent = l->absent;
	f->v = l->absent ? 0 : l->pages;
	f->from = l->absent ? PM_PROV_NONE : l->from;
	const char *src = !l->absent && l->source ? l->source : "";
	if (f->from == PM_PROV_ESTIMATE)
		src = "tag tracker (estimate)";
	snprintf(f->source, sizeof(f->source), "%s", src);
}

static void count_fig(struct pm_fig *f, const struct pm_count *c)
{
	f->absent = c->absent;
	f->v = c->absent ? 0 : c->v;
	f->from = c->absent ? PM_PROV_NONE : PM_PROV_SYMBOLS;
	snprintf(f->source, sizeof(f->source), "%s", c->absent ? "" : c->source);
}

/* Search every module's image for the tags (tagsearch.h); records hits. */
static struct pm_error *attribute(struct pm_info *in, struct pm_summary *s, const uint32_t *tags,
				  size_t ntags)
{
	const struct pm_kernel *kn = in->k;
	if (!kn->has_vm || !ntags)
		return NULL;
	struct pm_tag_hits *hits = calloc(ntags, sizeof(*hits));
	if (!hits)
		return &pm_enomem;
	s->hits = calloc(kn->modules.n * ntags + 1, sizeof(*s->hits));
	if (!s->hits) {
		free(hits);
		return &pm_enomem;
	}
	for (size_t m = 0; m < kn->modules.n && m < s->nmodules; m++) {
		const struct pm_module *mod = &kn->modules.items[m];
		const struct pm_pe_info *pe = kn->mods && !kn->mods[m].pe_absent ? &kn->mods[m].pe : NULL;
		memset(hits, 0, ntags * sizeof(*hits));
		struct pm_error *e = pm_tagsearch_image(&kn->vm, mod->base, mod->size, pe, tags, ntags,
							hits);
		if (e == &pm_enomem) {
			free(hits);
			return e;
		}
		if (e) { /* headers unreadable: code cannot be told from data, not searched */
			pm_error_destroy(e);
			continue;
		}
		s->modules[m].image_read = true;
		for (size_t t = 0; t < ntags; t++) {
			const unsigned *n = hits[t].n;
			if (!n[PM_TAGHIT_IMMEDIATE] && !n[PM_TAGHIT_CODE] && !n[PM_TAGHIT_DATA])
				continue;
			struct pm_sum_hit *h = &s->hits[s->nhits++];
			h->tag = tags[t];
			h->module = m;
			h->immediates = n[PM_TAGHIT_IMMEDIATE];
			h->code = n[PM_TAGHIT_CODE];
			h->data = n[PM_TAGHIT_DATA];
		}
	}
	free(hits);
	return NULL;
}

struct pm_error *pm_summary_build(struct pm_info *in, struct pm_summary *ret)
{
	struct pm_summary s;
	memset(&s, 0, sizeof(s));
	const struct pm_dmp_header *h = &in->dmp->hdr;
	const struct pm_kernel *kn = in->k;
	snprintf(s.dump, sizeof(s.dump), "%s", in->dmp->src->name);
	s.build = (uint32_t)kn->build.v;
	s.is64 = kn->is64;
	snprintf(s.arch, sizeof(s.arch), "%s", pm_arch_name(kn->arch));
	snprintf(s.os, sizeof(s.os), "%s", in->os_name);
	s.nprocs = (unsigned)kn->nprocs.v;
	s.product_type = kn->product_type.absent ? 0 : (int)kn->product_type.v;
	s.has_bugcheck = in->dmp->container == PM_CONT_CRASHDUMP;
	s.bugcheck = h->bugcheck_code;
	memcpy(s.params, h->bugcheck_params, sizeof(s.params));
	s.triage = in->dmp->triage != NULL;
	struct pm_vm_view v;
	pm_vm_view_build(in, &v);
	fig(&s.ram, &v.line[PM_VM_physical_memory]);
	fig(&s.available, &v.line[PM_VM_available_pages]);
	fig(&s.np_usage, &v.line[PM_VM_nonpaged_usage]);
	fig(&s.np_max, &v.line[PM_VM_nonpaged_max]);
	fig(&s.p_usage, &v.line[PM_VM_paged_usage]);
	fig(&s.p_max, &v.line[PM_VM_paged_max]);
	fig(&s.committed, &v.line[PM_VM_committed_pages]);
	fig(&s.commit_limit, &v.line[PM_VM_commit_limit]);
	fig(&s.commit_peak, &v.line[PM_VM_commit_peak]);
	fig(&s.free_ptes, &v.line[PM_VM_free_system_ptes]);
	count_fig(&s.pool_failures, &in->mm.pool_failures);
	count_fig(&s.pte_failures, &in->mm.pte_failures);
	count_fig(&s.commit_failures, &in->mm.commit_failures);
	for (unsigned i = 0; i < v.nimplausible && i < PM_SUM_MAX_IMPLAUSIBLE; i++)
		snprintf(s.coverage.implausible[s.coverage.nimplausible++],
			 sizeof(s.coverage.implausible[0]), "%s", v.implausible[i]);
	pm_vm_view_deinit(&v);
	pm_summary_coverage(in, &s);
	pm_vm_symbols_gap(in, s.coverage.symbols_gap, sizeof(s.coverage.symbols_gap), NULL, 0);
	const struct pm_pool_info *p = &in->pool;
	struct pm_error *err = NULL;
	if (p->has_track) {
		s.tracker = true;
		s.cpus_read = p->track.cpus_read;
		s.cpus_expected = p->track.cpus_expected;
		s.tracker_inconsistent = p->track.inconsistent;
		s.tags = calloc(p->track.ntags + 1, sizeof(*s.tags));
		if (!s.tags) {
			err = &pm_enomem;
			goto fail;
		}
		for (size_t i = 0; i < p->track.ntags; i++) {
			const struct pm_tag_counts *c = &p->track.tags[i];
			struct pm_sum_tag *t = &s.tags[s.ntags++];
			t->tag = c->tag;
			t->np_outstanding = c->np_allocs - c->np_frees;
			t->np_bytes = c->np_bytes;
			t->p_outstanding = c->p_allocs - c->p_frees;
			t->p_bytes = c->p_bytes;
			for (size_t k = 0; p->has_big && k < p->big.nallocs; k++)
				if (p->big.allocs[k].tag == c->tag) {
					t->big_count++;
					t->big_bytes += p->big.allocs[k].bytes;
				}
		}
	}
	s.bigtable = p->has_big;
	s.modules = calloc(kn->modules.n + 1, sizeof(*s.modules));
	if (!s.modules) {
		err = &pm_enomem;
		goto fail;
	}
	for (size_t i = 0; i < kn->modules.n; i++) {
		struct pm_sum_module *m = &s.modules[s.nmodules++];
		snprintf(m->name, sizeof(m->name), "%s", kn->modules.items[i].name
			 ? kn->modules.items[i].name : "(unnamed)");
		m->base = kn->modules.items[i].base;
		m->size = kn->modules.items[i].size;
		m->timestamp = kn->mods && kn->mods[i].pe_headers ? kn->mods[i].pe.timestamp : 0;
		if (kn->mods) {
			m->version = kn->mods[i].ver;
		} else {
			m->version.absent = PM_ABSENT_UNREADABLE;
			snprintf(m->version.why, sizeof(m->version.why), "out of memory");
		}
	}
	/* Tags to look for: the biggest consumers of each pool. */
	uint32_t tags[2 * PM_ATTRIB_TAGS_PER_POOL];
	size_t ntags = 0;
	if (s.ntags) {
		struct pm_sum_tag *sorted = malloc(s.ntags * sizeof(*sorted));
		if (!sorted) {
			err = &pm_enomem;
			goto fail;
		}
		for (int pass = 0; pass < 2; pass++) {
			memcpy(sorted, s.tags, s.ntags * sizeof(*sorted));
			if (s.ntags > 1) /* qsort() wants a non-null base even for 0 */
				qsort(sorted, s.ntags, sizeof(*sorted), pass ? cmp_p : cmp_np);
			for (size_t i = 0; i < s.ntags && i < PM_ATTRIB_TAGS_PER_POOL; i++) {
				if (!(pass ? sorted[i].p_bytes : sorted[i].np_bytes))
					break;
				bool dup = false;
				for (size_t k = 0; k < ntags; k++)
					dup |= tags[k] == sorted[i].tag;
				if (!dup)
					tags[ntags++] = sorted[i].tag;
			}
		}
		free(sorted);
	}
	if ((err = attribute(in, &s, tags, ntags)))
		goto fail;
	if ((err = pm_holders_into_summary(in, &s.holders)))
		goto fail;
	*ret = s;
	return NULL;
fail:
	pm_summary_deinit(&s);
	return err;
}
