/* SPDX-License-Identifier: MIT */
/**
 * @file strmap.h
 * A string -> u64 map (open addressing, FNV-1a), for the symbol readers' name indexes. Keys
 * are copied, or borrowed (pm_strmap_borrow_keys(): the caller's text, which need not be
 * NUL-terminated, must outlive the map); the first insertion of a key wins.
 */
#ifndef PM_STRMAP_H
#define PM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_strmap_slot {
	const char *key; /**< NULL: empty */
	uint32_t len, hash;
	uint64_t val;
};

struct pm_strmap {
	struct pm_strmap_slot *slots;
	size_t cap, n; /* cap is 0 or a power of two */
	bool borrowed; /* keys point into the caller's text */
};

/** Before the first insertion: keys are not copied but kept as pointers into the caller's
 * text (no allocation per key, nothing to free per key). */
void pm_strmap_borrow_keys(struct pm_strmap *m);
/** Make room for @p n keys in all (no rehash while they are added); false when out of
 * memory. */
bool pm_strmap_reserve(struct pm_strmap *m, size_t n);
/** Insert @p key (first @p len bytes) if absent; false only when out of memory (or a key
 * of 4 GiB). */
bool pm_strmap_add(struct pm_strmap *m, const char *key, size_t len, uint64_t val);
/** Whether @p key is present; its value in *val. */
bool pm_strmap_get(const struct pm_strmap *m, const char *key, size_t len, uint64_t *val);
void pm_strmap_free(struct pm_strmap *m);

#endif
