// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-pci as a guest driver (or a hostile one) drives it, through the
 * host bridge: the function's identity and capability chain, the common
 * configuration (natural widths only, queue validation as virtio-mmio's,
 * vectors the table has), the ISR, notifications, the PCI-window
 * capability, and MSI-X: the table and pending bits under hostile
 * accesses, masking, Bus Master Enable, and messages that are DMA: an
 * interrupt only inside the MSI window, a memory write (or an IOMMU fault)
 * anywhere else.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../iommu/state.h"
#include "../../virtio/pci.h"

#define ECAM		0xe0000000ULL
#define WIN		0xc0000000ULL
#define RAM_SIZE	0x40000
#define DEVFN		(1 << 3)
#define NR_QUEUES	2

struct test_dev {
	struct virtio_dev vdev;
	struct virtio_pci vp;
	struct pci_host h;
	struct guest_mem mem;
	uint8_t *ram;
	uint8_t config[12];
	int resets, activations, config_writes;
	int notified[NR_QUEUES];
	uint64_t regs, msix;		/* where the BARs sit */
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
	((struct test_dev *)v->priv)->config_writes++;
}

static const struct virtio_dev_ops t_ops = {
	.queue_notify = t_notify,
	.activate = t_activate,
	.reset = t_reset,
	.config_write = t_config_write,
};

/* ---- configuration space, BARs ---- */

static uint32_t cfg_rd(struct test_dev *t, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	pci_config_access(&t->h, 0, DEVFN, off, (uint8_t *)&v, len, false);
	return v;
}

static void cfg_wr(struct test_dev *t, uint32_t off, uint32_t len, uint32_t v)
{
	pci_config_access(&t->h, 0, DEVFN, off, (uint8_t *)&v, len, true);
}

static uint64_t bar_rd(struct test_dev *t, uint64_t bar, uint64_t off,
		       uint32_t len)
{
	uint64_t v = 0;

	pci_window_access(&t->h, bar + off - WIN, (uint8_t *)&v, len, false);
	return v;
}

static void bar_wr(struct test_dev *t, uint64_t bar, uint64_t off,
		   uint32_t len, uint64_t v)
{
	pci_window_access(&t->h, bar + off - WIN, (uint8_t *)&v, len, true);
}

#define common_rd(t, f, len)	bar_rd(t, (t)->regs, VIRTIO_PCI_COMMON + (f), len)
#define common_wr(t, f, len, v)	bar_wr(t, (t)->regs, VIRTIO_PCI_COMMON + (f), len, v)
#define entry_rd(t, v, f)	bar_rd(t, (t)->msix, (v) * 16 + (f), 4)
#define entry_wr(t, v, f, x)	bar_wr(t, (t)->msix, (v) * 16 + (f), 4, x)

static int setup(void **state)
{
	struct test_dev *t = calloc(1, sizeof(*t));
	unsigned int q;

	t->ram = calloc(1, RAM_SIZE);
	guest_mem_wrap(&t->mem, t->ram, RAM_SIZE);
	t->vdev.name = "test";
	t->vdev.device_id = VIRTIO_ID_BLOCK;
	t->vdev.transport = VIRTIO_TRANSPORT_PCI;
	t->vdev.host_features = BIT_ULL(VIRTIO_F_VERSION_1) | 0x5;
	t->vdev.nr_queues = NR_QUEUES;
	t->vdev.queue_max = 64;
	t->vdev.config = t->config;
	t->vdev.config_size = sizeof(t->config);
	t->vdev.ops = &t_ops;
	t->vdev.priv = t;
	t->vdev.inline_notify = 1U << 1;
	t->vdev.irq_fd = t->vdev.resample_fd = -1;
	t->vdev.iommu_endpoint = -1;
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		t->vdev.notify_fd[q] = eventfd(0, EFD_NONBLOCK);
		t->vdev.vqs[q].dma = &t->vdev.dma;
	}
	dma_space_identity(&t->vdev.dma, &t->mem);
	memcpy(t->config, "configbytes", sizeof(t->config));
	pthread_mutex_init(&t->vdev.lock, NULL);
	pci_host_init(&t->h, ECAM, WIN, 0x10000000);
	assert_int_equal(virtio_pci_function_init(&t->vp, &t->vdev), 0);
	assert_int_equal(pci_host_add(&t->h, &t->vp.fn), 0);
	t->vdev.dma.bus_master = &t->vp.fn.bus_master;
	t->regs = cfg_rd(t, PCI_BAR0, 4);
	t->msix = cfg_rd(t, PCI_BAR0 + 4, 4);
	cfg_wr(t, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct test_dev *t = *state;
	unsigned int q;

	virtio_pci_function_exit(&t->vp);
	for (q = 0; q < VIRTIO_MAX_QUEUES; q++)
		close(t->vdev.notify_fd[q]);
	pthread_mutex_destroy(&t->vdev.lock);
	free(t->ram);
	free(t);
	return 0;
}

/* An MSI-X vector's count of interrupts since the last look. */
static uint64_t fired(struct test_dev *t, unsigned int vec)
{
	uint64_t v = 0;

	if (read(t->vp.irqfd[vec], &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* ---- the function ---- */

/* The vendor capability of @type: its offset in config space, or 0. */
static uint32_t find_cap(struct test_dev *t, uint8_t id, int type)
{
	uint32_t off = cfg_rd(t, PCI_CAPABILITY_LIST, 1), n = 0;

	while (off && n++ < 48) {
		assert_true(off >= PCI_CAP_START && off % 4 == 0);
		if (cfg_rd(t, off, 1) == id &&
		    (type < 0 || cfg_rd(t, off + 3, 1) == (uint32_t)type))
			return off;
		off = cfg_rd(t, off + 1, 1);
	}
	return 0;
}

static void test_identity(void **state)
{
	struct test_dev *t = *state;
	uint32_t c;

	assert_int_equal(cfg_rd(t, PCI_VENDOR_ID, 2), 0x1af4);
	assert_int_equal(cfg_rd(t, PCI_DEVICE_ID, 2), 0x1042);	/* block */
	assert_int_equal(cfg_rd(t, PCI_REVISION_ID, 1), 1);
	assert_int_equal(cfg_rd(t, PCI_REVISION_ID, 4) >> 8, 0x018000);
	assert_int_equal(cfg_rd(t, PCI_SUBSYSTEM_VENDOR_ID, 2), 0x1af4);
	assert_true(cfg_rd(t, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST);
	assert_int_equal(cfg_rd(t, PCI_INTERRUPT_PIN, 1), 0);	/* no INTx */
	assert_int_equal(cfg_rd(t, PCI_HEADER_TYPE, 1), 0);
	/* BAR0 16 KiB, BAR1 8 KiB, 32-bit memory. */
	cfg_wr(t, PCI_BAR0, 4, 0xffffffff);
	assert_int_equal(cfg_rd(t, PCI_BAR0, 4), ~(0x4000u - 1));
	cfg_wr(t, PCI_BAR0, 4, (uint32_t)t->regs);
	cfg_wr(t, PCI_BAR0 + 4, 4, 0xffffffff);
	assert_int_equal(cfg_rd(t, PCI_BAR0 + 4, 4), ~(0x2000u - 1));
	cfg_wr(t, PCI_BAR0 + 4, 4, (uint32_t)t->msix);

	/* Each structure in BAR0 where its capability says. */
	c = find_cap(t, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_COMMON_CFG);
	assert_int_not_equal(c, 0);
	assert_int_equal(cfg_rd(t, c + 2, 1), 16);
	assert_int_equal(cfg_rd(t, c + 4, 1), 0);
	assert_int_equal(cfg_rd(t, c + 8, 4), VIRTIO_PCI_COMMON);
	assert_int_equal(cfg_rd(t, c + 12, 4), 0x38);
	c = find_cap(t, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_NOTIFY_CFG);
	assert_int_equal(cfg_rd(t, c + 2, 1), 20);
	assert_int_equal(cfg_rd(t, c + 8, 4), VIRTIO_PCI_NOTIFY);
	assert_int_equal(cfg_rd(t, c + 12, 4), NR_QUEUES * 4);
	assert_int_equal(cfg_rd(t, c + 16, 4), 4);	/* multiplier */
	c = find_cap(t, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_ISR_CFG);
	assert_int_equal(cfg_rd(t, c + 8, 4), VIRTIO_PCI_ISR);
	c = find_cap(t, PCI_CAP_ID_VNDR, VIRTIO_PCI_CAP_DEVICE_CFG);
	assert_int_equal(cfg_rd(t, c + 8, 4), VIRTIO_PCI_DEVICE);
	assert_int_equal(cfg_rd(t, c + 12, 4), sizeof(t->config));
	assert_int_not_equal(find_cap(t, PCI_CAP_ID_VNDR,
				      VIRTIO_PCI_CAP_PCI_CFG), 0);
	/* MSI-X: a vector per queue and one for the configuration, in BAR1. */
	c = find_cap(t, PCI_CAP_ID_MSIX, -1);
	assert_int_equal(c, t->vp.cap_msix);
	assert_int_equal(cfg_rd(t, c + 2, 2), NR_QUEUES + 1 - 1);
	assert_int_equal(cfg_rd(t, c + 4, 4), VIRTIO_PCI_MSIX_TABLE | 1);
	assert_int_equal(cfg_rd(t, c + 8, 4), VIRTIO_PCI_MSIX_PBA | 1);
	/* The capabilities are read-only, but for MSI-X's two bits. */
	cfg_wr(t, c + 2, 2, 0xffff);
	assert_int_equal(cfg_rd(t, c + 2, 2), 0xc000 | NR_QUEUES);
	cfg_wr(t, c, 4, 0);
	assert_int_equal(cfg_rd(t, c, 1), PCI_CAP_ID_MSIX);
}

/* ---- the common configuration ---- */

static void negotiate(struct test_dev *t, uint64_t features)
{
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1,
		  VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	common_wr(t, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	common_wr(t, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)features);
	common_wr(t, VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
	common_wr(t, VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(features >> 32));
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE |
		  VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
}

static void setup_queue(struct test_dev *t, unsigned int q, uint16_t size,
			uint64_t desc, uint64_t avail, uint64_t used,
			uint16_t vec)
{
	common_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	common_wr(t, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	common_wr(t, VIRTIO_PCI_COMMON_Q_DESC, 4, (uint32_t)desc);
	common_wr(t, VIRTIO_PCI_COMMON_Q_DESC + 4, 4, desc >> 32);
	common_wr(t, VIRTIO_PCI_COMMON_Q_AVAIL, 8, avail);
	common_wr(t, VIRTIO_PCI_COMMON_Q_USED, 4, (uint32_t)used);
	common_wr(t, VIRTIO_PCI_COMMON_Q_USED + 4, 4, used >> 32);
	common_wr(t, VIRTIO_PCI_COMMON_Q_MSIX, 2, vec);
	common_wr(t, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

static void test_common_config(void **state)
{
	struct test_dev *t = *state;
	uint64_t v1 = BIT_ULL(VIRTIO_F_VERSION_1);
	int resets;

	common_wr(t, VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_DF, 4), 0x5);
	common_wr(t, VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_DF, 4), 1);
	common_wr(t, VIRTIO_PCI_COMMON_DFSELECT, 4, 0xffffffff);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_DF, 4), 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_NUMQ, 2), NR_QUEUES);
	/* Each queue offers its largest size; notify_off is its index. */
	common_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 2, 1);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2),
			 MSIX_NO_VECTOR);

	/* The same negotiation as virtio-mmio's, driver features read back. */
	negotiate(t, v1 | 1);
	assert_true(common_rd(t, VIRTIO_PCI_COMMON_STATUS, 1) &
		    VIRTIO_STATUS_FEATURES_OK);
	common_wr(t, VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_GF, 4), 1);
	common_wr(t, VIRTIO_PCI_COMMON_GF, 4, 5);	/* frozen now */
	assert_int_equal(t->vdev.guest_features, v1 | 1);
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	negotiate(t, v1 | BIT_ULL(40));
	assert_false(common_rd(t, VIRTIO_PCI_COMMON_STATUS, 1) &
		     VIRTIO_STATUS_FEATURES_OK);

	/* A queue: 64-bit addresses as two dwords or one qword. */
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	negotiate(t, v1);
	setup_queue(t, 0, 32, 0x110000000ULL, 0x2000, 0x3000, 1);
	assert_true(t->vdev.vqs[0].ready);
	assert_int_equal(t->vdev.vqs[0].desc, 0x110000000ULL);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_DESC, 8),
			 0x110000000ULL);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_DESC + 4, 4), 1);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_AVAIL, 4), 0x2000);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2), 1);
	/* Live: size and addresses stay; the vector may move. */
	common_wr(t, VIRTIO_PCI_COMMON_Q_SIZE, 2, 8);
	common_wr(t, VIRTIO_PCI_COMMON_Q_USED, 8, 0x9000);
	assert_int_equal(t->vdev.vqs[0].size, 32);
	assert_int_equal(t->vdev.vqs[0].used, 0x3000);
	/* A vector the table lacks reads back as NO_VECTOR (4.1.5.1.2). */
	common_wr(t, VIRTIO_PCI_COMMON_Q_MSIX, 2, NR_QUEUES + 1);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2),
			 MSIX_NO_VECTOR);
	common_wr(t, VIRTIO_PCI_COMMON_MSIX, 2, 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_MSIX, 2), 0);
	common_wr(t, VIRTIO_PCI_COMMON_MSIX, 2, 0x8000);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_MSIX, 2),
			 MSIX_NO_VECTOR);
	/* No such queue: size 0, nothing written. */
	common_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 2, 7);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_SIZE, 2), 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2),
			 MSIX_NO_VECTOR);
	common_wr(t, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
	assert_false(common_rd(t, VIRTIO_PCI_COMMON_STATUS, 1) &
		     VIRTIO_STATUS_NEEDS_RESET);

	/* Reset: sizes back to the largest, vectors to none. */
	resets = t->resets;
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1, 0);
	assert_int_equal(t->resets, resets + 1);
	assert_false(t->vdev.vqs[0].ready);
	common_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_SIZE, 2), 64);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_MSIX, 2),
			 MSIX_NO_VECTOR);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_MSIX, 2),
			 MSIX_NO_VECTOR);
}

/* The driver's queue layout is checked as virtio-mmio's is. */
static void test_queue_refused(void **state)
{
	struct test_dev *t = *state;
	const struct { uint16_t size; uint64_t desc, avail, used; } bad[] = {
		{ 48, 0x1000, 0x2000, 0x3000 },		/* not a power of 2 */
		{ 128, 0x1000, 0x2000, 0x3000 },	/* above the maximum */
		{ 0, 0x1000, 0x2000, 0x3000 },		/* empty */
		{ 64, 0x1008, 0x2000, 0x3000 },		/* desc not 16-aligned */
		{ 64, 0x1000, 0x2001, 0x3000 },		/* avail not 2-aligned */
		{ 64, 0x1000, 0x2000, 0x3002 },		/* used not 4-aligned */
	};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1, 0);
		negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
		setup_queue(t, 1, bad[i].size, bad[i].desc, bad[i].avail,
			    bad[i].used, 2);
		assert_false(t->vdev.vqs[1].ready);
		assert_true(common_rd(t, VIRTIO_PCI_COMMON_STATUS, 1) &
			    VIRTIO_STATUS_NEEDS_RESET);
	}
}

/* Natural widths only: anything else reads zero and changes nothing. */
static void test_common_widths(void **state)
{
	struct test_dev *t = *state;
	uint32_t off, len;

	common_wr(t, VIRTIO_PCI_COMMON_Q_SELECT, 2, 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_NUMQ, 4), 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_DF, 2), 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_DF + 1, 1), 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_DESC + 2, 4), 0);
	assert_int_equal(common_rd(t, VIRTIO_PCI_COMMON_Q_DESC, 2), 0);
	/* Status is a byte: a word write is not a status write. */
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 2, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(t->vdev.status, 0);
	common_wr(t, VIRTIO_PCI_COMMON_Q_SIZE, 4, 16);
	common_wr(t, VIRTIO_PCI_COMMON_Q_SIZE + 1, 1, 0);
	assert_int_equal(t->vdev.vqs[0].size, 64);
	/* Every width at every offset of the page: nothing breaks. */
	for (len = 1; len <= 8; len <<= 1)
		for (off = VIRTIO_PCI_COMMON_LEN; off < 0x1000; off += len) {
			assert_int_equal(common_rd(t, off, len), 0);
			common_wr(t, off, len, ~0ULL);
		}
	assert_int_equal(t->vdev.status, 0);
	assert_int_equal(t->resets, 0);
}

static void test_isr_and_config(void **state)
{
	struct test_dev *t = *state;

	/* ISR: a byte, cleared by reading it; other reads are zero. */
	t->vdev.isr = VIRTIO_ISR_VRING | VIRTIO_ISR_CONFIG;
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_ISR, 4), 0);
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_ISR + 1, 1), 0);
	assert_int_equal(t->vdev.isr, 3);
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_ISR, 1), 3);
	assert_int_equal(t->vdev.isr, 0);
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_ISR, 1), 0);
	bar_wr(t, t->regs, VIRTIO_PCI_ISR, 1, 0xff);
	assert_int_equal(t->vdev.isr, 0);
	/* Device configuration within its bounds, zero past them. */
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_DEVICE, 4),
			 0x666e6f63);	/* "conf" */
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_DEVICE + 10, 2), 's');
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_DEVICE + 10, 4), 0);
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_DEVICE + 0xff8, 8), 0);
	bar_wr(t, t->regs, VIRTIO_PCI_DEVICE + 4, 4, 1);
	bar_wr(t, t->regs, VIRTIO_PCI_DEVICE + 12, 1, 1);
	assert_int_equal(t->config_writes, 1);
}

static void test_notify(void **state)
{
	struct test_dev *t = *state;
	uint64_t v;

	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(t, 0, 16, 0x1000, 0x2000, 0x3000, 1);
	setup_queue(t, 1, 16, 0x4000, 0x5000, 0x6000, 2);
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1,
		  common_rd(t, VIRTIO_PCI_COMMON_STATUS, 1) |
		  VIRTIO_STATUS_DRIVER_OK);
	/* Queue 0 goes to its eventfd, at its own address. */
	bar_wr(t, t->regs, VIRTIO_PCI_NOTIFY, 2, 0);
	assert_int_equal(read(t->vdev.notify_fd[0], &v, 8), 8);
	/* Queue 1 is inline: it runs on the notifying access. */
	bar_wr(t, t->regs, VIRTIO_PCI_NOTIFY + 4, 2, 1);
	assert_int_equal(t->notified[1], 1);
	/* Reads, odd widths and offsets, queues past the last: nothing. */
	assert_int_equal(bar_rd(t, t->regs, VIRTIO_PCI_NOTIFY, 2), 0);
	bar_wr(t, t->regs, VIRTIO_PCI_NOTIFY, 1, 0);
	bar_wr(t, t->regs, VIRTIO_PCI_NOTIFY + 2, 2, 0);
	bar_wr(t, t->regs, VIRTIO_PCI_NOTIFY + 8, 2, 2);
	bar_wr(t, t->regs, VIRTIO_PCI_NOTIFY + 0xffc, 4, 0);
	assert_int_equal(read(t->vdev.notify_fd[0], &v, 8), -1);
	assert_int_equal(read(t->vdev.notify_fd[2], &v, 8), -1);
	assert_int_equal(t->notified[1], 1);
}

/* The VIRTIO_PCI_CAP_PCI_CFG window reaches BAR0 through config space. */
static void test_pci_cfg_window(void **state)
{
	struct test_dev *t = *state;
	uint32_t c = t->vp.cap_pci_cfg;

	cfg_wr(t, c + 4, 1, 0);				/* bar */
	cfg_wr(t, c + 8, 4, VIRTIO_PCI_COMMON_NUMQ);	/* offset */
	cfg_wr(t, c + 12, 4, 2);			/* length */
	assert_int_equal(cfg_rd(t, c + 16, 2), NR_QUEUES);
	/* A status write through it, with memory decoding off even. */
	cfg_wr(t, PCI_COMMAND, 2, 0);
	cfg_wr(t, c + 8, 4, VIRTIO_PCI_COMMON_STATUS);
	cfg_wr(t, c + 12, 4, 1);
	cfg_wr(t, c + 16, 4, VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(t->vdev.status, VIRTIO_STATUS_ACKNOWLEDGE);
	/* Refused: a length of 3, an unaligned offset, no such BAR, past
	 * the BAR's end. */
	cfg_wr(t, c + 12, 4, 3);
	cfg_wr(t, c + 16, 4, 0);
	cfg_wr(t, c + 8, 4, VIRTIO_PCI_COMMON_NUMQ + 1);
	cfg_wr(t, c + 12, 4, 2);
	cfg_wr(t, c + 16, 4, 0);
	cfg_wr(t, c + 4, 1, 5);
	cfg_wr(t, c + 8, 4, VIRTIO_PCI_COMMON_STATUS);
	cfg_wr(t, c + 12, 4, 1);
	cfg_wr(t, c + 16, 4, 0);
	cfg_wr(t, c + 4, 1, 1);
	cfg_wr(t, c + 8, 4, 0x2000);
	cfg_wr(t, c + 12, 4, 4);
	cfg_wr(t, c + 16, 4, 0);
	assert_int_equal(t->vdev.status, VIRTIO_STATUS_ACKNOWLEDGE);
	/* The MSI-X table through it too (BAR1). */
	cfg_wr(t, c + 8, 4, 16 + 8);
	cfg_wr(t, c + 16, 4, 0x1234);
	assert_int_equal(t->vp.msix.table[1].data, 0x1234);
}

/* ---- MSI-X ---- */

static void msix_enable(struct test_dev *t, uint16_t extra)
{
	cfg_wr(t, t->vp.cap_msix + 2, 2, MSIX_CTRL_ENABLE | extra);
}

static void program(struct test_dev *t, unsigned int vec, uint64_t addr,
		    uint32_t data)
{
	entry_wr(t, vec, 0, (uint32_t)addr);
	entry_wr(t, vec, 4, addr >> 32);
	entry_wr(t, vec, 8, data);
	entry_wr(t, vec, 12, 0);	/* unmask */
}

static void test_msix_table(void **state)
{
	struct test_dev *t = *state;
	uint64_t q;

	/* Every entry starts masked, with nothing pending. */
	assert_int_equal(entry_rd(t, 0, 12), 1);
	assert_int_equal(entry_rd(t, 2, 12), 1);
	assert_int_equal(bar_rd(t, t->msix, VIRTIO_PCI_MSIX_PBA, 8), 0);
	/* Dwords and qwords, aligned; reserved bits drop. */
	entry_wr(t, 1, 0, 0xfee01003);
	assert_int_equal(entry_rd(t, 1, 0), 0xfee01000);
	bar_wr(t, t->msix, 16, 8, 0x00000001fee02000ULL);
	assert_int_equal(bar_rd(t, t->msix, 16, 8), 0x00000001fee02000ULL);
	entry_wr(t, 1, 12, 0xfffffffe);
	assert_int_equal(entry_rd(t, 1, 12), 0);
	/* Anything else: nothing written, zero read. */
	bar_wr(t, t->msix, 16 + 2, 4, 0xffffffff);
	bar_wr(t, t->msix, 16 + 4, 8, ~0ULL);		/* unaligned qword */
	bar_wr(t, t->msix, 16 + 8, 2, 0xffff);
	bar_wr(t, t->msix, 16 + 8, 1, 0xff);
	assert_int_equal(entry_rd(t, 1, 8), 0);
	assert_int_equal(bar_rd(t, t->msix, 16 + 2, 4), 0);
	assert_int_equal(bar_rd(t, t->msix, 16, 2), 0);
	/* Past the table's last entry, and in the PBA: read-only zeroes. */
	bar_wr(t, t->msix, 3 * 16, 4, 0x1234);
	assert_int_equal(bar_rd(t, t->msix, 3 * 16, 4), 0);
	assert_int_equal(bar_rd(t, t->msix, 0xff0, 8), 0);
	bar_wr(t, t->msix, VIRTIO_PCI_MSIX_PBA, 8, ~0ULL);
	q = bar_rd(t, t->msix, VIRTIO_PCI_MSIX_PBA, 8);
	assert_int_equal(q, 0);
	assert_int_equal(bar_rd(t, t->msix, VIRTIO_PCI_MSIX_PBA + 8, 8), 0);
	assert_int_equal(bar_rd(t, t->msix, VIRTIO_PCI_MSIX_PBA + 1, 1), 0);
}

/* Masked: held pending, sent when unmasked; disabled: nothing at all. */
static void test_msix_masking(void **state)
{
	struct test_dev *t = *state;

	program(t, 1, 0xfee00000, 0x41);
	entry_wr(t, 1, 12, 1);				/* mask again */
	t->vp.queue_vector[0] = 1;
	/* MSI-X off: no INTx to fall back on, the interrupt is lost. */
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	assert_int_equal(t->vp.msix.pending, 0);

	msix_enable(t, 0);
	pthread_mutex_lock(&t->vdev.lock);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	pthread_mutex_unlock(&t->vdev.lock);
	assert_int_equal(fired(t, 1), 0);
	assert_int_equal(bar_rd(t, t->msix, VIRTIO_PCI_MSIX_PBA, 4), 1 << 1);
	/* Unmasked: the device thread is asked to send it, and does. */
	entry_wr(t, 1, 12, 0);
	assert_int_equal(fired(t, 1), 0);
	virtio_pci_resume_msix(&t->vp);
	assert_int_equal(fired(t, 1), 1);
	assert_int_equal(bar_rd(t, t->msix, VIRTIO_PCI_MSIX_PBA, 4), 0);
	/* Function Mask holds every vector, and lets go when cleared. */
	msix_enable(t, MSIX_CTRL_MASKALL);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	msix_enable(t, 0);
	virtio_pci_resume_msix(&t->vp);
	assert_int_equal(fired(t, 1), 1);
	/* Nothing asked for: the device thread has nothing to do. */
	virtio_pci_resume_msix(&t->vp);
	assert_int_equal(fired(t, 1), 0);
	assert_int_equal(t->vp.msix.sent, 2);
	/* The config vector, on its own vector, for a config change. */
	program(t, 0, 0xfee00000, 0x42);
	t->vp.config_vector = 0;
	virtio_interrupt(&t->vdev, VIRTIO_ISR_CONFIG);
	assert_int_equal(fired(t, 0), 1);
	assert_int_equal(fired(t, 1), 0);
	/* NO_VECTOR: the ISR bit, no message. */
	t->vp.config_vector = MSIX_NO_VECTOR;
	virtio_interrupt(&t->vdev, VIRTIO_ISR_CONFIG);
	assert_int_equal(fired(t, 0), 0);
	assert_true(t->vdev.isr & VIRTIO_ISR_CONFIG);
}

/*
 * Outside the MSI window a message is a DMA write: with the device seeing
 * guest memory 1:1, its data lands in RAM and no interrupt is raised.
 */
static void test_msi_outside_window_is_dma(void **state)
{
	struct test_dev *t = *state;
	uint32_t got;

	msix_enable(t, 0);
	t->vp.queue_vector[0] = 1;
	program(t, 1, 0x8000, 0xcafe0001);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	memcpy(&got, t->ram + 0x8000, 4);
	assert_int_equal(got, 0xcafe0001);
	assert_int_equal(t->vp.msix.to_memory, 1);
	/* Past RAM: refused, nothing written anywhere. */
	program(t, 1, RAM_SIZE + 0x1000, 0x1);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(t->vp.msix.refused, 1);
	assert_int_equal(fired(t, 1), 0);
	/* Just past the window's end: DMA (to no RAM), no interrupt. */
	program(t, 1, 0xfef00000, 0x2);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	assert_int_equal(t->vp.msix.refused, 2);
	/* Its last dword (the low two bits dropped): an interrupt again. */
	program(t, 1, 0xfeeffffe, 0x3);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 1);
}

/*
 * Behind the virtio-iommu: only its PROBE-declared MSI window interrupts;
 * a message elsewhere is translated like any DMA, written where the guest
 * mapped it, faulted and reported where it did not, and never interrupts.
 */
static void test_msi_through_iommu(void **state)
{
	struct test_dev *t = *state;
	struct viommu_state *s = calloc(1, sizeof(*s));
	uint32_t ep = PCI_IOMMU_ENDPOINT_BASE | DEVFN;
	struct viommu_endpoint *e;
	uint8_t req[40] = { 0 }, tail[4];
	uint32_t got;

	viommu_state_init(s);
	assert_int_equal(viommu_state_add_endpoint_id(s, "test", ep), (int)ep);
	e = viommu_endpoint_get(s, ep);
	t->vdev.dma.translate = viommu_translate;
	t->vdev.dma.hold = viommu_hold;
	t->vdev.dma.record = viommu_record;
	t->vdev.dma.release = viommu_release;
	t->vdev.dma.opaque = e;
	t->vdev.dma.msi_base = VIOMMU_MSI_START;
	t->vdev.dma.msi_size = VIOMMU_MSI_END - VIOMMU_MSI_START + 1;
	/* ATTACH domain 1; MAP IOVA 0x100000 -> GPA 0x9000, writable. */
	req[0] = VIRTIO_IOMMU_T_ATTACH;
	req[4] = 1;
	memcpy(req + 8, &ep, 4);
	assert_int_equal(viommu_request(s, req, 20, tail, 4), 0);
	memset(req, 0, sizeof(req));
	req[0] = VIRTIO_IOMMU_T_MAP;
	req[4] = 1;
	req[10] = 0x10;					/* virt_start 0x100000 */
	memcpy(req + 16, &(uint64_t){ 0x100fff }, 8);
	memcpy(req + 24, &(uint64_t){ 0x9000 }, 8);
	req[32] = MAP_READ | MAP_WRITE;
	assert_int_equal(viommu_request(s, req, 36, tail, 4), 0);

	msix_enable(t, 0);
	t->vp.queue_vector[0] = 1;
	/* In the window the guest reserved: an interrupt, untranslated. */
	program(t, 1, 0xfee00000, 0x30);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 1);
	assert_int_equal(e->stats.faults, 0);
	/* At a mapped IOVA: a write into the page it maps, no interrupt. */
	program(t, 1, 0x100010, 0xfeedf00d);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	memcpy(&got, t->ram + 0x9010, 4);
	assert_int_equal(got, 0xfeedf00d);
	/* Unmapped: refused, faulted as a write of the endpoint at the
	 * address, no interrupt, guest RAM untouched. */
	program(t, 1, 0x200000, 0xbad);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	assert_int_equal(t->vp.msix.refused, 1);
	assert_int_equal(e->stats.faults, 1);
	assert_int_equal(e->fault_log.recent[0].endpoint, ep);
	assert_int_equal(e->fault_log.recent[0].address, 0x200000);
	assert_true(e->fault_log.recent[0].flags & VIRTIO_IOMMU_FAULT_F_WRITE);
	assert_int_equal(e->fault_log.recent[0].reason,
			 VIRTIO_IOMMU_FAULT_R_MAPPING);
	/* The platform's window at another address is no window here. */
	t->vdev.dma.msi_base = 0x300000;
	program(t, 1, 0xfee00000, 0x30);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	assert_int_equal(e->stats.faults, 2);
	viommu_state_destroy(s);
	free(s);
	dma_space_identity(&t->vdev.dma, &t->mem);
}

/* Bus Master Enable off: no DMA at all, messages held until it is on. */
static void test_bus_master(void **state)
{
	struct test_dev *t = *state;
	static struct vq_chain chain;
	uint8_t b;

	msix_enable(t, 0);
	program(t, 1, 0xfee00000, 0x41);
	t->vp.queue_vector[0] = 1;
	cfg_wr(t, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(dma_read(&t->vdev.dma, 0x1000, &b, 1), -EFAULT);
	virtio_interrupt(&t->vdev, VIRTIO_ISR_VRING);
	assert_int_equal(fired(t, 1), 0);
	assert_int_equal(t->vp.msix.pending, 1 << 1);
	cfg_wr(t, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	virtio_pci_resume_msix(&t->vp);
	assert_int_equal(fired(t, 1), 1);
	assert_int_equal(dma_read(&t->vdev.dma, 0x1000, &b, 1), 0);
	/*
	 * A live queue's rings, read through views: none while bus
	 * mastering is off (the queue is empty or broken, never served).
	 */
	negotiate(t, BIT_ULL(VIRTIO_F_VERSION_1));
	setup_queue(t, 0, 16, 0x1000, 0x2000, 0x3000, 1);
	common_wr(t, VIRTIO_PCI_COMMON_STATUS, 1,
		  common_rd(t, VIRTIO_PCI_COMMON_STATUS, 1) |
		  VIRTIO_STATUS_DRIVER_OK);
	assert_non_null(t->vdev.vqs[0].view[0].dv.host);
	memcpy(t->ram + 0x2002, &(uint16_t){ 1 }, 2);	/* avail idx 1 */
	cfg_wr(t, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_false(vq_has_work(&t->vdev.vqs[0]) &&
		     vq_pop(&t->vdev.vqs[0], &chain) == VQ_CHAIN);
	cfg_wr(t, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_true(vq_has_work(&t->vdev.vqs[0]));
}

int main(void)
{
#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_common_config),
		T(test_queue_refused),
		T(test_common_widths),
		T(test_isr_and_config),
		T(test_notify),
		T(test_pci_cfg_window),
		T(test_msix_table),
		T(test_msix_masking),
		T(test_msi_outside_window_is_dma),
		T(test_msi_through_iommu),
		T(test_bus_master),
	};

	return cmocka_run_group_tests_name("virtio-pci", tests, NULL, NULL);
}
