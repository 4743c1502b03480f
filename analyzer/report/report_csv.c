// SPDX-License-Identifier: MIT
// CSV renderings of poolused and bigpool (csv.h), for spreadsheets.
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fmt.h"

void pm_csv_str(struct pm_strbuf *sb, const char *s, bool first)
{
	if (!first)
		pm_sb_printf(sb, ",");
	if (!s)
		return;
	bool formula = strchr("=+-@\t\r", s[0]) && s[0];
	bool quote = formula || strpbrk(s, ",\"\r\n") || s[0] == ' ' ||
		     (*s && s[strlen(s) - 1] == ' ');
	if (!quote) {
		pm_sb_printf(sb, "%s", s);
		return;
	}
	pm_sb_printf(sb, "\"%s", formula ? "'" : "");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			pm_sb_printf(sb, "\"\"");
		else
			pm_sb_printf(sb, "%c", *p);
	}
	pm_sb_printf(sb, "\"");
}

void pm_csv_u64(struct pm_strbuf *sb, uint64_t v, bool first)
{
	pm_sb_printf(sb, "%s%" PRIu64, first ? "" : ",", v);
}

void pm_csv_eol(struct pm_strbuf *sb)
{
	pm_sb_printf(sb, "\r\n");
}

static void desc_fields(struct pm_strbuf *sb, const struct pm_rule_params *p, uint32_t tag)
{
	struct pm_tag_desc d;
	if (!p || !pm_rule_tag_describe(p, tag, &d)) {
		pm_sb_printf(sb, ",,,");
		return;
	}
	pm_csv_str(sb, d.desc, false);
	pm_csv_str(sb, d.binary, false);
	char src[64];
	if (d.line)
		snprintf(src, sizeof(src), "%s line %u", d.source, d.line);
	else
		snprintf(src, sizeof(src), "%s", d.source);
	pm_csv_str(sb, src, false);
}

static struct pm_error *done(struct pm_strbuf *sb, char **ret)
{
	char *s = pm_sb_take(sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}

struct pm_error *pm_csv_poolused(const struct pm_info *in, const struct pm_poolused_opts *o,
				 char **ret)
{
	const struct pm_pool_info *p = &in->pool;
	if (!p->has_track)
		return pm_err(PM_ERR_NOT_CAPTURED, "pool tag tracker not available: %s",
			      pm_absence_detail(&p->track_absent));
	size_t n, nall;
	const struct pm_tag_counts **rows = pm_poolused_rows(&p->track, o, &n, &nall);
	if (!rows)
		return &pm_enomem;
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "tag,nonpaged_allocs,nonpaged_bytes,paged_allocs,paged_bytes,"
		     "nonpaged_allocated,nonpaged_freed,paged_allocated,paged_freed,description,"
		     "binary,description_source");
	pm_csv_eol(&sb);
	for (size_t i = 0; i < n; i++) {
		const struct pm_tag_counts *c = rows[i];
		pm_csv_str(&sb, PM_TAG(c->tag), true);
		pm_csv_u64(&sb, c->np_allocs - c->np_frees, false);
		pm_csv_u64(&sb, c->np_bytes, false);
		pm_csv_u64(&sb, c->p_allocs - c->p_frees, false);
		pm_csv_u64(&sb, c->p_bytes, false);
		pm_csv_u64(&sb, c->np_allocs, false);
		pm_csv_u64(&sb, c->np_frees, false);
		pm_csv_u64(&sb, c->p_allocs, false);
		pm_csv_u64(&sb, c->p_frees, false);
		desc_fields(&sb, o->params, c->tag);
		pm_csv_eol(&sb);
	}
	free(rows);
	return done(&sb, ret);
}

struct pm_error *pm_csv_bigpool(const struct pm_info *in, const struct pm_bigpool_opts *o,
				char **ret)
{
	const struct pm_pool_info *p = &in->pool;
	if (!p->has_big)
		return pm_err(PM_ERR_NOT_CAPTURED, "big-page pool table not available: %s",
			      pm_absence_detail(&p->big_absent));
	const struct pm_bigpool *b = &p->big;
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "address,tag,pool,bytes,state,description,binary,description_source");
	pm_csv_eol(&sb);
	for (size_t i = 0; i < b->nallocs + (o->show_free ? b->nfreed : 0); i++) {
		bool fr = i >= b->nallocs;
		const struct pm_big_alloc *a = fr ? &b->freed[i - b->nallocs] : &b->allocs[i];
		if (!pm_tag_match(o->pattern, a->tag))
			continue;
		pm_csv_str(&sb, PM_ADDR(a->va), true);
		pm_csv_str(&sb, PM_TAG(a->tag), false);
		pm_csv_str(&sb, a->pool, false);
		pm_csv_u64(&sb, a->bytes, false);
		pm_csv_str(&sb, fr ? "freed" : "live", false);
		desc_fields(&sb, o->params, a->tag);
		pm_csv_eol(&sb);
	}
	return done(&sb, ret);
}
