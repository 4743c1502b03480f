// SPDX-License-Identifier: MIT
// `batch` discovery: the dumps under the given paths; every one found is either listed or
// kept as a failure with its reason.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "batch_discover.h"
#include "container.h"
#include "source_z.h"

enum { PM_MAX_DEPTH = 64 };

/* Keep @p path as a failure; when even that cannot be allocated, count it as lost. */
static void cand_fail(struct pm_batch_cands *c, const char *path, enum pm_err_code code,
		      const char *msg)
{
	if (c->nfail == c->capfail) {
		size_t cap = c->capfail ? c->capfail * 2 : 16;
		struct pm_batch_fail *f = cap <= PM_BATCH_MAX_CANDIDATES
						  ? realloc(c->fail, cap * sizeof(*f)) : NULL;
		if (!f) {
			c->lost++;
			return;
		}
		c->fail = f;
		c->capfail = cap;
	}
	struct pm_batch_fail *f = &c->fail[c->nfail];
	f->path = strdup(path);
	f->msg = strdup(msg);
	if (!f->path || !f->msg) {
		free(f->path);
		free(f->msg);
		c->lost++;
		return;
	}
	f->code = code;
	c->nfail++;
}

static void cand_add(struct pm_batch_cands *c, const char *path, uint64_t size)
{
	if (c->n >= c->limit) {
		char msg[120];
		snprintf(msg, sizeof(msg), "more than %zu dumps under the given paths: this one is "
			 "not analyzed (run batch on fewer paths, or with --shard)", c->limit);
		cand_fail(c, path, PM_ERR_LIMIT, msg);
		return;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct pm_batch_cand *v = realloc(c->v, cap * sizeof(*v));
		if (!v) {
			cand_fail(c, path, PM_ERR_NOMEM, "out of memory while listing the dumps: "
							 "not analyzed");
			return;
		}
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].path = strdup(path);
	if (!c->v[c->n].path) {
		cand_fail(c, path, PM_ERR_NOMEM, "out of memory while listing the dumps: not "
						 "analyzed");
		return;
	}
	c->v[c->n].size = size;
	c->n++;
}

/* A zip's members that look like dumps (a member that cannot be peeked at is one too: its
 * error belongs in the results). */
static void discover_zip(struct pm_batch_cands *c, const char *path, struct pm_source *src)
{
	struct pm_zip_entry *e;
	size_t n;
	struct pm_error *err = pm_zip_list(src, &e, &n);
	if (err) {
		cand_add(c, path, 0); /* record the archive's error */
		pm_error_destroy(err);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(e[i].name), pl = strlen(path) + l + 3;
		if (!l || e[i].name[l - 1] == '/')
			continue; /* a folder entry */
		char *p = malloc(pl);
		if (!p) {
			cand_fail(c, path, PM_ERR_NOMEM, "out of memory while listing the archive's "
							 "members: not all analyzed");
			continue;
		}
		snprintf(p, pl, "%s::%s", path, e[i].name);
		if (strstr(e[i].name, "::")) {
			cand_fail(c, p, PM_ERR_UNSUPPORTED, "the member's name contains \"::\", which "
							    "batch uses to name members: not analyzed");
			free(p);
			continue;
		}
		uint8_t in[8];
		size_t g = 0;
		struct pm_error *pe = pm_peek_zip_member(src, &e[i], in, sizeof(in), &g);
		if (pe || pm_container_probe(in, g, NULL, true))
			cand_add(c, p, e[i].csize);
		else
			c->skipped++;
		pm_error_destroy(pe);
		free(p);
	}
	pm_zip_list_free(e, n);
}

/* A file: a dump, a gzip whose content starts like a dump, or a zip with dump members. */
static void discover_file(struct pm_batch_cands *c, const char *path, uint64_t size)
{
	struct pm_source *src;
	struct pm_error *err = pm_source_open_file(path, &src);
	if (err) {
		pm_diag_add(&c->diags, pm_err_code(err), "batch", "%s: %s", path, pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	uint8_t m[8] = { 0 };
	size_t got = 0;
	err = src->ops->read_at(src, 0, m, sizeof(m), &got);
	if (err) {
		pm_error_destroy(err);
		got = 0;
	}
	if (pm_container_probe(m, got, path, false)) {
		cand_add(c, path, size); /* crash dumps, ELF/kdump captures, raw images */
	} else if (pm_is_gzip(m, got)) {
		uint8_t in[8];
		size_t g = 0;
		err = pm_peek_gzip(src, in, sizeof(in), &g);
		/* a damaged gzip is still a candidate: its error belongs in the results */
		if (err || pm_container_probe(in, g, NULL, true) || g < 8)
			cand_add(c, path, size);
		else
			c->skipped++;
		pm_error_destroy(err);
	} else if (pm_is_zip(m, got)) {
		discover_zip(c, path, src);
	} else {
		c->skipped++;
	}
	pm_source_destroy(src);
}

static void discover(struct pm_batch_cands *c, const char *path, int depth)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		pm_diag_add(&c->diags, PM_ERR_OS, "batch", "%s: %s", path, strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		discover_file(c, path, (uint64_t)st.st_size);
		return;
	}
	if (!S_ISDIR(st.st_mode)) /* symlinks are not followed: no loops */
		return;
	if (depth >= PM_MAX_DEPTH) {
		pm_diag_add(&c->diags, PM_ERR_LIMIT, "batch", "%s: deeper than %d folders, not "
			    "entered", path, PM_MAX_DEPTH);
		return;
	}
	DIR *dir = opendir(path);
	if (!dir) {
		pm_diag_add(&c->diags, PM_ERR_OS, "batch", "%s: %s", path, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *p = malloc(n);
		if (!p) {
			cand_fail(c, path, PM_ERR_NOMEM, "out of memory while listing the folder: "
							 "not all of it analyzed");
			break;
		}
		snprintf(p, n, "%s/%s", path, e->d_name);
		discover(c, p, depth + 1);
		free(p);
	}
	closedir(dir);
}

static int cand_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pm_batch_cand *)a)->path,
		      ((const struct pm_batch_cand *)b)->path);
}

static int fail_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pm_batch_fail *)a)->path,
		      ((const struct pm_batch_fail *)b)->path);
}

void pm_batch_discover(struct pm_batch_cands *c, const char *const *paths, size_t npaths,
		       size_t limit)
{
	memset(c, 0, sizeof(*c));
	pm_diags_init(&c->diags);
	c->limit = limit ? limit : PM_BATCH_MAX_CANDIDATES;
	for (size_t i = 0; i < npaths; i++)
		discover(c, paths[i], 0);
	if (c->n > 1) /* qsort() wants a non-null base even for 0 */
		qsort(c->v, c->n, sizeof(*c->v), cand_cmp);
	if (c->nfail > 1)
		qsort(c->fail, c->nfail, sizeof(*c->fail), fail_cmp);
}

void pm_batch_cands_deinit(struct pm_batch_cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].path);
	free(c->v);
	for (size_t i = 0; i < c->nfail; i++) {
		free(c->fail[i].path);
		free(c->fail[i].msg);
	}
	free(c->fail);
	pm_diags_deinit(&c->diags);
	memset(c, 0, sizeof(*c));
}
