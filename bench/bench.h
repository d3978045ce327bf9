/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iovm-bench: drives iovm's device model from inside the process, as a
 * guest driver would, and measures it against a reference measured in the
 * same run. These machines are shared and noisy, so every figure comes
 * with its reference and the ratio of the two; absolute numbers are only
 * context.
 *
 * Results go to stdout as "result KEY VALUE" lines; bench/report.sh turns
 * them into the table and compares the ratios with bench/baseline.txt.
 */
#ifndef IOVM_BENCH_H
#define IOVM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif

#ifndef BENCH_HAVE_CALLGRIND
#define RUNNING_ON_VALGRIND		0
#define CALLGRIND_ZERO_STATS		do { } while (0)
#define CALLGRIND_DUMP_STATS_AT(s)	do { (void)(s); } while (0)
#define CALLGRIND_START_INSTRUMENTATION	do { } while (0)
#define CALLGRIND_STOP_INSTRUMENTATION	do { } while (0)
#endif

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- util.c ---- */

double now_s(void);
/* CPU time of the whole process (all threads, user + system), seconds. */
double process_cpu_s(void);

/*
 * CPU clocks of the threads a device started, found by the thread IDs
 * that appear in /proc/self/task while it starts: iovm does not name or
 * expose its device threads, and the bench must not need it to.
 */
struct thread_set {
	int tids[8];
	unsigned int nr;
};

void thread_set_snapshot(struct thread_set *s);
/* Threads in @after that are not in @before, appended to @out. */
void thread_set_new(const struct thread_set *before,
		    const struct thread_set *after, struct thread_set *out);
double thread_set_cpu_s(const struct thread_set *s);

/* A small deterministic generator: ref and iovm see the same offsets. */
static inline uint64_t rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/*
 * A file of @bytes (a multiple of 64 KiB) of pseudo-random data in
 * /dev/shm; the caller unlinks it once everything has it open.
 */
int shm_file(char *path, size_t len, const char *tag, uint64_t bytes);

void result(const char *key, double value);
void resultf(double value, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int median_cmp(const void *a, const void *b);
double median(double *v, unsigned int n);
double best_min(const double *v, unsigned int n);

/* How long a device may keep us waiting before the bench gives up. */
#define BENCH_STALL_MS	20000

/*
 * Spin-wait step for polling a ring another thread fills; exits the bench
 * (naming @what) once it has waited BENCH_STALL_MS.
 */
void poll_pause(unsigned int *spins, const char *what);

/* Set by --callgrind: fixed, small iteration counts and stats dumps. */
extern bool bench_callgrind;
/* Set by --quick: fewer rounds (a smoke test of the bench itself). */
extern bool bench_quick;
extern bool bench_verbose;

/* ---- the subcommands ---- */

int bench_blk(int argc, char **argv);
int bench_iommu(int argc, char **argv);
int bench_stub_kernel(int argc, char **argv);

#endif
