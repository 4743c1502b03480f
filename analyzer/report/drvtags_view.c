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

static const char shared_how[] = "shared library tag(s): library code linked into many drivers "
				 "allocates with it; weak evidence for this driver";

/* The tag's pooltag.txt lines (owner and description), else the knowledge base's. */
static void describe_json(struct pm_jb *j, cJSON *o, const struct pm_rule_params *p,
			  uint32_t tag)
{
	const struct pm_pooltag_entry *e[8];
	size_t n = pm_rule_pooltag(p, tag, e, 8);
	if (n) {
		cJSON *arr = pm_jb_arr(j, o, "pooltag");
		for (size_t i = 0; arr && i < n; i++) {
			cJSON *x = pm_jb_push_obj(j, arr);
			pm_jb_num(j, x, "line", e[i]->line);
			if (e[i]->wild)
				pm_jb_str(j, x, "pattern", e[i]->pattern);
			pm_jb_str(j, x, "owner", e[i]->binary[0] ? e[i]->binary : NULL);
			pm_jb_str(j, x, "description", e[i]->desc);
		}
		return;
	}
	struct pm_tag_desc td;
	if (!pm_rule_tag_describe(p, tag, &td)) {
		pm_jb_null(j, o, "description");
		return;
	}
	cJSON *x = pm_jb_obj(j, o, "description");
	pm_jb_str(j, x, "text", td.desc);
	pm_jb_str(j, x, "owner", td.binary);
	pm_jb_str(j, x, "source", td.source);
}

struct pm_error *pm_drvtags_json(const struct pm_drvtags *d, const char *path,
				 const struct pm_rule_params *p, cJSON **ret)
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
		const struct pm_shared_tag *sh = pm_rule_shared_tag(p, t->tag);
		if (sh) {
			cJSON *x = pm_jb_obj(&j, o, "shared_library");
			pm_jb_str(&j, x, "library", sh->library);
			pm_jb_str(&j, x, "evidence", sh->evidence);
			pm_jb_str(&j, x, "meaning", shared_how);
		} else {
			pm_jb_null(&j, o, "shared_library");
		}
		describe_json(&j, o, p, t->tag);
	}
	pm_jb_bool(&j, root, "truncated", d->truncated);
	if (p->npooltag)
		pm_jb_str(&j, root, "pooltag_file", p->pooltag_src);
	else
		pm_jb_null(&j, root, "pooltag_file");
	return pm_jb_done(&j, root, ret);
}

struct pm_error *pm_drvtags_text(const struct pm_drvtags *d, const char *path,
				 const struct pm_rule_params *p, char **ret)
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
	pm_sb_printf(&sb, "  Tag     r8d    edx  other  Description%s\n",
		     p->npooltag ? "" : " (no pooltag.txt: --pooltag FILE or POOLMORTEM_POOLTAG)");
	unsigned nshared = 0;
	for (size_t i = 0; i < d->ntags; i++) {
		char desc[400];
		const struct pm_shared_tag *sh = pm_rule_shared_tag(p, d->tags[i].tag);
		nshared += sh != NULL;
		pm_sb_printf(&sb, "  %-4s %6u %6u %6u  %s%s%s%s\n", PM_TAG(d->tags[i].tag),
			     d->tags[i].r8d, d->tags[i].edx, d->tags[i].other,
			     sh ? "[shared library tag: " : "", sh ? sh->library : "", sh ? "] " : "",
			     pm_rule_tag_description(p, d->tags[i].tag, desc, sizeof(desc)));
	}
	if (nshared)
		pm_sb_printf(&sb, "\n%u %s (rules/data/shared_tags.json)\n", nshared, shared_how);
	char *s = pm_sb_take(&sb);
	if (!s)
		return &pm_enomem;
	*ret = s;
	return NULL;
}
