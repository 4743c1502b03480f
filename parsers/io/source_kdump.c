// SPDX-License-Identifier: MIT
// L0 adapter for libkdumpfile: ELF cores (QEMU dump-guest-memory, virsh dump) and
// kdump-compressed files (makedumpfile, QEMU dump-guest-memory -z/-l/-s: zlib, lzo, snappy or
// zstd pages) presented as a flat physical address space (offset = guest-physical address).
// The only file that includes libkdumpfile; its statuses become pm_errors here.
//
// A known defect is worked around here: libkdumpfile before 0.5.2 (Debian 12 ships 0.5.1)
// reads and writes freed memory in kdump_free() for every diskdump/kdump-compressed context
// (its diskdump attribute-cleanup hook runs after the attributes were freed; upstream issue
// #72, fixed by commit 97c716a in 0.5.2). Re-opening the context on another file to switch
// formats is no way out either (0.5.1 frees non-heap memory on that path). So with such a
// library, a kdump-compressed context is never freed: its page cache is shrunk to nothing,
// its descriptor closed, and the context parked on a list that lives until exit (about 0.7
// MiB each; `batch` analyses every dump in its own worker process, so it does not grow).
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libkdumpfile/kdumpfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kdump_check.h"
#include "source_kdump.h"

/* PFNs beyond this are refused (256 TiB of guest RAM). */
static const uint64_t PM_KD_MAX_PFN = UINT64_C(1) << 36;

#if KDUMPFILE_VER_MAJOR == 0 && (KDUMPFILE_VER_MINOR < 5 || (KDUMPFILE_VER_MINOR == 5 && \
				 KDUMPFILE_VER_MICRO < 2))
#define PM_KD_FREE_IS_BROKEN 1
#else
#define PM_KD_FREE_IS_BROKEN 0
#endif

struct ksrc {
	struct pm_source base;
	kdump_ctx_t *ctx;
	int fd;
	char *name;
	uint8_t *state; /* 2 bits per page: 0 unknown, 1 stored, 2 absent, 3 stored, unreadable */
	uint64_t npages;
	bool diskdump;
};

/* Contexts that must not be freed (see the top of this file); reachable until exit. */
struct parked {
	struct parked *next;
	kdump_ctx_t *ctx;
};
static struct parked *parked_list;

static void ctx_release(kdump_ctx_t *ctx, bool diskdump)
{
	if (!PM_KD_FREE_IS_BROKEN || !diskdump) {
		kdump_free(ctx);
		return;
	}
	kdump_attr_t a = { .type = KDUMP_NUMBER };
	a.val.number = 0;
	kdump_set_attr(ctx, "cache.size", &a); /* give back the decompressed-page cache */
	struct parked *p = malloc(sizeof(*p));
	if (p) {
		p->ctx = ctx;
		p->next = parked_list;
		parked_list = p;
	} /* else: it stays allocated, unreferenced, rather than corrupting the heap */
}

static uint8_t get_state(const struct ksrc *k, uint64_t pfn)
{
	return (uint8_t)((k->state[pfn >> 2] >> ((pfn & 3) * 2)) & 3);
}

static void set_state(struct ksrc *k, uint64_t pfn, uint8_t v)
{
	k->state[pfn >> 2] = (uint8_t)((k->state[pfn >> 2] & ~(3u << ((pfn & 3) * 2))) |
				       (unsigned)v << ((pfn & 3) * 2));
}

static bool ksrc_has_page(struct pm_source *src, uint64_t pfn)
{
	struct ksrc *k = (struct ksrc *)src;
	if (pfn >= k->npages)
		return false;
	uint8_t st = get_state(k, pfn);
	if (!st) {
		uint8_t b;
		size_t n = 1;
		kdump_status s = kdump_read(k->ctx, KDUMP_MACHPHYSADDR, pfn << 12, &b, &n);
		/* a page the file has but cannot give (truncated, corrupt) is not "absent": its
		 * reads fail and say why */
		st = s == KDUMP_ERR_NODATA ? 2 : s == KDUMP_OK && n == 1 ? 1 : 3;
		set_state(k, pfn, st);
	}
	return st != 2;
}

static struct pm_error *ksrc_read_at(struct pm_source *src, uint64_t off, void *buf, size_t len,
				     size_t *got_ret)
{
	struct ksrc *k = (struct ksrc *)src;
	size_t done = 0;
	while (done < len && off + done < src->size) {
		uint64_t pa = off + done;
		size_t n = 4096 - (size_t)(pa & 4095);
		if (n > len - done)
			n = len - done;
		size_t got = n;
		/* a page known absent (a truncated file's lost pages among them) is not read */
		kdump_status s = pa >> 12 < k->npages && get_state(k, pa >> 12) == 2
					 ? KDUMP_ERR_NODATA
					 : kdump_read(k->ctx, KDUMP_MACHPHYSADDR, pa,
						      (uint8_t *)buf + done, &got);
		if (s == KDUMP_ERR_NODATA) {
			memset((uint8_t *)buf + done, 0, n); /* has_page() tells callers it is absent */
			got = n;
		} else if (s != KDUMP_OK) {
			return pm_err(PM_ERR_FORMAT, "%s: libkdumpfile cannot read physical %#" PRIx64
				      ": %s", k->name, pa, kdump_get_err(k->ctx));
		}
		done += got;
		if (!got)
			break;
	}
	*got_ret = done;
	return NULL;
}

static void ksrc_destroy(struct pm_source *src)
{
	struct ksrc *k = (struct ksrc *)src;
	ctx_release(k->ctx, k->diskdump);
	close(k->fd);
	free(k->state);
	free(k->name);
	free(k);
}

static const struct pm_source_ops ksrc_ops = { "libkdumpfile", ksrc_read_at, ksrc_destroy,
					       ksrc_has_page, NULL, NULL, NULL };

/* Fill the page states from libkdumpfile's map of the pages the file stores, so that
 * has_page() needs no read; returns false when the map is not available. */
static bool map_pages(struct ksrc *k)
{
	kdump_attr_t a;
	if (kdump_get_attr(k->ctx, "file.pagemap", &a) != KDUMP_OK || a.type != KDUMP_BITMAP ||
	    !a.val.bitmap)
		return false;
	kdump_bmp_t *bmp = a.val.bitmap;
	kdump_bmp_incref(bmp);
	memset(k->state, 0xAA, (size_t)(k->npages / 4 + 1)); /* 2 = absent, for every page */
	uint64_t count = 0;
	kdump_addr_t idx = 0;
	while (idx < k->npages && kdump_bmp_find_set(bmp, &idx) == KDUMP_OK && idx < k->npages) {
		kdump_addr_t end = idx;
		if (kdump_bmp_find_clear(bmp, &end) != KDUMP_OK || end > k->npages)
			end = k->npages;
		if (end <= idx)
			break;
		for (uint64_t p = idx; p < end; p++)
			set_state(k, p, 1);
		count += end - idx;
		idx = end;
	}
	kdump_bmp_decref(bmp);
	k->base.has_pages_stored = true;
	k->base.pages_stored = count;
	return true;
}

/* The pages a truncated file lost (pm_kd_check()): absent, so never read, and counted. */
static void apply_gaps(struct ksrc *k, const struct pm_kd_layout *l)
{
	uint64_t lost = 0;
	for (size_t i = 0; i < l->ngaps; i++) {
		for (uint64_t p = l->gaps[i].pfn; p < l->gaps[i].pfn + l->gaps[i].count; p++) {
			if (p >= k->npages)
				break;
			if (get_state(k, p) != 2)
				lost++; /* stored (or unknown: libkdumpfile gave no map) */
			set_state(k, p, 2);
		}
	}
	k->base.pages_beyond_eof = lost;
}

/* The file checked before libkdumpfile sees it (kdump_check.h). */
static struct pm_error *check_file(const char *path, struct pm_kd_layout *l)
{
	struct pm_source *f;
	PM_TRY(pm_source_open_file(path, &f));
	struct pm_error *err = pm_kd_check(f, l);
	pm_source_destroy(f);
	return err;
}

bool pm_is_elf_container(const uint8_t *b, size_t n)
{
	return n >= 4 && !memcmp(b, "\x7f" "ELF", 4);
}

bool pm_is_diskdump_container(const uint8_t *b, size_t n)
{
	return n >= 8 && (!memcmp(b, "KDUMP   ", 8) || !memcmp(b, "DISKDUMP", 8));
}

/* What an ELF or kdump-compressed file that is no capture of a Windows machine's memory is,
 * from its header (ELF e_type) and from what libkdumpfile found in it (a Linux VMCOREINFO
 * note, no physical memory); NULL when it may be one. */
static const char *elf_not_a_capture(const uint8_t *h, size_t n, kdump_ctx_t *ctx,
				     kdump_num_t max_pfn)
{
	bool elf = pm_is_elf_container(h, n);
	/* e_type: 16 bits at 0x10, in the byte order e_ident[EI_DATA] (5) names */
	if (elf && n >= 0x12 && (h[5] == 1 || h[5] == 2)) {
		unsigned type = h[5] == 1 ? h[0x10] | h[0x11] << 8 : h[0x10] << 8 | h[0x11];
		if (type == 1)
			return "an ELF object file (relocatable), not a memory dump";
		if (type == 2 || type == 3)
			return "an ELF program or shared library, not a memory dump";
		if (type != 4)
			return "an ELF file that is not a core file (e_type is not ET_CORE)";
	}
	kdump_attr_t vi;
	if (ctx && kdump_get_attr(ctx, "linux.vmcoreinfo.raw", &vi) == KDUMP_OK)
		return "a Linux kernel crash dump (it carries a VMCOREINFO note, as kdump, "
		       "makedumpfile or a Linux guest's dump write it), not a Windows one: read it "
		       "with crash or drgn";
	if (elf && ctx && !max_pfn)
		return "an ELF core with no physical memory in it (its segments carry no "
		       "physical addresses): a process core dump, such as a Linux program's core "
		       "file, not a capture of a machine's memory";
	return NULL;
}

/* A utsname field (65 bytes) as printable ASCII. */
static void uts_field(const uint8_t *f, char out[66])
{
	size_t i = 0;
	for (; i < 65 && f[i]; i++)
		out[i] = f[i] >= 0x20 && f[i] < 0x7f ? (char)f[i] : '?';
	out[i] = 0;
}

/* What a kdump-compressed file written on Linux is: makedumpfile copies the crashed kernel's
 * utsname into the header (sysname "Linux" at 0xc, release at 0x8e, machine at 0x110); QEMU
 * leaves sysname empty. NULL when it may be a capture of a Windows guest. */
static const char *kdump_not_a_capture(const uint8_t *h, size_t n, char *buf, size_t len)
{
	if (n < 12 + 5 * 65 || memcmp(h + 12, "Linux", 6))
		return NULL;
	char rel[66], mach[66];
	uts_field(h + 12 + 2 * 65, rel);
	uts_field(h + 12 + 4 * 65, mach);
	snprintf(buf, len, "a Linux kernel crash dump (its kdump header names the system \"Linux\", "
		 "release \"%s\", machine \"%s\", as makedumpfile writes it), not a Windows one: "
		 "read it with crash or drgn", rel, mach);
	return buf;
}

struct pm_error *pm_source_open_kdump(const char *path, struct pm_source **ret,
				     enum pm_kdump_kind *kind_ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pm_err_os(errno, "cannot open");
	kdump_ctx_t *ctx = kdump_new();
	if (!ctx) {
		close(fd);
		return &pm_enomem;
	}
	uint8_t m[0x200] = { 0 };
	char linux_what[300];
	ssize_t got = pread(fd, m, sizeof(m), 0);
	size_t mn = got > 0 ? (size_t)got : 0;
	bool diskdump = pm_is_diskdump_container(m, mn);
	bool elf = pm_is_elf_container(m, mn);
	const char *what = elf ? elf_not_a_capture(m, mn, NULL, 0)
			       : kdump_not_a_capture(m, mn, linux_what, sizeof(linux_what));
	struct pm_kd_layout lay = { 0 };
	struct pm_error *err = what ? NULL : check_file(path, &lay);
	/* read(), not mmap(): a truncated file must give an error, not SIGBUS */
	kdump_attr_t pol = { .type = KDUMP_NUMBER };
	pol.val.number = KDUMP_MMAP_NEVER;
	kdump_status s = kdump_set_attr(ctx, "file.mmap_policy", &pol);
	if (s == KDUMP_OK && !what && !err)
		s = kdump_open_fd(ctx, fd);
	kdump_num_t max_pfn = 0;
	const char *fmt = NULL;
	if (err) {
		/* the check's error names the structure and offset */
	} else if (what) {
		err = pm_err(PM_ERR_FORMAT, "%s", what);
	} else if (s != KDUMP_OK) {
		err = pm_err(PM_ERR_FORMAT, "libkdumpfile cannot open it: %s", kdump_get_err(ctx));
	} else if (kdump_get_string_attr(ctx, "file.format", &fmt) != KDUMP_OK || !fmt ||
		   (strcmp(fmt, "elf") && strcmp(fmt, "diskdump"))) {
		err = pm_err(PM_ERR_FORMAT, "libkdumpfile read it as \"%s\", not as an ELF core or a "
			     "kdump-compressed file", fmt ? fmt : "?");
	} else if (kdump_get_number_attr(ctx, "max_pfn", &max_pfn) != KDUMP_OK) {
		max_pfn = 0;
	}
	if (!err && (what = elf_not_a_capture(m, mn, ctx, max_pfn))) {
		err = pm_err(PM_ERR_FORMAT, "%s", what);
	} else if (!err && (!max_pfn || max_pfn > PM_KD_MAX_PFN)) {
		err = pm_err(PM_ERR_FORMAT, "libkdumpfile finds %s pages (max_pfn %" PRIu64 "): the "
			     "file is truncated or damaged", max_pfn ? "too many" : "no",
			     (uint64_t)max_pfn);
	}
	if (!err && !strcmp(fmt, "diskdump"))
		diskdump = true;
	struct ksrc *k = NULL;
	char *n = NULL;
	uint8_t *st = NULL;
	if (!err) {
		k = calloc(1, sizeof(*k));
		n = strdup(path);
		st = calloc((size_t)(max_pfn / 4 + 1), 1);
		if (!k || !n || !st)
			err = &pm_enomem;
	}
	if (err) {
		pm_kd_layout_free(&lay);
		free(k);
		free(n);
		free(st);
		ctx_release(ctx, diskdump);
		close(fd);
		return err;
	}
	k->base.ops = &ksrc_ops;
	k->base.size = (uint64_t)max_pfn << 12;
	k->base.name = n;
	struct stat sb;
	if (!fstat(fd, &sb))
		k->base.container_size = (uint64_t)sb.st_size;
	k->ctx = ctx;
	k->fd = fd;
	k->name = n;
	k->state = st;
	k->npages = max_pfn;
	k->diskdump = diskdump;
	map_pages(k); /* else has_page() probes page by page */
	apply_gaps(k, &lay);
	pm_kd_layout_free(&lay);
	*ret = &k->base;
	*kind_ret = diskdump ? PM_KDUMP_COMPRESSED : PM_KDUMP_ELF;
	return NULL;
}
