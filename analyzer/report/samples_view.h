/* SPDX-License-Identifier: MIT */
/**
 * @file samples_view.h
 * The suspect tag's sample allocations (samples.h) in every rendering of `analyze`: text,
 * Markdown, HTML and the JSON member "samples". Bytes are shown as WinDbg's `db` shows them
 * (16 a line, hex then ASCII), each sample with the WinDbg commands that give the same.
 */
#ifndef PM_SAMPLES_VIEW_H
#define PM_SAMPLES_VIEW_H

#include <cjson/cJSON.h>

#include "pm-error.h"
#include "samples.h"
#include "strbuf.h"

/** The text section's body (the caller writes its title). */
void pm_samples_text(struct pm_strbuf *sb, const struct pm_samples *s);
/** A Markdown section ("### Sample allocations ..."); nothing without a suspect tag. */
void pm_samples_markdown(struct pm_strbuf *sb, const struct pm_samples *s);
/** An HTML section (<h2> and a <pre> per sample); nothing without a suspect tag. */
void pm_samples_html(struct pm_strbuf *sb, const struct pm_samples *s);
/** The JSON member "samples" of poolmortem.analyze/1. */
struct pm_error *pm_json_samples(const struct pm_samples *s, cJSON **ret);

#endif
