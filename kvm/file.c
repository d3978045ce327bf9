// SPDX-License-Identifier: GPL-2.0
/* Reading the user's input files (kernels, initrds) whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "kvm.h"

int file_read_all(const char *what, const char *path, uint64_t max,
		  uint8_t **out, size_t *out_len)
{
	struct stat st;
	uint8_t *buf;
	size_t done = 0;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("%s %s: %s", what, path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		pr_err("%s %s: not a regular file", what, path);
		close(fd);
		return -EINVAL;
	}
	if ((uint64_t)st.st_size > max || !st.st_size) {
		pr_err("%s %s: size %lld bytes is not plausible for a %s",
		       what, path, (long long)st.st_size, what);
		close(fd);
		return -EFBIG;
	}
	buf = malloc(st.st_size);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n <= 0) {
			err = n ? -errno : -EIO;
			pr_err("%s %s: read failed: %s", what, path,
			       strerror(-err));
			free(buf);
			close(fd);
			return err;
		}
		done += n;
	}
	close(fd);
	*out = buf;
	*out_len = done;
	return 0;
}

