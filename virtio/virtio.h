/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio/: the virtio-mmio (version 2) and virtio-pci (modern) transports,
 * split virtqueues, the DMA accessor, and the devices built on them.
 *
 * A device supplies a struct virtio_dev_ops; the core (core.c) owns
 * feature negotiation, the status state machine, queue set-up and
 * ioeventfd notifications, and the transport it sits on (vdev->transport)
 * owns the register file and the interrupt: a level IO-APIC line (irqfd
 * with resample) for virtio-mmio, MSI-X messages for virtio-pci. Each
 * device runs its queues on its own thread (an io_loop), never on a vCPU
 * thread.
 */
#ifndef IOVM_VIRTIO_H
#define IOVM_VIRTIO_H

#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

#include "../kvm/kvm.h"
#include "dma.h"
#include "virtqueue.h"

#define VIRTIO_ID_BLOCK		2
#define VIRTIO_ID_CONSOLE	3
#define VIRTIO_ID_RNG		4
#define VIRTIO_ID_IOMMU		23

#define VIRTIO_F_INDIRECT_DESC	28
#define VIRTIO_F_EVENT_IDX	29
#define VIRTIO_F_VERSION_1	32
#define VIRTIO_F_ACCESS_PLATFORM 33

#define VIRTIO_STATUS_ACKNOWLEDGE	1
#define VIRTIO_STATUS_DRIVER		2
#define VIRTIO_STATUS_DRIVER_OK		4
#define VIRTIO_STATUS_FEATURES_OK	8
#define VIRTIO_STATUS_NEEDS_RESET	64
#define VIRTIO_STATUS_FAILED		128

/* The virtio-mmio register layout (virtio 1.2, 4.2.2): window offsets. */
#define VIRTIO_MMIO_MAGIC		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEV_FEATURES	0x010
#define VIRTIO_MMIO_DEV_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRV_FEATURES	0x020
#define VIRTIO_MMIO_DRV_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INT_STATUS		0x060
#define VIRTIO_MMIO_INT_ACK		0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LO	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HI	0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LO	0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HI	0x094
#define VIRTIO_MMIO_QUEUE_USED_LO	0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HI	0x0a4
#define VIRTIO_MMIO_SHM_SEL		0x0ac
#define VIRTIO_MMIO_SHM_LEN_LO		0x0b0
#define VIRTIO_MMIO_SHM_LEN_HI		0x0b4
#define VIRTIO_MMIO_CONFIG_GEN		0x0fc
#define VIRTIO_MMIO_CONFIG		0x100	/* device-specific, to 4 KiB */

#define VIRTIO_MMIO_MAGIC_VALUE		0x74726976	/* "virt" */

/* Interrupt status bits, the same on both transports */
#define VIRTIO_ISR_VRING	1
#define VIRTIO_ISR_CONFIG	2
#define VIRTIO_MMIO_INT_VRING	VIRTIO_ISR_VRING
#define VIRTIO_MMIO_INT_CONFIG	VIRTIO_ISR_CONFIG

#define VIRTIO_MAX_QUEUES	4

#define BIT_ULL(n)		(1ULL << (n))

/* ---- io_loop: one thread waiting on fds (virtio/ioloop.c) ---- */

typedef void (*io_loop_fn)(void *opaque);

struct io_loop;

struct io_loop *io_loop_create(const char *name);
int io_loop_add(struct io_loop *l, int fd, io_loop_fn fn, void *opaque);
int io_loop_start(struct io_loop *l);
/* Stop the thread and wait for it; handlers never run after this. */
void io_loop_stop(struct io_loop *l);
void io_loop_destroy(struct io_loop *l);

/* ---- the device and its transport ---- */

struct virtio_dev;
struct virtio_pci;

struct virtio_dev_ops {
	/* Queue @q was notified (lock held): on the device thread, or on
	 * the notifying thread for a queue in inline_notify. */
	void (*queue_notify)(struct virtio_dev *vdev, unsigned int q);
	/* The driver set DRIVER_OK (lock held). */
	int (*activate)(struct virtio_dev *vdev);
	/* Reset: drop all state; no guest memory access after it returns. */
	void (*reset)(struct virtio_dev *vdev);
	/* Config space writes; reads come straight from vdev->config. */
	void (*config_write)(struct virtio_dev *vdev, uint32_t offset,
			     const uint8_t *data, uint32_t len);
	/* iovm is stopping, the device thread is gone: finish up (flush). */
	void (*shutdown)(struct virtio_dev *vdev);
	/* Counters for `iovm stat`, on one line (lock held). */
	void (*stat)(struct virtio_dev *vdev, FILE *f);
};

struct virtio_dev {
	const char *name;
	uint32_t device_id;
	uint64_t host_features;
	uint64_t guest_features;
	uint32_t status;
	uint32_t isr;
	uint32_t config_generation;
	uint8_t *config;		/* device-specific config space */
	uint32_t config_size;
	unsigned int nr_queues;
	uint16_t queue_max;
	struct virtqueue vqs[VIRTIO_MAX_QUEUES];
	const struct virtio_dev_ops *ops;
	void *priv;

	/* Guarded by lock: everything above that changes after set-up. */
	pthread_mutex_t lock;

	/* Transport state */
	struct vm *vm;
	enum virtio_transport transport;	/* set before virtio_dev_init() */
	struct dma_space dma;		/* how this device sees memory */
	int notify_fd[VIRTIO_MAX_QUEUES];
	uint32_t features_sel, driver_features_sel, queue_sel;
	struct io_loop *loop;
	/* virtio-mmio: the window and its level interrupt */
	uint64_t mmio_base;
	unsigned int irq;
	int irq_fd, resample_fd;
	/* virtio-pci: the PCI function (virtio/pci.c) */
	struct virtio_pci *pci;
	int iommu_endpoint;		/* -1: not behind the virtio-iommu */
	bool want_iommu;		/* put me behind the virtio-iommu */
	/*
	 * Queues whose notification is handled on the notifying thread (the
	 * vCPU's MMIO exit) instead of the device thread: for short requests
	 * that the driver waits for synchronously, where a thread hand-off
	 * costs more than the work. Bit q: queue q.
	 */
	uint32_t inline_notify;
};

/*
 * Wire @vdev (its fields from name to ops filled in, and its transport) to
 * the VM: its registers, interrupt, ioeventfds, its entry in the machine
 * model, a thread. virtio-mmio: a 4 KiB window and an IO-APIC pin;
 * virtio-pci: a function on the PCI host with MSI-X.
 */
int virtio_dev_init(struct vm *vm, struct virtio_dev *vdev);
int virtio_mmio_init(struct vm *vm, struct virtio_dev *vdev);
int virtio_pci_init(struct vm *vm, struct virtio_dev *vdev);
/*
 * Start the device thread of a virtio-mmio device without KVM (benchmarks,
 * tests): notifications come from QueueNotify writes through
 * virtio_mmio_access(), and the interrupt is vdev->irq_fd, an eventfd the
 * caller can poll.
 */
int virtio_mmio_start_detached(struct virtio_dev *vdev);
/* The register file, as the MMIO bus calls it (exposed for tests). */
void virtio_mmio_access(void *opaque, uint64_t off, uint8_t *data,
			uint32_t len, bool is_write);
/*
 * Raise the interrupt for @reason: VIRTIO_ISR_CONFIG for a configuration
 * change (used buffers go through virtio_notify_used(), which knows the
 * queue).
 */
void virtio_interrupt(struct virtio_dev *vdev, uint32_t reason);
/* The device cannot go on: tell the driver (DEVICE_NEEDS_RESET). */
void virtio_needs_reset(struct virtio_dev *vdev, const char *why);
/*
 * The next chain to serve, or false when the queue is empty (with
 * notifications re-armed) or broken (the device then needs a reset).
 */
bool virtio_next_chain(struct virtio_dev *vdev, struct virtqueue *vq,
		       struct vq_chain *chain);
/* Push one completion and interrupt if the driver wants one. */
void virtio_complete(struct virtio_dev *vdev, struct virtqueue *vq,
		     uint16_t head, uint32_t len);
/*
 * The same for a batch: push each completion, then notify once. One
 * interrupt per batch instead of one per request (EVENT_IDX decides
 * against the whole batch).
 */
void virtio_push(struct virtio_dev *vdev, struct virtqueue *vq,
		 uint16_t head, uint32_t len);
void virtio_notify_used(struct virtio_dev *vdev, struct virtqueue *vq);
bool virtio_has_feature(const struct virtio_dev *vdev, unsigned int bit);

/* ---- devices ---- */

/* Open and validate the image now (before KVM), wire the device. */
int blk_create(struct vm *vm, const struct disk_config *disk);
/* Refuse the same image given twice (by device and inode, not by name). */
int blk_check_unique(const struct disk_config *disks, unsigned int n);
int rng_create(struct vm *vm);
/* The guest's hvc0; takes over console input from the UART. */
int console_create(struct vm *vm);

#endif
