// SPDX-License-Identifier: MIT
// pm_sb_printf() appends exactly what snprintf() would write, whether a piece fits the room
// left, fills it to the last byte, or needs the buffer grown (once or several times over).
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "strbuf.h"

int main(void)
{
	static char want[1 << 20];
	size_t wlen = 0;
	struct pm_strbuf sb = { NULL, 0, 0, false };
	/* Lengths that walk across the first capacities (256, 512, ...): every remainder hit. */
	for (int i = 0; i < 2000; i++) {
		int w = (i * 37) % 300;
		if (i == 1500)
			w = 70000; /* grows by several doublings at once */
		int n = snprintf(want + wlen, sizeof(want) - wlen, "%d:%*s|", i, w, "x");
		pm_sb_printf(&sb, "%d:%*s|", i, w, "x");
		wlen += (size_t)n;
		CHECK(sb.len == wlen);
		CHECK(sb.cap > sb.len);
	}
	pm_sb_printf(&sb, "%s", ""); /* nothing appended, still a string */
	CHECK(sb.len == wlen);
	char *s = pm_sb_take(&sb);
	CHECK(s != NULL && strlen(s) == wlen && !memcmp(s, want, wlen));
	CHECK(sb.s == NULL && sb.len == 0 && sb.cap == 0);
	free(s);
	/* An empty buffer taken is an empty string, not NULL. */
	s = pm_sb_take(&sb);
	CHECK(s != NULL && s[0] == '\0');
	free(s);
	return test_failures ? 1 : 0;
}
