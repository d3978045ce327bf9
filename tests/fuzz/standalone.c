// SPDX-License-Identifier: GPL-2.0
/*
 * A driver for the fuzz harnesses where libFuzzer is not available (gcc,
 * or a clang without its runtime): random inputs, mostly mutated from the
 * harness's own valid seeds, for a bounded time or number of runs. No
 * coverage feedback, so it finds less than libFuzzer, but it runs
 * anywhere the unit tests run, under the same sanitizers.
 *
 *   fuzz-NAME [-t SECONDS] [-n RUNS] [-s SEED] [-a ARTIFACT_DIR]
 *   fuzz-NAME FILE...       run the given inputs once each (reproduce)
 *   fuzz-NAME -w DIR        write every seed to DIR and exit
 *   fuzz-NAME -c DIR        write the seeds of the checked-in corpus
 *
 * Exits non-zero on the first crash (sanitizers abort the process) or on
 * an input that runs longer than HANG_SECONDS (a loop the parser failed
 * to bound), after saving the input as ARTIFACT_DIR/crash-NAME-SEED-RUN.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fuzz.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define HAVE_SANITIZER 1
#endif
#endif

#ifdef HAVE_SANITIZER
#include <sanitizer/common_interface_defs.h>
#endif

#define HANG_SECONDS	10

static uint8_t input[FUZZ_MAX_INPUT];
static size_t input_len;
static char crash_path[4096];

/* Save the input being run; async-signal-safe. */
static void save_input(void)
{
	int fd;

	if (!crash_path[0])
		return;
	fd = open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, input, input_len) < 0)
		(void)0;
	close(fd);
	if (write(2, "crash input saved as ", 21) < 0 ||
	    write(2, crash_path, strlen(crash_path)) < 0 ||
	    write(2, "\n", 1) < 0)
		(void)0;
}

static void on_signal(int sig)
{
	save_input();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_alarm(int sig)
{
	if (write(2, "an input ran too long (a hang)\n", 31) < 0)
		(void)0;
	save_input();
	signal(SIGABRT, SIG_DFL);
	abort();
}

static uint64_t next(uint64_t *x)
{
	/* xorshift64* */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

static unsigned int nr_seeds(void)
{
	static uint8_t scratch[FUZZ_MAX_INPUT];
	unsigned int n = 0;

	while (fuzz_seed(n, scratch, sizeof(scratch)))
		n++;
	return n;
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	while (bytes--) {
		*p++ = (uint8_t)v;
		v >>= 8;
	}
}

/*
 * Mutations that matter to ring parsers: small integers (indices, sizes)
 * and boundary values in 16/32/64-bit fields, and the control block.
 */
static void mutate(uint64_t *rng)
{
	static const uint64_t magic[] = {
		0, 1, 2, 7, 8, 15, 16, 17, 255, 256, 511, 512, 513, 1023, 1024,
		0x7fff, 0x8000, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
		0xfffffff0, 0xffffffff, FUZZ_RAM_SIZE, FUZZ_RAM_SIZE - 16,
		-1ULL, -16ULL, 1ULL << 63,
	};
	unsigned int k = 1 + next(rng) % 8;

	while (k--) {
		uint64_t r = next(rng);
		size_t at = input_len ? r % input_len : 0;
		uint64_t v = magic[(r >> 32) % (sizeof(magic) / sizeof(magic[0]))];
		int width = 1 << ((r >> 40) % 4);

		if (!input_len)
			return;
		switch ((r >> 48) % 9) {
		case 7:
		case 8:
			/* Half the time, on the fields that matter. */
			input_len = fuzz_mutate(input, input_len, sizeof(input),
						r);
			break;
		case 0:
			input[at] ^= 1 << ((r >> 56) % 8);
			break;
		case 1:
			input[at] = (uint8_t)(r >> 56);
			break;
		case 2:
			if (at + width <= input_len)
				put_le(input + at, v, width);
			break;
		case 3:
			if (at + width <= input_len)
				put_le(input + at, v + (r >> 58) - 32, width);
			break;
		case 4:
			/* The control block steers everything: hit it often. */
			input[(r >> 8) % sizeof(struct fuzz_ctl)] = (uint8_t)(r >> 56);
			break;
		case 5: {
			size_t from = (r >> 20) % input_len;
			size_t n = 1 + (r >> 56) % 32;

			if (at + n <= input_len && from + n <= input_len)
				memmove(input + at, input + from, n);
			break;
		}
		default:
			input_len = (r >> 16) % FUZZ_MAX_INPUT;
			break;
		}
	}
}

static void make_input(uint64_t *rng, unsigned int seeds)
{
	uint64_t r = next(rng);
	size_t i;

	if (seeds && r % 8) {
		input_len = fuzz_seed((r >> 8) % seeds, input, sizeof(input));
		mutate(rng);
		return;
	}
	/* Now and then pure noise, of any length. */
	input_len = (r >> 8) % FUZZ_MAX_INPUT;
	for (i = 0; i < input_len; i += 8)
		put_le(input + i, next(rng),
		       input_len - i < 8 ? (int)(input_len - i) : 8);
}

/* A harness with only a few seeds checks them all in. */
__attribute__((weak)) bool fuzz_in_corpus(unsigned int n)
{
	return true;
}

/* Every seed, or (@corpus) those fuzz_in_corpus() picks. */
static int write_seeds(const char *dir, bool corpus)
{
	unsigned int n, written = 0;
	char path[4096];

	if (mkdir(dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "fuzz-%s: cannot create %s: %s\n", fuzz_name,
			dir, strerror(errno));
		return 1;
	}
	for (n = 0; (input_len = fuzz_seed(n, input, sizeof(input))); n++) {
		FILE *f;

		if (corpus && !fuzz_in_corpus(n))
			continue;
		written++;
		snprintf(path, sizeof(path), "%s/seed-%03u", dir, n);
		f = fopen(path, "wb");
		if (!f || fwrite(input, 1, input_len, f) != input_len ||
		    fclose(f)) {
			fprintf(stderr, "fuzz-%s: cannot write %s\n", fuzz_name,
				path);
			return 1;
		}
	}
	fprintf(stderr, "fuzz-%s: %u seeds written to %s\n", fuzz_name, written,
		dir);
	return 0;
}

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f) {
		fprintf(stderr, "fuzz-%s: cannot open %s: %s\n", fuzz_name, path,
			strerror(errno));
		return 1;
	}
	input_len = fread(input, 1, sizeof(input), f);
	fclose(f);
	LLVMFuzzerTestOneInput(input, input_len);
	return 0;
}

/* Each argument a file, or a directory of them (a corpus). */
static int run_paths(char **paths, int n)
{
	char path[4096];
	int i, runs = 0;

	for (i = 0; i < n; i++) {
		DIR *d = opendir(paths[i]);
		struct dirent *e;

		if (!d) {
			if (run_file(paths[i]))
				return 1;
			runs++;
			continue;
		}
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", paths[i],
				 e->d_name);
			if (run_file(path)) {
				closedir(d);
				return 1;
			}
			runs++;
		}
		closedir(d);
	}
	fprintf(stderr, "fuzz-%s: %d inputs ran clean\n", fuzz_name, runs);
	return 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = 10, start, elapsed;
	unsigned long long runs = 0, max_runs = 0, seed = 0;
	const char *artifacts = ".";
	unsigned int seeds;
	uint64_t rng;
	int opt;

	while ((opt = getopt(argc, argv, "t:n:s:a:w:c:")) != -1) {
		switch (opt) {
		case 't':
			seconds = strtod(optarg, NULL);
			break;
		case 'n':
			max_runs = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'a':
			artifacts = optarg;
			break;
		case 'w':
		case 'c':
			return write_seeds(optarg, opt == 'c');
		default:
			fprintf(stderr, "usage: %s [-t SECONDS] [-n RUNS] [-s SEED] "
				"[-a DIR] [-w DIR] [-c DIR] [FILE|DIR...]\n",
				argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		return run_paths(argv + optind, argc - optind);

	if (!seed)
		seed = (unsigned long long)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng = seed | 1;
	seeds = nr_seeds();
	signal(SIGABRT, on_signal);
	signal(SIGSEGV, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	signal(SIGILL, on_signal);
	signal(SIGALRM, on_alarm);
#ifdef HAVE_SANITIZER
	__sanitizer_set_death_callback(save_input);
#endif
	fprintf(stderr, "fuzz-%s: seed %llu, %u valid seeds, %.0f s\n", fuzz_name,
		seed, seeds, seconds);

	start = now();
	for (;;) {
		if (max_runs && runs >= max_runs)
			break;
		if (!(runs % 256) && now() - start >= seconds)
			break;
		make_input(&rng, seeds);
		snprintf(crash_path, sizeof(crash_path), "%s/crash-%s-%llu-%llu",
			 artifacts, fuzz_name, seed, runs);
		alarm(HANG_SECONDS);
		LLVMFuzzerTestOneInput(input, input_len);
		runs++;
	}
	alarm(0);
	elapsed = now() - start;
	fprintf(stderr, "fuzz-%s: %llu runs in %.1f s (%.0f/s), no crash\n",
		fuzz_name, runs, elapsed, elapsed > 0 ? runs / elapsed : 0.0);
	return 0;
}
