// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the virtio-blk request parser behind a real virtqueue: the input
 * is the guest's RAM and the disk's geometry. Every parsed request is
 * checked against what the parser promises the backend (in bounds, mapped
 * inside RAM, allowed on this disk), then "executed" as the backend would
 * touch it, its status written and the chain completed.
 */
#include <string.h>

#include "../../virtio/blk_req.h"
#include "fuzz.h"

const char fuzz_name[] = "blk_req";

static struct fuzz_vm vm;
static struct vq_chain chain;
static struct blk_req req;

static void check_ranges(const struct blk_geometry *g, const struct blk_req *r)
{
	unsigned int i;

	fuzz_assert(g->discard && !g->read_only);
	fuzz_assert(r->nr_ranges >= 1 && r->nr_ranges <= BLK_MAX_DISCARD_SEG);
	for (i = 0; i < r->nr_ranges; i++) {
		const struct blk_range *b = &r->ranges[i];

		fuzz_assert(b->nr_sectors <= BLK_MAX_DISCARD_SECTORS);
		fuzz_assert(b->sector <= g->capacity);
		fuzz_assert(b->nr_sectors <= g->capacity - b->sector);
		if (r->type == VIRTIO_BLK_T_DISCARD)
			fuzz_assert(!b->flags);
		else
			fuzz_assert(!(b->flags & ~VIRTIO_BLK_WZ_F_UNMAP));
	}
}

/* What the parser promises about a request it lets through. */
static void check_request(const struct blk_geometry *g, const struct blk_req *r)
{
	fuzz_assert(r->has_status);
	fuzz_assert(r->iovcnt >= 0 && r->iovcnt <= BLK_MAX_IOV);
	fuzz_check_iov(&vm, r->iov, r->iovcnt, r->len);
	/* Data only where the driver's buffers of that direction lead. */
	if (r->iovcnt) {
		fuzz_chain_cover(&vm, &chain);
		fuzz_check_iov_in_chain(&vm, r->iov, r->iovcnt,
					r->type != VIRTIO_BLK_T_OUT);
	}
	switch (r->type) {
	case VIRTIO_BLK_T_OUT:
		fuzz_assert(!g->read_only);
		/* fall through */
	case VIRTIO_BLK_T_IN:
		fuzz_assert(r->len % BLK_SECTOR == 0);
		fuzz_assert(r->sector <= g->capacity);
		fuzz_assert(r->len / BLK_SECTOR <= g->capacity - r->sector);
		break;
	case VIRTIO_BLK_T_FLUSH:
		fuzz_assert(r->len == 0 && r->iovcnt == 0);
		break;
	case VIRTIO_BLK_T_GET_ID:
		fuzz_assert(r->len <= VIRTIO_BLK_ID_BYTES);
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		fuzz_assert(r->iovcnt == 0);
		check_ranges(g, r);
		break;
	default:
		fuzz_assert(!"unknown type executed");
	}
}

/* The backend's accesses: first and last byte of every iovec. */
static void execute(struct blk_req *r)
{
	volatile uint8_t sink = 0;
	int i;

	for (i = 0; i < r->iovcnt; i++) {
		uint8_t *p = r->iov[i].iov_base;
		size_t last = r->iov[i].iov_len - 1;

		if (r->type == VIRTIO_BLK_T_OUT) {
			sink += p[0] + p[last];
			continue;
		}
		p[0] = 0x11;
		p[last] = 0x22;
		fuzz_allow_host(&vm, p, 1);
		fuzz_allow_host(&vm, p + last, 1);
	}
	(void)sink;
}

static uint32_t complete(const struct blk_geometry *g, enum blk_parse res)
{
	const struct vq_buf *last;
	struct iovec probe;
	uint8_t status;
	uint32_t used = 0;

	if (res == BLK_DROP) {
		fuzz_assert(!req.has_status);
		return 0;
	}
	/* The status byte was checked: it is RAM the device may write. */
	fuzz_assert(req.has_status);
	last = &chain.buf[chain.nr - 1];
	fuzz_assert(chain.nr > chain.nr_readable && last->len);
	fuzz_assert(req.status_addr >= last->addr &&
		    req.status_addr - last->addr == last->len - 1ULL);
	fuzz_assert(dma_map(&vm.dma, req.status_addr, 1, DMA_TO_GUEST,
			    &probe, 1) == 1);
	fuzz_check_iov(&vm, &probe, 1, 1);
	fuzz_allow_dev(&vm, req.status_addr, 1);
	if (res == BLK_COMPLETE) {
		fuzz_assert(req.iovcnt == 0);
		fuzz_assert(req.status == VIRTIO_BLK_S_IOERR ||
			    req.status == VIRTIO_BLK_S_UNSUPP);
		status = req.status;
	} else {
		fuzz_assert(res == BLK_EXECUTE);
		check_request(g, &req);
		execute(&req);
		status = VIRTIO_BLK_S_OK;
	}
	if (dma_write(&vm.dma, req.status_addr, &status, 1) == 0)
		used = 1;
	if (status == VIRTIO_BLK_S_OK && (req.type == VIRTIO_BLK_T_IN ||
					  req.type == VIRTIO_BLK_T_GET_ID))
		used += (uint32_t)req.len;
	return used;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtqueue *vq = &vm.vq;
	struct blk_geometry g;
	unsigned int i;

	fuzz_vm_load(&vm, data, size);
	g.capacity = vm.ctl.capacity;
	if (!(vm.ctl.flags & FUZZ_F_HUGE_DISK))
		g.capacity &= 0xffff;
	g.read_only = vm.ctl.flags & FUZZ_F_READ_ONLY;
	g.discard = vm.ctl.flags & FUZZ_F_DISCARD;

	for (i = 0; i < vm.max_iters; i++) {
		enum vq_status st = vq_pop(vq, &chain);

		if (st != VQ_CHAIN)
			break;
		fuzz_check_chain(&vm, &chain);
		/* Stale state from the last request must not matter. */
		memset(&req, 0xa5, sizeof(req));
		(void)vq_push(vq, chain.head,
			      complete(&g, blk_req_parse(&chain, &vm.dma, &g,
							 &req)));
		fuzz_assert(req.head == chain.head);
		(void)vq_should_notify(vq);
	}
	fuzz_vm_check(&vm);
	return 0;
}

/* A 512-byte-sector disk of 2048 sectors, discard offered. */
static void request(struct seed *s, uint32_t type, uint64_t sector)
{
	uint8_t hdr[16] = { 0 };

	memcpy(hdr, &type, 4);
	memcpy(hdr + 8, &sector, 8);
	seed_buf(s, hdr, 16, false);
}

static void add_kind(struct seed *s, unsigned int kind)
{
	static const uint32_t ranges[2][4] = {
		{ 8, 0, 16, 0 },		/* sector 8, 16 sectors */
		{ 100, 0, 4, 1 },		/* sector 100, 4, UNMAP */
	};
	uint8_t both[16 + 512] = { 0 };

	switch (kind) {
	case 0:
		request(s, VIRTIO_BLK_T_IN, 1);
		seed_buf(s, NULL, 1024, true);
		seed_buf(s, NULL, 1, true);
		break;
	case 1:
		/* Header and data in one buffer, status after. */
		both[0] = VIRTIO_BLK_T_OUT;
		both[8] = 2;
		seed_buf(s, both, sizeof(both), false);
		seed_buf(s, NULL, 1, true);
		seed_chain(s);
		/* Again, the header in a buffer that ends at the very top. */
		seed_buf_top(s, both, 16, false);
		seed_buf(s, both + 16, 512, false);
		seed_buf_top(s, NULL, 1, true);
		break;
	case 2:
		request(s, VIRTIO_BLK_T_FLUSH, 0);
		seed_buf(s, NULL, 1, true);
		break;
	case 3:
		request(s, VIRTIO_BLK_T_GET_ID, 0);
		seed_buf(s, NULL, 21, true);
		break;
	case 4:
		request(s, VIRTIO_BLK_T_DISCARD, 0);
		seed_buf(s, ranges[0], 16, false);
		seed_buf_top(s, NULL, 1, true);
		break;
	default:
		request(s, VIRTIO_BLK_T_WRITE_ZEROES, 0);
		seed_buf(s, ranges, 32, false);
		seed_buf(s, NULL, 1, true);
		break;
	}
	seed_chain(s);
}

/* Requests of kinds 2p and 2p+1, in every ring variant. */
size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max)
{
	unsigned int pair = n / SEED_VARIANTS;
	struct seed s;

	if (pair > 2 || !seed_begin(&s, buf, max, n % SEED_VARIANTS))
		return 0;
	s.ctl->flags |= FUZZ_F_DISCARD;
	s.ctl->capacity = 2048;
	add_kind(&s, 2 * pair);
	add_kind(&s, 2 * pair + 1);
	return seed_end(&s);
}

bool fuzz_in_corpus(unsigned int n)
{
	return seed_in_corpus(n);
}
