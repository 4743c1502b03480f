/* SPDX-License-Identifier: MIT */
/**
 * @file strmap.h
 * A string -> u64 map (open addressing, FNV-1a), for the symbol readers' name indexes. Keys
 * are copied; the first insertion of a key wins unless pm_strmap_set() replaces it.
 */
#ifndef PM_STRMAP_H
#define PM_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pm_strmap_slot {
	char *key;
	uint64_t val;
};

struct pm_strmap {
	struct pm_strmap_slot *slots;
	size_t cap, n; /* cap is 0 or a power of two */
};

/** Insert @p key (first @p len bytes) if absent; false only when out of memory. */
bool pm_strmap_add(struct pm_strmap *m, const char *key, size_t len, uint64_t val);
/** Whether @p key is present; its value in *val. */
bool pm_strmap_get(const struct pm_strmap *m, const char *key, size_t len, uint64_t *val);
void pm_strmap_free(struct pm_strmap *m);

#endif
