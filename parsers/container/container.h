/* SPDX-License-Identifier: MIT */
/**
 * @file container.h
 * L1, which container holds the memory: ONE probe table (the shape of libkdumpfile's
 * `open.c` formats[] loop). Each entry says how to recognise its container from the first
 * bytes of the input (already decompressed: gzip and zip are sources below this layer,
 * parsers/io/source_z.h) and how to open it into a struct pm_dmp:
 *
 *   | name       | recognised by                                    | opened by              |
 *   | crash dump | "PAGEDUMP" / "PAGEDU64"                          | pm_dmp_open()          |
 *   | raw        | the path: "raw:" prefix or .raw/.mem/.vmem/...   | pm_dmp_open_headerless |
 *   | ELF        | "\x7fELF"                                        | libkdumpfile, headerless |
 *   | kdump      | "KDUMP   " / "DISKDUMP"                          | libkdumpfile, headerless |
 *
 * Everything that decides "which container is this" (the analysis, batch's discovery of dumps)
 * asks this table; adding a container is adding one entry. An input no entry claims is opened
 * as a crash dump, whose header decoder then says precisely why it is not one.
 *
 * Ownership: every open function takes the source (destroyed on failure too).
 */
#ifndef PM_CONTAINER_H
#define PM_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmp.h"
#include "source.h"

/** Bytes of the input a probe looks at (fewer when the input is shorter). */
enum { PM_CONTAINER_PROBE_BYTES = 8 };

struct pm_container_kind {
	const char *name;     /**< "crash dump", "raw", "ELF", "kdump" */
	enum pm_container id;
	/** Whether @p head (the first @p n bytes of the input) and @p path (may be NULL: a
	 * member of an archive, or no name) are this container's. No side effects. */
	bool (*probe)(const uint8_t *head, size_t n, const char *path);
	/** Recognised inside a gzip file or zip member when listing dumps (batch): an ELF file
	 * inside an archive is far more often a program than a capture, so it is not listed. */
	bool listed_in_archives;
	/** Open @p src (taken over) read from @p path ("raw:" prefix allowed) as this container. */
	struct pm_error *(*open)(const char *path, struct pm_source *src, struct pm_dmp **ret);
};

/**
 * The container @p head says the input is, or NULL when no entry claims it. @p in_archive:
 * the bytes are a gzip/zip member's (see listed_in_archives); @p path may be NULL.
 */
const struct pm_container_kind *pm_container_probe(const uint8_t *head, size_t n,
						   const char *path, bool in_archive);

/**
 * Open @p src (taken over, destroyed on failure), read from @p path, as the container the
 * table finds for it (a crash dump when none claims it). On success *ret owns the source.
 */
struct pm_error *pm_container_open(const char *path, struct pm_source *src, struct pm_dmp **ret);

/** Open the file @p path (a plain file, gzip, "ARCHIVE::MEMBER"; "raw:" prefix allowed) and
 * then its container, as pm_container_open(). */
struct pm_error *pm_container_open_path(const char *path, struct pm_dmp **ret);

/** Whether @p path names a raw memory image ("raw:" prefix or .raw/.mem/.vmem/.dd/.img/.ram). */
bool pm_path_is_raw(const char *path);
/** @p path without its "raw:" prefix (the file to open). */
const char *pm_container_file(const char *path);

#endif
