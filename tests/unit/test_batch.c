// SPDX-License-Identifier: MIT
// batch never drops a dump it found: over the listing limit, a dump is an error line
// (LIMIT) with its path, written by exactly one shard, and counted as done by --resume.
// Usage: test_batch DUMP (a good fixture dump; copied three times into a temporary folder)
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../harness/test.h"
#include "batch.h"

static void copy(const char *from, const char *to)
{
	FILE *f = fopen(from, "rb"), *t = fopen(to, "wb");
	char buf[65536];
	size_t n;
	CHECK(f && t);
	while (f && t && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		CHECK(fwrite(buf, 1, n, t) == n);
	if (f)
		fclose(f);
	if (t)
		fclose(t);
}

struct lines {
	size_t n, errors, limit_errors;
	char limit_path[512];
};

static struct lines read_lines(const char *path)
{
	struct lines l;
	memset(&l, 0, sizeof(l));
	FILE *f = fopen(path, "rb");
	char *line = NULL;
	size_t cap = 0;
	while (f && getline(&line, &cap, f) > 0) {
		cJSON *o = cJSON_Parse(line);
		CHECK(o != NULL);
		l.n++;
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
		const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "path");
		if (e) {
			l.errors++;
			if (cJSON_IsString(c) && !strcmp(c->valuestring, "LIMIT") && cJSON_IsString(p)) {
				l.limit_errors++;
				snprintf(l.limit_path, sizeof(l.limit_path), "%s", p->valuestring);
			}
		}
		cJSON_Delete(o);
	}
	free(line);
	if (f)
		fclose(f);
	return l;
}

static struct pm_batch_stats run(const char *dir, const char *out, unsigned shard_i,
				 unsigned shard_n, bool resume, const struct pm_rule_params *params)
{
	const char *paths[] = { dir };
	struct pm_batch_opts o;
	memset(&o, 0, sizeof(o));
	o.paths = paths;
	o.npaths = 1;
	o.output = out;
	o.jobs = 1;
	o.resume = resume;
	o.shard_i = shard_i;
	o.shard_n = shard_n;
	o.timeout_s = 120;
	o.max_dumps = 2;
	struct pm_batch_stats st;
	pm_batch_run(&o, params, &st);
	CHECK(!st.failed_setup);
	free(st.stdout_lines);
	return st;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_batch DUMP\n");
		return 2;
	}
	char dir[] = "/tmp/pm-test-batch-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char p[600], out[600], sh[2][600];
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/d%d.dmp", dir, i);
		copy(argv[1], p);
	}
	snprintf(out, sizeof(out), "%s.ndjson", dir);
	struct pm_rule_params params;
	CHECK_OK(pm_rule_params_init(&params));
	/* three dumps, a limit of two: the third is an error line, not a silent skip */
	struct pm_batch_stats st = run(dir, out, 0, 0, false, &params);
	CHECK_EQ_U64(st.candidates, 3);
	CHECK_EQ_U64(st.analyzed, 2);
	CHECK_EQ_U64(st.errors, 1);
	struct lines l = read_lines(out);
	CHECK_EQ_U64(l.n, 3);
	CHECK_EQ_U64(l.limit_errors, 1);
	CHECK(!strncmp(l.limit_path, dir, strlen(dir)));
	/* --resume: the error line counts as done; nothing is written again */
	st = run(dir, out, 0, 0, true, &params);
	CHECK_EQ_U64(st.analyzed + st.errors, 0);
	CHECK_EQ_U64(st.skipped_resume, 3);
	CHECK_EQ_U64(read_lines(out).n, 3);
	/* two shards: the failure is written by exactly one of them */
	size_t n = 0, lim = 0;
	for (unsigned s = 0; s < 2; s++) {
		snprintf(sh[s], sizeof(sh[s]), "%s.shard%u", dir, s);
		run(dir, sh[s], s, 2, false, &params);
		struct lines ls = read_lines(sh[s]);
		n += ls.n;
		lim += ls.limit_errors;
	}
	CHECK_EQ_U64(lim, 1);
	CHECK_EQ_U64(n, 2 + 1); /* the two listed dumps split over the shards, plus the failure */
	pm_rule_params_deinit(&params);
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/d%d.dmp", dir, i);
		unlink(p);
	}
	unlink(out);
	unlink(sh[0]);
	unlink(sh[1]);
	rmdir(dir);
	return test_failures ? 1 : 0;
}
