// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-blk device, through its transport: reset, feature
 * negotiation, queue 0 in this process's memory, requests built as
 * descriptor chains, and their completions.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "driver.h"
#include "report.h"

/* Reset the device and forget the queue: both sides start from zero. */
int dev_reset(struct vblk *d)
{
	int i;

	dev_set_status(d, 0);
	for (i = 0; i < 1000 && dev_status(d); i++)
		sleep_ms(1);
	if (dev_status(d))
		return -ETIMEDOUT;
	memset(d->r[R_DESC].base, 0, PAGE);
	memset(d->r[R_AVAIL].base, 0, PAGE);
	memset(d->r[R_USED].base, 0, PAGE);
	d->avail_idx = d->last_used = 0;
	return 0;
}

uint64_t dev_features(struct vblk *d)
{
	return d->t->get_features(d);
}

/* Write @want as the driver's features; returns the status read back. */
uint32_t negotiate(struct vblk *d, uint64_t want)
{
	dev_set_status(d, ST_ACKNOWLEDGE);
	dev_set_status(d, ST_ACKNOWLEDGE | ST_DRIVER);
	d->t->set_features(d, want);
	dev_set_status(d, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
	return dev_status(d);
}

/* Queue 0 at the given device addresses; returns the status after. */
uint32_t queue_setup(struct vblk *d, uint32_t size, uint64_t desc_iova,
		     uint64_t avail_iova, uint64_t used_iova)
{
	d->t->queue_set(d, size, desc_iova, avail_iova, used_iova);
	d->t->queue_enable(d);
	return dev_status(d);
}

static uint64_t read_capacity(struct vblk *d)
{
	uint32_t gen, lo, hi;

	do {
		gen = d->t->config_gen(d);
		lo = d->t->config32(d, 0);
		hi = d->t->config32(d, 4);
	} while (gen != d->t->config_gen(d));
	return (uint64_t)hi << 32 | lo;
}

/* Reset, negotiate, queue 0 at the given addresses, DRIVER_OK. */
int dev_start_at(struct vblk *d, uint64_t desc_iova, uint64_t avail_iova,
		 uint64_t used_iova)
{
	uint64_t offered;
	uint32_t st, max;

	if (dev_reset(d)) {
		fprintf(stderr, "vfio-blk: the device did not reset\n");
		return -EIO;
	}
	offered = dev_features(d);
	if (!(offered & BIT(F_VERSION_1)) ||
	    !(offered & BIT(F_ACCESS_PLATFORM))) {
		fprintf(stderr, "vfio-blk: device features 0x%llx lack VERSION_1 or ACCESS_PLATFORM\n",
			(unsigned long long)offered);
		return -EINVAL;
	}
	d->features = offered & WANT_FEATURES;
	st = negotiate(d, d->features);
	if (!(st & ST_FEATURES_OK)) {
		fprintf(stderr, "vfio-blk: the device refused features 0x%llx\n",
			(unsigned long long)d->features);
		return -EINVAL;
	}
	max = d->t->queue_max(d);
	if (max < QSIZE) {
		fprintf(stderr, "vfio-blk: queue 0 holds %u, need %u\n", max,
			QSIZE);
		return -EINVAL;
	}
	st = queue_setup(d, QSIZE, desc_iova, avail_iova, used_iova);
	if (st & ST_NEEDS_RESET || !d->t->queue_enabled(d)) {
		fprintf(stderr, "vfio-blk: queue 0 not accepted (status 0x%x)\n",
			st);
		return -EINVAL;
	}
	dev_set_status(d, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK |
			  ST_DRIVER_OK);
	st = dev_status(d);
	if (!(st & ST_DRIVER_OK) || (st & ST_NEEDS_RESET)) {
		fprintf(stderr, "vfio-blk: DRIVER_OK not taken (status 0x%x)\n",
			st);
		return -EIO;
	}
	d->capacity = read_capacity(d);
	return 0;
}

/* The device started with queue 0 where the layout puts it. */
int dev_start(struct vblk *d)
{
	int err = dev_start_at(d, IOVA_DESC, IOVA_AVAIL, IOVA_USED);

	if (!err)
		say("device ready: features 0x%llx accepted (VERSION_1, ACCESS_PLATFORM, FLUSH, INDIRECT_DESC), queue 0 of %u at desc 0x%llx avail 0x%llx used 0x%llx, %llu sectors",
		    (unsigned long long)d->features, QSIZE,
		    (unsigned long long)IOVA_DESC,
		    (unsigned long long)IOVA_AVAIL,
		    (unsigned long long)IOVA_USED,
		    (unsigned long long)d->capacity);
	return err;
}

void set_desc(struct vblk *d, unsigned int i, uint64_t addr, uint32_t len,
	      uint16_t flags, uint16_t next)
{
	desc(d)[i] = (struct vring_desc){ addr, len, flags, next };
}

/* Request header of @slot; its status byte set to "none written". */
void set_hdr(struct vblk *d, unsigned int slot, uint32_t type,
	     uint64_t sector)
{
	struct blk_hdr h = { type, 0, sector };

	memcpy(cmd(d, CMD_HDR(slot)), &h, sizeof(h));
	*cmd(d, CMD_STATUS(slot)) = NO_STATUS;
}

uint8_t status_of(struct vblk *d, unsigned int slot)
{
	return *(volatile uint8_t *)cmd(d, CMD_STATUS(slot));
}

/*
 * A read or write as a three-descriptor chain at descriptor @i: header
 * (device reads), data (device writes for IN), status byte (device
 * writes). Without data (FLUSH) it is two. Returns the head.
 */
unsigned int build_rw(struct vblk *d, unsigned int slot, unsigned int i,
		      uint32_t type, uint64_t sector, uint64_t data,
		      uint32_t len)
{
	uint16_t dflag = type == T_OUT ? 0 : D_WRITE;

	set_hdr(d, slot, type, sector);
	set_desc(d, i, iova(d, R_CMD, CMD_HDR(slot)), 16, D_NEXT, i + 1);
	if (len) {
		set_desc(d, i + 1, data, len, dflag | D_NEXT, i + 2);
		i++;
	}
	set_desc(d, i + 1, iova(d, R_CMD, CMD_STATUS(slot)), 1, D_WRITE, 0);
	return i + 1 - (len ? 2 : 1);
}

/* Publish @head in the available ring (without notifying). */
void post(struct vblk *d, uint16_t head)
{
	avail(d)->ring[d->avail_idx % QSIZE] = head;
	/* The entry must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	avail(d)->idx = ++d->avail_idx;
}

void notify(struct vblk *d)
{
	/* The index store must reach memory before the device looks. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	d->t->notify(d);
}

/*
 * Collect @n completions, or stop at DEVICE_NEEDS_RESET or the timeout.
 * Every case ends one of these ways; anything else is a hung device.
 */
void wait_done(struct vblk *d, unsigned int n, long ms, struct outcome *o)
{
	struct timespec t0;
	uint32_t status;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while (o->done < n && used(d)->idx != d->last_used) {
			volatile struct vring_used_elem *e;

			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			e = &used(d)->ring[d->last_used % QSIZE];
			if (o->done < NR_SLOTS) {
				o->c[o->done].id = (uint16_t)e->id;
				o->c[o->done].len = e->len;
			}
			o->done++;
			d->last_used++;
		}
		if (o->done >= n)
			return;
		status = dev_status(d);
		if (status & ST_NEEDS_RESET) {
			o->needs_reset = true;
			/*
			 * A live device raises the config interrupt with it:
			 * wait for that event (the bound is for a hung one).
			 */
			while ((status & ST_DRIVER_OK) && !(o->isr & INT_CONFIG) &&
			       elapsed_ms(&t0) < ms)
				irq_wait(d, ms - elapsed_ms(&t0), &o->isr);
			return;
		}
		if (elapsed_ms(&t0) >= ms) {
			o->timed_out = true;
			return;
		}
		irq_wait(d, ms - elapsed_ms(&t0), &o->isr);
	}
}

/* Submit one chain and wait for what becomes of it. */
void run_one(struct vblk *d, uint16_t head, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	post(d, head);
	notify(d);
	wait_done(d, 1, TIMEOUT_MS, o);
}

/* A plain synchronous request; returns the status byte (or NO_STATUS). */
uint8_t blk_sync(struct vblk *d, uint32_t type, uint64_t sector,
		 uint64_t data, uint32_t len, uint32_t *used_len)
{
	struct outcome o;
	unsigned int head = build_rw(d, 0, 0, type, sector, data, len);

	run_one(d, head, &o);
	if (used_len)
		*used_len = o.done ? o.c[0].len : 0;
	if (!o.done)
		return NO_STATUS;
	return status_of(d, 0);
}

const char *status_name(uint8_t s)
{
	switch (s) {
	case BLK_OK:
		return "OK";
	case BLK_IOERR:
		return "IOERR";
	case BLK_UNSUPP:
		return "UNSUPP";
	case NO_STATUS:
		return "none";
	}
	return "?";
}
