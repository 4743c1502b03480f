// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "strbuf.h"

/* One formatting pass when the text fits the room left (the usual case once the buffer has
 * grown); a second only after growing. */
void pm_sb_printf(struct pm_strbuf *sb, const char *fmt, ...)
{
	if (sb->oom)
		return;
	size_t avail = sb->cap - sb->len; /* cap > len whenever cap != 0: room for the NUL */
	va_list ap;
	va_start(ap, fmt);
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(avail ? sb->s + sb->len : NULL, avail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		sb->oom = true;
		return;
	}
	if ((size_t)n < avail) {
		va_end(ap2);
		sb->len += (size_t)n;
		return;
	}
	size_t cap = sb->cap ? sb->cap : 256;
	while (cap < sb->len + (size_t)n + 1)
		cap *= 2;
	char *s = realloc(sb->s, cap);
	if (!s) {
		va_end(ap2);
		sb->oom = true;
		return;
	}
	sb->s = s;
	sb->cap = cap;
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	sb->len += (size_t)n;
}

char *pm_sb_take(struct pm_strbuf *sb)
{
	char *s = sb->oom ? NULL : sb->s;
	if (sb->oom)
		free(sb->s);
	else if (!s)
		s = calloc(1, 1);
	sb->s = NULL;
	sb->len = sb->cap = 0;
	sb->oom = false;
	return s;
}

void pm_sb_free(struct pm_strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
}
