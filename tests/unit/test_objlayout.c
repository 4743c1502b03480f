// SPDX-License-Identifier: MIT
// The built-in process/handle/object layouts (parsers/symbols/obj_layouts.c) against every
// kernel of the real-kernel facts table (fixtures/facts/ntkrnlmp-x64.json, 213 ntkrnlmp.pdb):
// each field the walks read must have, in every kernel of its build family, the offset, width
// and bit range the built-in row says, or be absent from both; the cookies must exist exactly
// where the rows say they do; each row's provenance names the kernels it was checked against
// (their count and revision range); and the rows must pass the layout check. Then the fixture
// kernel's PDB and ISF must give the 19041 row.
//
// usage: test_objlayout FACTS.json [FIXTURE-KERNEL-PDB-OR-ISF...]
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../harness/test.h"
#include "objprofile.h"
#include "symfile.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = n > 0 ? malloc((size_t)n + 1) : NULL;
	if (b && fread(b, 1, (size_t)n, f) == (size_t)n)
		b[n] = 0;
	else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

static long num(const cJSON *o, const char *k, long dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : dflt;
}

/* The facts' layout of @p type for a kernel, or NULL. */
static const cJSON *layout_of(const cJSON *facts, const cJSON *kernel, const char *type)
{
	const char *set = cJSON_GetStringValue(cJSON_GetObjectItem(kernel, "layout_set"));
	const cJSON *ls = cJSON_GetObjectItem(cJSON_GetObjectItem(facts, "layout_sets"), set);
	const char *key = cJSON_GetStringValue(
		cJSON_GetObjectItem(cJSON_GetObjectItem(ls, "layouts"), type));
	return key ? cJSON_GetObjectItem(cJSON_GetObjectItem(facts, "layouts"), key) : NULL;
}

static unsigned kernels_checked, fields_checked;

static void check_kernel(const cJSON *facts, const cJSON *k)
{
	long build = num(k, "build", 0);
	const char *ver = cJSON_GetStringValue(cJSON_GetObjectItem(k, "version"));
	struct pm_obj_layout L;
	struct pm_error *err = pm_obj_layout_builtin((uint32_t)build, &L);
	if (err) {
		fprintf(stderr, "%s: %s\n", ver, pm_err_msg(err));
		pm_error_destroy(err);
		test_failures++;
		return;
	}
	kernels_checked++;
	const cJSON *globals = cJSON_GetObjectItem(k, "globals");
	if (L.type_index_encoded != (cJSON_GetObjectItem(globals, "ObHeaderCookie") != NULL) ||
	    L.has_quota_cookie != (cJSON_GetObjectItem(globals, "ExpPoolQuotaCookie") != NULL)) {
		fprintf(stderr, "%s: cookies: row says encoded %d quota %d\n", ver,
			L.type_index_encoded, L.has_quota_cookie);
		test_failures++;
	}
	for (unsigned s = 0; s < PM_OBJ_NTYPES; s++) {
		const cJSON *lay = layout_of(facts, k, pm_obj_type_name((enum pm_obj_struct)s));
		long size = num(lay, "size", -1);
		/* the _EPROCESS row is the smallest of the family; _MM_SESSION_SPACE only SessionId */
		bool ok = s == PM_OT_EPROCESS	? L.size[s] <= size
			  : s == PM_OT_SESSION ? L.size[s] <= size
					       : L.size[s] == size;
		if (!ok) {
			fprintf(stderr, "%s: %s is %#lx bytes, the row says %#x\n", ver,
				pm_obj_type_name((enum pm_obj_struct)s), size, L.size[s]);
			test_failures++;
		}
	}
	for (unsigned f = 0; f < PM_OBJ_NFIELDS; f++) {
		const cJSON *lay = layout_of(facts, k, pm_obj_field_type((enum pm_obj_field)f));
		const cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(lay, "members"),
						     pm_obj_field_member((enum pm_obj_field)f));
		const struct pm_obj_fld *x = &L.f[f];
		fields_checked++;
		if (!m) {
			if (x->present) {
				fprintf(stderr, "%s: %s.%s is in the row, not in the kernel\n", ver,
					pm_obj_field_type((enum pm_obj_field)f),
					pm_obj_field_member((enum pm_obj_field)f));
				test_failures++;
			}
			continue;
		}
		/* the row reads the entry's second qword as HighValue from 9600 on */
		if (!x->present && f == PM_OF_HTE_NEXTFREE && L.f[PM_OF_HTE_HIGH].present)
			continue;
		if (!x->present || x->off != num(m, "offset", -1) || x->size != num(m, "size", -1) ||
		    x->bitpos != num(m, "bit_position", 0) || x->bitlen != num(m, "bit_length", 0)) {
			fprintf(stderr, "%s: %s.%s: kernel +%#lx/%ld bits %ld:%ld, row %s+%#x/%u "
				"bits %u:%u\n", ver, pm_obj_field_type((enum pm_obj_field)f),
				pm_obj_field_member((enum pm_obj_field)f), num(m, "offset", -1),
				num(m, "size", -1), num(m, "bit_position", 0),
				num(m, "bit_length", 0), x->present ? "" : "(absent) ", x->off,
				x->size, x->bitpos, x->bitlen);
			test_failures++;
		}
	}
}

/* Each row's provenance names the facts' kernels of its family: their count and the range of
 * their revisions ("6.3.9600.19913..21620 (32 kernels)"), so the claim stays what was checked. */
static void check_provenance(const cJSON *facts)
{
	static const uint32_t fams[] = { 7601, 9600, 14393, 17763, 18362, 19041, 20348, 22000 };
	for (size_t i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		long n = 0, lo = 0, hi = 0;
		char prefix[32] = "";
		const cJSON *k;
		cJSON_ArrayForEach(k, cJSON_GetObjectItem(facts, "kernels"))
		{
			const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(k, "version"));
			const char *dot = v ? strrchr(v, '.') : NULL;
			if (num(k, "build", 0) != (long)fams[i] || !dot)
				continue;
			long rev = strtol(dot + 1, NULL, 10);
			snprintf(prefix, sizeof(prefix), "%.*s", (int)(dot - v), v);
			lo = n && lo < rev ? lo : rev;
			hi = n && hi > rev ? hi : rev;
			n++;
		}
		char want[96];
		if (n == 1)
			snprintf(want, sizeof(want), "ntkrnlmp.pdb %s.%ld (1 kernel)", prefix, lo);
		else
			snprintf(want, sizeof(want), "ntkrnlmp.pdb %s.%ld..%ld (%ld kernels)", prefix, lo,
				 hi, n);
		struct pm_obj_layout L;
		struct pm_error *err = pm_obj_layout_builtin(fams[i], &L);
		if (err || !n || !strstr(L.provenance, want)) {
			fprintf(stderr, "built-in %u: provenance '%s', the facts give '%s'\n", fams[i],
				err ? pm_err_msg(err) : L.provenance, n ? want : "no kernel");
			test_failures++;
		}
		pm_error_destroy(err);
	}
}

static void test_unknown_builds(void)
{
	struct pm_obj_layout L;
	static const uint32_t none[] = { 2600, 3790, 7600, 9200, 10240, 15063, 22621, 26100 };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		CHECK_ERR(pm_obj_layout_builtin(none[i], &L), PM_ERR_PROFILE);
	CHECK_EQ_U64(pm_obj_family(19045), 19041);
	CHECK_EQ_U64(pm_obj_family(18363), 18362);
	CHECK_EQ_U64(pm_obj_family(20348), 20348);
	CHECK_EQ_U64(pm_obj_family(22621), 0);
}

/* expr must fail (any code); consumes the error. */
#define CHECK_FAILS(expr)                                                                  \
	do {                                                                               \
		struct pm_error *f_ = (expr);                                              \
		CHECK(f_ != NULL);                                                         \
		pm_error_destroy(f_);                                                      \
	} while (0)

static void test_check_rejects(void)
{
	struct pm_obj_layout L, bad;
	CHECK_OK(pm_obj_layout_builtin(19041, &L));
	bad = L;
	bad.f[PM_OF_EP_PID].present = false;
	CHECK_ERR(pm_obj_layout_check(&bad), PM_ERR_PROFILE);
	bad = L;
	bad.f[PM_OF_EP_NAME].off = L.size[PM_OT_EPROCESS] - 4;
	CHECK_ERR(pm_obj_layout_check(&bad), PM_ERR_FORMAT);
	bad = L;
	bad.size[PM_OT_HTE] = 8;
	bad.f[PM_OF_HTE_HIGH].present = false;
	CHECK_ERR(pm_obj_layout_check(&bad), PM_ERR_UNSUPPORTED);
	bad = L;
	bad.f[PM_OF_HTE_OBJBITS].bitlen = 60;
	CHECK_FAILS(pm_obj_layout_check(&bad));
	bad = L;
	bad.f[PM_OF_EP_PID].size = 4;
	CHECK_ERR(pm_obj_layout_check(&bad), PM_ERR_UNSUPPORTED);
	bad = L;
	bad.size[PM_OT_EPROCESS] = 0x10000;
	CHECK_FAILS(pm_obj_layout_check(&bad));
}

/* The fixture kernel (fixtures/kernel/x64, clang + lld-link) declares these structures with the
 * 19041 offsets: its PDB and ISF must give exactly the built-in 19041 row. */
static void check_symbols(const char *path)
{
	struct pm_symtab *t;
	struct pm_error *err = pm_symfile_open(path, &t);
	if (err) {
		fprintf(stderr, "%s: %s\n", path, pm_err_msg(err));
		pm_error_destroy(err);
		test_failures++;
		return;
	}
	struct pm_obj_layout S, B;
	struct pm_diags d;
	pm_diags_init(&d);
	CHECK_OK(pm_obj_layout_from_symbols(t, &S, &d));
	CHECK_OK(pm_obj_layout_builtin(19045, &B));
	CHECK(S.type_index_encoded && S.has_quota_cookie);
	for (unsigned f = 0; f < PM_OBJ_NFIELDS; f++) {
		const struct pm_obj_fld *s = &S.f[f], *b = &B.f[f];
		if (!b->present)
			continue;
		if (!s->present || s->off != b->off || s->size != b->size || s->bitpos != b->bitpos ||
		    s->bitlen != b->bitlen) {
			fprintf(stderr, "%s: %s.%s: symbols %s+%#x/%u bits %u:%u, built-in 19041 "
				"+%#x/%u bits %u:%u\n", path, pm_obj_field_type((enum pm_obj_field)f),
				pm_obj_field_member((enum pm_obj_field)f), s->present ? "" : "(absent) ",
				s->off, s->size, s->bitpos, s->bitlen, b->off, b->size, b->bitpos,
				b->bitlen);
			test_failures++;
		}
	}
	for (unsigned s = 0; s < PM_OBJ_NTYPES; s++)
		if (s != PM_OT_EPROCESS && s != PM_OT_SESSION && S.size[s] != B.size[s]) {
			fprintf(stderr, "%s: %s is %#x bytes, built-in %#x\n", path,
				pm_obj_type_name((enum pm_obj_struct)s), S.size[s], B.size[s]);
			test_failures++;
		}
	CHECK_EQ_U64(S.size[PM_OT_EPROCESS], 0xA40);
	pm_diags_deinit(&d);
	pm_symtab_destroy(t);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_objlayout FACTS.json [FIXTURE-KERNEL-PDB-OR-ISF...]\n");
		return 99;
	}
	char *text = slurp(argv[1]);
	cJSON *facts = text ? cJSON_Parse(text) : NULL;
	free(text);
	if (!facts) {
		fprintf(stderr, "%s: cannot read the facts table\n", argv[1]);
		return 99;
	}
	const cJSON *k;
	cJSON_ArrayForEach(k, cJSON_GetObjectItem(facts, "kernels"))
		check_kernel(facts, k);
	check_provenance(facts);
	cJSON_Delete(facts);
	CHECK_EQ_U64(kernels_checked, 213);
	printf("%u kernels, %u fields compared\n", kernels_checked, fields_checked);
	test_unknown_builds();
	test_check_rejects();
	for (int i = 2; i < argc; i++)
		check_symbols(argv[i]);
	return TEST_RESULT();
}
