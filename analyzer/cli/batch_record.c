// SPDX-License-Identifier: MIT
// batch records: built (the decided ones, the analyzed ones), and shown as rows and CSV.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_record.h"
#include "jsonb.h"

/* The fields every record starts with. */
static void head_fields(struct pm_jb *j, cJSON *o, const struct pm_batch_cand *c,
			const char *status)
{
	pm_jb_str(j, o, "path", c->path);
	pm_jb_str(j, o, "canonical_path", c->canon);
	pm_jb_str(j, o, "status", status);
	pm_jb_str(j, o, "input", c->kind ? c->kind : "unknown");
	if (c->head[0])
		pm_jb_str(j, o, "head_sha256", c->head);
}

char *pm_batch_line_decided(const struct pm_batch_cand *c, bool skipped, const char *code,
			    const char *msg)
{
	struct pm_jb j = { false };
	cJSON *o = pm_jb_chk(&j, cJSON_CreateObject());
	if (!o)
		return NULL;
	pm_jb_str(&j, o, "schema", "poolmortem.batch/1");
	head_fields(&j, o, c, skipped ? "skipped" : "error");
	cJSON *e = pm_jb_obj(&j, o, skipped ? "skipped" : "error");
	if (!skipped)
		pm_jb_str(&j, e, "code", code);
	pm_jb_str(&j, e, skipped ? "reason" : "message", msg);
	char *s = NULL;
	if (!pm_jb_done(&j, o, &o)) {
		if (pm_json_print(o, false, &s))
			s = NULL;
		cJSON_Delete(o);
	}
	return s;
}

struct pm_error *pm_batch_record_analyzed(cJSON *t, const struct pm_batch_cand *c,
					  const char *id, const char *basis, const char *sha,
					  const char *incomplete)
{
	struct pm_jb j = { false };
	cJSON *schema = pm_jb_chk(&j, cJSON_CreateString("poolmortem.batch/1"));
	if (schema && !cJSON_ReplaceItemInObjectCaseSensitive(t, "schema", schema)) {
		cJSON_Delete(schema);
		j.oom = true;
	}
	head_fields(&j, t, c, "analyzed");
	pm_jb_str(&j, t, "id", id);
	pm_jb_str(&j, t, "id_basis", basis);
	if (sha && sha[0])
		pm_jb_str(&j, t, "sha256", sha);
	if (incomplete)
		pm_jb_str(&j, t, "incomplete", incomplete);
	return j.oom ? &pm_enomem : NULL;
}

/* ---------------------------------------------------------------- reading records */

const cJSON *pm_batch_at(const cJSON *o, const char *path)
{
	char k[64];
	while (o && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		if (n >= sizeof(k))
			return NULL;
		memcpy(k, path, n);
		k[n] = 0;
		o = cJSON_GetObjectItemCaseSensitive(o, k);
		path += n + (dot ? 1 : 0);
	}
	return o;
}

static const char *str(const cJSON *o, const char *path, const char *dflt)
{
	const cJSON *x = pm_batch_at(o, path);
	return cJSON_IsString(x) && x->valuestring[0] ? x->valuestring : dflt;
}

const char *pm_batch_status(const cJSON *rec)
{
	const char *s = str(rec, "status", NULL);
	if (s)
		return s;
	return cJSON_IsObject(pm_batch_at(rec, "error")) ? "error" : "analyzed";
}

/* "healthy", "inconclusive", "warning nonpaged_pool", ... */
static void verdict_words(const cJSON *rec, char *out, size_t n)
{
	const cJSON *v = pm_batch_at(rec, "verdict");
	const char *outcome = str(v, "outcome", NULL);
	if (cJSON_IsTrue(pm_batch_at(v, "healthy")) && !outcome)
		outcome = "healthy";
	if (outcome && strcmp(outcome, "exhausted") && strcmp(outcome, "at_risk"))
		snprintf(out, n, "%s", outcome);
	else
		snprintf(out, n, "%s %s", str(v, "severity", "finding"), str(v, "resource", "?"));
}

static void build_text(const cJSON *rec, char *out, size_t n)
{
	const cJSON *b = pm_batch_at(rec, "info.machine.build");
	if (cJSON_IsNumber(b))
		snprintf(out, n, "%.0f", b->valuedouble);
	else
		snprintf(out, n, "-");
}

/* "133" from "0x00000133" */
static const char *hex_digits(const char *h)
{
	if (!strncmp(h, "0x", 2))
		h += 2;
	while (h[0] == '0' && h[1])
		h++;
	return h;
}

void pm_batch_rows_header(struct pm_strbuf *sb)
{
	pm_sb_printf(sb, "%-6s %-32s %-26s %-4s %-18s %-6s %-10s %s\n", "BUILD", "BUGCHECK",
		     "VERDICT", "TAG", "DRIVER", "CONF", "DUMP", "PATH");
}

void pm_batch_row(const cJSON *rec, struct pm_strbuf *sb)
{
	const char *st = pm_batch_status(rec), *path = str(rec, "path", "?");
	if (strcmp(st, "analyzed")) {
		bool err = !strcmp(st, "error");
		const char *msg = err ? str(rec, "error.message", "") : str(rec, "skipped.reason", "");
		pm_sb_printf(sb, "%-6s %-32s %-26s %-4s %-18s %-6s %-10s %s: %.160s\n", "-", "-",
			     err ? "ERROR" : "skipped", "-", "-", "-", str(rec, "input", "-"), path,
			     msg);
		return;
	}
	char build[16], bug[64], verdict[64];
	build_text(rec, build, sizeof(build));
	const char *code = str(rec, "info.bugcheck.code", NULL);
	if (code)
		snprintf(bug, sizeof(bug), "0x%s %.24s", hex_digits(code),
			 str(rec, "info.bugcheck.name", ""));
	else
		snprintf(bug, sizeof(bug), "-");
	verdict_words(rec, verdict, sizeof(verdict));
	pm_sb_printf(sb, "%-6s %-32s %-26s %-4s %-18.18s %-6s %-10s %s\n", build, bug, verdict,
		     str(rec, "verdict.tag", "-"), str(rec, "verdict.driver", "-"),
		     str(rec, "verdict.confidence", "-"),
		     str(rec, "incomplete", NULL) ? "incomplete" : "complete", path);
}

/* ---------------------------------------------------------------- CSV */

static const char *const csv_cols[] = {
	"path", "canonical_path", "status", "input", "windows", "build", "bugcheck_code",
	"bugcheck_name", "verdict", "resource", "severity", "tag", "driver", "holder",
	"confidence", "incomplete", "id", "sha256", "duplicate_of", "error_code", "message",
};

/* One field: quoted when it holds a separator, a quote or a line break; a leading = + - @
 * (a spreadsheet formula, and the strings come from untrusted dumps) is prefixed with '. */
static void csv_field(struct pm_strbuf *sb, const char *s, bool last)
{
	bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' ||
		       s[0] == '\r';
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		pm_sb_printf(sb, "\"%s", formula ? "'" : "");
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			pm_sb_printf(sb, "\"\"");
		else
			pm_sb_printf(sb, "%c", *p);
	}
	pm_sb_printf(sb, "%s%s", quote ? "\"" : "", last ? "\r\n" : ",");
}

void pm_batch_csv_header(struct pm_strbuf *sb)
{
	size_t n = sizeof(csv_cols) / sizeof(csv_cols[0]);
	for (size_t i = 0; i < n; i++)
		csv_field(sb, csv_cols[i], i + 1 == n);
}

void pm_batch_csv_row(const cJSON *rec, const char *dup_of, struct pm_strbuf *sb)
{
	const char *st = pm_batch_status(rec);
	bool an = !strcmp(st, "analyzed");
	char build[16] = "", verdict[64] = "";
	if (an) {
		build_text(rec, build, sizeof(build));
		verdict_words(rec, verdict, sizeof(verdict));
	}
	const char *v[] = {
		str(rec, "path", ""), str(rec, "canonical_path", ""), st, str(rec, "input", ""),
		str(rec, "info.machine.os", ""), strcmp(build, "-") ? build : "",
		str(rec, "info.bugcheck.code", ""), str(rec, "info.bugcheck.name", ""), verdict,
		str(rec, "verdict.resource", ""), str(rec, "verdict.severity", ""),
		str(rec, "verdict.tag", ""), str(rec, "verdict.driver", ""),
		str(rec, "verdict.holder.name", ""), str(rec, "verdict.confidence", ""),
		an ? (str(rec, "incomplete", NULL) ? "yes" : "no") : "", str(rec, "id", ""),
		str(rec, "sha256", ""), dup_of ? dup_of : "", str(rec, "error.code", ""),
		str(rec, "error.message", str(rec, "skipped.reason", "")),
	};
	size_t n = sizeof(v) / sizeof(v[0]);
	for (size_t i = 0; i < n; i++)
		csv_field(sb, v[i], i + 1 == n);
}
