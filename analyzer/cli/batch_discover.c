// SPDX-License-Identifier: MIT
// `batch` discovery: every path named and every dump-like file found becomes an entry, to
// analyze or with its record decided; other files found in folders are counted.
#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch_discover.h"
#include "container.h"
#include "source_z.h"

enum { PM_MAX_DEPTH = 64 };

static void sha_hex(const uint8_t *p, size_t n, char out[65])
{
	unsigned char dg[32];
	unsigned dl = 0;
	out[0] = 0;
	if (!EVP_Digest(p, n, dg, &dl, EVP_sha256(), NULL) || dl != 32)
		return;
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", dg[i]);
}

/* ---------------------------------------------------------------- paths */

char *pm_batch_lexical_abs(const char *path)
{
	char cwd[4096] = "";
	if (path[0] != '/' && !getcwd(cwd, sizeof(cwd)))
		snprintf(cwd, sizeof(cwd), ".");
	size_t n = strlen(cwd) + strlen(path) + 3;
	char *in = malloc(n), *out = malloc(n);
	if (!in || !out) {
		free(in);
		free(out);
		return NULL;
	}
	snprintf(in, n, "%s/%s", cwd, path);
	size_t o = 0;
	for (char *save = NULL, *t = strtok_r(in, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (!strcmp(t, "."))
			continue;
		if (!strcmp(t, "..")) {
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--;
			continue;
		}
		out[o++] = '/';
		size_t l = strlen(t);
		memcpy(out + o, t, l);
		o += l;
	}
	if (!o)
		out[o++] = '/';
	out[o] = 0;
	free(in);
	return out;
}

char *pm_batch_canonical(const char *path, size_t member)
{
	char *file = member ? strndup(path, member - 2) : strdup(path);
	if (!file)
		return NULL;
	char *r = realpath(file, NULL);
	if (!r)
		r = pm_batch_lexical_abs(file);
	free(file);
	if (!r || !member)
		return r;
	size_t n = strlen(r) + strlen(path + member) + 3;
	char *m = malloc(n);
	if (m)
		snprintf(m, n, "%s::%s", r, path + member);
	free(r);
	return m;
}

/* ---------------------------------------------------------------- entries */

static struct pm_batch_cand *entry(struct pm_batch_cands *c, const char *path, size_t member)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct pm_batch_cand *v = cap <= 2 * (size_t)PM_BATCH_MAX_CANDIDATES
						  ? realloc(c->v, cap * sizeof(*v)) : NULL;
		if (!v) {
			c->lost++;
			return NULL;
		}
		c->v = v;
		c->cap = cap;
	}
	struct pm_batch_cand *e = &c->v[c->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	e->canon = pm_batch_canonical(path, member);
	if (!e->path || !e->canon) {
		free(e->path);
		free(e->canon);
		c->lost++;
		return NULL;
	}
	e->member = member;
	c->n++;
	return e;
}

/* An entry whose record is decided here: an error or a skipped file, and why. */
__attribute__((format(printf, 7, 8))) static void
record(struct pm_batch_cands *c, const char *path, size_t member, enum pm_batch_state state,
       const char *kind, enum pm_err_code code, const char *fmt, ...)
{
	struct pm_batch_cand *e = entry(c, path, member);
	if (!e)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e->msg = strdup(msg);
	if (!e->msg) {
		free(e->path);
		free(e->canon);
		c->n--;
		c->lost++;
		return;
	}
	e->state = state;
	e->kind = kind;
	e->code = code;
}

static void todo(struct pm_batch_cands *c, const char *path, size_t member, uint64_t size,
		 const char *head, const char *kind)
{
	if (c->todo >= c->limit) {
		record(c, path, member, PM_BATCH_ERROR, kind, PM_ERR_LIMIT, "more than %zu dumps "
		       "under the given paths: this one is not analyzed (run batch on fewer paths, "
		       "or with --shard)", c->limit);
		return;
	}
	struct pm_batch_cand *e = entry(c, path, member);
	if (!e)
		return;
	e->size = size;
	snprintf(e->head, sizeof(e->head), "%s", head);
	e->kind = kind;
	e->state = PM_BATCH_TODO;
	c->todo++;
}

/* ---------------------------------------------------------------- what a file is */

/* Named like a dump (MEMORY.DMP, *.dmp, a raw image's or a capture's name, also gzipped). */
static bool dump_name(const char *path)
{
	static const char *const exts[] = { "dmp", "mdmp", "hdmp", "raw", "mem", "vmem", "dd",
					    "img", "ram", "elf", "core", "kdump", "vmcore", "lime" };
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	char low[256];
	size_t l = strlen(b);
	if (l >= sizeof(low))
		return false;
	for (size_t i = 0; i <= l; i++)
		low[i] = (char)(b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i]);
	if (l > 3 && !strcmp(low + l - 3, ".gz"))
		low[l - 3] = 0;
	if (!strncmp(low, "vmcore", 6))
		return true;
	const char *dot = strrchr(low, '.');
	for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcmp(dot + 1, exts[i]))
			return true;
	return false;
}

/* A crash-dump signature with a few bits wrong (a damaged dump, not another format). */
static bool near_dump_signature(const uint8_t *h, size_t n)
{
	static const char *const sigs[] = { "PAGEDU64", "PAGEDUMP" };
	if (n < 8)
		return false;
	for (int s = 0; s < 2; s++) {
		int bits = 0;
		for (int i = 0; i < 8; i++)
			bits += __builtin_popcount((unsigned)(h[i] ^ (uint8_t)sigs[s][i]));
		if (bits <= 4)
			return true;
	}
	return n >= 4 && !memcmp(h, "PAGE", 4);
}

/* "50 41 47 45 ..." (the first bytes, for a message) */
static void first_bytes(const uint8_t *h, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < n && i < 8 && o + 4 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%02x", i ? " " : "", h[i]);
}

/*
 * One input (a file, a gzip file's content, a zip member) from the first @p n bytes @p h of
 * its content: to analyze, a decided record, or (found in a folder, not dump-like) counted.
 */
static void classify(struct pm_batch_cands *c, const char *path, size_t member, uint64_t size,
		     const uint8_t *h, size_t n, bool in_archive, bool named)
{
	const char *what = member ? "the archive member" : "the file";
	const struct pm_container_kind *k = pm_container_probe(h, n, member ? NULL : path,
							       in_archive);
	bool like = named || dump_name(path + member);
	char head[65];
	sha_hex(h, n, head);
	if (n == 0 && like) {
		record(c, path, member, PM_BATCH_ERROR, "empty", PM_ERR_TRUNCATED, "%s is empty (0 "
		       "bytes): no dump was written into it (a dump write that failed: page file too "
		       "small, disk full, or the machine restarted while writing)", what);
	} else if (k) {
		todo(c, path, member, size, head, k->name);
	} else if (n >= 4 && !memcmp(h, "MDMP", 4)) {
		record(c, path, member, PM_BATCH_SKIPPED, "user-mode minidump", PM_ERR_UNSUPPORTED,
		       "a user-mode minidump (MDMP signature): one process's memory, without the "
		       "kernel's pools; open it with WinDbg, or analyze the machine's kernel dump "
		       "(MEMORY.DMP)");
	} else if (near_dump_signature(h, n)) {
		todo(c, path, member, size, head, "crash dump (damaged signature)");
	} else if (like && (dump_name(path + member) || in_archive)) {
		todo(c, path, member, size, head, "unrecognised (named like a dump)");
	} else if (named) {
		char fb[40];
		first_bytes(h, n, fb, sizeof(fb));
		record(c, path, member, PM_BATCH_SKIPPED, "not a dump", PM_ERR_NOPROBE, "not a dump: "
		       "no dump signature (it starts with %s) and not named like one", fb);
	} else {
		c->others++;
	}
}

/* A zip's members; an archive named on the command line whose members are not dumps gets
 * its own record. */
static void discover_zip(struct pm_batch_cands *c, const char *path, struct pm_source *src,
			 uint64_t size, bool named)
{
	struct pm_zip_entry *e;
	size_t n;
	struct pm_error *err = pm_zip_list(src, &e, &n);
	if (err) { /* its error belongs in the results: the analysis says it */
		todo(c, path, 0, size, "", "zip archive (damaged)");
		pm_error_destroy(err);
		return;
	}
	size_t before = c->n + c->lost, files = 0, others = c->others;
	uint8_t *h = malloc(PM_BATCH_HEAD_BYTES);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(e[i].name), pl = strlen(path) + l + 24, total;
		if (l && e[i].name[l - 1] == '/')
			continue; /* a folder entry */
		files++;
		char *p = malloc(pl);
		if (!p || !h) {
			free(p);
			record(c, path, 0, PM_BATCH_ERROR, "zip archive", PM_ERR_NOMEM, "out of memory "
			       "while listing the archive's members: not all analyzed");
			break;
		}
		/* members that share a name are told apart by their place among them, NAME#K
		 * (pm_zip_find() reads it back) */
		size_t k = pm_zip_occurrence(e, n, i, &total);
		if (total > 1)
			snprintf(p, pl, "%s::%s#%zu", path, e[i].name, k);
		else
			snprintf(p, pl, "%s::%s", path, e[i].name);
		size_t g = 0;
		struct pm_error *pe = pm_peek_zip_member(src, &e[i], h, PM_BATCH_HEAD_BYTES, &g);
		if (pe) /* its error belongs in the results */
			todo(c, p, strlen(path) + 2, e[i].csize, "", "zip member (unreadable)");
		else
			classify(c, p, strlen(path) + 2, e[i].csize, h, g, true, false);
		pm_error_destroy(pe);
		free(p);
	}
	free(h);
	pm_zip_list_free(e, n);
	if (c->n + c->lost == before && named) {
		c->others = others;
		record(c, path, 0, PM_BATCH_SKIPPED, "zip archive", PM_ERR_NOPROBE, "a zip archive "
		       "whose %zu member(s) are not dumps", files);
	}
}

/* A file: a dump, a gzip file, a zip archive, or something else. */
static void discover_file(struct pm_batch_cands *c, const char *path, uint64_t size, bool named)
{
	struct pm_source *src;
	struct pm_error *err = pm_source_open_file(path, &src);
	if (err) {
		record(c, path, 0, PM_BATCH_ERROR, "unreadable", pm_err_code(err), "%s",
		       pm_err_msg(err));
		pm_error_destroy(err);
		return;
	}
	uint8_t *h = malloc(PM_BATCH_HEAD_BYTES);
	size_t got = 0;
	err = h ? src->ops->read_at(src, 0, h, PM_BATCH_HEAD_BYTES, &got) : &pm_enomem;
	if (err) {
		record(c, path, 0, PM_BATCH_ERROR, "unreadable", pm_err_code(err), "%s",
		       pm_err_msg(err));
		pm_error_destroy(err);
	} else if (pm_is_gzip(h, got)) {
		size_t g = 0;
		err = pm_peek_gzip(src, h, PM_BATCH_HEAD_BYTES, &g);
		if (err) /* a damaged gzip: its error belongs in the results */
			todo(c, path, 0, size, "", "gzip (damaged)");
		else if (g == 0 && (named || dump_name(path)))
			record(c, path, 0, PM_BATCH_ERROR, "empty", PM_ERR_TRUNCATED, "the gzip file "
			       "holds 0 bytes: no dump was written into it");
		else
			classify(c, path, 0, size, h, g, true, named);
		pm_error_destroy(err);
	} else if (pm_is_zip(h, got)) {
		discover_zip(c, path, src, size, named);
	} else {
		classify(c, path, 0, size, h, got, false, named);
	}
	free(h);
	pm_source_destroy(src);
}

static void discover(struct pm_batch_cands *c, const char *path, int depth, bool named)
{
	struct stat st;
	if ((named ? stat(path, &st) : lstat(path, &st)) < 0) {
		int e = errno;
		record(c, path, 0, PM_BATCH_ERROR, e == ENOENT ? "missing" : "unreadable", PM_ERR_OS,
		       "%s", e == ENOENT ? "no such file or folder" : strerror(e));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		discover_file(c, path, (uint64_t)st.st_size, named);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (named || dump_name(path))
			record(c, path, 0, PM_BATCH_SKIPPED, S_ISLNK(st.st_mode) ? "symbolic link"
			       : "not a regular file", PM_ERR_UNSUPPORTED, "%s", S_ISLNK(st.st_mode)
			       ? "a symbolic link: links are not followed inside folders (name it on "
				 "the command line to analyze it)" : "not a regular file (a device, "
			       "pipe or socket): not read");
		else
			c->others++;
		return;
	}
	if (depth >= PM_MAX_DEPTH) {
		record(c, path, 0, PM_BATCH_ERROR, "folder", PM_ERR_LIMIT, "deeper than %d folders: "
		       "not entered", PM_MAX_DEPTH);
		return;
	}
	DIR *dir = opendir(path);
	if (!dir) {
		record(c, path, 0, PM_BATCH_ERROR, "unreadable", PM_ERR_OS, "folder: %s",
		       strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *p = malloc(n);
		if (!p) {
			record(c, path, 0, PM_BATCH_ERROR, "folder", PM_ERR_NOMEM, "out of memory "
			       "while listing the folder: not all of it analyzed");
			break;
		}
		bool slash = path[0] && path[strlen(path) - 1] == '/';
		snprintf(p, n, "%s%s%s", path, slash ? "" : "/", e->d_name);
		discover(c, p, depth + 1, false);
		free(p);
	}
	closedir(dir);
}

static int cand_cmp(const void *a, const void *b)
{
	const struct pm_batch_cand *x = a, *y = b;
	int k = strcmp(x->canon, y->canon);
	return k ? k : strcmp(x->path, y->path);
}

static void cand_free(struct pm_batch_cand *e)
{
	free(e->path);
	free(e->canon);
	free(e->msg);
}

void pm_batch_discover(struct pm_batch_cands *c, const char *const *paths, size_t npaths,
		       size_t limit)
{
	memset(c, 0, sizeof(*c));
	c->limit = limit ? limit : PM_BATCH_MAX_CANDIDATES;
	for (size_t i = 0; i < npaths; i++)
		discover(c, paths[i], 0, true);
	if (c->n > 1) /* qsort() wants a non-null base even for 0 */
		qsort(c->v, c->n, sizeof(*c->v), cand_cmp);
	/* one entry per file, however often it was named (the first spelling is kept) */
	size_t o = 0;
	for (size_t i = 0; i < c->n; i++) {
		if (o && !strcmp(c->v[o - 1].canon, c->v[i].canon)) {
			if (c->v[i].state == PM_BATCH_TODO)
				c->todo--;
			cand_free(&c->v[i]);
			continue;
		}
		c->v[o++] = c->v[i];
	}
	c->n = o;
}

void pm_batch_cands_deinit(struct pm_batch_cands *c)
{
	for (size_t i = 0; i < c->n; i++)
		cand_free(&c->v[i]);
	free(c->v);
	memset(c, 0, sizeof(*c));
}
