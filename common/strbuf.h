/* SPDX-License-Identifier: MIT */
/** @file strbuf.h A growable string for report writers (which build text; only the CLI prints). */
#ifndef PM_STRBUF_H
#define PM_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct pm_strbuf {
	char *s;
	size_t len, cap;
	bool oom; /**< an append failed; the content is incomplete */
};

void pm_sb_printf(struct pm_strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Hand the string to the caller (NULL after OOM); the buffer is reset. */
char *pm_sb_take(struct pm_strbuf *sb);
void pm_sb_free(struct pm_strbuf *sb);

#endif
