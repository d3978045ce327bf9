/* SPDX-License-Identifier: GPL-2.0 */
/*
 * MSI-X (PCI Local Bus 3.0, 6.8.2): a function's table of messages, its
 * pending bits, and how a message leaves the function.
 *
 * A message is a memory write like any other the function makes: it goes
 * through the function's DMA space. Where it lands in that space's MSI
 * window (the platform's, or the one the virtio-iommu reserves with PROBE)
 * it is an interrupt, sent through a KVM route and an irqfd; anywhere else
 * it is a DMA write of the message data, translated and permission-checked
 * by the IOMMU, faulted and reported when unmapped, and it raises nothing.
 * So a device interrupts the guest only at an address the guest allowed.
 *
 * Every call takes the table's own lock, a leaf: the device thread sends
 * under its device lock, a vCPU rewrites the table or Message Control
 * under the PCI host's, and neither waits for the other's work. What a
 * vCPU's write lets go (an unmask with a message pending) is not sent on
 * the vCPU: a message outside the MSI window is DMA, which must not race
 * the device's own (its IOMMU holds), so ops->kick asks the device's
 * thread to call msix_resume().
 */
#ifndef IOVM_VIRTIO_MSIX_H
#define IOVM_VIRTIO_MSIX_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "dma.h"

#define MSIX_MAX_VECTORS	8
#define MSIX_ENTRY_SIZE		16
#define MSIX_NO_VECTOR		0xffff

/* Message Control, the capability's upper half */
#define MSIX_CTRL_TABLE_SIZE	0x07ff	/* N - 1 */
#define MSIX_CTRL_MASKALL	0x4000	/* Function Mask */
#define MSIX_CTRL_ENABLE	0x8000
/* An entry's Vector Control */
#define MSIX_VECTOR_MASKED	1

struct msix_ops {
	/*
	 * Vector @vec's message is an interrupt (@valid: it lies in the MSI
	 * window and MSI-X is enabled) or not: route it, or drop its route.
	 */
	void (*route)(void *opaque, unsigned int vec, bool valid,
		      uint64_t addr, uint32_t data);
	/* Send vector @vec's message through its route. */
	void (*signal)(void *opaque, unsigned int vec);
	/* Messages may go now: have msix_resume() called in device context. */
	void (*kick)(void *opaque);
};

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct msix {
	pthread_mutex_t lock;			/* everything below */
	const char *name;			/* the function's, for logs */
	unsigned int nr;			/* table size */
	struct msix_entry table[MSIX_MAX_VECTORS];
	uint64_t pending;			/* the PBA: bit N, vector N */
	bool enabled, masked;			/* MSI-X Enable, Function Mask */
	const struct dma_space *dma;		/* where its writes go */
	const struct msix_ops *ops;
	void *opaque;
	/* Messages sent as interrupts; written to memory; refused (faults). */
	uint64_t sent, to_memory, refused;
};

void msix_init(struct msix *m, const char *name, unsigned int nr,
	       const struct dma_space *dma, const struct msix_ops *ops,
	       void *opaque);
void msix_exit(struct msix *m);
/* The function was reset: disabled, every entry zero and masked. */
void msix_reset(struct msix *m);
/* Messages are pending (the PBA is not empty). */
bool msix_pending(struct msix *m);
/*
 * The table and the PBA as the guest reaches them in a BAR: aligned
 * dwords or qwords (anything else reads zero and writes nothing).
 */
void msix_table_access(struct msix *m, uint64_t off, uint8_t *data,
		       uint32_t len, bool is_write);
void msix_pba_access(struct msix *m, uint64_t off, uint8_t *data,
		     uint32_t len, bool is_write);
/* The guest wrote Message Control's enable and mask bits. */
void msix_control(struct msix *m, uint16_t ctrl);
/*
 * The function raises vector @vec: sent now, or held pending while it or
 * the function is masked or bus mastering is off; nothing while MSI-X is
 * disabled (the function has no INTx to fall back on).
 */
void msix_notify(struct msix *m, unsigned int vec);
/*
 * Send the pending messages nothing holds back any more. In device
 * context only: where the device's DMA is serialised (virtio-pci: its
 * thread, under the device lock).
 */
void msix_resume(struct msix *m);

#endif
