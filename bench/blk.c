// SPDX-License-Identifier: GPL-2.0
/*
 * iovm-bench blk: figure 1. Random reads from a file in tmpfs through
 * iovm's virtio-blk device model (virtqueue walk, DMA accessor, libaio),
 * without and behind the virtio-iommu, each against plain libaio on the
 * same file with the same depth, size and offsets.
 *
 * Noise: every measurement of iovm sits between two of the reference
 * (before and after), and the ratio is taken against their mean; rounds
 * repeat the whole matrix and the report gives medians.
 */
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "blk.h"
#include "blk_rig.h"

#define FILE_BYTES	(128ULL << 20)
#define MAX_ROUNDS	9

static const struct blk_config {
	const char *name;
	unsigned int qd;
	uint32_t bs;
} configs[] = {
	{ "qd1.4k", 1, 4096 },
	{ "qd1.128k", 1, 128 << 10 },
	{ "qd32.4k", 32, 4096 },
	{ "qd32.128k", 32, 128 << 10 },
};

static const unsigned int counts[] = { 1, 1000, 65536 };

/* Variant 0 is the reference, 1 iovm without the IOMMU, then per count. */
#define NR_COUNTS	ARRAY_SIZE(counts)
#define NR_VARIANTS	(2 + 2 * NR_COUNTS)
#define V_REF		0
#define V_NOIOMMU	1
#define V_STRICT(j)	(2 + 2 * (j))
#define V_BATCHED(j)	(3 + 2 * (j))

struct sample {
	double iops, cpu_us, dev_us, ratio, cpu_ratio;
};

struct blk_bench {
	struct blk_rig plain, iommu;
	struct aio_ref ref;
	/* The reference is measured twice per group, each group per count. */
	struct sample s[ARRAY_SIZE(configs)][NR_VARIANTS][2 * NR_COUNTS * MAX_ROUNDS];
	unsigned int n[ARRAY_SIZE(configs)][NR_VARIANTS];
	unsigned int rounds;
	double seconds;
	uint64_t errors;
};

static void variant_name(unsigned int v, char *buf, size_t len)
{
	if (v == V_REF)
		snprintf(buf, len, "ref");
	else if (v == V_NOIOMMU)
		snprintf(buf, len, "noiommu");
	else
		snprintf(buf, len, "%s.m%u", (v & 1) ? "batch" : "strict",
			 counts[(v - 2) / 2]);
}

static struct sample to_sample(const struct blk_stats *st)
{
	struct sample s = { 0 };

	if (!st->requests || st->wall <= 0)
		return s;
	s.iops = st->requests / st->wall;
	s.cpu_us = st->cpu / st->requests * 1e6;
	s.dev_us = st->dev_cpu / st->requests * 1e6;
	return s;
}

static void record(struct blk_bench *b, unsigned int c, unsigned int v,
		   const struct blk_stats *st, const struct sample *ref)
{
	struct sample s = to_sample(st);

	b->errors += st->errors;
	s.ratio = ref->iops > 0 ? s.iops / ref->iops : 0;
	/*
	 * iovm's host CPU is its device threads'; the driver's share stands
	 * for the guest's vCPU, which a real guest pays for itself.
	 */
	s.cpu_ratio = ref->cpu_us > 0 ? s.dev_us / ref->cpu_us : 0;
	b->s[c][v][b->n[c][v]++] = s;
	if (bench_verbose) {
		char name[32];

		variant_name(v, name, sizeof(name));
		fprintf(stderr, "  %-9s %-14s %9.0f IOPS (ref %9.0f) ratio %.3f, CPU %.1f us/req (ref %.1f, device threads %.1f)\n",
			configs[c].name, name, s.iops, ref->iops, s.ratio,
			s.cpu_us, ref->cpu_us, s.dev_us);
	}
}

static void run_ref(struct blk_bench *b, const struct blk_load *l,
		    struct blk_stats *st)
{
	aio_ref_run(&b->ref, l, st);
	b->errors += st->errors;
}

/*
 * One group: the reference, the variants, the reference again; iovm is
 * compared with the mean of the two references around it. Odd rounds run
 * the variants in reverse, so that none always comes right after another.
 */
static void run_group(struct blk_bench *b, unsigned int c, unsigned int j,
		      unsigned int round)
{
	struct blk_load l = {
		.qd = configs[c].qd, .bs = configs[c].bs,
		.file_bytes = FILE_BYTES, .seconds = b->seconds,
		.seed = 0x1234567ULL + round,
	};
	static const enum rig_mode modes[] = {
		RIG_NO_IOMMU, RIG_STRICT, RIG_BATCHED,
	};
	struct blk_stats r0, r1, st[ARRAY_SIZE(modes)];
	struct sample ref, s0, s1;
	unsigned int k, i;

	run_ref(b, &l, &r0);
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		i = round & 1 ? ARRAY_SIZE(modes) - 1 - k : k;
		/* Without the IOMMU the mapping count changes nothing. */
		if (modes[i] == RIG_NO_IOMMU && j)
			continue;
		blk_rig_run(modes[i] == RIG_NO_IOMMU ? &b->plain : &b->iommu,
			    modes[i], &l, &st[i]);
	}
	run_ref(b, &l, &r1);

	s0 = to_sample(&r0);
	s1 = to_sample(&r1);
	ref.iops = (s0.iops + s1.iops) / 2;
	ref.cpu_us = (s0.cpu_us + s1.cpu_us) / 2;
	s0.ratio = s0.cpu_ratio = s1.ratio = s1.cpu_ratio = 1;
	b->s[c][V_REF][b->n[c][V_REF]++] = s0;
	b->s[c][V_REF][b->n[c][V_REF]++] = s1;
	if (j == 0)
		record(b, c, V_NOIOMMU, &st[0], &ref);
	record(b, c, V_STRICT(j), &st[1], &ref);
	record(b, c, V_BATCHED(j), &st[2], &ref);
}

static double med(struct blk_bench *b, unsigned int c, unsigned int v,
		  size_t field)
{
	double vals[2 * NR_COUNTS * MAX_ROUNDS];
	unsigned int i;

	for (i = 0; i < b->n[c][v]; i++)
		vals[i] = *(double *)((char *)&b->s[c][v][i] + field);
	return median(vals, b->n[c][v]);
}

static void report(struct blk_bench *b)
{
	unsigned int c, v;
	char name[32];

	for (c = 0; c < ARRAY_SIZE(configs); c++) {
		for (v = 0; v < NR_VARIANTS; v++) {
			double iops = med(b, c, v, offsetof(struct sample, iops));

			if (!b->n[c][v])
				continue;
			variant_name(v, name, sizeof(name));
			resultf(iops, "f1.%s.%s.iops", configs[c].name, name);
			resultf(iops * configs[c].bs / 1e6, "f1.%s.%s.mbps",
				configs[c].name, name);
			resultf(med(b, c, v, offsetof(struct sample, cpu_us)),
				"f1.%s.%s.cpu_us", configs[c].name, name);
			if (v != V_REF) {
				resultf(med(b, c, v, offsetof(struct sample, dev_us)),
					"f1.%s.%s.dev_us", configs[c].name, name);
				resultf(med(b, c, v, offsetof(struct sample, ratio)),
					"f1.%s.%s.ratio", configs[c].name, name);
				resultf(med(b, c, v, offsetof(struct sample, cpu_ratio)),
					"f1.%s.%s.cpu_ratio", configs[c].name, name);
			}
		}
	}
}

static int set_others(struct blk_bench *b, unsigned int n)
{
	int err = blk_rig_set_others(&b->iommu, n);

	if (err)
		fprintf(stderr, "iovm-bench: cannot set up %u mappings\n", n);
	return err;
}

/*
 * Under callgrind: one variant (--variant NAME, as in the result keys) at
 * QD32, 4 KiB, for a fixed number of requests, with instrumentation on
 * only while they run. Callgrind dumps each thread apart at exit, so the
 * device threads' instructions for exactly these requests can be told
 * from the driver's (bench/callgrind.sh reads them).
 */
static int run_callgrind(struct blk_bench *b, const char *variant,
			 uint64_t requests)
{
	struct blk_load l = { .qd = 32, .bs = 4096, .file_bytes = FILE_BYTES,
			      .requests = requests, .seed = 1 };
	struct blk_rig *rig = &b->iommu;
	enum rig_mode mode;
	unsigned int m = 0;
	struct blk_stats st;

	if (!strcmp(variant, "noiommu")) {
		rig = &b->plain;
		mode = RIG_NO_IOMMU;
	} else if (sscanf(variant, "strict.m%u", &m) == 1) {
		mode = RIG_STRICT;
	} else if (sscanf(variant, "batch.m%u", &m) == 1) {
		mode = RIG_BATCHED;
	} else {
		fprintf(stderr, "iovm-bench: unknown variant %s\n", variant);
		return -EINVAL;
	}
	if (m && set_others(b, m))
		return -EIO;
	CALLGRIND_START_INSTRUMENTATION;
	blk_rig_run(rig, mode, &l, &st);
	CALLGRIND_STOP_INSTRUMENTATION;
	b->errors += st.errors;
	resultf((double)st.requests, "cg.f1.qd32.4k.%s.requests", variant);
	return 0;
}

static int run_matrix(struct blk_bench *b)
{
	unsigned int r, j, c;

	for (r = 0; r < b->rounds; r++) {
		for (j = 0; j < NR_COUNTS; j++) {
			if (set_others(b, counts[j]))
				return -EIO;
			for (c = 0; c < ARRAY_SIZE(configs); c++)
				run_group(b, c, j, r);
		}
		fprintf(stderr, "iovm-bench: blk: round %u of %u done\n", r + 1,
			b->rounds);
	}
	report(b);
	return 0;
}

int bench_blk(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "requests", required_argument, NULL, 'n' },
		{ "variant", required_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	static struct blk_bench b;
	const char *variant = "noiommu";
	uint64_t requests = 2000;
	char path[64];
	int opt, err;

	b.rounds = bench_quick ? 1 : 5;
	b.seconds = bench_quick ? 0.05 : 0.1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			b.rounds = (unsigned int)atoi(optarg);
			break;
		case 's':
			b.seconds = atof(optarg);
			break;
		case 'n':
			requests = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			variant = optarg;
			break;
		default:
			return 2;
		}
	}
	if (!b.rounds || b.rounds > MAX_ROUNDS || b.seconds <= 0) {
		fprintf(stderr, "iovm-bench blk: --rounds 1..%d, --seconds > 0\n",
			MAX_ROUNDS);
		return 2;
	}
	err = shm_file(path, sizeof(path), "blk", FILE_BYTES);
	if (err) {
		fprintf(stderr, "iovm-bench: cannot create %s: %s\n", path,
			strerror(-err));
		return 1;
	}
	err = blk_rig_init(&b.plain, path, false);
	if (!err)
		err = blk_rig_init(&b.iommu, path, true);
	if (!err)
		err = aio_ref_init(&b.ref, path);
	/* Everyone has it open: no file is left behind, whatever happens. */
	unlink(path);
	if (err) {
		fprintf(stderr, "iovm-bench: set-up failed: %s\n", strerror(-err));
		return 1;
	}
	err = bench_callgrind ? run_callgrind(&b, variant, requests) :
				run_matrix(&b);
	blk_rig_destroy(&b.plain);
	blk_rig_destroy(&b.iommu);
	if (b.errors) {
		fprintf(stderr, "iovm-bench: blk: %llu requests failed\n",
			(unsigned long long)b.errors);
		return 1;
	}
	return err ? 1 : 0;
}
