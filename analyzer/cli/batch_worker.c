// SPDX-License-Identifier: MIT
// One dump in a batch worker: open it, analyze it while its reads are hashed into its
// identity (batch_ident.h), and make its record (batch_record.h).
#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze.h"
#include "batch_ident.h"
#include "batch_record.h"
#include "batch_worker.h"
#include "container.h"
#include "info.h"
#include "jsonb.h"
#include "source_z.h"

static void hash_cb(void *ctx, const uint8_t *p, size_t n)
{
	EVP_DigestUpdate(ctx, p, n);
}

/* Member @p c->path + c->member of the archive before it, found by its exact name, or as
 * NAME#K (the archive's own path may hold "::", which ARCHIVE::MEMBER parsing would split
 * at). */
static struct pm_error *open_member(const struct pm_batch_cand *c, struct pm_source **ret)
{
	char *file = strndup(c->path, c->member - 2);
	if (!file)
		return &pm_enomem;
	struct pm_source *src;
	struct pm_error *err = pm_source_open_file(file, &src);
	free(file);
	if (err)
		return err;
	struct pm_zip_entry *e;
	size_t n;
	if ((err = pm_zip_list(src, &e, &n))) {
		pm_source_destroy(src);
		return err;
	}
	size_t i = 0; /* "NAME#K" when several members share NAME (batch_discover.c) */
	if ((err = pm_zip_find(e, n, c->path + c->member, &i)))
		pm_source_destroy(src);
	else
		err = pm_source_open_zip_member(src, &e[i], ret);
	pm_zip_list_free(e, n);
	return err;
}

/* A plain file whose name holds "::": a file or a gzip file, never an archive member. */
static struct pm_error *open_plain(const char *path, struct pm_source **ret)
{
	struct pm_source *src;
	PM_TRY(pm_source_open_file(path, &src));
	uint8_t m[4];
	size_t got = 0;
	struct pm_error *err = src->ops->read_at(src, 0, m, sizeof(m), &got);
	if (err) {
		pm_source_destroy(src);
		return err;
	}
	if (pm_is_gzip(m, got))
		return pm_source_open_gzip(src, ret);
	*ret = src;
	return NULL;
}

/* The content of @p c; with @p md, a gzip file's or zip member's content is hashed while it
 * is indexed (*observed). */
static struct pm_error *open_input(const struct pm_batch_cand *c, EVP_MD_CTX *md,
				   struct pm_source **src, bool *observed)
{
	*observed = false;
	const char *sep = strstr(c->path, "::");
	if (c->member && sep && (size_t)(sep - c->path) < c->member - 2)
		return open_member(c, src);
	if (!c->member && strstr(c->path, "::"))
		return open_plain(c->path, src);
	if (md)
		return pm_source_open_observed(c->path, hash_cb, md, src, observed);
	return pm_source_open_any(c->path, src);
}

/* --full-hash: every byte of the content (already seen while a compressed input was
 * indexed; read again otherwise). */
static struct pm_error *full_hash(const struct pm_batch_cand *c, EVP_MD_CTX *md, bool observed,
				  char hex[65])
{
	if (observed) {
		unsigned char dg[32];
		unsigned dl = 0;
		if (!EVP_DigestFinal_ex(md, dg, &dl) || dl != 32)
			return pm_err(PM_ERR_NOMEM, "SHA-256 failed");
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", dg[i]);
		return NULL;
	}
	struct pm_source *src;
	bool obs;
	PM_TRY(open_input(c, NULL, &src, &obs));
	struct pm_error *err = pm_batch_hash_source(src, hex);
	pm_source_destroy(src);
	return err;
}

/* The analyze report of @p in, as a tree. */
static struct pm_error *report(struct pm_info *in, bool scan, const struct pm_rule_params *params,
			       cJSON **t)
{
	struct pm_analyze_opts ao = { scan, 20, PM_FMT_JSON, false, params };
	struct pm_analysis a;
	PM_TRY(pm_analyze(in, &ao, &a));
	struct pm_error *err = pm_json_analyze(in, &a, &ao, t);
	pm_analysis_deinit(&a);
	return err;
}

char *pm_batch_analyze_one(const struct pm_batch_cand *c, const struct pm_batch_job *j,
			   bool *is_error)
{
	*is_error = true;
	EVP_MD_CTX *md = NULL;
	struct pm_error *err = NULL;
	if (j->full_hash && (!(md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)))
		err = pm_err(PM_ERR_NOMEM, "cannot set up SHA-256");
	struct pm_source *src = NULL;
	bool observed = false;
	struct pm_batch_ident *id = NULL;
	struct pm_info *in = NULL;
	cJSON *t = NULL;
	if (!err)
		err = open_input(c, md, &src, &observed);
	if (!err)
		err = pm_batch_ident_wrap(src, &id, &src);
	if (!err)
		err = pm_info_gather_opened(c->path, src, j->info, &in);
	if (!err)
		err = report(in, j->scan, j->params, &t);
	if (!err && !c->member &&
	    (in->dmp->container == PM_CONT_ELF || in->dmp->container == PM_CONT_KDUMP))
		err = pm_batch_ident_sample(id, pm_container_file(c->path));
	char idhex[65] = "", sha[65] = "";
	const char *basis = NULL, *why = NULL;
	if (!err)
		pm_batch_ident_final(id, idhex, &basis);
	if (!err && md)
		err = full_hash(c, md, observed, sha);
	if (!err)
		err = pm_batch_record_analyzed(t, c, idhex, basis, sha,
					       pm_info_incomplete(in, &why) ? why : NULL);
	char *line = NULL;
	if (!err)
		err = pm_json_print(t, false, &line);
	cJSON_Delete(t);
	pm_info_destroy(in);
	pm_batch_ident_free(id);
	EVP_MD_CTX_free(md);
	if (err) {
		line = pm_batch_line_decided(c, false, pm_err_code_name(pm_err_code(err)),
					     pm_err_msg(err));
		pm_error_destroy(err);
		return line;
	}
	*is_error = false;
	return line;
}
