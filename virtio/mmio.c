// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-mmio, version 2 (virtio 1.2, 4.2.2). Register accesses arrive on
 * vCPU threads as MMIO exits; queue notifications bypass them through
 * ioeventfds and wake the device's own thread; interrupts go back through
 * an irqfd on a level-triggered IO-APIC pin, re-raised on resample while
 * InterruptStatus still has bits set, so none is lost or left stuck.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../log.h"
#include "core.h"

#define MMIO_VENDOR		0x4d564f49	/* "IOVM" */

void virtio_mmio_interrupt(struct virtio_dev *vdev)
{
	uint64_t one = 1;

	if (write(vdev->irq_fd, &one, sizeof(one)) < 0)
		pr_debug("%s: irqfd write failed: %s", vdev->name,
			 strerror(errno));
}

/* Called on resample (the guest EOI'd): re-raise if still pending. */
static void on_resample(void *opaque)
{
	struct virtio_dev *vdev = opaque;
	uint64_t v;

	if (read(vdev->resample_fd, &v, sizeof(v)) < 0)
		return;
	if (virtio_core_isr(vdev))
		virtio_mmio_interrupt(vdev);
}

static void set_lo(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffULL) | v;
}

static void set_hi(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffULL) | ((uint64_t)v << 32);
}

/* Registers under the device lock; InterruptStatus is fast_access()'s. */
static uint32_t reg_read(struct virtio_dev *vdev, uint64_t off)
{
	struct virtqueue *vq = virtio_core_queue(vdev, vdev->queue_sel);

	switch (off) {
	case VIRTIO_MMIO_MAGIC:
		return VIRTIO_MMIO_MAGIC_VALUE;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return vdev->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return MMIO_VENDOR;
	case VIRTIO_MMIO_DEV_FEATURES:
		return virtio_core_device_features(vdev, vdev->features_sel);
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? vdev->queue_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_STATUS:
		return vdev->status;
	case VIRTIO_MMIO_SHM_LEN_LO:
	case VIRTIO_MMIO_SHM_LEN_HI:
		return 0xffffffff;	/* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GEN:
		return vdev->config_generation;
	}
	return 0;
}

/* Registers under the device lock; InterruptACK is fast_access()'s. */
static void reg_write(struct virtio_dev *vdev, uint64_t off, uint32_t v)
{
	struct virtqueue *vq = virtio_core_queue(vdev, vdev->queue_sel);

	switch (off) {
	case VIRTIO_MMIO_DEV_FEATURES_SEL:
		vdev->features_sel = v;
		return;
	case VIRTIO_MMIO_DRV_FEATURES:
		virtio_core_set_driver_features(vdev, vdev->driver_features_sel,
						v);
		return;
	case VIRTIO_MMIO_DRV_FEATURES_SEL:
		vdev->driver_features_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		vdev->queue_sel = v;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/*
		 * An inline queue runs here, on the notifying thread. Others
		 * normally arrive through an ioeventfd, or else through
		 * fast_access(), without the lock.
		 */
		virtio_core_notify_inline(vdev, v);
		return;
	case VIRTIO_MMIO_STATUS:
		virtio_core_set_status(vdev, v);
		return;
	}
	/* Queue registers: only for an existing queue, */
	if (!vq)
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		virtio_core_queue_enable(vdev, vq, v != 0);
		return;
	}
	/* and its layout only while it is not live. */
	if (!virtio_core_queue_settable(vq))
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vq->size = v > 0xffff ? 0 : (uint16_t)v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LO:
		set_lo(&vq->desc, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HI:
		set_hi(&vq->desc, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LO:
		set_lo(&vq->avail, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HI:
		set_hi(&vq->avail, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LO:
		set_lo(&vq->used, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_HI:
		set_hi(&vq->used, v);
		break;
	}
}

/*
 * The registers of a driver's hot path, served without the device lock: a
 * device thread holds it through a whole batch of requests, and a vCPU
 * that reads or acknowledges the interrupt, or kicks a queue whose
 * notifications go to the device thread anyway, must not wait for that.
 * Neither touches state the lock protects: the ISR is atomic, and the
 * notification eventfds live as long as the device.
 */
static bool fast_access(struct virtio_dev *vdev, uint64_t off, uint8_t *data,
			uint32_t len, bool is_write)
{
	uint32_t v;

	if (len != 4)
		return false;
	if (!is_write && off == VIRTIO_MMIO_INT_STATUS) {
		v = virtio_core_isr(vdev);
		memcpy(data, &v, 4);
		return true;
	}
	if (!is_write)
		return false;
	memcpy(&v, data, 4);
	if (off == VIRTIO_MMIO_INT_ACK) {
		virtio_core_isr_ack(vdev, v);
		return true;
	}
	return off == VIRTIO_MMIO_QUEUE_NOTIFY && virtio_core_kick(vdev, v);
}

void virtio_mmio_access(void *opaque, uint64_t off, uint8_t *data,
			uint32_t len, bool is_write)
{
	struct virtio_dev *vdev = opaque;
	uint32_t v = 0;

	if (fast_access(vdev, off, data, len, is_write))
		return;
	pthread_mutex_lock(&vdev->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		virtio_core_config_access(vdev, off - VIRTIO_MMIO_CONFIG, data,
					  len, is_write);
	} else if (len != 4 || (off & 3)) {
		/* Registers are 32-bit only (4.2.2.2). */
		if (!is_write)
			memset(data, 0, len);
	} else if (is_write) {
		memcpy(&v, data, 4);
		reg_write(vdev, off, v);
	} else {
		v = reg_read(vdev, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&vdev->lock);
}

int virtio_mmio_wire(struct virtio_dev *vdev)
{
	struct vm *vm = vdev->vm;
	struct kvm_irqfd irqfd = {
		.fd = vdev->irq_fd, .gsi = vdev->irq,
		.flags = KVM_IRQFD_FLAG_RESAMPLE,
		.resamplefd = vdev->resample_fd,
	};
	unsigned int q;

	if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) < 0)
		return -errno;
	for (q = 0; q < vdev->nr_queues; q++) {
		if (vdev->inline_notify & (1U << q))
			continue;	/* an MMIO exit: see VIRTIO_MMIO_QUEUE_NOTIFY */
		struct kvm_ioeventfd ioev = {
			.datamatch = q,
			.addr = vdev->mmio_base + VIRTIO_MMIO_QUEUE_NOTIFY,
			.len = 4,
			.fd = vdev->notify_fd[q],
			.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
		};

		if (ioctl(vm->vm_fd, KVM_IOEVENTFD, &ioev) < 0)
			return -errno;
	}
	return 0;
}

void virtio_mmio_describe(struct virtio_dev *vdev, FILE *f)
{
	fprintf(f, "virtio-mmio at 0x%llx, irq %u",
		(unsigned long long)vdev->mmio_base, vdev->irq);
}

/* The level interrupt: an irqfd, and its resample eventfd. */
static int make_irq_fds(struct virtio_dev *vdev)
{
	vdev->irq_fd = eventfd(0, EFD_CLOEXEC);
	vdev->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vdev->irq_fd < 0 || vdev->resample_fd < 0)
		return -errno;
	return io_loop_add(vdev->loop, vdev->resample_fd, on_resample, vdev);
}

int virtio_mmio_init(struct vm *vm, struct virtio_dev *vdev)
{
	struct machine_dev node = { .kind = MACHINE_DEV_VIRTIO_MMIO,
				    .size = SZ_4K };
	int err;

	vdev->transport = VIRTIO_TRANSPORT_MMIO;
	err = virtio_core_init(vm, vdev);
	if (!err)
		err = virtio_core_attach_iommu(vdev);
	if (err)
		return err;
	err = vm_alloc_device(vm, &vdev->mmio_base, &vdev->irq);
	if (err) {
		pr_err("%s: no room for another device (MMIO window or IO-APIC pin)",
		       vdev->name);
		return err;
	}
	err = make_irq_fds(vdev);
	if (!err)
		err = io_bus_register(&vm->mmio, vdev->mmio_base, SZ_4K,
				      virtio_mmio_access, vdev, vdev->name);
	node.base = vdev->mmio_base;
	node.irq = (int)vdev->irq;
	node.is_iommu = vdev->device_id == VIRTIO_ID_IOMMU;
	node.iommu_endpoint = vdev->iommu_endpoint;
	if (!err)
		err = machine_add_dev(&vm->machine, &node);
	if (!err)
		pr_debug("%s: virtio-mmio at 0x%llx, IRQ %u, IOMMU endpoint %d",
			 vdev->name, (unsigned long long)vdev->mmio_base,
			 vdev->irq, vdev->iommu_endpoint);
	if (!err)
		err = virtio_core_register(vdev);
	return err;
}

int virtio_mmio_start_detached(struct virtio_dev *vdev)
{
	return virtio_core_start_thread(vdev);
}
