// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile cases, queue and feature set-up: rings at unmapped IOVA or
 * mapped read-only, a misaligned ring, a queue size that is not a power
 * of 2, and a driver that leaves out VIRTIO_F_ACCESS_PLATFORM.
 *
 * Each entry: the name, what the case does, the function that does it
 * and the one outcome it must have: how it ends, and the faults iovm
 * reports for it, in order (struct expect in cases.h; run_case() checks
 * every part).
 */
#include <stdio.h>
#include <string.h>

#include <linux/vfio.h>

#include "cases.h"

static case_fn c_desc_unmapped, c_avail_unmapped, c_used_readonly,
	c_ring_misaligned, c_queue_size_bad, c_no_access_platform;

static const struct hcase cases[] = {
	{ "desc-table-unmapped", "the queue's descriptor table at unmapped IOVA",
	  c_desc_unmapped,
	  { ENDS_RESET, FAULT(IOVA_HOLE, 'R') } },
	{ "avail-ring-unmapped", "the queue's available ring at unmapped IOVA",
	  c_avail_unmapped,
	  { ENDS_RESET,
	    FAULTS2(IOVA_HOLE + 2, 'R', IOVA_HOLE, 'R') } },
	{ "used-ring-readonly", "the used ring mapped read-only for the device",
	  c_used_readonly,
	  { ENDS_RESET,
	    FAULTS2(IOVA_USED, 'W', IOVA_USED + 0xc, 'W') } },
	{ "ring-misaligned", "descriptor table at an 8-byte boundary",
	  c_ring_misaligned,
	  { ENDS_RESET_AT_SETUP, NO_FAULT } },
	{ "queue-size-not-power-of-2", "QueueNum 100",
	  c_queue_size_bad,
	  { ENDS_RESET_AT_SETUP, NO_FAULT } },
	{ "no-access-platform",
	  "FEATURES_OK without VIRTIO_F_ACCESS_PLATFORM, then DRIVER_OK",
	  c_no_access_platform,
	  { ENDS_RESET_AT_SETUP, NO_FAULT } },
};

const struct case_list queue_cases = CASE_LIST(cases);

/* The queue itself somewhere the device may not go. */
static unsigned int ring_elsewhere(struct vblk *d, struct outcome *o,
				   uint64_t desc_iova, uint64_t avail_iova,
				   uint64_t used_iova)
{
	memset(o, 0, sizeof(*o));
	if (dev_start_at(d, desc_iova, avail_iova, used_iova)) {
		o->timed_out = true;
		return 0;
	}
	sanity_read(d);
	post(d, 0);
	notify(d);
	wait_done(d, 1, TIMEOUT_MS, o);
	return 0;
}

static unsigned int c_desc_unmapped(struct vblk *d, struct outcome *o)
{
	return ring_elsewhere(d, o, IOVA_HOLE, IOVA_AVAIL, IOVA_USED);
}

static unsigned int c_avail_unmapped(struct vblk *d, struct outcome *o)
{
	return ring_elsewhere(d, o, IOVA_DESC, IOVA_HOLE, IOVA_USED);
}

/* The used ring mapped read-only: the device cannot return the chain. */
static unsigned int c_used_readonly(struct vblk *d, struct outcome *o)
{
	struct region *u = &d->r[R_USED];

	memset(o, 0, sizeof(*o));
	if (dma_unmap(d, u) || dma_map(d, u, VFIO_DMA_MAP_FLAG_READ)) {
		o->timed_out = true;
		return 0;
	}
	run_one(d, build_rw(d, 0, 0, T_FLUSH, 0, 0, 0), o);
	if (dma_unmap(d, u) || dma_map(d, u, u->perm))
		fprintf(stderr, "vfio-blk: restoring the used ring's mapping failed\n");
	return 0;
}

/* Queue set-up errors show at QUEUE_READY, before DRIVER_OK. */
static unsigned int bad_queue(struct vblk *d, struct outcome *o,
			      uint32_t size, uint64_t desc_iova)
{
	uint32_t st;

	memset(o, 0, sizeof(*o));
	dev_reset(d);
	st = negotiate(d, dev_features(d) & WANT_FEATURES);
	if (st & ST_FEATURES_OK)
		st = queue_setup(d, size, desc_iova, IOVA_AVAIL, IOVA_USED);
	o->needs_reset = st & ST_NEEDS_RESET;
	o->accepted = !o->needs_reset && d->t->queue_enabled(d);
	return 0;
}

static unsigned int c_ring_misaligned(struct vblk *d, struct outcome *o)
{
	return bad_queue(d, o, QSIZE, IOVA_DESC + 8);
}

static unsigned int c_queue_size_bad(struct vblk *d, struct outcome *o)
{
	return bad_queue(d, o, 100, IOVA_DESC);
}

/*
 * Without ACCESS_PLATFORM a driver would hand the device physical
 * addresses and bypass the IOMMU; the device must refuse FEATURES_OK,
 * and then DRIVER_OK.
 */
static unsigned int c_no_access_platform(struct vblk *d, struct outcome *o)
{
	uint32_t st;

	memset(o, 0, sizeof(*o));
	dev_reset(d);
	st = negotiate(d, (dev_features(d) & WANT_FEATURES) &
			  ~BIT(F_ACCESS_PLATFORM));
	if (st & ST_FEATURES_OK) {
		o->accepted = true;
		return 0;
	}
	dev_set_status(d, st | ST_DRIVER_OK);
	o->needs_reset = dev_status(d) & ST_NEEDS_RESET;
	return 0;
}
