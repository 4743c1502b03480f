/* SPDX-License-Identifier: MIT */
/**
 * @file csv.h
 * CSV for spreadsheets (RFC 4180: comma-separated, CRLF line ends, a header line, fields
 * quoted when they hold a comma, a quote or a line end). Text that a spreadsheet would take
 * for a formula (starting with =, +, -, @, a tab or CR) is written with a leading apostrophe,
 * as OWASP advises against CSV injection; numbers are written as numbers.
 */
#ifndef PM_CSV_H
#define PM_CSV_H

#include <stdint.h>

#include "info.h"
#include "poolview.h"
#include "pm-error.h"
#include "strbuf.h"

/** One text field (NULL: empty), with its separator before it unless @p first. */
void pm_csv_str(struct pm_strbuf *sb, const char *s, bool first);
/** One number field. */
void pm_csv_u64(struct pm_strbuf *sb, uint64_t v, bool first);
/** The end of a record. */
void pm_csv_eol(struct pm_strbuf *sb);

/** `poolused --csv`: one line per tag (o->top, o->pattern, o->sort as the text has them):
 * tag, outstanding allocations and bytes per pool, cumulative allocs and frees, description,
 * binary and where the description comes from. */
struct pm_error *pm_csv_poolused(const struct pm_info *in, const struct pm_poolused_opts *o,
				 char **ret);
/** `bigpool --csv`: one line per allocation (and freed slot with o->show_free): address, tag,
 * pool, bytes, state, description. */
struct pm_error *pm_csv_bigpool(const struct pm_info *in, const struct pm_bigpool_opts *o,
				char **ret);

#endif
