// SPDX-License-Identifier: MIT
// `batch`: every dump found under the given paths (batch_discover.c), each analyzed in its
// own forked worker with time and memory limits; one NDJSON line per dump (a dump that could
// not be listed or analyzed gets an error line); resumable; shardable.
#include <cjson/cJSON.h>
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
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "batch.h"
#include "batch_discover.h"
#include "info.h"
#include "jsonb.h"
#include "source_z.h"
#include "strbuf.h"

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

/* A worker's output starts with one of these, then the NDJSON line. */
enum { PM_LINE_ANALYZED = 'A', PM_LINE_ERROR = 'E' };

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

/* {"schema": "poolmortem.batch/1", "path": ..., ["sha256": ...,] "error": {code, message}} */
static char *error_line(const char *path, const char *sha, const char *code, const char *msg)
{
	struct pm_jb j = { false };
	cJSON *o = pm_jb_chk(&j, cJSON_CreateObject());
	pm_jb_str(&j, o, "schema", "poolmortem.batch/1");
	pm_jb_str(&j, o, "path", path);
	if (sha)
		pm_jb_str(&j, o, "sha256", sha);
	cJSON *e = pm_jb_obj(&j, o, "error");
	pm_jb_str(&j, e, "code", code);
	pm_jb_str(&j, e, "message", msg);
	char *s = NULL;
	if (!pm_jb_done(&j, o, &o)) {
		if (pm_json_print(o, false, &s))
			s = NULL;
		cJSON_Delete(o);
	}
	return s;
}

static char *error_line_err(const char *path, const char *sha, struct pm_error *err)
{
	char *l = error_line(path, sha, pm_err_code_name(pm_err_code(err)), pm_err_msg(err));
	pm_error_destroy(err);
	return l;
}

/* The SHA-256 of the dump's bytes (the container's, as stored), while it is opened. */
static struct pm_error *open_hashed(const char *path, struct pm_source **src, char sha[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return pm_err(PM_ERR_NOMEM, "cannot set up SHA-256");
	}
	bool observed = false;
	struct pm_error *err = pm_source_open_observed(path, hash_cb, md, src, &observed);
	if (!err && !observed)
		err = hash_file(path, md);
	unsigned char dg[32];
	unsigned dl = 0;
	sha[0] = 0;
	if (!err && EVP_DigestFinal_ex(md, dg, &dl) && dl == 32)
		for (int i = 0; i < 32; i++)
			snprintf(sha + 2 * i, 3, "%02x", dg[i]);
	EVP_MD_CTX_free(md);
	if (err && *src) {
		pm_source_destroy(*src);
		*src = NULL;
	}
	return err;
}

/* The analyze report @p t made a batch record: its schema, the dump's path and identity, and
 * why it is incomplete (when it is). */
static struct pm_error *batch_record(cJSON *t, const char *path, const char *sha,
				     const char *incomplete)
{
	struct pm_jb j = { false };
	cJSON *schema = pm_jb_chk(&j, cJSON_CreateString("poolmortem.batch/1"));
	if (schema && !cJSON_ReplaceItemInObjectCaseSensitive(t, "schema", schema)) {
		cJSON_Delete(schema);
		j.oom = true;
	}
	pm_jb_str(&j, t, "path", path);
	pm_jb_str(&j, t, "sha256", sha);
	if (incomplete)
		pm_jb_str(&j, t, "incomplete", incomplete);
	return j.oom ? &pm_enomem : NULL;
}

/* Analyze one dump; a malloc'd NDJSON line (without the newline); *is_error for an error. */
static char *analyze_one(const char *path, const struct pm_rule_params *params, bool scan,
			 const struct pm_info_opts *io, bool *is_error)
{
	*is_error = true;
	struct pm_source *src = NULL;
	char sha[65];
	struct pm_error *err = open_hashed(path, &src, sha);
	if (err)
		return error_line_err(path, NULL, err);
	struct pm_info *in;
	err = pm_info_gather_opened(path, src, io, &in);
	if (err)
		return error_line_err(path, sha, err);
	struct pm_analyze_opts ao = { scan, 20, PM_FMT_JSON, false, params };
	struct pm_analysis a;
	cJSON *t = NULL;
	if (!(err = pm_analyze(in, &ao, &a))) {
		err = pm_json_analyze(in, &a, &ao, &t);
		pm_analysis_deinit(&a);
	}
	const char *why;
	if (!err)
		err = batch_record(t, path, sha, pm_info_incomplete(in, &why) ? why : NULL);
	pm_info_destroy(in);
	char *line = NULL;
	if (!err)
		err = pm_json_print(t, false, &line);
	cJSON_Delete(t);
	if (err)
		return error_line_err(path, sha, err);
	*is_error = false;
	return line;
}

/* The worker's side: analyze, write the kind and the line to @p fd, exit. */
static void worker_main(int fd, const char *path, const struct pm_batch_opts *o,
			const struct pm_rule_params *params)
{
	if (o->max_mem_mb && !PM_SANITIZED) {
		/* Not under AddressSanitizer: its shadow memory alone exceeds any sane
		 * address-space limit. */
		struct rlimit rl = { (rlim_t)o->max_mem_mb << 20, (rlim_t)o->max_mem_mb << 20 };
		setrlimit(RLIMIT_AS, &rl);
	}
	bool is_error;
	char *line = analyze_one(path, params, o->scan, &o->info, &is_error);
	if (!line)
		_exit(3);
	char kind = is_error ? PM_LINE_ERROR : PM_LINE_ANALYZED;
	if (write(fd, &kind, 1) != 1)
		_exit(4);
	size_t len = strlen(line), off = 0;
	while (off < len) {
		ssize_t n = write(fd, line + off, len - off);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			_exit(4);
		}
		off += (size_t)n;
	}
	_exit(0);
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
		worker_main(p[1], path, o, params);
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

/* ---------------------------------------------------------------- one batch */

/* What is to be done (this shard's, not yet in the output) and where the lines go. */
struct run {
	const struct pm_batch_opts *o;
	const struct pm_rule_params *params;
	struct pm_batch_stats *st;
	struct pm_batch_cands c;
	char **done; /* paths the output already holds (--resume), sorted */
	size_t ndone;
	size_t *todo, ntodo;
	FILE *out;
	struct pm_strbuf mirror; /* the lines written to stdout */
	size_t finished;
	uint64_t bytes_done;
	double t0;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --resume: the paths of the output's complete lines (a line that does not parse is redone;
 * a half-written last one is cut off). */
static void resume_load(struct run *r)
{
	const char *path = r->o->output;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0, ncap = 0;
	off_t keep = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0 && line[n - 1] == '\n') {
		keep += n;
		cJSON *o = cJSON_ParseWithLength(line, (size_t)n - 1);
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
		if (cJSON_IsString(p) && r->ndone == ncap) {
			ncap = ncap ? ncap * 2 : 64;
			char **d = realloc(r->done, ncap * sizeof(*d));
			if (d)
				r->done = d;
			else
				ncap = r->ndone;
		}
		if (cJSON_IsString(p) && r->ndone < ncap && (r->done[r->ndone] = strdup(p->valuestring)))
			r->ndone++;
		cJSON_Delete(o);
	}
	bool partial = n > 0;
	free(line);
	fclose(f);
	if (partial && truncate(path, keep) < 0)
		fprintf(stderr, "poolmortem: batch: cannot trim %s: %s\n", path, strerror(errno));
	if (r->ndone > 1) /* qsort() wants a non-null base even for 0 */
		qsort(r->done, r->ndone, sizeof(*r->done), str_cmp);
}

static bool is_done(const struct run *r, const char *path)
{
	return r->ndone && bsearch(&path, r->done, r->ndone, sizeof(*r->done), str_cmp);
}

/* FNV-1a: a failure's shard, the same in every shard's process */
static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static void emit(struct run *r, const char *line, bool is_error)
{
	if (!line) {
		r->st->errors++;
		return;
	}
	is_error ? r->st->errors++ : r->st->analyzed++;
	fprintf(r->out, "%s\n", line);
	fflush(r->out);
	if (r->out == stdout)
		pm_sb_printf(&r->mirror, "%s\n", line);
}

/* The dumps that were found but could not be listed: this shard's error lines. */
static void emit_failures(struct run *r)
{
	const struct pm_batch_opts *o = r->o;
	for (size_t i = 0; i < r->c.nfail; i++) {
		const struct pm_batch_fail *f = &r->c.fail[i];
		if (o->shard_n && path_hash(f->path) % o->shard_n != o->shard_i)
			continue;
		if (is_done(r, f->path)) {
			r->st->skipped_resume++;
			continue;
		}
		char *l = error_line(f->path, NULL, pm_err_code_name(f->code), f->msg);
		emit(r, l, true);
		free(l);
	}
	if (r->c.lost && (!o->shard_n || o->shard_i == 0)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "out of memory while listing the dumps: %zu found could "
			 "not even be named, and are not analyzed", r->c.lost);
		char *l = error_line(o->npaths ? o->paths[0] : "", NULL, "NOMEM", msg);
		emit(r, l, true);
		free(l);
	}
}

/* This shard's candidates that the output does not hold yet. */
static bool select_todo(struct run *r)
{
	const struct pm_batch_opts *o = r->o;
	r->todo = calloc(r->c.n + 1, sizeof(*r->todo));
	if (!r->todo)
		return false;
	for (size_t i = 0; i < r->c.n; i++) {
		if (o->shard_n && i % o->shard_n != o->shard_i)
			continue;
		if (is_done(r, r->c.v[i].path)) {
			r->st->skipped_resume++;
			continue;
		}
		r->todo[r->ntodo++] = i;
	}
	return true;
}

static void progress(const struct run *r)
{
	if (!r->o->progress)
		return;
	size_t done = r->finished, total = r->ntodo;
	double el = now() - r->t0, rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 ? (double)(total - done) / rate : 0;
	int w = 30, fill = total ? (int)((double)w * (double)done / (double)total) : w;
	fprintf(stderr, "\r[%.*s%.*s] %zu/%zu dumps, %.1f GB, %.1f dumps/s, ETA %d:%02d ", fill,
		"##############################", w - fill, "..............................", done,
		total, (double)r->bytes_done / 1e9, rate, (int)eta / 60, (int)eta % 60);
	if (done == total)
		fputc('\n', stderr);
}

/* A worker that ended (or was stopped): its line, or an error line saying why there is none. */
static void reap(struct run *r, struct worker *x)
{
	int status = 0;
	waitpid(x->pid, &status, 0);
	close(x->fd);
	const char *path = r->c.v[x->cand].path;
	char *line = NULL;
	bool is_error = true;
	if (x->killed) {
		char msg[120];
		snprintf(msg, sizeof(msg), "analysis took longer than %u s and was stopped",
			 r->o->timeout_s);
		line = error_line(path, NULL, "LIMIT", msg);
	} else if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status)) ||
		   x->out.len < 2 || (x->out.s[0] != PM_LINE_ANALYZED &&
				      x->out.s[0] != PM_LINE_ERROR)) {
		/* under RLIMIT_AS an allocation fails: exit 3 (no line), or a stack that cannot
		 * grow (SIGSEGV, SIGBUS) or a library that aborts (SIGABRT); not any signal */
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		bool mem = r->o->max_mem_mb && !PM_SANITIZED &&
			   (sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT ||
			    (WIFEXITED(status) && WEXITSTATUS(status) == 3));
		char msg[160];
		snprintf(msg, sizeof(msg), "the worker %s %d%s", sig ? "died of signal" : "exited with",
			 sig ? sig : WEXITSTATUS(status), mem ? " (memory limit?)" : "");
		line = error_line(path, NULL, "WORKER", msg);
	} else {
		is_error = x->out.s[0] == PM_LINE_ERROR;
		line = strdup(x->out.s + 1);
	}
	pm_sb_free(&x->out);
	emit(r, line, is_error);
	free(line);
	r->bytes_done += r->c.v[x->cand].size;
	x->pid = 0;
	r->finished++;
	progress(r);
}

/* Read what the running workers wrote; reap the ones that ended or ran out of time. */
static unsigned poll_workers(struct run *r, struct worker *w, unsigned jobs)
{
	struct pollfd pf[256];
	unsigned map[256], np = 0, ended = 0;
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
		while ((n = read(x->fd, buf, sizeof(buf))) > 0)
			pm_sb_printf(&x->out, "%.*s", (int)n, buf);
		bool eof = n == 0;
		if (!eof && r->o->timeout_s && now() - x->started > r->o->timeout_s && !x->killed) {
			kill(x->pid, SIGKILL);
			x->killed = true;
		}
		if (eof || x->killed) {
			reap(r, x);
			ended++;
		}
	}
	return ended;
}

static void run_workers(struct run *r, struct worker *w, unsigned jobs)
{
	size_t next = 0;
	unsigned running = 0;
	while (r->finished < r->ntodo) {
		while (running < jobs && next < r->ntodo) {
			unsigned k = 0;
			while (w[k].pid)
				k++;
			size_t ci = r->todo[next++];
			if (spawn(&w[k], r->c.v[ci].path, r->o, r->params) < 0) {
				char *l = error_line(r->c.v[ci].path, NULL, "OS", "cannot start a worker");
				emit(r, l, true);
				free(l);
				r->finished++;
				continue;
			}
			w[k].cand = ci;
			running++;
		}
		running -= poll_workers(r, w, jobs);
	}
}

static double cpu_since(const struct rusage *ru0)
{
	struct rusage ru1;
	getrusage(RUSAGE_CHILDREN, &ru1);
	return (double)(ru1.ru_utime.tv_sec - ru0->ru_utime.tv_sec) +
	       (double)(ru1.ru_stime.tv_sec - ru0->ru_stime.tv_sec) +
	       (double)(ru1.ru_utime.tv_usec - ru0->ru_utime.tv_usec) / 1e6 +
	       (double)(ru1.ru_stime.tv_usec - ru0->ru_stime.tv_usec) / 1e6;
}

static void run_deinit(struct run *r)
{
	for (size_t i = 0; i < r->ndone; i++)
		free(r->done[i]);
	free(r->done);
	free(r->todo);
	pm_batch_cands_deinit(&r->c);
	pm_sb_free(&r->mirror);
	if (r->out && r->out != stdout)
		fclose(r->out);
}

int pm_batch_run(const struct pm_batch_opts *o, const struct pm_rule_params *params,
		 struct pm_batch_stats *st)
{
	memset(st, 0, sizeof(*st));
	struct run r;
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.params = params;
	r.st = st;
	pm_batch_discover(&r.c, o->paths, o->npaths, o->max_dumps);
	for (size_t i = 0; i < r.c.diags.n; i++)
		fprintf(stderr, "poolmortem: batch: %s\n", r.c.diags.items[i].msg);
	if (o->resume && o->output)
		resume_load(&r);
	st->candidates = r.c.n + r.c.nfail + r.c.lost;
	st->not_dumps = r.c.skipped;
	unsigned jobs = o->jobs ? o->jobs : 1;
	struct worker *w = calloc(jobs, sizeof(*w));
	r.out = stdout;
	if (o->output && !(r.out = fopen(o->output, "ab")))
		fprintf(stderr, "poolmortem: error: %s: %s\n", o->output, strerror(errno));
	if (!r.out || !w || !select_todo(&r)) {
		st->failed_setup = true;
		free(w);
		run_deinit(&r);
		return 0;
	}
	r.t0 = now();
	struct rusage ru0;
	getrusage(RUSAGE_CHILDREN, &ru0);
	emit_failures(&r);
	run_workers(&r, w, jobs);
	st->wall_s = now() - r.t0;
	st->cpu_s = cpu_since(&ru0);
	st->jobs = jobs;
	st->stdout_lines = pm_sb_take(&r.mirror);
	free(w);
	run_deinit(&r);
	return 0;
}
