// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-blk request parser on chains filled in by hand (the shape
 * vq_pop returns) with their buffers in a RAM buffer: every request kind,
 * where the status byte is, and every way a request can be wrong.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/kvm.h"
#include "../../virtio/blk_req.h"

#define RAM_SIZE	(1ULL << 20)
#define HDR_GPA		0x1000ULL
#define RANGE_GPA	0x3000ULL
#define DATA_GPA	0x10000ULL
#define STATUS_GPA	0x80000ULL
#define CAPACITY	2048ULL		/* sectors: a 1 MiB disk */
#define PAGE		4096ULL
#define TOP		(~0ULL)

struct fixture {
	uint8_t *ram;			/* exactly RAM_SIZE: ASan sees overruns */
	struct guest_mem mem;
	struct dma_space dma;
	struct blk_geometry geo;
	struct vq_chain *c;
	struct blk_req *r;
	/* A test IOMMU: device page p -> guest page gpa[p], if perm[p]. */
	uint64_t gpa[64];
	uint8_t perm[64];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->ram = calloc(1, RAM_SIZE);
	f->c = calloc(1, sizeof(*f->c));
	f->r = malloc(sizeof(*f->r));
	/* The parser must not depend on what a previous request left. */
	memset(f->r, 0xcc, sizeof(*f->r));
	guest_mem_wrap(&f->mem, f->ram, RAM_SIZE);
	dma_space_identity(&f->dma, &f->mem);
	f->geo = (struct blk_geometry){ .capacity = CAPACITY, .discard = true };
	f->c->head = 42;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->r);
	free(f->c);
	free(f->ram);
	free(f);
	return 0;
}

/* Append a buffer as vq_pop would: readable ones first. */
static void add_buf(struct fixture *f, uint64_t addr, uint32_t len,
		    bool writes)
{
	struct vq_chain *c = f->c;

	assert_true(c->nr < VQ_MAX_CHAIN);
	assert_true(writes || c->nr == c->nr_readable);
	c->buf[c->nr++] = (struct vq_buf){ addr, len, writes };
	if (writes) {
		c->writable_len += len;
	} else {
		c->nr_readable++;
		c->readable_len += len;
	}
}

static void reset_chain(struct fixture *f)
{
	f->c->nr = f->c->nr_readable = 0;
	f->c->readable_len = f->c->writable_len = 0;
}

static void put_hdr(struct fixture *f, uint64_t gpa, uint32_t type,
		    uint64_t sector)
{
	memcpy(f->ram + gpa, &type, 4);
	memset(f->ram + gpa + 4, 0, 4);
	memcpy(f->ram + gpa + 8, &sector, 8);
}

static void put_range(struct fixture *f, unsigned int i, uint64_t sector,
		      uint32_t nr, uint32_t flags)
{
	struct blk_range b = { sector, nr, flags };

	memcpy(f->ram + RANGE_GPA + 16ULL * i, &b, sizeof(b));
}

static enum blk_parse parse(struct fixture *f)
{
	return blk_req_parse(f->c, &f->dma, &f->geo, f->r);
}

/* A request the parser decided on: the status to write, no data. */
#define assert_decided(f, st) do {					\
	assert_int_equal(parse(f), BLK_COMPLETE);			\
	assert_int_equal((f)->r->status, (st));				\
	assert_true((f)->r->has_status);				\
	assert_int_equal((f)->r->iovcnt, 0);				\
} while (0)

static void assert_iov(const struct iovec *iov, const void *base, size_t len)
{
	assert_ptr_equal(iov->iov_base, base);
	assert_int_equal(iov->iov_len, len);
}

/* header | data | status, each in its own buffer. */
static void simple_rw(struct fixture *f, uint32_t type, uint64_t sector,
		      uint32_t data_len)
{
	reset_chain(f);
	put_hdr(f, HDR_GPA, type, sector);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, DATA_GPA, data_len, type == VIRTIO_BLK_T_IN);
	add_buf(f, STATUS_GPA, 1, true);
}

/* header | n ranges | status. */
static void simple_ranges(struct fixture *f, uint32_t type, unsigned int n)
{
	reset_chain(f);
	put_hdr(f, HDR_GPA, type, 0);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, RANGE_GPA, 16 * n, false);
	add_buf(f, STATUS_GPA, 1, true);
}

static int page_translate(void *opaque, uint64_t addr, uint64_t len,
			  enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	struct fixture *f = opaque;
	uint64_t p = addr / PAGE, room = PAGE - addr % PAGE;

	if (p >= 64 || !(f->perm[p] & dir))
		return -EFAULT;
	*gpa = f->gpa[p] * PAGE + addr % PAGE;
	*contig = len < room ? len : room;
	return 0;
}

/* ---- valid requests ---- */

static void test_in(void **state)
{
	struct fixture *f = *state;
	struct blk_req *r = f->r;

	simple_rw(f, VIRTIO_BLK_T_IN, 7, 1024);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->head, 42);
	assert_int_equal(r->type, VIRTIO_BLK_T_IN);
	assert_int_equal(r->sector, 7);
	assert_int_equal(r->len, 1024);
	assert_int_equal(r->iovcnt, 1);
	assert_iov(&r->iov[0], f->ram + DATA_GPA, 1024);
	assert_true(r->has_status);
	assert_int_equal(r->status_addr, STATUS_GPA);
	assert_int_equal(r->nr_ranges, 0);

	/* The last sector of the disk; and zero sectors at its very end. */
	simple_rw(f, VIRTIO_BLK_T_IN, CAPACITY - 1, 512);
	assert_int_equal(parse(f), BLK_EXECUTE);
	simple_rw(f, VIRTIO_BLK_T_IN, CAPACITY, 0);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->len, 0);
	assert_int_equal(r->iovcnt, 0);
	/* Reads are fine on a read-only disk. */
	f->geo.read_only = true;
	simple_rw(f, VIRTIO_BLK_T_IN, 0, 16 * 512);
	assert_int_equal(parse(f), BLK_EXECUTE);
}

/* The status byte is the last byte of the last buffer, even a data one. */
static void test_in_status_shares_buffer(void **state)
{
	struct fixture *f = *state;
	struct blk_req *r = f->r;

	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, DATA_GPA, 1025, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->len, 1024);
	assert_int_equal(r->iovcnt, 1);
	assert_iov(&r->iov[0], f->ram + DATA_GPA, 1024);
	assert_int_equal(r->status_addr, DATA_GPA + 1024);

	reset_chain(f);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, DATA_GPA, 512, true);
	add_buf(f, DATA_GPA + 0x1000, 513, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->len, 1024);
	assert_int_equal(r->iovcnt, 2);
	assert_iov(&r->iov[0], f->ram + DATA_GPA, 512);
	assert_iov(&r->iov[1], f->ram + DATA_GPA + 0x1000, 512);
	assert_int_equal(r->status_addr, DATA_GPA + 0x1000 + 512);
}

static void test_out(void **state)
{
	struct fixture *f = *state;
	struct blk_req *r = f->r;

	simple_rw(f, VIRTIO_BLK_T_OUT, 100, 4096);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->type, VIRTIO_BLK_T_OUT);
	assert_int_equal(r->sector, 100);
	assert_int_equal(r->len, 4096);
	assert_int_equal(r->iovcnt, 1);
	assert_iov(&r->iov[0], f->ram + DATA_GPA, 4096);
	assert_int_equal(r->status_addr, STATUS_GPA);

	/* Header and data in one buffer, the rest of the data in another. */
	reset_chain(f);
	add_buf(f, HDR_GPA, 16 + 512, false);
	add_buf(f, DATA_GPA, 1024, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->len, 1536);
	assert_int_equal(r->iovcnt, 2);
	assert_iov(&r->iov[0], f->ram + HDR_GPA + 16, 512);
	assert_iov(&r->iov[1], f->ram + DATA_GPA, 1024);
}

static void test_header_split(void **state)
{
	static const uint32_t cuts[] = { 1, 3, 4, 8, 12, 15 };
	struct fixture *f = *state;
	struct blk_req *r = f->r;
	unsigned int i;

	/* The header at HDR_GPA is copied in two pieces to two places. */
	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_OUT, 0x123456789aULL);
	for (i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		uint32_t cut = cuts[i];

		memcpy(f->ram + 0x5000, f->ram + HDR_GPA, cut);
		memcpy(f->ram + 0x6000, f->ram + HDR_GPA + cut, 16 - cut);
		f->geo.capacity = 1ULL << 40;
		reset_chain(f);
		add_buf(f, 0x5000, cut, false);
		add_buf(f, 0x6000, 16 - cut, false);
		add_buf(f, DATA_GPA, 512, false);
		add_buf(f, STATUS_GPA, 1, true);
		assert_int_equal(parse(f), BLK_EXECUTE);
		assert_int_equal(r->type, VIRTIO_BLK_T_OUT);
		assert_int_equal(r->sector, 0x123456789aULL);
		assert_int_equal(r->iovcnt, 1);
		assert_iov(&r->iov[0], f->ram + DATA_GPA, 512);
	}

	/* The second half of the data in the header's second buffer. */
	reset_chain(f);
	memcpy(f->ram + 0x5000, f->ram + HDR_GPA, 16);
	add_buf(f, 0x5000, 10, false);
	add_buf(f, 0x5000 + 10, 6 + 512, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_iov(&r->iov[0], f->ram + 0x5000 + 16, 512);
}

static void test_flush(void **state)
{
	struct fixture *f = *state;
	struct blk_req *r = f->r;

	reset_chain(f);
	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_FLUSH, 0);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->type, VIRTIO_BLK_T_FLUSH);
	assert_int_equal(r->len, 0);
	assert_int_equal(r->iovcnt, 0);
	assert_true(r->has_status);
	f->geo.read_only = true;
	assert_int_equal(parse(f), BLK_EXECUTE);
}

static void test_get_id(void **state)
{
	static const struct {
		uint32_t buf, len;
	} cases[] = {
		{ 21, 20 }, { 10, 9 }, { 100, 20 }, { 1, 0 },
	};
	struct fixture *f = *state;
	struct blk_req *r = f->r;
	unsigned int i;

	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_GET_ID, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset_chain(f);
		add_buf(f, HDR_GPA, 16, false);
		add_buf(f, DATA_GPA, cases[i].buf, true);
		assert_int_equal(parse(f), BLK_EXECUTE);
		assert_int_equal(r->type, VIRTIO_BLK_T_GET_ID);
		assert_int_equal(r->len, cases[i].len);
		assert_int_equal(r->iovcnt, cases[i].len ? 1 : 0);
		if (cases[i].len)
			assert_iov(&r->iov[0], f->ram + DATA_GPA, cases[i].len);
		assert_int_equal(r->status_addr, DATA_GPA + cases[i].buf - 1);
	}

	/* Spread over two buffers, status in a third. */
	reset_chain(f);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, DATA_GPA, 12, true);
	add_buf(f, DATA_GPA + 0x100, 12, true);
	add_buf(f, STATUS_GPA, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->len, 20);
	assert_int_equal(r->iovcnt, 2);
	assert_iov(&r->iov[1], f->ram + DATA_GPA + 0x100, 8);

	/* The ID's bytes are not RAM: fail the request, keep the status. */
	reset_chain(f);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, RAM_SIZE, 20, true);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
}

static void test_discard(void **state)
{
	struct fixture *f = *state;
	struct blk_req *r = f->r;

	simple_ranges(f, VIRTIO_BLK_T_DISCARD, 2);
	put_range(f, 0, 0, 8, 0);
	put_range(f, 1, CAPACITY - 16, 16, 0);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->type, VIRTIO_BLK_T_DISCARD);
	assert_int_equal(r->nr_ranges, 2);
	assert_int_equal(r->ranges[0].sector, 0);
	assert_int_equal(r->ranges[0].nr_sectors, 8);
	assert_int_equal(r->ranges[1].sector, CAPACITY - 16);
	assert_int_equal(r->ranges[1].nr_sectors, 16);
	assert_int_equal(r->iovcnt, 0);
	assert_int_equal(r->status_addr, STATUS_GPA);

	/* Ranges may follow the header in its buffer and split anywhere. */
	reset_chain(f);
	memcpy(f->ram + 0x5000, f->ram + HDR_GPA, 16);
	memcpy(f->ram + 0x5010, f->ram + RANGE_GPA, 32);
	add_buf(f, 0x5000, 16 + 5, false);
	add_buf(f, 0x5000 + 21, 27, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->nr_ranges, 2);
	assert_int_equal(r->ranges[1].sector, CAPACITY - 16);

	/* The most segments advertised. */
	simple_ranges(f, VIRTIO_BLK_T_DISCARD, BLK_MAX_DISCARD_SEG);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->nr_ranges, BLK_MAX_DISCARD_SEG);
}

static void test_write_zeroes(void **state)
{
	struct fixture *f = *state;
	struct blk_req *r = f->r;

	simple_ranges(f, VIRTIO_BLK_T_WRITE_ZEROES, 2);
	put_range(f, 0, 10, 1, VIRTIO_BLK_WZ_F_UNMAP);
	put_range(f, 1, 20, BLK_MAX_DISCARD_SECTORS, 0);
	f->geo.capacity = 1ULL << 32;
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->type, VIRTIO_BLK_T_WRITE_ZEROES);
	assert_int_equal(r->nr_ranges, 2);
	assert_int_equal(r->ranges[0].flags, VIRTIO_BLK_WZ_F_UNMAP);
	assert_int_equal(r->ranges[1].nr_sectors, BLK_MAX_DISCARD_SECTORS);
}

/* Through an IOMMU: one buffer, scattered pages, one iovec per page. */
static void test_in_through_iommu(void **state)
{
	static const uint64_t pages[] = { 40, 17, 33, 2 };
	struct fixture *f = *state;
	struct blk_req *r = f->r;
	unsigned int i;

	for (i = 0; i < 4; i++) {
		f->gpa[i] = pages[i];
		f->perm[i] = DMA_FROM_GUEST | DMA_TO_GUEST;
	}
	f->gpa[8] = HDR_GPA / PAGE;
	f->perm[8] = DMA_FROM_GUEST;
	f->gpa[9] = STATUS_GPA / PAGE;
	f->perm[9] = DMA_TO_GUEST;
	f->dma.translate = page_translate;
	f->dma.opaque = f;
	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	add_buf(f, 8 * PAGE, 16, false);
	add_buf(f, 0, 4 * PAGE, true);
	add_buf(f, 9 * PAGE, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_int_equal(r->iovcnt, 4);
	for (i = 0; i < 4; i++)
		assert_iov(&r->iov[i], f->ram + pages[i] * PAGE, PAGE);
	assert_int_equal(r->status_addr, 9 * PAGE);

	/* A read into a page the device may only read from. */
	f->perm[2] = DMA_FROM_GUEST;
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	/* A header the device may not read. */
	f->perm[2] = DMA_TO_GUEST;
	f->perm[8] = DMA_TO_GUEST;
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	/* A status byte it may not write: nothing to report to. */
	f->perm[9] = DMA_FROM_GUEST;
	assert_int_equal(parse(f), BLK_DROP);
	assert_false(r->has_status);
}

/* Maps every device address, aliasing RAM across the 64-bit space. */
static int mirror_translate(void *opaque, uint64_t addr, uint64_t len,
			    enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	uint64_t off = addr % RAM_SIZE;

	*gpa = off;
	*contig = len < RAM_SIZE - off ? len : RAM_SIZE - off;
	return 0;
}

/*
 * A buffer holding the header in the last 16 bytes of the address space
 * and data beyond: the data would start at 2^64, which is no address.
 * Only an IOMMU that maps the top makes the header readable at all.
 */
static void test_buffer_wraps_through_iommu(void **state)
{
	struct fixture *f = *state;

	f->dma.translate = mirror_translate;
	f->geo.capacity = 1ULL << 40;
	put_hdr(f, RAM_SIZE - 16, VIRTIO_BLK_T_OUT, 0);
	add_buf(f, TOP - 15, 16 + 512, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);

	put_hdr(f, RAM_SIZE - 16, VIRTIO_BLK_T_DISCARD, 0);
	reset_chain(f);
	add_buf(f, TOP - 15, 16 + 16, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);

	/* The same request just below the top is fine. */
	reset_chain(f);
	add_buf(f, TOP - 527, 16 + 512, false);	/* ends at the top */
	put_hdr(f, RAM_SIZE - 16 - 512, VIRTIO_BLK_T_OUT, 0);
	add_buf(f, STATUS_GPA, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	assert_iov(&f->r->iov[0], f->ram + RAM_SIZE - 512, 512);
}

/* ---- malformed: no status byte ---- */

static void test_no_writable_buffer(void **state)
{
	struct fixture *f = *state;

	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_FLUSH, 0);
	add_buf(f, HDR_GPA, 16, false);
	assert_int_equal(parse(f), BLK_DROP);
	assert_false(f->r->has_status);
	assert_int_equal(f->r->head, 42);
	assert_int_equal(f->r->iovcnt, 0);
	/* An empty chain, too. */
	reset_chain(f);
	assert_int_equal(parse(f), BLK_DROP);
}

static void test_zero_length_last_buffer(void **state)
{
	struct fixture *f = *state;

	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_IN, 0);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, DATA_GPA, 513, true);
	add_buf(f, STATUS_GPA, 0, true);
	assert_int_equal(parse(f), BLK_DROP);
	assert_false(f->r->has_status);
}

static void test_status_outside_ram(void **state)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} cases[] = {
		{ RAM_SIZE, 1 },
		{ RAM_SIZE - 10, 11 },
		{ 1ULL << 40, 512 },
		{ TOP, 1 },
		/* Its last byte would be 2^64, which wraps to 0 (RAM). */
		{ TOP, 2 },
		{ TOP - 100, 0xffffffff },
	};
	struct fixture *f = *state;
	unsigned int i;

	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_FLUSH, 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		reset_chain(f);
		add_buf(f, HDR_GPA, 16, false);
		add_buf(f, cases[i].addr, cases[i].len, true);
		assert_int_equal(parse(f), BLK_DROP);
		assert_false(f->r->has_status);
	}
	/* Only the status byte itself needs to be RAM. */
	reset_chain(f);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, RAM_SIZE - 1, 1, true);
	assert_int_equal(parse(f), BLK_EXECUTE);
	reset_chain(f);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, TOP - 4, 5, true);
	assert_int_equal(parse(f), BLK_DROP);
}

/* ---- malformed: fail with a status ---- */

static void test_short_header(void **state)
{
	struct fixture *f = *state;

	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_FLUSH, 0);
	add_buf(f, HDR_GPA, 15, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	/* No readable buffer at all. */
	reset_chain(f);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	/* Two pieces short of 16. */
	reset_chain(f);
	add_buf(f, HDR_GPA, 8, false);
	add_buf(f, HDR_GPA + 8, 7, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
}

static void test_header_outside_ram(void **state)
{
	struct fixture *f = *state;

	add_buf(f, RAM_SIZE - 8, 16, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	/* The first half is readable, the second is not. */
	reset_chain(f);
	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_FLUSH, 0);
	add_buf(f, HDR_GPA, 8, false);
	add_buf(f, TOP - 7, 8, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
}

static void test_unaligned_length(void **state)
{
	struct fixture *f = *state;

	simple_rw(f, VIRTIO_BLK_T_IN, 0, 1000);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	simple_rw(f, VIRTIO_BLK_T_OUT, 0, 100);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	simple_rw(f, VIRTIO_BLK_T_OUT, 0, 513);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
}

static void test_beyond_capacity(void **state)
{
	static const struct {
		uint64_t sector;
		uint32_t len;
	} cases[] = {
		{ CAPACITY, 512 },
		{ CAPACITY - 1, 1024 },
		{ CAPACITY + 1, 0 },
		{ 0, (CAPACITY + 1) * 512 },
		{ TOP, 512 },
		{ TOP, 0 },
		{ TOP / 512, 512 },
		{ 1ULL << 63, 512 },
	};
	struct fixture *f = *state;
	unsigned int i, t;

	for (t = 0; t < 2; t++) {
		uint32_t type = t ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;

		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			simple_rw(f, type, cases[i].sector, cases[i].len);
			assert_decided(f, VIRTIO_BLK_S_IOERR);
		}
	}
}

/* sector + length overflowing 64 bits, with a capacity that cannot help. */
static void test_sector_overflow(void **state)
{
	struct fixture *f = *state;

	f->geo.capacity = TOP;
	simple_rw(f, VIRTIO_BLK_T_IN, TOP - 1, 1024);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	simple_rw(f, VIRTIO_BLK_T_OUT, TOP, 512);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	simple_rw(f, VIRTIO_BLK_T_IN, TOP - 2, 1024);
	assert_int_equal(parse(f), BLK_EXECUTE);
}

static void test_write_read_only(void **state)
{
	struct fixture *f = *state;

	f->geo.read_only = true;
	simple_rw(f, VIRTIO_BLK_T_OUT, 0, 512);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	simple_ranges(f, VIRTIO_BLK_T_DISCARD, 1);
	put_range(f, 0, 0, 1, 0);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	simple_ranges(f, VIRTIO_BLK_T_WRITE_ZEROES, 1);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
}

static void test_unknown_type(void **state)
{
	static const uint32_t types[] = { 2, 3, 5, 7, 9, 10, 12, 14, 0xffffffff };
	struct fixture *f = *state;
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		simple_rw(f, types[i], 0, 512);
		assert_decided(f, VIRTIO_BLK_S_UNSUPP);
	}
}

static void test_discard_unsupported(void **state)
{
	struct fixture *f = *state;

	f->geo.discard = false;
	simple_ranges(f, VIRTIO_BLK_T_DISCARD, 1);
	put_range(f, 0, 0, 1, 0);
	assert_decided(f, VIRTIO_BLK_S_UNSUPP);
	simple_ranges(f, VIRTIO_BLK_T_WRITE_ZEROES, 1);
	assert_decided(f, VIRTIO_BLK_S_UNSUPP);
	/* Not offered wins over read-only: the request kind is unknown. */
	f->geo.read_only = true;
	assert_decided(f, VIRTIO_BLK_S_UNSUPP);
}

static void test_range_flags(void **state)
{
	struct fixture *f = *state;

	/* DISCARD has no flags at all, not even UNMAP. */
	simple_ranges(f, VIRTIO_BLK_T_DISCARD, 2);
	put_range(f, 0, 0, 1, 0);
	put_range(f, 1, 8, 1, VIRTIO_BLK_WZ_F_UNMAP);
	assert_decided(f, VIRTIO_BLK_S_UNSUPP);
	simple_ranges(f, VIRTIO_BLK_T_WRITE_ZEROES, 2);
	put_range(f, 1, 8, 1, 2);
	assert_decided(f, VIRTIO_BLK_S_UNSUPP);
	put_range(f, 1, 8, 1, 0x80000000 | VIRTIO_BLK_WZ_F_UNMAP);
	assert_decided(f, VIRTIO_BLK_S_UNSUPP);
}

static void test_range_count(void **state)
{
	struct fixture *f = *state;

	simple_ranges(f, VIRTIO_BLK_T_DISCARD, BLK_MAX_DISCARD_SEG + 1);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	simple_ranges(f, VIRTIO_BLK_T_WRITE_ZEROES, 0);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	/* A segment and a half. */
	reset_chain(f);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, RANGE_GPA, 24, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	/* Far too many: the length does not fit the ranges array. */
	reset_chain(f);
	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_DISCARD, 0);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, RANGE_GPA, 0xfffffff0, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
}

static void test_range_beyond_capacity(void **state)
{
	static const struct blk_range bad[] = {
		{ CAPACITY, 1, 0 },
		{ CAPACITY - 1, 2, 0 },
		{ CAPACITY + 1, 0, 0 },
		{ TOP, 1, 0 },
		{ TOP, 0, 0 },
		{ 0, 0xffffffff, 0 },
	};
	struct fixture *f = *state;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		simple_ranges(f, VIRTIO_BLK_T_DISCARD, 2);
		put_range(f, 0, 0, 1, 0);
		put_range(f, 1, bad[i].sector, bad[i].nr_sectors, 0);
		assert_decided(f, VIRTIO_BLK_S_IOERR);
	}
	/* The per-segment limit holds even on a huge disk. */
	f->geo.capacity = TOP;
	simple_ranges(f, VIRTIO_BLK_T_WRITE_ZEROES, 1);
	put_range(f, 0, 0, BLK_MAX_DISCARD_SECTORS + 1, 0);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	put_range(f, 0, TOP - 1, 2, 0);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
	put_range(f, 0, TOP - 1, 1, 0);
	assert_int_equal(parse(f), BLK_EXECUTE);
}

static void test_ranges_outside_ram(void **state)
{
	struct fixture *f = *state;

	reset_chain(f);
	put_hdr(f, HDR_GPA, VIRTIO_BLK_T_DISCARD, 0);
	add_buf(f, HDR_GPA, 16, false);
	add_buf(f, RAM_SIZE - 8, 16, false);
	add_buf(f, STATUS_GPA, 1, true);
	assert_decided(f, VIRTIO_BLK_S_IOERR);
}

static void test_data_outside_ram(void **state)
{
	static const struct {
		uint64_t addr;
		uint32_t len;
	} cases[] = {
		{ RAM_SIZE, 512 },
		{ RAM_SIZE - 512, 1024 },
		{ TOP - 511, 1024 },
		{ 1ULL << 40, 512 },
		{ DATA_GPA, 0xfffffe00 },
	};
	struct fixture *f = *state;
	unsigned int i, t;

	for (t = 0; t < 2; t++) {
		uint32_t type = t ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;

		f->geo.capacity = 1ULL << 40;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			reset_chain(f);
			put_hdr(f, HDR_GPA, type, 0);
			add_buf(f, HDR_GPA, 16, false);
			add_buf(f, DATA_GPA, 512, type == VIRTIO_BLK_T_IN);
			add_buf(f, cases[i].addr, cases[i].len,
				type == VIRTIO_BLK_T_IN);
			add_buf(f, STATUS_GPA, 1, true);
			assert_decided(f, VIRTIO_BLK_S_IOERR);
		}
	}
}

/* Each buffer is an iovec at least: BLK_MAX_IOV of them, not one more. */
static void test_too_many_iovecs(void **state)
{
	struct fixture *f = *state;
	unsigned int i, t;

	for (t = 0; t < 2; t++) {
		uint32_t type = t ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
		bool writes = type == VIRTIO_BLK_T_IN;

		reset_chain(f);
		put_hdr(f, HDR_GPA, type, 0);
		add_buf(f, HDR_GPA, 16, false);
		for (i = 0; i < BLK_MAX_IOV; i++)
			add_buf(f, DATA_GPA + i * 1024, 512, writes);
		add_buf(f, STATUS_GPA, 1, true);
		assert_int_equal(parse(f), BLK_EXECUTE);
		assert_int_equal(f->r->iovcnt, BLK_MAX_IOV);
		assert_int_equal(f->r->len, BLK_MAX_IOV * 512);

		reset_chain(f);
		add_buf(f, HDR_GPA, 16, false);
		for (i = 0; i < BLK_MAX_IOV + 1; i++)
			add_buf(f, DATA_GPA + i * 1024, 512, writes);
		add_buf(f, STATUS_GPA, 1, true);
		assert_decided(f, VIRTIO_BLK_S_IOERR);
	}
}

/* queues=N as given; otherwise one per vCPU; never 0, never over the cap. */
static void test_queue_count(void **state)
{
	assert_int_equal(blk_queue_count(0, 1), 1);
	assert_int_equal(blk_queue_count(0, 2), 2);
	assert_int_equal(blk_queue_count(0, 64), DISK_MAX_QUEUES);
	assert_int_equal(blk_queue_count(0, 0), 1);
	assert_int_equal(blk_queue_count(1, 2), 1);
	assert_int_equal(blk_queue_count(3, 1), 3);
	assert_int_equal(blk_queue_count(DISK_MAX_QUEUES + 1, 2),
			 DISK_MAX_QUEUES);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_in),
		T(test_in_status_shares_buffer),
		T(test_out),
		T(test_header_split),
		T(test_flush),
		T(test_get_id),
		T(test_discard),
		T(test_write_zeroes),
		T(test_in_through_iommu),
		T(test_buffer_wraps_through_iommu),
		T(test_no_writable_buffer),
		T(test_zero_length_last_buffer),
		T(test_status_outside_ram),
		T(test_short_header),
		T(test_header_outside_ram),
		T(test_unaligned_length),
		T(test_beyond_capacity),
		T(test_sector_overflow),
		T(test_write_read_only),
		T(test_unknown_type),
		T(test_discard_unsupported),
		T(test_range_flags),
		T(test_range_count),
		T(test_range_beyond_capacity),
		T(test_ranges_outside_ram),
		T(test_data_outside_ram),
		T(test_too_many_iovecs),
		T(test_queue_count),
	};

	return cmocka_run_group_tests_name("blk_req", tests, NULL, NULL);
}
