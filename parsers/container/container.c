// SPDX-License-Identifier: MIT
// L1: the container probe table (container.h).
#include <string.h>
#include <strings.h>

#include "container.h"
#include "source_kdump.h"
#include "source_z.h"

static bool probe_crashdump(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	return n >= 8 && (!memcmp(head, "PAGEDU64", 8) || !memcmp(head, "PAGEDUMP", 8));
}

static bool probe_raw(const uint8_t *head, size_t n, const char *path)
{
	(void)head;
	(void)n;
	return path && pm_path_is_raw(path);
}

static bool probe_elf(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	return pm_is_elf_container(head, n);
}

static bool probe_kdump(const uint8_t *head, size_t n, const char *path)
{
	(void)path;
	return pm_is_diskdump_container(head, n);
}

static struct pm_error *open_crashdump(const char *path, struct pm_source *src,
				       struct pm_dmp **ret)
{
	(void)path;
	return pm_dmp_open(src, ret);
}

static struct pm_error *open_raw(const char *path, struct pm_source *src, struct pm_dmp **ret)
{
	(void)path;
	return pm_dmp_open_headerless(src, PM_CONT_RAW, ret);
}

/* ELF cores and kdump-compressed files: libkdumpfile reads them, by file descriptor. */
static struct pm_error *open_kdumpfile(const char *path, struct pm_source *src,
				       struct pm_dmp **ret)
{
	/* libkdumpfile reads files by descriptor: not from inside a gzip or zip */
	bool plain = !strcmp(src->ops->name, "file");
	pm_source_destroy(src);
	if (!plain)
		return pm_err(PM_ERR_UNSUPPORTED, "an ELF core or kdump-compressed file inside a "
			      "gzip or zip archive cannot be read in place; decompress it first");
	enum pm_kdump_kind kind;
	struct pm_source *k;
	PM_TRY(pm_source_open_kdump(pm_container_file(path), &k, &kind));
	return pm_dmp_open_headerless(k, kind == PM_KDUMP_ELF ? PM_CONT_ELF : PM_CONT_KDUMP, ret);
}

/* In probe order: a crash-dump signature wins over a raw image's name, and a raw image's name
 * over the ELF/kdump signatures (a raw image may start with any bytes). */
static const struct pm_container_kind kinds[] = {
	{ "crash dump", PM_CONT_CRASHDUMP, probe_crashdump, true, open_crashdump },
	{ "raw", PM_CONT_RAW, probe_raw, true, open_raw },
	{ "ELF", PM_CONT_ELF, probe_elf, false, open_kdumpfile },
	{ "kdump", PM_CONT_KDUMP, probe_kdump, true, open_kdumpfile },
};

const struct pm_container_kind *pm_container_probe(const uint8_t *head, size_t n,
						   const char *path, bool in_archive)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((!in_archive || kinds[i].listed_in_archives) && kinds[i].probe(head, n, path))
			return &kinds[i];
	return NULL;
}

struct pm_error *pm_container_open(const char *path, struct pm_source *src, struct pm_dmp **ret)
{
	uint8_t head[PM_CONTAINER_PROBE_BYTES] = { 0 };
	size_t got = 0;
	struct pm_error *err = src->ops->read_at(src, 0, head, sizeof(head), &got);
	if (err) {
		pm_source_destroy(src);
		return err;
	}
	const struct pm_container_kind *k = pm_container_probe(head, got, path, false);
	/* none: the crash-dump header decoder says precisely why the input is not one */
	return (k ? k : &kinds[0])->open(path, src, ret);
}

struct pm_error *pm_container_open_path(const char *path, struct pm_dmp **ret)
{
	struct pm_source *src;
	PM_TRY(pm_source_open_any(pm_container_file(path), &src));
	return pm_container_open(path, src, ret);
}

const char *pm_container_file(const char *path)
{
	return !strncmp(path, "raw:", 4) ? path + 4 : path;
}

bool pm_path_is_raw(const char *path)
{
	if (!strncmp(path, "raw:", 4))
		return true;
	static const char *const ext[] = { ".raw", ".mem", ".vmem", ".dd", ".img", ".ram" };
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t e = strlen(ext[i]);
		if (n > e && !strcasecmp(path + n - e, ext[i]))
			return true;
	}
	return false;
}
