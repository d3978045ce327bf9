/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues (virtio 1.2, 2.7), device side. The guest owns the
 * rings and may write anything into them at any time: every index and
 * address read from a ring is checked before use, and all ring memory is
 * reached through the queue's DMA space.
 */
#ifndef IOVM_VIRTIO_VIRTQUEUE_H
#define IOVM_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "dma.h"

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4

#define VQ_MAX_SIZE		1024	/* largest queue any device offers */
#define VQ_MAX_CHAIN		1024	/* buffers per request, after indirection */

struct vq_buf {
	uint64_t addr;		/* device address */
	uint32_t len;
	bool device_writes;	/* VIRTQ_DESC_F_WRITE */
};

/* One request as the driver described it: readable buffers, then writable. */
struct vq_chain {
	uint16_t head;
	unsigned int nr;		/* buffers in buf[] */
	unsigned int nr_readable;	/* buf[0..nr_readable) are readable */
	uint64_t readable_len, writable_len;
	bool indirect;			/* walking an indirect table */
	struct vq_buf buf[VQ_MAX_CHAIN];
};

struct virtqueue {
	uint16_t size;			/* negotiated QueueNum, power of two */
	bool ready;
	bool event_idx;			/* VIRTIO_F_EVENT_IDX negotiated */
	uint64_t desc, avail, used;	/* device addresses of the rings */
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t avail_pending;		/* published, not taken: no re-read */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled_used;	/* used_idx when we last interrupted */
	bool signalled_valid;
	const struct dma_space *dma;
	/* Host views of desc, avail and used: see vq_map_rings(). */
	struct vq_ring_view {
		uint64_t base, len;
		struct dma_view dv;
	} view[3];
};

/*
 * A chain whose structure is wrong (a loop, too long, an indirect table
 * inside an indirect table, a bad index, readable after writable, an
 * unreadable descriptor table) leaves the queue unusable: the device sets
 * DEVICE_NEEDS_RESET. Bad *buffer* addresses are not checked here: the
 * device meets them when it accesses the buffer, and fails that request.
 */
enum vq_status {
	VQ_EMPTY = 0,
	VQ_CHAIN = 1,		/* a chain was returned */
	VQ_BROKEN = -1,		/* ring unusable: set DEVICE_NEEDS_RESET */
};

void vq_reset(struct virtqueue *vq);
/*
 * The queue has just become ready. Its rings stay where they are for the
 * queue's life, so their host addresses are taken once here (as DMA
 * views) and ring accesses skip the DMA accessor's per-access
 * translation. Where the device sees guest memory 1:1 the views last;
 * behind an IOMMU each lasts until an UNMAP or DETACH touches its ring,
 * then the ring is translated again and the view taken anew.
 */
void vq_map_rings(struct virtqueue *vq);
/* Take the next available chain; the result says what to do. */
enum vq_status vq_pop(struct virtqueue *vq, struct vq_chain *chain);
/* Return @head to the driver with @len bytes written; 0 or -EFAULT. */
int vq_push(struct virtqueue *vq, uint16_t head, uint32_t len);
/* After pushing: should the driver be interrupted (EVENT_IDX aware)? */
bool vq_should_notify(struct virtqueue *vq);
/* Ask for (or stop) notifications; re-check vq_pop after enabling. */
int vq_enable_notify(struct virtqueue *vq, bool enable);
/* Anything waiting? (errors count as work: vq_pop will report them) */
bool vq_has_work(struct virtqueue *vq);

#endif
