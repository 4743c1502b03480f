// SPDX-License-Identifier: MIT
// Finding the kernel's symbol file offline (reference/symbols.md §2.4-§2.6, §6.2): WinDbg's
// symbol-path syntax, symbol-store layouts (one- and two-tier, file.ptr), flat directories,
// Volatility ISF trees and zip packs. A candidate is used only when its GUID and age are the
// image's; everything looked at is recorded for the report.
#include <ctype.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "source_z.h"
#include "symfile.h"
#include "symstore.h"

/* Policy limits. */
enum {
	STORE_MAX_ELEMENTS = 64,
	STORE_MAX_TRIED = 256,
	STORE_MAX_DIRENTS = 100000, /* per directory scanned for a case-insensitive match */
	STORE_MAX_PATH = 4096,
};

static void note(struct pm_symfind *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct pm_symfind *f, const char *fmt, ...)
{
	if (f->ntried >= STORE_MAX_TRIED)
		return;
	char **t = realloc(f->tried, (f->ntried + 1) * sizeof(*t));
	if (!t)
		return;
	f->tried = t;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	t[f->ntried] = strdup(buf);
	if (t[f->ntried])
		f->ntried++;
}

void pm_symfind_deinit(struct pm_symfind *f)
{
	for (size_t i = 0; i < f->ntried; i++)
		free(f->tried[i]);
	free(f->tried);
	pm_symtab_destroy(f->tab);
	free(f->where);
	memset(f, 0, sizeof(*f));
}

void pm_sym_guid_text(const uint8_t g[16], char out[33])
{
	snprintf(out, 33, "%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X%02X", g[3],
		 g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
		 g[14], g[15]);
}

static bool is_file(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
	struct stat st;
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* @p dir + "/" + @p rel, each component matched exactly, else case-insensitively (stores made
 * on Windows); false if some component does not exist. */
static bool resolve(const char *dir, const char *rel, char *out, size_t n)
{
	if ((size_t)snprintf(out, n, "%s", dir) >= n)
		return false;
	const char *p = rel;
	while (*p) {
		const char *e = strchr(p, '/');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		size_t base = strlen(out);
		if (base + 1 + len + 1 > n)
			return false;
		snprintf(out + base, n - base, "/%.*s", (int)len, p);
		struct stat st;
		if (stat(out, &st)) {
			out[base] = 0;
			DIR *d = opendir(base ? out : "/");
			bool found = false;
			unsigned seen = 0;
			for (struct dirent *de; d && (de = readdir(d)) && seen < STORE_MAX_DIRENTS; seen++)
				if (strlen(de->d_name) == len && !strncasecmp(de->d_name, p, len)) {
					snprintf(out + base, n - base, "/%s", de->d_name);
					found = true;
					break;
				}
			if (d)
				closedir(d);
			if (!found)
				return false;
		}
		p = e ? e + 1 : p + len;
	}
	return true;
}

/* Whether the file at @p path (or pack::member) is the wanted one; takes it if so. */
static bool try_file(struct pm_symfind *f, const struct pm_symwant *w, const char *path)
{
	struct pm_symtab *t;
	struct pm_error *err = pm_symfile_open(path, &t);
	if (err) {
		note(f, "%s: unreadable: %s", path, pm_err_msg(err));
		pm_error_destroy(err);
		return false;
	}
	char want[33], got[33];
	pm_sym_guid_text(w->guid, want);
	if (!t->id.has_guid) {
		note(f, "%s: refused: it carries no GUID to match against the kernel's %s age %" PRIu32,
		     path, want, w->age);
		pm_symtab_destroy(t);
		return false;
	}
	pm_sym_guid_text(t->id.guid, got);
	const char *which = pm_symtab_age_match(&t->id, w->age);
	if (memcmp(t->id.guid, w->guid, 16) || !which) {
		note(f, "%s: refused: it is %s GUID %s age %" PRIu32 ", the kernel's image wants %s "
		     "GUID %s age %" PRIu32, path, t->id.pdb_name[0] ? t->id.pdb_name : "a PDB", got,
		     t->id.age, w->pdb_name, want, w->age);
		pm_symtab_destroy(t);
		return false;
	}
	if (!t->id.pdb_name[0]) /* an ISF that does not name its PDB */
		snprintf(t->id.pdb_name, sizeof(t->id.pdb_name), "%.255s", w->pdb_name);
	if (t->id.has_info_age && t->id.info_age != t->id.age)
		note(f, "%s: matches (%s GUID %s, %s age %" PRIu32 " = the image's; DBI age %" PRIu32
		     ", PDB-info age %" PRIu32 ")", path, t->id.format, got, which, w->age,
		     t->id.age, t->id.info_age);
	else
		note(f, "%s: matches (%s GUID %s age %" PRIu32 ")", path, t->id.format, got,
		     t->id.age);
	f->tab = t;
	f->where = strdup(path);
	return true;
}

/* Members of a zip pack that hold the wanted ISF. */
static bool try_pack(struct pm_symfind *f, const struct pm_symwant *w, const char *zip)
{
	struct pm_source *src;
	struct pm_error *err = pm_source_open_file(zip, &src);
	struct pm_zip_entry *e = NULL;
	size_t n = 0;
	if (!err)
		err = pm_zip_list(src, &e, &n);
	if (err) {
		note(f, "%s: unreadable zip: %s", zip, pm_err_msg(err));
		pm_error_destroy(err);
		pm_source_destroy(src);
		return false;
	}
	pm_source_destroy(src);
	char g[33], want[64];
	pm_sym_guid_text(w->guid, g);
	snprintf(want, sizeof(want), "%s-%" PRIu32 ".json", g, w->age);
	bool ok = false;
	for (size_t i = 0; i < n && !ok; i++) {
		const char *slash = strrchr(e[i].name, '/');
		const char *base = slash ? slash + 1 : e[i].name;
		if (strncasecmp(base, want, strlen(want)))
			continue;
		char path[STORE_MAX_PATH];
		snprintf(path, sizeof(path), "%s::%s", zip, e[i].name);
		ok = try_file(f, w, path);
	}
	pm_zip_list_free(e, n);
	if (!ok)
		note(f, "%s: no member named %s[.xz|.gz]", zip, want);
	return ok;
}

/* Every layout a directory may hold the wanted file in. */
static bool try_dir(struct pm_symfind *f, const struct pm_symwant *w, const char *dir)
{
	char g[33], key[48], isf[64], rel[STORE_MAX_PATH], path[STORE_MAX_PATH];
	pm_sym_guid_text(w->guid, g);
	snprintf(key, sizeof(key), "%s%" PRIX32, g, w->age);
	snprintf(isf, sizeof(isf), "%s-%" PRIu32, g, w->age);
	const char *nm = w->pdb_name;
	bool two_tier = resolve(dir, "index2.txt", path, sizeof(path));
	char compressed[300];
	snprintf(compressed, sizeof(compressed), "%.*s_", (int)(strlen(nm) ? strlen(nm) - 1 : 0), nm);
	/* store (one-tier; two-tier when index2.txt says so), then flat layouts */
	for (int i = 0; i < 5; i++) {
		switch (i) {
		case 0:
			snprintf(rel, sizeof(rel), "%s/%s/%s", nm, key, nm);
			break;
		case 1:
			if (!two_tier)
				continue;
			snprintf(rel, sizeof(rel), "%.2s/%s/%s/%s", nm, nm, key, nm);
			break;
		case 2:
			snprintf(rel, sizeof(rel), "%s", nm);
			break;
		case 3:
			snprintf(rel, sizeof(rel), "symbols/exe/%s", nm);
			break;
		default:
			snprintf(rel, sizeof(rel), "exe/%s", nm);
		}
		if (resolve(dir, rel, path, sizeof(path)) && is_file(path) && try_file(f, w, path))
			return true;
	}
	/* store extras: a pointer to the file elsewhere, a compressed copy we cannot expand */
	snprintf(rel, sizeof(rel), "%s/%s/file.ptr", nm, key);
	if (resolve(dir, rel, path, sizeof(path)) && is_file(path)) {
		FILE *fp = fopen(path, "r");
		char target[STORE_MAX_PATH] = "";
		if (fp) {
			if (!fgets(target, sizeof(target), fp))
				target[0] = 0;
			fclose(fp);
		}
		target[strcspn(target, "\r\n")] = 0;
		const char *t = !strncmp(target, "PATH:", 5) ? target + 5 : target;
		if (*t && is_file(t) && try_file(f, w, t))
			return true;
		note(f, "%s: points to %s, which is not a readable file here", path, t);
	}
	snprintf(rel, sizeof(rel), "%s/%s/%s", nm, key, compressed);
	if (resolve(dir, rel, path, sizeof(path)) && is_file(path))
		note(f, "%s: a compressed (CAB) copy; expand it with cabextract next to it to use it",
		     path);
	/* Volatility ISF trees and packs */
	static const char *const ext[] = { ".json.xz", ".json", ".json.gz" };
	for (int t = 0; t < 3; t++)
		for (int x = 0; x < 3; x++) {
			if (t == 0)
				snprintf(rel, sizeof(rel), "windows/%s/%s%s", nm, isf, ext[x]);
			else if (t == 1)
				snprintf(rel, sizeof(rel), "%s/%s%s", nm, isf, ext[x]);
			else
				snprintf(rel, sizeof(rel), "%s%s", isf, ext[x]);
			if (resolve(dir, rel, path, sizeof(path)) && is_file(path) && try_file(f, w, path))
				return true;
		}
	if (resolve(dir, "windows.zip", path, sizeof(path)) && is_file(path) && try_pack(f, w, path))
		return true;
	note(f, "%s: no %s for GUID %s age %" PRIu32 " in any store, flat or ISF layout", dir, nm, g,
	     w->age);
	return false;
}

static bool try_element(struct pm_symfind *f, const struct pm_symwant *w, const char *el)
{
	if (strstr(el, "://")) {
		if (!f->url_ignored)
			note(f, "%s: a URL, not used: poolmortem never uses the network (fill a local "
			     "store, e.g. with symchk on a connected machine)", el);
		f->url_ignored = true;
		return false;
	}
	if (strstr(el, "::")) /* pack.zip::member */
		return try_file(f, w, el);
	if (is_dir(el))
		return try_dir(f, w, el);
	if (is_file(el)) {
		size_t n = strlen(el);
		if (n > 4 && !strcasecmp(el + n - 4, ".zip"))
			return try_pack(f, w, el);
		return try_file(f, w, el);
	}
	note(f, "%s: no such file or directory", el);
	return false;
}

struct pm_error *pm_symbols_find(const char *spec, const struct pm_symwant *w,
				 struct pm_symfind *ret)
{
	memset(ret, 0, sizeof(*ret));
	char *copy = strdup(spec);
	if (!copy)
		return &pm_enomem;
	unsigned elements = 0;
	bool found = false;
	for (char *save = NULL, *el = strtok_r(copy, ";", &save); el && !found;
	     el = strtok_r(NULL, ";", &save)) {
		while (isspace((unsigned char)*el))
			el++;
		if (!*el)
			continue;
		if (++elements > STORE_MAX_ELEMENTS) {
			note(ret, "more than %d symbol-path elements: the rest were not searched",
			     STORE_MAX_ELEMENTS);
			break;
		}
		if (!strncasecmp(el, "srv*", 4) || !strncasecmp(el, "symsrv*", 7) ||
		    !strncasecmp(el, "cache*", 6)) {
			/* srv*DIR*...*URL, symsrv*symsrv.dll*DIR*...*URL, cache*DIR: every local
			 * element is a store (nearest first) */
			char *save2 = NULL;
			char *tok = strtok_r(el, "*", &save2);
			bool symsrv = !strcasecmp(tok, "symsrv");
			if (symsrv)
				strtok_r(NULL, "*", &save2); /* the DLL */
			for (tok = strtok_r(NULL, "*", &save2); tok && !found;
			     tok = strtok_r(NULL, "*", &save2))
				found = try_element(ret, w, tok);
		} else {
			found = try_element(ret, w, el);
		}
	}
	free(copy);
	if (found)
		return NULL;
	char g[33];
	pm_sym_guid_text(w->guid, g);
	const char *refused = NULL, *unreadable = NULL;
	for (size_t i = 0; i < ret->ntried; i++) {
		if (!refused && strstr(ret->tried[i], ": refused: "))
			refused = ret->tried[i];
		if (!unreadable && strstr(ret->tried[i], ": unreadable: "))
			unreadable = ret->tried[i];
	}
	if (unreadable) /* a symbol file where one was looked for, but damaged: say so */
		return pm_err(PM_ERR_PROFILE, "no usable symbol file for the kernel (%s GUID %s age %"
			      PRIu32 "); %s", w->pdb_name, g, w->age, unreadable);
	if (refused)
		return pm_err(PM_ERR_PROFILE, "no symbol file matches the kernel (%s GUID %s age %"
			      PRIu32 "); %s", w->pdb_name, g, w->age, refused);
	return pm_err(PM_ERR_PROFILE, "no symbol file for the kernel (%s GUID %s age %" PRIu32
		      ") in %s", w->pdb_name, g, w->age, spec);
}
