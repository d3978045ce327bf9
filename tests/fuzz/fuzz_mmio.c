// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the virtio-mmio register file (virtio/mmio.c) the way a hostile
 * driver drives it: reads and writes of any width at any offset, config
 * space, feature negotiation, queue set-up in any order, status
 * transitions, resets, notifications and interrupt acknowledges. The
 * device behind it has two queues and a 12-byte config space, and its
 * queues really run: a notification pops the chains the input offered in
 * a small guest RAM and completes them.
 *
 * No KVM and no device thread, so a run is deterministic: a queue in the
 * device's inline_notify set runs on the notifying access, as the
 * virtio-iommu's request queue does; the others' kicks go to their
 * eventfds, which the harness reads back.
 *
 * After every access the harness checks what the transport promises
 * (virtio 1.2, 2.1 and 4.2.2): identification registers read as they
 * should, status bits are only added until a reset clears everything
 * (NEEDS_RESET included), FEATURES_OK only with an acceptable
 * feature set and DRIVER_OK only after it, features frozen from then on,
 * a live queue's registers frozen and its layout valid, QueueReady = 0
 * taking a queue down before DRIVER_OK and only then, the device told
 * of activation exactly once per DRIVER_OK and run only while live,
 * config accesses served within bounds and zero-filled outside, narrow
 * or misaligned register accesses ignored, no interrupt without a reason
 * in InterruptStatus and none lost, a kick for every notification that
 * goes to the device thread, and the device lock held exactly inside the
 * device's callbacks.
 *
 * Input: one set-up byte (which queues notify inline, the features the
 * device offers, whether activation fails), then records until the
 * input runs out; the first byte of each picks one of enum op.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "../../virtio/virtio.h"
#include "fake_vdev.h"
#include "fuzz.h"

const char fuzz_name[] = "mmio";

#define DEVICE_ID	0x2a
#define MAX_RECORDS	512

/* set-up byte */
#define S_INLINE_MASK	0x03		/* queue q notifies inline: bit q */
#define S_PLATFORM	0x04		/* offer VIRTIO_F_ACCESS_PLATFORM */
#define S_EVENT_IDX	0x08
#define S_INDIRECT	0x10
#define S_FAIL_ACTIVATE	0x20

#define STATUS_LIVE	(VIRTIO_STATUS_DRIVER_OK | VIRTIO_STATUS_NEEDS_RESET)

enum op {
	OP_WRITE,		/* register, value */
	OP_READ,		/* register */
	OP_CONFIG,		/* config space access of 0 to 13 bytes */
	OP_RAW,			/* any offset, any width 0-8 */
	OP_DRIVER_STEP,		/* the next step of a driver's bring-up */
	OP_QUEUE_SETUP,		/* a queue's registers, in some order */
	OP_OFFER,		/* a chain in a queue's avail ring */
	OP_NOTIFY,
	OP_ISR_ACK,		/* read InterruptStatus, acknowledge some */
	OP_RESET,
	OP_DEVICE_EVENT,	/* the device fails, or changes its config */
	OP_POKE,		/* the driver scribbles on guest RAM */
	NR_OPS
};

/* What one access may change, taken before and after it. */
struct snap {
	uint32_t status, isr, generation;
	uint64_t guest_features;
	uint32_t queue_sel;
	unsigned int activations, resets, config_writes, runs[FAKE_NR_QUEUES];
	struct {
		bool ready;
		uint16_t size;
		uint64_t desc, avail, used;
	} q[FAKE_NR_QUEUES];
	uint8_t config[FAKE_CONFIG_SIZE];
};

static int irq_fd = -1;

static void setup(uint8_t s)
{
	uint64_t features = 0;

	if (irq_fd < 0 && (irq_fd = eventfd(0, EFD_NONBLOCK)) < 0)
		abort();
	fuzz_drain(irq_fd);
	if (s & S_PLATFORM)
		features |= BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	if (s & S_EVENT_IDX)
		features |= BIT_ULL(VIRTIO_F_EVENT_IDX);
	if (s & S_INDIRECT)
		features |= BIT_ULL(VIRTIO_F_INDIRECT_DESC);
	fake_vdev_setup(&(struct fake_vdev_cfg){
		.device_id = DEVICE_ID,
		.transport = VIRTIO_TRANSPORT_MMIO,
		.features = features,
		.inline_notify = s & S_INLINE_MASK,
		.fail_activate = s & S_FAIL_ACTIVATE,
		.irq_fd = irq_fd,
		.config = "fuzzconf\0\0\0\0",
	});
}

/* ---- the checks ---- */

static void take_snap(struct snap *s)
{
	const struct virtio_dev *v = &fake.vdev;
	unsigned int q;

	memset(s, 0, sizeof(*s));
	s->status = v->status;
	s->isr = __atomic_load_n(&v->isr, __ATOMIC_SEQ_CST);
	s->generation = v->config_generation;
	s->guest_features = v->guest_features;
	s->queue_sel = v->queue_sel;
	s->activations = fake.activations;
	s->resets = fake.resets;
	s->config_writes = fake.config_writes;
	memcpy(s->runs, fake.runs, sizeof(s->runs));
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		s->q[q].ready = v->vqs[q].ready;
		s->q[q].size = v->vqs[q].size;
		s->q[q].desc = v->vqs[q].desc;
		s->q[q].avail = v->vqs[q].avail;
		s->q[q].used = v->vqs[q].used;
	}
	memcpy(s->config, fake.config, FAKE_CONFIG_SIZE);
}

static bool features_ok(uint64_t f)
{
	uint64_t offered = fake.vdev.host_features;

	return !(f & ~offered) && (f & BIT_ULL(VIRTIO_F_VERSION_1)) &&
	       (!(offered & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)) ||
		(f & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)));
}

/* What holds at any time between accesses. */
static void check_state(const struct snap *s)
{
	unsigned int q;

	if (s->status & VIRTIO_STATUS_DRIVER_OK)
		fuzz_assert(s->status & VIRTIO_STATUS_FEATURES_OK);
	if (s->status & VIRTIO_STATUS_FEATURES_OK)
		fuzz_assert(features_ok(s->guest_features));
	fuzz_assert(!(s->isr & ~(VIRTIO_MMIO_INT_VRING |
				 VIRTIO_MMIO_INT_CONFIG)));
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		uint16_t n = s->q[q].size;

		/* The queue's DMA space is the device's, whatever happened. */
		fuzz_assert(fake.vdev.vqs[q].dma == &fake.vdev.dma);
		if (!s->q[q].ready)
			continue;
		fuzz_assert(n && n <= FAKE_QUEUE_MAX && !(n & (n - 1)));
		fuzz_assert(!(s->q[q].desc % 16) && !(s->q[q].avail % 2) &&
			    !(s->q[q].used % 4));
	}
}

static void check_reset(const struct snap *b, const struct snap *a)
{
	unsigned int q;

	fuzz_assert(a->resets == b->resets + 1);
	fuzz_assert(a->status == 0 && a->isr == 0 && a->guest_features == 0);
	fuzz_assert(a->queue_sel == 0);
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		fuzz_assert(!a->q[q].ready && !a->q[q].size);
		fuzz_assert(!a->q[q].desc && !a->q[q].avail && !a->q[q].used);
	}
}

/* Anything but a reset: what may change, and how. */
static void check_change(const struct snap *b, const struct snap *a,
			 uint64_t off, uint32_t v, bool reg_write)
{
	bool rose = (a->status & VIRTIO_STATUS_DRIVER_OK) &&
		    !(b->status & VIRTIO_STATUS_DRIVER_OK);
	unsigned int q;

	fuzz_assert(a->resets == b->resets);
	/* Bits are only added; NEEDS_RESET stays until a reset. */
	fuzz_assert((a->status & b->status) == b->status);
	if (b->status & VIRTIO_STATUS_FEATURES_OK)
		fuzz_assert(a->guest_features == b->guest_features);
	/* The device learns of DRIVER_OK once, as it is set. */
	fuzz_assert(a->activations == b->activations + rose);
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		if (!b->q[q].ready)
			continue;
		fuzz_assert(a->q[q].size == b->q[q].size &&
			    a->q[q].desc == b->q[q].desc &&
			    a->q[q].avail == b->q[q].avail &&
			    a->q[q].used == b->q[q].used);
		/* Only QueueReady = 0 on the selected queue takes it down, */
		if (!a->q[q].ready)
			fuzz_assert(reg_write && !v && b->queue_sel == q &&
				    off == VIRTIO_MMIO_QUEUE_READY);
	}
	/* and it does until DRIVER_OK: the register reads back 0. */
	if (reg_write && off == VIRTIO_MMIO_QUEUE_READY && !v &&
	    b->queue_sel < FAKE_NR_QUEUES &&
	    !(b->status & VIRTIO_STATUS_DRIVER_OK))
		fuzz_assert(!a->q[b->queue_sel].ready);
}

/* What a register read must return (the ones whose value is defined). */
static void check_read(const struct snap *s, uint64_t off, uint32_t v)
{
	const struct virtio_dev *d = &fake.vdev;
	bool exists = d->queue_sel < FAKE_NR_QUEUES;

	switch (off) {
	case VIRTIO_MMIO_MAGIC:
		fuzz_assert(v == 0x74726976);
		break;
	case VIRTIO_MMIO_VERSION:
		fuzz_assert(v == 2);
		break;
	case VIRTIO_MMIO_DEVICE_ID:
		fuzz_assert(v == DEVICE_ID);
		break;
	case VIRTIO_MMIO_DEV_FEATURES:
		fuzz_assert(v == (d->features_sel > 1 ? 0 :
				  (uint32_t)(d->host_features >>
					     (32 * d->features_sel))));
		break;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		fuzz_assert(v == (exists ? FAKE_QUEUE_MAX : 0));
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		fuzz_assert(v == (exists && s->q[d->queue_sel].ready));
		break;
	case VIRTIO_MMIO_INT_STATUS:
		fuzz_assert(v == s->isr);
		break;
	case VIRTIO_MMIO_STATUS:
		fuzz_assert(v == s->status);
		break;
	case VIRTIO_MMIO_CONFIG_GEN:
		fuzz_assert(v == s->generation);
		break;
	case VIRTIO_MMIO_DRV_FEATURES:
	case VIRTIO_MMIO_DRV_FEATURES_SEL:
	case VIRTIO_MMIO_QUEUE_SEL:
	case VIRTIO_MMIO_QUEUE_NOTIFY:
	case VIRTIO_MMIO_INT_ACK:
		fuzz_assert(v == 0);	/* write-only */
		break;
	}
}

static void check_config(const struct snap *b, const struct snap *a,
			 uint64_t off, const uint8_t *data, uint32_t len,
			 bool is_write)
{
	uint64_t at = off - VIRTIO_MMIO_CONFIG;
	bool inside = at <= FAKE_CONFIG_SIZE && len <= FAKE_CONFIG_SIZE - at;
	uint32_t i;

	if (is_write) {
		fuzz_assert(a->config_writes == b->config_writes + inside);
		return;
	}
	for (i = 0; i < len; i++)
		fuzz_assert(data[i] == (inside ? b->config[at + i] : 0));
}

/* The interrupt line: raised for every new InterruptStatus bit, and
 * never with nothing in InterruptStatus. */
static void check_interrupt(const struct snap *b, const struct snap *a)
{
	uint64_t raised = fuzz_drain(irq_fd);

	if (a->isr & ~b->isr)
		fuzz_assert(raised);
	if (raised)
		fuzz_assert(a->isr);
}

/* One access, as a vCPU's MMIO exit makes it, and everything it changed. */
static void guest_access(uint64_t off, uint8_t *data, uint32_t len,
			 bool is_write)
{
	bool reg = off < VIRTIO_MMIO_CONFIG && len == 4 && !(off & 3);
	bool notify = reg && is_write && off == VIRTIO_MMIO_QUEUE_NOTIFY;
	int kick = -1, run = -1;
	struct snap b, a;
	uint32_t v = 0;
	unsigned int q;

	if (len == 4)
		memcpy(&v, data, 4);
	/* A notification runs an inline queue if live, else kicks its fd. */
	if (notify && v < FAKE_NR_QUEUES) {
		if (!(fake.vdev.inline_notify & (1U << v)))
			kick = (int)v;
		else if (fake_queue_live(v))
			run = (int)v;
	}
	take_snap(&b);
	virtio_mmio_access(&fake.vdev, off, data, len, is_write);
	fuzz_check_lock(&fake.vdev.lock, false);
	take_snap(&a);

	check_state(&a);
	check_interrupt(&b, &a);
	for (q = 0; q < FAKE_NR_QUEUES; q++) {
		/* Only QueueNotify kicks (a read costs a system call). */
		if ((off & ~3ULL) == VIRTIO_MMIO_QUEUE_NOTIFY)
			fuzz_assert(fuzz_drain(fake.notify_fd[q]) == (kick == (int)q));
		fuzz_assert(a.runs[q] == b.runs[q] + (run == (int)q));
	}
	if (reg && is_write && off == VIRTIO_MMIO_STATUS && v == 0) {
		check_reset(&b, &a);
		return;
	}
	check_change(&b, &a, off, v, reg && is_write);
	if (off >= VIRTIO_MMIO_CONFIG) {
		check_config(&b, &a, off, data, len, is_write);
	} else if (!reg) {
		/* Registers are 32-bit only: nothing happens otherwise. */
		fuzz_assert(!memcmp(&a, &b, sizeof(a)));
		for (q = 0; !is_write && q < len; q++)
			fuzz_assert(!data[q]);
	} else if (!is_write) {
		memcpy(&v, data, 4);
		check_read(&b, off, v);
	}
}

/* ---- the driver ---- */

static void wr(uint64_t off, uint32_t v)
{
	uint8_t b[4];

	memcpy(b, &v, 4);
	guest_access(off, b, 4, true);
}

static uint32_t rd(uint64_t off)
{
	uint8_t b[4] = { 0xa5, 0xa5, 0xa5, 0xa5 };	/* to be overwritten */
	uint32_t v;

	guest_access(off, b, 4, false);
	memcpy(&v, b, 4);
	return v;
}

/* A register slot (any of the 64), or more often one that exists. */
static uint64_t reg_offset(uint8_t idx)
{
	static const uint16_t regs[] = {
		VIRTIO_MMIO_MAGIC, VIRTIO_MMIO_VERSION, VIRTIO_MMIO_DEVICE_ID,
		VIRTIO_MMIO_VENDOR_ID, VIRTIO_MMIO_DEV_FEATURES,
		VIRTIO_MMIO_DEV_FEATURES_SEL, VIRTIO_MMIO_DRV_FEATURES,
		VIRTIO_MMIO_DRV_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL,
		VIRTIO_MMIO_QUEUE_NUM_MAX, VIRTIO_MMIO_QUEUE_NUM,
		VIRTIO_MMIO_QUEUE_READY, VIRTIO_MMIO_QUEUE_NOTIFY,
		VIRTIO_MMIO_INT_STATUS, VIRTIO_MMIO_INT_ACK, VIRTIO_MMIO_STATUS,
		VIRTIO_MMIO_QUEUE_DESC_LO, VIRTIO_MMIO_QUEUE_DESC_HI,
		VIRTIO_MMIO_QUEUE_AVAIL_LO, VIRTIO_MMIO_QUEUE_AVAIL_HI,
		VIRTIO_MMIO_QUEUE_USED_LO, VIRTIO_MMIO_QUEUE_USED_HI,
		VIRTIO_MMIO_SHM_SEL, VIRTIO_MMIO_CONFIG_GEN,
	};

	if (idx < 64)
		return idx * 4U;
	return regs[idx % (sizeof(regs) / sizeof(regs[0]))];
}

static uint32_t value(struct fuzz_cursor *c)
{
	static const uint32_t v[] = {
		0, 1, 2, 3, 4, 7, 8, 11, 15, 16, 17, 32, 48, 0x4b, 0x8f,
		0xffff, 0x10000, 0x10010, 0x7fffffff, 0x80000000, 0xffffffff,
		FAKE_RAM_SIZE, FAKE_RAM_SIZE - 16, FAKE_DATA_AREA, 0x100, 0x180, 0x802,
	};
	uint8_t s = fuzz_take(c);

	return s < 0xc0 ? v[s % (sizeof(v) / sizeof(v[0]))] : fuzz_take32(c);
}

static void do_config(struct fuzz_cursor *c)
{
	static const uint32_t lens[8] = { 0, 1, 2, 3, 4, 8, 12, 13 };
	uint8_t b = fuzz_take(c), data[16];
	uint32_t len = lens[b >> 5], i;
	bool is_write = fuzz_take(c) & 1;

	memset(data, 0xa5, sizeof(data));
	for (i = 0; is_write && i < len; i++)
		data[i] = fuzz_take(c);
	guest_access(VIRTIO_MMIO_CONFIG + (b & 0x1f), data, len, is_write);
}

static void do_raw(struct fuzz_cursor *c)
{
	uint64_t off = fuzz_take(c);
	uint8_t f, data[8];
	unsigned int i;

	off |= (uint64_t)fuzz_take(c) << 8;
	f = fuzz_take(c);
	if (f & 0x80)
		off = ~0ULL - off;	/* near 2^64: off + len wraps */
	memset(data, 0xa5, sizeof(data));
	if (f & 0x10)
		for (i = 0; i < sizeof(data); i++)
			data[i] = fuzz_take(c);
	guest_access(off, data, f % 9, f & 0x10);
}

/*
 * The next step of a bring-up, read from the status register. @m bends
 * it: a feature set without VERSION_1 or ACCESS_PLATFORM, with one the
 * device never offered, or DRIVER_OK too early.
 */
static void do_driver_step(struct fuzz_cursor *c)
{
	uint8_t m = fuzz_take(c);
	uint32_t st = rd(VIRTIO_MMIO_STATUS);
	uint64_t f;

	if (m & 0x20) {
		wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	} else if (!(st & VIRTIO_STATUS_ACKNOWLEDGE)) {
		wr(VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	} else if (!(st & VIRTIO_STATUS_DRIVER)) {
		wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER);
	} else if (!(st & VIRTIO_STATUS_FEATURES_OK)) {
		wr(VIRTIO_MMIO_DEV_FEATURES_SEL, 0);
		f = rd(VIRTIO_MMIO_DEV_FEATURES);
		wr(VIRTIO_MMIO_DEV_FEATURES_SEL, 1);
		f |= (uint64_t)rd(VIRTIO_MMIO_DEV_FEATURES) << 32;
		if (m & 1)
			f &= ~BIT_ULL(VIRTIO_F_VERSION_1);
		if (m & 2)
			f &= ~BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
		if (m & 4)
			f |= BIT_ULL(40);
		if (m & 8)
			f &= ~BIT_ULL(VIRTIO_F_EVENT_IDX);
		wr(VIRTIO_MMIO_DRV_FEATURES_SEL, 0);
		wr(VIRTIO_MMIO_DRV_FEATURES, (uint32_t)f);
		wr(VIRTIO_MMIO_DRV_FEATURES_SEL, 1);
		wr(VIRTIO_MMIO_DRV_FEATURES, (uint32_t)(f >> 32));
		wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FEATURES_OK);
	} else if (!(st & VIRTIO_STATUS_DRIVER_OK)) {
		wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_DRIVER_OK);
	} else if (m & 0x10) {
		wr(VIRTIO_MMIO_STATUS, st | VIRTIO_STATUS_FAILED);
	}
}

/*
 * A queue's registers: rings in one of four areas of RAM (or 4 GiB up),
 * some misaligned, written starting anywhere in the list; QueueReady
 * last, first and last, or not at all.
 */
static void do_queue_setup(struct fuzz_cursor *c)
{
	static const uint32_t sizes[8] = { 0, 1, 2, 8, 16, 16, 48, 0x10010 };
	uint32_t q = fuzz_take(c) % (FAKE_NR_QUEUES + 1);
	uint32_t size = sizes[fuzz_take(c) % 8];
	uint8_t pl = fuzz_take(c), from = fuzz_take(c) % 7;
	uint32_t base = (pl & 3) * 0x800, hi = (pl >> 4) & 1;
	uint32_t regs[7][2] = {
		{ VIRTIO_MMIO_QUEUE_NUM, size },
		{ VIRTIO_MMIO_QUEUE_DESC_LO, base + (pl & 4 ? 8 : 0) },
		{ VIRTIO_MMIO_QUEUE_DESC_HI, hi },
		{ VIRTIO_MMIO_QUEUE_AVAIL_LO, base + 0x100 },
		{ VIRTIO_MMIO_QUEUE_AVAIL_HI, hi },
		{ VIRTIO_MMIO_QUEUE_USED_LO, base + 0x180 + (pl & 8 ? 2 : 0) },
		{ VIRTIO_MMIO_QUEUE_USED_HI, hi },
	};
	unsigned int i;

	wr(VIRTIO_MMIO_QUEUE_SEL, q);
	if (pl & 0x80)
		wr(VIRTIO_MMIO_QUEUE_READY, 0);
	if (pl & 0x20)
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
	for (i = 0; i < 7; i++)
		wr(regs[(from + i) % 7][0], regs[(from + i) % 7][1]);
	if (!(pl & 0x40))
		wr(VIRTIO_MMIO_QUEUE_READY, 1);
}

static void put16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/*
 * The driver offers a chain of 1 to 3 buffers in the data area, readable
 * then writable, in the main table or (f & 0x80) an indirect one, where
 * the queue's registers say its rings are.
 */
static void do_offer(struct fuzz_cursor *c)
{
	const struct virtqueue *vq = &fake.vdev.vqs[fuzz_take(c) % FAKE_NR_QUEUES];
	uint8_t f = fuzz_take(c), len = fuzz_take(c), head_sel = fuzz_take(c);
	unsigned int n = 1 + f % 3, k, size = vq->size;
	uint8_t *desc, *avail, *table;
	uint16_t idx, head;

	if (!size || size > FAKE_QUEUE_MAX)
		return;
	desc = guest_mem_ptr(&fake.mem, vq->desc, 16ULL * size);
	avail = guest_mem_ptr(&fake.mem, vq->avail, 4 + 2ULL * size);
	if (!desc || !avail)
		return;
	head = head_sel % size;
	table = f & 0x80 ? fake.ram + FAKE_DATA_AREA + 0xc00 : NULL;
	if (table)
		fuzz_put_desc(desc + 16 * head, FAKE_DATA_AREA + 0xc00, 16 * n,
			 VIRTQ_DESC_F_INDIRECT, 0);
	for (k = 0; k < n; k++) {
		unsigned int i = table ? k : (head + k) % size;
		uint16_t flags = k + 1 < n ? VIRTQ_DESC_F_NEXT : 0;

		if (k + 1 == n || (f & 0x40 && k))
			flags |= VIRTQ_DESC_F_WRITE;
		fuzz_put_desc((table ? table : desc) + 16 * i,
			 FAKE_DATA_AREA + 0x100 * k + (f & 0x08), 1 + len * (k + 1),
			 flags, table ? k + 1 : (i + 1) % size);
	}
	memcpy(&idx, avail + 2, 2);
	put16(avail + 4 + 2 * (idx % size), head);
	put16(avail + 2, idx + 1);
}

static void do_notify(struct fuzz_cursor *c)
{
	uint8_t s = fuzz_take(c);

	/* A queue, the one past the last, or a value far off. */
	wr(VIRTIO_MMIO_QUEUE_NOTIFY,
	   s < 0xc0 ? s % (FAKE_NR_QUEUES + 1) : 0xffffff00U | s);
}

static void do_isr_ack(struct fuzz_cursor *c)
{
	uint32_t isr = rd(VIRTIO_MMIO_INT_STATUS);
	uint8_t m = fuzz_take(c);

	wr(VIRTIO_MMIO_INT_ACK, m & 0x80 ? fuzz_take32(c) : isr & m);
}

/* The device meets an error, or changes its config (virtio 1.2, 4.2.2.1). */
static void do_device_event(struct fuzz_cursor *c)
{
	bool fail = fuzz_take(c) & 1;
	struct snap b, a;

	pthread_mutex_lock(&fake.vdev.lock);
	take_snap(&b);
	if (fail) {
		virtio_needs_reset(&fake.vdev, "fuzz");
	} else {
		fake.config[0]++;
		fake.vdev.config_generation++;
		virtio_interrupt(&fake.vdev, VIRTIO_MMIO_INT_CONFIG);
	}
	take_snap(&a);
	pthread_mutex_unlock(&fake.vdev.lock);

	check_state(&a);
	check_interrupt(&b, &a);
	if (fail) {
		fuzz_assert(a.status & VIRTIO_STATUS_NEEDS_RESET);
		/* A driver that is up hears of it. */
		if ((b.status & STATUS_LIVE) == VIRTIO_STATUS_DRIVER_OK)
			fuzz_assert(a.isr & VIRTIO_MMIO_INT_CONFIG);
	}
}

static void do_poke(struct fuzz_cursor *c)
{
	uint32_t off = fuzz_take(c), v;

	off = (off | (uint32_t)fuzz_take(c) << 8) % (FAKE_RAM_SIZE - 3);
	v = fuzz_take32(c);
	memcpy(fake.ram + off, &v, 4);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_cursor c = { data, size };
	unsigned int records;

	setup(fuzz_take(&c));
	for (records = 0; c.left && records < MAX_RECORDS; records++) {
		switch ((enum op)(fuzz_take(&c) % NR_OPS)) {
		case OP_WRITE: {
			uint64_t off = reg_offset(fuzz_take(&c));

			wr(off, value(&c));
			break;
		}
		case OP_READ:
			rd(reg_offset(fuzz_take(&c)));
			break;
		case OP_CONFIG:
			do_config(&c);
			break;
		case OP_RAW:
			do_raw(&c);
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
		case OP_ISR_ACK:
			do_isr_ack(&c);
			break;
		case OP_RESET:
			wr(VIRTIO_MMIO_STATUS, 0);
			break;
		case OP_DEVICE_EVENT:
			do_device_event(&c);
			break;
		case OP_POKE:
		default:
			do_poke(&c);
			break;
		}
	}
	return 0;
}

/* ---- seeds: driver scripts in the format above ---- */

/* Select @q, @size, placement @pl; start with register @from. */
static void queue(struct script *s, int q, int size_idx, int pl, int from)
{
	emit(s, 5, OP_QUEUE_SETUP, q, size_idx, pl, from);
}

/* Everything up to FEATURES_OK, both queues, then DRIVER_OK. */
static void bring_up(struct script *s, int features)
{
	emit(s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0, OP_DRIVER_STEP,
	     features);
	queue(s, 0, 4, 0, 0);
	queue(s, 1, 3, 1, 3);
	emit(s, 2, OP_DRIVER_STEP, 0);
}

size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max)
{
	struct script s = { buf, 0, max };
	unsigned int i;

	switch (n) {
	case 0:
		/* A driver that does everything right; queue 0 inline. */
		emit(&s, 1, 0x1d);
		bring_up(&s, 0);
		emit(&s, 12, OP_OFFER, 0, 1, 7, 0, OP_OFFER, 0, 0x82, 9, 3,
		     OP_NOTIFY, 0);
		emit(&s, 2, OP_ISR_ACK, 0x7f);
		emit(&s, 7, OP_OFFER, 1, 2, 40, 1, OP_NOTIFY, 1);
		emit(&s, 6, OP_CONFIG, 0x80, 0, OP_CONFIG, 0x88, 1);
		emit(&s, 4, 0x33, 0x44, 0x55, 0x66);
		emit(&s, 3, OP_DEVICE_EVENT, 0, OP_RESET);
		break;
	case 1:
		/* Both queues inline, EVENT_IDX; completions, acks, resets. */
		emit(&s, 1, 0x0b);
		bring_up(&s, 0);
		for (i = 0; i < 4; i++)
			emit(&s, 9, OP_OFFER, i & 1, 0x41, 3 * i, i, OP_NOTIFY,
			     i & 1, OP_ISR_ACK, 0x7f);
		emit(&s, 4, OP_READ, 0x18, OP_READ, 0x1c); /* ISR, status */
		emit(&s, 1, OP_RESET);
		bring_up(&s, 8);
		emit(&s, 7, OP_OFFER, 0, 0, 0, 0, OP_NOTIFY, 0);
		break;
	case 2:
		/* Bring-ups gone wrong: each ends refused or in NEEDS_RESET. */
		emit(&s, 1, 0x05);
		emit(&s, 4, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0x20);
		emit(&s, 1, OP_RESET);
		for (i = 1; i <= 4; i <<= 1) {
			emit(&s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0,
			     OP_DRIVER_STEP, i);
			emit(&s, 2, OP_DRIVER_STEP, 0);
			emit(&s, 1, OP_RESET);
		}
		emit(&s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0,
		     OP_DRIVER_STEP, 0);
		queue(&s, 0, 6, 0, 0);		/* 48: not a power of two */
		emit(&s, 1, OP_RESET);
		bring_up(&s, 0);
		queue(&s, 1, 4, 0x04, 0);	/* misaligned, while live */
		emit(&s, 1, OP_RESET);
		emit(&s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0,
		     OP_DRIVER_STEP, 0);
		queue(&s, 0, 4, 0x10, 0);	/* rings 4 GiB up: not RAM */
		emit(&s, 4, OP_DRIVER_STEP, 0, OP_NOTIFY, 0);
		break;
	case 3:
		/* Every register slot read, odd widths, config all lengths. */
		emit(&s, 1, 0x01);
		for (i = 0; i < 64; i++)
			emit(&s, 2, OP_READ, i);
		for (i = 0; i < 8; i++) {
			emit(&s, 4, OP_RAW, 0x70, 0, i);
			emit(&s, 12, OP_RAW, 0x03, 0x01, 0x10 | i, 1, 2, 3, 4,
			     5, 6, 7, 8);
			emit(&s, 3, OP_CONFIG, (i << 5) | 9, 0);
		}
		emit(&s, 4, OP_RAW, 0x10, 0, 0x84);		/* near 2^64 */
		emit(&s, 7, OP_WRITE, 5, 0xc0, 7, 0, 0, 0); /* features sel */
		emit(&s, 2, OP_READ, 4);
		break;
	case 4:
		/* The device changes its config, then fails. */
		emit(&s, 1, 0x01);
		bring_up(&s, 0);
		emit(&s, 4, OP_DEVICE_EVENT, 0, OP_DEVICE_EVENT, 1);
		emit(&s, 2, OP_READ, 0x3f);			/* generation */
		emit(&s, 2, OP_NOTIFY, 0);
		break;
	case 5:
		/* Queues taken down, moved, brought back; a hostile idx. */
		emit(&s, 1, 0x13);
		emit(&s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0,
		     OP_DRIVER_STEP, 0);
		queue(&s, 0, 4, 0, 2);
		queue(&s, 0, 3, 0x82, 5);	/* QueueReady 0, elsewhere */
		queue(&s, 1, 3, 0x01, 6);
		queue(&s, 2, 4, 0x03, 0);	/* no such queue */
		emit(&s, 2, OP_DRIVER_STEP, 0);
		emit(&s, 7, OP_OFFER, 0, 0x80 | 2, 5, 1, OP_NOTIFY, 0);
		emit(&s, 7, OP_POKE, 0x02, 0x11, 0x00, 0x80, 0, 0); /* idx */
		emit(&s, 2, OP_NOTIFY, 0);
		emit(&s, 7, OP_WRITE, 0x11, 0xc0, 0, 0, 0, 0);	/* ready 0 */
		emit(&s, 1, OP_RESET);
		emit(&s, 6, OP_DRIVER_STEP, 0, OP_DRIVER_STEP, 0,
		     OP_DRIVER_STEP, 0);
		queue(&s, 1, 4, 0x21, 6);	/* QueueReady before the rest */
		break;
	case 6:
		/* The device refuses to start. */
		emit(&s, 1, 0x21);
		bring_up(&s, 0);
		emit(&s, 7, OP_ISR_ACK, 0x7f, OP_NOTIFY, 0, OP_RESET, OP_READ,
		     0x1c);
		break;
	default:
		return 0;
	}
	return s.len;
}
