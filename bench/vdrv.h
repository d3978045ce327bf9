/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The guest's side of a virtio-mmio device, enough to drive iovm's device
 * model without KVM: feature negotiation through the register file, one
 * split virtqueue per struct vdrv written straight into guest RAM, kicks
 * through the QueueNotify register, and interrupts from the device's
 * irq_fd (an eventfd, see virtio_mmio_start_detached()).
 *
 * The ring layouts are the virtio 1.2 spec's (2.7); they are written here
 * from the driver's point of view, independently of virtio/virtqueue.c.
 */
#ifndef IOVM_BENCH_VDRV_H
#define IOVM_BENCH_VDRV_H

#include <stdbool.h>
#include <stdint.h>

#include "../virtio/virtio.h"

#define VDESC_F_NEXT		1
#define VDESC_F_WRITE		2
#define VDESC_F_INDIRECT	4

struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vdrv {
	struct virtio_dev *vdev;
	unsigned int q;
	uint16_t size;
	bool event_idx;
	struct vdesc *desc;		/* host pointers into guest RAM */
	uint16_t *avail;		/* flags, idx, ring[size], used_event */
	uint16_t *used;			/* flags, idx, {id, len}[size], avail_event */
	uint16_t avail_idx;		/* entries posted (not yet published) */
	uint16_t kicked_idx;		/* avail->idx at the last publish */
	uint16_t last_used;
	uint64_t kicks, irqs;
};

/* Bytes the three rings of a @size queue take, laid out by vdrv_setup(). */
uint64_t vdrv_ring_bytes(uint16_t size);

uint32_t vdrv_reg_read(struct virtio_dev *vdev, uint64_t off);
void vdrv_reg_write(struct virtio_dev *vdev, uint64_t off, uint32_t v);

/*
 * Reset, ACKNOWLEDGE, DRIVER, offer @want (masked by what the device has),
 * FEATURES_OK. Returns the accepted features, or 0 if the device refused.
 */
uint64_t vdrv_negotiate(struct virtio_dev *vdev, uint64_t want);
/*
 * Queue @q of @size entries whose rings start at @host (in guest RAM) and
 * are at device address @addr (a guest-physical address, or an IOVA the
 * driver mapped for a device behind the IOMMU).
 */
int vdrv_setup(struct vdrv *d, struct virtio_dev *vdev, unsigned int q,
	       uint16_t size, void *host, uint64_t addr, bool event_idx,
	       bool want_irqs);
void vdrv_driver_ok(struct virtio_dev *vdev);

/* Put chain @head on the avail ring; the device sees it after kick. */
void vdrv_post(struct vdrv *d, uint16_t head);
/* Publish posted chains and notify unless the device said not to. */
void vdrv_kick(struct vdrv *d);
/* Take one used element; false if there is none. */
bool vdrv_get_used(struct vdrv *d, uint32_t *id, uint32_t *len);
/* Ask for an interrupt at the next completion; true if some already came. */
bool vdrv_enable_irq(struct vdrv *d);
/* Block until the device interrupts; acknowledge it as a driver would. */
void vdrv_wait_irq(struct vdrv *d);

#endif
