// SPDX-License-Identifier: GPL-2.0
/*
 * The reference for figure 1: what the same reads cost with libaio alone,
 * from one thread, on the same file (opened the way iovm opens a disk).
 * iovm can at best match it: it ends in the same io_submit().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "bench.h"
#include "blk.h"

int aio_ref_init(struct aio_ref *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->fd = open(path, O_RDWR | O_CLOEXEC);
	if (a->fd < 0)
		return -errno;
	if (io_setup(BLK_MAX_QD, &a->ctx))
		return -ENOMEM;
	if (posix_memalign((void **)&a->buf, 4096,
			   (size_t)BLK_MAX_QD * BLK_MAX_BS))
		return -ENOMEM;
	memset(a->buf, 0, (size_t)BLK_MAX_QD * BLK_MAX_BS);
	return 0;
}

/* iovm hands libaio an iovec too (the guest's buffers): so do we. */
static void prep(struct aio_ref *a, unsigned int i, const struct blk_load *l,
		 uint64_t *rng, struct iovec *iov)
{
	iov->iov_base = a->buf + (size_t)i * BLK_MAX_BS;
	iov->iov_len = l->bs;
	io_prep_preadv(&a->iocbs[i], a->fd, iov, 1,
		       blk_load_sector(l, rng) * 512);
	a->iocbs[i].data = (void *)(uintptr_t)i;
}

static void submit(struct aio_ref *a, struct iocb **batch, int n)
{
	int done = 0, ret;

	while (done < n) {
		ret = io_submit(a->ctx, n - done, batch + done);
		if (ret > 0) {
			done += ret;
		} else if (ret != -EAGAIN && ret != -EINTR) {
			fprintf(stderr, "iovm-bench: io_submit: %s\n",
				strerror(-ret));
			exit(1);
		}
	}
}

void aio_ref_run(struct aio_ref *a, const struct blk_load *l,
		 struct blk_stats *st)
{
	struct iovec iov[BLK_MAX_QD];
	struct iocb *batch[BLK_MAX_QD];
	struct io_event ev[BLK_MAX_QD];
	uint64_t rng = l->seed, issued = 0;
	unsigned int inflight = 0, i;
	double t0 = now_s(), deadline = t0 + l->seconds;
	double cpu0 = process_cpu_s();
	int n;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < l->qd; i++) {
		prep(a, i, l, &rng, &iov[i]);
		batch[i] = &a->iocbs[i];
	}
	submit(a, batch, l->qd);
	inflight = issued = l->qd;
	while (inflight) {
		int k = 0;

		n = io_getevents(a->ctx, 1, BLK_MAX_QD, ev, NULL);
		if (n < 0) {
			if (n == -EINTR)
				continue;
			fprintf(stderr, "iovm-bench: io_getevents: %s\n",
				strerror(-n));
			exit(1);
		}
		inflight -= n;
		st->requests += n;
		for (i = 0; i < (unsigned int)n; i++) {
			unsigned int slot = (uintptr_t)ev[i].data;

			if ((long)ev[i].res != (long)l->bs)
				st->errors++;
			if (!blk_load_more(l, issued, deadline))
				continue;
			prep(a, slot, l, &rng, &iov[slot]);
			batch[k++] = &a->iocbs[slot];
			issued++;
		}
		if (k) {
			submit(a, batch, k);
			inflight += k;
		}
	}
	st->wall = now_s() - t0;
	st->cpu = process_cpu_s() - cpu0;
}
