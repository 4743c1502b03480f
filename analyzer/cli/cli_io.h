/* SPDX-License-Identifier: MIT */
/** @file cli_io.h Reading the small text files the commands take (summaries, NDJSON). */
#ifndef PM_CLI_IO_H
#define PM_CLI_IO_H

#include <stddef.h>

#include "pm-error.h"

/**
 * The whole of @p path as a NUL-terminated string, allocated to what the file holds (a
 * regular file's size, or growing for a pipe), never more than @p limit bytes: a longer
 * input is a PM_ERR_LIMIT error. *len_ret (if not NULL) is the length without the NUL.
 */
struct pm_error *pm_cli_read_file(const char *path, size_t limit, char **text_ret,
				  size_t *len_ret);

#endif
