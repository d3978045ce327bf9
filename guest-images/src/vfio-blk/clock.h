/* SPDX-License-Identifier: GPL-2.0 */
/* Milliseconds on the monotonic clock, for waits that must end. */
#ifndef VFIO_BLK_CLOCK_H
#define VFIO_BLK_CLOCK_H

#include <time.h>

long elapsed_ms(const struct timespec *since);
void sleep_ms(long ms);

#endif
