// SPDX-License-Identifier: MIT
// The summary's coverage (issue 11): how completely the dump and the tables behind the
// figures were read, the kernel's symbols and their key, and every reading of RAM.
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ram.h"
#include "summary_build.h"

static void absence(char *out, size_t n, const struct pm_absence *a)
{
	const char *text = pm_absent_text(a->why);
	const char *d = pm_absence_detail(a);
	snprintf(out, n, "%s", *d ? d : text ? text : "not read");
}

static void symbols(const struct pm_info *in, struct pm_sum_coverage *c)
{
	const struct pm_kernel *k = in->k;
	const struct pm_sym_info *sy = &in->sym;
	if (k->pe.has_codeview && !k->pe_absent.why) {
		snprintf(c->pdb, sizeof(c->pdb), "%.63s", k->pe.pdb_name);
		char key[42];
		pm_pe_pdb_key(&k->pe, key);
		snprintf(c->pdb_key, sizeof(c->pdb_key), "%s", key);
	}
	if (sy->found) {
		c->symbols = PM_SUM_SYM_FOUND;
		snprintf(c->symbols_note, sizeof(c->symbols_note), "the kernel's %s",
			 sy->find.tab ? sy->find.tab->id.format : "symbols");
	} else if (sy->requested) {
		c->symbols = PM_SUM_SYM_NOT_FOUND;
		snprintf(c->symbols_note, sizeof(c->symbols_note), "%s",
			 sy->absent ? sy->absent : "not found");
	}
}

/* The machine's RAM: the best reading becomes the summary's ram figure. */
static void ram(struct pm_info *in, struct pm_summary *s)
{
	struct pm_ram_view v;
	pm_ram_view_build(in, &v);
	struct pm_sum_coverage *c = &s->coverage;
	memcpy(c->ram, v.r, sizeof(c->ram));
	c->nram = v.n;
	if (v.best < 0)
		return; /* s->ram keeps what the vm view said (absent, with why) */
	const struct pm_sum_ram *b = &v.r[v.best];
	s->ram.absent = PM_ABSENT_PRESENT;
	s->ram.v = b->pages;
	s->ram.from = b->from;
	snprintf(s->ram.source, sizeof(s->ram.source), "%s", b->source);
	if (v.disagree[0])
		pm_diag_add(&in->diags, PM_ERR_FORMAT, "ram", "the readings of "
			    "RAM disagree: %s uses %" PRIu64 " pages; %s", b->source, b->pages,
			    v.disagree);
}

void pm_summary_coverage(struct pm_info *in, struct pm_summary *s)
{
	struct pm_sum_coverage *c = &s->coverage;
	const struct pm_dmp *d = in->dmp;
	const struct pm_kernel *k = in->k;
	const char *desc = d->container == PM_CONT_CRASHDUMP ? pm_dump_type_desc(d->hdr.dump_type)
							     : NULL;
	snprintf(c->dump_type, sizeof(c->dump_type), "%s",
		 desc ? desc : pm_container_name(d->container));
	const char *why;
	c->incomplete = pm_info_incomplete(in, &why);
	if (c->incomplete)
		snprintf(c->incomplete_why, sizeof(c->incomplete_why), "%s", why);
	c->pages_missing = d->map.pages_beyond_eof;
	c->kdbg_header_wrong = k->kdbg_header_wrong;
	if (k->kdbg_header_wrong || !k->has_kdbg)
		snprintf(c->kdbg_note, sizeof(c->kdbg_note), "%s", k->has_kdbg && k->kdbg_va.how
			 ? k->kdbg_va.how : pm_absence_detail(&k->kdbg_absent));
	if (!in->pool.has_track)
		absence(c->tracker_absent, sizeof(c->tracker_absent), &in->pool.track_absent);
	if (!in->pool.has_big)
		absence(c->bigtable_absent, sizeof(c->bigtable_absent), &in->pool.big_absent);
	symbols(in, c);
	ram(in, s);
}
