// SPDX-License-Identifier: MIT
// Cross-checks between independent figures of the `vm` view, and what the view could not read
// said as diagnostics (issue 16, N4 and N5).
//
// A damaged dump can hold a counter that is read without error and is wrong: one flipped bit
// in MmAllocatedNonPagedPool, a pointer of the KDBG that now leads elsewhere. Such a figure is
// believed unless another figure, read independently, contradicts it. The checks below hold
// only relations that the memory manager itself keeps at every instant (pool-internals.md §7
// step 9 asks for them: "Available <= RAM; Commit <= CommitLimit"); each states the relation
// and why it holds. None has a tolerance: each relation holds exactly in a consistent dump,
// and the kernel is stopped while a crash dump is written (a hypervisor pauses the guest for a
// capture), so no allocation runs between the two reads. A figure that fails is not used: its
// line becomes absent ("implausible") and a sentence naming both figures goes to the
// diagnostics and to the verdict's coverage, whose confidence falls (rules/verdict.c). Which of
// the two is wrong cannot be told from the two alone, so both leave the view unless one of
// them was corroborated by a third reading (RAM: ram.c compares every reading of it).
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ram.h"
#include "vmview.h"

static void say(struct pm_vm_view *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct pm_vm_view *v, const char *fmt, ...)
{
	if (v->nimplausible >= PM_VM_MAX_IMPLAUSIBLE)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->implausible[v->nimplausible++], sizeof(v->implausible[0]), fmt, ap);
	va_end(ap);
}

static bool read_figure(const struct pm_vm_line *l)
{
	return !l->absent && l->from != PM_PROV_ESTIMATE && l->from != PM_PROV_TRIAGE;
}

static void drop(struct pm_vm_line *l, const char *why)
{
	free(l->detail);
	l->detail = strdup(why);
	l->absent = PM_ABSENT_IMPLAUSIBLE;
	l->from = PM_PROV_NONE;
	l->source = NULL;
	l->pages = 0;
}

static const char *src(const struct pm_vm_line *l)
{
	return l->source ? l->source : "?";
}

/* @a must not exceed @b; when it does, the sentence says so and the lines named in @drop_a /
 * @drop_b leave the view. */
static void at_most(struct pm_vm_view *v, enum pm_vm_line_id a, enum pm_vm_line_id b,
		    bool drop_a, bool drop_b, const char *why)
{
	struct pm_vm_line *la = &v->line[a], *lb = &v->line[b];
	if (!read_figure(la) || !read_figure(lb) || la->pages <= lb->pages)
		return;
	char s[320];
	snprintf(s, sizeof(s), "implausible: %s %" PRIu64 " pages (from %s) exceeds %s %" PRIu64
		 " pages (from %s): %s", pm_vm_line_label(a), la->pages, src(la),
		 pm_vm_line_label(b), lb->pages, src(lb), why);
	say(v, "%s", s);
	if (drop_a)
		drop(la, s);
	if (drop_b)
		drop(lb, s);
}

/* Figures that cannot exceed the machine's RAM: nonpaged pool is never paged out, so every
 * page of it is a page of RAM; available and resident-available pages are RAM pages too. The
 * RAM is the best of its readings (ram.c, which reports readings that disagree); one from a
 * capture's length is an upper bound, so a figure above it is above RAM as well. The RAM
 * reading stays, the figure goes. */
static void against_ram(const struct pm_info *in, struct pm_vm_view *v)
{
	struct pm_ram_view rv;
	pm_ram_view_build(in, &rv);
	if (rv.best < 0)
		return;
	const struct pm_sum_ram *r = &rv.r[rv.best];
	static const struct {
		enum pm_vm_line_id id;
		const char *why;
	} lines[] = {
		{ PM_VM_nonpaged_usage, "nonpaged pool is never paged out: each of its pages is a "
					"page of RAM" },
		{ PM_VM_available_pages, "available pages are pages of RAM" },
		{ PM_VM_resavail_pages, "resident available pages are pages of RAM" },
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct pm_vm_line *l = &v->line[lines[i].id];
		if (!read_figure(l) || l->pages <= r->pages)
			continue;
		char s[320];
		snprintf(s, sizeof(s), "implausible: %s %" PRIu64 " pages (from %s) exceeds the "
			 "machine's RAM, %" PRIu64 " pages%s (from %s): %s; the figure is not used",
			 pm_vm_line_label(lines[i].id), l->pages, src(l), r->pages,
			 r->upper_bound ? " at most" : "", r->source, lines[i].why);
		say(v, "%s", s);
		drop(l, s);
	}
}

/* Not checked: the tag tracker's nonpaged bytes against the nonpaged pool's page count. The
 * reference calls the tracker's sum a lower bound of the usage (pool-internals.md §4.5, [M]),
 * but that is not established, and the project's own fixtures hold tracker sums above the
 * counter (win10-22h2-x64-bitmap: 360943 pages of tags against MiState's 360043;
 * win7sp1-x64-holders: 3117 against MmAllocatedNonPagedPool's 1990): a relation the
 * generator's independent reading does not keep is no ground to discard a counter. */

void pm_vm_plausibility(const struct pm_info *in, struct pm_vm_view *v)
{
	v->nimplausible = 0;
	against_ram(in, v);
	/* The allocator does not grow a pool past its maximum (an allocation that would is
	 * refused: pool-internals.md §5), so usage <= maximum. */
	at_most(v, PM_VM_nonpaged_usage, PM_VM_nonpaged_max, true, true, "a pool does not grow "
		"past its maximum; one of the two is damaged and neither is used");
	at_most(v, PM_VM_paged_usage, PM_VM_paged_max, true, true, "a pool does not grow past its "
		"maximum; one of the two is damaged and neither is used");
	/* A commit charge that would pass the limit is refused (or the limit grows first, when
	 * the page file is extended), so committed <= limit; the peak is the highest charge
	 * since boot, so committed <= peak. */
	at_most(v, PM_VM_committed_pages, PM_VM_commit_limit, true, true, "a charge past the "
		"commit limit is refused; one of the two is damaged and neither is used");
	at_most(v, PM_VM_committed_pages, PM_VM_commit_peak, true, true, "the peak is the highest "
		"charge since boot; one of the two is damaged and neither is used");
}

/* The lines the KDBG or the symbols name but that could not be read: the variable and the
 * address are in the line's detail (pm_mm_read's, pm_sym_read_field's message). */
static bool unread(const struct pm_vm_line *l)
{
	return l->absent == PM_ABSENT_UNREADABLE || l->absent == PM_ABSENT_NOT_CAPTURED ||
	       l->absent == PM_ABSENT_NOT_PRESENT || l->absent == PM_ABSENT_PAGED_OUT;
}

void pm_vm_check(struct pm_info *in)
{
	const struct pm_kernel *k = in->k;
	if (in->dmp->triage || !k->has_kdbg || !k->has_vm)
		return; /* no KDBG: said where the KDBG was looked for */
	struct pm_vm_view v;
	pm_vm_view_build(in, &v);
	for (int i = 0; i < _PM_VM_MAX; i++) {
		const struct pm_vm_line *l = &v.line[i];
		if (unread(l) && l->detail)
			pm_diag_add(&in->diags, PM_ERR_FORMAT, "kdbg", "!vm %s: %s: %s",
				    pm_vm_line_label((enum pm_vm_line_id)i),
				    pm_absent_text(l->absent), l->detail);
	}
	if (!v.has_descs && (v.descs_absent.why == PM_ABSENT_UNREADABLE ||
			     v.descs_absent.why == PM_ABSENT_NOT_CAPTURED ||
			     v.descs_absent.why == PM_ABSENT_NOT_PRESENT))
		pm_diag_add(&in->diags, PM_ERR_FORMAT, "pool", "the paged pool descriptors: %s",
			    pm_absence_detail(&v.descs_absent));
	if (!v.has_np_desc && (v.np_desc_absent.why == PM_ABSENT_UNREADABLE ||
			       v.np_desc_absent.why == PM_ABSENT_NOT_CAPTURED ||
			       v.np_desc_absent.why == PM_ABSENT_NOT_PRESENT))
		pm_diag_add(&in->diags, PM_ERR_FORMAT, "pool", "the nonpaged pool descriptor: %s",
			    pm_absence_detail(&v.np_desc_absent));
	for (unsigned i = 0; i < v.nimplausible; i++)
		pm_diag_add(&in->diags, PM_ERR_FORMAT, "implausible", "%s", v.implausible[i]);
	pm_vm_view_deinit(&v);
}
