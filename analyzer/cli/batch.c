// SPDX-License-Identifier: MIT
// `batch`: every dump under the given paths (files, folders, .gz, .zip members), each analyzed
// in its own forked worker with time and memory limits; one NDJSON line per dump; resumable;
// shardable; a summary with buckets, duplicates and top tags.
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "batch.h"
#include "info.h"
#include "source_kdump.h"
#include "source_z.h"
#include "strbuf.h"

enum { PM_MAX_DEPTH = 64, PM_MAX_CANDIDATES = 1 << 22 };

#if defined(__SANITIZE_ADDRESS__)
#define PM_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PM_SANITIZED 1
#endif
#endif
#ifndef PM_SANITIZED
#define PM_SANITIZED 0
#endif

/* ---------------------------------------------------------------- discovery */

struct cand {
	char *path; /* file, or ARCHIVE::MEMBER */
	uint64_t size;
};

struct cands {
	struct cand *v;
	size_t n, cap;
	size_t skipped; /* files that are not dumps */
};

static int cand_add(struct cands *c, const char *path, uint64_t size)
{
	if (c->n >= PM_MAX_CANDIDATES)
		return -1;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct cand *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n].path = strdup(path);
	if (!c->v[c->n].path)
		return -1;
	c->v[c->n].size = size;
	c->n++;
	return 0;
}

static bool dump_magic(const uint8_t *b, size_t n)
{
	return n >= 8 && (!memcmp(b, "PAGEDU64", 8) || !memcmp(b, "PAGEDUMP", 8));
}

/* A file: a dump, a gzip whose content starts like a dump, or a zip with dump members. */
static void discover_file(struct cands *c, const char *path, uint64_t size, struct pm_diags *d)
{
	struct pm_source *src;
	struct pm_error *err = pm_source_open_file(path, &src);
	if (err) {
		pm_diag_add(d, pm_err_code(err), "batch", "%s: %s", path, pm_err_msg(err));
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
	if (dump_magic(m, got) || pm_is_elf_container(m, got) || pm_is_diskdump_container(m, got) ||
	    pm_path_is_raw(path)) {
		cand_add(c, path, size); /* crash dumps, ELF/kdump captures, raw images */
	} else if (pm_is_gzip(m, got)) {
		uint8_t in[8];
		size_t g = 0;
		err = pm_peek_gzip(src, in, sizeof(in), &g);
		/* a damaged gzip is still a candidate: its error belongs in the results */
		if (err || dump_magic(in, g) || pm_is_diskdump_container(in, g) || g < 8)
			cand_add(c, path, size);
		else
			c->skipped++;
		pm_error_destroy(err);
	} else if (pm_is_zip(m, got)) {
		struct pm_zip_entry *e;
		size_t n;
		err = pm_zip_list(src, &e, &n);
		if (err) {
			cand_add(c, path, size); /* record the archive's error */
			pm_error_destroy(err);
		} else {
			for (size_t i = 0; i < n; i++) {
				size_t l = strlen(e[i].name);
				if (!l || e[i].name[l - 1] == '/' || strstr(e[i].name, "::"))
					continue;
				uint8_t in[8];
				size_t g = 0;
				struct pm_error *pe = pm_peek_zip_member(src, &e[i], in, sizeof(in), &g);
				if (pe || dump_magic(in, g) || pm_is_diskdump_container(in, g)) {
					char *p = malloc(strlen(path) + l + 3);
					if (p) {
						snprintf(p, strlen(path) + l + 3, "%s::%s", path, e[i].name);
						cand_add(c, p, e[i].csize);
						free(p);
					}
				} else {
					c->skipped++;
				}
				pm_error_destroy(pe);
			}
			pm_zip_list_free(e, n);
		}
	} else {
		c->skipped++;
	}
	pm_source_destroy(src);
}

static void discover(struct cands *c, const char *path, int depth, struct pm_diags *d)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		pm_diag_add(d, PM_ERR_OS, "batch", "%s: %s", path, strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode)) {
		discover_file(c, path, (uint64_t)st.st_size, d);
		return;
	}
	if (!S_ISDIR(st.st_mode)) /* symlinks are not followed: no loops */
		return;
	if (depth >= PM_MAX_DEPTH) {
		pm_diag_add(d, PM_ERR_LIMIT, "batch", "%s: deeper than %d folders, not entered", path,
			    PM_MAX_DEPTH);
		return;
	}
	DIR *dir = opendir(path);
	if (!dir) {
		pm_diag_add(d, PM_ERR_OS, "batch", "%s: %s", path, strerror(errno));
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t n = strlen(path) + strlen(e->d_name) + 2;
		char *p = malloc(n);
		if (!p)
			break;
		snprintf(p, n, "%s/%s", path, e->d_name);
		discover(c, p, depth + 1, d);
		free(p);
	}
	closedir(dir);
}

static int cand_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cand *)a)->path, ((const struct cand *)b)->path);
}

/* ---------------------------------------------------------------- one dump, in a worker */

static void hash_cb(void *ctx, const uint8_t *p, size_t n)
{
	EVP_DigestUpdate(ctx, p, n);
}

static struct pm_error *hash_file(const char *path, EVP_MD_CTX *md)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pm_err_os(errno, "%s", path);
	uint8_t *buf = malloc(1 << 20);
	if (!buf) {
		close(fd);
		return &pm_enomem;
	}
	ssize_t n;
	while ((n = read(fd, buf, 1 << 20)) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	int e = errno;
	free(buf);
	close(fd);
	return n < 0 ? pm_err_os(e, "%s", path) : NULL;
}

static char *error_line(const char *path, const char *sha, const char *code, const char *msg)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "schema", "poolmortem.batch/1");
	cJSON_AddStringToObject(o, "path", path);
	if (sha)
		cJSON_AddStringToObject(o, "sha256", sha);
	cJSON *e = cJSON_AddObjectToObject(o, "error");
	if (e) {
		cJSON_AddStringToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", msg);
	}
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Analyze one dump; returns a malloc'd NDJSON line (without the newline). */
static char *analyze_one(const char *path, const struct pm_rule_params *params, bool scan)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		return error_line(path, NULL, "NOMEM", "cannot set up SHA-256");
	struct pm_source *src;
	bool observed = false;
	struct pm_error *err = pm_source_open_observed(path, hash_cb, md, &src, &observed);
	if (!err && !observed)
		err = hash_file(path, md);
	char sha[65] = "";
	unsigned char dg[32];
	unsigned dl = 0;
	if (!err && EVP_DigestFinal_ex(md, dg, &dl) && dl == 32)
		for (int i = 0; i < 32; i++)
			snprintf(sha + 2 * i, 3, "%02x", dg[i]);
	EVP_MD_CTX_free(md);
	if (err) {
		char *l = error_line(path, NULL, pm_err_code_name(pm_err_code(err)), pm_err_msg(err));
		pm_error_destroy(err);
		return l;
	}
	struct pm_info *in;
	err = pm_info_gather_opened(path, src, &in);
	if (err) {
		char *l = error_line(path, sha, pm_err_code_name(pm_err_code(err)), pm_err_msg(err));
		pm_error_destroy(err);
		return l;
	}
	struct pm_analyze_opts ao = { scan, 20, PM_FMT_JSON, false, params };
	struct pm_verdict v;
	char *json = NULL;
	err = pm_report_analyze(in, &ao, &json, &v);
	bool incomplete = in->incomplete;
	char why[512];
	snprintf(why, sizeof(why), "%s", in->incomplete_why);
	pm_info_destroy(in);
	if (err) {
		char *l = error_line(path, sha, pm_err_code_name(pm_err_code(err)), pm_err_msg(err));
		pm_error_destroy(err);
		return l;
	}
	cJSON *o = cJSON_Parse(json);
	free(json);
	if (!o)
		return error_line(path, sha, "NOMEM", "report could not be re-read");
	cJSON_ReplaceItemInObject(o, "schema", cJSON_CreateString("poolmortem.batch/1"));
	cJSON_AddStringToObject(o, "path", path);
	cJSON_AddStringToObject(o, "sha256", sha);
	if (incomplete)
		cJSON_AddStringToObject(o, "incomplete", why);
	char *line = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return line;
}

/* ---------------------------------------------------------------- the worker pool */

struct worker {
	pid_t pid;
	int fd;
	size_t cand;
	struct pm_strbuf out;
	double started;
	bool killed;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int spawn(struct worker *w, const char *path, const struct pm_batch_opts *o,
		 const struct pm_rule_params *params)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		if (o->max_mem_mb && !PM_SANITIZED) {
			/* Not under AddressSanitizer: its shadow memory alone exceeds any sane
			 * address-space limit. */
			struct rlimit rl = { (rlim_t)o->max_mem_mb << 20, (rlim_t)o->max_mem_mb << 20 };
			setrlimit(RLIMIT_AS, &rl);
		}
		char *line = analyze_one(path, params, o->scan);
		if (!line)
			_exit(3);
		size_t len = strlen(line), off = 0;
		while (off < len) {
			ssize_t n = write(p[1], line + off, len - off);
			if (n <= 0) {
				if (n < 0 && errno == EINTR)
					continue;
				_exit(4);
			}
			off += (size_t)n;
		}
		_exit(0);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	w->pid = pid;
	w->fd = p[0];
	w->started = now();
	w->killed = false;
	memset(&w->out, 0, sizeof(w->out));
	return 0;
}

/* ---------------------------------------------------------------- resume and summary */

static char *read_all(const char *path, size_t *len_ret)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct pm_strbuf sb = { 0 };
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		pm_sb_printf(&sb, "%.*s", (int)n, buf);
	fclose(f);
	*len_ret = sb.len;
	return pm_sb_take(&sb);
}

/* Each line's "path" goes into @p done. Lines that do not parse are dropped (a batch killed
 * while writing leaves at most one). */
static size_t load_done(const char *text, char ***done_ret)
{
	size_t n = 0, cap = 0;
	char **done = NULL;
	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		if (!e)
			break; /* incomplete last line: redone */
		char *line = strndup(l, (size_t)(e - l));
		cJSON *o = line ? cJSON_Parse(line) : NULL;
		const cJSON *p = o ? cJSON_GetObjectItemCaseSensitive(o, "path") : NULL;
		if (cJSON_IsString(p)) {
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				char **d = realloc(done, cap * sizeof(*d));
				if (!d)
					break;
				done = d;
			}
			done[n++] = strdup(p->valuestring);
		}
		cJSON_Delete(o);
		free(line);
		l = e + 1;
	}
	*done_ret = done;
	return n;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct bucket {
	char key[200];
	size_t count;
	char example[300];
};

struct tagsum {
	char tag[5];
	double bytes;
	size_t dumps;
};

/* Summary over every line of the output (earlier runs included). */
static char *make_summary(const char *text, bool json_out)
{
	size_t total = 0, errors = 0, dups = 0, healthy = 0, unhealthy = 0;
	char **shas = NULL;
	size_t nsha = 0, capsha = 0;
	struct bucket *b = NULL;
	size_t nb = 0;
	struct tagsum *ts = NULL;
	size_t nts = 0;
	cJSON *errs = cJSON_CreateArray();
	for (const char *l = text; l && *l;) {
		const char *e = strchr(l, '\n');
		if (!e)
			break;
		char *line = strndup(l, (size_t)(e - l));
		l = e + 1;
		cJSON *o = line ? cJSON_Parse(line) : NULL;
		free(line);
		if (!o)
			continue;
		total++;
		const cJSON *sha = cJSON_GetObjectItemCaseSensitive(o, "sha256");
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(o, "path");
		const cJSON *err = cJSON_GetObjectItemCaseSensitive(o, "error");
		if (cJSON_IsObject(err)) {
			errors++;
			cJSON *x = cJSON_CreateObject();
			if (x) {
				cJSON_AddStringToObject(x, "path", cJSON_IsString(path) ? path->valuestring : "");
				const cJSON *m = cJSON_GetObjectItemCaseSensitive(err, "message");
				cJSON_AddStringToObject(x, "message", cJSON_IsString(m) ? m->valuestring : "");
				cJSON_AddItemToArray(errs, x);
			}
			cJSON_Delete(o);
			continue;
		}
		bool dup = false;
		if (cJSON_IsString(sha) && sha->valuestring[0]) {
			for (size_t i = 0; i < nsha && !dup; i++)
				dup = !strcmp(shas[i], sha->valuestring);
			if (!dup) {
				if (nsha == capsha) {
					capsha = capsha ? capsha * 2 : 64;
					char **s2 = realloc(shas, capsha * sizeof(*s2));
					if (s2)
						shas = s2;
				}
				if (nsha < capsha)
					shas[nsha++] = strdup(sha->valuestring);
			}
		}
		if (dup) {
			dups++;
			cJSON_Delete(o);
			continue;
		}
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "verdict");
		bool h = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "healthy"));
		h ? healthy++ : unhealthy++;
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(v, "resource");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(v, "tag");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(v, "driver");
		char key[200];
		snprintf(key, sizeof(key), "%s | %s | %s", h ? "healthy" :
			 (cJSON_IsString(r) ? r->valuestring : "?"),
			 cJSON_IsString(t) ? t->valuestring : "-", cJSON_IsString(d) ? d->valuestring : "-");
		size_t k = 0;
		while (k < nb && strcmp(b[k].key, key))
			k++;
		if (k == nb) {
			struct bucket *b2 = realloc(b, (nb + 1) * sizeof(*b2));
			if (b2) {
				b = b2;
				memset(&b[nb], 0, sizeof(b[nb]));
				snprintf(b[nb].key, sizeof(b[nb].key), "%s", key);
				snprintf(b[nb].example, sizeof(b[nb].example), "%s",
					 cJSON_IsString(path) ? path->valuestring : "");
				nb++;
			}
		}
		if (k < nb)
			b[k].count++;
		/* top tags across the archive: bytes of each tag summed over unique dumps */
		const cJSON *sum = cJSON_GetObjectItemCaseSensitive(o, "summary");
		const cJSON *tags = cJSON_GetObjectItemCaseSensitive(sum, "tags");
		const cJSON *it;
		cJSON_ArrayForEach(it, tags)
		{
			const cJSON *tg = cJSON_GetObjectItemCaseSensitive(it, "tag");
			const cJSON *nbx = cJSON_GetObjectItemCaseSensitive(it, "np_bytes");
			const cJSON *pbx = cJSON_GetObjectItemCaseSensitive(it, "p_bytes");
			if (!cJSON_IsString(tg) || strlen(tg->valuestring) != 4)
				continue;
			double by = (cJSON_IsNumber(nbx) ? nbx->valuedouble : 0) +
				    (cJSON_IsNumber(pbx) ? pbx->valuedouble : 0);
			size_t q = 0;
			while (q < nts && strcmp(ts[q].tag, tg->valuestring))
				q++;
			if (q == nts) {
				struct tagsum *t2 = realloc(ts, (nts + 1) * sizeof(*t2));
				if (!t2)
					continue;
				ts = t2;
				memset(&ts[nts], 0, sizeof(ts[nts]));
				snprintf(ts[nts].tag, 5, "%s", tg->valuestring);
				nts++;
			}
			ts[q].bytes += by;
			ts[q].dumps++;
		}
		cJSON_Delete(o);
	}
	for (size_t i = 1; i < nb; i++) /* buckets by count */
		for (size_t j = i; j > 0 && b[j].count > b[j - 1].count; j--) {
			struct bucket x = b[j];
			b[j] = b[j - 1];
			b[j - 1] = x;
		}
	for (size_t i = 1; i < nts; i++) /* tags by bytes */
		for (size_t j = i; j > 0 && ts[j].bytes > ts[j - 1].bytes; j--) {
			struct tagsum x = ts[j];
			ts[j] = ts[j - 1];
			ts[j - 1] = x;
		}
	char *out = NULL;
	if (json_out) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "schema", "poolmortem.batch-summary/1");
		cJSON_AddNumberToObject(o, "results", (double)total);
		cJSON_AddNumberToObject(o, "unique_dumps", (double)(healthy + unhealthy));
		cJSON_AddNumberToObject(o, "duplicates", (double)dups);
		cJSON_AddNumberToObject(o, "errors", (double)errors);
		cJSON_AddNumberToObject(o, "healthy", (double)healthy);
		cJSON_AddNumberToObject(o, "with_findings", (double)unhealthy);
		cJSON *ba = cJSON_AddArrayToObject(o, "buckets");
		for (size_t i = 0; ba && i < nb; i++) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "bucket", b[i].key);
			cJSON_AddNumberToObject(x, "dumps", (double)b[i].count);
			cJSON_AddStringToObject(x, "example", b[i].example);
			cJSON_AddItemToArray(ba, x);
		}
		cJSON *ta = cJSON_AddArrayToObject(o, "top_tags");
		for (size_t i = 0; ta && i < nts && i < 20; i++) {
			cJSON *x = cJSON_CreateObject();
			cJSON_AddStringToObject(x, "tag", ts[i].tag);
			cJSON_AddNumberToObject(x, "bytes", ts[i].bytes);
			cJSON_AddNumberToObject(x, "dumps", (double)ts[i].dumps);
			cJSON_AddItemToArray(ta, x);
		}
		cJSON_AddItemToObject(o, "errors_list", errs);
		errs = NULL;
		out = cJSON_Print(o);
		cJSON_Delete(o);
	} else {
		struct pm_strbuf sb = { 0 };
		pm_sb_printf(&sb, "\nBatch summary: %zu results: %zu unique dumps, %zu duplicates "
			     "(same SHA-256, counted once), %zu errors\n", total, healthy + unhealthy,
			     dups, errors);
		pm_sb_printf(&sb, "  healthy: %zu, with findings: %zu\n\n  Buckets (verdict | tag | "
			     "driver):\n", healthy, unhealthy);
		for (size_t i = 0; i < nb; i++)
			pm_sb_printf(&sb, "  %6zu  %s   e.g. %s\n", b[i].count, b[i].key, b[i].example);
		pm_sb_printf(&sb, "\n  Top tags across the unique dumps:\n");
		for (size_t i = 0; i < nts && i < 10; i++)
			pm_sb_printf(&sb, "  %-4s %16.0f bytes in %zu dumps\n", ts[i].tag, ts[i].bytes,
				     ts[i].dumps);
		if (errors)
			pm_sb_printf(&sb, "\n  %zu dumps could not be analyzed (see their \"error\" "
				     "lines)\n", errors);
		out = pm_sb_take(&sb);
	}
	cJSON_Delete(errs);
	for (size_t i = 0; i < nsha; i++)
		free(shas[i]);
	free(shas);
	free(b);
	free(ts);
	return out;
}

/* ---------------------------------------------------------------- the batch */

static void progress(const struct pm_batch_opts *o, size_t done, size_t total, uint64_t bytes,
		     double t0)
{
	if (!o->progress)
		return;
	double el = now() - t0, rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 ? (double)(total - done) / rate : 0;
	int w = 30, fill = total ? (int)((double)w * (double)done / (double)total) : w;
	fprintf(stderr, "\r[%.*s%.*s] %zu/%zu dumps, %.1f GB, %.1f dumps/s, ETA %d:%02d ", fill,
		"##############################", w - fill, "..............................", done,
		total, (double)bytes / 1e9, rate, (int)eta / 60, (int)eta % 60);
	if (done == total)
		fputc('\n', stderr);
}

int pm_batch_run(const struct pm_batch_opts *o, const struct pm_rule_params *params,
		 struct pm_batch_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct pm_diags d;
	pm_diags_init(&d);
	struct cands c = { NULL, 0, 0, 0 };
	for (size_t i = 0; i < o->npaths; i++)
		discover(&c, o->paths[i], 0, &d);
	if (c.n > 1) /* qsort() wants a non-null base even for 0 */
		qsort(c.v, c.n, sizeof(*c.v), cand_cmp);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "poolmortem: batch: %s\n", d.items[i].msg);
	/* resume: what the output file already holds */
	char **done = NULL;
	size_t ndone = 0;
	if (o->resume && o->output) {
		size_t len;
		char *text = read_all(o->output, &len);
		if (text) {
			ndone = load_done(text, &done);
			/* drop a half-written last line */
			char *lastnl = strrchr(text, '\n');
			size_t keep = lastnl ? (size_t)(lastnl - text) + 1 : 0;
			if (keep != len && truncate(o->output, (off_t)keep) < 0)
				fprintf(stderr, "poolmortem: batch: cannot trim %s: %s\n", o->output,
					strerror(errno));
			free(text);
			if (ndone > 1) /* qsort() wants a non-null base even for 0 */
				qsort(done, ndone, sizeof(*done), str_cmp);
		}
	}
	/* select: shard and not done */
	size_t *todo = calloc(c.n + 1, sizeof(*todo)), ntodo = 0;
	for (size_t i = 0; todo && i < c.n; i++) {
		if (o->shard_n && i % o->shard_n != o->shard_i)
			continue;
		char *key = c.v[i].path;
		if (ndone && bsearch(&key, done, ndone, sizeof(*done), str_cmp)) {
			st->skipped_resume++;
			continue;
		}
		todo[ntodo++] = i;
	}
	st->candidates = c.n;
	st->not_dumps = c.skipped;
	FILE *out = stdout;
	if (o->output && !(out = fopen(o->output, "ab"))) {
		fprintf(stderr, "poolmortem: error: %s: %s\n", o->output, strerror(errno));
		st->failed_setup = true;
		goto cleanup;
	}
	unsigned jobs = o->jobs ? o->jobs : 1;
	struct worker *w = calloc(jobs, sizeof(*w));
	if (!w) {
		st->failed_setup = true;
		goto cleanup;
	}
	size_t next = 0, finished = 0;
	uint64_t bytes_done = 0;
	struct pm_strbuf mirror = { 0 };
	double t0 = now();
	struct rusage ru0;
	getrusage(RUSAGE_CHILDREN, &ru0);
	unsigned running = 0;
	while (finished < ntodo) {
		while (running < jobs && next < ntodo) {
			unsigned k = 0;
			while (w[k].pid)
				k++;
			if (spawn(&w[k], c.v[todo[next]].path, o, params) < 0) {
				char *l = error_line(c.v[todo[next]].path, NULL, "OS", "cannot start a worker");
				if (l) {
					fprintf(out, "%s\n", l);
					free(l);
				}
				st->errors++;
				finished++;
				next++;
				continue;
			}
			w[k].cand = todo[next++];
			running++;
		}
		struct pollfd pf[256];
		unsigned map[256], np = 0;
		for (unsigned k = 0; k < jobs && np < 256; k++)
			if (w[k].pid) {
				pf[np].fd = w[k].fd;
				pf[np].events = POLLIN;
				map[np++] = k;
			}
		poll(pf, np, 200);
		for (unsigned q = 0; q < np; q++) {
			struct worker *x = &w[map[q]];
			char buf[65536];
			ssize_t n;
			bool eof = false;
			while ((n = read(x->fd, buf, sizeof(buf))) > 0)
				pm_sb_printf(&x->out, "%.*s", (int)n, buf);
			if (n == 0)
				eof = true;
			if (!eof && o->timeout_s && now() - x->started > o->timeout_s && !x->killed) {
				kill(x->pid, SIGKILL);
				x->killed = true;
			}
			if (!eof && !x->killed)
				continue;
			int status = 0;
			waitpid(x->pid, &status, 0);
			close(x->fd);
			const char *path = c.v[x->cand].path;
			char *line = NULL;
			if (x->killed) {
				char msg[120];
				snprintf(msg, sizeof(msg), "analysis took longer than %u s and was stopped",
					 o->timeout_s);
				line = error_line(path, NULL, "LIMIT", msg);
			} else if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status)) ||
				   !x->out.len) {
				char msg[160];
				snprintf(msg, sizeof(msg), "the worker %s %d%s",
					 WIFSIGNALED(status) ? "died of signal" : "exited with",
					 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
					 o->max_mem_mb ? " (memory limit?)" : "");
				line = error_line(path, NULL, "WORKER", msg);
			} else {
				line = pm_sb_take(&x->out);
			}
			pm_sb_free(&x->out);
			if (line) {
				if (strstr(line, "\"error\":{"))
					st->errors++;
				else
					st->analyzed++;
				fprintf(out, "%s\n", line);
				fflush(out);
				if (out == stdout)
					pm_sb_printf(&mirror, "%s\n", line);
				free(line);
			}
			bytes_done += c.v[x->cand].size;
			x->pid = 0;
			running--;
			finished++;
			progress(o, finished, ntodo, bytes_done, t0);
		}
	}
	st->wall_s = now() - t0;
	struct rusage ru1;
	getrusage(RUSAGE_CHILDREN, &ru1);
	st->cpu_s = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
		    (double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
		    (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) / 1e6 +
		    (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
	st->jobs = jobs;
	st->stdout_lines = pm_sb_take(&mirror);
	free(w);
	if (out != stdout)
		fclose(out);
cleanup:
	for (size_t i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
	free(todo);
	for (size_t i = 0; i < c.n; i++)
		free(c.v[i].path);
	free(c.v);
	pm_diags_deinit(&d);
	return 0;
}

char *pm_batch_summary_text(const char *ndjson, bool json)
{
	return make_summary(ndjson, json);
}

char *pm_batch_summary(const char *ndjson_path, bool json)
{
	size_t len;
	char *text = read_all(ndjson_path, &len);
	if (!text)
		return NULL;
	char *s = make_summary(text, json);
	free(text);
	return s;
}
