/* SPDX-License-Identifier: MIT */
/* The ISF reader's index of a JSON document (private to parsers/symbols). */
#ifndef PM_ISF_PRIV_H
#define PM_ISF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** One entry of a top-level section: its key (raw JSON string content, escapes kept) and its
 * value (an object), as offsets into the document. */
struct isf_entry {
	uint32_t key, key_len; /* documents are at most ISF_MAX_JSON (256 MiB) */
	uint32_t val, val_len;
};

enum { ISF_SYMBOLS, ISF_USER_TYPES, ISF_ENUMS, ISF_BASE_TYPES, ISF_METADATA, ISF_NSECT };

struct isf_section {
	bool present;      /**< the key was seen at the top level (first one wins) */
	bool is_object;
	size_t val, val_len; /**< the section's whole value */
	struct isf_entry *e; /**< entries (sections other than metadata) */
	size_t n, cap;
};

struct isf_index {
	struct isf_section sec[ISF_NSECT];
};

enum isf_scan_status {
	ISF_SCAN_OK,
	ISF_SCAN_SYNTAX,    /**< not valid JSON at *at */
	ISF_SCAN_NOT_OBJECT, /**< an entry of a section is not an object */
	ISF_SCAN_NOMEM,
};

/**
 * Check that @p json is one valid JSON value (RFC 8259; nesting at most 1000 deep), without
 * building anything, and index the entries of the top-level sections "symbols",
 * "user_types", "enums" and "base_types" (and where "metadata" is). For ISF_SCAN_NOT_OBJECT,
 * the entry's key is *at_len bytes at *at, in section *section_of. A syntax error comes
 * before an entry that is not an object, wherever each is.
 */
enum isf_scan_status pm_isf_scan(const char *json, size_t len, struct isf_index *ix, size_t *at,
				 size_t *at_len, unsigned *section_of);
void pm_isf_index_free(struct isf_index *ix);

#endif
