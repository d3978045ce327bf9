// SPDX-License-Identifier: GPL-2.0
/*
 * bench-io: disk I/O for figure 3, run inside the test guest (and, as the
 * reference, in the harness's level 1 on the image file itself). busybox
 * dd does sequential I/O only and one process per random request would
 * measure fork+exec, so this does both patterns in one process, one
 * request at a time, like dd with iflag=direct / oflag=direct.
 *
 *   bench-io FILE fill MIB
 *   bench-io FILE seqread|seqwrite|randread|randwrite BS SECONDS [MIB]
 *
 * Prints "bench-io PATTERN BS OPS SECONDS DIRECT IOPS MB/S" for the host
 * to parse (with the arithmetic done: level 1 of the harness has no awk).
 * Static, no dependencies: the guest has no libraries.
 */
#define _GNU_SOURCE	/* O_DIRECT */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

static int fill(const char *path, long mib)
{
	static char buf[1 << 20];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	long i;

	if (fd < 0) {
		perror(path);
		return 1;
	}
	memset(buf, 0x5a, sizeof(buf));
	for (i = 0; i < mib; i++)
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			perror(path);
			return 1;
		}
	return close(fd) ? 1 : 0;
}

/* O_DIRECT as dd's iflag=direct; where the file cannot (tmpfs), without. */
static int open_dev(const char *path, int flags, int *direct)
{
	int fd = open(path, flags | O_DIRECT);

	*direct = 1;
	if (fd < 0 && errno == EINVAL) {
		fd = open(path, flags);
		*direct = 0;
	}
	return fd;
}

int main(int argc, char **argv)
{
	uint64_t rng = 88172645463325252ULL, ops = 0, blocks, size, off = 0;
	int fd, direct, write_op, random_op;
	double t0, end, secs;
	long bs;
	void *buf;

	if (argc == 4 && !strcmp(argv[2], "fill"))
		return fill(argv[1], atol(argv[3]));
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: bench-io FILE fill MIB\n"
			"       bench-io FILE seqread|seqwrite|randread|randwrite BS SECONDS [MIB]\n");
		return 2;
	}
	write_op = strstr(argv[2], "write") != NULL;
	random_op = !strncmp(argv[2], "rand", 4);
	bs = atol(argv[3]);
	secs = atof(argv[4]);
	if (bs <= 0 || bs % 512 || secs <= 0) {
		fprintf(stderr, "bench-io: bad size or duration\n");
		return 2;
	}
	fd = open_dev(argv[1], write_op ? O_RDWR : O_RDONLY, &direct);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	size = (uint64_t)lseek(fd, 0, SEEK_END);
	if (argc == 6 && (uint64_t)atol(argv[5]) << 20 < size)
		size = (uint64_t)atol(argv[5]) << 20;
	blocks = size / bs;
	if (!blocks || posix_memalign(&buf, 4096, bs)) {
		fprintf(stderr, "bench-io: %s is too small\n", argv[1]);
		return 1;
	}
	memset(buf, 0xa5, bs);
	t0 = now();
	end = t0 + secs;
	do {
		ssize_t n;

		if (random_op) {
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			off = rng % blocks * bs;
		}
		n = write_op ? pwrite(fd, buf, bs, off) : pread(fd, buf, bs, off);
		if (n != bs) {
			fprintf(stderr, "bench-io: %s at %llu: %s\n", argv[2],
				(unsigned long long)off,
				n < 0 ? strerror(errno) : "short");
			return 1;
		}
		off = (off + bs) % (blocks * bs);
		ops++;
	} while ((ops & 15) || now() < end);
	secs = now() - t0;
	printf("bench-io %s %ld %llu %.4f %d %.1f %.3f\n", argv[2], bs,
	       (unsigned long long)ops, secs, direct, ops / secs,
	       ops * bs / secs / 1e6);
	return 0;
}
