/* SPDX-License-Identifier: MIT */
/** @file drvtags_view.h `tags DRIVER.sys` as text and as JSON (poolmortem.tags/1). */
#ifndef PM_DRVTAGS_VIEW_H
#define PM_DRVTAGS_VIEW_H

#include <cjson/cJSON.h>

#include "drvtags.h"
#include "rules.h"

/** @p p: the knowledge (pooltag.txt descriptions and owners, the shared library tags). */
struct pm_error *pm_drvtags_json(const struct pm_drvtags *d, const char *path,
				 const struct pm_rule_params *p, cJSON **ret);
struct pm_error *pm_drvtags_text(const struct pm_drvtags *d, const char *path,
				 const struct pm_rule_params *p, char **ret);

#endif
