/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's virtio-iommu driver, reduced to what the benchmarks need:
 * ATTACH, MAP and UNMAP requests (virtio 1.2, 5.13.6), sent either through
 * the device's request queue or straight into viommu_request().
 */
#ifndef IOVM_BENCH_IOMMU_DRV_H
#define IOVM_BENCH_IOMMU_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../iommu/state.h"
#include "vdrv.h"

#define IOMMU_REQ_BYTES		64	/* request head + body, padded */

/* Head + body of one request, as the driver lays it out. */
struct iommu_req {
	uint8_t bytes[IOMMU_REQ_BYTES];
	size_t len;
};

void iommu_req_attach(struct iommu_req *r, uint32_t domain, uint32_t ep);
void iommu_req_map(struct iommu_req *r, uint32_t domain, uint64_t iova,
		   uint64_t len, uint64_t gpa, uint32_t flags);
void iommu_req_unmap(struct iommu_req *r, uint32_t domain, uint64_t iova,
		     uint64_t len);

/* Straight into the model: what the device does with one request. */
uint8_t iommu_req_direct(struct viommu_state *s, const struct iommu_req *r);

/*
 * The request queue. Each request takes two descriptors (readable request,
 * writable tail) and a slot in guest RAM at @gpa (identity: the IOMMU's
 * own accesses are not translated). Requests are queued, then one kick
 * and a spin on the used ring, as Linux's __viommu_sync_req() does.
 */
#define IOMMU_QUEUE_SIZE	256
#define IOMMU_MAX_PENDING	(IOMMU_QUEUE_SIZE / 2)

struct iommu_drv {
	struct vdrv vq;
	uint8_t *slots;			/* host pointer of the request area */
	uint64_t slots_gpa;
	unsigned int pending;		/* queued, not kicked */
	unsigned int next_slot;
	uint64_t requests, errors, kicks;
	uint8_t last_error;
};

/* Bytes of guest RAM iommu_drv_init() needs at @gpa (rings + slots). */
uint64_t iommu_drv_bytes(void);
int iommu_drv_init(struct iommu_drv *drv, struct virtio_dev *vdev,
		   struct guest_mem *mem, uint64_t gpa);
/* Queue one request; flushes first if the queue is full. */
void iommu_drv_queue(struct iommu_drv *drv, const struct iommu_req *r);
/* Kick and wait for every queued request; returns the number that failed. */
unsigned int iommu_drv_flush(struct iommu_drv *drv);
/* One request, synchronously (Linux 6.1's viommu_send_req_sync()). */
uint8_t iommu_drv_sync(struct iommu_drv *drv, const struct iommu_req *r);

#endif
