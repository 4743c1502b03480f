// SPDX-License-Identifier: MIT
// The analyze report is one tree whose parts keep their keys: with one cJSON allocation
// failing (each one in turn), pm_json_analyze() either fails as a whole with
// PM_ERR_NOMEM, or returns a report in which every part is either exactly the part of a
// report built without failure or {"error": {"code": "NOMEM", "message": ...}} — never a
// part missing, never a part silently cut short.
// Usage: test_report DUMP
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "analyze.h"
#include "info.h"

static long allocs, fail_at;

static void *hook_malloc(size_t n)
{
	if (++allocs == fail_at)
		return NULL;
	return malloc(n);
}

static const char *const keys[] = { "schema", "verdict", "findings", "not_evaluated",
				    "summary", "info", "vm", "poolused", "bigpool" };
static const char *const parts[] = { "summary", "info", "vm", "poolused", "bigpool" };

static bool is_part_error(const cJSON *x)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(x, "error");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
	return cJSON_GetArraySize(x) == 1 && cJSON_IsString(c) && !strcmp(c->valuestring, "NOMEM") &&
	       cJSON_IsString(m);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_report DUMP\n");
		return 2;
	}
	struct pm_info *in;
	CHECK_OK(pm_info_gather(argv[1], NULL, &in));
	if (test_failures)
		return 1;
	struct pm_rule_params params;
	CHECK_OK(pm_rule_params_init(&params));
	struct pm_analyze_opts ao = { true, 20, PM_FMT_JSON, false, &params };
	struct pm_analysis a;
	CHECK_OK(pm_analyze(in, &ao, &a));
	cJSON_Hooks hooks = { hook_malloc, free };
	cJSON_InitHooks(&hooks);
	cJSON *ref = NULL;
	allocs = 0;
	CHECK_OK(pm_json_analyze(in, &a, &ao, &ref));
	long total = allocs;
	CHECK(ref != NULL && total > 100);
	size_t whole = 0, part_errors = 0, intact = 0;
	for (long k = 1; ref && k <= total; k++) {
		cJSON *t = NULL;
		allocs = 0;
		fail_at = k;
		struct pm_error *err = pm_json_analyze(in, &a, &ao, &t);
		fail_at = 0;
		if (err) {
			CHECK(pm_err_code(err) == PM_ERR_NOMEM);
			pm_error_destroy(err);
			whole++;
			continue;
		}
		for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			CHECK(cJSON_GetObjectItemCaseSensitive(t, keys[i]) != NULL);
		bool any = false;
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			const cJSON *x = cJSON_GetObjectItemCaseSensitive(t, parts[i]);
			const cJSON *r = cJSON_GetObjectItemCaseSensitive(ref, parts[i]);
			if (is_part_error(x)) {
				any = true;
				continue;
			}
			if (!cJSON_Compare(x, r, true))
				fprintf(stderr, "allocation %ld failing: part %s differs\n", k, parts[i]);
			CHECK(cJSON_Compare(x, r, true));
		}
		part_errors += any;
		intact += !any;
		cJSON_Delete(t);
	}
	printf("%ld allocations; a failure at each one: %zu whole-report errors, %zu reports "
	       "with a part's error, %zu intact\n", total, whole, part_errors, intact);
	CHECK(part_errors > 0); /* the parts' error path was taken */
	cJSON_Delete(ref);
	pm_analysis_deinit(&a);
	pm_rule_params_deinit(&params);
	pm_info_destroy(in);
	return test_failures ? 1 : 0;
}
