// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU state's spin-then-sleep reader-writer lock: writers exclude
 * everyone, readers share, a waiting writer is not starved by a stream of
 * readers, and sleepers are woken (a lost wake-up hangs the test, which
 * run-unit's timeout turns into a failure).
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "../../iommu/rwlock.h"

struct shared {
	struct spin_rwlock lock;
	atomic_int readers, writers;
	atomic_bool bad, stop;
	uint64_t a, b;			/* written together under the lock */
	atomic_ulong reads, writes;
};

static void *reader_fn(void *arg)
{
	struct shared *s = arg;

	while (!atomic_load(&s->stop)) {
		srw_read_lock(&s->lock);
		atomic_fetch_add(&s->readers, 1);
		if (atomic_load(&s->writers) || s->a != s->b)
			atomic_store(&s->bad, true);
		atomic_fetch_sub(&s->readers, 1);
		srw_unlock(&s->lock);
		atomic_fetch_add(&s->reads, 1);
	}
	return NULL;
}

static void *writer_fn(void *arg)
{
	struct shared *s = arg;
	unsigned int i = 0;

	while (!atomic_load(&s->stop)) {
		srw_write_lock(&s->lock);
		if (atomic_fetch_add(&s->writers, 1) || atomic_load(&s->readers))
			atomic_store(&s->bad, true);
		s->a++;
		/* Now and then hold it long enough for waiters to sleep. */
		if (++i % 64 == 0)
			nanosleep(&(struct timespec){ 0, 200000 }, NULL);
		s->b++;
		atomic_fetch_sub(&s->writers, 1);
		srw_unlock(&s->lock);
		atomic_fetch_add(&s->writes, 1);
	}
	return NULL;
}

static void test_exclusion_and_progress(void **state)
{
	static struct shared s;
	pthread_t t[5];
	int i;

	srw_init(&s.lock);
	for (i = 0; i < 5; i++)
		assert_int_equal(pthread_create(&t[i], NULL,
						i < 3 ? reader_fn : writer_fn,
						&s), 0);
	nanosleep(&(struct timespec){ 1, 0 }, NULL);
	atomic_store(&s.stop, true);
	for (i = 0; i < 5; i++)
		pthread_join(t[i], NULL);
	assert_false(atomic_load(&s.bad));
	assert_int_equal(s.a, s.b);
	assert_int_equal(s.a, atomic_load(&s.writes));
	/* Both sides got through, writers despite three busy readers. */
	assert_true(atomic_load(&s.reads) > 100);
	assert_true(atomic_load(&s.writes) > 100);
}

/* A reader that finds a writer inside sleeps, and is woken on unlock. */
static void *blocked_reader(void *arg)
{
	struct shared *s = arg;

	srw_read_lock(&s->lock);
	atomic_fetch_add(&s->reads, 1);
	srw_unlock(&s->lock);
	return NULL;
}

static void test_sleeper_is_woken(void **state)
{
	static struct shared s;
	pthread_t t;

	srw_init(&s.lock);
	srw_write_lock(&s.lock);
	assert_int_equal(pthread_create(&t, NULL, blocked_reader, &s), 0);
	/* Long past the spinning: the reader is asleep on the futex. */
	nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	assert_int_equal(atomic_load(&s.reads), 0);
	srw_unlock(&s.lock);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&s.reads), 1);
	/* Free again: a writer gets straight in. */
	srw_write_lock(&s.lock);
	srw_unlock(&s.lock);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exclusion_and_progress),
		cmocka_unit_test(test_sleeper_is_woken),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
