// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm-error.h"

struct pm_error {
	enum pm_err_code code;
	bool is_static;
	char *msg;
};

struct pm_error pm_enomem = { PM_ERR_NOMEM, true, (char *)"out of memory" };
struct pm_error pm_noprobe = { PM_ERR_NOPROBE, true, (char *)"not this format" };

static const char *const code_names[] = {
#define X(name, desc) #name,
	PM_ERROR_CODES(X)
#undef X
};

const char *pm_err_code_name(enum pm_err_code code)
{
	if ((unsigned)code >= _PM_ERR_MAX)
		return "UNKNOWN";
	return code_names[code];
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

static struct pm_error *make(enum pm_err_code code, char *msg)
{
	if (!msg)
		return &pm_enomem;
	struct pm_error *e = malloc(sizeof(*e));
	if (!e) {
		free(msg);
		return &pm_enomem;
	}
	e->code = code;
	e->is_static = false;
	e->msg = msg;
	return e;
}

struct pm_error *pm_err(enum pm_err_code code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = vformat(fmt, ap);
	va_end(ap);
	return make(code, msg);
}

struct pm_error *pm_err_os(int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *ctx = vformat(fmt, ap);
	va_end(ap);
	if (!ctx)
		return &pm_enomem;
	const char *es = strerror(errnum);
	size_t n = strlen(ctx) + strlen(es) + 3;
	char *msg = malloc(n);
	if (msg)
		snprintf(msg, n, "%s: %s", ctx, es);
	free(ctx);
	return make(errnum == ENOMEM ? PM_ERR_NOMEM : PM_ERR_OS, msg);
}

struct pm_error *pm_err_wrap(struct pm_error *err, const char *fmt, ...)
{
	if (!err || err->is_static)
		return err ? err : &pm_enomem;
	va_list ap;
	va_start(ap, fmt);
	char *ctx = vformat(fmt, ap);
	va_end(ap);
	if (!ctx)
		return err; /* keep the inner message rather than lose it */
	size_t n = strlen(ctx) + strlen(err->msg) + 3;
	char *msg = malloc(n);
	if (msg) {
		snprintf(msg, n, "%s: %s", ctx, err->msg);
		free(err->msg);
		err->msg = msg;
	}
	free(ctx);
	return err;
}

bool pm_err_catch(struct pm_error **errp, enum pm_err_code code)
{
	if (!*errp || (*errp)->code != code)
		return false;
	pm_error_destroy(*errp);
	*errp = NULL;
	return true;
}

enum pm_err_code pm_err_code(const struct pm_error *err)
{
	return err->code;
}

const char *pm_err_msg(const struct pm_error *err)
{
	return err->msg;
}

void pm_error_destroy(struct pm_error *err)
{
	if (!err || err->is_static)
		return;
	free(err->msg);
	free(err);
}
