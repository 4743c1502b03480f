// SPDX-License-Identifier: MIT
// Handle tables as a stream (handles.h): one table page at a time, object headers through a
// bounded page cache, counts per type.
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handles.h"
#include "process.h"

/* ---- the header page cache --------------------------------------------------------------- */

struct slot {
	uint64_t page; /* VA of the page + 1 (0: empty) */
	enum pm_err_code absent; /* PM_ERR_NOMEM: present; else why the page could not be read */
	uint8_t *data;
};

struct pm_obj_cache {
	const struct pm_vmem *vm;
	unsigned n; /* power of 2 */
	struct slot *s;
	uint8_t *mem;
};

struct pm_error *pm_obj_cache_new(const struct pm_vmem *vm, unsigned pages,
				  struct pm_obj_cache **ret)
{
	unsigned n = 1;
	while (n < pages && n < 4096)
		n <<= 1;
	struct pm_obj_cache *c = calloc(1, sizeof(*c));
	if (!c)
		return &pm_enomem;
	c->vm = vm;
	c->n = n;
	c->s = calloc(n, sizeof(*c->s));
	c->mem = malloc((size_t)n * 0x1000);
	if (!c->s || !c->mem) {
		pm_obj_cache_destroy(c);
		return &pm_enomem;
	}
	for (unsigned i = 0; i < n; i++)
		c->s[i].data = c->mem + (size_t)i * 0x1000;
	*ret = c;
	return NULL;
}

void pm_obj_cache_destroy(struct pm_obj_cache *c)
{
	if (!c)
		return;
	free(c->s);
	free(c->mem);
	free(c);
}

static struct slot *cache_page(struct pm_obj_cache *c, uint64_t page)
{
	uint64_t h = (page >> 12) * UINT64_C(0x9E3779B97F4A7C15);
	struct slot *s = &c->s[(h >> 40) & (c->n - 1)];
	if (s->page != page + 1) {
		struct pm_error *err = pm_vmem_read(c->vm, page, s->data, 0x1000);
		s->absent = err ? pm_err_code(err) : PM_ERR_NOMEM;
		pm_error_destroy(err);
		s->page = page + 1;
	}
	return s;
}

struct pm_error *pm_obj_cache_read(struct pm_obj_cache *c, uint64_t va, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		uint64_t page = va & ~UINT64_C(0xFFF);
		size_t off = (size_t)(va - page), n = 0x1000 - off;
		if (n > len)
			n = len;
		struct slot *s = cache_page(c, page);
		if (s->absent != PM_ERR_NOMEM)
			return pm_err(s->absent, "page at VA %#" PRIx64 " is not readable", page);
		memcpy(out, s->data + off, n);
		out += n;
		va += n;
		len -= n;
	}
	return NULL;
}

/* ---- one table ---------------------------------------------------------------------------- */

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (int i = (int)n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

struct walk {
	struct pm_obj_cache *c;
	const struct pm_obj_layout *L;
	const struct pm_obj_types *ts;
	struct pm_htable_stats *st;
	uint64_t *budget;
	pm_handle_fn fn;
	void *ctx;
};

static void problem(struct pm_htable_stats *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct pm_htable_stats *st, const char *fmt, ...)
{
	if (st->problem[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(st->problem, sizeof(st->problem), fmt, ap);
	va_end(ap);
}

/* The header address an entry's first qword holds, or 0 when it is not one. */
static uint64_t header_of(const struct pm_obj_layout *L, uint64_t low)
{
	uint64_t h;
	const struct pm_obj_fld *ob = &L->f[PM_OF_HTE_OBJBITS];
	if (ob->present) {
		/* bits bitpos..63 hold address bits 4..(bitlen+3); sign-extend from bit 47 */
		h = (low >> ob->bitpos) << (48 - ob->bitlen);
		if (h >> 47 & 1)
			h |= UINT64_C(0xFFFF) << 48;
	} else {
		h = low & ~UINT64_C(7);
	}
	return pm_is_kernel_va64(h) && !(h & 0xF) ? h : 0;
}

/* One in-use entry's object: counted for its type, or for why it is not. */
static bool visit(struct walk *w, uint64_t handle, uint64_t low)
{
	struct pm_htable_stats *st = w->st;
	const struct pm_obj_layout *L = w->L;
	uint64_t hdr = header_of(L, low);
	if (!hdr) {
		st->bad_pointer++;
		problem(st, "handle %#" PRIx64 ": entry %#" PRIx64 " holds no object header "
			"address", handle, low);
		return true;
	}
	uint8_t b[0x20];
	uint32_t ti = L->f[PM_OF_OH_TYPEIDX].off, hc = L->f[PM_OF_OH_HANDLES].off;
	uint32_t need = ti + 1;
	if (L->f[PM_OF_OH_HANDLES].present && hc + 8 > need)
		need = hc + 8;
	struct pm_error *err = need <= sizeof(b) ? pm_obj_cache_read(w->c, hdr, b, need)
						 : pm_err(PM_ERR_PROFILE, "header fields too far");
	if (err) {
		pm_error_destroy(err);
		st->header_absent++;
		return true;
	}
	unsigned type = pm_obj_type_index(w->ts, hdr, b[ti]);
	int64_t handles = L->f[PM_OF_OH_HANDLES].present ? (int64_t)le(b + hc, 8) : 1;
	if (type >= w->ts->n || !w->ts->t[type].present || handles < 1 ||
	    handles > PM_MAX_HANDLES) {
		st->bad_header++;
		problem(st, "handle %#" PRIx64 ": object header at %#" PRIx64 " (type index %u, "
			"%" PRId64 " handles) is not a live object", handle, hdr, type, handles);
		return true;
	}
	st->handles++;
	st->per_type[type]++;
	if (w->fn) {
		struct pm_handle_visit v = { handle, hdr, type };
		if (!w->fn(w->ctx, &v)) {
			st->stopped = true;
			return false;
		}
	}
	return true;
}

/* A page of PM_HT_LOW entries for handle values from @p first (an entry index). */
static bool leaf(struct walk *w, uint64_t va, uint64_t first, uint64_t count)
{
	struct pm_htable_stats *st = w->st;
	const struct pm_obj_layout *L = w->L;
	uint8_t page[PM_HT_LOW * 16];
	if (!pm_is_kernel_va64(va) || va & 0xF) {
		st->pages_absent++;
		st->unseen += count;
		problem(st, "table page for handles from %#" PRIx64 " at %#" PRIx64 " is not a "
			"kernel address", first * 4, va);
		return true;
	}
	struct pm_error *err = pm_vmem_read(w->c->vm, va, page, sizeof(page));
	if (err) {
		st->pages_absent++;
		st->unseen += count;
		problem(st, "table page at %#" PRIx64 " (handles from %#" PRIx64 "): %s", va,
			first * 4, pm_err_msg(err));
		pm_error_destroy(err);
		return true;
	}
	const struct pm_obj_fld *hi = L->f[PM_OF_HTE_HIGH].present ? &L->f[PM_OF_HTE_HIGH]
								   : &L->f[PM_OF_HTE_NEXTFREE];
	for (uint64_t i = 0; i < count; i++) {
		if (!*w->budget) {
			st->stopped = true;
			problem(st, "stopped at handle %#" PRIx64 ": the walk's entry budget is spent",
				(first + i) * 4);
			return false;
		}
		--*w->budget;
		const uint8_t *e = page + i * 16;
		uint64_t low = le(e, 8);
		uint64_t high = hi->present ? le(e + hi->off, hi->size) : 0;
		bool reserved = hi->present && high == (hi->size == 8 ? UINT64_C(0xFFFFFFFFFFFFFFFE)
								    : UINT64_C(0xFFFFFFFE));
		if (reserved)
			continue;
		st->slots++;
		if (!low) {
			st->free++;
			continue;
		}
		if (!visit(w, (first + i) * 4, low))
			return false;
	}
	return true;
}

/* A page of PM_HT_MID pointers to the next level down; @p per: entries under each pointer. */
static bool mid(struct walk *w, uint64_t va, uint64_t first, uint64_t count, uint64_t per,
		bool (*down)(struct walk *, uint64_t, uint64_t, uint64_t))
{
	struct pm_htable_stats *st = w->st;
	uint8_t page[PM_HT_MID * 8];
	struct pm_error *err = pm_is_kernel_va64(va) && !(va & 7)
				       ? pm_vmem_read(w->c->vm, va, page, sizeof(page))
				       : pm_err(PM_ERR_FORMAT, "not a kernel address");
	if (err) {
		st->pages_absent++;
		st->unseen += count;
		problem(st, "table of pointers at %#" PRIx64 " (handles from %#" PRIx64 "): %s", va,
			first * 4, pm_err_msg(err));
		pm_error_destroy(err);
		return true;
	}
	for (uint64_t k = 0; k * per < count; k++) {
		uint64_t n = count - k * per < per ? count - k * per : per;
		uint64_t p = le(page + 8 * k, 8);
		if (!p) {
			st->pages_absent++;
			st->unseen += n;
			problem(st, "no table for handles from %#" PRIx64 " although "
				"NextHandleNeedingPool is %#" PRIx64, (first + k * per) * 4, st->limit);
			continue;
		}
		if (!down(w, p, first + k * per, n))
			return false;
	}
	return true;
}

static bool mid1(struct walk *w, uint64_t va, uint64_t first, uint64_t count)
{
	return mid(w, va, first, count, PM_HT_LOW, leaf);
}

struct pm_error *pm_htable_walk(struct pm_obj_cache *c, const struct pm_obj_layout *L,
				const struct pm_obj_types *ts, uint64_t table, uint64_t pid,
				uint64_t *budget, pm_handle_fn fn, void *ctx,
				struct pm_htable_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->table = table;
	uint32_t size = L->size[PM_OT_HANDLE_TABLE];
	uint8_t b[PM_OBJ_MAX_STRUCT];
	if (!size || size > sizeof(b))
		return pm_err(PM_ERR_PROFILE, "_HANDLE_TABLE size unknown");
	if (!pm_is_kernel_va64(table) || table & 7)
		return pm_err(PM_ERR_FORMAT, "_HANDLE_TABLE %#" PRIx64 " is not a kernel address",
			      table);
	struct pm_error *err = pm_vmem_read(c->vm, table, b, size);
	if (err)
		return pm_err_wrap(err, "_HANDLE_TABLE at %#" PRIx64, table);
	const struct pm_obj_fld *F = L->f;
	uint64_t code = le(b + F[PM_OF_HT_CODE].off, 8);
	st->limit = le(b + F[PM_OF_HT_NEXT].off, 4);
	if ((st->has_kernel_count = F[PM_OF_HT_COUNT].present))
		st->kernel_count = le(b + F[PM_OF_HT_COUNT].off, 4);
	if (F[PM_OF_HT_PID].present) {
		uint64_t owner = le(b + F[PM_OF_HT_PID].off, F[PM_OF_HT_PID].size);
		if (owner != pid)
			return pm_err(PM_ERR_FORMAT, "_HANDLE_TABLE at %#" PRIx64 " belongs to PID %"
				      PRIu64 ", not %" PRIu64, table, owner, pid);
	}
	st->levels = (unsigned)(code & 3);
	uint64_t base = code & ~UINT64_C(3);
	static const uint64_t capacity[3] = { PM_HT_LOW, (uint64_t)PM_HT_MID * PM_HT_LOW,
					      (uint64_t)PM_HT_MID * PM_HT_MID * PM_HT_LOW };
	if (st->levels == 3)
		return pm_err(PM_ERR_FORMAT, "_HANDLE_TABLE at %#" PRIx64 ": TableCode %#" PRIx64
			      " has level 3", table, code);
	uint64_t count = st->limit / 4;
	if (st->limit % 4 || count > PM_MAX_HANDLES || count > capacity[st->levels])
		return pm_err(PM_ERR_FORMAT, "_HANDLE_TABLE at %#" PRIx64 ": NextHandleNeedingPool "
			      "%#" PRIx64 " is not a handle limit a level-%u table holds", table,
			      st->limit, st->levels);
	struct walk w = { c, L, ts, st, budget, fn, ctx };
	if (st->levels == 0)
		leaf(&w, base, 0, count);
	else if (st->levels == 1)
		mid(&w, base, 0, count, PM_HT_LOW, leaf);
	else
		mid(&w, base, 0, count, (uint64_t)PM_HT_MID * PM_HT_LOW, mid1);
	return NULL;
}
