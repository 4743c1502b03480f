// SPDX-License-Identifier: MIT
// The suspect tag's sample allocations in text, Markdown, HTML and JSON (samples_view.h).
#include <inttypes.h>
#include <stdio.h>

#include "fmt.h"
#include "jsonb.h"
#include "samples_view.h"

enum esc { ESC_NONE, ESC_HTML };

static void put(struct pm_strbuf *sb, enum esc e, char c)
{
	if (e == ESC_HTML && (c == '<' || c == '>' || c == '&' || c == '"'))
		pm_sb_printf(sb, "%s", c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;"
				       : "&quot;");
	else
		pm_sb_printf(sb, "%c", c);
}

static void puts_esc(struct pm_strbuf *sb, enum esc e, const char *s)
{
	for (; *s; s++)
		put(sb, e, *s);
}

/* An address as WinDbg writes it in a dump's lines: "ffffe001`00000000" (x64), "a0000000". */
static void windbg_addr(struct pm_strbuf *sb, bool is64, uint64_t a)
{
	if (is64)
		pm_sb_printf(sb, "%08" PRIx64 "`%08" PRIx64, a >> 32, a & 0xFFFFFFFFu);
	else
		pm_sb_printf(sb, "%08" PRIx64, a & 0xFFFFFFFFu);
}

/* The bytes as `db` shows them: 16 a line, a '-' between the 8th and 9th, then ASCII. */
static void db_lines(struct pm_strbuf *sb, const char *indent, enum esc e, bool is64,
		     const struct pm_sample *s)
{
	for (uint64_t off = 0; off < s->shown; off += 16) {
		pm_sb_printf(sb, "%s", indent);
		windbg_addr(sb, is64, s->addr + off);
		pm_sb_printf(sb, " ");
		for (unsigned i = 0; i < 16; i++) {
			if (off + i < s->shown)
				pm_sb_printf(sb, "%c%02x", i == 8 ? '-' : ' ', s->head[off + i]);
			else
				pm_sb_printf(sb, "   ");
		}
		pm_sb_printf(sb, "  ");
		for (unsigned i = 0; i < 16 && off + i < s->shown; i++) {
			uint8_t c = s->head[off + i];
			put(sb, e, c >= 0x20 && c < 0x7F ? (char)c : '.');
		}
		pm_sb_printf(sb, "\n");
	}
}

static const char *source_name(const struct pm_sample *s)
{
	return s->from == PM_SAMPLE_BIG ? "big-page table" : "small-pool page";
}

/* What was looked at, in one sentence. */
static void looked(struct pm_strbuf *sb, enum esc e, const struct pm_samples *s)
{
	char t[PM_FMT_TAG];
	pm_sb_printf(sb, "Tag '");
	puts_esc(sb, e, pm_fmt_tag(s->tag, t));
	pm_sb_printf(sb, "': ");
	if (s->big_looked)
		pm_sb_printf(sb, "%s allocation%s in the big-page table", PM_THOUSANDS(s->big_found),
			     s->big_found == 1 ? "" : "s");
	else
		puts_esc(sb, e, s->big_note);
	pm_sb_printf(sb, "; small pool: ");
	if (s->small_looked)
		pm_sb_printf(sb, "%s%s chunk%s in the scanned pages%s", s->small_capped ? "the first "
			     : "", PM_THOUSANDS(s->small_found), s->small_found == 1 ? "" : "s",
			     s->small_capped ? " looked at" : "");
	else
		puts_esc(sb, e, s->small_note);
	pm_sb_printf(sb, ".");
}

static void not_read(struct pm_strbuf *sb, enum esc e, const struct pm_sample *s)
{
	pm_sb_printf(sb, "not read (%s): ", s->absent);
	puts_esc(sb, e, s->why);
}

void pm_samples_text(struct pm_strbuf *sb, const struct pm_samples *s)
{
	if (!s->wanted) {
		pm_sb_printf(sb, " no suspect tag: nothing to sample\n");
		return;
	}
	pm_sb_printf(sb, " ");
	looked(sb, ESC_NONE, s);
	if (!s->n) {
		pm_sb_printf(sb, "\n None to show%s.\n", s->small_looked ? ""
			     : ": its allocations are small ones; analyze --scan samples them from "
			       "the pool pages (before Windows 10 19H1)");
		return;
	}
	pm_sb_printf(sb, "\n %zu shown: the largest first, then one of each other size.\n", s->n);
	for (size_t i = 0; i < s->n; i++) {
		const struct pm_sample *a = &s->s[i];
		pm_sb_printf(sb, "\n %zu. %s  %s  %s  (%s)\n", i + 1, PM_ADDR(a->addr),
			     PM_HUMAN(a->bytes), a->pool ? a->pool : "pool type not recorded",
			     source_name(a));
		pm_sb_printf(sb, "    !pool %s\n    db %s L%" PRIx64 "\n", PM_ADDR(a->addr),
			     PM_ADDR(a->addr), a->shown);
		if (a->read) {
			db_lines(sb, "    ", ESC_NONE, s->is64, a);
		} else {
			pm_sb_printf(sb, "    ");
			not_read(sb, ESC_NONE, a);
			pm_sb_printf(sb, "\n");
		}
	}
}

void pm_samples_markdown(struct pm_strbuf *sb, const struct pm_samples *s)
{
	if (!s || !s->wanted)
		return;
	pm_sb_printf(sb, "\n### Sample allocations of the suspect tag\n\n");
	looked(sb, ESC_NONE, s);
	pm_sb_printf(sb, "\n\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct pm_sample *a = &s->s[i];
		pm_sb_printf(sb, "%zu. `%s`, %s, %s (%s): `!pool %s`, `db %s L%" PRIx64 "`\n\n", i + 1,
			     PM_ADDR(a->addr), PM_HUMAN(a->bytes), a->pool ? a->pool
			     : "pool type not recorded", source_name(a), PM_ADDR(a->addr),
			     PM_ADDR(a->addr), a->shown);
		if (a->read) {
			db_lines(sb, "        ", ESC_NONE, s->is64, a); /* an indented code block */
		} else {
			pm_sb_printf(sb, "   ");
			not_read(sb, ESC_NONE, a);
			pm_sb_printf(sb, "\n");
		}
		pm_sb_printf(sb, "\n");
	}
}

void pm_samples_html(struct pm_strbuf *sb, const struct pm_samples *s)
{
	if (!s || !s->wanted)
		return;
	pm_sb_printf(sb, "<h2>Sample allocations of the suspect tag</h2>\n<p>");
	looked(sb, ESC_HTML, s);
	pm_sb_printf(sb, "</p>\n");
	for (size_t i = 0; i < s->n; i++) {
		const struct pm_sample *a = &s->s[i];
		pm_sb_printf(sb, "<h3>%zu. <code>%s</code>, %s, %s (%s)</h3>\n<p><code>!pool %s</code>"
			     ", <code>db %s L%" PRIx64 "</code></p>\n", i + 1, PM_ADDR(a->addr),
			     PM_HUMAN(a->bytes), a->pool ? a->pool : "pool type not recorded",
			     source_name(a), PM_ADDR(a->addr), PM_ADDR(a->addr), a->shown);
		if (a->read) {
			pm_sb_printf(sb, "<pre>");
			db_lines(sb, "", ESC_HTML, s->is64, a);
			pm_sb_printf(sb, "</pre>\n");
		} else {
			pm_sb_printf(sb, "<p class=\"note\">");
			not_read(sb, ESC_HTML, a);
			pm_sb_printf(sb, "</p>\n");
		}
	}
}

static void json_one(struct pm_jb *j, cJSON *o, const struct pm_sample *a)
{
	char cmd[64];
	pm_jb_hex(j, o, "address", a->addr);
	pm_jb_num(j, o, "size", (double)a->bytes);
	pm_jb_str(j, o, "pool", a->pool);
	pm_jb_str(j, o, "source", a->from == PM_SAMPLE_BIG ? "big_page_table" : "small_pool_page");
	cJSON *w = pm_jb_arr(j, o, "windbg");
	snprintf(cmd, sizeof(cmd), "!pool %s", PM_ADDR(a->addr));
	pm_jb_push_str(j, w, cmd);
	snprintf(cmd, sizeof(cmd), "db %s L%" PRIx64, PM_ADDR(a->addr), a->shown);
	pm_jb_push_str(j, w, cmd);
	if (!a->read) {
		pm_jb_absent(j, o, "first_bytes", a->absent, a->why);
		return;
	}
	char hex[2 * PM_SAMPLE_HEAD + 1];
	for (uint64_t i = 0; i < a->shown; i++)
		snprintf(hex + 2 * i, 3, "%02x", a->head[i]);
	hex[2 * a->shown] = 0;
	cJSON *b = pm_jb_obj(j, o, "first_bytes");
	pm_jb_num(j, b, "length", (double)a->shown);
	pm_jb_str(j, b, "hex", hex);
}

struct pm_error *pm_json_samples(const struct pm_samples *s, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	if (!s->wanted) {
		pm_jb_null(&j, root, "value");
		pm_jb_str(&j, root, "absent", "not_applicable");
		pm_jb_str(&j, root, "detail", "no suspect tag");
		return pm_jb_done(&j, root, ret);
	}
	pm_jb_tag(&j, root, "tag", s->tag);
	cJSON *b = pm_jb_obj(&j, root, "big_page_table");
	pm_jb_bool(&j, b, "looked", s->big_looked);
	if (s->big_looked)
		pm_jb_num(&j, b, "allocations", (double)s->big_found);
	else
		pm_jb_str(&j, b, "detail", s->big_note);
	cJSON *sm = pm_jb_obj(&j, root, "small_pool");
	pm_jb_bool(&j, sm, "looked", s->small_looked);
	if (s->small_looked) {
		pm_jb_num(&j, sm, "chunks", (double)s->small_found);
		pm_jb_bool(&j, sm, "capped", s->small_capped);
	} else {
		pm_jb_str(&j, sm, "detail", s->small_note);
	}
	cJSON *arr = pm_jb_arr(&j, root, "allocations");
	for (size_t i = 0; i < s->n && arr; i++) {
		cJSON *o = pm_jb_push_obj(&j, arr);
		if (o)
			json_one(&j, o, &s->s[i]);
	}
	return pm_jb_done(&j, root, ret);
}
