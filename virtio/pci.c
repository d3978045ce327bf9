// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-pci modern register file over the virtio core: see pci.h.
 * Register accesses arrive on vCPU threads through the host's BAR window;
 * queue notifications bypass them through ioeventfds while BAR0 decodes;
 * interrupts leave as MSI-X messages (msix.c), through a KVM route and an
 * irqfd per vector when they are interrupts at all.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../log.h"
#include "core.h"
#include "pci.h"

/* The vendor capability (4.1.4), and its notify and PCI-window forms. */
struct virtio_pci_cap {
	uint8_t cap_vndr, cap_next, cap_len, cfg_type;
	uint8_t bar, id, padding[2];
	uint32_t offset, length;
} __attribute__((packed));

struct virtio_pci_notify_cap {
	struct virtio_pci_cap cap;
	uint32_t notify_off_multiplier;
} __attribute__((packed));

struct virtio_pci_cfg_cap {
	struct virtio_pci_cap cap;
	uint8_t pci_cfg_data[4];
} __attribute__((packed));

struct msix_cap {
	uint8_t cap_id, cap_next;
	uint16_t ctrl;
	uint32_t table, pba;		/* offset | BAR indicator */
} __attribute__((packed));

_Static_assert(sizeof(struct virtio_pci_cap) == 16, "virtio_pci_cap");
_Static_assert(sizeof(struct virtio_pci_notify_cap) == 20, "notify cap");
_Static_assert(sizeof(struct virtio_pci_cfg_cap) == 20, "pci_cfg cap");
_Static_assert(sizeof(struct msix_cap) == 12, "MSI-X cap");

#define CFG_CAP_BAR	offsetof(struct virtio_pci_cap, bar)
#define CFG_CAP_OFFSET	offsetof(struct virtio_pci_cap, offset)
#define CFG_CAP_LENGTH	offsetof(struct virtio_pci_cap, length)
#define CFG_CAP_DATA	offsetof(struct virtio_pci_cfg_cap, pci_cfg_data)
#define MSIX_CAP_CTRL	offsetof(struct msix_cap, ctrl)

/* The PCI class a guest's lspci shows for each kind of device. */
static uint32_t class_of(uint32_t device_id)
{
	switch (device_id) {
	case VIRTIO_ID_BLOCK:
		return 0x018000;	/* mass storage controller, other */
	case VIRTIO_ID_CONSOLE:
		return 0x078000;	/* communication controller, other */
	}
	return 0xff0000;		/* unassigned class */
}

static bool overlaps(uint32_t off, uint32_t len, uint32_t start,
		     uint32_t size)
{
	return off < start + size && start < off + len;
}

/* ---- interrupts ---- */

static void send(struct virtio_pci *vp, uint16_t vec)
{
	if (vec != MSIX_NO_VECTOR)
		msix_notify(&vp->msix, vec);
}

void virtio_pci_interrupt(struct virtio_dev *vdev, uint32_t reason, int q)
{
	struct virtio_pci *vp = vdev->pci;
	unsigned int i;

	if (!vp)
		return;
	if (reason & VIRTIO_ISR_CONFIG)
		send(vp, vp->config_vector);
	if (!(reason & VIRTIO_ISR_VRING))
		return;
	if (q >= 0 && (unsigned int)q < vdev->nr_queues) {
		send(vp, vp->queue_vector[q]);
		return;
	}
	for (i = 0; i < vdev->nr_queues; i++)
		send(vp, vp->queue_vector[i]);
}

/* Route a vector once KVM exists; before, no message can be sent. */
static void msix_route(void *opaque, unsigned int vec, bool valid,
		       uint64_t addr, uint32_t data)
{
	struct virtio_pci *vp = opaque;

	if (vp->wired)
		vm_msi_route(vp->vdev->vm, vp->gsi[vec], valid, addr, data);
}

static void msix_signal(void *opaque, unsigned int vec)
{
	struct virtio_pci *vp = opaque;
	uint64_t one = 1;

	if (write(vp->irqfd[vec], &one, sizeof(one)) < 0)
		pr_debug("%s: MSI-X vector %u: irqfd write failed: %s",
			 vp->vdev->name, vec, strerror(errno));
}

static void msix_kick(void *opaque)
{
	struct virtio_pci *vp = opaque;
	uint64_t one = 1;

	if (write(vp->resume_fd, &one, sizeof(one)) < 0)
		pr_debug("%s: MSI-X resume: %s", vp->vdev->name, strerror(errno));
}

void virtio_pci_resume_msix(void *opaque)
{
	struct virtio_pci *vp = opaque;
	uint64_t n;

	if (read(vp->resume_fd, &n, sizeof(n)) < 0)
		return;
	/* Device context: its DMA (and IOMMU holds) are serialised here. */
	pthread_mutex_lock(&vp->vdev->lock);
	msix_resume(&vp->msix);
	pthread_mutex_unlock(&vp->vdev->lock);
}

static const struct msix_ops msix_ops = {
	.route = msix_route,
	.signal = msix_signal,
	.kick = msix_kick,
};

void virtio_pci_reset(struct virtio_dev *vdev)
{
	struct virtio_pci *vp = vdev->pci;
	unsigned int q;

	if (!vp)
		return;
	/* queue_size reads the largest size again (4.1.4.3.1). */
	vp->config_vector = MSIX_NO_VECTOR;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		vp->queue_vector[q] = MSIX_NO_VECTOR;
		vdev->vqs[q].size = q < vdev->nr_queues ? vdev->queue_max : 0;
	}
}

/* ---- the common configuration (4.1.4.3) ---- */

/* A field's width in bytes, by its offset; 0: no field starts there. */
static unsigned int field_width(uint64_t off)
{
	switch (off) {
	case VIRTIO_PCI_COMMON_DFSELECT:
	case VIRTIO_PCI_COMMON_DF:
	case VIRTIO_PCI_COMMON_GFSELECT:
	case VIRTIO_PCI_COMMON_GF:
		return 4;
	case VIRTIO_PCI_COMMON_MSIX:
	case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_Q_SELECT:
	case VIRTIO_PCI_COMMON_Q_SIZE:
	case VIRTIO_PCI_COMMON_Q_MSIX:
	case VIRTIO_PCI_COMMON_Q_ENABLE:
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return 2;
	case VIRTIO_PCI_COMMON_STATUS:
	case VIRTIO_PCI_COMMON_CFGGEN:
		return 1;
	case VIRTIO_PCI_COMMON_Q_DESC:
	case VIRTIO_PCI_COMMON_Q_AVAIL:
	case VIRTIO_PCI_COMMON_Q_USED:
		return 8;
	}
	return 0;
}

static uint64_t *queue_addr(struct virtqueue *vq, uint64_t field)
{
	switch (field) {
	case VIRTIO_PCI_COMMON_Q_DESC:
		return &vq->desc;
	case VIRTIO_PCI_COMMON_Q_AVAIL:
		return &vq->avail;
	}
	return &vq->used;
}

static uint64_t common_get(struct virtio_pci *vp, uint64_t field)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virtqueue *vq = virtio_core_queue(vdev, vdev->queue_sel);

	switch (field) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		return vdev->features_sel;
	case VIRTIO_PCI_COMMON_DF:
		return virtio_core_device_features(vdev, vdev->features_sel);
	case VIRTIO_PCI_COMMON_GFSELECT:
		return vdev->driver_features_sel;
	case VIRTIO_PCI_COMMON_GF:
		return virtio_core_driver_features(vdev,
						   vdev->driver_features_sel);
	case VIRTIO_PCI_COMMON_MSIX:
		return vp->config_vector;
	case VIRTIO_PCI_COMMON_NUMQ:
		return vdev->nr_queues;
	case VIRTIO_PCI_COMMON_STATUS:
		return vdev->status & 0xff;
	case VIRTIO_PCI_COMMON_CFGGEN:
		return vdev->config_generation & 0xff;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		return vdev->queue_sel & 0xffff;
	}
	if (!vq)	/* no such queue: size 0 says so (4.1.4.3.2) */
		return field == VIRTIO_PCI_COMMON_Q_MSIX ? MSIX_NO_VECTOR : 0;
	switch (field) {
	case VIRTIO_PCI_COMMON_Q_SIZE:
		return vq->size;
	case VIRTIO_PCI_COMMON_Q_MSIX:
		return vp->queue_vector[vdev->queue_sel];
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		return vq->ready;
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return vdev->queue_sel;	/* queue q notifies at 4 q */
	}
	return *queue_addr(vq, field);
}

/* A vector the table has, or NO_VECTOR: what the driver reads back. */
static uint16_t vector_ok(const struct virtio_pci *vp, uint64_t v)
{
	return v < vp->msix.nr ? (uint16_t)v : MSIX_NO_VECTOR;
}

static void common_set(struct virtio_pci *vp, uint64_t field, uint64_t v)
{
	struct virtio_dev *vdev = vp->vdev;
	struct virtqueue *vq = virtio_core_queue(vdev, vdev->queue_sel);

	switch (field) {
	case VIRTIO_PCI_COMMON_DFSELECT:
		vdev->features_sel = (uint32_t)v;
		return;
	case VIRTIO_PCI_COMMON_GFSELECT:
		vdev->driver_features_sel = (uint32_t)v;
		return;
	case VIRTIO_PCI_COMMON_GF:
		virtio_core_set_driver_features(vdev, vdev->driver_features_sel,
						(uint32_t)v);
		return;
	case VIRTIO_PCI_COMMON_MSIX:
		vp->config_vector = vector_ok(vp, v);
		return;
	case VIRTIO_PCI_COMMON_STATUS:
		virtio_core_set_status(vdev, (uint32_t)v);
		return;
	case VIRTIO_PCI_COMMON_Q_SELECT:
		vdev->queue_sel = (uint32_t)v;
		return;
	case VIRTIO_PCI_COMMON_DF:
	case VIRTIO_PCI_COMMON_NUMQ:
	case VIRTIO_PCI_COMMON_CFGGEN:
	case VIRTIO_PCI_COMMON_Q_NOFF:
		return;		/* read-only */
	}
	/* Queue registers: only for an existing queue, */
	if (!vq)
		return;
	switch (field) {
	case VIRTIO_PCI_COMMON_Q_MSIX:
		vp->queue_vector[vdev->queue_sel] = vector_ok(vp, v);
		return;
	case VIRTIO_PCI_COMMON_Q_ENABLE:
		virtio_core_queue_enable(vdev, vq, v != 0);
		return;
	}
	/* and its layout only while it is not live. */
	if (!virtio_core_queue_settable(vq))
		return;
	if (field == VIRTIO_PCI_COMMON_Q_SIZE)
		vq->size = (uint16_t)v;
	else
		*queue_addr(vq, field) = v;
}

/*
 * Each field in its natural width (4.1.3.1), a 64-bit one also as two
 * dwords; anything else reads zero and writes nothing. The lock held.
 */
static void common_access(struct virtio_pci *vp, uint64_t off, uint8_t *data,
			  uint32_t len, bool is_write)
{
	uint64_t field = off, v = 0, cur;
	unsigned int shift = 0;

	if (field_width(off) != len) {
		field = off & ~7ULL;
		shift = (unsigned int)(off & 7) * 8;
		if (len != 4 || field_width(field) != 8) {
			if (!is_write)
				memset(data, 0, len);
			return;
		}
	}
	if (!is_write) {
		v = common_get(vp, field) >> shift;
		memcpy(data, &v, len);
		return;
	}
	memcpy(&v, data, len);
	if (field_width(field) == 8 && len == 4) {
		cur = common_get(vp, field);
		v = shift ? (cur & 0xffffffffULL) | v << 32 :
			    (cur & ~0xffffffffULL) | v;
	}
	common_set(vp, field, v);
}

/* ---- BAR0 and BAR1 ---- */

static void notify_access(struct virtio_pci *vp, uint64_t off,
			  const uint8_t *data, uint32_t len, bool is_write)
{
	struct virtio_dev *vdev = vp->vdev;
	uint64_t q = off / VIRTIO_PCI_NOTIFY_MULTIPLIER;

	/* A write of the queue's index (2 bytes, or 4) at its address. */
	if (!is_write || off % VIRTIO_PCI_NOTIFY_MULTIPLIER ||
	    (len != 2 && len != 4) || q >= vdev->nr_queues)
		return;
	if (virtio_core_kick(vdev, (uint32_t)q))
		return;
	pthread_mutex_lock(&vdev->lock);
	virtio_core_notify_inline(vdev, (uint32_t)q);
	pthread_mutex_unlock(&vdev->lock);
}

void virtio_pci_regs_access(void *opaque, uint64_t off, uint8_t *data,
			    uint32_t len, bool is_write)
{
	struct virtio_pci *vp = opaque;
	struct virtio_dev *vdev = vp->vdev;

	if (!is_write)
		memset(data, 0, len);
	if (off >= VIRTIO_PCI_NOTIFY) {
		notify_access(vp, off - VIRTIO_PCI_NOTIFY, data, len, is_write);
		return;
	}
	if (off >= VIRTIO_PCI_ISR && off < VIRTIO_PCI_DEVICE) {
		/* One byte, read to clear; lock-free like virtio-mmio's. */
		if (!is_write && off == VIRTIO_PCI_ISR && len == 1)
			data[0] = (uint8_t)virtio_core_isr_take(vdev);
		return;
	}
	pthread_mutex_lock(&vdev->lock);
	if (off < VIRTIO_PCI_ISR)
		common_access(vp, off, data, len, is_write);
	else
		virtio_core_config_access(vdev, off - VIRTIO_PCI_DEVICE, data,
					  len, is_write);
	pthread_mutex_unlock(&vdev->lock);
}

/* Under the table's own lock, not the device's: see msix.h. */
void virtio_pci_msix_access(void *opaque, uint64_t off, uint8_t *data,
			    uint32_t len, bool is_write)
{
	struct virtio_pci *vp = opaque;

	if (off < VIRTIO_PCI_MSIX_PBA)
		msix_table_access(&vp->msix, off - VIRTIO_PCI_MSIX_TABLE, data,
				  len, is_write);
	else
		msix_pba_access(&vp->msix, off - VIRTIO_PCI_MSIX_PBA, data,
				len, is_write);
}

/* ---- configuration space ---- */

/*
 * The VIRTIO_PCI_CAP_PCI_CFG window (4.1.4.7): an access of cap.length
 * bytes at cap.offset of BAR cap.bar, through pci_cfg_data; ignored
 * unless the length is 1, 2 or 4, the offset aligned to it and the
 * access inside one of the function's BARs.
 */
static void cfg_window(struct virtio_pci *vp, bool is_write)
{
	struct pci_function *f = &vp->fn;
	uint8_t c = vp->cap_pci_cfg, bar = f->cfg[c + CFG_CAP_BAR];
	uint32_t off = pci_cfg_get(f, c + CFG_CAP_OFFSET, 4);
	uint32_t len = pci_cfg_get(f, c + CFG_CAP_LENGTH, 4);
	uint8_t *data = &f->cfg[c + CFG_CAP_DATA];

	if ((len != 1 && len != 2 && len != 4) || off % len ||
	    bar >= PCI_NR_BARS || !f->bars[bar].size ||
	    off > f->bars[bar].size - len)
		return;
	f->bars[bar].access(f->bars[bar].opaque, off, data, len, is_write);
}

/*
 * Bus Master Enable changed. Off needs nothing here: every access checks
 * it (the accessor, and ring views at each use). On lets held messages
 * go, from the device thread. Nothing here waits for the device lock: a
 * device thread holding it through a long batch (the test gate) must not
 * stall the vCPU that writes the command register, as vfio-pci does when
 * a guest program closes the device.
 */
static void bus_master_changed(struct virtio_pci *vp)
{
	bool on = __atomic_load_n(&vp->fn.bus_master, __ATOMIC_ACQUIRE);

	if (on == vp->bus_master)
		return;
	vp->bus_master = on;
	if (on && msix_pending(&vp->msix))
		msix_kick(vp);
}

static void fn_config_write(struct pci_function *f, uint32_t off, uint32_t len)
{
	struct virtio_pci *vp = f->opaque;

	if (overlaps(off, len, PCI_COMMAND, 2))
		bus_master_changed(vp);
	if (overlaps(off, len, vp->cap_msix + MSIX_CAP_CTRL, 2))
		msix_control(&vp->msix, (uint16_t)pci_cfg_get(f, vp->cap_msix +
							      MSIX_CAP_CTRL, 2));
	if (overlaps(off, len, vp->cap_pci_cfg + CFG_CAP_DATA, 4))
		cfg_window(vp, true);
}

static void fn_config_read(struct pci_function *f, uint32_t off, uint32_t len)
{
	struct virtio_pci *vp = f->opaque;

	if (overlaps(off, len, vp->cap_pci_cfg + CFG_CAP_DATA, 4))
		cfg_window(vp, false);
}

/* The notification ioeventfds at BAR0's place (@assign), or gone. */
static void notify_eventfds(struct virtio_pci *vp, bool assign)
{
	struct virtio_dev *vdev = vp->vdev;
	unsigned int q;

	for (q = 0; q < vdev->nr_queues; q++) {
		struct kvm_ioeventfd e = {
			.addr = vp->notify_gpa + q * VIRTIO_PCI_NOTIFY_MULTIPLIER,
			.len = 2, .fd = vdev->notify_fd[q],
			.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
		};

		if (vdev->inline_notify & (1U << q))
			continue;	/* an MMIO exit: notify_access() */
		/* Failing, notifications still come, as MMIO exits. */
		if (ioctl(vdev->vm->vm_fd, KVM_IOEVENTFD, &e) < 0)
			pr_debug("%s: queue %u: KVM_IOEVENTFD at 0x%llx: %s",
				 vdev->name, q, (unsigned long long)e.addr,
				 strerror(errno));
	}
}

static void fn_bar_map(struct pci_function *f, unsigned int bar, bool on,
		       uint64_t addr)
{
	struct virtio_pci *vp = f->opaque;

	if (bar != VIRTIO_PCI_BAR_REGS)
		return;
	if (vp->wired && vp->notify_gpa)
		notify_eventfds(vp, false);
	vp->notify_gpa = on ? addr + VIRTIO_PCI_NOTIFY : 0;
	if (vp->wired && vp->notify_gpa)
		notify_eventfds(vp, true);
}

static const struct pci_function_ops fn_ops = {
	.config_write = fn_config_write,
	.config_read = fn_config_read,
	.bar_map = fn_bar_map,
};

/* Append a capability of @len bytes at *@at, linked from the last one. */
static uint8_t add_cap(struct pci_function *f, uint8_t *at, uint8_t *last,
		       const void *cap, uint8_t len)
{
	uint8_t off = *at;

	memcpy(&f->cfg[off], cap, len);
	f->cfg[off + 1] = 0;
	f->cfg[*last ? *last + 1 : PCI_CAPABILITY_LIST] = off;
	*last = off;
	*at = (uint8_t)((off + len + 3) & ~3);	/* dword aligned */
	return off;
}

static void add_virtio_cap(struct pci_function *f, uint8_t *at, uint8_t *last,
			   uint8_t type, uint32_t offset, uint32_t length)
{
	struct virtio_pci_cap c = { .cap_vndr = PCI_CAP_ID_VNDR,
				    .cap_len = sizeof(c), .cfg_type = type,
				    .bar = VIRTIO_PCI_BAR_REGS,
				    .offset = offset, .length = length };

	add_cap(f, at, last, &c, sizeof(c));
}

static void add_caps(struct virtio_pci *vp)
{
	struct pci_function *f = &vp->fn;
	struct virtio_dev *vdev = vp->vdev;
	struct msix_cap msix = {
		.cap_id = PCI_CAP_ID_MSIX,
		.ctrl = (uint16_t)(vp->msix.nr - 1),
		.table = VIRTIO_PCI_MSIX_TABLE | VIRTIO_PCI_BAR_MSIX,
		.pba = VIRTIO_PCI_MSIX_PBA | VIRTIO_PCI_BAR_MSIX,
	};
	struct virtio_pci_notify_cap notify = {
		.cap = { .cap_vndr = PCI_CAP_ID_VNDR, .cap_len = sizeof(notify),
			 .cfg_type = VIRTIO_PCI_CAP_NOTIFY_CFG,
			 .bar = VIRTIO_PCI_BAR_REGS, .offset = VIRTIO_PCI_NOTIFY,
			 .length = vdev->nr_queues *
				   VIRTIO_PCI_NOTIFY_MULTIPLIER },
		.notify_off_multiplier = VIRTIO_PCI_NOTIFY_MULTIPLIER,
	};
	struct virtio_pci_cfg_cap window = {
		.cap = { .cap_vndr = PCI_CAP_ID_VNDR, .cap_len = sizeof(window),
			 .cfg_type = VIRTIO_PCI_CAP_PCI_CFG },
	};
	uint8_t at = PCI_CAP_START, last = 0;

	pci_cfg_set(f, PCI_STATUS, 2, PCI_STATUS_CAP_LIST);
	vp->cap_msix = add_cap(f, &at, &last, &msix, sizeof(msix));
	/* Enable and Function Mask are the guest's; the size is not. */
	f->wmask[vp->cap_msix + MSIX_CAP_CTRL + 1] =
		(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL) >> 8;
	add_virtio_cap(f, &at, &last, VIRTIO_PCI_CAP_COMMON_CFG,
		       VIRTIO_PCI_COMMON, VIRTIO_PCI_COMMON_LEN);
	add_cap(f, &at, &last, &notify, sizeof(notify));
	add_virtio_cap(f, &at, &last, VIRTIO_PCI_CAP_ISR_CFG, VIRTIO_PCI_ISR,
		       1);
	if (vdev->config_size)
		add_virtio_cap(f, &at, &last, VIRTIO_PCI_CAP_DEVICE_CFG,
			       VIRTIO_PCI_DEVICE, vdev->config_size);
	vp->cap_pci_cfg = add_cap(f, &at, &last, &window, sizeof(window));
	/* bar, offset, length and the data are the guest's to write. */
	memset(&f->wmask[vp->cap_pci_cfg + CFG_CAP_BAR], 0xff, 1);
	memset(&f->wmask[vp->cap_pci_cfg + CFG_CAP_OFFSET], 0xff, 8 + 4);
}

int virtio_pci_function_init(struct virtio_pci *vp, struct virtio_dev *vdev)
{
	struct pci_function *f = &vp->fn;
	unsigned int v;

	vp->resume_fd = -1;
	for (v = 0; v < MSIX_MAX_VECTORS; v++)
		vp->irqfd[v] = -1;
	/* A vector for the configuration, one per queue. */
	if (vdev->nr_queues + 1 > MSIX_MAX_VECTORS ||
	    vdev->config_size > VIRTIO_PCI_NOTIFY - VIRTIO_PCI_DEVICE)
		return -EINVAL;
	vp->vdev = vdev;
	vdev->pci = vp;
	pci_function_init(f, &fn_ops, vp);
	pci_cfg_set(f, PCI_VENDOR_ID, 2, VIRTIO_PCI_VENDOR);
	pci_cfg_set(f, PCI_DEVICE_ID, 2, VIRTIO_PCI_DEVICE_BASE + vdev->device_id);
	pci_cfg_set(f, PCI_REVISION_ID, 4, class_of(vdev->device_id) << 8 | 1);
	pci_cfg_set(f, PCI_SUBSYSTEM_VENDOR_ID, 2, VIRTIO_PCI_VENDOR);
	pci_cfg_set(f, PCI_SUBSYSTEM_ID, 2, VIRTIO_PCI_SUBSYSTEM);
	f->bars[VIRTIO_PCI_BAR_REGS] = (struct pci_bar){
		.size = VIRTIO_PCI_REGS_SIZE,
		.access = virtio_pci_regs_access, .opaque = vp };
	f->bars[VIRTIO_PCI_BAR_MSIX] = (struct pci_bar){
		.size = VIRTIO_PCI_MSIX_SIZE,
		.access = virtio_pci_msix_access, .opaque = vp };
	msix_init(&vp->msix, vdev->name, vdev->nr_queues + 1, &vdev->dma,
		  &msix_ops, vp);
	add_caps(vp);
	virtio_pci_reset(vdev);
	vp->resume_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vp->resume_fd < 0)
		return -errno;
	for (v = 0; v < vp->msix.nr; v++) {
		vp->irqfd[v] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->irqfd[v] < 0)
			return -errno;
	}
	return 0;
}

void virtio_pci_function_exit(struct virtio_pci *vp)
{
	unsigned int v;

	for (v = 0; v < MSIX_MAX_VECTORS; v++)
		if (vp->irqfd[v] >= 0)
			close(vp->irqfd[v]);
	if (vp->resume_fd >= 0)
		close(vp->resume_fd);
	msix_exit(&vp->msix);
	vp->vdev->pci = NULL;
}

/* ---- the VM ---- */

int virtio_pci_wire(struct virtio_dev *vdev)
{
	struct virtio_pci *vp = vdev->pci;
	unsigned int v;

	for (v = 0; v < vp->msix.nr; v++) {
		struct kvm_irqfd irqfd = { .fd = vp->irqfd[v], .gsi = vp->gsi[v] };

		if (ioctl(vdev->vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
			return -errno;
	}
	vp->wired = true;
	if (vp->notify_gpa)
		notify_eventfds(vp, true);
	return 0;
}

void virtio_pci_describe(struct virtio_dev *vdev, FILE *f)
{
	struct virtio_pci *vp = vdev->pci;

	fprintf(f, "virtio-pci at " PCI_BDF_FMT ", MSI-X %s: %llu sent, %llu written to memory, %llu refused",
		PCI_BDF_ARGS(vp->fn.devfn),
		vp->msix.enabled ? "on" : "off",
		(unsigned long long)vp->msix.sent,
		(unsigned long long)vp->msix.to_memory,
		(unsigned long long)vp->msix.refused);
}

int virtio_pci_init(struct vm *vm, struct virtio_dev *vdev)
{
	const struct machine_pci_host *p = &vm->machine.pci;
	struct virtio_pci *vp;
	struct pci_host *h;
	unsigned int v;
	int err;

	vdev->transport = VIRTIO_TRANSPORT_PCI;
	err = virtio_core_init(vm, vdev);
	if (err)
		return err;
	h = pci_host_get(vm, &err);
	if (!h)
		return err;
	vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	err = virtio_pci_function_init(vp, vdev);
	if (!err)
		err = io_loop_add(vdev->loop, vp->resume_fd,
				  virtio_pci_resume_msix, vp);
	if (!err)
		err = pci_host_add(h, &vp->fn);
	if (err) {
		pr_err("%s: no room on the PCI bus (%d slots, %llu MiB for BARs)",
		       vdev->name, PCI_SLOTS - 1,
		       (unsigned long long)(h->mmio_size >> 20));
		return err;
	}
	/* Bus 0: the requester ID is the devfn. */
	vdev->iommu_endpoint = vdev->want_iommu && p->iommu_endpoint_base >= 0 ?
			       p->iommu_endpoint_base + vp->fn.devfn : -1;
	err = virtio_core_attach_iommu(vdev);
	if (err)
		return err;
	vdev->dma.bus_master = &vp->fn.bus_master;
	for (v = 0; v < vp->msix.nr && !err; v++)
		err = vm_msi_gsi_alloc(vm, vp->fn.devfn, &vp->gsi[v]);
	if (!err)
		err = virtio_core_register(vdev);
	if (!err)
		pr_debug("%s: virtio-pci at " PCI_BDF_FMT ", BAR0 0x%x, IOMMU endpoint %d",
			 vdev->name, PCI_BDF_ARGS(vp->fn.devfn),
			 pci_cfg_get(&vp->fn, PCI_BAR0, 4), vdev->iommu_endpoint);
	return err;
}
