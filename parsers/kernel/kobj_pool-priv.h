/* SPDX-License-Identifier: MIT */
/**
 * @file kobj_pool-priv.h
 * What the tracker reader (kobj_pool.c) and the big-page table reader (kobj_bigpool.c) share.
 */
#ifndef PM_KOBJ_POOL_PRIV_H
#define PM_KOBJ_POOL_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "pool.h"

/* The kernel's writable sections, read once. */
struct data_view {
	uint64_t va[PM_PE_MAX_SECTIONS];
	uint8_t *buf[PM_PE_MAX_SECTIONS];
	uint64_t len[PM_PE_MAX_SECTIONS];
	size_t n;
};

bool pm_kp_is_kernel_va(const struct pm_vmem *vm, uint64_t va);
bool pm_kp_printable_tag(uint32_t tag);
uint64_t pm_kp_get_u(const uint8_t *p, unsigned off, unsigned w);
/** Read up to @p len bytes at @p va into a new buffer; *got_ret < len where pages are missing. */
struct pm_error *pm_kp_read_prefix(const struct pm_vmem *vm, uint64_t va, uint64_t len,
				   uint8_t **buf_ret, uint64_t *got_ret);
/** A page that could not be read amid readable ones, read as zeros. */
struct pm_kp_hole {
	bool has;
	uint64_t off, len; /**< from the start of the read */
	char why[160];     /**< why it could not be read */
};
/** pm_kp_read_prefix() that reads past one absent page (zero-filled, said in @p hole) when
 * the page after it reads: a table whose page one damaged PTE remapped is still read whole. */
struct pm_error *pm_kp_read_holed(const struct pm_vmem *vm, uint64_t va, uint64_t len,
				  uint8_t **buf_ret, uint64_t *got_ret, struct pm_kp_hole *hole);
void pm_kp_data_view_free(struct data_view *d);
struct pm_error *pm_kp_data_view_load(const struct pm_pool_ctx *ctx, struct data_view *d);
/** The context with the symbols' &PoolTrackTable when they give one. */
struct pm_pool_ctx pm_kp_with_syms(const struct pm_pool_ctx *ctx);

/* ---- the tracker's size, layout and hash (kobj_trackfit.c) ---- */

enum { PM_TK_MEMO = 21 }; /* 2^k+1 sizes, k < 21 */

/** One interpretation of table 0: its size, layout (index into the search's layouts) and
 * hash, how many keys it explains (at home) of how many, and where the size came from. */
struct pm_tk_choice {
	bool ok;
	uint64_t n;
	unsigned layout;
	enum pm_tag_hash hash;
	uint64_t home, keys, bad; /**< keys at their hash slot, non-zero keys, keys not printable */
	double home_share;
	const char *how;
	enum pm_prov from;
	uint64_t var;     /**< where the size was read (0: statistical fit) */
	bool close_call;  /**< a statistical fit explained a few more keys than the record */
	uint64_t rival;   /**< that fit's size */
	/** a page of the table whose keys are mostly not tags (damaged, remapped), tolerated in
	 * a statistical fit (at most one): how many, their keys not printable, the first entry */
	uint64_t damaged_pages, damaged_bad, damaged_first;
};

/** The candidates: table 0's bytes, the layouts in the order they are tried (the expected one
 * first), and the fits already computed. */
struct pm_tk_search {
	const uint8_t *t0;
	uint64_t avail;
	const struct pm_tracker_layout *layouts;
	unsigned nl, expected;
	unsigned order[PM_N_TRACKER_LAYOUTS];
	struct pm_tk_choice memo[2][PM_TK_MEMO];
	signed char memo_state[2][PM_TK_MEMO];
};

bool pm_tk_pow2_plus1(uint64_t v);
/** Size, layout and hash of table 0: the kernel's records first, the statistical fit as the
 * last resort and as a check on them. out->ok false when nothing gives a table of tags. */
void pm_tk_choose(const struct pm_pool_ctx *ctx, struct pm_tk_search *ts,
		  const struct data_view *d, struct pm_tk_choice *out);

#endif
