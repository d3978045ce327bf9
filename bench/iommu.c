// SPDX-License-Identifier: GPL-2.0
/*
 * iovm-bench iommu: figure 2. The virtio-iommu's request handling and
 * translation, on a struct viommu_state of our own (no device, no thread)
 * so that nothing but the model is measured: MAP+UNMAP pairs through
 * viommu_request(), and viommu_translate() with a warm IOTLB (the same
 * mapping again) and a cold one (a different mapping each time), with
 * 1, 1,000 and 65,536 other live mappings in the domain. Then the same
 * pairs through the device's request queue, to show what the transport
 * adds.
 *
 * The targets are absolute (20 ns, 2 M pairs/s), so the report compares
 * against them; the best of several trials is the figure, because on a
 * shared machine interference only ever makes a trial slower.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../iommu/state.h"
#include "bench.h"
#include "blk_rig.h"
#include "iommu_drv.h"

#define DOMAIN		1
#define RAM_BYTES	(1ULL << 20)
#define IOVA_TEST	0xf0000000ULL	/* a 128 KiB buffer */
#define TEST_BYTES	(128ULL << 10)
#define IOVA_PAIRS	0xf1000000ULL	/* 32 buffers 256 KiB apart */
#define PAIR_STRIDE	0x40000ULL
#define IOVA_OTHERS	0x100000000ULL
#define OTHER_STRIDE	0x2000ULL
#define COLD_SEQ	4096		/* lookups before the sequence repeats */
#define QUEUE_BATCH	64		/* pairs per kick through the queue */

static const unsigned int counts[] = { 1, 1000, 65536 };

struct iommu_bench {
	struct viommu_state st;
	struct viommu_endpoint *ep;
	unsigned int others;
	uint8_t *ram;
	struct guest_mem mem;
	struct dma_space ident, xlate;
	uint64_t cold[COLD_SEQ];
	unsigned int trials, passes;
	uint64_t pairs, lookups;
	/* Seconds per operation, the best over all trials of all passes. */
	double best[ARRAY_SIZE(counts)][3], dma_ident, dma_warm;
};

static int request(struct iommu_bench *b, const struct iommu_req *r)
{
	uint8_t st = iommu_req_direct(&b->st, r);

	if (st != VIRTIO_IOMMU_S_OK) {
		fprintf(stderr, "iovm-bench: iommu request type %u failed: %u\n",
			r->bytes[0], st);
		return -EIO;
	}
	return 0;
}

static uint64_t other_iova(unsigned int i)
{
	return IOVA_OTHERS + i * OTHER_STRIDE;
}

static int set_others(struct iommu_bench *b, unsigned int n)
{
	struct iommu_req r;
	int err = 0;

	if (n < b->others) {
		/* One UNMAP takes them all: none straddles its ends. */
		iommu_req_unmap(&r, DOMAIN, other_iova(n),
				(b->others - n) * OTHER_STRIDE);
		err = request(b, &r);
		b->others = n;
	}
	for (; b->others < n && !err; b->others++) {
		/* Their targets lie in RAM too, for dma_map() through them. */
		iommu_req_map(&r, DOMAIN, other_iova(b->others), 4096,
			      0x20000 + (b->others % 128) * 4096ULL,
			      MAP_READ | MAP_WRITE);
		err = request(b, &r);
	}
	return err;
}

static int setup(struct iommu_bench *b)
{
	struct iommu_req r;
	int id, err;

	viommu_state_init(&b->st);
	id = viommu_state_add_endpoint(&b->st, "bench");
	if (id < 0)
		return id;
	b->ep = &b->st.endpoints[id];
	iommu_req_attach(&r, DOMAIN, (uint32_t)id);
	err = request(b, &r);
	if (err)
		return err;
	iommu_req_map(&r, DOMAIN, IOVA_TEST, TEST_BYTES, 0, MAP_READ | MAP_WRITE);
	err = request(b, &r);
	if (err)
		return err;

	b->ram = calloc(1, RAM_BYTES);
	if (!b->ram)
		return -ENOMEM;
	guest_mem_wrap(&b->mem, b->ram, RAM_BYTES);
	dma_space_identity(&b->ident, &b->mem);
	b->xlate = (struct dma_space){
		.mem = &b->mem, .translate = viommu_translate,
		.hold = viommu_hold, .record = viommu_record,
		.release = viommu_release, .opaque = b->ep,
	};
	return 0;
}

/*
 * Lookups that never hit the one-entry IOTLB: each goes to another
 * mapping than the last, picked at random among all live ones.
 */
static void make_cold(struct iommu_bench *b)
{
	uint64_t rng = 42, prev = ~0ULL;
	unsigned int i, live = b->others + 1;

	for (i = 0; i < COLD_SEQ; i++) {
		uint64_t pick, iova;

		do {
			pick = rng_next(&rng) % live;
			iova = pick == b->others ? IOVA_TEST : other_iova(pick);
		} while (iova == prev);
		b->cold[i] = iova + (rng_next(&rng) % 4096 & ~63ULL);
		prev = iova;
	}
}

/* ---- the measured loops (noinline: they are what a profile shows) ---- */

static __attribute__((noinline)) int pairs_loop(struct iommu_bench *b,
						uint64_t n)
{
	struct iommu_req map, unmap;
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t iova = IOVA_PAIRS + (i % 32) * PAIR_STRIDE;

		iommu_req_map(&map, DOMAIN, iova, 4096, 0x10000,
			      MAP_READ | MAP_WRITE);
		iommu_req_unmap(&unmap, DOMAIN, iova, 4096);
		if (iommu_req_direct(&b->st, &map) ||
		    iommu_req_direct(&b->st, &unmap))
			return -EIO;
	}
	return 0;
}

static __attribute__((noinline)) int warm_loop(struct iommu_bench *b,
					       uint64_t n)
{
	uint64_t i, gpa, contig, sum = 0;

	for (i = 0; i < n; i++) {
		if (viommu_translate(b->ep, IOVA_TEST + (i & 31) * 4096, 4096,
				     DMA_TO_GUEST, &gpa, &contig))
			return -EIO;
		sum += gpa;
	}
	return sum == 1 ? 1 : 0;	/* keeps the loop from being elided */
}

static __attribute__((noinline)) int cold_loop(struct iommu_bench *b,
					       uint64_t n)
{
	uint64_t i, gpa, contig, sum = 0;

	for (i = 0; i < n; i++) {
		if (viommu_translate(b->ep, b->cold[i % COLD_SEQ], 64,
				     DMA_FROM_GUEST, &gpa, &contig))
			return -EIO;
		sum += gpa;
	}
	return sum == 1 ? 1 : 0;
}

static __attribute__((noinline)) int dma_loop(const struct dma_space *s,
					      uint64_t base, uint64_t n)
{
	struct iovec iov[2];
	uint64_t i;

	for (i = 0; i < n; i++)
		if (dma_map(s, base + (i & 31) * 4096, 4096, DMA_TO_GUEST, iov,
			    2) != 1)
			return -EIO;
	return 0;
}

enum loop { L_PAIRS, L_WARM, L_COLD, L_DMA_IDENT, L_DMA_XLATE };

static int run_loop(struct iommu_bench *b, enum loop which, uint64_t n)
{
	switch (which) {
	case L_PAIRS:
		return pairs_loop(b, n);
	case L_WARM:
		return warm_loop(b, n);
	case L_COLD:
		return cold_loop(b, n);
	case L_DMA_IDENT:
		return dma_loop(&b->ident, 0, n);
	case L_DMA_XLATE:
		return dma_loop(&b->xlate, IOVA_TEST, n);
	}
	return -EINVAL;
}

/* Seconds per iteration, the best of the trials. */
static double timed(struct iommu_bench *b, enum loop which, uint64_t n)
{
	double t[16];	/* --trials is at most 16 */
	unsigned int i;

	run_loop(b, which, n / 10);	/* warm caches and the IOTLB */
	for (i = 0; i < b->trials; i++) {
		double t0 = now_s();

		if (run_loop(b, which, n)) {
			fprintf(stderr, "iovm-bench: iommu loop %d failed\n", which);
			exit(1);
		}
		t[i] = (now_s() - t0) / n;
	}
	return best_min(t, b->trials);
}

static void counted(struct iommu_bench *b, enum loop which, uint64_t n,
		    const char *name)
{
	char desc[96];

	run_loop(b, which, n / 10);
	snprintf(desc, sizeof(desc), "%s %llu", name, (unsigned long long)n);
	CALLGRIND_START_INSTRUMENTATION;
	CALLGRIND_ZERO_STATS;
	run_loop(b, which, n);
	CALLGRIND_DUMP_STATS_AT(desc);
	CALLGRIND_STOP_INSTRUMENTATION;
}

static double min2(double a, double b)
{
	return a < b ? a : b;
}

/* Count @j of counts[]: instructions under callgrind, else the best time. */
static void measure(struct iommu_bench *b, unsigned int j)
{
	unsigned int m = counts[j];
	char name[64];

	make_cold(b);
	if (bench_callgrind) {
		snprintf(name, sizeof(name), "f2.pair.m%u", m);
		counted(b, L_PAIRS, b->pairs, name);
		snprintf(name, sizeof(name), "f2.warm.m%u", m);
		counted(b, L_WARM, b->lookups, name);
		snprintf(name, sizeof(name), "f2.cold.m%u", m);
		counted(b, L_COLD, b->lookups, name);
		if (j == 0) {
			counted(b, L_DMA_IDENT, b->lookups, "f2.dma_ident");
			counted(b, L_DMA_XLATE, b->lookups, "f2.dma_warm");
		}
		return;
	}
	b->best[j][0] = min2(b->best[j][0], timed(b, L_PAIRS, b->pairs));
	b->best[j][1] = min2(b->best[j][1], timed(b, L_WARM, b->lookups));
	b->best[j][2] = min2(b->best[j][2], timed(b, L_COLD, b->lookups));
	if (j == 0) {
		b->dma_ident = min2(b->dma_ident,
				    timed(b, L_DMA_IDENT, b->lookups));
		b->dma_warm = min2(b->dma_warm, timed(b, L_DMA_XLATE, b->lookups));
	}
}

/*
 * The whole sequence several times over (mappings built up, then torn
 * down): a burst of other work on the machine then spoils one pass's
 * trials, not every trial of one figure.
 */
static int measure_all(struct iommu_bench *b)
{
	unsigned int pass, j;
	int err = 0;

	for (j = 0; j < ARRAY_SIZE(counts); j++)
		b->best[j][0] = b->best[j][1] = b->best[j][2] = 1e9;
	b->dma_ident = b->dma_warm = 1e9;
	for (pass = 0; pass < b->passes && !err; pass++) {
		for (j = 0; j < ARRAY_SIZE(counts) && !err; j++) {
			err = set_others(b, counts[j]);
			if (!err)
				measure(b, j);
		}
		if (!err)
			err = set_others(b, 0);
	}
	if (err || bench_callgrind)
		return err;
	for (j = 0; j < ARRAY_SIZE(counts); j++) {
		resultf(1 / b->best[j][0], "f2.pairs.m%u", counts[j]);
		resultf(b->best[j][1] * 1e9, "f2.warm_ns.m%u", counts[j]);
		resultf(b->best[j][2] * 1e9, "f2.cold_ns.m%u", counts[j]);
	}
	result("f2.dma_ident_ns", b->dma_ident * 1e9);
	result("f2.dma_warm_ns", b->dma_warm * 1e9);
	return 0;
}

/* MAP+UNMAP pairs through the device's request queue, per second. */
static double queue_pairs(struct blk_rig *r, unsigned int batch, uint64_t n)
{
	struct iommu_req q;
	double t0 = now_s();
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t iova = IOVA_PAIRS + (i % 32) * PAIR_STRIDE;

		iommu_req_map(&q, DOMAIN, iova, 4096, 0x10000,
			      MAP_READ | MAP_WRITE);
		iommu_drv_queue(&r->idrv, &q);
		iommu_req_unmap(&q, DOMAIN, iova, 4096);
		iommu_drv_queue(&r->idrv, &q);
		if ((i + 1) % batch == 0 && iommu_drv_flush(&r->idrv))
			return 0;
	}
	if (iommu_drv_flush(&r->idrv))
		return 0;
	return n / (now_s() - t0);
}

static int measure_queue(struct iommu_bench *b)
{
	static struct blk_rig r;
	double batched[16], sync[16];
	uint64_t n = b->pairs / 10;
	unsigned int i;
	char path[64];
	int err;

	err = shm_file(path, sizeof(path), "iommu", 1 << 20);
	if (err)
		return err;
	err = blk_rig_init(&r, path, true);
	unlink(path);
	if (!err)
		err = blk_rig_set_others(&r, counts[0]);
	for (i = 0; i < b->trials && !err; i++) {
		batched[i] = queue_pairs(&r, QUEUE_BATCH, n);
		sync[i] = queue_pairs(&r, 1, n / 10);
		if (!batched[i] || !sync[i])
			err = -EIO;
	}
	if (!err) {
		/* Best = the highest rate: negate for best_min(). */
		for (i = 0; i < b->trials; i++) {
			batched[i] = -batched[i];
			sync[i] = -sync[i];
		}
		resultf(-best_min(batched, b->trials), "f2.queue_pairs.m%u",
			counts[0]);
		resultf(-best_min(sync, b->trials), "f2.queue_sync_pairs.m%u",
			counts[0]);
	}
	blk_rig_destroy(&r);
	return err;
}

int bench_iommu(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "trials", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	static struct iommu_bench b;
	int opt, err;

	b.trials = bench_quick ? 2 : 5;
	b.passes = bench_quick || bench_callgrind ? 1 : 3;
	b.pairs = bench_callgrind ? 20000 : bench_quick ? 20000 : 50000;
	b.lookups = bench_callgrind ? 100000 : bench_quick ? 100000 : 200000;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			b.trials = (unsigned int)atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (!b.trials || b.trials > 16) {
		fprintf(stderr, "iovm-bench iommu: --trials 1..16\n");
		return 2;
	}
	err = setup(&b);
	if (!err)
		err = measure_all(&b);
	if (!err && !bench_callgrind)
		err = measure_queue(&b);
	if (err) {
		fprintf(stderr, "iovm-bench: iommu: %s\n", strerror(-err));
		return 1;
	}
	viommu_state_destroy(&b.st);
	free(b.ram);
	return 0;
}
