// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rwlock.h"

#define WRITER		(1U << 31)	/* held to write */
#define WRITER_WAITS	(1U << 30)	/* a writer is waiting: readers wait */
#define SLEEPERS	(1U << 29)	/* someone sleeps on the futex */
#define READERS		(SLEEPERS - 1)	/* count of readers holding it */

/* About 10 µs of pause on current x86, well past a MAP's hold time. */
#define SPINS		256

static void futex_wait(atomic_uint *w, unsigned int val)
{
	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake_all(atomic_uint *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/*
 * The lock is busy (the word was @w): spin, or once spun long enough,
 * sleep until the word changes. Sleepers announce themselves first, so
 * that whoever changes the word next wakes them.
 */
static void wait_busy(struct spin_rwlock *l, unsigned int w,
		      unsigned int *spins)
{
	if (++*spins < SPINS) {
		cpu_relax();
		return;
	}
	if (!(w & SLEEPERS) &&
	    !atomic_compare_exchange_weak(&l->word, &w, w | SLEEPERS))
		return;		/* changed under us: look again */
	futex_wait(&l->word, w | SLEEPERS);
	*spins = 0;
}

void srw_init(struct spin_rwlock *l)
{
	atomic_init(&l->word, 0);
}

void srw_read_lock(struct spin_rwlock *l)
{
	unsigned int spins = 0;

	for (;;) {
		unsigned int w = atomic_load_explicit(&l->word,
						      memory_order_relaxed);

		if (!(w & (WRITER | WRITER_WAITS))) {
			if (atomic_compare_exchange_weak_explicit(&l->word, &w,
					w + 1, memory_order_acquire,
					memory_order_relaxed))
				return;
			continue;
		}
		wait_busy(l, w, &spins);
	}
}

void srw_write_lock(struct spin_rwlock *l)
{
	unsigned int spins = 0;

	for (;;) {
		unsigned int w = atomic_load_explicit(&l->word,
						      memory_order_relaxed);

		if (!(w & (WRITER | READERS))) {
			/* Ours; another waiting writer sets its bit again. */
			if (atomic_compare_exchange_weak_explicit(&l->word, &w,
					(w | WRITER) & ~WRITER_WAITS,
					memory_order_acquire,
					memory_order_relaxed))
				return;
			continue;
		}
		if (!(w & WRITER_WAITS)) {
			atomic_compare_exchange_weak(&l->word, &w,
						     w | WRITER_WAITS);
			continue;
		}
		wait_busy(l, w, &spins);
	}
}

void srw_unlock(struct spin_rwlock *l)
{
	unsigned int w = atomic_load_explicit(&l->word, memory_order_relaxed);

	if (w & WRITER) {
		w = atomic_fetch_and_explicit(&l->word, ~(WRITER | SLEEPERS),
					      memory_order_release);
		if (w & SLEEPERS)
			futex_wake_all(&l->word);
		return;
	}
	w = atomic_fetch_sub_explicit(&l->word, 1, memory_order_release);
	/* The last reader out wakes the writer (and the readers behind it). */
	if ((w & READERS) == 1 && (w & SLEEPERS) &&
	    (atomic_fetch_and(&l->word, ~SLEEPERS) & SLEEPERS))
		futex_wake_all(&l->word);
}
