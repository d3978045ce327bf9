// SPDX-License-Identifier: GPL-2.0
/*
 * A virtio-blk request is a 16-byte header in device-readable buffers,
 * then data (readable for writes, writable for reads), then one status
 * byte at the very end of the last writable buffer. Nothing the guest put
 * in the chain is trusted: lengths, sectors and ranges are all checked,
 * and data buffers are mapped through the device's DMA space here, so a
 * request that reaches the backend only touches memory it may touch.
 */
#include <errno.h>
#include <string.h>

#include "../kvm/kvm.h"
#include "blk_req.h"

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/*
 * Map bytes [skip, skip + len) of the chain's readable (or writable)
 * buffers, appending to r->iov. Returns 0 or -EFAULT/-E2BIG.
 */
static int map_part(const struct vq_chain *c, const struct dma_space *dma,
		    bool writable, uint64_t skip, uint64_t len,
		    struct blk_req *r)
{
	unsigned int i = writable ? c->nr_readable : 0;
	unsigned int end = writable ? c->nr : c->nr_readable;
	enum dma_dir dir = writable ? DMA_TO_GUEST : DMA_FROM_GUEST;

	for (; i < end && len; i++) {
		const struct vq_buf *b = &c->buf[i];
		uint64_t take;
		int n;

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		take = b->len - skip;
		if (take > len)
			take = len;
		/* Past the header of a buffer that ends beyond 2^64. */
		if (b->addr + skip < b->addr)
			return -EFAULT;
		n = dma_map(dma, b->addr + skip, take, dir, r->iov + r->iovcnt,
			    BLK_MAX_IOV - r->iovcnt);
		if (n < 0)
			return n;
		r->iovcnt += n;
		len -= take;
		skip = 0;
	}
	return len ? -EFAULT : 0;
}

/* Copy @len readable bytes at chain offset @skip into @buf. */
static int copy_readable(const struct vq_chain *c, const struct dma_space *dma,
			 uint64_t skip, void *buf, uint64_t len,
			 struct blk_req *scratch)
{
	uint8_t *p = buf;
	int i, saved = scratch->iovcnt;

	if (map_part(c, dma, false, skip, len, scratch)) {
		scratch->iovcnt = saved;
		return -EFAULT;
	}
	for (i = saved; i < scratch->iovcnt; i++) {
		memcpy(p, scratch->iov[i].iov_base, scratch->iov[i].iov_len);
		p += scratch->iov[i].iov_len;
	}
	scratch->iovcnt = saved;
	return 0;
}

static enum blk_parse decided(struct blk_req *r, uint8_t status)
{
	r->status = status;
	r->iovcnt = 0;
	return BLK_COMPLETE;
}

static enum blk_parse parse_rw(const struct vq_chain *c,
			       const struct dma_space *dma,
			       const struct blk_geometry *g, struct blk_req *r)
{
	bool is_write = r->type == VIRTIO_BLK_T_OUT;
	uint64_t len = is_write ? c->readable_len - sizeof(struct blk_hdr) :
				  c->writable_len - 1;

	if (is_write && g->read_only)
		return decided(r, VIRTIO_BLK_S_IOERR);
	if (len % BLK_SECTOR || r->sector > g->capacity ||
	    len / BLK_SECTOR > g->capacity - r->sector)
		return decided(r, VIRTIO_BLK_S_IOERR);
	if (map_part(c, dma, !is_write,
		     is_write ? sizeof(struct blk_hdr) : 0, len, r))
		return decided(r, VIRTIO_BLK_S_IOERR);
	r->len = len;
	return BLK_EXECUTE;
}

static enum blk_parse parse_ranges(const struct vq_chain *c,
				   const struct dma_space *dma,
				   const struct blk_geometry *g,
				   struct blk_req *r)
{
	uint64_t len = c->readable_len - sizeof(struct blk_hdr);
	unsigned int i;

	if (!g->discard)
		return decided(r, VIRTIO_BLK_S_UNSUPP);
	if (g->read_only)
		return decided(r, VIRTIO_BLK_S_IOERR);
	if (!len || len % sizeof(struct blk_range) ||
	    len / sizeof(struct blk_range) > BLK_MAX_DISCARD_SEG)
		return decided(r, VIRTIO_BLK_S_IOERR);
	r->nr_ranges = len / sizeof(struct blk_range);
	if (copy_readable(c, dma, sizeof(struct blk_hdr), r->ranges, len, r))
		return decided(r, VIRTIO_BLK_S_IOERR);
	for (i = 0; i < r->nr_ranges; i++) {
		const struct blk_range *b = &r->ranges[i];

		if (r->type == VIRTIO_BLK_T_DISCARD && b->flags)
			return decided(r, VIRTIO_BLK_S_UNSUPP);
		if (b->flags & ~VIRTIO_BLK_WZ_F_UNMAP)
			return decided(r, VIRTIO_BLK_S_UNSUPP);
		if (b->nr_sectors > BLK_MAX_DISCARD_SECTORS ||
		    b->sector > g->capacity ||
		    b->nr_sectors > g->capacity - b->sector)
			return decided(r, VIRTIO_BLK_S_IOERR);
	}
	return BLK_EXECUTE;
}

enum blk_parse blk_req_parse(const struct vq_chain *c,
			     const struct dma_space *dma,
			     const struct blk_geometry *g, struct blk_req *r)
{
	const struct vq_buf *last;
	struct blk_hdr hdr;
	struct iovec probe;

	r->head = c->head;
	r->iovcnt = 0;
	r->len = 0;
	r->nr_ranges = 0;
	r->has_status = false;
	r->status = VIRTIO_BLK_S_IOERR;

	/* The status byte: the last byte of the last (writable) buffer. */
	if (c->nr == c->nr_readable)
		return BLK_DROP;
	last = &c->buf[c->nr - 1];
	if (!last->len)
		return BLK_DROP;
	r->status_addr = last->addr + last->len - 1;
	/* A buffer past 2^64 has no last byte; its end must not wrap to 0. */
	if (r->status_addr < last->addr)
		return BLK_DROP;
	if (dma_map(dma, r->status_addr, 1, DMA_TO_GUEST, &probe, 1) != 1)
		return BLK_DROP;
	r->has_status = true;

	if (c->readable_len < sizeof(hdr) ||
	    copy_readable(c, dma, 0, &hdr, sizeof(hdr), r))
		return decided(r, VIRTIO_BLK_S_IOERR);
	r->type = hdr.type;
	r->sector = hdr.sector;

	switch (r->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		return parse_rw(c, dma, g, r);
	case VIRTIO_BLK_T_FLUSH:
		return BLK_EXECUTE;
	case VIRTIO_BLK_T_GET_ID:
		r->len = c->writable_len - 1;
		if (r->len > VIRTIO_BLK_ID_BYTES)
			r->len = VIRTIO_BLK_ID_BYTES;
		if (map_part(c, dma, true, 0, r->len, r))
			return decided(r, VIRTIO_BLK_S_IOERR);
		return BLK_EXECUTE;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		return parse_ranges(c, dma, g, r);
	default:
		return decided(r, VIRTIO_BLK_S_UNSUPP);
	}
}

unsigned int blk_queue_count(unsigned int requested, unsigned int nr_cpus)
{
	unsigned int n = requested ? requested : nr_cpus;

	if (n < 1)
		return 1;
	return n < DISK_MAX_QUEUES ? n : DISK_MAX_QUEUES;
}
