/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Figure 1: iovm's virtio-blk path against plain libaio on the same file,
 * with the same queue depth, request size and offsets.
 */
#ifndef IOVM_BENCH_BLK_H
#define IOVM_BENCH_BLK_H

#include <libaio.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"

#define BLK_MAX_QD	32
#define BLK_MAX_BS	(128U << 10)

/* One measurement: random reads of @bs bytes, @qd in flight. */
struct blk_load {
	unsigned int qd;
	uint32_t bs;
	uint64_t file_bytes;
	double seconds;		/* run this long (0: use @requests) */
	uint64_t requests;	/* or complete exactly this many */
	uint64_t seed;
};

struct blk_stats {
	uint64_t requests, errors;
	double wall, cpu, dev_cpu;	/* seconds */
};

/* The next request's offset in sectors, aligned to its size. */
static inline uint64_t blk_load_sector(const struct blk_load *l,
				       uint64_t *rng)
{
	uint64_t blocks = l->file_bytes / l->bs;

	return (rng_next(rng) % blocks) * (l->bs / 512);
}

static inline bool blk_load_more(const struct blk_load *l, uint64_t issued,
				 double deadline)
{
	return l->seconds > 0 ? now_s() < deadline : issued < l->requests;
}

/* The reference: io_submit/io_getevents on the file, nothing else. */
struct aio_ref {
	int fd;
	io_context_t ctx;
	uint8_t *buf;
	struct iocb iocbs[BLK_MAX_QD];
};

int aio_ref_init(struct aio_ref *a, const char *path);
void aio_ref_run(struct aio_ref *a, const struct blk_load *l,
		 struct blk_stats *st);

#endif
