// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "vdrv.h"

/* virtio-mmio register offsets (virtio 1.2, 4.2.2) */
#define R_DEV_FEATURES		0x010
#define R_DEV_FEATURES_SEL	0x014
#define R_DRV_FEATURES		0x020
#define R_DRV_FEATURES_SEL	0x024
#define R_QUEUE_SEL		0x030
#define R_QUEUE_NUM		0x038
#define R_QUEUE_READY		0x044
#define R_QUEUE_NOTIFY		0x050
#define R_INT_STATUS		0x060
#define R_INT_ACK		0x064
#define R_STATUS		0x070
#define R_QUEUE_DESC		0x080
#define R_QUEUE_AVAIL		0x090
#define R_QUEUE_USED		0x0a0

#define AVAIL_F_NO_INTERRUPT	1
#define USED_F_NO_NOTIFY	1

uint32_t vdrv_reg_read(struct virtio_dev *vdev, uint64_t off)
{
	uint32_t v = 0;

	virtio_mmio_access(vdev, off, (uint8_t *)&v, 4, false);
	return v;
}

void vdrv_reg_write(struct virtio_dev *vdev, uint64_t off, uint32_t v)
{
	virtio_mmio_access(vdev, off, (uint8_t *)&v, 4, true);
}

static void reg_write64(struct virtio_dev *vdev, uint64_t off, uint64_t v)
{
	vdrv_reg_write(vdev, off, (uint32_t)v);
	vdrv_reg_write(vdev, off + 4, (uint32_t)(v >> 32));
}

uint64_t vdrv_negotiate(struct virtio_dev *vdev, uint64_t want)
{
	uint32_t st = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER;
	uint64_t have;

	vdrv_reg_write(vdev, R_STATUS, 0);
	vdrv_reg_write(vdev, R_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	vdrv_reg_write(vdev, R_STATUS, st);
	vdrv_reg_write(vdev, R_DEV_FEATURES_SEL, 0);
	have = vdrv_reg_read(vdev, R_DEV_FEATURES);
	vdrv_reg_write(vdev, R_DEV_FEATURES_SEL, 1);
	have |= (uint64_t)vdrv_reg_read(vdev, R_DEV_FEATURES) << 32;
	want &= have;
	vdrv_reg_write(vdev, R_DRV_FEATURES_SEL, 0);
	vdrv_reg_write(vdev, R_DRV_FEATURES, (uint32_t)want);
	vdrv_reg_write(vdev, R_DRV_FEATURES_SEL, 1);
	vdrv_reg_write(vdev, R_DRV_FEATURES, (uint32_t)(want >> 32));
	vdrv_reg_write(vdev, R_STATUS, st | VIRTIO_STATUS_FEATURES_OK);
	if (!(vdrv_reg_read(vdev, R_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return 0;
	return want;
}

/* desc at 0, avail right after it, used on the next 4 KiB boundary. */
static uint64_t used_offset(uint16_t size)
{
	uint64_t end = 16ULL * size + 6 + 2ULL * size;

	return (end + 4095) & ~4095ULL;
}

uint64_t vdrv_ring_bytes(uint16_t size)
{
	return used_offset(size) + ((6 + 8ULL * size + 4095) & ~4095ULL);
}

int vdrv_setup(struct vdrv *d, struct virtio_dev *vdev, unsigned int q,
	       uint16_t size, void *host, uint64_t addr, bool event_idx,
	       bool want_irqs)
{
	uint8_t *p = host;

	memset(d, 0, sizeof(*d));
	memset(host, 0, vdrv_ring_bytes(size));
	d->vdev = vdev;
	d->q = q;
	d->size = size;
	d->event_idx = event_idx;
	d->desc = host;
	d->avail = (uint16_t *)(p + 16ULL * size);
	d->used = (uint16_t *)(p + used_offset(size));
	/* A queue we poll (the IOMMU's, as Linux does) wants no interrupt. */
	if (!want_irqs)
		d->avail[0] = AVAIL_F_NO_INTERRUPT;

	vdrv_reg_write(vdev, R_QUEUE_SEL, q);
	vdrv_reg_write(vdev, R_QUEUE_NUM, size);
	reg_write64(vdev, R_QUEUE_DESC, addr);
	reg_write64(vdev, R_QUEUE_AVAIL, addr + 16ULL * size);
	reg_write64(vdev, R_QUEUE_USED, addr + used_offset(size));
	vdrv_reg_write(vdev, R_QUEUE_READY, 1);
	return vdrv_reg_read(vdev, R_QUEUE_READY) == 1 ? 0 : -EINVAL;
}

void vdrv_driver_ok(struct virtio_dev *vdev)
{
	vdrv_reg_write(vdev, R_STATUS, vdrv_reg_read(vdev, R_STATUS) |
		       VIRTIO_STATUS_DRIVER_OK);
}

void vdrv_post(struct vdrv *d, uint16_t head)
{
	d->avail[2 + d->avail_idx % d->size] = head;
	d->avail_idx++;
}

static uint16_t load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

void vdrv_kick(struct vdrv *d)
{
	uint16_t old = d->kicked_idx, new = d->avail_idx;
	bool notify;

	if (old == new)
		return;
	/* Ring entries before the index that publishes them. */
	__atomic_store_n(&d->avail[1], new, __ATOMIC_RELEASE);
	d->kicked_idx = new;
	/* The index store before reading the device's suppression hint. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (d->event_idx) {
		uint16_t event = load16(&d->used[2 + 4 * d->size]);

		notify = (uint16_t)(new - event - 1) < (uint16_t)(new - old);
	} else {
		notify = !(load16(&d->used[0]) & USED_F_NO_NOTIFY);
	}
	if (notify) {
		vdrv_reg_write(d->vdev, R_QUEUE_NOTIFY, d->q);
		d->kicks++;
	}
}

bool vdrv_get_used(struct vdrv *d, uint32_t *id, uint32_t *len)
{
	const uint32_t *elem;

	if (load16(&d->used[1]) == d->last_used)
		return false;
	elem = (const uint32_t *)&d->used[2 + 4 * (d->last_used % d->size)];
	*id = elem[0];
	*len = elem[1];
	d->last_used++;
	return true;
}

bool vdrv_enable_irq(struct vdrv *d)
{
	if (d->event_idx)
		__atomic_store_n(&d->avail[2 + d->size], d->last_used,
				 __ATOMIC_RELAXED);
	/* Our used_event store before we look at used->idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(&d->used[1]) != d->last_used;
}

void vdrv_wait_irq(struct vdrv *d)
{
	struct pollfd p = { .fd = d->vdev->irq_fd, .events = POLLIN };
	uint64_t n;
	uint32_t isr;
	int ret;

	/* A device that never answers must fail the bench, not hang it. */
	do {
		ret = poll(&p, 1, BENCH_STALL_MS);
	} while (ret < 0 && errno == EINTR);
	if (ret == 0) {
		fprintf(stderr, "iovm-bench: %s: no interrupt in %d s (%u requests posted, %u completed)\n",
			d->vdev->name, BENCH_STALL_MS / 1000, d->avail_idx,
			d->last_used);
		exit(1);
	}
	if (read(d->vdev->irq_fd, &n, sizeof(n)) < 0)
		return;
	/* What Linux's vm_interrupt() does: read the cause, acknowledge it. */
	isr = vdrv_reg_read(d->vdev, R_INT_STATUS);
	if (isr)
		vdrv_reg_write(d->vdev, R_INT_ACK, isr);
	d->irqs++;
}
