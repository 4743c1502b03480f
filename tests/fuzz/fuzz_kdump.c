// SPDX-License-Identifier: MIT
// Fuzz target: the check of ELF cores and kdump-compressed files (parsers/io/kdump_check*.c),
// then, for an input it accepts, libkdumpfile itself through the source that hands it the
// file (source_kdump.c), with a few page reads: libkdumpfile must only ever see inputs whose
// structures are in range, and must not crash on them.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kdump_check.h"
#include "source_kdump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libkdumpfile reads files by descriptor: larger inputs (the generated fixtures) are checked
 * only; the fixture tests open them. */
enum { LIBKDUMPFILE_MAX = 4 << 20 };

static void through_libkdumpfile(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-kdump", MFD_CLOEXEC);
	if (fd < 0)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (write(fd, data, size) == (ssize_t)size) {
		struct pm_source *k;
		enum pm_kdump_kind kind;
		struct pm_error *e = pm_source_open_kdump(path, &k, &kind);
		if (!e) {
			uint8_t page[4096];
			uint64_t offs[3] = { 0, k->size / 2 & ~UINT64_C(4095),
					     k->size >= 4096 ? k->size - 4096 : 0 };
			for (int i = 0; i < 3; i++) {
				size_t got;
				if (k->ops->has_page)
					k->ops->has_page(k, offs[i] >> 12);
				pm_error_destroy(k->ops->read_at(k, offs[i], page, sizeof(page), &got));
			}
			pm_source_destroy(k);
		}
		pm_error_destroy(e);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!pm_is_elf_container(data, size) && !pm_is_diskdump_container(data, size))
		return 0;
	struct pm_source *src;
	if (pm_source_open_mem(data, size, "fuzz", &src))
		return 0;
	struct pm_kd_layout l;
	struct pm_error *e = pm_kd_check(src, &l);
	pm_source_destroy(src);
	if (e) {
		pm_error_destroy(e);
		return 0;
	}
	uint64_t sum = 0;
	for (size_t i = 0; i < l.ngaps; i++) {
		if (i && l.gaps[i].pfn < l.gaps[i - 1].pfn + l.gaps[i - 1].count)
			abort(); /* gaps sorted and disjoint */
		sum += l.gaps[i].count;
	}
	if (sum != l.pages_missing)
		abort();
	pm_kd_layout_free(&l);
	if (size <= LIBKDUMPFILE_MAX)
		through_libkdumpfile(data, size);
	return 0;
}
