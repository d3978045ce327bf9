// SPDX-License-Identifier: GPL-2.0
/*
 * aio_ring_reap() against the kernel's real AIO ring: what it takes is
 * what io_getevents() would have returned, each completion once, across
 * the ring's wrap.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../virtio/aio_ring.h"

#define NR	8

/* Reap until @want events came, with a bound: buffered reads are quick. */
static int reap_all(io_context_t ctx, struct io_event *ev, int want)
{
	int got = 0, n, tries;

	for (tries = 0; got < want && tries < 100000; tries++) {
		n = aio_ring_reap(ctx, ev + got, want - got);
		if (n < 0)
			return n;
		got += n;
	}
	return got;
}

static void test_reap(void **state)
{
	char path[] = "/tmp/iovm-aio-ring.XXXXXX";
	uint8_t data[4096], buf[NR][512];
	struct iocb io[NR], *ios[NR];
	struct io_event ev[NR + 1];
	io_context_t ctx = 0;
	int fd, i, round, n;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	for (i = 0; i < (int)sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(write(fd, data, sizeof(data)), sizeof(data));
	assert_int_equal(io_setup(NR, &ctx), 0);
	/* Nothing submitted: nothing to take. */
	n = aio_ring_reap(ctx, ev, NR);
	if (n == -ENOSYS)
		skip();
	assert_int_equal(n, 0);
	/* Enough rounds for the ring (a few pages of slots) to wrap. */
	for (round = 0; round < 300; round++) {
		for (i = 0; i < NR; i++) {
			io_prep_pread(&io[i], fd, buf[i], 512, (i % 8) * 512);
			io[i].data = &buf[i];
			ios[i] = &io[i];
		}
		assert_int_equal(io_submit(ctx, NR, ios), NR);
		assert_int_equal(reap_all(ctx, ev, NR), NR);
		for (i = 0; i < NR; i++) {
			struct iocb *done = ev[i].obj;
			int k = (int)(done - io);

			assert_true(k >= 0 && k < NR);
			assert_ptr_equal(ev[i].data, &buf[k]);
			assert_int_equal((long)ev[i].res, 512);
			assert_memory_equal(buf[k], data + (k % 8) * 512, 512);
		}
		/* Each once: the ring is empty again. */
		assert_int_equal(aio_ring_reap(ctx, ev, NR), 0);
	}
	/* And the kernel agrees: nothing left for io_getevents() either. */
	struct timespec zero = { 0, 0 };

	assert_int_equal(io_getevents(ctx, 0, NR, ev, &zero), 0);
	io_destroy(ctx);
	close(fd);
}

/* Not a ring this code knows (as a future kernel's might be): refused. */
static void test_unknown_ring(void **state)
{
	uint32_t fake[64] = { 0 };
	struct io_event ev[1];

	(void)state;
	assert_int_equal(aio_ring_reap((io_context_t)fake, ev, 1), -ENOSYS);
	fake[4] = 0xa10a10a1;		/* magic, but incompatible features */
	fake[6] = 1;
	fake[7] = 32;
	assert_int_equal(aio_ring_reap((io_context_t)fake, ev, 1), -ENOSYS);
	assert_int_equal(aio_ring_reap(NULL, ev, 1), -ENOSYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reap),
		cmocka_unit_test(test_unknown_ring),
	};

	return cmocka_run_group_tests_name("aio_ring", tests, NULL, NULL);
}
