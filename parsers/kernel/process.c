// SPDX-License-Identifier: MIT
// The _EPROCESS list (process.h): followed from nt!PsActiveProcessHead with a length limit,
// a cycle check and Blink consistency; each node read once as one window of the _EPROCESS.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-reader.h"
#include "process.h"

/* ---- a set of visited addresses (open addressing; the list is at most PM_MAX_PROCESSES) -- */

struct vset {
	uint64_t *slot;
	size_t cap, n;
};

static size_t vhash(uint64_t v, size_t cap)
{
	v ^= v >> 29;
	v *= UINT64_C(0xBF58476D1CE4E5B9);
	v ^= v >> 32;
	return (size_t)(v & (cap - 1));
}

/* Add @p v (never 0); *seen set if it was there. */
static struct pm_error *vset_add(struct vset *s, uint64_t v, bool *seen)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint64_t *slot = calloc(cap, sizeof(*slot));
		if (!slot)
			return &pm_enomem;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i]) {
				size_t j = vhash(s->slot[i], cap);
				while (slot[j])
					j = (j + 1) & (cap - 1);
				slot[j] = s->slot[i];
			}
		free(s->slot);
		s->slot = slot;
		s->cap = cap;
	}
	size_t j = vhash(v, s->cap);
	while (s->slot[j]) {
		if (s->slot[j] == v) {
			*seen = true;
			return NULL;
		}
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = v;
	s->n++;
	*seen = false;
	return NULL;
}

/* ---- one node ----------------------------------------------------------------------------- */

/* The window of the _EPROCESS the layout's fields span. */
static void span(const struct pm_obj_layout *L, uint32_t *lo, uint32_t *hi)
{
	*lo = UINT32_MAX;
	*hi = 0;
	for (unsigned f = PM_OF_EP_PID; f <= PM_OF_EP_THREADS; f++) {
		const struct pm_obj_fld *x = &L->f[f];
		if (!x->present)
			continue;
		if (x->off < *lo)
			*lo = x->off;
		if (x->off + x->size > *hi)
			*hi = x->off + x->size;
	}
}

static uint64_t fld(const struct pm_rd *rd, const struct pm_obj_layout *L, enum pm_obj_field f,
		    uint32_t lo, unsigned idx)
{
	uint64_t v = 0;
	const struct pm_obj_fld *x = &L->f[f];
	size_t w = x->size >= 8 ? 8 : x->size, off = x->off - lo + idx * 8u;
	uint8_t b[8] = { 0 };
	struct pm_error *err = pm_rd_bytes(rd, off, b, w);
	if (err) { /* inside the window by construction (span) */
		pm_error_destroy(err);
		return 0;
	}
	for (int i = (int)w - 1; i >= 0; i--)
		v = v << 8 | b[i];
	return v;
}

/* Image name: up to 15 bytes, NUL-terminated unless all 15 are used. */
static bool name_ok(const uint8_t *p, size_t n, char out[16])
{
	size_t i = 0;
	for (; i < n && i < 15 && p[i]; i++) {
		if (p[i] < 0x20 || p[i] == 0x7F)
			return false;
		out[i] = p[i] < 0x7F ? (char)p[i] : '?';
	}
	out[i] = 0;
	return i > 0;
}

static void read_session(const struct pm_vmem *vm, const struct pm_obj_layout *L,
			 uint64_t session_ptr, struct pm_process *p)
{
	p->has_session = false;
	if (!L->f[PM_OF_SS_ID].present) {
		p->session_absent = "not_in_layout";
		return;
	}
	if (!session_ptr) {
		p->session_absent = "none";
		return;
	}
	uint8_t b[4];
	struct pm_error *err = pm_is_kernel_va64(session_ptr)
				       ? pm_vmem_read(vm, session_ptr + L->f[PM_OF_SS_ID].off, b, 4)
				       : pm_err(PM_ERR_FORMAT, "not a kernel address");
	if (err) {
		pm_error_destroy(err);
		p->session_absent = "unreadable";
		return;
	}
	p->session = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		     (uint32_t)b[3] << 24;
	p->has_session = true;
}

/* Read and check the process whose ActiveProcessLinks is at @p node; its links in flink, blink. */
static struct pm_error *read_node(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				  uint64_t node, struct pm_process *p, uint64_t *flink,
				  uint64_t *blink)
{
	uint32_t lo, hi;
	span(L, &lo, &hi);
	uint64_t ep = node - L->f[PM_OF_EP_LINKS].off;
	uint8_t buf[PM_OBJ_MAX_STRUCT];
	if (hi <= lo || hi - lo > sizeof(buf))
		return pm_err(PM_ERR_FORMAT, "the _EPROCESS fields span %#" PRIx32 "..%#" PRIx32,
			      lo, hi);
	PM_TRY(pm_vmem_read(vm, ep + lo, buf, hi - lo));
	struct pm_rd rd = pm_rd_make(buf, hi - lo, PM_AS_VIRT, ep + lo, "_EPROCESS");
	memset(p, 0, sizeof(*p));
	p->eprocess = ep;
	p->pid = fld(&rd, L, PM_OF_EP_PID, lo, 0);
	*flink = fld(&rd, L, PM_OF_EP_LINKS, lo, 0);
	*blink = fld(&rd, L, PM_OF_EP_LINKS, lo, 1);
	p->object_table = fld(&rd, L, PM_OF_EP_OBJTABLE, lo, 0);
	const struct pm_obj_fld *nm = &L->f[PM_OF_EP_NAME];
	if (!name_ok(buf + (nm->off - lo), nm->size, p->name))
		return pm_err(PM_ERR_FORMAT, "_EPROCESS at %#" PRIx64 ": ImageFileName is not a "
			      "printable name", ep);
	if (p->pid & 3 || p->pid > UINT32_MAX)
		return pm_err(PM_ERR_FORMAT, "_EPROCESS at %#" PRIx64 " (%s): UniqueProcessId %#"
			      PRIx64 " is not a process id", ep, p->name, p->pid);
	if (p->object_table && !pm_is_kernel_va64(p->object_table))
		return pm_err(PM_ERR_FORMAT, "_EPROCESS at %#" PRIx64 " (%s): ObjectTable %#" PRIx64
			      " is not a kernel address", ep, p->name, p->object_table);
	if ((p->has_parent = L->f[PM_OF_EP_PARENT].present))
		p->parent_pid = fld(&rd, L, PM_OF_EP_PARENT, lo, 0);
	if ((p->has_create = L->f[PM_OF_EP_CREATE].present))
		p->create_time = fld(&rd, L, PM_OF_EP_CREATE, lo, 0);
	/* figures no machine can hold are not figures (2^36 pages: 256 TiB) */
	if ((p->has_commit = L->f[PM_OF_EP_COMMIT].present))
		p->commit_pages = fld(&rd, L, PM_OF_EP_COMMIT, lo, 0);
	p->has_commit = p->has_commit && p->commit_pages <= PM_MAX_PROC_PAGES;
	if ((p->has_commit_peak = L->f[PM_OF_EP_COMMIT_PEAK].present))
		p->commit_peak_pages = fld(&rd, L, PM_OF_EP_COMMIT_PEAK, lo, 0);
	if ((p->has_quota = L->f[PM_OF_EP_QUOTA_USAGE].present)) {
		p->quota_np = fld(&rd, L, PM_OF_EP_QUOTA_USAGE, lo, 0);
		p->quota_p = fld(&rd, L, PM_OF_EP_QUOTA_USAGE, lo, 1);
		p->has_quota = p->quota_np <= PM_MAX_PROC_PAGES << 12 &&
			       p->quota_p <= PM_MAX_PROC_PAGES << 12;
	}
	if ((p->has_quota_peak = L->f[PM_OF_EP_QUOTA_PEAK].present)) {
		p->quota_peak_np = fld(&rd, L, PM_OF_EP_QUOTA_PEAK, lo, 0);
		p->quota_peak_p = fld(&rd, L, PM_OF_EP_QUOTA_PEAK, lo, 1);
	}
	if ((p->has_threads = L->f[PM_OF_EP_THREADS].present))
		p->threads = (uint32_t)fld(&rd, L, PM_OF_EP_THREADS, lo, 0);
	if (L->f[PM_OF_EP_SESSION].present)
		read_session(vm, L, fld(&rd, L, PM_OF_EP_SESSION, lo, 0), p);
	else
		p->session_absent = "not_in_layout";
	return NULL;
}

static struct pm_error *push(struct pm_processes *r, size_t *cap, const struct pm_process *p)
{
	if (r->n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct pm_process *it = realloc(r->items, c * sizeof(*it));
		if (!it)
			return &pm_enomem;
		r->items = it;
		*cap = c;
	}
	r->items[r->n++] = *p;
	return NULL;
}

static void stop(struct pm_processes *r, struct pm_error *err)
{
	snprintf(r->stop, sizeof(r->stop), "%s", pm_err_msg(err));
	pm_error_destroy(err);
}

/* Follow the list from the first node; stops (keeping what was read) at the first bad node. */
static struct pm_error *walk(const struct pm_vmem *vm, const struct pm_obj_layout *L,
			     struct pm_processes *r, uint64_t node, uint64_t prev, size_t *cap,
			     struct vset *seen)
{
	while (node != r->head) {
		bool dup;
		if (r->n >= PM_MAX_PROCESSES) {
			stop(r, pm_err(PM_ERR_LIMIT, "more than %d processes on the list",
				       PM_MAX_PROCESSES));
			return NULL;
		}
		if (!pm_is_kernel_va64(node) || node & 7) {
			stop(r, pm_err(PM_ERR_FORMAT, "the link after %#" PRIx64 " is %#" PRIx64
				       ", not a kernel address", prev, node));
			return NULL;
		}
		PM_TRY(vset_add(seen, node, &dup));
		if (dup) {
			stop(r, pm_err(PM_ERR_FORMAT, "the list loops back to %#" PRIx64 " without "
				       "returning to its head", node));
			return NULL;
		}
		struct pm_process p;
		uint64_t flink, blink;
		struct pm_error *err = read_node(vm, L, node, &p, &flink, &blink);
		if (!err && blink != prev)
			err = pm_err(PM_ERR_FORMAT, "the list is broken at %#" PRIx64 ": its Blink "
				     "is %#" PRIx64 ", not the previous link %#" PRIx64, node, blink,
				     prev);
		if (err) {
			stop(r, pm_err_wrap(err, "process %zu", r->n + 1));
			return NULL;
		}
		PM_TRY(push(r, cap, &p));
		prev = node;
		node = flink;
	}
	r->complete = true;
	return NULL;
}

struct pm_error *pm_processes_read(const struct pm_vmem *vm, const struct pm_obj_layout *L,
				   uint64_t head, struct pm_processes *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->head = head;
	PM_TRY(pm_obj_layout_check(L));
	uint64_t links[2];
	uint8_t b[16];
	struct pm_error *err = pm_vmem_read(vm, head, b, 16);
	if (err)
		return pm_err_wrap(err, "PsActiveProcessHead at %#" PRIx64, head);
	for (int i = 0; i < 2; i++) {
		struct pm_rd rd = pm_rd_make(b, 16, PM_AS_VIRT, head, "PsActiveProcessHead");
		PM_TRY(pm_rd_u64(&rd, (size_t)i * 8, &links[i]));
	}
	if (links[0] == head)
		return pm_err(PM_ERR_FORMAT, "PsActiveProcessHead at %#" PRIx64 " is an empty "
			      "list: a running kernel has at least the System process", head);
	/* the first node decides whether the layout fits this kernel */
	struct pm_process first;
	uint64_t flink, blink;
	if (!pm_is_kernel_va64(links[0]) || links[0] & 7)
		return pm_err(PM_ERR_FORMAT, "PsActiveProcessHead at %#" PRIx64 ": Flink %#" PRIx64
			      " is not a kernel address", head, links[0]);
	err = read_node(vm, L, links[0], &first, &flink, &blink);
	if (!err && (first.pid != 4 || strcmp(first.name, "System")))
		err = pm_err(PM_ERR_PROFILE, "the first process reads as PID %" PRIu64 " \"%s\", "
			     "not the System process (PID 4)", first.pid, first.name);
	if (!err && blink != head)
		err = pm_err(PM_ERR_PROFILE, "the first process's Blink is %#" PRIx64 ", not the "
			     "list head", blink);
	if (err && pm_err_code(err) == PM_ERR_FORMAT) {
		/* bytes that are there but do not read as the System process: the layout */
		struct pm_error *e = pm_err(PM_ERR_PROFILE, "%s", pm_err_msg(err));
		pm_error_destroy(err);
		err = e;
	}
	if (err)
		return pm_err_wrap(err, "%s does not fit this kernel's processes (first "
				   "_EPROCESS link at %#" PRIx64 ")", L->name, links[0]);
	size_t cap = 0;
	struct vset seen = { NULL, 0, 0 };
	bool dup;
	err = push(ret, &cap, &first);
	if (!err)
		err = vset_add(&seen, links[0], &dup);
	if (!err)
		err = walk(vm, L, ret, flink, links[0], &cap, &seen);
	free(seen.slot);
	if (err)
		pm_processes_deinit(ret);
	return err;
}

void pm_processes_deinit(struct pm_processes *p)
{
	free(p->items);
	p->items = NULL;
	p->n = 0;
}
