// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the PCI host (kvm/pci.c, kvm/x86/pci_cf8.c) and the virtio-pci
 * function on it (virtio/pci.c, virtio/msix.c) the way a hostile guest
 * drives them: configuration accesses of any width at any offset through
 * ECAM and through the 0xCF8/0xCFC ports, BARs moved anywhere, decoding
 * and bus mastering switched on and off, the common configuration, ISR,
 * device configuration and notifications at any width, the PCI-window
 * capability, and the MSI-X table and pending bits. The device behind it
 * has two queues that really run over a small guest RAM, and its DMA (its
 * MSI-X messages included) may go through a toy IOMMU that maps most of
 * the guest's RAM at an offset.
 *
 * After every access the harness checks what the host and the transport
 * promise: identification and capability bytes never change, BARs read
 * back aligned to their size, only the command bits the host implements
 * stick, absent functions read all ones, ECAM and CF8 read the same bytes,
 * a BAR decodes (and its notify ioeventfds are placed) exactly while
 * Memory Space Enable is on and it lies in the window; status bits are
 * only added until a reset, FEATURES_OK only with an acceptable set, a
 * live queue's registers frozen and valid, vectors within the table or
 * NO_VECTOR, reset restores every queue's largest size; MSI-X entries
 * keep only their defined bits, pending bits only for vectors that exist,
 * an interrupt only for an enabled, unmasked vector whose message lies in
 * the MSI window while bus mastering is on, and a message elsewhere is a
 * DMA write, into mapped RAM or refused, never an interrupt; and the
 * device lock is held exactly inside the device's callbacks.
 *
 * Input: a set-up byte (inline queues, features, the toy IOMMU on or
 * off), then records until the input runs out; the first byte of each
 * picks one of enum op.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../../virtio/core.h"
#include "../../virtio/pci.h"
#include "fake_vdev.h"
#include "fuzz.h"

const char fuzz_name[] = "pci";

#define ECAM		0xe0000000ULL
#define WIN		0xc0000000ULL
#define WIN_SIZE	0x100000ULL
#define IOVA_BASE	0x100000ULL	/* the toy IOMMU: IOVA = GPA + this */
#define IOVA_MAPPED	0x3400		/* bytes it maps: rings, half the data */
#define DEVFN		(1 << 3)
#define MAX_RECORDS	512
#define NR_VECTORS	(FAKE_NR_QUEUES + 1)

/* set-up byte */
#define S_INLINE_MASK	0x03
#define S_EVENT_IDX	0x04
#define S_IOMMU		0x08		/* DMA through the toy IOMMU */
#define S_PLATFORM	0x10

#define STATUS_LIVE	(VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)

enum op {
	OP_CFG,			/* a configuration access, ECAM or CF8 */
	OP_CF8_RAW,		/* any port of 0xCF8-0xCFF, any width */
	OP_ECAM_RAW,		/* anywhere in bus 0's ECAM, width 0-8 */
	OP_BAR,			/* a BAR register, by region */
	OP_WINDOW_RAW,		/* anywhere in the window, width 0-8 */
	OP_COMMAND,		/* Memory Space / Bus Master on or off */
	OP_MOVE_BAR,		/* a BAR to an address */
	OP_DRIVER_STEP,
	OP_QUEUE_SETUP,
	OP_OFFER,
	OP_NOTIFY,
	OP_MSIX_ENTRY,		/* program a table entry */
	OP_MSIX_CTRL,		/* enable, function mask */
	OP_WINDOW_CAP,		/* the PCI-window capability */
	OP_DEVICE_EVENT,
	OP_RESET,
	NR_OPS
};

/* The transport and host around the device (fake_vdev.h). */
struct fuzz_pci {
	struct virtio_pci vp;
	struct pci_host h;
	uint64_t faults;		/* toy IOMMU refusals */
};

/* What an access may change, taken before and after it. */
struct snap {
	uint8_t cfg[PCI_CFG_SIZE];
	uint32_t status, isr;
	uint64_t guest_features;
	unsigned int activations, resets, runs[FAKE_NR_QUEUES];
	struct {
		bool ready;
		uint16_t size, vector;
		uint64_t desc, avail, used;
	} q[FAKE_NR_QUEUES];
	uint64_t sent, to_memory, refused, pending;
};

static struct fuzz_pci pci;
static uint8_t image0[PCI_CFG_SIZE];	/* the function as created */

/* ---- the toy IOMMU: IOVA [IOVA_BASE, + IOVA_MAPPED) maps to RAM ---- */

static int toy_translate(void *opaque, uint64_t addr, uint64_t len,
			 enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	uint64_t end = IOVA_BASE + IOVA_MAPPED;

	if (addr < IOVA_BASE || addr >= end) {
		pci.faults++;
		return -EFAULT;
	}
	*gpa = addr - IOVA_BASE;
	*contig = len < end - addr ? len : end - addr;
	return 0;
}

static void setup(uint8_t s)
{
	static bool again;
	uint64_t features = 0;

	if (again) {
		virtio_pci_function_exit(&pci.vp);
		pthread_mutex_destroy(&pci.h.lock);
	}
	again = true;
	if (s & S_EVENT_IDX)
		features |= BIT_ULL(VIRTIO_F_EVENT_IDX);
	if (s & S_PLATFORM)
		features |= BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	fake_vdev_setup(&(struct fake_vdev_cfg){
		.device_id = VIRTIO_ID_BLOCK,
		.transport = VIRTIO_TRANSPORT_PCI,
		.features = features,
		.inline_notify = s & S_INLINE_MASK,
		.irq_fd = -1,
		.config = "fuzzpciconf",
	});
	memset(&pci, 0, sizeof(pci));
	if (s & S_IOMMU)
		fake.vdev.dma.translate = toy_translate;
	pci_host_init(&pci.h, ECAM, WIN, WIN_SIZE);
	if (virtio_pci_function_init(&pci.vp, &fake.vdev) ||
	    pci_host_add(&pci.h, &pci.vp.fn))
		abort();
	fake.vdev.dma.bus_master = &pci.vp.fn.bus_master;
	memcpy(image0, pci.vp.fn.cfg, PCI_CFG_SIZE);
}

/* ---- the checks ---- */

static void take_snap(struct snap *s)
{
	const struct virtio_dev *v = &fake.vdev;
	unsigned int q;

	memset(s, 0, sizeof(*s));
	memcpy(s->cfg, pci.vp.fn.cfg, PCI_CFG_SIZE);
	s->status = v->status;
	s->isr = __atomic_load_n(&v->isr, __ATOMIC_SEQ_CST);
	s->guest_features = v->guest_features;
	s->activations = fake.activations;
	s->resets = fake.resets;
	memcpy(s->runs, fake.runs, sizeof(s->runs));
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		s->q[q].ready = v->vqs[q].ready;
		s->q[q].size = v->vqs[q].size;
		s->q[q].vector = pci.vp.queue_vector[q];
		s->q[q].desc = v->vqs[q].desc;
		s->q[q].avail = v->vqs[q].avail;
		s->q[q].used = v->vqs[q].used;
	}
	s->sent = pci.vp.msix.sent;
	s->to_memory = pci.vp.msix.to_memory;
	s->refused = pci.vp.msix.refused;
	s->pending = pci.vp.msix.pending;
}

/* Bytes the guest may change: the write mask, and no other. */
static void check_image(void)
{
	const struct pci_function *f = &pci.vp.fn;
	unsigned int i;

	for (i = 0; i < PCI_CFG_SIZE; i++)
		fuzz_assert((f->cfg[i] & ~f->wmask[i]) ==
			    (image0[i] & ~f->wmask[i]));
	/* BARs aligned to their size, 32-bit memory. */
	fuzz_assert(!(pci_cfg_get(f, PCI_BAR0, 4) & (VIRTIO_PCI_REGS_SIZE - 1)));
	fuzz_assert(!(pci_cfg_get(f, PCI_BAR0 + 4, 4) & (VIRTIO_PCI_MSIX_SIZE - 1)));
}

static bool bar_decodes(unsigned int bar, uint32_t size)
{
	const struct pci_function *f = &pci.vp.fn;
	uint64_t a = pci_cfg_get(f, PCI_BAR0 + 4 * bar, 4);

	return (pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY) &&
	       a >= WIN && a - WIN <= WIN_SIZE - size;
}

static void check_decode(void)
{
	const struct pci_function *f = &pci.vp.fn;
	bool r = bar_decodes(0, VIRTIO_PCI_REGS_SIZE);
	bool m = bar_decodes(1, VIRTIO_PCI_MSIX_SIZE);

	fuzz_assert(!!f->mapped[0] == r && !!f->mapped[1] == m);
	if (r)
		fuzz_assert(f->mapped[0] == pci_cfg_get(f, PCI_BAR0, 4));
	/* The notify ioeventfds follow BAR0. */
	fuzz_assert(pci.vp.notify_gpa ==
		    (r ? f->mapped[0] + VIRTIO_PCI_NOTIFY : 0));
	fuzz_assert(f->bus_master ==
		    !!(pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MASTER));
}

static bool features_ok(uint64_t f)
{
	uint64_t offered = fake.vdev.host_features;

	return !(f & ~offered) && (f & BIT_ULL(VIRTIO_F_VERSION_1)) &&
	       (!(offered & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)) ||
		(f & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)));
}

static void check_state(const struct snap *s)
{
	const struct msix *m = &pci.vp.msix;
	unsigned int q, v;

	if (s->status & VIRTIO_STATUS_DRIVER_OK)
		fuzz_assert(s->status & VIRTIO_STATUS_FEATURES_OK);
	if (s->status & VIRTIO_STATUS_FEATURES_OK)
		fuzz_assert(features_ok(s->guest_features));
	fuzz_assert(!(s->isr & ~(VIRTIO_ISR_VRING | VIRTIO_ISR_CONFIG)));
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		uint16_t n = s->q[q].size;

		fuzz_assert(s->q[q].vector < NR_VECTORS ||
			    s->q[q].vector == MSIX_NO_VECTOR);
		if (!s->q[q].ready)
			continue;
		fuzz_assert(n && n <= FAKE_QUEUE_MAX && !(n & (n - 1)));
		fuzz_assert(!(s->q[q].desc % 16) && !(s->q[q].avail % 2) &&
			    !(s->q[q].used % 4));
	}
	fuzz_assert(pci.vp.config_vector < NR_VECTORS ||
		    pci.vp.config_vector == MSIX_NO_VECTOR);
	fuzz_assert(m->nr == NR_VECTORS && !(m->pending >> NR_VECTORS));
	for (v = 0; v < NR_VECTORS; v++)
		fuzz_assert(!(m->table[v].ctrl & ~MSIX_VECTOR_MASKED) &&
			    !(m->table[v].addr_lo & 3));
	check_image();
	check_decode();
}

/* Messages: each one an interrupt, a memory write, or refused. */
static void check_messages(const struct snap *b, const struct snap *a)
{
	uint64_t fired = 0;
	unsigned int v;

	for (v = 0; v < NR_VECTORS; v++)
		fired += fuzz_drain(pci.vp.irqfd[v]);
	fuzz_assert(fired == a->sent - b->sent);
	fuzz_assert(a->sent >= b->sent && a->to_memory >= b->to_memory &&
		    a->refused >= b->refused);
	if (a->sent != b->sent)
		fuzz_assert(pci.vp.msix.enabled && !pci.vp.msix.masked &&
			    pci.vp.fn.bus_master);
}

static void check_change(const struct snap *b, const struct snap *a)
{
	bool rose = (a->status & VIRTIO_STATUS_DRIVER_OK) &&
		    !(b->status & VIRTIO_STATUS_DRIVER_OK);
	unsigned int q;

	check_state(a);
	check_messages(b, a);
	if (a->resets != b->resets) {
		fuzz_assert(a->resets == b->resets + 1 && a->status == 0 &&
			    a->guest_features == 0);
		for (q = 0; q < FAKE_NR_QUEUES; q++)
			fuzz_assert(!a->q[q].ready && a->q[q].size == FAKE_QUEUE_MAX &&
				    a->q[q].vector == MSIX_NO_VECTOR);
		return;
	}
	fuzz_assert((a->status & b->status) == b->status);
	if (b->status & VIRTIO_STATUS_FEATURES_OK)
		fuzz_assert(a->guest_features == b->guest_features);
	fuzz_assert(a->activations == b->activations + rose);
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		if (!b->q[q].ready || !a->q[q].ready)
			continue;
		fuzz_assert(a->q[q].size == b->q[q].size &&
			    a->q[q].desc == b->q[q].desc &&
			    a->q[q].avail == b->q[q].avail &&
			    a->q[q].used == b->q[q].used);
	}
}

/* ECAM and CF8 read the same bytes (but where a read has effects). */
static void check_paths(uint32_t off, uint32_t len)
{
	uint32_t e = 0, c = 0, a;
	uint8_t w = pci.vp.cap_pci_cfg;

	off &= 0xfc & ~(len - 1);
	if (off + 4 > w + 16u && off < w + 20u)
		return;		/* pci_cfg_data: a read is a BAR access */
	pci_ecam_access(&pci.h, DEVFN << 12 | off, (uint8_t *)&e, len, false);
	a = 0x80000000u | DEVFN << 8 | (off & 0xfc);
	pci_cf8_access(&pci.h, 0, (uint8_t *)&a, 4, true);
	pci_cf8_access(&pci.h, 4 + (off & 3), (uint8_t *)&c, len, false);
	fuzz_assert(e == c);
}

/* One guest access, and everything it may have changed. */
static void guest(void (*fn)(void *, uint64_t, uint8_t *, uint32_t, bool),
		  uint64_t off, uint8_t *data, uint32_t len, bool is_write)
{
	struct snap b, a;

	take_snap(&b);
	fn(&pci.h, off, data, len, is_write);
	fuzz_check_lock(&fake.vdev.lock, false);
	/* What the device thread would do if the access kicked it. */
	virtio_pci_resume_msix(&pci.vp);
	take_snap(&a);
	check_change(&b, &a);
}

/* ---- the driver ---- */

static void cfg(uint32_t off, uint32_t len, uint32_t v, bool is_write,
		bool cf8)
{
	uint8_t data[4];

	memcpy(data, &v, 4);
	if (cf8) {
		uint32_t a = 0x80000000u | DEVFN << 8 | (off & 0xfc);

		pci_cf8_access(&pci.h, 0, (uint8_t *)&a, 4, true);
		guest(pci_cf8_access, 4 + (off & 3), data, len, is_write);
	} else {
		guest(pci_ecam_access, DEVFN << 12 | off, data, len, is_write);
	}
}

/* An access to BAR @bar at @off, wherever the BAR is now. */
static uint64_t bar_access(unsigned int bar, uint64_t off, uint64_t v,
			   uint32_t len, bool is_write)
{
	uint64_t at = pci_cfg_get(&pci.vp.fn, PCI_BAR0 + 4 * bar, 4) + off;
	uint8_t data[8];

	memcpy(data, &v, 8);
	if (at >= WIN && at - WIN < WIN_SIZE)
		guest(pci_window_access, at - WIN, data, len, is_write);
	memcpy(&v, data, 8);
	return v;
}

static void common_wr(uint64_t f, uint32_t len, uint64_t v)
{
	bar_access(0, VIRTIO_PCI_COMMON + f, v, len, true);
}

static uint64_t common_rd(uint64_t f, uint32_t len)
{
	return bar_access(0, VIRTIO_PCI_COMMON + f, 0, len, false);
}

static uint32_t value(struct fuzz_cursor *c)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 8, 15, 16, 17, 0xff, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0xfee00000, 0xfee01000,
		0xfeeffffc, 0xfef00000, 0x100000, 0x101000, 0x102000,
		WIN, WIN + 0x4000, WIN + WIN_SIZE - 0x4000, 0xe0000000,
		PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, MSIX_CTRL_ENABLE,
	};
	uint8_t s = fuzz_take(c);

	return s < 0xc0 ? v[s % (sizeof(v) / sizeof(v[0]))] : fuzz_take32(c);
}

static uint32_t width(uint8_t w)
{
	static const uint32_t widths[8] = { 1, 2, 4, 4, 8, 3, 0, 4 };

	return widths[w & 7];
}

static void do_cfg(struct fuzz_cursor *c)
{
	uint8_t f = fuzz_take(c);
	uint32_t off = fuzz_take(c), len = width(f), v = value(c);

	if (len > 4)
		len = 4;
	cfg(off, len, v, f & 0x10, f & 0x20);
	check_paths(fuzz_take(c), 1U << (f >> 6 & 1 ? 2 : f >> 7));
}

static void do_cf8_raw(struct fuzz_cursor *c)
{
	uint8_t f = fuzz_take(c), data[4];
	uint32_t v = value(c);

	memcpy(data, &v, 4);
	guest(pci_cf8_access, f & 7, data, width(f >> 3) > 4 ? 4 :
	      width(f >> 3), f & 0x80);
}

static void do_ecam_raw(struct fuzz_cursor *c)
{
	uint64_t off = fuzz_take32(c) % MACHINE_ECAM_BUS_SIZE;
	uint8_t f = fuzz_take(c), data[8];
	uint64_t v = value(c);
	uint8_t devfn = (uint8_t)(off >> 12);

	memcpy(data, &v, 8);
	guest(pci_ecam_access, off, data, f % 9, f & 0x10);
	/* Not this function, nor the bridge: nobody, all ones. */
	if (!(f & 0x10) && devfn != DEVFN && devfn != 0 && f % 9)
		fuzz_assert(data[0] == 0xff);
}

static void do_bar(struct fuzz_cursor *c)
{
	static const uint64_t regions[] = {
		VIRTIO_PCI_COMMON, VIRTIO_PCI_ISR, VIRTIO_PCI_DEVICE,
		VIRTIO_PCI_NOTIFY, VIRTIO_PCI_MSIX_TABLE, VIRTIO_PCI_MSIX_PBA,
	};
	uint8_t r = fuzz_take(c), f = fuzz_take(c);
	unsigned int region = r % 6;
	uint64_t off = regions[region] + (fuzz_take(c) % 0x44);

	bar_access(region >= 4, off, value(c), width(f), f & 0x80);
}

static void do_window_raw(struct fuzz_cursor *c)
{
	uint64_t off = fuzz_take32(c) % WIN_SIZE;
	uint8_t f = fuzz_take(c), data[8];
	uint64_t v = value(c);

	memcpy(data, &v, 8);
	guest(pci_window_access, off, data, f % 9, f & 0x10);
}

static void do_command(struct fuzz_cursor *c)
{
	uint8_t v = fuzz_take(c), path = fuzz_take(c);

	cfg(PCI_COMMAND, 2, v & 7, true, path & 1);
}

/* BAR0, BAR1 or the unused BAR2, anywhere. */
static void do_move_bar(struct fuzz_cursor *c)
{
	uint8_t bar = fuzz_take(c) % 3;

	cfg(PCI_BAR0 + 4 * bar, 4, value(c), true, false);
}

static void do_driver_step(struct fuzz_cursor *c)
{
	uint8_t m = fuzz_take(c);
	uint32_t st = (uint32_t)common_rd(VIRTIO_PCI_COMMON_STATUS, 1);
	uint64_t f;

	if (m & 0x20) {
		common_wr(VIRTIO_PCI_COMMON_STATUS, 1, st | VIRTIO_STATUS_DRIVER_OK);
	} else if (!(st & VIRTIO_STATUS_ACKNOWLEDGE)) {
		common_wr(VIRTIO_PCI_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
	} else if (!(st & VIRTIO_STATUS_DRIVER)) {
		common_wr(VIRTIO_PCI_COMMON_STATUS, 1, st | VIRTIO_STATUS_DRIVER);
	} else if (!(st & VIRTIO_STATUS_FEATURES_OK)) {
		common_wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 0);
		f = common_rd(VIRTIO_PCI_COMMON_DF, 4);
		common_wr(VIRTIO_PCI_COMMON_DFSELECT, 4, 1);
		f |= common_rd(VIRTIO_PCI_COMMON_DF, 4) << 32;
		if (m & 1)
			f &= ~BIT_ULL(VIRTIO_F_VERSION_1);
		if (m & 2)
			f &= ~BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
		if (m & 4)
			f |= BIT_ULL(40);
		common_wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 0);
		common_wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)f);
		common_wr(VIRTIO_PCI_COMMON_GFSELECT, 4, 1);
		common_wr(VIRTIO_PCI_COMMON_GF, 4, (uint32_t)(f >> 32));
		common_wr(VIRTIO_PCI_COMMON_STATUS, 1,
			  st | VIRTIO_STATUS_FEATURES_OK);
	} else if (!(st & VIRTIO_STATUS_DRIVER_OK)) {
		common_wr(VIRTIO_PCI_COMMON_STATUS, 1, st | VIRTIO_STATUS_DRIVER_OK);
	}
}

/* Rings in one of four places (through the toy IOMMU's IOVAs or not). */
static void do_queue_setup(struct fuzz_cursor *c)
{
	static const uint32_t sizes[8] = { 0, 1, 2, 8, 16, 16, 48, 32 };
	uint32_t q = fuzz_take(c) % (FAKE_NR_QUEUES + 1);
	uint32_t size = sizes[fuzz_take(c) % 8];
	uint8_t pl = fuzz_take(c);
	uint64_t base = (pl & 3) * 0x800 + (pl & 0x10 ? IOVA_BASE : 0);

	common_wr(VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	common_wr(VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	common_wr(VIRTIO_PCI_COMMON_Q_DESC, 8, base + (pl & 4 ? 8 : 0));
	common_wr(VIRTIO_PCI_COMMON_Q_AVAIL, 4, (uint32_t)(base + 0x100));
	common_wr(VIRTIO_PCI_COMMON_Q_AVAIL + 4, 4, 0);
	common_wr(VIRTIO_PCI_COMMON_Q_USED, 8, base + 0x180 + (pl & 8 ? 2 : 0));
	common_wr(VIRTIO_PCI_COMMON_Q_MSIX, 2, (pl >> 5) % 5);
	if (!(pl & 0x80))
		common_wr(VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

/* A chain of two buffers, where the queue's rings are (as GPAs). */
static void do_offer(struct fuzz_cursor *c)
{
	const struct virtqueue *vq = &fake.vdev.vqs[fuzz_take(c) % FAKE_NR_QUEUES];
	uint8_t f = fuzz_take(c), len = fuzz_take(c);
	uint64_t bias = vq->desc >= IOVA_BASE ? IOVA_BASE : 0;
	unsigned int size = vq->size;
	uint8_t *desc, *avail;
	uint16_t idx, head;

	if (!size || size > FAKE_QUEUE_MAX)
		return;
	desc = guest_mem_ptr(&fake.mem, vq->desc - bias, 16ULL * size);
	avail = guest_mem_ptr(&fake.mem, vq->avail - bias, 4 + 2ULL * size);
	if (!desc || !avail)
		return;
	head = f % size;
	fuzz_put_desc(desc + 16 * head, FAKE_DATA_AREA + bias + (f & 0x40 ? 0x400 : 0),
		 1 + len, VIRTQ_DESC_F_NEXT, (head + 1) % size);
	fuzz_put_desc(desc + 16 * ((head + 1) % size), FAKE_DATA_AREA + bias + 0x100,
		 1 + len, VIRTQ_DESC_F_WRITE, 0);
	memcpy(&idx, avail + 2, 2);
	memcpy(avail + 4 + 2 * (idx % size), &head, 2);
	idx++;
	memcpy(avail + 2, &idx, 2);
}

static void do_notify(struct fuzz_cursor *c)
{
	uint8_t s = fuzz_take(c);
	unsigned int q = s % (FAKE_NR_QUEUES + 1);

	bar_access(0, VIRTIO_PCI_NOTIFY + 4 * q + (s & 0x80 ? 2 : 0), q,
		   s & 0x40 ? 4 : 2, true);
	fuzz_drain(fake.notify_fd[0]);
	fuzz_drain(fake.notify_fd[1]);
}

static void do_msix_entry(struct fuzz_cursor *c)
{
	uint8_t f = fuzz_take(c);
	unsigned int v = f & 3;		/* 3: past the table */
	uint32_t addr = value(c), data = fuzz_take32(c);

	bar_access(1, 16 * v, addr, 4, true);
	bar_access(1, 16 * v + 4, f & 0x40 ? 1 : 0, 4, true);
	bar_access(1, 16 * v + 8, data, 4, true);
	bar_access(1, 16 * v + 12, f >> 7, 4, true);
	/* The entry for the configuration or the selected queue, or none. */
	common_wr(f & 0x20 ? VIRTIO_PCI_COMMON_MSIX : VIRTIO_PCI_COMMON_Q_MSIX,
		  2, f & 0x10 ? 0x8000 : v);
}

static void do_msix_ctrl(struct fuzz_cursor *c)
{
	uint8_t f = fuzz_take(c);

	cfg(pci.vp.cap_msix + 2, 2, (uint32_t)(f & 3) << 14, true, f & 4);
}

static void do_window_cap(struct fuzz_cursor *c)
{
	uint8_t f = fuzz_take(c), w = pci.vp.cap_pci_cfg;

	cfg(w + 4, 1, f & 7, true, false);
	cfg(w + 8, 4, value(c), true, false);
	cfg(w + 12, 4, width(f >> 3), true, false);
	cfg(w + 16, 4, value(c), f & 0x80, false);
}

static void do_device_event(struct fuzz_cursor *c)
{
	bool fail = fuzz_take(c) & 1;
	struct snap b, a;

	pthread_mutex_lock(&fake.vdev.lock);
	take_snap(&b);
	if (fail) {
		virtio_needs_reset(&fake.vdev, "fuzz");
	} else {
		fake.vdev.config_generation++;
		virtio_interrupt(&fake.vdev, VIRTIO_ISR_CONFIG);
	}
	take_snap(&a);
	pthread_mutex_unlock(&fake.vdev.lock);
	check_change(&b, &a);
	if (fail)
		fuzz_assert(a.status & VIRTIO_STATUS_NEEDS_RESET);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cursor c = { data, size };
	unsigned int records;

	setup(fuzz_take(&c));
	for (records = 0; c.left && records < MAX_RECORDS; records++) {
		switch ((enum op)(fuzz_take(&c) % NR_OPS)) {
		case OP_CFG:
			do_cfg(&c);
			break;
		case OP_CF8_RAW:
			do_cf8_raw(&c);
			break;
		case OP_ECAM_RAW:
			do_ecam_raw(&c);
			break;
		case OP_BAR:
			do_bar(&c);
			break;
		case OP_WINDOW_RAW:
			do_window_raw(&c);
			break;
		case OP_COMMAND:
			do_command(&c);
			break;
		case OP_MOVE_BAR:
			do_move_bar(&c);
			break;
		case OP_DRIVER_STEP:
			do_driver_step(&c);
			break;
		case OP_QUEUE_SETUP:
			do_queue_setup(&c);
			break;
		case OP_OFFER:
			do_offer(&c);
			break;
		case OP_NOTIFY:
			do_notify(&c);
			break;
		case OP_MSIX_ENTRY:
			do_msix_entry(&c);
			break;
		case OP_MSIX_CTRL:
			do_msix_ctrl(&c);
			break;
		case OP_WINDOW_CAP:
			do_window_cap(&c);
			break;
		case OP_DEVICE_EVENT:
			do_device_event(&c);
			break;
		case OP_RESET:
		default:
			common_wr(VIRTIO_PCI_COMMON_STATUS, 1, 0);
			break;
		}
	}
	return 0;
}

/* ---- seeds: driver scripts in the format above ---- */

static void enable(struct script *s)
{
	emit(s, 3, OP_COMMAND, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 0);
}

/* Up to FEATURES_OK, both queues on vectors 1 and 2, DRIVER_OK. */
static void bring_up(struct script *s, int features)
{
	emit(s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0, OP_DRIVER_STEP,
	     features);
	emit(s, 4, OP_QUEUE_SETUP, 0, 4, 0x20);
	emit(s, 4, OP_QUEUE_SETUP, 1, 3, 0x41);
	emit(s, 2, OP_DRIVER_STEP, 0);
}

/*
 * Table entry @v to value() index @addr_idx (16: 0xfee01000, in the MSI
 * window), data 0x4044; @flags: 0x20 the config vector (else the selected
 * queue's), 0x40 the high address dword 1, 0x80 masked.
 */
static void vector(struct script *s, int v, int addr_idx, int flags)
{
	emit(s, 3, OP_MSIX_ENTRY, v | flags, addr_idx);
	emit(s, 4, 0x44, 0x40, 0, 0);	/* data 0x4044 */
}

size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max)
{
	struct script s = { buf, 0, max };
	unsigned int i;

	switch (n) {
	case 0:
		/* A driver that does everything right; MSI-X delivers. */
		emit(&s, 1, 0x07);
		enable(&s);
		emit(&s, 2, OP_MSIX_CTRL, 3);		/* enabled, masked */
		vector(&s, 0, 16, 0x20);
		bring_up(&s, 0);
		emit(&s, 5, OP_BAR, 0, 0x81, 0x16, 0);	/* queue_select 0 */
		vector(&s, 1, 16, 0);
		emit(&s, 5, OP_BAR, 0, 0x81, 0x16, 1);	/* queue_select 1 */
		vector(&s, 2, 16, 0);
		emit(&s, 2, OP_MSIX_CTRL, 2);		/* unmasked */
		emit(&s, 6, OP_OFFER, 0, 3, 9, OP_NOTIFY, 0);
		emit(&s, 6, OP_OFFER, 1, 0x42, 20, OP_NOTIFY, 1);
		emit(&s, 3, OP_DEVICE_EVENT, 0, OP_RESET);
		break;
	case 1:
		/* Behind the toy IOMMU: rings at IOVAs; messages outside the
		 * window, one mapped (value 19: 0x100000), one not. */
		emit(&s, 1, 0x0b);
		enable(&s);
		emit(&s, 2, OP_MSIX_CTRL, 2);
		emit(&s, 5, OP_BAR, 0, 0x81, 0x16, 0);	/* queue_select 0 */
		vector(&s, 1, 19, 0);
		emit(&s, 5, OP_BAR, 0, 0x81, 0x16, 1);	/* queue_select 1 */
		vector(&s, 2, 4, 0);
		emit(&s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0,
		     OP_DRIVER_STEP, 0);
		emit(&s, 4, OP_QUEUE_SETUP, 0, 4, 0x30);
		emit(&s, 4, OP_QUEUE_SETUP, 1, 3, 0x51);
		emit(&s, 2, OP_DRIVER_STEP, 0);
		for (i = 0; i < 3; i++)
			emit(&s, 6, OP_OFFER, i & 1, i, 7, OP_NOTIFY, i & 1);
		break;
	case 2:
		/* Every configuration register through both paths. */
		emit(&s, 1, 0x00);
		for (i = 0; i < 64; i++)
			emit(&s, 5, OP_CFG, 0x22 | (i & 1) << 4, i * 4, 0, i * 4);
		for (i = 0; i < 8; i++)
			emit(&s, 3, OP_CF8_RAW, i | (i << 3), 1);
		emit(&s, 7, OP_ECAM_RAW, 0, 0x20, 0, 0, 4, 0);
		emit(&s, 7, OP_ECAM_RAW, 0x40, 0x08, 0, 0, 8, 0);
		break;
	case 3:
		/* BARs sized, moved out of the window and back, decoding off. */
		emit(&s, 1, 0x01);
		enable(&s);
		emit(&s, 3, OP_MOVE_BAR, 0, 14);		/* all ones */
		emit(&s, 3, OP_MOVE_BAR, 0, 22);		/* WIN */
		emit(&s, 3, OP_MOVE_BAR, 1, 25);		/* 0xe0000000 */
		emit(&s, 3, OP_MOVE_BAR, 1, 24);
		emit(&s, 5, OP_BAR, 0, 0x02, 0x12, 0);	/* num_queues, 4 bytes */
		emit(&s, 5, OP_BAR, 3, 0x81, 0, 0);	/* notify queue 0 */
		emit(&s, 3, OP_COMMAND, 0, 1);
		emit(&s, 6, OP_WINDOW_RAW, 0, 0, 0, 0, 4);
		emit(&s, 1, 0);
		break;
	case 4:
		/* Masked vectors, function mask, bus mastering off, pending. */
		emit(&s, 1, 0x03);
		enable(&s);
		emit(&s, 2, OP_MSIX_CTRL, 3);
		vector(&s, 1, 16, 0x80);
		bring_up(&s, 0);
		emit(&s, 6, OP_OFFER, 0, 1, 5, OP_NOTIFY, 0);
		emit(&s, 3, OP_COMMAND, PCI_COMMAND_MEMORY, 1);
		emit(&s, 2, OP_MSIX_CTRL, 2);
		vector(&s, 1, 16, 0);
		emit(&s, 6, OP_OFFER, 0, 1, 5, OP_NOTIFY, 0);
		enable(&s);
		emit(&s, 5, OP_BAR, 5, 0x04, 0, 0);	/* the PBA, a qword */
		break;
	case 5:
		/* The PCI-window capability, and hostile common widths. */
		emit(&s, 1, 0x02);
		/* BAR0 offset 0, 2 bytes, read; BAR1 offset 8 (entry 0's
		 * data), 4 bytes, written; no BAR 5, 3 bytes. */
		emit(&s, 4, OP_WINDOW_CAP, 0x08, 0, 0);
		emit(&s, 4, OP_WINDOW_CAP, 0x91, 5, 16);
		emit(&s, 4, OP_WINDOW_CAP, 0x2d, 1, 0);
		enable(&s);
		for (i = 0; i < 9; i++)
			emit(&s, 5, OP_BAR, 0, i, i * 3, 14);
		emit(&s, 3, OP_DEVICE_EVENT, 1, OP_RESET);
		break;
	default:
		return 0;
	}
	return s.len;
}
