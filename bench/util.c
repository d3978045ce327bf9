// SPDX-License-Identifier: GPL-2.0
/* Clocks, CPU time, medians and result lines for iovm-bench. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"

bool bench_callgrind;
bool bench_quick;
bool bench_verbose;

double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

double process_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
}

void thread_set_snapshot(struct thread_set *s)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;

	s->nr = 0;
	if (!d)
		return;
	while ((e = readdir(d)) && s->nr < ARRAY_SIZE(s->tids)) {
		int tid = atoi(e->d_name);

		if (tid > 0)
			s->tids[s->nr++] = tid;
	}
	closedir(d);
}

static bool thread_set_has(const struct thread_set *s, int tid)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++)
		if (s->tids[i] == tid)
			return true;
	return false;
}

void thread_set_new(const struct thread_set *before,
		    const struct thread_set *after, struct thread_set *out)
{
	unsigned int i;

	for (i = 0; i < after->nr && out->nr < ARRAY_SIZE(out->tids); i++)
		if (!thread_set_has(before, after->tids[i]))
			out->tids[out->nr++] = after->tids[i];
}

/*
 * The kernel's CPU-clock ID for a thread (what pthread_getcpuclockid()
 * computes from the TID): the per-thread "sched" clock, in nanoseconds.
 */
static clockid_t thread_clock(int tid)
{
	return (clockid_t)((~(unsigned int)tid << 3) | 6);
}

double thread_set_cpu_s(const struct thread_set *s)
{
	double sum = 0;
	unsigned int i;

	for (i = 0; i < s->nr; i++) {
		struct timespec t;

		if (!clock_gettime(thread_clock(s->tids[i]), &t))
			sum += t.tv_sec + t.tv_nsec * 1e-9;
	}
	return sum;
}

void result(const char *key, double value)
{
	printf("result %s %.6g\n", key, value);
	fflush(stdout);
}

void resultf(double value, const char *fmt, ...)
{
	char key[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	result(key, value);
}

int median_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double median(double *v, unsigned int n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), median_cmp);
	return n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double best_min(const double *v, unsigned int n)
{
	double m = n ? v[0] : 0;
	unsigned int i;

	for (i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/*
 * Linux's virtio-iommu driver spins on the used ring for its requests.
 * Spin too, but yield now and then: on a 2-core machine shared with other
 * work (and under valgrind, which runs one thread at a time) the device
 * thread we wait for may need this CPU.
 */
void poll_pause(unsigned int *spins, const char *what)
{
	static double deadline;		/* only the driver thread waits */

	if ((*spins)++ == 0)
		deadline = now_s() + BENCH_STALL_MS / 1000.0;
	if (RUNNING_ON_VALGRIND || *spins % 256 == 0) {
		sched_yield();
		if (now_s() > deadline) {
			fprintf(stderr, "iovm-bench: %s: no answer in %d s\n",
				what, BENCH_STALL_MS / 1000);
			exit(1);
		}
	} else {
		__builtin_ia32_pause();
	}
}

int shm_file(char *path, size_t len, const char *tag, uint64_t bytes)
{
	static uint64_t chunk[8192];
	uint64_t rng = 0x9e3779b97f4a7c15ULL, done;
	unsigned int i;
	int fd;

	snprintf(path, len, "/dev/shm/iovm-bench-%s-%d.img", tag, (int)getpid());
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* Data, not holes: every read copies real pages. */
	for (done = 0; done < bytes; done += sizeof(chunk)) {
		for (i = 0; i < ARRAY_SIZE(chunk); i++)
			chunk[i] = rng_next(&rng);
		if (write(fd, chunk, sizeof(chunk)) != sizeof(chunk)) {
			close(fd);
			unlink(path);
			return -EIO;
		}
	}
	close(fd);
	return 0;
}
