// SPDX-License-Identifier: GPL-2.0
/*
 * The guest side of figure 1. Guest RAM holds the rings, one request slot
 * per queue-depth position (indirect table, header and status, data), and
 * the pages the "other" mappings point at. Behind the IOMMU every one of
 * those is reached through an IOVA the driver mapped: the rings once (as
 * dma_alloc_coherent() does), the request buffers around each request.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../iommu/iommu.h"
#include "../virtio/blk_req.h"
#include "bench.h"
#include "blk_rig.h"

#define GUEST_RAM	(256ULL << 20)
#define BLK_QUEUE	256

/* Guest-physical layout */
#define GPA_BLK_RING	0x00100000ULL
#define GPA_IOMMU_DRV	0x00200000ULL
#define GPA_SLOT_META	0x00400000ULL	/* per slot: table page, header page */
#define GPA_DATA	0x01000000ULL	/* per slot: BLK_MAX_BS */
#define GPA_OTHERS	0x04000000ULL	/* what the other mappings point at */

/* IOVA layout, as an IOVA allocator might hand them out */
#define IOVA_RING	0xe0000000ULL
#define IOVA_SLOTS	0xf0000000ULL	/* per slot a 256 KiB block: */
#define IOVA_BLOCK	0x40000ULL
#define IOVA_TABLE	0x0ULL		/*   indirect table page */
#define IOVA_HDR	0x1000ULL	/*   header page */
#define IOVA_STATUS	0x2000ULL	/*   the same page again, for the status */
#define IOVA_DATA	0x10000ULL	/*   data, up to 128 KiB */
#define IOVA_OTHERS	0x100000000ULL	/* other mappings, 8 KiB apart */
#define OTHER_STRIDE	0x2000ULL

#define DOMAIN		1
#define STATUS_OFF	16		/* status byte after the 16-byte header */

struct blk_outhdr {			/* virtio 1.2, 5.2.6 */
	uint32_t type;
	uint32_t ioprio;
	uint64_t sector;
};

static uint64_t slot_table_gpa(unsigned int s)
{
	return GPA_SLOT_META + s * 0x2000ULL;
}

static uint64_t slot_hdr_gpa(unsigned int s)
{
	return slot_table_gpa(s) + 0x1000;
}

static uint64_t slot_data_gpa(unsigned int s)
{
	return GPA_DATA + (uint64_t)s * BLK_MAX_BS;
}

static uint64_t slot_iova(unsigned int s, uint64_t what)
{
	return IOVA_SLOTS + s * IOVA_BLOCK + what;
}

static void *gpa_ptr(struct blk_rig *r, uint64_t gpa, uint64_t len)
{
	return guest_mem_ptr(&r->vm->mem, gpa, len);
}

static struct virtio_dev *find_dev(struct vm *vm, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < vm->nr_devices; i++) {
		struct virtio_dev *vdev = vm->devices[i].opaque;

		if (vdev && vdev->device_id == id)
			return vdev;
	}
	return NULL;
}

static int start_dev(struct blk_rig *r, struct virtio_dev *vdev)
{
	struct thread_set before, after;
	int err;

	thread_set_snapshot(&before);
	err = virtio_mmio_start_detached(vdev);
	thread_set_snapshot(&after);
	thread_set_new(&before, &after, &r->threads);
	return err;
}

static int map_sync(struct blk_rig *r, uint64_t iova, uint64_t len,
		    uint64_t gpa, uint32_t flags)
{
	struct iommu_req q;

	iommu_req_map(&q, DOMAIN, iova, len, gpa, flags);
	return iommu_drv_sync(&r->idrv, &q) == VIRTIO_IOMMU_S_OK ? 0 : -EIO;
}

static int iommu_setup(struct blk_rig *r)
{
	struct iommu_req q;
	int err;

	err = iommu_drv_init(&r->idrv, r->iommu, &r->vm->mem, GPA_IOMMU_DRV);
	if (err)
		return err;
	iommu_req_attach(&q, DOMAIN, (uint32_t)r->blk->iommu_endpoint);
	if (iommu_drv_sync(&r->idrv, &q) != VIRTIO_IOMMU_S_OK)
		return -EIO;
	return map_sync(r, IOVA_RING, vdrv_ring_bytes(BLK_QUEUE), GPA_BLK_RING,
			MAP_READ | MAP_WRITE);
}

int blk_rig_init(struct blk_rig *r, const char *path, bool iommu)
{
	uint64_t want = BIT_ULL(VIRTIO_F_VERSION_1) |
			BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |
			BIT_ULL(VIRTIO_F_INDIRECT_DESC) |
			BIT_ULL(VIRTIO_F_EVENT_IDX);
	struct viommu *v;
	uint64_t got;
	int err;

	memset(r, 0, sizeof(*r));
	r->cfg.mem_size = GUEST_RAM;
	r->cfg.nr_cpus = 1;
	r->cfg.iommu = iommu;
	r->cfg.nr_disks = 1;
	r->cfg.disks[0].path = path;
	r->cfg.disks[0].test_bogus_sector = -1;
	snprintf(r->cfg.disks[0].name, sizeof(r->cfg.disks[0].name), "blk0");
	r->behind_iommu = iommu;

	err = vm_create(&r->vm, &r->cfg);
	if (!err && iommu)
		err = viommu_create(r->vm, &v);
	if (!err)
		err = blk_create(r->vm, &r->cfg.disks[0]);
	if (err)
		return err;
	r->blk = find_dev(r->vm, VIRTIO_ID_BLOCK);
	r->iommu = find_dev(r->vm, VIRTIO_ID_IOMMU);
	if (!r->blk || (iommu && !r->iommu))
		return -ENODEV;
	if (iommu) {
		err = start_dev(r, r->iommu);
		if (!err)
			err = iommu_setup(r);
		if (err)
			return err;
	}
	err = start_dev(r, r->blk);
	if (err)
		return err;

	got = vdrv_negotiate(r->blk, want);
	if (!got || iommu != !!(got & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)))
		return -EINVAL;
	r->indirect = got & BIT_ULL(VIRTIO_F_INDIRECT_DESC);
	err = vdrv_setup(&r->bq, r->blk, 0, BLK_QUEUE,
			 gpa_ptr(r, GPA_BLK_RING, vdrv_ring_bytes(BLK_QUEUE)),
			 iommu ? IOVA_RING : GPA_BLK_RING,
			 got & BIT_ULL(VIRTIO_F_EVENT_IDX), true);
	if (err)
		return err;
	vdrv_driver_ok(r->blk);
	return 0;
}

int blk_rig_set_others(struct blk_rig *r, unsigned int n)
{
	struct iommu_req q;
	unsigned int i;

	if (n < r->others) {
		/* One UNMAP takes them all: they never straddle its ends. */
		iommu_req_unmap(&q, DOMAIN, IOVA_OTHERS + n * OTHER_STRIDE,
				(r->others - n) * OTHER_STRIDE);
		iommu_drv_queue(&r->idrv, &q);
	}
	for (i = r->others; i < n; i++) {
		iommu_req_map(&q, DOMAIN, IOVA_OTHERS + i * OTHER_STRIDE, 4096,
			      GPA_OTHERS + (i % 256) * 4096ULL,
			      MAP_READ | MAP_WRITE);
		iommu_drv_queue(&r->idrv, &q);
	}
	r->others = n;
	return iommu_drv_flush(&r->idrv) ? -EIO : 0;
}

/* The buffers of one request, as (iova, bytes, gpa, flags). */
struct slot_buf {
	uint64_t iova, len, gpa;
	uint32_t flags;
};

static unsigned int slot_bufs(struct blk_rig *r, unsigned int s, uint32_t bs,
			      struct slot_buf *b)
{
	unsigned int n = 0;

	/* virtio_ring maps the indirect table like any buffer. */
	if (r->indirect)
		b[n++] = (struct slot_buf){ slot_iova(s, IOVA_TABLE), 4096,
					    slot_table_gpa(s), MAP_READ };
	b[n++] = (struct slot_buf){ slot_iova(s, IOVA_HDR), 4096,
				    slot_hdr_gpa(s), MAP_READ };
	b[n++] = (struct slot_buf){ slot_iova(s, IOVA_DATA), bs,
				    slot_data_gpa(s), MAP_WRITE };
	b[n++] = (struct slot_buf){ slot_iova(s, IOVA_STATUS), 4096,
				    slot_hdr_gpa(s), MAP_WRITE };
	return n;
}

static void slot_map(struct blk_rig *r, enum rig_mode mode, unsigned int s,
		     uint32_t bs)
{
	struct slot_buf b[4];
	struct iommu_req q;
	unsigned int i, n = slot_bufs(r, s, bs, b);

	for (i = 0; i < n; i++) {
		iommu_req_map(&q, DOMAIN, b[i].iova, b[i].len, b[i].gpa,
			      b[i].flags);
		if (mode == RIG_STRICT)
			iommu_drv_sync(&r->idrv, &q);
		else
			iommu_drv_queue(&r->idrv, &q);
	}
}

static void slot_unmap(struct blk_rig *r, enum rig_mode mode, unsigned int s,
		       uint32_t bs)
{
	struct slot_buf b[4];
	struct iommu_req q;
	unsigned int i, n;

	if (mode == RIG_BATCHED) {
		iommu_req_unmap(&q, DOMAIN, slot_iova(s, 0), IOVA_BLOCK);
		iommu_drv_queue(&r->idrv, &q);
		return;
	}
	n = slot_bufs(r, s, bs, b);
	for (i = 0; i < n; i++) {
		iommu_req_unmap(&q, DOMAIN, b[i].iova, b[i].len);
		iommu_drv_sync(&r->idrv, &q);
	}
}

/* Write slot @s's request and post it (the buffers are mapped already). */
static void slot_post(struct blk_rig *r, unsigned int s, uint64_t sector,
		      uint32_t bs)
{
	bool iova = r->behind_iommu;
	uint64_t hdr = iova ? slot_iova(s, IOVA_HDR) : slot_hdr_gpa(s);
	uint64_t data = iova ? slot_iova(s, IOVA_DATA) : slot_data_gpa(s);
	uint64_t status = iova ? slot_iova(s, IOVA_STATUS) + STATUS_OFF :
				 slot_hdr_gpa(s) + STATUS_OFF;
	uint8_t *meta = gpa_ptr(r, slot_hdr_gpa(s), 4096);
	struct blk_outhdr h = { VIRTIO_BLK_T_IN, 0, sector };
	struct vdesc *d;

	memcpy(meta, &h, sizeof(h));
	meta[STATUS_OFF] = 0xff;
	if (r->indirect) {
		d = gpa_ptr(r, slot_table_gpa(s), 3 * sizeof(*d));
		d[0] = (struct vdesc){ hdr, sizeof(h), VDESC_F_NEXT, 1 };
		d[1] = (struct vdesc){ data, bs, VDESC_F_WRITE | VDESC_F_NEXT, 2 };
		d[2] = (struct vdesc){ status, 1, VDESC_F_WRITE, 0 };
		r->bq.desc[s] = (struct vdesc){
			iova ? slot_iova(s, IOVA_TABLE) : slot_table_gpa(s),
			3 * sizeof(*d), VDESC_F_INDIRECT, 0 };
		vdrv_post(&r->bq, (uint16_t)s);
		return;
	}
	d = &r->bq.desc[3 * s];
	d[0] = (struct vdesc){ hdr, sizeof(h), VDESC_F_NEXT,
			       (uint16_t)(3 * s + 1) };
	d[1] = (struct vdesc){ data, bs, VDESC_F_WRITE | VDESC_F_NEXT,
			       (uint16_t)(3 * s + 2) };
	d[2] = (struct vdesc){ status, 1, VDESC_F_WRITE, 0 };
	vdrv_post(&r->bq, (uint16_t)(3 * s));
}

static void slot_submit(struct blk_rig *r, enum rig_mode mode, unsigned int s,
			const struct blk_load *l, uint64_t *rng)
{
	if (mode != RIG_NO_IOMMU)
		slot_map(r, mode, s, l->bs);
	slot_post(r, s, blk_load_sector(l, rng), l->bs);
}

/* Slots whose requests completed; a bad status or length counts an error. */
static unsigned int harvest(struct blk_rig *r, const struct blk_load *l,
			    unsigned int *slots, struct blk_stats *st)
{
	unsigned int n = 0;
	uint32_t id, len;

	while (vdrv_get_used(&r->bq, &id, &len)) {
		unsigned int s = r->indirect ? id : id / 3;
		const uint8_t *meta = gpa_ptr(r, slot_hdr_gpa(s), 4096);

		if (meta[STATUS_OFF] != VIRTIO_BLK_S_OK || len != l->bs + 1)
			st->errors++;
		slots[n++] = s;
	}
	return n;
}

int blk_rig_run(struct blk_rig *r, enum rig_mode mode,
		const struct blk_load *l, struct blk_stats *st)
{
	unsigned int done[BLK_QUEUE], inflight, i, n;
	uint64_t rng = l->seed, issued;
	double t0, cpu0, dev0, deadline;

	if (mode != RIG_NO_IOMMU && !r->behind_iommu)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	t0 = now_s();
	cpu0 = process_cpu_s();
	dev0 = thread_set_cpu_s(&r->threads);
	deadline = t0 + l->seconds;

	for (i = 0; i < l->qd; i++)
		slot_submit(r, mode, i, l, &rng);
	if (mode == RIG_BATCHED)
		iommu_drv_flush(&r->idrv);
	vdrv_kick(&r->bq);
	inflight = issued = l->qd;

	while (inflight) {
		n = harvest(r, l, done, st);
		if (!n) {
			if (!vdrv_enable_irq(&r->bq))
				vdrv_wait_irq(&r->bq);
			continue;
		}
		inflight -= n;
		st->requests += n;
		if (mode != RIG_NO_IOMMU)
			for (i = 0; i < n; i++)
				slot_unmap(r, mode, done[i], l->bs);
		for (i = 0; i < n && blk_load_more(l, issued, deadline); i++) {
			slot_submit(r, mode, done[i], l, &rng);
			issued++;
			inflight++;
		}
		if (mode == RIG_BATCHED)
			iommu_drv_flush(&r->idrv);
		vdrv_kick(&r->bq);
	}
	st->wall = now_s() - t0;
	st->cpu = process_cpu_s() - cpu0;
	st->dev_cpu = thread_set_cpu_s(&r->threads) - dev0;
	if (r->behind_iommu && r->idrv.errors) {
		fprintf(stderr, "iovm-bench: %llu IOMMU requests failed (last status %u)\n",
			(unsigned long long)r->idrv.errors, r->idrv.last_error);
		st->errors += r->idrv.errors;
		r->idrv.errors = 0;
	}
	return 0;
}

void blk_rig_destroy(struct blk_rig *r)
{
	if (!r->vm)
		return;
	/* Stops the device threads (and fdatasyncs the image, harmlessly). */
	vm_stop(r->vm);
	vm_destroy(r->vm);
	r->vm = NULL;
}
