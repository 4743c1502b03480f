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
#include "cite.h"
#include "fmt.h"
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

/* People's units and citations (fmt.c, cite.c). */
static void check_units_and_citations(void)
{
	CHECK(!strcmp(PM_HUMAN(0), "0 bytes"));
	CHECK(!strcmp(PM_HUMAN(1023), "1,023 bytes"));
	CHECK(!strcmp(PM_HUMAN(1024), "1.00 KiB (1,024 bytes)"));
	CHECK(!strcmp(PM_HUMAN(1468006400), "1.37 GiB (1,468,006,400 bytes)"));
	CHECK(!strcmp(PM_HUMAN(UINT64_MAX), "16777216 TiB (18,446,744,073,709,551,615 bytes)"));
	CHECK(!strcmp(PM_UNIT(48 << 20), "48.0 MiB"));
	CHECK(!strcmp(PM_THOUSANDS(999), "999") && !strcmp(PM_THOUSANDS(1000), "1,000"));
	char b[200];
	CHECK(!strcmp(pm_cite_short("reboot. [RUSS]", b, sizeof(b)), "reboot. (Russinovich, 2009)"));
	CHECK(!strcmp(pm_cite_short("18 MB ([RUSS])", b, sizeof(b)), "18 MB (Russinovich, 2009)"));
	CHECK(!strcmp(pm_cite_short("[X] none", b, sizeof(b)), "[X] none")); /* unknown: kept */
	const char *tiny = "a [KB312362]";
	CHECK(pm_cite_short(tiny, b, 8) == tiny); /* no room: the text as it is */
	const char *c[4];
	CHECK(pm_cite_list("[RUSS] [KB312362] [NOPE]", c, 4) == 2);
	CHECK(strstr(c[0], "Pushing the Limits") && strstr(c[1], "312362"));
}

int main(int argc, char **argv)
{
	check_units_and_citations();
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
