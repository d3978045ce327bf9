// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "virtqueue.h"

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

#define VRING_AVAIL_F_NO_INTERRUPT	1
#define VRING_USED_F_NO_NOTIFY		1

/* Offsets in the rings (virtio 1.2, 2.7.6 and 2.7.8). */
#define AVAIL_FLAGS		0
#define AVAIL_IDX		2
#define AVAIL_RING(i)		(4 + 2 * (uint64_t)(i))
#define USED_FLAGS		0
#define USED_IDX		2
#define USED_RING(i)		(4 + 8 * (uint64_t)(i))

/* The trailing event fields sit right after each ring. */
#define USED_EVENT(vq)		AVAIL_RING((vq)->size)
#define AVAIL_EVENT(vq)		USED_RING((vq)->size)

void vq_reset(struct virtqueue *vq)
{
	const struct dma_space *dma = vq->dma;

	memset(vq, 0, sizeof(*vq));
	vq->dma = dma;
}

/* The rings, as indices of vq->view. */
enum vq_ring { RING_DESC, RING_AVAIL, RING_USED };

static uint64_t ring_base(const struct virtqueue *vq, enum vq_ring r)
{
	return r == RING_DESC ? vq->desc : r == RING_AVAIL ? vq->avail : vq->used;
}

static uint64_t ring_len(const struct virtqueue *vq, enum vq_ring r)
{
	if (r == RING_DESC)
		return 16ULL * vq->size;
	if (r == RING_AVAIL)
		return AVAIL_RING(vq->size) + 2;	/* with used_event */
	return USED_RING(vq->size) + 2;			/* with avail_event */
}

void vq_map_rings(struct virtqueue *vq)
{
	enum vq_ring r;

	memset(vq->view, 0, sizeof(vq->view));
	if (!vq->dma)
		return;
	for (r = RING_DESC; r <= RING_USED; r++) {
		vq->view[r].base = ring_base(vq, r);
		vq->view[r].len = ring_len(vq, r);
		dma_view_take(vq->dma, vq->view[r].base, vq->view[r].len,
			      &vq->view[r].dv);
	}
}

/*
 * A view an UNMAP or DETACH made stale is taken again, once per
 * invalidation: if the ring is no longer mapped whole, the ring is
 * translated access by access (and faults where it should).
 */
static void refresh_views(struct virtqueue *vq)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		struct vq_ring_view *v = &vq->view[i];

		if (dma_view_stale(&v->dv))
			dma_view_take(vq->dma, v->base, v->len, &v->dv);
	}
}

/*
 * The host address of [off, off + len) of ring @r, if its view is live,
 * allows @dir, holds all of it and still shows the ring's address.
 */
static uint8_t *ring_host(const struct virtqueue *vq, enum vq_ring r,
			  uint64_t off, size_t len, enum dma_dir dir)
{
	const struct vq_ring_view *v = &vq->view[r];
	uint8_t *host;

	if (!(v->dv.dirs & dir) || off > v->len || len > v->len - off ||
	    v->base != ring_base(vq, r))
		return NULL;
	/* Bus mastering off: the accessor refuses what a view would allow. */
	if (!dma_enabled(vq->dma))
		return NULL;
	host = dma_view_host(&v->dv);
	return host ? host + off : NULL;
}

/*
 * Ring memory is addressed as a ring's base plus an offset. A ring the
 * guest placed near the top of the address space must not have that sum
 * wrap to a small address: the access faults instead. (dma_*() reject a
 * range that wraps, but cannot tell a wrapped sum from an honest address.)
 */
static int table_read(const struct virtqueue *vq, uint64_t base, uint64_t off,
		      void *v, size_t len)
{
	if (base + off < base)
		return -EFAULT;
	return dma_read(vq->dma, base + off, v, len);
}

static int ring_read(const struct virtqueue *vq, enum vq_ring r, uint64_t off,
		     void *v, size_t len)
{
	const uint8_t *host = ring_host(vq, r, off, len, DMA_FROM_GUEST);

	if (host) {
		memcpy(v, host, len);
		return 0;
	}
	return table_read(vq, ring_base(vq, r), off, v, len);
}

static int ring_write(const struct virtqueue *vq, enum vq_ring r, uint64_t off,
		      const void *v, size_t len)
{
	uint64_t base = ring_base(vq, r);
	uint8_t *host = ring_host(vq, r, off, len, DMA_TO_GUEST);

	if (host) {
		memcpy(host, v, len);
		return 0;
	}
	if (base + off < base)
		return -EFAULT;
	return dma_write(vq->dma, base + off, v, len);
}

static int read16(const struct virtqueue *vq, enum vq_ring r, uint64_t off,
		  uint16_t *v)
{
	return ring_read(vq, r, off, v, sizeof(*v));
}

static int write16(const struct virtqueue *vq, enum vq_ring r, uint64_t off,
		   uint16_t v)
{
	return ring_write(vq, r, off, &v, sizeof(v));
}

static int read_avail_idx(const struct virtqueue *vq, uint16_t *idx)
{
	int err = read16(vq, RING_AVAIL, AVAIL_IDX, idx);

	/* Ring entries are read only after the index that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return err;
}

bool vq_has_work(struct virtqueue *vq)
{
	uint16_t idx;

	if (!vq->ready)
		return false;
	if (read_avail_idx(vq, &idx))
		return true;	/* let vq_pop report the broken ring */
	return idx != vq->last_avail;
}

static int add_buf(struct vq_chain *c, const struct vring_desc *d)
{
	bool writes = d->flags & VIRTQ_DESC_F_WRITE;

	if (c->nr == VQ_MAX_CHAIN)
		return -E2BIG;
	/* Readable buffers come first (2.7.4.2). */
	if (!writes && c->nr > c->nr_readable)
		return -EINVAL;
	c->buf[c->nr++] = (struct vq_buf){ d->addr, d->len, writes };
	if (writes) {
		c->writable_len += d->len;
	} else {
		c->nr_readable++;
		c->readable_len += d->len;
	}
	return 0;
}

/*
 * Descriptor @i of a table, copied out once: the guest may rewrite the
 * table while we walk it, so each entry is read exactly once into @d and
 * only that copy is used. @host is the table's host address when it was
 * mapped whole, else NULL (read entry by entry through the DMA space).
 */
static int read_desc(const struct virtqueue *vq, uint64_t table,
		     const uint8_t *host, uint16_t i, struct vring_desc *d)
{
	if (host) {
		memcpy(d, host + (size_t)i * sizeof(*d), sizeof(*d));
		return 0;
	}
	return table_read(vq, table, (uint64_t)i * sizeof(*d), d, sizeof(*d));
}

/*
 * Walk a descriptor table of @n entries at @table from entry @i. Each
 * entry may be visited at most once per walk, which is what makes a loop
 * detectable: a chain longer than the table must revisit an entry.
 */
static int walk_table(const struct virtqueue *vq, uint64_t table, uint32_t n,
		      uint16_t i, const uint8_t *host, struct vq_chain *c)
{
	uint32_t seen = 0;
	struct vring_desc d;
	int err;

	for (;;) {
		if (i >= n || ++seen > n)
			return -ELOOP;
		if (read_desc(vq, table, host, i, &d))
			return -EFAULT;
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			uint32_t entries = d.len / sizeof(d);
			struct iovec iov;

			/* No nesting, no NEXT beside INDIRECT (2.7.5.3.1). */
			if (c->indirect || (d.flags & VIRTQ_DESC_F_NEXT))
				return -EINVAL;
			if (!d.len || d.len % sizeof(d) || entries > VQ_MAX_CHAIN)
				return -EINVAL;
			c->indirect = true;
			/*
			 * The driver made the whole table readable: take it in
			 * one translation, not one per entry. A table split
			 * over several pieces is read entry by entry.
			 */
			switch (dma_map(vq->dma, d.addr, d.len, DMA_FROM_GUEST,
					&iov, 1)) {
			case 1:
				return walk_table(vq, d.addr, entries, 0,
						  iov.iov_base, c);
			case -E2BIG:
				return walk_table(vq, d.addr, entries, 0, NULL,
						  c);
			default:
				return -EFAULT;
			}
		}
		err = add_buf(c, &d);
		if (err)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

enum vq_status vq_pop(struct virtqueue *vq, struct vq_chain *c)
{
	uint16_t avail_idx, head;

	if (!vq->ready)
		return VQ_EMPTY;
	refresh_views(vq);
	/* Entries published by the index we read last need no new read. */
	if (!vq->avail_pending) {
		if (read_avail_idx(vq, &avail_idx))
			return VQ_BROKEN;
		if (avail_idx == vq->last_avail)
			return VQ_EMPTY;
		/* More entries than the ring holds: the index was scribbled on. */
		if ((uint16_t)(avail_idx - vq->last_avail) > vq->size)
			return VQ_BROKEN;
		vq->avail_pending = (uint16_t)(avail_idx - vq->last_avail);
	}
	if (read16(vq, RING_AVAIL, AVAIL_RING(vq->last_avail % vq->size),
		   &head))
		return VQ_BROKEN;
	if (head >= vq->size)
		return VQ_BROKEN;

	c->head = head;
	c->nr = c->nr_readable = 0;
	c->readable_len = c->writable_len = 0;
	c->indirect = false;
	/* The ring's descriptor table, through its view when it has one. */
	if (walk_table(vq, vq->desc, vq->size, head,
		       ring_host(vq, RING_DESC, 0, ring_len(vq, RING_DESC),
				 DMA_FROM_GUEST), c))
		return VQ_BROKEN;
	vq->last_avail++;
	vq->avail_pending--;
	return VQ_CHAIN;
}

int vq_push(struct virtqueue *vq, uint16_t head, uint32_t len)
{
	struct vring_used_elem e = { head, len };

	refresh_views(vq);
	if (ring_write(vq, RING_USED, USED_RING(vq->used_idx % vq->size), &e,
		       sizeof(e)))
		return -EFAULT;
	/* The element must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	return write16(vq, RING_USED, USED_IDX, vq->used_idx);
}

bool vq_should_notify(struct virtqueue *vq)
{
	uint16_t flags, event, old = vq->signalled_used, new = vq->used_idx;
	bool valid = vq->signalled_valid;

	/* Our used->idx store must be ordered before the driver's loads. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	vq->signalled_used = new;
	vq->signalled_valid = true;
	if (!vq->event_idx) {
		if (read16(vq, RING_AVAIL, AVAIL_FLAGS, &flags))
			return true;
		return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
	}
	if (!valid)
		return true;
	if (read16(vq, RING_AVAIL, USED_EVENT(vq), &event))
		return true;
	/* vring_need_event(): did we just cross the driver's used_event? */
	return (uint16_t)(new - event - 1) < (uint16_t)(new - old);
}

int vq_enable_notify(struct virtqueue *vq, bool enable)
{
	int err;

	if (vq->event_idx) {
		err = enable ? write16(vq, RING_USED, AVAIL_EVENT(vq),
				       vq->last_avail) : 0;
	} else {
		err = write16(vq, RING_USED, USED_FLAGS,
			      enable ? 0 : VRING_USED_F_NO_NOTIFY);
	}
	/* The driver must see this before we look at avail->idx again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return err;
}
