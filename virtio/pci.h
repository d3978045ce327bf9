/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-pci, modern (virtio 1.2, 4.1): a virtio device as a PCI function
 * on the host bridge (kvm/pci.h). Vendor 0x1af4, device 0x1040 + the
 * virtio device ID, revision 1, no legacy interface. Its registers sit in
 * BAR0, one 4 KiB page each, which vendor capabilities point at:
 *
 *   0x0000  common configuration (4.1.4.3)
 *   0x1000  ISR status, read to clear (4.1.4.5)
 *   0x2000  device-specific configuration (4.1.4.6), if the device has any
 *   0x3000  notifications: queue q at 0x3000 + 4 q (notify_off_multiplier 4),
 *           ioeventfds while BAR0 decodes
 *
 * and BAR1 holds the MSI-X table (0x0000) and pending bits (0x1000), a
 * page each, so neither shares a page with the other registers. A config
 * vector and one vector per queue; no INTx (interrupt pin 0).
 *
 * Exposed for the tests and the fuzz harness; devices use virtio.h.
 */
#ifndef IOVM_VIRTIO_PCI_H
#define IOVM_VIRTIO_PCI_H

#include "../kvm/pci.h"
#include "msix.h"
#include "virtio.h"

#define VIRTIO_PCI_VENDOR		0x1af4
#define VIRTIO_PCI_DEVICE_BASE		0x1040	/* + the virtio device ID */
#define VIRTIO_PCI_SUBSYSTEM		0x1100	/* modern: no legacy ID here */

#define VIRTIO_PCI_BAR_REGS		0	/* the virtio registers */
#define VIRTIO_PCI_BAR_MSIX		1
#define VIRTIO_PCI_REGS_SIZE		0x4000
#define VIRTIO_PCI_MSIX_SIZE		0x2000
#define VIRTIO_PCI_COMMON		0x0000
#define VIRTIO_PCI_ISR			0x1000
#define VIRTIO_PCI_DEVICE		0x2000
#define VIRTIO_PCI_NOTIFY		0x3000
#define VIRTIO_PCI_NOTIFY_MULTIPLIER	4
#define VIRTIO_PCI_MSIX_TABLE		0x0000
#define VIRTIO_PCI_MSIX_PBA		0x1000

/* Vendor capability types (cfg_type) */
#define VIRTIO_PCI_CAP_COMMON_CFG	1
#define VIRTIO_PCI_CAP_NOTIFY_CFG	2
#define VIRTIO_PCI_CAP_ISR_CFG		3
#define VIRTIO_PCI_CAP_DEVICE_CFG	4
#define VIRTIO_PCI_CAP_PCI_CFG		5

/* The common configuration structure (4.1.4.3), offsets. */
#define VIRTIO_PCI_COMMON_DFSELECT	0x00	/* le32 */
#define VIRTIO_PCI_COMMON_DF		0x04	/* le32, read-only */
#define VIRTIO_PCI_COMMON_GFSELECT	0x08	/* le32 */
#define VIRTIO_PCI_COMMON_GF		0x0c	/* le32 */
#define VIRTIO_PCI_COMMON_MSIX		0x10	/* le16, config vector */
#define VIRTIO_PCI_COMMON_NUMQ		0x12	/* le16, read-only */
#define VIRTIO_PCI_COMMON_STATUS	0x14	/* u8 */
#define VIRTIO_PCI_COMMON_CFGGEN	0x15	/* u8, read-only */
#define VIRTIO_PCI_COMMON_Q_SELECT	0x16	/* le16 */
#define VIRTIO_PCI_COMMON_Q_SIZE	0x18	/* le16 */
#define VIRTIO_PCI_COMMON_Q_MSIX	0x1a	/* le16 */
#define VIRTIO_PCI_COMMON_Q_ENABLE	0x1c	/* le16 */
#define VIRTIO_PCI_COMMON_Q_NOFF	0x1e	/* le16, read-only */
#define VIRTIO_PCI_COMMON_Q_DESC	0x20	/* le64 */
#define VIRTIO_PCI_COMMON_Q_AVAIL	0x28	/* le64, queue_driver */
#define VIRTIO_PCI_COMMON_Q_USED	0x30	/* le64, queue_device */
#define VIRTIO_PCI_COMMON_LEN		0x38

struct virtio_pci {
	struct pci_function fn;
	struct virtio_dev *vdev;
	struct msix msix;
	uint16_t config_vector;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	/* Where each capability sits in configuration space (0: none). */
	uint8_t cap_msix, cap_pci_cfg;
	/* Per MSI-X vector: the eventfd KVM's irqfd reads, its GSI. */
	int irqfd[MSIX_MAX_VECTORS];
	unsigned int gsi[MSIX_MAX_VECTORS];
	bool bus_master;		/* as last seen, to notice a change */
	int resume_fd;			/* msix_ops.kick: the device thread sends */
	uint64_t notify_gpa;		/* where the ioeventfds are; 0: none */
	bool wired;			/* KVM exists: irqfds and ioeventfds */
};

/*
 * Build @vdev's function in @vp (configuration image, capabilities, BAR
 * sizes and handlers, MSI-X), ready for pci_host_add(); no VM needed.
 */
int virtio_pci_function_init(struct virtio_pci *vp, struct virtio_dev *vdev);
void virtio_pci_function_exit(struct virtio_pci *vp);
/*
 * The device thread's handler of resume_fd: pending MSI-X messages that
 * a vCPU's write let go are sent from here (exposed for the tests).
 */
void virtio_pci_resume_msix(void *opaque);
/* The BARs' handlers, as the host's window calls them. */
void virtio_pci_regs_access(void *opaque, uint64_t off, uint8_t *data,
			    uint32_t len, bool is_write);
void virtio_pci_msix_access(void *opaque, uint64_t off, uint8_t *data,
			    uint32_t len, bool is_write);

#endif
