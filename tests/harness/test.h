/* SPDX-License-Identifier: MIT */
/* Tiny test harness: CHECK macros count failures; main returns 0 (pass) or 1 (fail). */
#ifndef PM_TEST_H
#define PM_TEST_H

#include <inttypes.h>
#include <stdio.h>

#include "pm-error.h"

static int test_failures;

#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond)) {                                                             \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__,   \
				#cond);                                                    \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                 \
	do {                                                                               \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                           \
		if (a_ != b_) {                                                            \
			fprintf(stderr, "%s:%d: %s == %#" PRIx64 ", expected %#" PRIx64 "\n", \
				__FILE__, __LINE__, #a, a_, b_);                           \
			test_failures++;                                                   \
		}                                                                          \
	} while (0)

/* err must be NULL; otherwise print it. Consumes err. */
#define CHECK_OK(expr)                                                                     \
	do {                                                                               \
		struct pm_error *e_ = (expr);                                              \
		if (e_) {                                                                  \
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, \
				pm_err_msg(e_));                                           \
			test_failures++;                                                   \
			pm_error_destroy(e_);                                              \
		}                                                                          \
	} while (0)

/* err must carry code; consumes err. */
#define CHECK_ERR(expr, code)                                                              \
	do {                                                                               \
		struct pm_error *e_ = (expr);                                              \
		if (!e_) {                                                                 \
			fprintf(stderr, "%s:%d: %s succeeded, expected %s\n", __FILE__,    \
				__LINE__, #expr, #code);                                   \
			test_failures++;                                                   \
		} else if (pm_err_code(e_) != (code)) {                                    \
			fprintf(stderr, "%s:%d: %s gave %s (%s), expected %s\n", __FILE__, \
				__LINE__, #expr, pm_err_code_name(pm_err_code(e_)),        \
				pm_err_msg(e_), #code);                                    \
			test_failures++;                                                   \
		}                                                                          \
		pm_error_destroy(e_);                                                      \
	} while (0)

#define TEST_RESULT() (test_failures ? (fprintf(stderr, "%d check(s) failed\n", test_failures), 1) : 0)

#endif
