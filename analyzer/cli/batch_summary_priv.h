/* SPDX-License-Identifier: MIT */
/** @file batch_summary_priv.h The summary's steps after de-duplication (batch_summary_rank.c). */
#ifndef PM_BATCH_SUMMARY_PRIV_H
#define PM_BATCH_SUMMARY_PRIV_H

#include "batch_summary.h"

/** Machines (snapshots of one boot grouped), buckets and top tags, ranked. */
struct pm_error *pm_batch_summary_rank(struct pm_batch_summary *s);

#endif
