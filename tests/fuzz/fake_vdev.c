// SPDX-License-Identifier: GPL-2.0
/* The register-file harnesses' device: see fake_vdev.h. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "../../log.h"
#include "fake_vdev.h"
#include "fuzz.h"

#define MAX_IOV		8
#define STATUS_LIVE	(VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)

struct fake_vdev fake;

bool fake_queue_live(unsigned int q)
{
	const struct virtio_dev *v = &fake.vdev;

	return (v->status & STATUS_LIVE) == VIRTIO_STATUS_DRIVER_OK &&
	       v->vqs[q].ready;
}

/* Touch each buffer as a device would; returns the bytes "written". */
static uint32_t serve(struct virtqueue *vq)
{
	const struct vq_chain *c = &fake.chain;
	struct iovec iov[MAX_IOV];
	volatile uint8_t sink = 0;
	uint32_t written = 0;
	unsigned int i;
	int n, j;

	fuzz_assert(c->head < vq->size);
	fuzz_assert(c->nr <= VQ_MAX_CHAIN && c->nr_readable <= c->nr);
	for (i = 0; i < c->nr; i++) {
		const struct vq_buf *b = &c->buf[i];

		n = dma_map(&fake.vdev.dma, b->addr, b->len,
			    b->device_writes ? DMA_TO_GUEST : DMA_FROM_GUEST,
			    iov, MAX_IOV);
		for (j = 0; j < n; j++) {
			uint8_t *p = iov[j].iov_base;

			fuzz_assert(p >= fake.ram && p < fake.ram + FAKE_RAM_SIZE);
			fuzz_assert(iov[j].iov_len <=
				    (size_t)(fake.ram + FAKE_RAM_SIZE - p));
			if (b->device_writes) {
				p[iov[j].iov_len - 1] = 0x5a;
				written += (uint32_t)iov[j].iov_len;
			} else {
				sink += p[iov[j].iov_len - 1];
			}
		}
	}
	(void)sink;
	return written;
}

static void fake_queue_notify(struct virtio_dev *v, unsigned int q)
{
	struct virtqueue *vq;
	unsigned int chains = 0;

	fuzz_check_lock(&v->lock, true);
	fuzz_assert(q < FAKE_NR_QUEUES && fake_queue_live(q));
	fake.runs[q]++;
	vq = &v->vqs[q];
	while (virtio_next_chain(v, vq, &fake.chain)) {
		uint32_t len = serve(vq);

		/* The ring never offers more than it holds at once. */
		fuzz_assert(++chains <= vq->size);
		if (q == 0)
			virtio_complete(v, vq, fake.chain.head, len);
		else
			virtio_push(v, vq, fake.chain.head, len);
	}
	if (q == 1)
		virtio_notify_used(v, vq);
}

static int fake_activate(struct virtio_dev *v)
{
	fuzz_check_lock(&v->lock, true);
	fuzz_assert(v->status & VIRTIO_STATUS_FEATURES_OK);
	fuzz_assert(v->status & VIRTIO_STATUS_DRIVER_OK);
	fake.activations++;
	return fake.fail_activate ? -EIO : 0;
}

static void fake_reset(struct virtio_dev *v)
{
	fuzz_check_lock(&v->lock, true);
	fake.resets++;
}

static void fake_config_write(struct virtio_dev *v, uint32_t off,
			      const uint8_t *data, uint32_t len)
{
	uint32_t i;

	fuzz_check_lock(&v->lock, true);
	fuzz_assert(off <= FAKE_CONFIG_SIZE && len <= FAKE_CONFIG_SIZE - off);
	fake.config_writes++;
	for (i = 0; i < len; i++)
		if (off + i >= FAKE_CONFIG_RW)
			fake.config[off + i] = data[i];
}

static const struct virtio_dev_ops fake_ops = {
	.queue_notify = fake_queue_notify,
	.activate = fake_activate,
	.reset = fake_reset,
	.config_write = fake_config_write,
};

/* Whether this is the first set-up: the buffers and eventfds, once. */
static bool allocate_once(void)
{
	static bool done;
	unsigned int q;

	if (done)
		return false;
	done = true;
	/* needs-reset warnings by the million: only if asked for */
	if (!getenv("FUZZ_LOG"))
		log_fd = -1;
	fake.ram = malloc(FAKE_RAM_SIZE);
	fake.config = malloc(FAKE_CONFIG_SIZE);
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		fake.notify_fd[q] = eventfd(0, EFD_NONBLOCK);
	if (!fake.ram || !fake.config ||
	    fake.notify_fd[VIRTIO_MAX_QUEUES - 1] < 0)
		abort();
	guest_mem_wrap(&fake.mem, fake.ram, FAKE_RAM_SIZE);
	return true;
}

void fake_vdev_setup(const struct fake_vdev_cfg *cfg)
{
	struct virtio_dev *v = &fake.vdev;
	unsigned int q;

	if (!allocate_once())
		pthread_mutex_destroy(&v->lock);
	memset(fake.ram, 0, FAKE_RAM_SIZE);
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		fuzz_drain(fake.notify_fd[q]);
	memcpy(fake.config, cfg->config, FAKE_CONFIG_SIZE);
	memset(&fake.chain, 0,
	       sizeof(fake) - offsetof(struct fake_vdev, chain));
	fake.fail_activate = cfg->fail_activate;

	memset(v, 0, sizeof(*v));
	pthread_mutex_init(&v->lock, NULL);
	v->name = "fuzz";
	v->device_id = cfg->device_id;
	v->transport = cfg->transport;
	v->host_features = BIT_ULL(VIRTIO_F_VERSION_1) | 0x5 | cfg->features;
	v->config = fake.config;
	v->config_size = FAKE_CONFIG_SIZE;
	v->nr_queues = FAKE_NR_QUEUES;
	v->queue_max = FAKE_QUEUE_MAX;
	v->ops = &fake_ops;
	v->priv = &fake;
	v->irq_fd = cfg->irq_fd;
	v->resample_fd = -1;
	v->iommu_endpoint = -1;
	v->inline_notify = cfg->inline_notify;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		v->notify_fd[q] = fake.notify_fd[q];
		v->vqs[q].dma = &v->dma;
	}
	dma_space_identity(&v->dma, &fake.mem);
}
