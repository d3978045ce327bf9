// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdint.h>

#include "aio_ring.h"

/* The ring's header as fs/aio.c lays it out (stable since Linux 3.10). */
struct aio_ring_head {
	uint32_t id;
	uint32_t nr;			/* slots, a ring of io_events */
	uint32_t head;			/* ours: the next event to take */
	uint32_t tail;			/* the kernel's: one past the last */
	uint32_t magic;
	uint32_t compat_features;
	uint32_t incompat_features;
	uint32_t header_length;
	struct io_event events[];
};

#define AIO_RING_MAGIC	0xa10a10a1U

int aio_ring_reap(io_context_t ctx, struct io_event *ev, int max)
{
	struct aio_ring_head *r = (struct aio_ring_head *)ctx;
	uint32_t head, tail, nr;
	int n = 0;

	if (!r || r->magic != AIO_RING_MAGIC || r->incompat_features ||
	    r->header_length != sizeof(*r))
		return -ENOSYS;
	nr = r->nr;
	head = r->head;
	/* The kernel writes an event, then publishes it with the tail. */
	tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	if (head >= nr || tail >= nr)
		return -ENOSYS;
	while (head != tail && n < max) {
		ev[n++] = r->events[head];
		head = head + 1 == nr ? 0 : head + 1;
	}
	/* Our reads of the events before the kernel may reuse their slots. */
	__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
	return n;
}
