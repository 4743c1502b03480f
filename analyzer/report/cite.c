// SPDX-License-Identifier: MIT
// Reference keys (seeds.md and the reference files) as citations a reader can find.
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cite.h"

static const struct {
	const char *key, *brief, *full;
} sources[] = {
	/* the longer keys first: "pool-internals.md §5.1 [L]" before any shorter one */
	{ "pool-internals.md \xc2\xa7" "5.1 [L]", "Microsoft, Memory Limits for Windows",
	  "Microsoft, \"Memory Limits for Windows and Windows Server Releases\" (pool maxima on "
	  "Windows 8.1 and later: not confirmed against the page's current text)" },
	{ "pool-internals.md \xc2\xa7" "2.5", "per-processor tag tables",
	  "how Windows sums the per-processor pool tag tables into one (the snapshot "
	  "SystemPoolTagInformation returns; WinDbg's !poolused sums them the same way)" },
	{ "tools-and-outputs.md \xc2\xa7" "1", "WinDbg !vm",
	  "WinDbg's !vm extension and its output (Debugging Tools for Windows documentation)" },
	{ "[RUSS]", "Russinovich, 2009",
	  "Mark Russinovich, \"Pushing the Limits of Windows: Paged and Nonpaged Pool\" "
	  "(Sysinternals blog, 2009)" },
	{ "[EXCH]", "Microsoft Exchange team, 2005",
	  "Microsoft Exchange team, \"Windows Kernel Memory Management and Microsoft Exchange "
	  "Server\" (2005)" },
	{ "[KB312362]", "Microsoft KB 312362",
	  "Microsoft support article KB 312362, \"Unable to allocate memory from the system paged "
	  "pool\"" },
};
enum { NSOURCES = sizeof(sources) / sizeof(sources[0]) };

/* The source whose key starts @p s, or -1. */
static int key_at(const char *s)
{
	for (int i = 0; i < NSOURCES; i++)
		if (!strncmp(s, sources[i].key, strlen(sources[i].key)))
			return i;
	return -1;
}

const char *pm_cite_short(const char *s, char *buf, size_t n)
{
	size_t k = 0;
	bool any = false;
	for (const char *p = s; *p;) {
		int i = (*p == '[' || *p == 'p' || *p == 't') ? key_at(p) : -1;
		if (i < 0) {
			if (k + 2 > n)
				return s;
			buf[k++] = *p++;
			continue;
		}
		size_t klen = strlen(sources[i].key);
		/* "([RUSS])" gives "(Russinovich, 2009)", "[RUSS]" alone the same */
		bool wrapped = k && buf[k - 1] == '(' && p[klen] == ')';
		int w = snprintf(buf + k, n - k, wrapped ? "%s" : "(%s)", sources[i].brief);
		if (w < 0 || (size_t)w >= n - k)
			return s;
		k += (size_t)w;
		p += klen;
		any = true;
	}
	if (!any)
		return s;
	buf[k] = 0;
	return buf;
}

unsigned pm_cite_list(const char *refs, const char *out[], unsigned max)
{
	unsigned n = 0;
	for (const char *p = refs ? refs : ""; *p && n < max;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		int i = key_at(p);
		if (i >= 0) {
			out[n++] = sources[i].full;
			p += strlen(sources[i].key);
		} else { /* not a key of this table: skipped */
			while (*p && *p != ' ')
				p++;
		}
	}
	return n;
}
