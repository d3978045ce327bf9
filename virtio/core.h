/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transport-independent half of a virtio device (virtio 1.2, chapters
 * 2 and 3): feature negotiation, the device status state machine, queue
 * set-up and its validation, reset, the interrupt status, and the device
 * thread with the queue notifications it waits on.
 *
 * virtio/mmio.c and virtio/pci.c are two register files over it. Each
 * decodes its guest's accesses into the calls below, made with vdev->lock
 * held unless said otherwise, and delivers the interrupts the core raises
 * in its own way (an IO-APIC line; MSI-X messages). Devices never see the
 * difference: they use virtio.h only.
 */
#ifndef IOVM_VIRTIO_CORE_H
#define IOVM_VIRTIO_CORE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "virtio.h"

/* ---- registers: what both register files mean by them ---- */

/* Word @sel of the features the device offers (0 past the second). */
uint32_t virtio_core_device_features(const struct virtio_dev *vdev,
				     uint32_t sel);
/* Word @sel of the driver's features; taken only before FEATURES_OK. */
void virtio_core_set_driver_features(struct virtio_dev *vdev, uint32_t sel,
				     uint32_t v);
uint32_t virtio_core_driver_features(const struct virtio_dev *vdev,
				     uint32_t sel);
/* A write of the device status; 0 resets the device. */
void virtio_core_set_status(struct virtio_dev *vdev, uint32_t v);
/* Queue @sel, or NULL where the device has no such queue. */
struct virtqueue *virtio_core_queue(struct virtio_dev *vdev, uint32_t sel);
/* Size and ring addresses may change only while the queue is not live. */
static inline bool virtio_core_queue_settable(const struct virtqueue *vq)
{
	return !vq->ready;
}
/*
 * The driver enables (@enable) or disables queue @vq: enabling checks the
 * layout (or the device needs a reset), disabling works until DRIVER_OK.
 */
void virtio_core_queue_enable(struct virtio_dev *vdev, struct virtqueue *vq,
			      bool enable);
/* Device-specific configuration at @off, bounds checked: outside reads 0. */
void virtio_core_config_access(struct virtio_dev *vdev, uint64_t off,
			       uint8_t *data, uint32_t len, bool is_write);

/*
 * Queue @q was notified. From an MMIO exit with the lock held: a queue in
 * inline_notify runs here, others are left to their eventfd.
 */
void virtio_core_notify_inline(struct virtio_dev *vdev, uint32_t q);
/*
 * Without the lock: a notification of a queue served by the device
 * thread goes to its eventfd. False for an inline queue or none at all.
 */
bool virtio_core_kick(struct virtio_dev *vdev, uint32_t q);

/* The interrupt status, lock-free (atomic). */
uint32_t virtio_core_isr(struct virtio_dev *vdev);
void virtio_core_isr_ack(struct virtio_dev *vdev, uint32_t bits);
/* Read and clear, as virtio-pci's ISR register does (4.1.4.5). */
uint32_t virtio_core_isr_take(struct virtio_dev *vdev);

/* ---- life cycle, for the transports' init ---- */

/*
 * The common part of wiring a device: its fields checked and defaulted,
 * identity DMA, VERSION_1, the lock, a notification eventfd per queue and
 * the device thread that waits on them (not started).
 */
int virtio_core_init(struct vm *vm, struct virtio_dev *vdev);
/*
 * Put the device behind the virtio-iommu if it asked to be, as endpoint
 * vdev->iommu_endpoint when the transport chose one (> 0).
 */
int virtio_core_attach_iommu(struct virtio_dev *vdev);
/* Register the start, stop and stat hooks with the VM (opaque: vdev). */
int virtio_core_register(struct virtio_dev *vdev);
/* The device thread: start, and stop before iovm exits. */
int virtio_core_start_thread(struct virtio_dev *vdev);
void virtio_core_exit(struct virtio_dev *vdev);

/* ---- what the core asks of each transport ---- */

/* Raise the interrupt for @reason (VIRTIO_ISR_*), on queue @q or -1. */
void virtio_mmio_interrupt(struct virtio_dev *vdev);
void virtio_pci_interrupt(struct virtio_dev *vdev, uint32_t reason, int q);
/* The device was reset: transport state back to its initial values. */
void virtio_pci_reset(struct virtio_dev *vdev);
/* KVM wiring once KVM exists (irqfds, ioeventfds). */
int virtio_mmio_wire(struct virtio_dev *vdev);
int virtio_pci_wire(struct virtio_dev *vdev);
/* Where the device sits, for `iovm stat` and --debug. */
void virtio_mmio_describe(struct virtio_dev *vdev, FILE *f);
void virtio_pci_describe(struct virtio_dev *vdev, FILE *f);

#endif
