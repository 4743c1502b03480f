// SPDX-License-Identifier: MIT
// Reading a whole text file with a size limit, allocating what it holds.
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_io.h"

enum { PM_CLI_READ_FIRST = 64 << 10 };

struct pm_error *pm_cli_read_file(const char *path, size_t limit, char **text_ret,
				  size_t *len_ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pm_err_os(errno, "%s", path);
	struct stat st;
	size_t cap = PM_CLI_READ_FIRST;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > limit) {
			close(fd);
			return pm_err(PM_ERR_LIMIT, "%s: %lld bytes, over the limit of %zu", path,
				      (long long)st.st_size, limit);
		}
		cap = (size_t)st.st_size + 1; /* one more byte to see EOF in one read */
	}
	char *buf = NULL;
	size_t len = 0;
	struct pm_error *err = NULL;
	for (;;) {
		if (len == cap || !buf) {
			size_t ncap = buf ? cap * 2 : cap;
			if (ncap > limit + 1)
				ncap = limit + 1;
			char *nb = ncap > len ? realloc(buf, ncap + 1) : NULL;
			if (!nb) {
				err = ncap > len ? &pm_enomem
						 : pm_err(PM_ERR_LIMIT, "%s: over the limit of %zu bytes",
							  path, limit);
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = pm_err_os(errno, "%s", path);
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > limit) {
			err = pm_err(PM_ERR_LIMIT, "%s: over the limit of %zu bytes", path, limit);
			break;
		}
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	buf[len] = 0;
	*text_ret = buf;
	if (len_ret)
		*len_ret = len;
	return NULL;
}
