// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-pci, modern (virtio 1.2 section 4.1), through vfio-pci: the
 * vendor capabilities in the function's configuration space say where in
 * its BARs the common configuration, the notification area, the ISR and
 * the device configuration live. Interrupts are MSI-X: vector 0 for
 * configuration changes (NEEDS_RESET among them), vector 1 for queue 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "driver.h"
#include "report.h"

#define PCI_VENDOR_VIRTIO	0x1af4
#define PCI_DEVICE_VIRTIO_BLK	(0x1040 + VIRTIO_ID_BLOCK)
#define PCI_COMMAND		0x04
#define PCI_COMMAND_MEMORY	0x2
#define PCI_COMMAND_MASTER	0x4
#define PCI_STATUS		0x06
#define PCI_STATUS_CAP_LIST	0x10
#define PCI_CAP_PTR		0x34
#define PCI_CAP_VENDOR		0x09

/* struct virtio_pci_cap's cfg_type */
#define CAP_COMMON		1
#define CAP_NOTIFY		2
#define CAP_ISR			3
#define CAP_DEVICE		4

/* The common configuration (4.1.4.3), byte offsets. */
#define C_DFSELECT		0
#define C_DF			4
#define C_GFSELECT		8
#define C_GF			12
#define C_MSIX_CONFIG		16
#define C_STATUS		20
#define C_CFG_GEN		21
#define C_Q_SELECT		22
#define C_Q_SIZE		24
#define C_Q_MSIX_VECTOR		26
#define C_Q_ENABLE		28
#define C_Q_NOTIFY_OFF		30
#define C_Q_DESC		32
#define C_Q_DRIVER		40
#define C_Q_DEVICE		48
#define NO_VECTOR		0xffff

#define VEC_CONFIG		0
#define VEC_QUEUE		1

static uint64_t sget(struct vblk *d, const struct pci_struct *s,
		     unsigned int off, unsigned int width)
{
	uint64_t v = 0;

	if (s->map) {
		const volatile uint8_t *p = s->map + off;

		switch (width) {
		case 1: return *p;
		case 2: return *(const volatile uint16_t *)p;
		case 4: return *(const volatile uint32_t *)p;
		}
		return 0;
	}
	if (pread(d->device, &v, width, s->off + off) != (ssize_t)width)
		return ~0ULL;
	return v;
}

static void sput(struct vblk *d, const struct pci_struct *s,
		 unsigned int off, unsigned int width, uint64_t v)
{
	if (s->map) {
		volatile uint8_t *p = s->map + off;

		switch (width) {
		case 1: *p = (uint8_t)v; break;
		case 2: *(volatile uint16_t *)p = (uint16_t)v; break;
		case 4: *(volatile uint32_t *)p = (uint32_t)v; break;
		}
		return;
	}
	if (pwrite(d->device, &v, width, s->off + off) != (ssize_t)width)
		fprintf(stderr, "vfio-blk: write to the device failed: %s\n",
			strerror(errno));
}

#define common_rd(d, off, w)	sget(d, &(d)->pci.common, off, w)
#define common_wr(d, off, w, v)	sput(d, &(d)->pci.common, off, w, v)

/* The function's configuration space, through VFIO's config region. */
static int cfg_region(struct vblk *d, struct vfio_region_info *ri)
{
	ri->argsz = sizeof(*ri);
	ri->index = VFIO_PCI_CONFIG_REGION_INDEX;
	return ioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, ri) ? -errno : 0;
}

static int cfg_read(struct vblk *d, const struct vfio_region_info *ri,
		    unsigned int off, void *buf, size_t len)
{
	return pread(d->device, buf, len, (off_t)(ri->offset + off)) ==
	       (ssize_t)len ? 0 : -EIO;
}

/* Where a capability's structure lives: mapped BAR, or the file. */
static int locate(struct vblk *d, unsigned int bar, uint32_t offset,
		  uint32_t length, struct pci_struct *s)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = bar };

	if (bar > 5 || ioctl(d->device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -EINVAL;
	if ((uint64_t)offset + length > ri.size)
		return -EINVAL;
	s->off = (off_t)(ri.offset + offset);
	s->map = NULL;
	if (!d->pci.bars[bar] && (ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		void *m = mmap(NULL, ri.size, PROT_READ | PROT_WRITE,
			       MAP_SHARED, d->device, (off_t)ri.offset);

		if (m != MAP_FAILED) {
			d->pci.bars[bar] = m;
			d->pci.bar_size[bar] = ri.size;
		}
	}
	if (d->pci.bars[bar])
		s->map = (volatile uint8_t *)d->pci.bars[bar] + offset;
	return 0;
}

/* Walk the capability list for virtio's four structures. */
static int find_structures(struct vblk *d, const struct vfio_region_info *ri)
{
	uint8_t cap[20], pos, seen = 0;
	uint32_t mult = 0, notify_off;
	struct pci_struct notify_base = { 0 };
	uint16_t status;
	int guard, err;

	if (cfg_read(d, ri, PCI_STATUS, &status, 2) ||
	    !(status & PCI_STATUS_CAP_LIST) ||
	    cfg_read(d, ri, PCI_CAP_PTR, &pos, 1))
		return -ENODEV;
	for (guard = 0; pos && guard < 48; guard++) {
		uint32_t offset, length;

		if (cfg_read(d, ri, pos & ~3U, cap, sizeof(cap)))
			return -EIO;
		if (cap[0] == PCI_CAP_VENDOR && cap[2] >= 16) {
			memcpy(&offset, cap + 8, 4);
			memcpy(&length, cap + 12, 4);
			err = 0;
			switch (cap[3]) {
			case CAP_COMMON:
				err = locate(d, cap[4], offset, length,
					     &d->pci.common);
				break;
			case CAP_NOTIFY:
				memcpy(&mult, cap + 16, 4);
				err = locate(d, cap[4], offset, length,
					     &notify_base);
				break;
			case CAP_ISR:
				err = locate(d, cap[4], offset, length,
					     &d->pci.isr);
				break;
			case CAP_DEVICE:
				err = locate(d, cap[4], offset, length,
					     &d->pci.device);
				break;
			}
			if (err)
				return err;
			if (cap[3] >= CAP_COMMON && cap[3] <= CAP_DEVICE)
				seen |= 1U << cap[3];
		}
		pos = cap[1];
	}
	if (seen != (1U << CAP_COMMON | 1U << CAP_NOTIFY | 1U << CAP_ISR |
		     1U << CAP_DEVICE)) {
		fprintf(stderr, "vfio-blk: %s: virtio-pci capabilities missing (found 0x%x)\n",
			d->name, seen);
		return -ENODEV;
	}
	common_wr(d, C_Q_SELECT, 2, 0);
	notify_off = (uint32_t)common_rd(d, C_Q_NOTIFY_OFF, 2) * mult;
	d->pci.notify = notify_base;
	if (d->pci.notify.map)
		d->pci.notify.map += notify_off;
	d->pci.notify.off += notify_off;
	return 0;
}

/* MSI-X vectors 0 and 1 to eventfds. */
static int msix_setup(struct vblk *d)
{
	struct vfio_irq_info ii = {
		.argsz = sizeof(ii), .index = VFIO_PCI_MSIX_IRQ_INDEX,
	};
	int i, err;

	if (ioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, &ii) || ii.count < 2) {
		fprintf(stderr, "vfio-blk: %s: fewer than 2 MSI-X vectors (%u)\n",
			d->name, ii.count);
		return -ENODEV;
	}
	for (i = 0; i < 2; i++)
		if (d->pci.vector_fd[i] < 0)
			d->pci.vector_fd[i] = eventfd(0, EFD_CLOEXEC |
							 EFD_NONBLOCK);
	if (d->pci.vector_fd[0] < 0 || d->pci.vector_fd[1] < 0)
		return -errno;
	err = irq_trigger(d, VFIO_PCI_MSIX_IRQ_INDEX, d->pci.vector_fd, 2);
	if (!err)
		say("MSI-X vector 0 (configuration) -> eventfd %d, vector 1 (queue 0) -> eventfd %d",
		    d->pci.vector_fd[0], d->pci.vector_fd[1]);
	return err;
}

static int pci_open(struct vblk *d)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri;
	uint16_t ids[2], cmd;
	int err;

	if (ioctl(d->device, VFIO_DEVICE_GET_INFO, &di))
		return -errno;
	if (!(di.flags & VFIO_DEVICE_FLAGS_PCI)) {
		fprintf(stderr, "vfio-blk: %s: flags 0x%x; expected a PCI device\n",
			d->name, di.flags);
		return -ENODEV;
	}
	err = cfg_region(d, &ri);
	if (!err)
		err = cfg_read(d, &ri, 0, ids, sizeof(ids));
	if (err)
		return err;
	if (ids[0] != PCI_VENDOR_VIRTIO || ids[1] != PCI_DEVICE_VIRTIO_BLK) {
		fprintf(stderr, "vfio-blk: %s: PCI %04x:%04x; expected a modern virtio-blk (%04x:%04x)\n",
			d->name, ids[0], ids[1], PCI_VENDOR_VIRTIO,
			PCI_DEVICE_VIRTIO_BLK);
		return -ENODEV;
	}
	/* Memory decoding, and bus mastering: the device's DMA. */
	if (cfg_read(d, &ri, PCI_COMMAND, &cmd, 2))
		return -EIO;
	cmd |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(d->device, &cmd, 2, (off_t)(ri.offset + PCI_COMMAND)) != 2)
		return -errno;
	err = find_structures(d, &ri);
	if (err)
		return err;
	say("virtio-pci structures: common config %s, notify %s, ISR %s, device config %s",
	    d->pci.common.map ? "mapped" : "through the file",
	    d->pci.notify.map ? "mapped" : "through the file",
	    d->pci.isr.map ? "mapped" : "through the file",
	    d->pci.device.map ? "mapped" : "through the file");
	return msix_setup(d);
}

static void pci_close(struct vblk *d)
{
	unsigned int i;

	for (i = 0; i < 6; i++) {
		if (d->pci.bars[i])
			munmap(d->pci.bars[i], d->pci.bar_size[i]);
		d->pci.bars[i] = NULL;
	}
	memset(&d->pci.common, 0, sizeof(d->pci.common));
	memset(&d->pci.device, 0, sizeof(d->pci.device));
	memset(&d->pci.isr, 0, sizeof(d->pci.isr));
	memset(&d->pci.notify, 0, sizeof(d->pci.notify));
}

static uint32_t pci_get_status(struct vblk *d)
{
	return (uint32_t)common_rd(d, C_STATUS, 1);
}

static void pci_set_status(struct vblk *d, uint32_t status)
{
	common_wr(d, C_STATUS, 1, status);
}

static uint64_t pci_get_features(struct vblk *d)
{
	uint64_t f;

	common_wr(d, C_DFSELECT, 4, 1);
	f = common_rd(d, C_DF, 4) << 32;
	common_wr(d, C_DFSELECT, 4, 0);
	return f | common_rd(d, C_DF, 4);
}

static void pci_set_features(struct vblk *d, uint64_t features)
{
	common_wr(d, C_GFSELECT, 4, 0);
	common_wr(d, C_GF, 4, (uint32_t)features);
	common_wr(d, C_GFSELECT, 4, 1);
	common_wr(d, C_GF, 4, (uint32_t)(features >> 32));
}

static uint32_t pci_queue_max(struct vblk *d)
{
	common_wr(d, C_Q_SELECT, 2, 0);
	return (uint32_t)common_rd(d, C_Q_SIZE, 2);
}

static void put64(struct vblk *d, unsigned int off, uint64_t v)
{
	common_wr(d, off, 4, (uint32_t)v);
	common_wr(d, off + 4, 4, (uint32_t)(v >> 32));
}

/* Also where the interrupts go: the vectors are set with the queue. */
static void pci_queue_set(struct vblk *d, uint32_t size, uint64_t desc,
			  uint64_t avail, uint64_t used)
{
	common_wr(d, C_MSIX_CONFIG, 2, VEC_CONFIG);
	common_wr(d, C_Q_SELECT, 2, 0);
	common_wr(d, C_Q_SIZE, 2, size);
	common_wr(d, C_Q_MSIX_VECTOR, 2, VEC_QUEUE);
	put64(d, C_Q_DESC, desc);
	put64(d, C_Q_DRIVER, avail);
	put64(d, C_Q_DEVICE, used);
}

static void pci_queue_enable(struct vblk *d)
{
	common_wr(d, C_Q_SELECT, 2, 0);
	common_wr(d, C_Q_ENABLE, 2, 1);
}

static bool pci_queue_enabled(struct vblk *d)
{
	common_wr(d, C_Q_SELECT, 2, 0);
	return common_rd(d, C_Q_ENABLE, 2) == 1 &&
	       common_rd(d, C_Q_MSIX_VECTOR, 2) == VEC_QUEUE;
}

static void pci_notify(struct vblk *d)
{
	sput(d, &d->pci.notify, 0, 2, 0);
}

static uint32_t pci_config_gen(struct vblk *d)
{
	return (uint32_t)common_rd(d, C_CFG_GEN, 1);
}

static uint32_t pci_config32(struct vblk *d, unsigned int off)
{
	return (uint32_t)sget(d, &d->pci.device, off, 4);
}

/* MSI-X is edge-like: no cause to read, no line to unmask. */
static bool pci_irq_wait(struct vblk *d, long ms, uint32_t *isr)
{
	struct pollfd p[2] = {
		{ .fd = d->pci.vector_fd[VEC_CONFIG], .events = POLLIN },
		{ .fd = d->pci.vector_fd[VEC_QUEUE], .events = POLLIN },
	};
	uint64_t v;
	bool any = false;

	if (poll(p, 2, ms < 0 ? 0 : (int)ms) <= 0)
		return false;
	if ((p[0].revents & POLLIN) &&
	    read(p[0].fd, &v, sizeof(v)) == sizeof(v)) {
		*isr |= INT_CONFIG;
		any = true;
	}
	if ((p[1].revents & POLLIN) &&
	    read(p[1].fd, &v, sizeof(v)) == sizeof(v)) {
		*isr |= INT_VRING;
		any = true;
	}
	return any;
}

const struct transport transport_pci = {
	.name = "virtio-pci",
	.bus = "pci",
	.vfio_driver = "vfio-pci",
	.open = pci_open,
	.close = pci_close,
	.get_status = pci_get_status,
	.set_status = pci_set_status,
	.get_features = pci_get_features,
	.set_features = pci_set_features,
	.queue_max = pci_queue_max,
	.queue_set = pci_queue_set,
	.queue_enable = pci_queue_enable,
	.queue_enabled = pci_queue_enabled,
	.notify = pci_notify,
	.config_gen = pci_config_gen,
	.config32 = pci_config32,
	.irq_wait = pci_irq_wait,
};
