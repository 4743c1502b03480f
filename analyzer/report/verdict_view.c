// SPDX-License-Identifier: MIT
// Verdict and findings for people: terminal text, Markdown for tickets, and a self-contained
// HTML page with inline SVG charts (pool usage against limits, top tags).
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cite.h"
#include "fmt.h"
#include "holders_view.h"
#include "names.h"
#include "samples_view.h"
#include "verdict_view.h"
#include "verinfo_view.h"

/* A finding's text as a reader sees it: reference keys as citations. */
#define CITED(str) pm_cite_short((str), (char[400]){ 0 }, 400)

/* The bugcheck as people know it: "0x00000133 DPC_WATCHDOG_VIOLATION". */
static void bugcheck_line(struct pm_strbuf *sb, const struct pm_summary *s)
{
	if (!s->has_bugcheck) {
		pm_sb_printf(sb, "none (a capture of a running system)");
		return;
	}
	const char *bn = pm_bugcheck_name(s->bugcheck);
	pm_sb_printf(sb, "%s %s", PM_BUGCHECK(s->bugcheck), bn ? bn : "(unknown code)");
}

static const char *sev_color(enum pm_severity s, bool healthy)
{
	if (healthy)
		return "\033[32m";
	return s == PM_SEV_CRITICAL ? "\033[1;31m" : s == PM_SEV_WARNING ? "\033[33m" : "";
}

static const char *verdict_color(const struct pm_verdict *v)
{
	return v->outcome == PM_OUTCOME_INCONCLUSIVE ? "\033[1;35m"
						     : sev_color(v->severity, v->healthy);
}

static const char *upper_sev(const struct pm_verdict *v)
{
	if (v->outcome == PM_OUTCOME_INCONCLUSIVE)
		return "INCONCLUSIVE";
	if (v->healthy)
		return "HEALTHY";
	return v->severity == PM_SEV_CRITICAL ? "CRITICAL" : "WARNING";
}

/* The headline's coverage mark: every rendering says a partial dump is partial. */
static const char *coverage_mark(const struct pm_verdict *v)
{
	return v->incomplete ? "INCOMPLETE DUMP" : v->partial ? "PARTIAL DATA" : NULL;
}

/* What the verdict lacked and what would supply it ("missing" for an inconclusive one, "not
 * read" otherwise: what limited its confidence). */
static const char *missing_label(const struct pm_verdict *v)
{
	return v->outcome == PM_OUTCOME_INCONCLUSIVE ? "missing" : "not read";
}

void pm_verdict_text(struct pm_strbuf *sb, const struct pm_verdict *v, const struct pm_findings *f,
		     bool color)
{
	const char *on = color ? verdict_color(v) : "", *off = color ? "\033[0m" : "";
	const char *mark = coverage_mark(v);
	pm_sb_printf(sb, "VERDICT: %s%s%s%s%s%s - %s (confidence %s)\n", on, upper_sev(v), off,
		     mark ? " (" : "", mark ? mark : "", mark ? ")" : "", v->summary,
		     pm_confidence_name(v->confidence));
	for (unsigned i = 0; i < v->ncoverage; i++)
		pm_sb_printf(sb, "COVERAGE: %s\n", v->coverage[i]);
	for (unsigned i = 0; i < v->nmissing; i++)
		pm_sb_printf(sb, "  %s: %s\n    would need: %s\n", missing_label(v),
			     v->missing[i].what, v->missing[i].fix);
	for (size_t i = 0; i < f->n; i++) {
		const struct pm_finding *fi = &f->items[i];
		const char *fon = color ? sev_color(fi->severity, false) : "";
		pm_sb_printf(sb, "\n [%s%s%s] %s: %s\n", fon, pm_severity_name(fi->severity),
			     color ? off : "", fi->rule, fi->title);
		for (unsigned k = 0; k < fi->nevidence; k++)
			pm_sb_printf(sb, "     - %s\n", CITED(fi->evidence[k]));
		if (fi->ntags)
			pm_sb_printf(sb, "   suspect tags:\n");
		for (unsigned k = 0; k < fi->ntags; k++) {
			pm_sb_printf(sb, "     %u. %-4s %s, %s allocations%s%s\n", k + 1,
				     PM_TAG(fi->tags[k].tag), PM_HUMAN(fi->tags[k].bytes),
				     PM_THOUSANDS(fi->tags[k].outstanding), fi->tags[k].description[0] ? ": " : "",
				     fi->tags[k].description);
			for (unsigned r = 0; r < fi->tags[k].nreasons; r++)
				pm_sb_printf(sb, "          %s\n", fi->tags[k].reasons[r]);
		}
		if (fi->ndrivers)
			pm_sb_printf(sb, "   likely owners:\n");
		for (unsigned k = 0; k < fi->ndrivers; k++) {
			pm_sb_printf(sb, "     %u. %s for '%s' (%s): %s\n", k + 1, fi->drivers[k].name,
				     PM_TAG(fi->drivers[k].tag), fi->drivers[k].how,
				     fi->drivers[k].detail);
			if (fi->drivers[k].loaded) { /* lm v's facts for the vendor ticket */
				pm_sb_printf(sb, "          image: ");
				pm_image_facts(sb, fi->drivers[k].timestamp, &fi->drivers[k].version,
					       true);
				pm_sb_printf(sb, "\n");
			}
		}
		pm_holders_text_finding(sb, fi);
		if (fi->nsteps)
			pm_sb_printf(sb, "   next steps:\n");
		for (unsigned k = 0; k < fi->nsteps; k++)
			pm_sb_printf(sb, "     - %s\n", CITED(fi->steps[k]));
		const char *cites[8];
		unsigned nc = pm_cite_list(fi->refs, cites, 8);
		for (unsigned k = 0; k < nc; k++)
			pm_sb_printf(sb, "   %s %s\n", k ? "           " : "references:", cites[k]);
	}
	for (unsigned i = 0; i < f->nnot; i++)
		pm_sb_printf(sb, "%s not evaluated: %s\n", i ? "" : "\n", f->not_evaluated[i]);
}

/* Markdown: escape the characters that would change the table or emphasis. */
static void md(struct pm_strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (strchr("|*_`[]<>\\", *s))
			pm_sb_printf(sb, "\\%c", *s);
		else
			pm_sb_printf(sb, "%c", *s);
	}
}

/* Markdown: the image facts of each loaded owner, once a driver (lm v). */
static void md_images(struct pm_strbuf *sb, const struct pm_finding *fi)
{
	bool any = false;
	for (unsigned k = 0; k < fi->ndrivers; k++) {
		const struct pm_ranked_driver *d = &fi->drivers[k];
		bool seen = false;
		for (unsigned e = 0; e < k; e++)
			seen |= fi->drivers[e].loaded && !strcasecmp(fi->drivers[e].name, d->name);
		if (!d->loaded || seen)
			continue;
		char *facts = pm_image_facts_str(d->timestamp, &d->version, true);
		pm_sb_printf(sb, "%s- **", any ? "" : "\n**Likely owners' images** (as `lm v` gives "
			     "them)\n\n");
		md(sb, d->name);
		pm_sb_printf(sb, "**: ");
		md(sb, facts ? facts : "(out of memory)");
		pm_sb_printf(sb, "\n");
		free(facts);
		any = true;
	}
}

/* Markdown: one finding (every severity: the figures behind a healthy verdict are the info
 * findings'). */
static void md_finding(struct pm_strbuf *sb, const struct pm_finding *fi)
{
	pm_sb_printf(sb, "\n### %s: ", pm_severity_name(fi->severity));
	md(sb, fi->title);
	pm_sb_printf(sb, "\n\n");
	for (unsigned k = 0; k < fi->nevidence; k++) {
		pm_sb_printf(sb, "- ");
		md(sb, CITED(fi->evidence[k]));
		pm_sb_printf(sb, "\n");
	}
	if (fi->ntags) {
		pm_sb_printf(sb, "\n| # | Tag | Size | Allocations | Share | Likely owner |\n"
			     "|---|---|---:|---:|---:|---|\n");
		for (unsigned k = 0; k < fi->ntags; k++) {
			const char *owner = "";
			for (unsigned d = 0; d < fi->ndrivers && !*owner; d++)
				if (fi->drivers[d].tag == fi->tags[k].tag)
					owner = fi->drivers[d].name;
			pm_sb_printf(sb, "| %u | `%s` | %s | %s | %s | ", k + 1,
				     PM_TAG(fi->tags[k].tag), PM_HUMAN(fi->tags[k].bytes),
				     PM_THOUSANDS(fi->tags[k].outstanding), PM_PCT(fi->tags[k].share));
			md(sb, owner);
			pm_sb_printf(sb, " |\n");
		}
	}
	md_images(sb, fi);
	pm_holders_md_finding(sb, fi);
	if (fi->nsteps) {
		pm_sb_printf(sb, "\n**Next steps**\n\n");
		for (unsigned k = 0; k < fi->nsteps; k++) {
			pm_sb_printf(sb, "%u. ", k + 1);
			md(sb, CITED(fi->steps[k]));
			pm_sb_printf(sb, "\n");
		}
	}
	const char *cites[8];
	unsigned nc = pm_cite_list(fi->refs, cites, 8);
	for (unsigned k = 0; k < nc; k++) {
		pm_sb_printf(sb, "%s", k ? "; " : "\nSources: ");
		md(sb, cites[k]);
	}
	pm_sb_printf(sb, "%s", nc ? "\n" : "");
}

void pm_verdict_markdown(struct pm_strbuf *sb, const struct pm_summary *s,
			 const struct pm_verdict *v, const struct pm_findings *f,
			 const struct pm_samples *samples, const char *coverage)
{
	const char *mark = coverage_mark(v);
	pm_sb_printf(sb, "## poolmortem: ");
	md(sb, upper_sev(v));
	if (mark) {
		pm_sb_printf(sb, " (");
		md(sb, mark);
		pm_sb_printf(sb, ")");
	}
	pm_sb_printf(sb, "\n\n**");
	md(sb, v->summary);
	pm_sb_printf(sb, "** (confidence %s)\n\n", pm_confidence_name(v->confidence));
	for (unsigned i = 0; i < v->ncoverage; i++) {
		pm_sb_printf(sb, "> **Coverage:** ");
		md(sb, v->coverage[i]);
		pm_sb_printf(sb, "\n%s", i + 1 == v->ncoverage ? "\n" : ">\n");
	}
	for (unsigned i = 0; i < v->nmissing; i++) {
		pm_sb_printf(sb, "- **%s:** ", missing_label(v));
		md(sb, v->missing[i].what);
		pm_sb_printf(sb, " - would need: ");
		md(sb, v->missing[i].fix);
		pm_sb_printf(sb, "\n%s", i + 1 == v->nmissing ? "\n" : "");
	}
	if (coverage) {
		pm_sb_printf(sb, "> **Warning: the dump is incomplete:** ");
		md(sb, coverage);
		pm_sb_printf(sb, ". Figures read from the missing part are absent, and totals may be "
			     "understated.\n\n");
	}
	pm_sb_printf(sb, "| | |\n|---|---|\n| Dump | `");
	md(sb, s->dump);
	pm_sb_printf(sb, "` |\n| Windows | ");
	md(sb, s->os[0] ? s->os : "unknown");
	pm_sb_printf(sb, ", build %u, %s, %u processors |\n| Bugcheck | ", s->build, s->arch,
		     s->nprocs);
	bugcheck_line(sb, s);
	pm_sb_printf(sb, " |\n");
	if (!s->ram.absent)
		pm_sb_printf(sb, "| RAM | %s |\n", PM_HUMAN(s->ram.v * 4096));
	for (int pass = 0; pass < 2; pass++) /* problems first, then what was found healthy */
		for (size_t i = 0; i < f->n; i++)
			if ((f->items[i].severity == PM_SEV_INFO) == (pass == 1))
				md_finding(sb, &f->items[i]);
	if (f->nnot)
		pm_sb_printf(sb, "\n### Not evaluated\n\n");
	for (unsigned i = 0; i < f->nnot; i++) {
		pm_sb_printf(sb, "- ");
		md(sb, f->not_evaluated[i]);
		pm_sb_printf(sb, "\n");
	}
	pm_samples_markdown(sb, samples);
	pm_sb_printf(sb, "\n<sub>poolmortem, offline analysis of the dump; figures carry their "
		     "source in the JSON report.</sub>\n");
}

static void h(struct pm_strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			pm_sb_printf(sb, "&lt;");
			break;
		case '>':
			pm_sb_printf(sb, "&gt;");
			break;
		case '&':
			pm_sb_printf(sb, "&amp;");
			break;
		case '"':
			pm_sb_printf(sb, "&quot;");
			break;
		default:
			pm_sb_printf(sb, "%c", *s);
		}
	}
}

/* One horizontal bar: used of max (pages), labelled in people's units. */
static void bar(struct pm_strbuf *sb, int y, const char *label, uint64_t used, uint64_t max,
		const char *color)
{
	double frac = max ? (double)used / (double)max : 0;
	if (frac > 1)
		frac = 1;
	pm_sb_printf(sb, "<text x=\"0\" y=\"%d\" class=\"l\">", y + 14);
	h(sb, label);
	/* "1.37 GiB of 4.00 GiB" beside the bar; the exact pages in its tooltip */
	pm_sb_printf(sb, "</text><rect x=\"190\" y=\"%d\" width=\"400\" height=\"18\" fill=\"#eee\"/>"
		     "<rect class=\"bar\" x=\"190\" y=\"%d\" width=\"%.1f\" height=\"18\" "
		     "fill=\"%s\"><title>%s of %s pages</title></rect><text x=\"600\" y=\"%d\" "
		     "class=\"v\">%s of %s (%s)</text>\n", y, y, 400 * frac, color,
		     PM_THOUSANDS(used), PM_THOUSANDS(max), y + 14, PM_UNIT(used * 4096),
		     PM_UNIT(max * 4096), PM_PCT(frac));
}

static void html_head(struct pm_strbuf *sb, const struct pm_summary *s,
		      const struct pm_verdict *v, const char *coverage)
{
	const char *vc = v->outcome == PM_OUTCOME_INCONCLUSIVE ? "#6a1b9a"
			 : v->healthy ? "#2e7d32" : v->severity == PM_SEV_CRITICAL ? "#c62828"
									     : "#ef6c00";
	const char *mark = coverage_mark(v);
	pm_sb_printf(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		     "<title>poolmortem: ");
	h(sb, s->dump);
	pm_sb_printf(sb, "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1000px}"
		     ".verdict{border-left:8px solid %s;padding:.5em 1em;background:#fafafa}"
		     "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}"
		     "svg text{font-size:13px;font-family:sans-serif}.v{fill:#333}"
		     ".sev-critical{color:#c62828}.sev-warning{color:#ef6c00}.sev-info{color:#555}"
		     ".coverage{color:#b71c1c}.coverage-mark{color:#b71c1c;font-size:.8em}"
		     ".incomplete{border:2px solid #c62828;background:#fff3f3;padding:.5em 1em;"
		     "margin:1em 0}.note{color:#555;font-size:90%%}"
		     "</style></head><body>\n", vc);
	pm_sb_printf(sb, "<h1>poolmortem report</h1>\n<div class=\"verdict\" id=\"verdict\"><h2>");
	h(sb, upper_sev(v));
	if (mark) {
		pm_sb_printf(sb, " <span class=\"coverage-mark\">(");
		h(sb, mark);
		pm_sb_printf(sb, ")</span>");
	}
	pm_sb_printf(sb, "</h2><p>");
	h(sb, v->summary);
	pm_sb_printf(sb, " (confidence %s)</p>", pm_confidence_name(v->confidence));
	for (unsigned i = 0; i < v->ncoverage; i++) {
		pm_sb_printf(sb, "<p class=\"coverage\" id=\"coverage-%u\"><b>Coverage:</b> ", i);
		h(sb, v->coverage[i]);
		pm_sb_printf(sb, "</p>");
	}
	if (v->nmissing)
		pm_sb_printf(sb, "<ul class=\"missing\">");
	for (unsigned i = 0; i < v->nmissing; i++) {
		pm_sb_printf(sb, "<li><b>%s:</b> ", missing_label(v));
		h(sb, v->missing[i].what);
		pm_sb_printf(sb, " &mdash; would need: ");
		h(sb, v->missing[i].fix);
		pm_sb_printf(sb, "</li>");
	}
	pm_sb_printf(sb, "%s</div>\n", v->nmissing ? "</ul>" : "");
	if (coverage) {
		pm_sb_printf(sb, "<div class=\"incomplete\" id=\"coverage\" role=\"alert\"><b>Warning: "
			     "the dump is incomplete:</b> ");
		h(sb, coverage);
		pm_sb_printf(sb, ". Figures read from the missing part are absent, and totals may be "
			     "understated.</div>\n");
	}
	pm_sb_printf(sb, "<table><tr><th>Dump</th><td>");
	h(sb, s->dump);
	pm_sb_printf(sb, "</td></tr><tr><th>Windows</th><td>");
	h(sb, s->os[0] ? s->os : "unknown");
	pm_sb_printf(sb, ", build %u, %s, %u processors</td></tr><tr><th>Bugcheck</th><td>",
		     s->build, s->arch, s->nprocs);
	bugcheck_line(sb, s);
	if (!s->ram.absent)
		pm_sb_printf(sb, "</td></tr><tr><th>RAM</th><td>%s", PM_HUMAN(s->ram.v * 4096));
	pm_sb_printf(sb, "</td></tr></table>\n");
}

/* Chart 1: pool usage against limits (and RAM), commit against its limit. */
static void chart_limits(struct pm_strbuf *sb, const struct pm_summary *s)
{
	struct {
		const char *label;
		const struct pm_fig *used, *max;
	} rows[] = {
		{ "Nonpaged pool / max", &s->np_usage, &s->np_max },
		{ "Paged pool / max", &s->p_usage, &s->p_max },
		{ "Nonpaged pool / RAM", &s->np_usage, &s->ram },
		{ "Paged pool / RAM", &s->p_usage, &s->ram },
		{ "Commit / limit", &s->committed, &s->commit_limit },
		{ "Available / RAM", &s->available, &s->ram },
	};
	int n = 0;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		n += !rows[i].used->absent && !rows[i].max->absent && rows[i].max->v &&
		     rows[i].max->v <= (!s->ram.absent ? 4 * s->ram.v : UINT64_MAX);
	pm_sb_printf(sb, "<h2>Pool usage against limits</h2>\n<svg id=\"chart-pools\" "
		     "xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%d\" role=\"img\" "
		     "aria-label=\"pool usage against limits\">\n", 26 * (n ? n : 1) + 10);
	int y = 4;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct pm_fig *u = rows[i].used, *m = rows[i].max;
		if (u->absent || m->absent || !m->v ||
		    m->v > (!s->ram.absent ? 4 * s->ram.v : UINT64_MAX))
			continue;
		double fr = (double)u->v / (double)m->v;
		bar(sb, y, rows[i].label, u->v, m->v,
		    fr >= 0.95 ? "#c62828" : fr >= 0.8 ? "#ef6c00" : "#1565c0");
		y += 26;
	}
	if (!n)
		pm_sb_printf(sb, "<text x=\"0\" y=\"18\">No usage/limit pair is known for this dump."
			     "</text>\n");
	pm_sb_printf(sb, "</svg>\n");
}

/* Chart 2: top tags by bytes (both pools). */
static void chart_tags(struct pm_strbuf *sb, const struct pm_summary *s)
{
	const struct pm_sum_tag *top[10];
	size_t nt = 0;
	for (size_t pass = 0; pass < 10 && pass < s->ntags; pass++) {
		const struct pm_sum_tag *best = NULL;
		for (size_t i = 0; i < s->ntags; i++) {
			bool used = false;
			for (size_t k = 0; k < nt; k++)
				used |= top[k] == &s->tags[i];
			if (!used && (!best || s->tags[i].np_bytes + s->tags[i].p_bytes >
						       best->np_bytes + best->p_bytes))
				best = &s->tags[i];
		}
		if (!best || !(best->np_bytes + best->p_bytes))
			break;
		top[nt++] = best;
	}
	/* Each segment is the tag's share of its pool's maximum (RAM when the maximum is not
	 * known or larger than RAM): full width is the whole resource, so a healthy machine's
	 * tags stay short, and a tag that exhausts its pool fills the bar. */
	uint64_t ram = !s->ram.absent && s->ram.v ? s->ram.v * 4096 : 0;
	uint64_t lim_np = !s->np_max.absent && s->np_max.v ? s->np_max.v * 4096 : ram;
	uint64_t lim_p = !s->p_max.absent && s->p_max.v ? s->p_max.v * 4096 : ram;
	lim_np = ram && lim_np > ram ? ram : lim_np;
	lim_p = ram && lim_p > ram ? ram : lim_p;
	bool scaled = lim_np && lim_p;
	const char *np_of = lim_np == ram ? "of RAM" : "of the nonpaged max";
	const char *p_of = lim_p == ram ? "of RAM" : "of the paged max";
	uint64_t mx = nt ? top[0]->np_bytes + top[0]->p_bytes : 1;
	pm_sb_printf(sb, "<h2>Top tags</h2>\n<p class=\"note\">");
	if (scaled && lim_np == ram && lim_p == ram)
		pm_sb_printf(sb, "Bar length: the tag's share of RAM (%s; the pools' maxima are not "
			     "known or exceed it); the full width is 100%%.", PM_UNIT(ram));
	else if (scaled)
		pm_sb_printf(sb, "Bar length: the tag's share of its pool's limit (nonpaged: %s %s, "
			     "paged: %s %s); the full width is 100%%.", np_of + 3, PM_UNIT(lim_np),
			     p_of + 3, PM_UNIT(lim_p));
	else
		pm_sb_printf(sb, "Neither the pool maxima nor the RAM are known: bars are relative to "
			     "the largest tag.");
	pm_sb_printf(sb, " Purple: nonpaged, teal: paged.</p>\n<svg id=\"chart-tags\" "
		     "xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"%zu\" role=\"img\" "
		     "aria-label=\"top pool tags\">\n", 24 * (nt ? nt : 1) + 10);
	for (size_t i = 0; i < nt; i++) {
		double wn = 500.0 * (double)top[i]->np_bytes / (double)(scaled ? lim_np : mx);
		double wp = 500.0 * (double)top[i]->p_bytes / (double)(scaled ? lim_p : mx);
		wn = wn > 500 ? 500 : wn;
		wp = wn + wp > 500 ? 500 - wn : wp;
		pm_sb_printf(sb, "<text x=\"0\" y=\"%zu\" class=\"l\">", 24 * i + 18);
		h(sb, PM_TAG(top[i]->tag));
		pm_sb_printf(sb, "</text><rect x=\"60\" y=\"%zu\" width=\"500\" height=\"16\" "
			     "fill=\"#f4f4f4\"/><rect class=\"bar\" x=\"60\" y=\"%zu\" "
			     "width=\"%.1f\" height=\"16\" fill=\"#6a1b9a\"/><rect class=\"bar\" "
			     "x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"16\" fill=\"#00897b\"/>"
			     "<text x=\"570\" y=\"%zu\" class=\"v\">", 24 * i + 4, 24 * i + 4, wn,
			     60 + wn, 24 * i + 4, wp, 24 * i + 18);
		if (top[i]->np_bytes)
			pm_sb_printf(sb, "%s nonpaged", PM_UNIT(top[i]->np_bytes));
		if (top[i]->p_bytes)
			pm_sb_printf(sb, "%s%s paged", top[i]->np_bytes ? " + " : "",
				     PM_UNIT(top[i]->p_bytes));
		if (scaled && top[i]->np_bytes >= top[i]->p_bytes)
			pm_sb_printf(sb, " (%s %s)", PM_PCT((double)top[i]->np_bytes / (double)lim_np),
				     np_of);
		else if (scaled)
			pm_sb_printf(sb, " (%s %s)", PM_PCT((double)top[i]->p_bytes / (double)lim_p),
				     p_of);
		pm_sb_printf(sb, "</text>\n");
	}
	if (!nt)
		pm_sb_printf(sb, "<text x=\"0\" y=\"18\">No tag counters in this dump.</text>\n");
	pm_sb_printf(sb, "</svg>\n");
}

/* <ol>/<ul> of escaped items under an optional title */
static void html_list(struct pm_strbuf *sb, const char *title, const char *tag,
		      const char *base, unsigned n, size_t stride)
{
	if (title)
		pm_sb_printf(sb, "<p>%s</p>", title);
	pm_sb_printf(sb, "<%s>", tag);
	for (unsigned k = 0; k < n; k++) {
		pm_sb_printf(sb, "<li>");
		h(sb, CITED(base + k * stride));
		pm_sb_printf(sb, "</li>");
	}
	pm_sb_printf(sb, "</%s>\n", tag);
}

static void html_finding(struct pm_strbuf *sb, const struct pm_finding *fi)
{
	pm_sb_printf(sb, "<h3 class=\"sev-%s\">[%s] ", pm_severity_name(fi->severity),
		     pm_severity_name(fi->severity));
	h(sb, fi->title);
	pm_sb_printf(sb, "</h3>\n");
	html_list(sb, NULL, "ul", fi->evidence[0], fi->nevidence, sizeof(fi->evidence[0]));
	if (fi->ntags) {
		pm_sb_printf(sb, "<table><tr><th>Tag</th><th>Size</th><th>Allocations</th>"
			     "<th>Why</th></tr>");
		for (unsigned k = 0; k < fi->ntags; k++) {
			pm_sb_printf(sb, "<tr><td><code>");
			h(sb, PM_TAG(fi->tags[k].tag));
			pm_sb_printf(sb, "</code></td><td>%s</td><td>%s</td><td>",
				     PM_HUMAN(fi->tags[k].bytes), PM_THOUSANDS(fi->tags[k].outstanding));
			for (unsigned r = 0; r < fi->tags[k].nreasons; r++) {
				h(sb, fi->tags[k].reasons[r]);
				pm_sb_printf(sb, "<br>");
			}
			pm_sb_printf(sb, "</td></tr>");
		}
		pm_sb_printf(sb, "</table>\n");
	}
	if (fi->ndrivers) {
		pm_sb_printf(sb, "<p>Likely owners:</p><ol>");
		for (unsigned k = 0; k < fi->ndrivers; k++) {
			pm_sb_printf(sb, "<li><b>");
			h(sb, fi->drivers[k].name);
			pm_sb_printf(sb, "</b> (");
			h(sb, fi->drivers[k].how);
			pm_sb_printf(sb, "): ");
			h(sb, fi->drivers[k].detail);
			char *facts = fi->drivers[k].loaded
					      ? pm_image_facts_str(fi->drivers[k].timestamp,
								   &fi->drivers[k].version, true)
					      : NULL;
			if (facts) {
				pm_sb_printf(sb, "<br><small>image: ");
				h(sb, facts);
				pm_sb_printf(sb, "</small>");
			}
			free(facts);
			pm_sb_printf(sb, "</li>");
		}
		pm_sb_printf(sb, "</ol>\n");
	}
	pm_holders_html_finding(sb, fi);
	if (fi->nsteps)
		html_list(sb, "Next steps:", "ol", fi->steps[0], fi->nsteps, sizeof(fi->steps[0]));
	const char *cites[8];
	unsigned nc = pm_cite_list(fi->refs, cites, 8);
	for (unsigned k = 0; k < nc; k++) {
		pm_sb_printf(sb, "%s", k ? "; " : "<p class=\"note\">Sources: ");
		h(sb, cites[k]);
	}
	pm_sb_printf(sb, "%s", nc ? "</p>\n" : "");
}

void pm_verdict_html(struct pm_strbuf *sb, const struct pm_summary *s, const struct pm_verdict *v,
		     const struct pm_findings *f, const struct pm_samples *samples,
		     const char *coverage)
{
	html_head(sb, s, v, coverage);
	chart_limits(sb, s);
	chart_tags(sb, s);
	pm_sb_printf(sb, "<h2>Findings</h2>\n");
	for (size_t i = 0; i < f->n; i++)
		html_finding(sb, &f->items[i]);
	if (f->nnot) {
		pm_sb_printf(sb, "<h2>Not evaluated</h2>");
		html_list(sb, NULL, "ul", f->not_evaluated[0], f->nnot, sizeof(f->not_evaluated[0]));
	}
	pm_samples_html(sb, samples);
	pm_sb_printf(sb, "<p><small>Generated offline by poolmortem; no network resources are "
		     "used by this page.</small></p>\n</body></html>\n");
}
