// SPDX-License-Identifier: GPL-2.0
/*
 * iovm-bench: the in-process benchmarks behind `make bench`.
 *
 *   iovm-bench [--quick] [--callgrind] [--verbose] blk [--rounds N] [--seconds S] [--requests N]
 *   iovm-bench [--quick] [--callgrind] [--verbose] iommu [--trials N]
 *   iovm-bench stub-kernel FILE
 *
 * --callgrind: run fixed, small workloads and dump callgrind statistics
 * around each (run it under valgrind --tool=callgrind --instr-atstart=no;
 * bench/callgrind.sh does). --quick: one short round, to check the bench.
 * --verbose: every measurement on stderr, not only the medians.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: iovm-bench [--quick] [--callgrind] [--verbose] blk|iommu [OPTIONS]\n"
		"       iovm-bench stub-kernel FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	int i = 1;

	/* Results piped into a reader that quit must not kill a device thread. */
	signal(SIGPIPE, SIG_IGN);
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--quick"))
			bench_quick = true;
		else if (!strcmp(argv[i], "--callgrind"))
			bench_callgrind = true;
		else if (!strcmp(argv[i], "--verbose"))
			bench_verbose = true;
		else
			return usage();
	}
	if (i >= argc)
		return usage();
	if (!strcmp(argv[i], "blk"))
		return bench_blk(argc - i, argv + i);
	if (!strcmp(argv[i], "iommu"))
		return bench_iommu(argc - i, argv + i);
	if (!strcmp(argv[i], "stub-kernel"))
		return bench_stub_kernel(argc - i, argv + i);
	return usage();
}
