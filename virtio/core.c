// SPDX-License-Identifier: GPL-2.0
/*
 * What a virtio device is whatever its transport: see core.h. The state
 * machine and the validation here are the same for virtio-mmio and
 * virtio-pci drivers, so a hostile driver meets one set of rules.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../log.h"
#include "core.h"

bool virtio_has_feature(const struct virtio_dev *vdev, unsigned int bit)
{
	return vdev->guest_features & BIT_ULL(bit);
}

/* ---- interrupts ---- */

static void raise_interrupt(struct virtio_dev *vdev, uint32_t reason, int q)
{
	/* Atomic: the driver reads and acknowledges it without the lock. */
	__atomic_fetch_or(&vdev->isr, reason, __ATOMIC_SEQ_CST);
	switch (vdev->transport) {
	case VIRTIO_TRANSPORT_PCI:
		virtio_pci_interrupt(vdev, reason, q);
		break;
	case VIRTIO_TRANSPORT_MMIO:
		virtio_mmio_interrupt(vdev);
		break;
	}
}

void virtio_interrupt(struct virtio_dev *vdev, uint32_t reason)
{
	raise_interrupt(vdev, reason, -1);
}

void virtio_needs_reset(struct virtio_dev *vdev, const char *why)
{
	if (vdev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	pr_warn("%s: %s: device needs reset", vdev->name, why);
	vdev->status |= VIRTIO_STATUS_NEEDS_RESET;
	if (vdev->status & VIRTIO_STATUS_DRIVER_OK)
		virtio_interrupt(vdev, VIRTIO_ISR_CONFIG);
}

uint32_t virtio_core_isr(struct virtio_dev *vdev)
{
	return __atomic_load_n(&vdev->isr, __ATOMIC_SEQ_CST);
}

void virtio_core_isr_ack(struct virtio_dev *vdev, uint32_t bits)
{
	__atomic_fetch_and(&vdev->isr, ~bits, __ATOMIC_SEQ_CST);
}

uint32_t virtio_core_isr_take(struct virtio_dev *vdev)
{
	return __atomic_exchange_n(&vdev->isr, 0, __ATOMIC_SEQ_CST);
}

/* ---- completions ---- */

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
		raise_interrupt(vdev, VIRTIO_ISR_VRING, (int)(vq - vdev->vqs));
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

/* ---- notifications ---- */

/* Queue @q was notified: run the device on it if it is live (lock held). */
static void queue_notified(struct virtio_dev *vdev, unsigned int q)
{
	if ((vdev->status & VIRTIO_STATUS_DRIVER_OK) &&
	    !(vdev->status & VIRTIO_STATUS_NEEDS_RESET) && vdev->vqs[q].ready)
		vdev->ops->queue_notify(vdev, q);
}

void virtio_core_notify_inline(struct virtio_dev *vdev, uint32_t q)
{
	if (q < vdev->nr_queues && (vdev->inline_notify & (1U << q)))
		queue_notified(vdev, q);
}

bool virtio_core_kick(struct virtio_dev *vdev, uint32_t q)
{
	uint64_t one = 1;

	if (q >= vdev->nr_queues || (vdev->inline_notify & (1U << q)))
		return false;
	if (write(vdev->notify_fd[q], &one, sizeof(one)) < 0)
		pr_debug("%s: notify failed", vdev->name);
	return true;
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

/* ---- the status state machine ---- */

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
	if (vdev->transport == VIRTIO_TRANSPORT_PCI)
		virtio_pci_reset(vdev);
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

void virtio_core_set_status(struct virtio_dev *vdev, uint32_t v)
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

/* ---- features ---- */

uint32_t virtio_core_device_features(const struct virtio_dev *vdev,
				     uint32_t sel)
{
	return sel > 1 ? 0 : (uint32_t)(vdev->host_features >> (32 * sel));
}

void virtio_core_set_driver_features(struct virtio_dev *vdev, uint32_t sel,
				     uint32_t v)
{
	uint64_t *f = &vdev->guest_features;

	/* Frozen from FEATURES_OK on: the device has agreed to a set. */
	if (sel > 1 || (vdev->status & VIRTIO_STATUS_FEATURES_OK))
		return;
	if (sel)
		*f = (*f & 0xffffffffULL) | ((uint64_t)v << 32);
	else
		*f = (*f & ~0xffffffffULL) | v;
}

uint32_t virtio_core_driver_features(const struct virtio_dev *vdev,
				     uint32_t sel)
{
	return sel > 1 ? 0 : (uint32_t)(vdev->guest_features >> (32 * sel));
}

/* ---- queues ---- */

struct virtqueue *virtio_core_queue(struct virtio_dev *vdev, uint32_t sel)
{
	return sel < vdev->nr_queues ? &vdev->vqs[sel] : NULL;
}

static bool queue_layout_ok(const struct virtqueue *vq, uint16_t max)
{
	/* Power-of-two size (2.7), and the alignment 2.7 asks for. */
	return vq->size && vq->size <= max && !(vq->size & (vq->size - 1)) &&
	       !(vq->desc & 15) && !(vq->avail & 1) && !(vq->used & 3);
}

void virtio_core_queue_enable(struct virtio_dev *vdev, struct virtqueue *vq,
			      bool enable)
{
	/*
	 * Disabling reads back as such: a driver giving up on a queue
	 * writes 0 and checks (Linux's vm_del_vq()). Not once DRIVER_OK is
	 * set, though: the device may have requests of the queue in flight
	 * then, and only a reset stops it.
	 */
	if (!enable) {
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

/* ---- device configuration ---- */

void virtio_core_config_access(struct virtio_dev *vdev, uint64_t off,
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
		vdev->ops->config_write(vdev, (uint32_t)off, data, len);
}

/* ---- life cycle ---- */

int virtio_core_init(struct vm *vm, struct virtio_dev *vdev)
{
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
	vdev->host_features |= BIT_ULL(VIRTIO_F_VERSION_1);
	pthread_mutex_init(&vdev->lock, NULL);
	for (q = 0; q < vdev->nr_queues; q++) {
		vdev->notify_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vdev->notify_fd[q] < 0)
			return -errno;
	}
	vdev->loop = io_loop_create(vdev->name);
	if (!vdev->loop)
		return -ENOMEM;
	for (q = 0, err = 0; q < vdev->nr_queues && !err; q++)
		err = io_loop_add(vdev->loop, vdev->notify_fd[q],
				  notify_fns[q], vdev);
	return err;
}

int virtio_core_attach_iommu(struct virtio_dev *vdev)
{
	struct vm *vm = vdev->vm;

	if (!vdev->want_iommu || !vm->iommu_attach) {
		vdev->iommu_endpoint = -1;
		return 0;
	}
	return vm->iommu_attach(vm->iommu, vdev);
}

static int core_start(void *opaque)
{
	struct virtio_dev *vdev = opaque;
	int err = 0;

	switch (vdev->transport) {
	case VIRTIO_TRANSPORT_PCI:
		err = virtio_pci_wire(vdev);
		break;
	case VIRTIO_TRANSPORT_MMIO:
		err = virtio_mmio_wire(vdev);
		break;
	}
	if (err) {
		pr_err("%s: cannot wire ioeventfd/irqfd: %s", vdev->name,
		       strerror(-err));
		return err;
	}
	return virtio_core_start_thread(vdev);
}

static void core_stop(void *opaque)
{
	struct virtio_dev *vdev = opaque;

	io_loop_stop(vdev->loop);
	/* The thread is gone: the device may finish up without the lock. */
	if (vdev->ops->shutdown)
		vdev->ops->shutdown(vdev);
}

static void core_stat(void *opaque, FILE *f)
{
	struct virtio_dev *vdev = opaque;

	pthread_mutex_lock(&vdev->lock);
	fprintf(f, "  %s: ", vdev->name);
	switch (vdev->transport) {
	case VIRTIO_TRANSPORT_PCI:
		virtio_pci_describe(vdev, f);
		break;
	case VIRTIO_TRANSPORT_MMIO:
		virtio_mmio_describe(vdev, f);
		break;
	}
	fprintf(f, ", status 0x%x%s", vdev->status, vdev->iommu_endpoint >= 0 ?
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

int virtio_core_register(struct virtio_dev *vdev)
{
	struct vm_device hooks = { .start = core_start, .stop = core_stop,
				   .stat = core_stat, .opaque = vdev };

	return vm_add_device(vdev->vm, &hooks);
}

int virtio_core_start_thread(struct virtio_dev *vdev)
{
	return io_loop_start(vdev->loop);
}

void virtio_core_exit(struct virtio_dev *vdev)
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

int virtio_dev_init(struct vm *vm, struct virtio_dev *vdev)
{
	switch (vdev->transport) {
	case VIRTIO_TRANSPORT_PCI:
		return virtio_pci_init(vm, vdev);
	case VIRTIO_TRANSPORT_MMIO:
		break;
	}
	return virtio_mmio_init(vm, vdev);
}
