// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console (virtio 1.2, 5.3), one port, no multiport: the guest's
 * hvc0. Output from the transmit queue goes to stdout; console input fills
 * buffers the driver posted on the receive queue. When none are posted,
 * input waits in the main loop (nothing typed is dropped) until the driver
 * posts more, which this device signals on space_fd.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../log.h"
#include "virtio.h"

#define CONSOLE_QUEUE_SIZE	64
#define CONSOLE_MAX_IOV		16
#define RXQ			0
#define TXQ			1

struct virtio_console_config {
	uint16_t cols;
	uint16_t rows;
	uint32_t max_nr_ports;
	uint32_t emerg_wr;
} __attribute__((packed));

struct console_dev {
	struct virtio_dev vdev;
	struct virtio_console_config config;
	struct vq_chain chain;
	int space_fd;
	uint64_t bytes_in, bytes_out;	/* under vdev.lock */
};

static void console_transmit(struct console_dev *c)
{
	struct virtqueue *vq = &c->vdev.vqs[TXQ];
	struct iovec iov[CONSOLE_MAX_IOV];
	unsigned int i;
	int n;

	while (virtio_next_chain(&c->vdev, vq, &c->chain)) {
		for (i = 0; i < c->chain.nr_readable; i++) {
			const struct vq_buf *b = &c->chain.buf[i];

			n = dma_map(&c->vdev.dma, b->addr, b->len,
				    DMA_FROM_GUEST, iov, CONSOLE_MAX_IOV);
			if (n < 0)
				break;
			if (writev(STDOUT_FILENO, iov, n) < 0)
				pr_debug("console: stdout: %s", strerror(errno));
			else
				c->bytes_out += b->len;
		}
		virtio_complete(&c->vdev, vq, c->chain.head, 0);
	}
}

static void console_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct console_dev *c = vdev->priv;
	uint64_t one = 1;

	if (q == TXQ) {
		console_transmit(c);
		return;
	}
	/* New receive buffers: the main loop may have input waiting. */
	if (write(c->space_fd, &one, sizeof(one)) < 0)
		pr_debug("console: eventfd: %s", strerror(errno));
}

/* Main thread: deliver typed bytes into posted receive buffers. */
static size_t console_input(void *opaque, const uint8_t *buf, size_t len)
{
	struct console_dev *c = opaque;
	struct virtio_dev *vdev = &c->vdev;
	struct virtqueue *vq = &vdev->vqs[RXQ];
	struct iovec iov[CONSOLE_MAX_IOV];
	size_t done = 0;

	pthread_mutex_lock(&vdev->lock);
	while (done < len && (vdev->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(vdev->status & VIRTIO_STATUS_NEEDS_RESET) &&
	       virtio_next_chain(vdev, vq, &c->chain)) {
		uint32_t written = 0;
		unsigned int i;
		int n, j;

		for (i = c->chain.nr_readable; i < c->chain.nr && done < len;
		     i++) {
			const struct vq_buf *b = &c->chain.buf[i];
			uint64_t want = b->len < len - done ? b->len : len - done;

			n = dma_map(&c->vdev.dma, b->addr, want, DMA_TO_GUEST,
				    iov, CONSOLE_MAX_IOV);
			if (n < 0)
				break;
			for (j = 0; j < n; j++) {
				memcpy(iov[j].iov_base, buf + done,
				       iov[j].iov_len);
				done += iov[j].iov_len;
				written += iov[j].iov_len;
			}
		}
		c->bytes_in += written;
		virtio_complete(vdev, vq, c->chain.head, written);
		if (!written)
			break;	/* unusable buffer: don't spin on it */
	}
	pthread_mutex_unlock(&vdev->lock);
	return done;
}

static void console_stat(struct virtio_dev *vdev, FILE *f)
{
	struct console_dev *c = vdev->priv;

	fprintf(f, "virtio-console (hvc0); %llu bytes in, %llu bytes out",
		(unsigned long long)c->bytes_in,
		(unsigned long long)c->bytes_out);
}

static const struct virtio_dev_ops console_ops = {
	.queue_notify = console_queue_notify,
	.stat = console_stat,
};

int console_create(struct vm *vm)
{
	struct console_dev *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->space_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->space_fd < 0)
		return -errno;
	c->config.max_nr_ports = 1;
	c->vdev.name = "console";
	c->vdev.device_id = VIRTIO_ID_CONSOLE;
	c->vdev.host_features = BIT_ULL(VIRTIO_F_INDIRECT_DESC) |
				BIT_ULL(VIRTIO_F_EVENT_IDX);
	c->vdev.config = (uint8_t *)&c->config;
	c->vdev.config_size = sizeof(c->config);
	c->vdev.nr_queues = 2;
	c->vdev.queue_max = CONSOLE_QUEUE_SIZE;
	c->vdev.ops = &console_ops;
	c->vdev.priv = c;
	c->vdev.iommu_endpoint = -1;
	c->vdev.want_iommu = vm->cfg->iommu;
	c->vdev.transport = vm->cfg->console_transport;

	vm->console_in = console_input;
	vm->console_in_opaque = c;
	vm->console_space_fd = c->space_fd;
	return virtio_dev_init(vm, &c->vdev);
}
