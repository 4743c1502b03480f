/* SPDX-License-Identifier: MIT */
/**
 * @file batch_ident.h
 * A dump's identity in `batch`, without reading the whole dump.
 *
 * The default identity ("pm-id/1", the record's "id") is the SHA-256 of the content's size,
 * its first 8 KiB (the crash-dump header: system time, bugcheck and its parameters, the CPU
 * context, the page map's description) and of every read the analysis made of the content
 * (offset, length and bytes, in order). It is computed on the way: a source that forwards
 * each read to the dump's own source and hashes it. So two dumps with the same identity gave
 * the analysis the same bytes and have the same report; two copies of one dump (plain, .gz,
 * zip member) have the same identity; the cost is the analysis's own reads. It is stable
 * for one poolmortem version and one set of analysis options (--scan, --symbols); a newer
 * version may read other pages and so give another identity.
 *
 * ELF cores and kdump files are read by libkdumpfile through its own descriptor, past this
 * source: their identity ("pm-id/1-sampled") adds 64 blocks of 4 KiB spread over the file
 * and its last 64 KiB to the size and first 8 KiB.
 *
 * The full-content SHA-256 (--full-hash) reads every byte (for .gz and zip members, while
 * the seek index is built, so no second inflate).
 */
#ifndef PM_BATCH_IDENT_H
#define PM_BATCH_IDENT_H

#include <stdbool.h>
#include <stdint.h>

#include "pm-error.h"
#include "source.h"

struct pm_batch_ident;

/** Wrap @p inner (taken over, destroyed on failure) in a source that hashes every read into
 * a new identity *@p id (the caller's: freed with pm_batch_ident_free(), after the source). */
struct pm_error *pm_batch_ident_wrap(struct pm_source *inner, struct pm_batch_ident **id,
				     struct pm_source **ret);
/** Add the sampled blocks of the file @p file (ELF/kdump captures: see above). */
struct pm_error *pm_batch_ident_sample(struct pm_batch_ident *id, const char *file);
/** The identity, as 64 hex digits, and its basis ("pm-id/1" or "pm-id/1-sampled"). */
void pm_batch_ident_final(struct pm_batch_ident *id, char hex[65], const char **basis);
/** How much the analysis read: reads and bytes (for the benchmark and the record). */
void pm_batch_ident_counts(const struct pm_batch_ident *id, uint64_t *reads, uint64_t *bytes);
void pm_batch_ident_free(struct pm_batch_ident *id);

/** SHA-256 of every byte of @p src, read in order (the full hash of a source that was not
 * observed while it was opened). */
struct pm_error *pm_batch_hash_source(struct pm_source *src, char hex[65]);

#endif
