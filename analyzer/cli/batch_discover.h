/* SPDX-License-Identifier: MIT */
/**
 * @file batch_discover.h
 * Finding the dumps under the paths given to `batch`: files, folders (not following
 * symlinks), gzip files, zip members ("ARCHIVE::MEMBER"). Nothing is dropped silently: every
 * path named on the command line and every dump-like file found in a folder (a dump's name,
 * a dump's signature or one close to it, a user-mode minidump) becomes an entry, either to
 * analyze or with a record already decided (missing, unreadable, empty, user-mode minidump,
 * not a dump, over the listing limit) saying what it is and why it is not analyzed. Other
 * files found in folders (README.txt) are only counted.
 */
#ifndef PM_BATCH_DISCOVER_H
#define PM_BATCH_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pm-error.h"

/** The default number of dumps one batch lists; the rest are records (PM_ERR_LIMIT). */
enum { PM_BATCH_MAX_CANDIDATES = 1 << 22 };

/** Bytes at the start of a dump's content that discovery hashes (the 64-bit header's size). */
enum { PM_BATCH_HEAD_BYTES = 8192 };

enum pm_batch_state {
	PM_BATCH_TODO,    /**< to analyze */
	PM_BATCH_ERROR,   /**< a dump (or a path the user named) that cannot be analyzed */
	PM_BATCH_SKIPPED, /**< not a dump poolmortem reads (a user-mode minidump, not a dump) */
};

struct pm_batch_cand {
	char *path;   /**< as batch names it: the file, or ARCHIVE::MEMBER */
	char *canon;  /**< canonical: the file's real path (+ "::" MEMBER); sorts and shards */
	size_t member; /**< 0: a file; else where MEMBER starts in path */
	uint64_t size; /**< bytes stored (a member's compressed size) */
	char head[65]; /**< SHA-256 of the content's first PM_BATCH_HEAD_BYTES ("": not read) */
	enum pm_batch_state state;
	const char *kind; /**< what the file is: "empty", "user-mode minidump", ... (static) */
	enum pm_err_code code; /**< PM_BATCH_ERROR */
	char *msg;             /**< why it is not analyzed (PM_BATCH_TODO: NULL) */
};

struct pm_batch_cands {
	struct pm_batch_cand *v; /**< sorted by canonical path after pm_batch_discover() */
	size_t n, cap;
	size_t limit;     /**< at most this many to analyze */
	size_t todo;      /**< entries to analyze */
	size_t others;    /**< files found in folders that are not dump-like (not listed) */
	size_t lost;      /**< entries that could not even be recorded (out of memory) */
};

/** Every dump under @p paths, at most @p limit (0: PM_BATCH_MAX_CANDIDATES) to analyze. */
void pm_batch_discover(struct pm_batch_cands *c, const char *const *paths, size_t npaths,
		       size_t limit);
void pm_batch_cands_deinit(struct pm_batch_cands *c);

/** @p path made absolute and its "." and ".." resolved, without touching the file system
 * beyond the current directory (for paths that do not exist). Caller frees; NULL: no memory. */
char *pm_batch_lexical_abs(const char *path);
/** The canonical form of a batch path: the file's real path (lexical when it does not
 * exist), plus "::MEMBER" for an archive member (@p member: where MEMBER starts, or 0). */
char *pm_batch_canonical(const char *path, size_t member);

#endif
