// SPDX-License-Identifier: MIT
// `trend`: several dumps of the same machine -> which tags grew, and how fast (the "pool
// snapshots at intervals" practice of KB 312362 and [RUSS], from dumps). Input is the analyze
// report of each dump (from `trend DUMP...` or from a batch's NDJSON), so both paths share it.
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pm-utf.h"
#include "strbuf.h"
#include "trend.h"

struct snap {
	const cJSON *doc;
	char path[512];
	char key[256]; /* what the dump says about the machine */
	double systime;  /* seconds since the epoch, NAN if absent */
	double uptime_h; /* NAN if absent */
};

static const cJSON *get(const cJSON *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *t = strtok(buf, "."); t && o; t = strtok(NULL, "."))
		o = cJSON_GetObjectItemCaseSensitive(o, t);
	return o;
}

static double num(const cJSON *o, const char *path)
{
	const cJSON *x = get(o, path);
	return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static const char *str(const cJSON *o, const char *path)
{
	const cJSON *x = get(o, path);
	return cJSON_IsString(x) ? x->valuestring : "";
}

static double parse_iso(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
			 &tm.tm_min, &tm.tm_sec) != 6)
		return NAN;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (double)timegm(&tm);
}

static void snap_init(struct snap *s, const cJSON *doc, bool one_machine)
{
	s->doc = doc;
	snprintf(s->path, sizeof(s->path), "%s", *str(doc, "path") ? str(doc, "path")
							     : str(doc, "info.file.path"));
	if (one_machine) {
		snprintf(s->key, sizeof(s->key), "all dumps (grouping forced)");
	} else {
		/* a figure the dump lacks is said to be unknown, never "nan" */
		double build = num(doc, "info.machine.build"), cpus = num(doc, "info.machine.processors");
		double ram = num(doc, "info.memory.ram_pages");
		const char *os = str(doc, "info.machine.os"), *kern = str(doc, "info.kernel.pdb.symbol_key");
		char b[24] = "unknown", c[24] = "unknown", r[40] = "RAM unknown";
		if (!isnan(build))
			snprintf(b, sizeof(b), "%.0f", build);
		if (!isnan(cpus))
			snprintf(c, sizeof(c), "%.0f", cpus);
		if (!isnan(ram))
			snprintf(r, sizeof(r), "%.0f MiB of RAM", ram * 4096 / 1048576);
		snprintf(s->key, sizeof(s->key), "%s build %s, %s processors, %s, kernel %s",
			 *os ? os : "Windows (version unknown)", b, c, r, *kern ? kern : "unknown");
	}
	s->systime = parse_iso(str(doc, "info.time.system_time"));
	double up = num(doc, "info.time.uptime_seconds");
	s->uptime_h = isnan(up) ? NAN : up / 3600.0;
}

static int snap_cmp(const void *a, const void *b)
{
	const struct snap *x = a, *y = b;
	int k = strcmp(x->key, y->key);
	if (k)
		return k;
	if (!isnan(x->systime) && !isnan(y->systime) && x->systime != y->systime)
		return x->systime < y->systime ? -1 : 1;
	if (!isnan(x->uptime_h) && !isnan(y->uptime_h) && x->uptime_h != y->uptime_h)
		return x->uptime_h < y->uptime_h ? -1 : 1;
	return strcmp(x->path, y->path);
}

struct growth {
	char tag[5];
	bool paged;
	double np_peak, p_peak; /* the most bytes seen in each pool: which pool the tag is in */
	double first, last, rate; /* bytes, bytes, bytes per hour */
};

/* bytes of @p g's tag in one dump (both pools); the pool that held the most in any dump
 * names it, so a tag that vanishes (0 bytes at the end) keeps its pool */
static double tag_bytes(const cJSON *doc, struct growth *g)
{
	const cJSON *tags = get(doc, "summary.tags"), *it;
	cJSON_ArrayForEach(it, tags)
	{
		if (strcmp(str(it, "tag"), g->tag))
			continue;
		double np = num(it, "np_bytes"), p = num(it, "p_bytes");
		np = isnan(np) ? 0 : np;
		p = isnan(p) ? 0 : p;
		g->np_peak = np > g->np_peak ? np : g->np_peak;
		g->p_peak = p > g->p_peak ? p : g->p_peak;
		g->paged = g->p_peak > g->np_peak;
		return np + p;
	}
	return 0;
}

/* "+12.34 MiB" */
static const char *mib(double bytes, bool sign, char out[32])
{
	snprintf(out, 32, sign ? "%+.2f MiB" : "%.2f MiB", bytes / 1048576);
	return out;
}

static int growth_cmp(const void *a, const void *b)
{
	const struct growth *x = a, *y = b;
	if (x->rate != y->rate)
		return x->rate > y->rate ? -1 : 1;
	return strcmp(x->tag, y->tag);
}

/* One machine's series [a, b). */
static void group(struct pm_strbuf *sb, cJSON *arr, struct snap *s, size_t a, size_t b,
		  size_t top)
{
	size_t n = b - a;
	/* x axis: uptime when every dump is from one boot (uptime grows as the clock does),
	 * else the wall clock since the first dump. */
	bool same_boot = true;
	for (size_t i = a + 1; i < b; i++) {
		double dt = (s[i].systime - s[a].systime) / 3600.0, du = s[i].uptime_h - s[a].uptime_h;
		if (isnan(dt) || isnan(du) || du < 0 || fabs(dt - du) > 0.1 + 0.01 * fabs(dt))
			same_boot = false;
	}
	double *x = calloc(n, sizeof(*x));
	if (!x)
		return;
	bool ok = true;
	for (size_t i = 0; i < n; i++) {
		x[i] = same_boot ? s[a + i].uptime_h : (s[a + i].systime - s[a].systime) / 3600.0;
		ok &= !isnan(x[i]);
	}
	/* every tag seen in any dump of the group */
	struct growth *g = NULL;
	size_t ng = 0;
	for (size_t i = a; i < b; i++) {
		const cJSON *tags = get(s[i].doc, "summary.tags"), *it;
		cJSON_ArrayForEach(it, tags)
		{
			const char *t = str(it, "tag");
			bool seen = strlen(t) != 4;
			for (size_t k = 0; k < ng && !seen; k++)
				seen = !strcmp(g[k].tag, t);
			if (seen)
				continue;
			struct growth *g2 = realloc(g, (ng + 1) * sizeof(*g2));
			if (!g2)
				continue;
			g = g2;
			memset(&g[ng], 0, sizeof(g[ng]));
			snprintf(g[ng].tag, 5, "%s", t);
			ng++;
		}
	}
	for (size_t k = 0; k < ng; k++) {
		double sx = 0, sy = 0, sxx = 0, sxy = 0;
		for (size_t i = 0; i < n; i++) {
			double y = tag_bytes(s[a + i].doc, &g[k]);
			if (i == 0)
				g[k].first = y;
			if (i == n - 1)
				g[k].last = y;
			sx += x[i], sy += y, sxx += x[i] * x[i], sxy += x[i] * y;
		}
		double den = (double)n * sxx - sx * sx;
		/* least-squares slope: bytes per hour */
		g[k].rate = ok && n >= 2 && fabs(den) > 1e-12 ? ((double)n * sxy - sx * sy) / den : 0;
	}
	if (ng > 1) /* qsort() wants a non-null base even for 0 */
		qsort(g, ng, sizeof(*g), growth_cmp);
	cJSON *go = cJSON_CreateObject();
	cJSON_AddItemToArray(arr, go);
	cJSON_AddStringToObject(go, "machine", s[a].key);
	cJSON_AddStringToObject(go, "time_axis", same_boot ? "uptime" : "system_time");
	cJSON *da = cJSON_AddArrayToObject(go, "dumps");
	pm_sb_printf(sb, "Machine: %s\n  %zu dumps, time axis: %s\n", s[a].key, n,
		     same_boot ? "uptime (one boot)" : "wall clock (the machine rebooted between dumps)");
	for (size_t i = 0; i < n; i++) {
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "path", s[a + i].path);
		cJSON_AddStringToObject(d, "system_time", str(s[a + i].doc, "info.time.system_time"));
		if (!isnan(s[a + i].uptime_h))
			cJSON_AddNumberToObject(d, "uptime_hours", s[a + i].uptime_h);
		cJSON_AddItemToArray(da, d);
		const char *when = str(s[a + i].doc, "info.time.system_time");
		char up[32] = "uptime unknown";
		if (!isnan(s[a + i].uptime_h))
			snprintf(up, sizeof(up), "uptime %.1f h", s[a + i].uptime_h);
		pm_sb_printf(sb, "    %s  %s  %s\n", *when ? when : "(time unknown)", s[a + i].path,
			     up);
	}
	if (n < 2)
		pm_sb_printf(sb, "  one dump only: no growth to measure\n");
	cJSON *ta = cJSON_AddArrayToObject(go, "tags");
	if (n >= 2)
		pm_sb_printf(sb, "  %-4s %-8s %14s %14s %14s %14s\n", "Tag", "Pool", "First", "Last",
			     "Growth", "Rate (MiB/h)");
	size_t shown = 0, unchanged = 0;
	for (size_t k = 0; k < ng; k++) {
		/* a tag that did not move says nothing about a leak: counted, not listed */
		if (n >= 2 && g[k].first == g[k].last && fabs(g[k].rate) < 0.5) {
			unchanged++;
			continue;
		}
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "tag", g[k].tag);
		cJSON_AddStringToObject(t, "pool", g[k].paged ? "paged" : "nonpaged");
		cJSON_AddNumberToObject(t, "first_bytes", g[k].first);
		cJSON_AddNumberToObject(t, "last_bytes", g[k].last);
		cJSON_AddNumberToObject(t, "growth_bytes", g[k].last - g[k].first);
		cJSON_AddNumberToObject(t, "bytes_per_hour", round(g[k].rate * 1000) / 1000);
		cJSON_AddItemToArray(ta, t);
		char f[32], l[32], d[32];
		if (shown++ < top && n >= 2)
			pm_sb_printf(sb, "  %-4s %-8s %14s %14s %14s %+14.3f\n", g[k].tag,
				     g[k].paged ? "paged" : "nonpaged", mib(g[k].first, false, f),
				     mib(g[k].last, false, l), mib(g[k].last - g[k].first, true, d),
				     g[k].rate / 1048576);
	}
	cJSON_AddNumberToObject(go, "unchanged_tags", (double)unchanged);
	if (n >= 2 && unchanged)
		pm_sb_printf(sb, "  (%zu tag%s unchanged across the dumps, not listed)\n", unchanged,
			     unchanged == 1 ? "" : "s");
	pm_sb_printf(sb, "\n");
	free(g);
	free(x);
}

struct pm_error *pm_trend_report(const cJSON *const *docs, size_t n, bool one_machine, size_t top,
				 bool json, char **ret)
{
	struct snap *s = calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return &pm_enomem;
	for (size_t i = 0; i < n; i++)
		snap_init(&s[i], docs[i], one_machine);
	if (n > 1) /* qsort() wants a non-null base even for 0 */
		qsort(s, n, sizeof(*s), snap_cmp);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "schema", "poolmortem.trend/1");
	cJSON *arr = cJSON_AddArrayToObject(root, "machines");
	struct pm_strbuf sb = { 0 };
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && !strcmp(s[b].key, s[a].key))
			b++;
		group(&sb, arr, s, a, b, top);
		a = b;
	}
	char *out;
	if (json) {
		out = pm_utf8_repair(cJSON_Print(root)); /* names read from dumps */
		pm_sb_free(&sb);
	} else {
		out = pm_sb_take(&sb);
	}
	cJSON_Delete(root);
	free(s);
	if (!out)
		return &pm_enomem;
	*ret = out;
	return NULL;
}
