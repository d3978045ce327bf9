/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk requests (virtio 1.2, 5.2.6): turning a descriptor chain into
 * a validated, typed request, apart from executing it (virtio/blk.c), so
 * both halves are tested without a guest.
 */
#ifndef IOVM_VIRTIO_BLK_REQ_H
#define IOVM_VIRTIO_BLK_REQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "dma.h"
#include "virtqueue.h"

#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13

#define VIRTIO_BLK_S_OK		0
#define VIRTIO_BLK_S_IOERR	1
#define VIRTIO_BLK_S_UNSUPP	2

#define VIRTIO_BLK_ID_BYTES	20
#define BLK_SECTOR		512ULL

/*
 * What the device advertises. The parser enforces only BLK_MAX_IOV (what a
 * request may cost us); a driver that ignores SEG_MAX or SIZE_MAX but stays
 * within it is served, since nothing on our side depends on them.
 */
#define BLK_SEG_MAX		126
#define BLK_SIZE_MAX		(1U << 20)
#define BLK_MAX_IOV		256	/* segments, split further by the IOMMU */
#define BLK_MAX_DISCARD_SEG	32
#define BLK_MAX_DISCARD_SECTORS	(1U << 22)	/* 2 GiB per segment */

#define VIRTIO_BLK_WZ_F_UNMAP	1

struct blk_range {
	uint64_t sector;
	uint32_t nr_sectors;
	uint32_t flags;
};

struct blk_req {
	uint16_t head;
	uint16_t queue;			/* the virtqueue it came from */
	int hold;			/* dma_hold()'s token, while in flight */
	uint32_t type;
	uint64_t sector;
	uint64_t status_addr;		/* device address of the status byte */
	bool has_status;
	uint8_t status;			/* set when the parser already decided */
	uint64_t len;			/* data bytes */
	int iovcnt;
	struct iovec iov[BLK_MAX_IOV];	/* data, mapped through the DMA space */
	unsigned int nr_ranges;
	struct blk_range ranges[BLK_MAX_DISCARD_SEG];
};

struct blk_geometry {
	uint64_t capacity;		/* in 512-byte sectors */
	bool read_only;
	bool discard;			/* DISCARD and WRITE_ZEROES offered */
};

/*
 * Request queues for a disk: @requested (its queues=N; 0 if not given),
 * else one per vCPU, so that each vCPU's blk-mq context has its own ring
 * and requests from two vCPUs do not queue behind one another; at most
 * DISK_MAX_QUEUES.
 */
unsigned int blk_queue_count(unsigned int requested, unsigned int nr_cpus);

enum blk_parse {
	BLK_EXECUTE,	/* valid: run it, then write req->status */
	BLK_COMPLETE,	/* decided already: write req->status, complete */
	BLK_DROP,	/* no status byte we can write: complete with 0 */
};

enum blk_parse blk_req_parse(const struct vq_chain *c,
			     const struct dma_space *dma,
			     const struct blk_geometry *g, struct blk_req *r);

#endif
