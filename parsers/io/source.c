// SPDX-License-Identifier: MIT
// L0 sources: a file read with pread(), and an in-memory buffer.
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source.h"

struct file_source {
	struct pm_source base;
	int fd;
	char *path;
};

static struct pm_error *file_read_at(struct pm_source *src, uint64_t off, void *buf, size_t len,
				     size_t *got_ret)
{
	struct file_source *fs = (struct file_source *)src;
	size_t got = 0;
	while (got < len) {
		if (off + got >= src->size)
			break;
		ssize_t n = pread(fs->fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pm_err_os(errno, "reading %zu bytes at file offset %#" PRIx64,
					 len - got, off + got);
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*got_ret = got;
	return NULL;
}

static void file_destroy(struct pm_source *src)
{
	struct file_source *fs = (struct file_source *)src;
	close(fs->fd);
	free(fs->path);
	free(fs);
}

static const struct pm_source_ops file_ops = { "file", file_read_at, file_destroy, NULL };

struct pm_error *pm_source_open_file(const char *path, struct pm_source **ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pm_err_os(errno, "cannot open");
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return pm_err_os(e, "cannot stat");
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		close(fd);
		return pm_err(PM_ERR_UNSUPPORTED, "not a regular file");
	}
	struct file_source *fs = calloc(1, sizeof(*fs));
	char *p = strdup(path);
	if (!fs || !p) {
		free(fs);
		free(p);
		close(fd);
		return &pm_enomem;
	}
	fs->base.ops = &file_ops;
	fs->base.size = (uint64_t)st.st_size;
	if (S_ISBLK(st.st_mode)) {
		off_t end = lseek(fd, 0, SEEK_END);
		fs->base.size = end > 0 ? (uint64_t)end : 0;
	}
	fs->base.name = p;
	fs->fd = fd;
	fs->path = p;
	*ret = &fs->base;
	return NULL;
}

struct mem_source {
	struct pm_source base;
	const uint8_t *buf;
	char *name;
};

static struct pm_error *mem_read_at(struct pm_source *src, uint64_t off, void *buf, size_t len,
				    size_t *got_ret)
{
	struct mem_source *ms = (struct mem_source *)src;
	size_t got = 0;
	if (off < src->size) {
		uint64_t avail = src->size - off;
		got = avail < len ? (size_t)avail : len;
		memcpy(buf, ms->buf + off, got);
	}
	*got_ret = got;
	return NULL;
}

static void mem_destroy(struct pm_source *src)
{
	struct mem_source *ms = (struct mem_source *)src;
	free(ms->name);
	free(ms);
}

static const struct pm_source_ops mem_ops = { "mem", mem_read_at, mem_destroy, NULL };

struct pm_error *pm_source_open_mem(const void *buf, size_t len, const char *name,
				    struct pm_source **ret)
{
	struct mem_source *ms = calloc(1, sizeof(*ms));
	char *n = strdup(name ? name : "(memory)");
	if (!ms || !n) {
		free(ms);
		free(n);
		return &pm_enomem;
	}
	ms->base.ops = &mem_ops;
	ms->base.size = len;
	ms->base.name = n;
	ms->buf = buf;
	ms->name = n;
	*ret = &ms->base;
	return NULL;
}

void pm_source_destroy(struct pm_source *src)
{
	if (src)
		src->ops->destroy(src);
}

struct pm_error *pm_source_read_exact(struct pm_source *src, uint64_t off, void *buf, size_t len,
				      const char *what)
{
	size_t got;
	PM_TRY(src->ops->read_at(src, off, buf, len, &got));
	if (got < len)
		return pm_err(PM_ERR_TRUNCATED,
			      "%s at file offset %#" PRIx64 ": need %zu bytes, file ends at %#" PRIx64,
			      what, off, len, src->size);
	return NULL;
}
