// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "iommu_drv.h"

/* Request layouts from the virtio 1.2 spec, 5.13.6, driver side. */
struct vreq_head {
	uint8_t type;
	uint8_t reserved[3];
} __attribute__((packed));

struct vreq_attach {
	struct vreq_head head;
	uint32_t domain, endpoint, flags;
	uint8_t reserved[4];
} __attribute__((packed));

struct vreq_map {
	struct vreq_head head;
	uint32_t domain;
	uint64_t virt_start, virt_end, phys_start;
	uint32_t flags;
} __attribute__((packed));

struct vreq_unmap {
	struct vreq_head head;
	uint32_t domain;
	uint64_t virt_start, virt_end;
	uint8_t reserved[4];
} __attribute__((packed));

#define TAIL_BYTES	4
#define SLOT_BYTES	(IOMMU_REQ_BYTES + 64)	/* request, then its tail */

void iommu_req_attach(struct iommu_req *r, uint32_t domain, uint32_t ep)
{
	struct vreq_attach a = {
		.head.type = VIRTIO_IOMMU_T_ATTACH,
		.domain = domain, .endpoint = ep,
	};

	memcpy(r->bytes, &a, sizeof(a));
	r->len = sizeof(a);
}

void iommu_req_map(struct iommu_req *r, uint32_t domain, uint64_t iova,
		   uint64_t len, uint64_t gpa, uint32_t flags)
{
	struct vreq_map m = {
		.head.type = VIRTIO_IOMMU_T_MAP,
		.domain = domain, .virt_start = iova,
		.virt_end = iova + len - 1, .phys_start = gpa, .flags = flags,
	};

	memcpy(r->bytes, &m, sizeof(m));
	r->len = sizeof(m);
}

void iommu_req_unmap(struct iommu_req *r, uint32_t domain, uint64_t iova,
		     uint64_t len)
{
	struct vreq_unmap u = {
		.head.type = VIRTIO_IOMMU_T_UNMAP,
		.domain = domain, .virt_start = iova, .virt_end = iova + len - 1,
	};

	memcpy(r->bytes, &u, sizeof(u));
	r->len = sizeof(u);
}

uint8_t iommu_req_direct(struct viommu_state *s, const struct iommu_req *r)
{
	uint8_t tail[TAIL_BYTES];

	return viommu_request(s, r->bytes, r->len, tail, sizeof(tail));
}

uint64_t iommu_drv_bytes(void)
{
	return vdrv_ring_bytes(IOMMU_QUEUE_SIZE) +
	       (uint64_t)IOMMU_MAX_PENDING * SLOT_BYTES;
}

int iommu_drv_init(struct iommu_drv *drv, struct virtio_dev *vdev,
		   struct guest_mem *mem, uint64_t gpa)
{
	uint64_t ring = vdrv_ring_bytes(IOMMU_QUEUE_SIZE);
	uint64_t want = BIT_ULL(VIRTIO_F_VERSION_1) |
			BIT_ULL(VIRTIO_IOMMU_F_MAP_UNMAP) |
			BIT_ULL(VIRTIO_IOMMU_F_INPUT_RANGE) |
			BIT_ULL(VIRTIO_IOMMU_F_DOMAIN_RANGE);
	void *host = guest_mem_ptr(mem, gpa, iommu_drv_bytes());
	int err;

	memset(drv, 0, sizeof(*drv));
	if (!host)
		return -EINVAL;
	if (!vdrv_negotiate(vdev, want))
		return -EINVAL;
	/* Only the request queue: no fault is expected, so no event queue. */
	err = vdrv_setup(&drv->vq, vdev, 0, IOMMU_QUEUE_SIZE, host, gpa, false,
			 false);
	if (err)
		return err;
	vdrv_driver_ok(vdev);
	drv->slots = (uint8_t *)host + ring;
	drv->slots_gpa = gpa + ring;
	return 0;
}

void iommu_drv_queue(struct iommu_drv *drv, const struct iommu_req *r)
{
	unsigned int i = drv->next_slot;
	uint8_t *slot = drv->slots + (uint64_t)i * SLOT_BYTES;
	uint64_t addr = drv->slots_gpa + (uint64_t)i * SLOT_BYTES;
	struct vdesc *d = &drv->vq.desc[2 * i];

	if (drv->pending == IOMMU_MAX_PENDING)
		iommu_drv_flush(drv);
	memcpy(slot, r->bytes, r->len);
	memset(slot + IOMMU_REQ_BYTES, 0xff, TAIL_BYTES);
	d[0] = (struct vdesc){ addr, (uint32_t)r->len, VDESC_F_NEXT,
			       (uint16_t)(2 * i + 1) };
	d[1] = (struct vdesc){ addr + IOMMU_REQ_BYTES, TAIL_BYTES,
			       VDESC_F_WRITE, 0 };
	vdrv_post(&drv->vq, (uint16_t)(2 * i));
	drv->next_slot = (i + 1) % IOMMU_MAX_PENDING;
	drv->pending++;
}

unsigned int iommu_drv_flush(struct iommu_drv *drv)
{
	unsigned int failed = 0, spins = 0;
	uint32_t id, len;

	if (!drv->pending)
		return 0;
	vdrv_kick(&drv->vq);
	drv->kicks++;
	while (drv->pending) {
		uint8_t status;

		if (!vdrv_get_used(&drv->vq, &id, &len)) {
			poll_pause(&spins, "virtio-iommu request queue");
			continue;
		}
		status = drv->slots[(id / 2) * SLOT_BYTES + IOMMU_REQ_BYTES];
		if (status != VIRTIO_IOMMU_S_OK) {
			failed++;
			drv->last_error = status;
		}
		drv->pending--;
		drv->requests++;
	}
	drv->errors += failed;
	return failed;
}

uint8_t iommu_drv_sync(struct iommu_drv *drv, const struct iommu_req *r)
{
	unsigned int slot;

	iommu_drv_flush(drv);
	slot = drv->next_slot;
	iommu_drv_queue(drv, r);
	iommu_drv_flush(drv);
	return drv->slots[slot * SLOT_BYTES + IOMMU_REQ_BYTES];
}
