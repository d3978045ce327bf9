// SPDX-License-Identifier: GPL-2.0
/* virtio-rng (virtio 1.2, 5.4): fills the driver's buffers from getrandom. */
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "../log.h"
#include "virtio.h"

#define RNG_QUEUE_SIZE	64
#define RNG_MAX_IOV	16

struct rng_dev {
	struct virtio_dev vdev;
	struct vq_chain chain;
	uint64_t requests, bytes;	/* under vdev.lock */
};

/* Fill the writable buffers; returns the bytes written. */
static uint32_t rng_fill(struct rng_dev *r)
{
	struct iovec iov[RNG_MAX_IOV];
	uint32_t total = 0;
	unsigned int i;
	int n, j;

	for (i = r->chain.nr_readable; i < r->chain.nr; i++) {
		const struct vq_buf *b = &r->chain.buf[i];

		n = dma_map(&r->vdev.dma, b->addr, b->len, DMA_TO_GUEST, iov,
			    RNG_MAX_IOV);
		if (n < 0)
			break;	/* a bad buffer ends the request here */
		for (j = 0; j < n; j++) {
			ssize_t got = getrandom(iov[j].iov_base, iov[j].iov_len,
						0);

			if (got < 0)
				return total;
			total += got;
			if ((size_t)got < iov[j].iov_len)
				return total;
		}
	}
	return total;
}

static void rng_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct rng_dev *r = vdev->priv;
	struct virtqueue *vq = &vdev->vqs[0];

	while (virtio_next_chain(vdev, vq, &r->chain)) {
		uint32_t n = rng_fill(r);

		r->requests++;
		r->bytes += n;
		virtio_complete(vdev, vq, r->chain.head, n);
	}
}

static void rng_stat(struct virtio_dev *vdev, FILE *f)
{
	struct rng_dev *r = vdev->priv;

	fprintf(f, "virtio-rng; requests: %llu, %llu bytes",
		(unsigned long long)r->requests, (unsigned long long)r->bytes);
}

static const struct virtio_dev_ops rng_ops = {
	.queue_notify = rng_queue_notify,
	.stat = rng_stat,
};

int rng_create(struct vm *vm)
{
	struct rng_dev *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->vdev.name = "rng";
	r->vdev.device_id = VIRTIO_ID_RNG;
	r->vdev.host_features = BIT_ULL(VIRTIO_F_INDIRECT_DESC) |
				BIT_ULL(VIRTIO_F_EVENT_IDX);
	r->vdev.nr_queues = 1;
	r->vdev.queue_max = RNG_QUEUE_SIZE;
	r->vdev.ops = &rng_ops;
	r->vdev.priv = r;
	r->vdev.iommu_endpoint = -1;
	r->vdev.want_iommu = vm->cfg->iommu;
	r->vdev.transport = vm->cfg->rng_transport;
	return virtio_dev_init(vm, &r->vdev);
}
