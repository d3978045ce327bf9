/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device behind the register-file harnesses (fuzz_mmio, fuzz_pci): a
 * virtio device with two queues that really run over a small guest RAM,
 * a 12-byte config space whose last four bytes the driver may write, and
 * a count of every callback its transport makes, each checked to come
 * with the device lock held. The harnesses differ in the transport they
 * drive and in what they check; the device is the same one.
 *
 * Queue 0 completes each chain with its own interrupt decision; queue 1
 * pushes a batch and decides once, as virtio-blk does.
 */
#ifndef IOVM_TESTS_FAKE_VDEV_H
#define IOVM_TESTS_FAKE_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "../../virtio/virtio.h"

#define FAKE_RAM_SIZE		0x4000
#define FAKE_DATA_AREA		0x3000	/* where offered buffers point */
#define FAKE_NR_QUEUES		2
#define FAKE_QUEUE_MAX		16
#define FAKE_CONFIG_SIZE	12
#define FAKE_CONFIG_RW		8	/* from byte 8: the driver's to write */

struct fake_vdev {
	struct virtio_dev vdev;
	uint8_t *ram;		/* malloc'd, exactly FAKE_RAM_SIZE: ASan bounds */
	uint8_t *config;	/* malloc'd, exactly FAKE_CONFIG_SIZE */
	struct guest_mem mem;
	int notify_fd[VIRTIO_MAX_QUEUES];	/* nonblocking eventfds */
	/* Cleared by every set-up: */
	struct vq_chain chain;
	unsigned int activations, resets, config_writes, runs[FAKE_NR_QUEUES];
	bool fail_activate;	/* activate() returns -EIO */
};

/* What a harness's set-up byte chose. */
struct fake_vdev_cfg {
	uint32_t device_id;
	enum virtio_transport transport;
	uint64_t features;	/* offered on top of VERSION_1 and bits 0, 2 */
	uint32_t inline_notify;	/* queues that run on the notifying access */
	bool fail_activate;
	int irq_fd;		/* -1: the transport signals by other means */
	const char *config;	/* FAKE_CONFIG_SIZE bytes, the initial config */
};

extern struct fake_vdev fake;

/*
 * A new device as @cfg says, over zeroed RAM with identity DMA and
 * drained eventfds. The first call allocates; later ones reuse. The
 * transport (virtio_pci_function_init(), say) is the caller's to add.
 */
void fake_vdev_setup(const struct fake_vdev_cfg *cfg);
/* Queue @q runs now: DRIVER_OK without NEEDS_RESET, and the queue ready. */
bool fake_queue_live(unsigned int q);

#endif
