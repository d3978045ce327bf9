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
#include "virtio.h"

#define MMIO_VENDOR		0x4d564f49	/* "IOVM" */

bool virtio_has_feature(const struct virtio_dev *vdev, unsigned int bit)
{
	return vdev->guest_features & BIT_ULL(bit);
}

static void irq_raise(struct virtio_dev *vdev)
{
	uint64_t one = 1;

	if (write(vdev->irq_fd, &one, sizeof(one)) < 0)
		pr_debug("%s: irqfd write failed: %s", vdev->name,
			 strerror(errno));
}

void virtio_interrupt(struct virtio_dev *vdev, uint32_t reason)
{
	/* Atomic: the driver reads and acknowledges it without the lock. */
	__atomic_fetch_or(&vdev->isr, reason, __ATOMIC_SEQ_CST);
	irq_raise(vdev);
}

void virtio_needs_reset(struct virtio_dev *vdev, const char *why)
{
	if (vdev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	pr_warn("%s: %s: device needs reset", vdev->name, why);
	vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (vdev->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_interrupt(vdev, VIRTIO_MMIO_INT_CONFIG);
}

void virtio_push(struct virtio_dev *vdev, struct virtqueue *vq,
		 uint16_t head, uint32_t len)
{
	if (!vq->ready)
		return;		/* no used ring: see virtio_notify_used() */
	if (vq_push(vq, head, len))
		virtio_needs_reset(vdev, "used ring is not writable");
}

void virtio_notify_used(struct virtio_dev *vdev, struct virtqueue *vq)
{
	/*
	 * A queue that is not live has no rings to read the driver's wish
	 * from (a completion handler may run late, after a reset).
	 */
	if (!vq->ready)
		return;
	/* Nothing new since the last check: nothing to say. */
	if (vq->signalled_valid && vq->signalled_used == vq->used_idx)
		return;
	if (vq_should_notify(vq))
		virtio_interrupt(vdev, VIRTIO_MMIO_INT_VRING);
}

void virtio_complete(struct virtio_dev *vdev, struct virtqueue *vq,
		     uint16_t head, uint32_t len)
{
	virtio_push(vdev, vq, head, len);
	virtio_notify_used(vdev, vq);
}

bool virtio_next_chain(struct virtio_dev *vdev, struct virtqueue *vq,
		       struct vq_chain *chain)
{
	for (;;) {
		switch (vq_pop(vq, chain)) {
		case VQ_CHAIN:
			return true;
		case VQ_BROKEN:
			virtio_needs_reset(vdev, "malformed virtqueue");
			return false;
		case VQ_EMPTY:
			break;
		}
		/* Ask for a notification, then look again: the driver may
		 * have added a chain before it saw the request. */
		vq_enable_notify(vq, true);
		if (!vq_has_work(vq))
			return false;
	}
}

/* Called on resample (the guest EOI'd): re-raise if still pending. */
static int mmio_start(void *opaque);
static void mmio_stop(void *opaque);
static void mmio_stat(void *opaque, FILE *f);

static void on_resample(void *opaque)
{
	struct virtio_dev *vdev = opaque;
	uint64_t v;

	if (read(vdev->resample_fd, &v, sizeof(v)) < 0)
		return;
	if (__atomic_load_n(&vdev->isr, __ATOMIC_SEQ_CST))
		irq_raise(vdev);
}

/* Queue @q was notified: run the device on it if it is live (lock held). */
static void queue_notified(struct virtio_dev *vdev, unsigned int q)
{
	if ((vdev->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(vdev->status & VIRTIO_STATUS_NEEDS_RESET) && vdev->vqs[q].ready)
		vdev->ops->queue_notify(vdev, q);
}

static void on_notify(struct virtio_dev *vdev, unsigned int q)
{
	uint64_t v;

	if (read(vdev->notify_fd[q], &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&vdev->lock);
	queue_notified(vdev, q);
	pthread_mutex_unlock(&vdev->lock);
}

#define NOTIFY_FN(n) \
	static void on_notify##n(void *o) { on_notify(o, n); }
NOTIFY_FN(0)
NOTIFY_FN(1)
NOTIFY_FN(2)
NOTIFY_FN(3)
static const io_loop_fn notify_fns[VIRTIO_MAX_QUEUES] = {
	on_notify0, on_notify1, on_notify2, on_notify3,
};

static void virtio_reset(struct virtio_dev *vdev)
{
	unsigned int i;

	if (vdev->ops->reset)
		vdev->ops->reset(vdev);
	for (i = 0; i < vdev->nr_queues; i++)
		vq_reset(&vdev->vqs[i]);
	vdev->guest_features = 0;
	vdev->status = 0;
	__atomic_store_n(&vdev->isr, 0, __ATOMIC_SEQ_CST);
	vdev->features_sel = vdev->driver_features_sel = vdev->queue_sel = 0;
}

static bool features_acceptable(struct virtio_dev *vdev)
{
	uint64_t f = vdev->guest_features;

	if (f & ~vdev->host_features)
		return false;
	if (!(f & BIT_ULL(VIRTIO_F_VERSION_1)))
		return false;	/* legacy drivers are not served */
	/* Behind the IOMMU, a driver that bypasses it must not run. */
	if ((vdev->host_features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)) &&
	    !(f & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)))
		return false;
	return true;
}

static void status_write(struct virtio_dev *vdev, uint32_t v)
{
	uint32_t old = vdev->status;
	unsigned int i;

	if (v == 0) {
		virtio_reset(vdev);
		return;
	}
	/* The driver may only add bits (and never NEEDS_RESET itself). */
	v &= ~VIRTIO_STATUS_NEEDS_RESET;
	if ((v & old) != (old & ~VIRTIO_STATUS_NEEDS_RESET)) {
		pr_debug("%s: status 0x%x -> 0x%x clears bits; ignored",
			 vdev->name, old, v);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) &&
	    !(old & VIRTIO_STATUS_FEATURES_OK) && !features_acceptable(vdev))
		v &= ~VIRTIO_STATUS_FEATURES_OK;	/* driver reads it back */
	if ((v & VIRTIO_STATUS_DRIVER_OK) && !(old & VIRTIO_STATUS_DRIVER_OK)) {
		if (!(v & VIRTIO_STATUS_FEATURES_OK)) {
			virtio_needs_reset(vdev, "DRIVER_OK without FEATURES_OK");
			return;
		}
		for (i = 0; i < vdev->nr_queues; i++)
			vdev->vqs[i].event_idx =
				virtio_has_feature(vdev, VIRTIO_F_EVENT_IDX);
		vdev->status = v | (old & VIRTIO_STATUS_NEEDS_RESET);
		if (vdev->ops->activate && vdev->ops->activate(vdev))
			virtio_needs_reset(vdev, "activation failed");
		return;
	}
	vdev->status = v | (old & VIRTIO_STATUS_NEEDS_RESET);
}

static bool queue_layout_ok(const struct virtqueue *vq, uint16_t max)
{
	/* Power-of-two size (2.7), and the alignment 2.7 asks for. */
	return vq->size && vq->size <= max && !(vq->size & (vq->size - 1)) &&
	       !(vq->desc & 15) && !(vq->avail & 1) && !(vq->used & 3);
}

static void queue_ready_write(struct virtio_dev *vdev, struct virtqueue *vq,
			      uint32_t v)
{
	/*
	 * The register reads back what was written: a driver giving up on
	 * a queue writes 0 and checks (Linux's vm_del_vq()). Not once
	 * DRIVER_OK is set, though: the device may have requests of the
	 * queue in flight then, and only a reset stops it.
	 */
	if (!v) {
		if (!(vdev->status & VIRTIO_STATUS_DRIVER_OK))
			vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	if (!queue_layout_ok(vq, vdev->queue_max)) {
		virtio_needs_reset(vdev, "queue size or ring alignment invalid");
		return;
	}
	vq->last_avail = vq->used_idx = vq->avail_pending = 0;
	vq->signalled_valid = false;
	vq_map_rings(vq);
	vq->ready = true;
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
	struct virtqueue *vq = vdev->queue_sel < vdev->nr_queues ?
			       &vdev->vqs[vdev->queue_sel] : NULL;

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
		return vdev->features_sel > 1 ? 0 :
		       (uint32_t)(vdev->host_features >>
				  (32 * vdev->features_sel));
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
	struct virtqueue *vq = vdev->queue_sel < vdev->nr_queues ?
			       &vdev->vqs[vdev->queue_sel] : NULL;
	bool setting_up = !(vdev->status & VIRTIO_STATUS_FEATURES_OK);

	switch (off) {
	case VIRTIO_MMIO_DEV_FEATURES_SEL:
		vdev->features_sel = v;
		return;
	case VIRTIO_MMIO_DRV_FEATURES:
		if (!setting_up || vdev->driver_features_sel > 1)
			return;
		if (vdev->driver_features_sel)
			set_hi(&vdev->guest_features, v);
		else
			set_lo(&vdev->guest_features, v);
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
		if (v < vdev->nr_queues && (vdev->inline_notify & (1U << v)))
			queue_notified(vdev, v);
		return;
	case VIRTIO_MMIO_STATUS:
		status_write(vdev, v);
		return;
	}
	/* Queue registers: only for an existing queue, */
	if (!vq)
		return;
	if (off == VIRTIO_MMIO_QUEUE_READY) {
		queue_ready_write(vdev, vq, v);
		return;
	}
	/* and its layout only while it is not live. */
	if (vq->ready)
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

static void config_access(struct virtio_dev *vdev, uint64_t off,
			  uint8_t *data, uint32_t len, bool is_write)
{
	if (off > vdev->config_size || len > vdev->config_size - off) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (!is_write)
		memcpy(data, vdev->config + off, len);
	else if (vdev->ops->config_write)
		vdev->ops->config_write(vdev, off, data, len);
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
		v = __atomic_load_n(&vdev->isr, __ATOMIC_SEQ_CST);
		memcpy(data, &v, 4);
		return true;
	}
	if (!is_write)
		return false;
	memcpy(&v, data, 4);
	if (off == VIRTIO_MMIO_INT_ACK) {
		__atomic_fetch_and(&vdev->isr, ~v, __ATOMIC_SEQ_CST);
		return true;
	}
	if (off == VIRTIO_MMIO_QUEUE_NOTIFY && v < vdev->nr_queues &&
	    !(vdev->inline_notify & (1U << v))) {
		uint64_t one = 1;

		if (write(vdev->notify_fd[v], &one, sizeof(one)) < 0)
			pr_debug("%s: notify failed", vdev->name);
		return true;
	}
	return false;
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
		config_access(vdev, off - VIRTIO_MMIO_CONFIG, data, len, is_write);
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

static int kvm_wire(struct virtio_dev *vdev)
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

static int make_eventfds(struct virtio_dev *vdev)
{
	unsigned int q;

	vdev->irq_fd = eventfd(0, EFD_CLOEXEC);
	vdev->resample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vdev->irq_fd < 0 || vdev->resample_fd < 0)
		return -errno;
	for (q = 0; q < vdev->nr_queues; q++) {
		vdev->notify_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vdev->notify_fd[q] < 0)
			return -errno;
	}
	return 0;
}

int virtio_mmio_init(struct vm *vm, struct virtio_dev *vdev)
{
	struct machine_dev node = { .kind = MACHINE_DEV_VIRTIO_MMIO,
				    .size = SZ_4K };
	unsigned int q;
	int err;

	if (vdev->nr_queues > VIRTIO_MAX_QUEUES)
		return -EINVAL;
	vdev->vm = vm;
	vdev->irq_fd = vdev->resample_fd = -1;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		vdev->notify_fd[q] = -1;
		vdev->vqs[q].dma = &vdev->dma;
	}
	if (!vdev->dma.mem)
		dma_space_identity(&vdev->dma, &vm->mem);
	if (vdev->want_iommu && vm->iommu_attach) {
		err = vm->iommu_attach(vm->iommu, vdev);
		if (err)
			return err;
	}
	vdev->host_features |= BIT_ULL(VIRTIO_F_VERSION_1);
	pthread_mutex_init(&vdev->lock, NULL);

	err = vm_alloc_device(vm, &vdev->mmio_base, &vdev->irq);
	if (err) {
		pr_err("%s: no room for another device (MMIO window or IO-APIC pin)",
		       vdev->name);
		return err;
	}
	err = make_eventfds(vdev);
	if (err)
		return err;
	vdev->loop = io_loop_create(vdev->name);
	if (!vdev->loop)
		return -ENOMEM;
	err = io_loop_add(vdev->loop, vdev->resample_fd, on_resample, vdev);
	for (q = 0; q < vdev->nr_queues && !err; q++)
		err = io_loop_add(vdev->loop, vdev->notify_fd[q],
				  notify_fns[q], vdev);
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
	if (!err) {
		struct vm_device hooks = { .start = mmio_start,
			.stop = mmio_stop, .stat = mmio_stat, .opaque = vdev };

		err = vm_add_device(vm, &hooks);
	}
	return err;
}

static int mmio_start(void *opaque)
{
	return virtio_mmio_start(opaque);
}

static void mmio_stop(void *opaque)
{
	struct virtio_dev *vdev = opaque;

	io_loop_stop(vdev->loop);
	/* The thread is gone: the device may finish up without the lock. */
	if (vdev->ops->shutdown)
		vdev->ops->shutdown(vdev);
}

static void mmio_stat(void *opaque, FILE *f)
{
	struct virtio_dev *vdev = opaque;

	pthread_mutex_lock(&vdev->lock);
	fprintf(f, "  %s: virtio-mmio at 0x%llx, irq %u, status 0x%x%s",
		vdev->name, (unsigned long long)vdev->mmio_base, vdev->irq,
		vdev->status, vdev->iommu_endpoint >= 0 ?
		", behind the iommu" : "");
	if (vdev->iommu_endpoint >= 0)
		fprintf(f, " (endpoint %d)", vdev->iommu_endpoint);
	if (vdev->ops->stat) {
		fputs(": ", f);
		vdev->ops->stat(vdev, f);
	}
	fputc('\n', f);
	pthread_mutex_unlock(&vdev->lock);
}

int virtio_mmio_start(struct virtio_dev *vdev)
{
	int err = kvm_wire(vdev);

	if (err) {
		pr_err("%s: cannot wire ioeventfd/irqfd: %s", vdev->name,
		       strerror(-err));
		return err;
	}
	return io_loop_start(vdev->loop);
}

int virtio_mmio_start_detached(struct virtio_dev *vdev)
{
	return io_loop_start(vdev->loop);
}

void virtio_mmio_exit(struct virtio_dev *vdev)
{
	unsigned int q;

	if (vdev->loop) {
		io_loop_stop(vdev->loop);
		io_loop_destroy(vdev->loop);
		vdev->loop = NULL;
	}
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		if (vdev->notify_fd[q] >= 0)
			close(vdev->notify_fd[q]);
	if (vdev->irq_fd >= 0)
		close(vdev->irq_fd);
	if (vdev->resample_fd >= 0)
		close(vdev->resample_fd);
	pthread_mutex_destroy(&vdev->lock);
}
