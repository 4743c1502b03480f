// SPDX-License-Identifier: MIT
// A finding's holders, in every rendering of the verdict (holders_view.h).
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"
#include "holders_view.h"

void pm_holders_json_finding(struct pm_jb *j, cJSON *o, const struct pm_finding *fi)
{
	if (!fi->nholders && !fi->holders_absent[0])
		return; /* the finding is not about a tag or commit */
	cJSON *a = pm_jb_arr(j, o, "holders");
	for (unsigned k = 0; a && k < fi->nholders; k++) {
		const struct pm_ranked_holder *h = &fi->holders[k];
		cJSON *x = pm_jb_push_obj(j, a);
		if (!x)
			return;
		pm_jb_str(j, x, "kind", pm_holder_kind_name(h->kind));
		pm_jb_num(j, x, "pid", h->pid);
		pm_jb_str(j, x, "name", h->name);
		if (h->tag)
			pm_jb_tag(j, x, "tag", h->tag);
		if (h->type[0])
			pm_jb_str(j, x, "type", h->type);
		pm_jb_num(j, x, "count", (double)h->count);
		if (h->total)
			pm_jb_num(j, x, "of", (double)h->total);
		if (h->bytes)
			pm_jb_num(j, x, "bytes", (double)h->bytes);
		pm_jb_str(j, x, "confidence", pm_confidence_name(h->confidence));
		pm_jb_str(j, x, "detail", h->detail);
	}
	if (!fi->nholders)
		pm_jb_str(j, o, "holders_absent", fi->holders_absent);
}

void pm_holders_text_finding(struct pm_strbuf *sb, const struct pm_finding *fi)
{
	if (!fi->nholders) {
		if (fi->holders_absent[0])
			pm_sb_printf(sb, "   who holds it: not known: %s\n", fi->holders_absent);
		return;
	}
	pm_sb_printf(sb, "   who holds it:\n");
	for (unsigned k = 0; k < fi->nholders; k++)
		pm_sb_printf(sb, "     %u. %s (confidence %s)\n", k + 1, fi->holders[k].detail,
			     pm_confidence_name(fi->holders[k].confidence));
}

static void md(struct pm_strbuf *sb, const char *s)
{
	for (; *s; s++)
		pm_sb_printf(sb, strchr("|*_`[]<>\\", *s) ? "\\%c" : "%c", *s);
}

void pm_holders_md_finding(struct pm_strbuf *sb, const struct pm_finding *fi)
{
	if (!fi->nholders) {
		if (fi->holders_absent[0]) {
			pm_sb_printf(sb, "\n**Who holds it**: not known: ");
			md(sb, fi->holders_absent);
			pm_sb_printf(sb, "\n");
		}
		return;
	}
	pm_sb_printf(sb, "\n**Who holds it**\n\n");
	for (unsigned k = 0; k < fi->nholders; k++) {
		pm_sb_printf(sb, "%u. ", k + 1);
		md(sb, fi->holders[k].detail);
		pm_sb_printf(sb, " (confidence %s)\n", pm_confidence_name(fi->holders[k].confidence));
	}
}

static void h(struct pm_strbuf *sb, const char *s)
{
	for (; *s; s++) {
		const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;"
			      : *s == '"' ? "&quot;" : NULL;
		if (e)
			pm_sb_printf(sb, "%s", e);
		else
			pm_sb_printf(sb, "%c", *s);
	}
}

void pm_holders_html_finding(struct pm_strbuf *sb, const struct pm_finding *fi)
{
	if (!fi->nholders) {
		if (fi->holders_absent[0]) {
			pm_sb_printf(sb, "<p class=\"holders\">Who holds it: not known: ");
			h(sb, fi->holders_absent);
			pm_sb_printf(sb, "</p>\n");
		}
		return;
	}
	pm_sb_printf(sb, "<p>Who holds it:</p><ol class=\"holders\">");
	for (unsigned k = 0; k < fi->nholders; k++) {
		pm_sb_printf(sb, "<li><b>");
		h(sb, fi->holders[k].name);
		pm_sb_printf(sb, " (PID %" PRIu32 ")</b>: ", fi->holders[k].pid);
		h(sb, fi->holders[k].detail);
		pm_sb_printf(sb, " (confidence %s)</li>", pm_confidence_name(fi->holders[k].confidence));
	}
	pm_sb_printf(sb, "</ol>\n");
}
