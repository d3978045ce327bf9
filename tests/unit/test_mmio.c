// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-mmio register file, driven as a guest driver (or a hostile
 * one) would: identification, feature negotiation, the status state
 * machine, queue set-up and its validation, reset, interrupt acknowledge,
 * config space bounds, and accesses of the wrong width.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../virtio/virtio.h"

struct test_dev {
	struct virtio_dev vdev;
	uint8_t config[8];
	int resets, activations, config_writes;
	uint32_t last_config_off;
	int notified[4];
};

static void t_notify(struct virtio_dev *v, unsigned int q)
{
	((struct test_dev *)v->priv)->notified[q]++;
}

static int t_activate(struct virtio_dev *v)
{
	((struct test_dev *)v->priv)->activations++;
	return 0;
}

static void t_reset(struct virtio_dev *v)
{
	((struct test_dev *)v->priv)->resets++;
}

static void t_config_write(struct virtio_dev *v, uint32_t off,
			   const uint8_t *data, uint32_t len)
{
	struct test_dev *t = v->priv;

	t->config_writes++;
	t->last_config_off = off;
}

static const struct virtio_dev_ops t_ops = {
	.queue_notify = t_notify,
	.activate = t_activate,
	.reset = t_reset,
	.config_write = t_config_write,
};

static uint32_t rd(struct test_dev *t, uint64_t off)
{
	uint32_t v = 0xdeadbeef;

	virtio_mmio_access(&t->vdev, off, (uint8_t *)&v, 4, false);
	return v;
}

static void wr(struct test_dev *t, uint64_t off, uint32_t v)
{
	virtio_mmio_access(&t->vdev, off, (uint8_t *)&v, 4, true);
}

static int setup(void **state)
{
	static struct test_dev t;
	unsigned int q;

	memset(&t, 0, sizeof(t));
	t.vdev.name = "test";
	t.vdev.device_id = VIRTIO_ID_BLOCK;
	t.vdev.host_features = BIT_ULL(VIRTIO_F_VERSION_1) |
			       BIT_ULL(VIRTIO_F_EVENT_IDX) | 0x3;
	t.vdev.nr_queues = 2;
	t.vdev.queue_max = 64;
	t.vdev.config = t.config;
	t.vdev.config_size = sizeof(t.config);
	t.vdev.ops = &t_ops;
	t.vdev.priv = &t;
	t.vdev.irq_fd = t.vdev.resample_fd = -1;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		t.vdev.notify_fd[q] = eventfd(0, EFD_NONBLOCK);
		t.vdev.vqs[q].dma = &t.vdev.dma;
	}
	memcpy(t.config, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	pthread_mutex_init(&t.vdev.lock, NULL);
	*state = &t;
	return 0;
}

static int teardown(void **state)
{
	struct test_dev *t = *state;
	unsigned int q;

	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		close(t->vdev.notify_fd[q]);
	pthread_mutex_destroy(&t->vdev.lock);
	return 0;
}

/* Negotiate VERSION_1 and bring the status to FEATURES_OK. */
static void negotiate(struct test_dev *t, uint64_t features)
{
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(t, VIRTIO_MMIO_DRV_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)features);
	wr(t, VIRTIO_MMIO_DRV_FEATURES_SEL, 1);
	wr(t, VIRTIO_MMIO_DRV_FEATURES, (uint32_t)(features >> 32));
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(struct test_dev *t, unsigned int q, uint32_t num,
			uint32_t desc, uint32_t avail, uint32_t used)
{
	wr(t, VIRTIO_MMIO_QUEUE_SEL, q);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LO, desc);
	wr(t, VIRTIO_MMIO_QUEUE_AVAIL_LO, avail);
	wr(t, VIRTIO_MMIO_QUEUE_USED_LO, used);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
}

static void test_identification(void **state)
{
	struct test_dev *t = *state;

	assert_int_equal(rd(t, VIRTIO_MMIO_MAGIC), 0x74726976);
	assert_int_equal(rd(t, VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(t, VIRTIO_MMIO_DEVICE_ID), VIRTIO_ID_BLOCK);
	wr(t, VIRTIO_MMIO_DEV_FEATURES_SEL, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_DEV_FEATURES),
			 (uint32_t)t->vdev.host_features);
	wr(t, VIRTIO_MMIO_DEV_FEATURES_SEL, 1);
	/* VERSION_1 is bit 32 */
	assert_int_equal(rd(t, VIRTIO_MMIO_DEV_FEATURES), 1);
	wr(t, VIRTIO_MMIO_DEV_FEATURES_SEL, 7);		/* no such word: zeroes */
	assert_int_equal(rd(t, VIRTIO_MMIO_DEV_FEATURES), 0);
	/* Read-only registers ignore writes. */
	wr(t, VIRTIO_MMIO_MAGIC, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_MAGIC), 0x74726976);
}

static void test_feature_negotiation(void **state)
{
	struct test_dev *t = *state;
	uint64_t v1 = BIT_ULL(VIRTIO_F_VERSION_1);

	/* Accepted: a subset with VERSION_1. */
	negotiate(t, v1 | 1);
	assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(t->vdev.guest_features, v1 | 1);
	/* After FEATURES_OK, feature writes change nothing. */
	wr(t, VIRTIO_MMIO_DRV_FEATURES_SEL, 0);
	wr(t, VIRTIO_MMIO_DRV_FEATURES, 0x3);
	assert_int_equal(t->vdev.guest_features, v1 | 1);

	/* A feature the device never offered: FEATURES_OK does not stick. */
	wr(t, VIRTIO_MMIO_STATUS, 0);
	negotiate(t, v1 | BIT_ULL(40));
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);

	/* A legacy driver (no VERSION_1) is refused the same way. */
	wr(t, VIRTIO_MMIO_STATUS, 0);
	negotiate(t, 1);
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_access_platform_required(void **state)
{
	struct test_dev *t = *state;
	uint64_t v1 = BIT_ULL(VIRTIO_F_VERSION_1);

	/* Behind an IOMMU, a driver that would bypass it must not run. */
	t->vdev.host_features |= BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	negotiate(t, v1);
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	negotiate(t, v1 | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM));
	assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK);
}

static void test_status_machine(void **state)
{
	struct test_dev *t = *state;
	uint32_t all = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		       VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK;

	/* DRIVER_OK without FEATURES_OK: the device needs a reset. */
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
	   VIRTIO_STATUS_DRIVER_OK);
	assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	assert_int_equal(t->activations, 0);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), 0);
	assert_int_equal(t->resets, 1);

	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1) |
		  BIT_ULL(VIRTIO_F_EVENT_IDX));
	wr(t, VIRTIO_MMIO_STATUS, all);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), all);
	assert_int_equal(t->activations, 1);
	assert_true(t->vdev.vqs[0].event_idx);
	/* Clearing bits other than by a reset is ignored. */
	wr(t, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), all);
	/* The driver cannot set NEEDS_RESET itself. */
	wr(t, VIRTIO_MMIO_STATUS, all | VIRTIO_STATUS_NEEDS_RESET);
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	/* Writing FAILED is allowed and kept. */
	wr(t, VIRTIO_MMIO_STATUS, all | VIRTIO_STATUS_FAILED);
	assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FAILED);
}

static void test_queue_setup(void **state)
{
	struct test_dev *t = *state;

	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
	setup_queue(t, 0, 64, 0x10000, 0x11000, 0x12000);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_true(t->vdev.vqs[0].ready);
	assert_int_equal(t->vdev.vqs[0].desc, 0x10000);
	assert_int_equal(t->vdev.vqs[0].avail, 0x11000);
	assert_int_equal(t->vdev.vqs[0].used, 0x12000);
	/* A live queue's registers cannot be changed under the device. */
	wr(t, VIRTIO_MMIO_QUEUE_DESC_LO, 0x20000);
	wr(t, VIRTIO_MMIO_QUEUE_NUM, 8);
	assert_int_equal(t->vdev.vqs[0].desc, 0x10000);
	assert_int_equal(t->vdev.vqs[0].size, 64);
	/* A queue that does not exist reads as absent. */
	wr(t, VIRTIO_MMIO_QUEUE_SEL, 9);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 0);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 1);
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
}

/*
 * QueueReady reads back what was written (virtio 1.2, 4.2.2). A driver
 * that gives up on its queues before DRIVER_OK writes 0 and reads it back
 * (Linux: vm_del_vq() WARNs otherwise, and vm_setup_vq() refuses a queue
 * that still reads as ready). Once DRIVER_OK is set the device may have
 * requests of the queue in flight, and only a reset takes it down.
 */
static void test_queue_ready_zero(void **state)
{
	struct test_dev *t = *state;

	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(t, 0, 64, 0x10000, 0x11000, 0x12000);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_false(t->vdev.vqs[0].ready);
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);

	/* Set up again, elsewhere, as a second probe would. */
	setup_queue(t, 0, 32, 0x20000, 0x21000, 0x22000);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_int_equal(t->vdev.vqs[0].size, 32);
	assert_int_equal(t->vdev.vqs[0].desc, 0x20000);

	wr(t, VIRTIO_MMIO_STATUS,
	   rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	wr(t, VIRTIO_MMIO_QUEUE_READY, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 1);
	assert_true(t->vdev.vqs[0].ready);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void test_queue_setup_refused(void **state)
{
	struct test_dev *t = *state;
	const struct { uint32_t num, desc, avail, used; } bad[] = {
		{ 48, 0x10000, 0x11000, 0x12000 },	/* not a power of 2 */
		{ 128, 0x10000, 0x11000, 0x12000 },	/* above the maximum */
		{ 0, 0x10000, 0x11000, 0x12000 },	/* empty */
		{ 64, 0x10008, 0x11000, 0x12000 },	/* desc not 16-aligned */
		{ 64, 0x10000, 0x11001, 0x12000 },	/* avail not 2-aligned */
		{ 64, 0x10000, 0x11000, 0x12002 },	/* used not 4-aligned */
		{ 0x10040, 0x10000, 0x11000, 0x12000 },	/* size > 16 bits */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		wr(t, VIRTIO_MMIO_STATUS, 0);
		negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
		setup_queue(t, 1, bad[i].num, bad[i].desc, bad[i].avail,
			    bad[i].used);
		assert_false(t->vdev.vqs[1].ready);
		assert_true(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	}
	/* A reset recovers the device. */
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), 0);
	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(t, 1, 16, 0x10000, 0x11000, 0x12000);
	assert_true(t->vdev.vqs[1].ready);
}

static void test_reset_clears_queues(void **state)
{
	struct test_dev *t = *state;

	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(t, 0, 64, 0x10000, 0x11000, 0x12000);
	t->vdev.isr = 3;
	wr(t, VIRTIO_MMIO_STATUS, 0);
	assert_false(t->vdev.vqs[0].ready);
	assert_int_equal(t->vdev.vqs[0].desc, 0);
	assert_int_equal(t->vdev.guest_features, 0);
	assert_int_equal(rd(t, VIRTIO_MMIO_INT_STATUS), 0);
	assert_ptr_equal(t->vdev.vqs[0].dma, &t->vdev.dma);
}

static void test_interrupt_ack_and_notify(void **state)
{
	struct test_dev *t = *state;
	uint64_t v = 0;

	t->vdev.isr = VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;
	wr(t, VIRTIO_MMIO_INT_ACK, VIRTIO_MMIO_INT_VRING);
	assert_int_equal(rd(t, VIRTIO_MMIO_INT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	wr(t, VIRTIO_MMIO_INT_ACK, 0xffffffff);
	assert_int_equal(rd(t, VIRTIO_MMIO_INT_STATUS), 0);

	/* A notify that reaches user space is passed on to the thread. */
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(read(t->vdev.notify_fd[1], &v, sizeof(v)), 8);
	assert_int_equal(v, 1);
	/* For a queue that does not exist, nothing happens. */
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 3);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0xffffffff);
	assert_int_equal(read(t->vdev.notify_fd[3], &v, sizeof(v)), -1);
}

/*
 * A device thread holds the lock through a whole batch; the interrupt
 * status, its acknowledgement and a kick must not wait for it.
 */
struct hot_regs {
	struct test_dev *t;
	uint32_t isr_seen;
	atomic_bool done;
};

static void *hot_regs_fn(void *arg)
{
	struct hot_regs *h = arg;

	h->isr_seen = rd(h->t, VIRTIO_MMIO_INT_STATUS);
	wr(h->t, VIRTIO_MMIO_INT_ACK, VIRTIO_MMIO_INT_VRING);
	wr(h->t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	atomic_store(&h->done, true);
	return NULL;
}

static void test_hot_registers_without_lock(void **state)
{
	struct test_dev *t = *state;
	struct hot_regs h = { .t = t };
	struct timespec until;
	pthread_t th;
	uint64_t v = 0;
	int i;

	t->vdev.isr = VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG;
	pthread_mutex_lock(&t->vdev.lock);
	assert_int_equal(pthread_create(&th, NULL, hot_regs_fn, &h), 0);
	for (i = 0; i < 2000 && !atomic_load(&h.done); i++)
		usleep(1000);
	pthread_mutex_unlock(&t->vdev.lock);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	assert_int_equal(pthread_timedjoin_np(th, NULL, &until), 0);
	/* Done while the lock was still held by "the device thread". */
	assert_true(i < 2000);
	assert_int_equal(h.isr_seen,
			 VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(rd(t, VIRTIO_MMIO_INT_STATUS), VIRTIO_MMIO_INT_CONFIG);
	assert_int_equal(read(t->vdev.notify_fd[1], &v, sizeof(v)), 8);
	assert_int_equal(v, 1);
}

/* An inline queue runs on the notifying thread, and only when live. */
static void test_inline_notify(void **state)
{
	struct test_dev *t = *state;
	uint64_t v = 0;

	t->vdev.inline_notify = 1U << 0;
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(t->notified[0], 0);	/* not DRIVER_OK yet */

	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(t, 0, 64, 0x10000, 0x11000, 0x12000);
	setup_queue(t, 1, 64, 0x20000, 0x21000, 0x22000);
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(t->notified[0], 1);
	assert_int_equal(read(t->vdev.notify_fd[0], &v, sizeof(v)), -1);
	/* Queue 1 is not inline: its notify goes to the device thread. */
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
	assert_int_equal(t->notified[1], 0);
	assert_int_equal(read(t->vdev.notify_fd[1], &v, sizeof(v)), 8);
	/* A device that needs a reset runs no queue. */
	t->vdev.status |= VIRTIO_STATUS_NEEDS_RESET;
	wr(t, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	assert_int_equal(t->notified[0], 1);
}

static int count_translate(void *opaque, uint64_t iova, uint64_t len,
			   enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	(*(int *)opaque)++;
	return -EFAULT;
}

/*
 * A queue that is not set up has no rings: nothing the device does on
 * it (a completion handler woken late, after a reset) may read or write
 * guest memory at its zeroed addresses. Seen under load: a stale aio
 * completion after a reset read "the available ring" at IOVA 0.
 */
static void test_no_ring_access_when_not_ready(void **state)
{
	struct test_dev *t = *state;
	int accesses = 0;

	t->vdev.dma.translate = count_translate;
	t->vdev.dma.opaque = &accesses;
	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	wr(t, VIRTIO_MMIO_STATUS, rd(t, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
	wr(t, VIRTIO_MMIO_STATUS, 0);
	virtio_notify_used(&t->vdev, &t->vdev.vqs[0]);
	virtio_complete(&t->vdev, &t->vdev.vqs[0], 0, 0);
	assert_int_equal(accesses, 0);
	assert_false(rd(t, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET);
	t->vdev.dma.translate = NULL;
}

static void test_wrong_width(void **state)
{
	struct test_dev *t = *state;
	uint8_t b[8] = { 0xaa, 0xaa };

	/* Registers are 32-bit: narrower or misaligned accesses do nothing. */
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_MAGIC, b, 2, false);
	assert_int_equal(b[0], 0);
	b[0] = VIRTIO_STATUS_ACKNOWLEDGE;
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_STATUS, b, 1, true);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), 0);
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_STATUS + 1, b, 4, true);
	assert_int_equal(rd(t, VIRTIO_MMIO_STATUS), 0);
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_MAGIC, b, 8, false);
	assert_int_equal(b[0], 0);
}

static void test_config_space(void **state)
{
	struct test_dev *t = *state;
	uint8_t b[8];

	memset(b, 0xff, sizeof(b));
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_CONFIG + 2, b, 2, false);
	assert_int_equal(b[0], 0x03);
	assert_int_equal(b[1], 0x04);
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_CONFIG, b, 8, false);
	assert_memory_equal(b, t->config, 8);
	/* Past the end, or straddling it: zeroes, never other memory. */
	memset(b, 0xff, sizeof(b));
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_CONFIG + 6, b, 4, false);
	assert_int_equal(b[0], 0);
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_CONFIG + 0xf00, b, 4, false);
	assert_int_equal(b[0], 0);
	virtio_mmio_access(&t->vdev, ~0ULL - 2, b, 4, false);
	assert_int_equal(b[0], 0);
	/* Writes go to the device, within bounds only. */
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_CONFIG + 4, b, 4, true);
	assert_int_equal(t->config_writes, 1);
	assert_int_equal(t->last_config_off, 4);
	virtio_mmio_access(&t->vdev, VIRTIO_MMIO_CONFIG + 6, b, 4, true);
	assert_int_equal(t->config_writes, 1);
	assert_int_equal(rd(t, VIRTIO_MMIO_CONFIG_GEN), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_feature_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_platform_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_setup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_ready_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_setup_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_clears_queues, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupt_ack_and_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_registers_without_lock,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hot_registers_without_lock,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_inline_notify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_ring_access_when_not_ready,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_width, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_space, setup, teardown),
	};

	return cmocka_run_group_tests_name("mmio", tests, NULL, NULL);
}
