/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deadlines for the timed waits of pthreads (pthread_cond_timedwait(),
 * pthread_timedjoin_np()), which take an absolute CLOCK_REALTIME time.
 */
#ifndef IOVM_CLOCK_H
#define IOVM_CLOCK_H

#include <time.h>

/* CLOCK_REALTIME now plus @ms milliseconds, normalised. */
static inline struct timespec deadline_after_ms(unsigned int ms)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	return t;
}

#endif
