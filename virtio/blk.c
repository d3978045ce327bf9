// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk on a raw image file. Reads and writes go to libaio with the
 * guest's buffers as iovecs (no copy), many in flight, submitted in one
 * io_submit per notification; completions come back on an eventfd to the
 * device thread. FLUSH completes only after fdatasync. DISCARD punches
 * holes and WRITE_ZEROES zeroes ranges with fallocate.
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fs.h>

#include "../log.h"
#include "aio_ring.h"
#include "blk_req.h"
#include "virtio.h"

#define VIRTIO_BLK_F_SIZE_MAX		1
#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_BLK_SIZE		6
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_MQ			12
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

#define BLK_QUEUE_SIZE	256
/*
 * Requests per io_submit(). On a buffered file io_submit() does the copy
 * itself, so a notification's whole batch in one call would complete
 * nothing until all of it is copied. Smaller batches, each reaped at once,
 * hand the first completions back to the guest while the device is still
 * copying the rest, and its vCPU refills the queue in parallel.
 */
#define BLK_SUBMIT_BATCH	8

struct virtio_blk_config {
	uint64_t capacity;
	uint32_t size_max;
	uint32_t seg_max;
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;
	uint32_t blk_size;
	uint8_t physical_block_exp;
	uint8_t alignment_offset;
	uint16_t min_io_size;
	uint32_t opt_io_size;
	uint8_t writeback;
	uint8_t unused0;
	uint16_t num_queues;
	uint32_t max_discard_sectors;
	uint32_t max_discard_seg;
	uint32_t discard_sector_alignment;
	uint32_t max_write_zeroes_sectors;
	uint32_t max_write_zeroes_seg;
	uint8_t write_zeroes_may_unmap;
	uint8_t unused1[3];
} __attribute__((packed));

/*
 * One request queue's requests, indexed by chain head. The queues share
 * the device's lock, its thread and one libaio context: a request knows
 * its queue (blk_req.queue), so a completion goes back where it came from.
 */
struct blk_queue {
	struct blk_req reqs[BLK_QUEUE_SIZE];
	struct iocb iocbs[BLK_QUEUE_SIZE];
	bool busy[BLK_QUEUE_SIZE];		/* head has I/O in flight */
};

_Static_assert(DISK_MAX_QUEUES <= VIRTIO_MAX_QUEUES,
	       "every request queue is a virtqueue");

struct blk_dev {
	struct virtio_dev vdev;
	struct disk_config disk;
	int fd;
	io_context_t aio;
	int aio_efd;
	struct blk_geometry geo;
	struct virtio_blk_config config;
	unsigned int inflight;
	struct {
		uint64_t reads, writes, flushes, discards, others, errors;
		uint64_t bytes_read, bytes_written;
	} stats;				/* under vdev.lock */
	struct vq_chain chain;			/* scratch for vq_pop */
	struct iocb *batch[BLK_QUEUE_SIZE];
	unsigned int used_pending;		/* queues to notify, a bit each */
	struct blk_queue queues[];		/* vdev.nr_queues of them */
};

static struct virtqueue *blk_vq(struct blk_dev *b, unsigned int q)
{
	return &b->vdev.vqs[q];
}

/* Interrupt the driver once for each queue that got used entries. */
static void blk_notify_pending(struct blk_dev *b)
{
	unsigned int q;

	for (q = 0; b->used_pending; q++) {
		if (b->used_pending & (1U << q))
			virtio_notify_used(&b->vdev, blk_vq(b, q));
		b->used_pending &= ~(1U << q);
	}
}

static void blk_count(struct blk_dev *b, const struct blk_req *r,
		      uint8_t status)
{
	switch (r->type) {
	case VIRTIO_BLK_T_IN:
		b->stats.reads++;
		if (status == VIRTIO_BLK_S_OK)
			b->stats.bytes_read += r->len;
		break;
	case VIRTIO_BLK_T_OUT:
		b->stats.writes++;
		if (status == VIRTIO_BLK_S_OK)
			b->stats.bytes_written += r->len;
		break;
	case VIRTIO_BLK_T_FLUSH:
		b->stats.flushes++;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		b->stats.discards++;
		break;
	default:
		b->stats.others++;
	}
	if (status != VIRTIO_BLK_S_OK)
		b->stats.errors++;
}

/* Write the status byte and hand the chain back to the driver. */
static void blk_finish(struct blk_dev *b, struct blk_req *r, uint8_t status)
{
	uint32_t used = 0;

	blk_count(b, r, status);
	b->queues[r->queue].busy[r->head] = false;
	/* The status byte and the used ring, translated under the hold. */
	dma_hold_record(&b->vdev.dma, r->hold);
	if (r->has_status) {
		if (dma_write(&b->vdev.dma, r->status_addr, &status, 1) == 0)
			used = 1;
		/* Bytes the device wrote into the driver's buffers. */
		if (status == VIRTIO_BLK_S_OK &&
		    (r->type == VIRTIO_BLK_T_IN ||
		     r->type == VIRTIO_BLK_T_GET_ID))
			used += (uint32_t)r->len;
	}
	/* Notified once per batch: see blk_notify_pending(). */
	virtio_push(&b->vdev, blk_vq(b, r->queue), r->head, used);
	b->used_pending |= 1U << r->queue;
	/*
	 * Done with the request, used ring included: UNMAP may go ahead.
	 * Released any earlier, an UNMAP could complete between the used
	 * ring's translation and its write.
	 */
	dma_release(&b->vdev.dma, r->hold);
}

static uint8_t blk_fallocate(struct blk_dev *b, const struct blk_req *r)
{
	unsigned int i;

	for (i = 0; i < r->nr_ranges; i++) {
		const struct blk_range *g = &r->ranges[i];
		int mode = FALLOC_FL_KEEP_SIZE;

		if (r->type == VIRTIO_BLK_T_DISCARD ||
		    (g->flags & VIRTIO_BLK_WZ_F_UNMAP))
			mode |= FALLOC_FL_PUNCH_HOLE;
		else
			mode |= FALLOC_FL_ZERO_RANGE;
		if (fallocate(b->fd, mode, g->sector * BLK_SECTOR,
			      (uint64_t)g->nr_sectors * BLK_SECTOR)) {
			/* Zeroes without ZERO_RANGE: a hole reads as zeroes. */
			if (errno == EOPNOTSUPP && (mode & FALLOC_FL_ZERO_RANGE) &&
			    !fallocate(b->fd, FALLOC_FL_KEEP_SIZE |
				       FALLOC_FL_PUNCH_HOLE,
				       g->sector * BLK_SECTOR,
				       (uint64_t)g->nr_sectors * BLK_SECTOR))
				continue;
			pr_debug("%s: fallocate: %s", b->vdev.name,
				 strerror(errno));
			return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

static void blk_get_id(struct blk_dev *b, struct blk_req *r)
{
	char id[VIRTIO_BLK_ID_BYTES] = { 0 };
	const char *p = id;
	uint64_t left = r->len;
	int i;

	memcpy(id, b->disk.serial, strnlen(b->disk.serial, sizeof(id)));
	for (i = 0; i < r->iovcnt && left; i++) {
		size_t n = r->iov[i].iov_len < left ? r->iov[i].iov_len : left;

		memcpy(r->iov[i].iov_base, p, n);
		p += n;
		left -= n;
	}
}

/* Prepare @r's I/O; returns false if it was completed on the spot. */
static bool blk_prepare(struct blk_dev *b, struct blk_req *r,
			struct iocb *io)
{
	switch (r->type) {
	/* One buffer (the usual case): no iovec for the kernel to import. */
	case VIRTIO_BLK_T_IN:
		if (r->iovcnt == 1)
			io_prep_pread(io, b->fd, r->iov[0].iov_base,
				      r->iov[0].iov_len, r->sector * BLK_SECTOR);
		else
			io_prep_preadv(io, b->fd, r->iov, r->iovcnt,
				       r->sector * BLK_SECTOR);
		break;
	case VIRTIO_BLK_T_OUT:
		if (r->iovcnt == 1)
			io_prep_pwrite(io, b->fd, r->iov[0].iov_base,
				       r->iov[0].iov_len, r->sector * BLK_SECTOR);
		else
			io_prep_pwritev(io, b->fd, r->iov, r->iovcnt,
					r->sector * BLK_SECTOR);
		break;
	case VIRTIO_BLK_T_FLUSH:
		io_prep_fdsync(io, b->fd);
		break;
	case VIRTIO_BLK_T_GET_ID:
		blk_get_id(b, r);
		blk_finish(b, r, VIRTIO_BLK_S_OK);
		return false;
	default:	/* DISCARD, WRITE_ZEROES */
		blk_finish(b, r, blk_fallocate(b, r));
		return false;
	}
	io_set_eventfd(io, b->aio_efd);
	io->data = r;
	return true;
}

/* io_submit the batch; whatever the kernel refuses completes here. */
static void blk_submit(struct blk_dev *b, int n)
{
	int done = 0, ret;

	dma_gate(&b->vdev.dma);
	while (done < n) {
		ret = io_submit(b->aio, n - done, b->batch + done);
		if (ret > 0) {
			b->inflight += ret;
			done += ret;
			continue;
		}
		if (ret == -EAGAIN || ret == -EINTR)
			continue;
		/* The first iocb was refused: finish it ourselves. */
		struct iocb *io = b->batch[done++];
		struct blk_req *r = io->data;
		uint8_t st = VIRTIO_BLK_S_IOERR;

		if (io->aio_lio_opcode == IO_CMD_FDSYNC && ret == -EINVAL)
			st = fdatasync(b->fd) ? VIRTIO_BLK_S_IOERR :
						VIRTIO_BLK_S_OK;
		blk_finish(b, r, st);
	}
}

static void blk_reap(struct blk_dev *b, bool complete)
{
	struct io_event ev[64];
	const int max = sizeof(ev) / sizeof(ev[0]);
	struct timespec zero = { 0, 0 };
	int n, i;

	while (b->inflight) {
		/*
		 * On reset, wait for everything: no late writes to the guest.
		 * At most max at a time: a minimum above the maximum is EINVAL,
		 * which would end the wait with requests still in flight.
		 */
		if (!complete)
			n = io_getevents(b->aio, b->inflight < (unsigned int)max ? b->inflight : max,
					 max, ev, NULL);
		else if ((n = aio_ring_reap(b->aio, ev, max)) == -ENOSYS)
			n = io_getevents(b->aio, 0, max, ev, &zero);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			break;
		b->inflight -= n;
		for (i = 0; i < n; i++) {
			struct blk_req *r = ev[i].data;
			long res = (long)ev[i].res;
			bool ok = r->type == VIRTIO_BLK_T_FLUSH ? res == 0 :
				  res >= 0 && (uint64_t)res == r->len;

			if (complete) {
				blk_finish(b, r, ok ? VIRTIO_BLK_S_OK :
						      VIRTIO_BLK_S_IOERR);
			} else {
				b->queues[r->queue].busy[r->head] = false;
				dma_release(&b->vdev.dma, r->hold);
			}
		}
	}
	if (complete)
		blk_notify_pending(b);
}

/*
 * Test switch (--disk FILE,test-bogus-iova=SECTOR): the first read of
 * SECTOR has its data buffer moved to an IOVA the guest never mapped, as
 * a buggy or hostile device would. The access must fault and the request
 * fail; iovm logs checksums of the guest RAM around that address (were it
 * taken as guest-physical) before and after, to show nothing was written.
 */
#define BOGUS_IOVA	0x4000000ULL	/* 64 MiB: RAM, never an IOVA Linux picks */
#define BOGUS_AROUND	0x10000ULL

static enum blk_parse blk_test_bogus_iova(struct blk_dev *b,
					  struct blk_req *r)
{
	struct vq_chain *c = &b->chain;
	uint64_t before, after, len = r->len + 2 * BOGUS_AROUND;
	enum blk_parse p;

	b->disk.test_bogus_sector = -1;		/* one request only */
	before = vm_ram_checksum(b->vdev.vm, BOGUS_IOVA - BOGUS_AROUND, len);
	c->buf[c->nr_readable].addr = BOGUS_IOVA;
	p = blk_req_parse(c, &b->vdev.dma, &b->geo, r);
	after = vm_ram_checksum(b->vdev.vm, BOGUS_IOVA - BOGUS_AROUND, len);
	pr_info("%s: test-bogus-iova: read of sector %llu redirected to IOVA 0x%llx: %s; guest RAM around it %s (checksum %016llx -> %016llx)",
		b->vdev.name, (unsigned long long)r->sector,
		(unsigned long long)BOGUS_IOVA,
		p == BLK_EXECUTE ? "ACCEPTED" : "refused",
		before == after ? "unchanged" : "CHANGED",
		(unsigned long long)before, (unsigned long long)after);
	return p;
}

static void blk_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct blk_dev *b = vdev->priv;
	struct blk_queue *bq = &b->queues[q];
	struct virtqueue *vq = blk_vq(b, q);
	int n = 0;

	while (virtio_next_chain(vdev, vq, &b->chain)) {
		struct blk_req *r = &bq->reqs[b->chain.head];
		enum blk_parse p;

		/* A head still in flight is the driver reusing it: broken. */
		if (bq->busy[b->chain.head]) {
			virtio_needs_reset(vdev, "a request's head was reused while in flight");
			break;
		}
		/*
		 * Held from before the first translation to completion; the
		 * buffers' translations are recorded in it, so that an UNMAP
		 * waits for this request only if it removes one of them.
		 */
		r->hold = dma_hold(&vdev->dma);
		p = blk_req_parse(&b->chain, &vdev->dma, &b->geo, r);
		if (b->disk.test_bogus_sector >= 0 && p == BLK_EXECUTE &&
		    r->type == VIRTIO_BLK_T_IN &&
		    r->sector == (uint64_t)b->disk.test_bogus_sector)
			p = blk_test_bogus_iova(b, r);
		dma_hold_record(&vdev->dma, DMA_NO_HOLD);
		r->queue = q;
		switch (p) {
		case BLK_EXECUTE:
			if (blk_prepare(b, r, &bq->iocbs[r->head])) {
				bq->busy[r->head] = true;
				b->batch[n++] = &bq->iocbs[r->head];
			}
			break;
		case BLK_COMPLETE:
			blk_finish(b, r, r->status);
			break;
		case BLK_DROP:
			dma_release(&vdev->dma, r->hold);
			virtio_push(vdev, vq, r->head, 0);
			break;
		}
		if (n == BLK_SUBMIT_BATCH) {
			blk_submit(b, n);
			blk_reap(b, true);
			n = 0;
		}
	}
	if (n) {
		blk_submit(b, n);
		blk_reap(b, true);
	}
	b->used_pending |= 1U << q;
	blk_notify_pending(b);
}

static void blk_on_completion(void *opaque)
{
	struct blk_dev *b = opaque;
	uint64_t v;

	if (read(b->aio_efd, &v, sizeof(v)) < 0)
		return;
	pthread_mutex_lock(&b->vdev.lock);
	blk_reap(b, true);
	pthread_mutex_unlock(&b->vdev.lock);
}

static void blk_reset(struct virtio_dev *vdev)
{
	blk_reap(vdev->priv, false);
}

/* iovm is going away: let in-flight I/O land, then make it durable. */
static void blk_shutdown(struct virtio_dev *vdev)
{
	struct blk_dev *b = vdev->priv;

	blk_reap(b, false);
	if (!b->disk.read_only && fdatasync(b->fd))
		pr_warn("disk %s: fdatasync at exit: %s", b->disk.path,
			strerror(errno));
}

static void blk_stat(struct virtio_dev *vdev, FILE *f)
{
	struct blk_dev *b = vdev->priv;

	fprintf(f, "virtio-blk %s%s, %llu sectors; requests: %llu read (%llu bytes), %llu write (%llu bytes), %llu flush, %llu discard, %llu other, %llu failed, %u in flight",
		b->disk.path, b->disk.read_only ? " (ro)" : "",
		(unsigned long long)b->geo.capacity,
		(unsigned long long)b->stats.reads,
		(unsigned long long)b->stats.bytes_read,
		(unsigned long long)b->stats.writes,
		(unsigned long long)b->stats.bytes_written,
		(unsigned long long)b->stats.flushes,
		(unsigned long long)b->stats.discards,
		(unsigned long long)b->stats.others,
		(unsigned long long)b->stats.errors, b->inflight);
}

static const struct virtio_dev_ops blk_ops = {
	.queue_notify = blk_queue_notify,
	.reset = blk_reset,
	.shutdown = blk_shutdown,
	.stat = blk_stat,
};

/* Can this file punch holes? Try beyond its end, where nothing is lost. */
static bool blk_can_discard(int fd, uint64_t size)
{
	return !fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE,
			  size + 4096, 4096);
}

static int blk_open(struct blk_dev *b, uint64_t *size)
{
	const char *path = b->disk.path;
	struct stat st;
	int err;

	b->fd = open(path, (b->disk.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (b->fd < 0) {
		err = -errno;
		if (errno == EACCES || errno == EROFS)
			pr_err("disk %s: %s (add ,ro to use it read-only)",
			       path, strerror(errno));
		else if (errno == EISDIR)
			pr_err("disk %s: is a directory, expected an image file",
			       path);
		else
			pr_err("disk %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(b->fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(b->fd, BLKGETSIZE64, size))
			return -errno;
	} else if (S_ISREG(st.st_mode)) {
		*size = st.st_size;
	} else {
		pr_err("disk %s: not a regular file or block device", path);
		return -EINVAL;
	}
	if (*size % BLK_SECTOR)
		pr_warn("disk %s: size is not a multiple of 512; the last %llu bytes are not visible",
			path, (unsigned long long)(*size % BLK_SECTOR));
	return 0;
}

static void blk_fill_config(struct blk_dev *b)
{
	struct virtio_blk_config *c = &b->config;

	c->capacity = b->geo.capacity;
	c->size_max = BLK_SIZE_MAX;
	c->seg_max = BLK_SEG_MAX;
	c->blk_size = BLK_SECTOR;
	c->num_queues = (uint16_t)b->vdev.nr_queues;
	if (b->geo.discard) {
		c->max_discard_sectors = BLK_MAX_DISCARD_SECTORS;
		c->max_discard_seg = BLK_MAX_DISCARD_SEG;
		c->discard_sector_alignment = 8;	/* 4 KiB */
		c->max_write_zeroes_sectors = BLK_MAX_DISCARD_SECTORS;
		c->max_write_zeroes_seg = BLK_MAX_DISCARD_SEG;
		c->write_zeroes_may_unmap = 1;
	}
}

int blk_check_unique(const struct disk_config *disks, unsigned int n)
{
	struct stat a, b;
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		if (stat(disks[i].path, &a))
			continue;	/* blk_open() reports it */
		for (j = 0; j < i; j++) {
			if (stat(disks[j].path, &b) || a.st_dev != b.st_dev ||
			    a.st_ino != b.st_ino)
				continue;
			pr_err("disk %s: the same image as disk %s; give each image once",
			       disks[i].path, disks[j].path);
			return -EINVAL;
		}
	}
	return 0;
}

int blk_create(struct vm *vm, const struct disk_config *disk)
{
	unsigned int nr_queues = blk_queue_count(disk->queues, vm->cfg->nr_cpus);
	struct blk_dev *b;
	uint64_t size = 0;
	int err;

	b = calloc(1, sizeof(*b) + nr_queues * sizeof(b->queues[0]));
	if (!b)
		return -ENOMEM;
	b->vdev.nr_queues = nr_queues;
	b->disk = *disk;
	b->aio_efd = -1;
	err = blk_open(b, &size);
	if (err)
		return err;
	b->geo.capacity = size / BLK_SECTOR;
	b->geo.read_only = disk->read_only;
	b->geo.discard = !disk->read_only && blk_can_discard(b->fd, size);
	blk_fill_config(b);

	if (io_setup(BLK_QUEUE_SIZE * nr_queues, &b->aio)) {
		pr_err("disk %s: io_setup failed", disk->path);
		return -ENOMEM;
	}
	b->aio_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->aio_efd < 0)
		return -errno;

	b->vdev.name = disk->name;
	b->vdev.device_id = VIRTIO_ID_BLOCK;
	b->vdev.host_features = BIT_ULL(VIRTIO_BLK_F_SIZE_MAX) |
		BIT_ULL(VIRTIO_BLK_F_SEG_MAX) | BIT_ULL(VIRTIO_BLK_F_BLK_SIZE) |
		BIT_ULL(VIRTIO_BLK_F_FLUSH) | BIT_ULL(VIRTIO_F_INDIRECT_DESC) |
		BIT_ULL(VIRTIO_F_EVENT_IDX);
	if (disk->read_only)
		b->vdev.host_features |= BIT_ULL(VIRTIO_BLK_F_RO);
	if (b->geo.discard)
		b->vdev.host_features |= BIT_ULL(VIRTIO_BLK_F_DISCARD) |
					 BIT_ULL(VIRTIO_BLK_F_WRITE_ZEROES);
	if (nr_queues > 1)
		b->vdev.host_features |= BIT_ULL(VIRTIO_BLK_F_MQ);
	b->vdev.config = (uint8_t *)&b->config;
	b->vdev.config_size = sizeof(b->config);
	b->vdev.queue_max = BLK_QUEUE_SIZE;
	b->vdev.ops = &blk_ops;
	b->vdev.priv = b;
	b->vdev.iommu_endpoint = -1;
	b->vdev.want_iommu = vm->cfg->iommu && !disk->no_iommu;
	b->vdev.transport = disk->transport;

	err = virtio_dev_init(vm, &b->vdev);
	if (!err)
		err = io_loop_add(b->vdev.loop, b->aio_efd, blk_on_completion, b);
	return err;
}
