// SPDX-License-Identifier: MIT
// `batch`: every input found under the given paths (batch_discover.c) gets one record; each
// dump is analyzed in its own forked worker (batch_worker.c) with time and memory limits;
// records as NDJSON (or rows for people on a terminal); resumable; shardable.
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "batch_discover.h"
#include "batch_record.h"
#include "batch_worker.h"
#include "strbuf.h"
#include "strmap.h"

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

/* A worker's output starts with one of these, then the record. */
enum { PM_LINE_ANALYZED = 'A', PM_LINE_ERROR = 'E' };

struct worker {
	pid_t pid;
	int fd;
	size_t cand;
	struct pm_strbuf out;
	double started;
	bool killed;
};

/* What is to be done (this shard's, not yet in the output) and where the records go. */
struct run {
	const struct pm_batch_opts *o;
	const struct pm_rule_params *params;
	struct pm_batch_stats *st;
	struct pm_batch_cands c;
	struct pm_strmap done; /* "canonical path \n head" of the records the output holds */
	size_t *todo, ntodo;
	FILE *out;              /* NULL: rows for people on stdout */
	struct pm_strbuf mirror; /* the records not written to a file */
	size_t finished;
	uint64_t bytes_done;
	double t0, last_progress;
	struct worker *w;
	unsigned jobs;
	bool progress_shown;
	bool quiet; /* records only kept, not printed */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- the worker's side */

static void worker_main(int fd, const struct pm_batch_cand *c, const struct run *r)
{
	const struct pm_batch_opts *o = r->o;
	if (o->max_mem_mb && !PM_SANITIZED) {
		/* Not under AddressSanitizer: its shadow memory alone exceeds any sane
		 * address-space limit. */
		struct rlimit rl = { (rlim_t)o->max_mem_mb << 20, (rlim_t)o->max_mem_mb << 20 };
		setrlimit(RLIMIT_AS, &rl);
	}
	struct pm_batch_job j = { o->scan, o->full_hash, &o->info, r->params };
	bool is_error;
	char *line = pm_batch_analyze_one(c, &j, &is_error);
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

static int spawn(struct run *r, struct worker *w, size_t ci)
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
		worker_main(p[1], &r->c.v[ci], r);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	w->pid = pid;
	w->fd = p[0];
	w->cand = ci;
	w->started = now();
	w->killed = false;
	memset(&w->out, 0, sizeof(w->out));
	return 0;
}

/* ---------------------------------------------------------------- resume */

static char *done_key(const char *canon, const char *head, size_t *len)
{
	size_t n = strlen(canon) + strlen(head) + 2;
	char *k = malloc(n);
	if (k)
		*len = (size_t)snprintf(k, n, "%s\n%s", canon, head);
	return k;
}

/* One record of the output: remembered by its canonical path and the content's head (a
 * record from before they were written: by its path made canonical, any content). */
static void resume_add(struct run *r, const cJSON *o)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
	const cJSON *cp = cJSON_GetObjectItemCaseSensitive(o, "canonical_path");
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(o, "head_sha256");
	if (!cJSON_IsString(p))
		return;
	char *canon = NULL;
	if (cJSON_IsString(cp)) {
		canon = strdup(cp->valuestring);
	} else {
		const char *sep = strstr(p->valuestring, "::");
		canon = pm_batch_canonical(p->valuestring, sep ? (size_t)(sep - p->valuestring) + 2 : 0);
	}
	bool old = !cJSON_GetObjectItemCaseSensitive(o, "status");
	size_t len = 0;
	char *k = canon ? done_key(canon, cJSON_IsString(h) ? h->valuestring : old ? "*" : "", &len)
			: NULL;
	if (k)
		pm_strmap_add(&r->done, k, len, 1);
	free(k);
	free(canon);
}

/* --resume: the output's complete records (a half-written last line is cut off; a line that
 * does not parse is redone). */
static void resume_load(struct run *r)
{
	const char *path = r->o->output;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	off_t keep = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0 && line[n - 1] == '\n') {
		keep += n;
		cJSON *o = cJSON_ParseWithLength(line, (size_t)n - 1);
		if (o)
			resume_add(r, o);
		cJSON_Delete(o);
	}
	bool partial = n > 0;
	free(line);
	fclose(f);
	if (partial && truncate(path, keep) < 0)
		fprintf(stderr, "poolmortem: batch: cannot trim %s: %s\n", path, strerror(errno));
}

static bool is_done(const struct run *r, const struct pm_batch_cand *c)
{
	uint64_t v;
	size_t len = 0;
	bool done = false;
	for (int any = 0; any < 2 && !done && r->done.n; any++) {
		char *k = done_key(c->canon, any ? "*" : c->head, &len);
		done = k && pm_strmap_get(&r->done, k, len, &v);
		free(k);
	}
	return done;
}

/* ---------------------------------------------------------------- output */

static void progress_clear(struct run *r)
{
	if (r->progress_shown)
		fputs("\r\033[K", stderr);
	r->progress_shown = false;
}

static void emit(struct run *r, const char *line, bool is_error)
{
	if (!line) {
		r->st->errors++;
		return;
	}
	cJSON *o = cJSON_Parse(line);
	const char *status = o ? pm_batch_status(o) : is_error ? "error" : "analyzed";
	if (!strcmp(status, "skipped"))
		r->st->skipped++;
	else if (!strcmp(status, "error"))
		r->st->errors++;
	else
		r->st->analyzed++;
	if (r->out) {
		fprintf(r->out, "%s\n", line);
		fflush(r->out);
	} else if (!r->quiet) {
		struct pm_strbuf row = { 0 };
		if (!r->mirror.len)
			pm_batch_rows_header(&row);
		if (o)
			pm_batch_row(o, &row);
		progress_clear(r);
		if (row.s)
			fputs(row.s, stdout);
		fflush(stdout);
		pm_sb_free(&row);
	}
	if (r->out == stdout || !r->out)
		pm_sb_printf(&r->mirror, "%s\n", line);
	cJSON_Delete(o);
}

static int term_cols(void)
{
	struct winsize ws;
	return ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40 ? ws.ws_col : 80;
}

/* The progress line: done, rate, ETA, and the dump being worked on longest. */
static void progress(struct run *r, bool force)
{
	double t = now();
	if (!r->o->progress || (!force && t - r->last_progress < 0.2))
		return;
	r->last_progress = t;
	size_t done = r->finished, total = r->ntodo;
	double el = t - r->t0, rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 ? (double)(total - done) / rate : 0;
	int w = 20, fill = total ? (int)((double)w * (double)done / (double)total) : w;
	char line[1024];
	int n = snprintf(line, sizeof(line), "[%.*s%.*s] %zu/%zu dumps, %.1f GB, %.1f/s, ETA %d:%02d",
			 fill, "####################", w - fill, "....................", done, total,
			 (double)r->bytes_done / 1e9, rate, (int)eta / 60, (int)eta % 60);
	const struct worker *old = NULL;
	for (unsigned k = 0; k < r->jobs; k++)
		if (r->w[k].pid && (!old || r->w[k].started < old->started))
			old = &r->w[k];
	size_t cols = (size_t)term_cols() - 1;
	if (old && n > 0 && (size_t)n < sizeof(line)) {
		/* the dump worked on longest: as much of its path as fits, its end first */
		const char *p = r->c.v[old->cand].path;
		int m = snprintf(line + n, sizeof(line) - (size_t)n, " | %.0f s on ",
				 t - old->started);
		size_t used = (size_t)n + (size_t)(m > 0 ? m : 0), pl = strlen(p);
		size_t room = cols > used + 4 ? cols - used : 4;
		if (used < sizeof(line))
			snprintf(line + used, sizeof(line) - used, "%s%s", pl > room ? "..." : "",
				 pl > room ? p + pl - (room - 3) : p);
	}
	if (strlen(line) > cols)
		line[cols] = 0;
	fprintf(stderr, "\r\033[K%s", line);
	r->progress_shown = true;
	if (done == total)
		progress_clear(r);
}

/* ---------------------------------------------------------------- the worker pool */

/* A worker that ended (or was stopped): its record, or an error record saying why there is
 * none. */
static void reap(struct run *r, struct worker *x)
{
	int status = 0;
	waitpid(x->pid, &status, 0);
	close(x->fd);
	const struct pm_batch_cand *c = &r->c.v[x->cand];
	char *line = NULL;
	bool is_error = true;
	if (x->killed) {
		char msg[120];
		snprintf(msg, sizeof(msg), "analysis took longer than %u s and was stopped",
			 r->o->timeout_s);
		line = pm_batch_line_decided(c, false, "LIMIT", msg);
	} else if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status)) ||
		   x->out.len < 2 || (x->out.s[0] != PM_LINE_ANALYZED &&
				      x->out.s[0] != PM_LINE_ERROR)) {
		/* under RLIMIT_AS an allocation fails: exit 3 (no line), or a stack that cannot
		 * grow (SIGSEGV, SIGBUS) or a library that aborts (SIGABRT); not any signal */
		int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		bool mem = r->o->max_mem_mb && !PM_SANITIZED &&
			   (sig == SIGSEGV || sig == SIGBUS || sig == SIGABRT ||
			    (WIFEXITED(status) && WEXITSTATUS(status) == 3));
		char msg[200];
		snprintf(msg, sizeof(msg), "the worker %s %d%s", sig ? "died of signal" : "exited with",
			 sig ? sig : WEXITSTATUS(status), mem ? " (perhaps the --max-mem limit)" : "");
		line = pm_batch_line_decided(c, false, "WORKER", msg);
	} else {
		is_error = x->out.s[0] == PM_LINE_ERROR;
		line = strdup(x->out.s + 1);
	}
	pm_sb_free(&x->out);
	emit(r, line, is_error);
	free(line);
	r->bytes_done += c->size;
	x->pid = 0;
	r->finished++;
	progress(r, true);
}

/* Read what the running workers wrote; reap the ones that ended or ran out of time. */
static unsigned poll_workers(struct run *r)
{
	struct pollfd pf[256];
	unsigned map[256], np = 0, ended = 0;
	for (unsigned k = 0; k < r->jobs && np < 256; k++)
		if (r->w[k].pid) {
			pf[np].fd = r->w[k].fd;
			pf[np].events = POLLIN;
			map[np++] = k;
		}
	poll(pf, np, 200);
	for (unsigned q = 0; q < np; q++) {
		struct worker *x = &r->w[map[q]];
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
	progress(r, false);
	return ended;
}

static void run_workers(struct run *r)
{
	size_t next = 0;
	unsigned running = 0;
	while (r->finished < r->ntodo) {
		while (running < r->jobs && next < r->ntodo) {
			unsigned k = 0;
			while (r->w[k].pid)
				k++;
			size_t ci = r->todo[next++];
			if (spawn(r, &r->w[k], ci) < 0) {
				char *l = pm_batch_line_decided(&r->c.v[ci], false, "OS",
								"cannot start a worker");
				emit(r, l, true);
				free(l);
				r->finished++;
				continue;
			}
			running++;
		}
		running -= poll_workers(r);
	}
}

/* ---------------------------------------------------------------- one batch */

/* This shard's entries: the decided ones are written now, the others are to analyze. */
static bool select_todo(struct run *r)
{
	const struct pm_batch_opts *o = r->o;
	r->todo = calloc(r->c.n + 1, sizeof(*r->todo));
	if (!r->todo)
		return false;
	for (size_t i = 0; i < r->c.n; i++) {
		const struct pm_batch_cand *c = &r->c.v[i];
		if (c->kind && !strcmp(c->kind, "missing"))
			r->st->missing++; /* every shard says so */
		if (o->shard_n && i % o->shard_n != o->shard_i)
			continue;
		if (is_done(r, c)) {
			r->st->skipped_resume++;
			continue;
		}
		if (c->state == PM_BATCH_TODO) {
			r->todo[r->ntodo++] = i;
			continue;
		}
		char *l = pm_batch_line_decided(c, c->state == PM_BATCH_SKIPPED,
						pm_err_code_name(c->code), c->msg);
		emit(r, l, c->state == PM_BATCH_ERROR);
		free(l);
	}
	if (r->c.lost && (!o->shard_n || o->shard_i == 0)) {
		char msg[160];
		snprintf(msg, sizeof(msg), "out of memory while listing the dumps: %zu found could "
			 "not even be named, and are not analyzed", r->c.lost);
		struct pm_batch_cand lost = { 0 };
		lost.path = lost.canon = (char *)(o->npaths ? o->paths[0] : "");
		lost.kind = "unknown";
		char *l = pm_batch_line_decided(&lost, false, "NOMEM", msg);
		emit(r, l, true);
		free(l);
	}
	return true;
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
	pm_strmap_free(&r->done);
	free(r->todo);
	free(r->w);
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
	if (o->progress)
		fputs("poolmortem: batch: listing the dumps...", stderr);
	pm_batch_discover(&r.c, o->paths, o->npaths, o->max_dumps);
	if (o->progress)
		fputs("\r\033[K", stderr);
	if (o->resume && o->output)
		resume_load(&r);
	st->candidates = r.c.n + r.c.lost;
	st->others = r.c.others;
	r.jobs = o->jobs ? o->jobs : 1;
	r.w = calloc(r.jobs, sizeof(*r.w));
	r.out = o->output ? fopen(o->output, "ab") : o->rows ? NULL : stdout;
	r.quiet = !o->output && o->rows == 2;
	if (o->output && !r.out)
		fprintf(stderr, "poolmortem: error: %s: %s\n", o->output, strerror(errno));
	r.t0 = now();
	if ((o->output && !r.out) || !r.w || !select_todo(&r)) {
		st->failed_setup = true;
		run_deinit(&r);
		return 0;
	}
	struct rusage ru0;
	getrusage(RUSAGE_CHILDREN, &ru0);
	run_workers(&r);
	progress_clear(&r);
	st->wall_s = now() - r.t0;
	st->cpu_s = cpu_since(&ru0);
	st->jobs = r.jobs;
	st->stdout_lines = pm_sb_take(&r.mirror);
	run_deinit(&r);
	return 0;
}
