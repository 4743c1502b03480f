// SPDX-License-Identifier: MIT
// `tags DRIVER.sys` rendered: text and JSON (schema poolmortem.tags/1).
#include <inttypes.h>
#include <stdio.h>

#include "drvtags_view.h"
#include "fmt.h"
#include "jsonb.h"
#include "strbuf.h"
#include "verinfo_view.h"

static const char kmdf_how[] = "KMDF client (imports WdfVersionBind): the framework tags the "
			       "allocations it makes for the driver with the first four "
			       "characters of the driver's name; that tag is in no code";

struct pm_error *pm_drvtags_json(const struct pm_drvtags *d, const char *path, cJSON **ret)
{
	struct pm_jb j = { false };
	cJSON *root = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, root, "schema", "poolmortem.tags/1");
	pm_jb_str(&j, root, "file", path);
	pm_jb_hex(&j, root, "machine", d->pe.machine);
	pm_link_json(&j, root, d->pe.timestamp);
	pm_jb_hex(&j, root, "size_of_image", d->pe.size_of_image);
	if (d->pe.has_codeview)
		pm_jb_str(&j, root, "pdb", d->pe.pdb_name);
	pm_verinfo_json(&j, root, "version", &d->ver);
	cJSON *imp = pm_jb_arr(&j, root, "pool_imports");
	for (size_t i = 0; imp && i < d->npool_imports; i++)
		pm_jb_push_str(&j, imp, d->pool_imports[i]);
	if (d->imports_error)
		pm_jb_str(&j, root, "imports_error", d->imports_error);
	pm_jb_bool(&j, root, "kmdf", d->kmdf);
	if (d->kmdf && d->kmdf_tag[0]) {
		cJSON *k = pm_jb_obj(&j, root, "kmdf_derived_tag");
		pm_jb_str(&j, k, "tag", d->kmdf_tag);
		pm_jb_str(&j, k, "evidence", kmdf_how);
	}
	cJSON *arr = pm_jb_arr(&j, root, "immediate_tags");
	for (size_t i = 0; arr && i < d->ntags; i++) {
		const struct pm_drvtag *t = &d->tags[i];
		cJSON *o = pm_jb_push_obj(&j, arr);
		pm_jb_tag(&j, o, "tag", t->tag);
		pm_jb_num(&j, o, "r8d", t->r8d);
		pm_jb_num(&j, o, "edx", t->edx);
		pm_jb_num(&j, o, "other", t->other);
		pm_jb_str(&j, o, "evidence", t->r8d   ? "loaded into r8d: the allocators' Tag argument"
					     : t->edx ? "loaded into edx: ExFreePoolWithTag's Tag, or "
							"a wrapper's"
						      : "an immediate elsewhere in code (a "
							"lookaside list's tag on the stack, a compare)");
	}
	pm_jb_bool(&j, root, "truncated", d->truncated);
	return pm_jb_done(&j, root, ret);
}

struct pm_error *pm_drvtags_text(const struct pm_drvtags *d, const char *path, char **ret)
{
	struct pm_strbuf sb = { 0 };
	pm_sb_printf(&sb, "File:          %s (image %#" PRIx32 " bytes%s%s)\n", path,
		     d->pe.size_of_image, d->pe.has_codeview ? ", PDB " : "",
		     d->pe.has_codeview ? d->pe.pdb_name : "");
	pm_sb_printf(&sb, "Linked:        ");
	pm_link_text(&sb, d->pe.timestamp);
	pm_sb_printf(&sb, "\nVersion:       ");
	pm_verinfo_full(&sb, &d->ver);
	pm_sb_printf(&sb, "\nPool imports:  ");
	for (size_t i = 0; i < d->npool_imports; i++)
		pm_sb_printf(&sb, "%s%s", i ? ", " : "", d->pool_imports[i]);
	pm_sb_printf(&sb, "%s\n", d->npool_imports ? "" : "none");
	if (d->imports_error)
		pm_sb_printf(&sb, "               (import table: %s)\n", d->imports_error);
	if (d->kmdf)
		pm_sb_printf(&sb, "KMDF tag:      '%s': %s\n", d->kmdf_tag, kmdf_how);
	pm_sb_printf(&sb, "\nTag-like immediates in code (%zu%s): r8d is the allocators' Tag "
		     "argument, edx ExFreePoolWithTag's or a wrapper's\n", d->ntags,
		     d->truncated ? ", more not counted" : "");
	pm_sb_printf(&sb, "  Tag     r8d    edx  other\n");
	for (size_t i = 0; i < d->ntags; i++)
		pm_sb_printf(&sb, "  %-4s %6u %6u %6u\n", PM_TAG(d->tags[i].tag), d->tags[i].r8d,
			     d->tags[i].edx, d->tags[i].other);
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
