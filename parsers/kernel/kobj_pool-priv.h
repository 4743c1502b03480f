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
void pm_kp_data_view_free(struct data_view *d);
struct pm_error *pm_kp_data_view_load(const struct pm_pool_ctx *ctx, struct data_view *d);
/** The context with the symbols' &PoolTrackTable when they give one. */
struct pm_pool_ctx pm_kp_with_syms(const struct pm_pool_ctx *ctx);

#endif
