/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reaping libaio completions without a system call. Linux maps each AIO
 * context's completion ring into the process; on a buffered file the
 * kernel has usually finished an iocb before io_submit() returns, so the
 * device can complete those requests at once instead of going back to
 * epoll, the completion eventfd and io_getevents() first.
 */
#ifndef IOVM_VIRTIO_AIO_RING_H
#define IOVM_VIRTIO_AIO_RING_H

#include <libaio.h>

/*
 * Take up to @max completions that are already in @ctx's ring. Returns
 * their number, or -ENOSYS if the ring's layout is not the one this code
 * knows (then use io_getevents()). Callers must not reap the same
 * context from two threads at once, nor mix this with io_getevents()
 * concurrently.
 */
int aio_ring_reap(io_context_t ctx, struct io_event *ev, int max);

#endif
