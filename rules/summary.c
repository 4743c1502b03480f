// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "summary.h"

void pm_summary_deinit(struct pm_summary *s)
{
	free(s->tags);
	free(s->modules);
	free(s->hits);
	free(s->holders.procs);
	free(s->holders.types);
	free(s->holders.bills);
	memset(s, 0, sizeof(*s));
}

void pm_sum_tag_str(uint32_t tag, char out[5])
{
	for (int i = 0; i < 4; i++) {
		uint8_t c = (uint8_t)(tag >> (8 * i));
		out[i] = (char)((c >= 0x20 && c < 0x7F) ? c : '?');
	}
	out[4] = 0;
}

bool pm_sum_tag_parse(const char *s, uint32_t *ret)
{
	size_t n = strlen(s);
	if (n == 0 || n > 4)
		return false;
	uint32_t t = 0;
	for (size_t i = 0; i < 4; i++) {
		uint8_t c = i < n ? (uint8_t)s[i] : ' ';
		if (c < 0x20 || c > 0x7E)
			return false;
		t |= (uint32_t)c << (8 * i);
	}
	*ret = t;
	return true;
}
