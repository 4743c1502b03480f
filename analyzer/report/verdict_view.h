/* SPDX-License-Identifier: MIT */
/**
 * @file verdict_view.h
 * Renderings of the verdict and findings: JSON members (schemas poolmortem.analyze/1 and
 * poolmortem.rules/1), text for terminals (colour only when asked), Markdown for tickets, and
 * a self-contained HTML page with inline SVG charts (no network, no scripts).
 */
#ifndef PM_VERDICT_VIEW_H
#define PM_VERDICT_VIEW_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "rules.h"
#include "samples.h"
#include "strbuf.h"
#include "summary.h"

/** Add "verdict", "findings" and "not_evaluated" to the report object @p parent. */
struct pm_error *pm_json_verdict(const struct pm_verdict *v, const struct pm_findings *f,
				 cJSON *parent);
void pm_verdict_text(struct pm_strbuf *sb, const struct pm_verdict *v, const struct pm_findings *f,
		     bool color);
/** Markdown for a ticket; @p samples: the suspect tag's allocations (NULL: none); @p coverage:
 * why the dump is incomplete (a warning at the top), NULL when it is complete. */
void pm_verdict_markdown(struct pm_strbuf *sb, const struct pm_summary *s,
			 const struct pm_verdict *v, const struct pm_findings *f,
			 const struct pm_samples *samples, const char *coverage);
/** A self-contained HTML page; @p samples and @p coverage as for Markdown. */
void pm_verdict_html(struct pm_strbuf *sb, const struct pm_summary *s, const struct pm_verdict *v,
		     const struct pm_findings *f, const struct pm_samples *samples,
		     const char *coverage);

#endif
