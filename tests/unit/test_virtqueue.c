// SPDX-License-Identifier: GPL-2.0
/*
 * Split virtqueues, device side, on rings built by hand in a RAM buffer:
 * chains (direct and indirect), completions, EVENT_IDX and flag-based
 * notification suppression, 16-bit index wrap-around, and every malformed
 * ring a guest can write.
 *
 * Two nets catch stray accesses. Guest RAM is its own allocation of
 * exactly RAM_SIZE bytes, so ASan reports any host access past either
 * end. And every byte the test itself writes is mirrored into a shadow
 * copy: at teardown RAM must equal the shadow everywhere except in the
 * used ring, the one area the device may write.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../virtio/virtqueue.h"

#define RAM_SIZE	(1ULL << 20)
#define DESC_GPA	0x10000ULL
#define AVAIL_GPA	0x20000ULL
#define USED_GPA	0x30000ULL
#define BUF_GPA		0x40000ULL
#define INDIRECT_GPA	0x80000ULL
#define FILL		0xa5	/* what RAM holds where nobody wrote */

#define TOP		(~0ULL)	/* the last byte of the address space */

/* The layouts of virtio 1.2, 2.7.5 to 2.7.8, as a driver writes them. */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

#define AVAIL_F_NO_INTERRUPT	1
#define USED_F_NO_NOTIFY	1

struct fixture {
	uint8_t *ram;
	uint8_t *shadow;
	struct guest_mem mem;
	struct dma_space dma;
	struct virtqueue vq;
	struct vq_chain *chain;
	uint16_t avail_idx;		/* the driver's copy of avail->idx */
	uint64_t used_end;		/* device-writable: [USED_GPA, used_end) */
	unsigned int translations;	/* calls to the test translators */
	uint64_t fault_at;		/* split/fail_translate: the boundary */
	/* fake_view: what an IOMMU's ring views would say */
	unsigned int view_gen, views_taken, view_dirs;
	bool view_refused;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->ram = malloc(RAM_SIZE);
	f->shadow = malloc(RAM_SIZE);
	f->chain = malloc(sizeof(*f->chain));
	memset(f->ram, FILL, RAM_SIZE);
	memset(f->shadow, FILL, RAM_SIZE);
	guest_mem_wrap(&f->mem, f->ram, RAM_SIZE);
	dma_space_identity(&f->dma, &f->mem);
	f->vq.dma = &f->dma;
	f->used_end = USED_GPA;
	*state = f;
	return 0;
}

/* Nothing outside the used ring may differ from what the test wrote. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	uint64_t i;

	for (i = 0; i < RAM_SIZE; i++) {
		if (i >= USED_GPA && i < f->used_end)
			continue;
		if (f->ram[i] != f->shadow[i])
			fail_msg("device wrote guest RAM at 0x%llx",
				 (unsigned long long)i);
	}
	free(f->chain);
	free(f->shadow);
	free(f->ram);
	free(f);
	return 0;
}

/* The driver's writes: into RAM and into the shadow alike. */
static void poke(struct fixture *f, uint64_t gpa, const void *p, size_t len)
{
	assert_true(gpa < RAM_SIZE && len <= RAM_SIZE - gpa);
	memcpy(f->ram + gpa, p, len);
	memcpy(f->shadow + gpa, p, len);
}

static void poke16(struct fixture *f, uint64_t gpa, uint16_t v)
{
	poke(f, gpa, &v, sizeof(v));
}

static uint16_t peek16(struct fixture *f, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, f->ram + gpa, sizeof(v));
	return v;
}

static uint32_t peek32(struct fixture *f, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, f->ram + gpa, sizeof(v));
	return v;
}

static void put_desc(struct fixture *f, uint64_t table, uint16_t i,
		     uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	struct desc d = { addr, len, flags, next };

	poke(f, table + (uint64_t)i * sizeof(d), &d, sizeof(d));
}

static uint64_t used_event_gpa(struct fixture *f)
{
	return AVAIL_GPA + 4 + 2ULL * f->vq.size;
}

static uint64_t avail_event_gpa(struct fixture *f)
{
	return USED_GPA + 4 + 8ULL * f->vq.size;
}

/* An empty, ready queue of @size at the fixture's ring addresses. */
/*
 * Every test runs twice: rings reached through the DMA accessor, and
 * through the host views vq_map_rings() takes for identity DMA spaces.
 */
static bool with_views;

static void vq_init(struct fixture *f, uint16_t size, bool event_idx)
{
	static const uint8_t zero[4 + 8 * VQ_MAX_SIZE + 2];

	vq_reset(&f->vq);
	f->vq.size = size;
	f->vq.event_idx = event_idx;
	f->vq.desc = DESC_GPA;
	f->vq.avail = AVAIL_GPA;
	f->vq.used = USED_GPA;
	f->vq.ready = true;
	if (with_views)
		vq_map_rings(&f->vq);
	f->avail_idx = 0;
	poke(f, AVAIL_GPA, zero, 4 + 2 * size + 2);
	poke(f, USED_GPA, zero, 4 + 8 * size + 2);
	f->used_end = USED_GPA + 4 + 8ULL * size + 2;
}

/* Start both sides' indices at @idx (for wrap-around). */
static void set_indices(struct fixture *f, uint16_t idx)
{
	f->vq.last_avail = idx;
	f->vq.used_idx = idx;
	f->avail_idx = idx;
	poke16(f, AVAIL_GPA + 2, idx);
	poke16(f, USED_GPA + 2, idx);
}

/* Offer chain @head: the ring entry first, then the index. */
static void publish(struct fixture *f, uint16_t head)
{
	poke16(f, AVAIL_GPA + 4 + 2ULL * (f->avail_idx % f->vq.size), head);
	f->avail_idx++;
	poke16(f, AVAIL_GPA + 2, f->avail_idx);
}

static void assert_buf(const struct vq_buf *b, uint64_t addr, uint32_t len,
		       bool writes)
{
	assert_int_equal(b->addr, addr);
	assert_int_equal(b->len, len);
	assert_int_equal(b->device_writes, writes);
}

/*
 * The queue stays broken, and broken pops consume nothing. (A macro, so
 * that a failure names the caller's line.)
 */
#define assert_broken(f) do {						\
	uint16_t last_ = (f)->vq.last_avail;				\
									\
	assert_int_equal(vq_pop(&(f)->vq, (f)->chain), VQ_BROKEN);	\
	assert_int_equal(vq_pop(&(f)->vq, (f)->chain), VQ_BROKEN);	\
	assert_int_equal((f)->vq.last_avail, last_);			\
} while (0)

/* An IOMMU stand-in that maps everything 1:1 and counts its calls. */
static int count_translate(void *opaque, uint64_t addr, uint64_t len,
			   enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	struct fixture *f = opaque;

	f->translations++;
	if (addr >= RAM_SIZE)
		return -EFAULT;
	*gpa = addr;
	*contig = len < RAM_SIZE - addr ? len : RAM_SIZE - addr;
	return 0;
}

/*
 * Maps every device address, aliasing RAM all over the 64-bit space, so
 * that addresses just below 2^64 are valid and only wrapping past the top
 * can make an access go wrong.
 */
static int mirror_translate(void *opaque, uint64_t addr, uint64_t len,
			    enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	uint64_t off = addr % RAM_SIZE;

	*gpa = off;
	*contig = len < RAM_SIZE - off ? len : RAM_SIZE - off;
	return 0;
}

/*
 * 1:1, but no translation reaches across f->fault_at: an IOVA range made
 * of two mappings, each of which the device must take on its own.
 */
static int split_translate(void *opaque, uint64_t addr, uint64_t len,
			   enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	struct fixture *f = opaque;

	if (addr >= RAM_SIZE)
		return -EFAULT;
	*gpa = addr;
	*contig = len < RAM_SIZE - addr ? len : RAM_SIZE - addr;
	if (addr < f->fault_at && *contig > f->fault_at - addr)
		*contig = f->fault_at - addr;
	return 0;
}

/* The same, and the 16 bytes at f->fault_at are not mapped at all. */
static int fail_translate(void *opaque, uint64_t addr, uint64_t len,
			  enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	struct fixture *f = opaque;

	if (addr >= f->fault_at && addr < f->fault_at + 16)
		return -EFAULT;
	return split_translate(opaque, addr, len, dir, gpa, contig);
}

static void use_translator(struct fixture *f, dma_translate_fn fn)
{
	f->dma.translate = fn;
	f->dma.opaque = f;
	vq_map_rings(&f->vq);	/* translated rings have no views */
}

/* ---- well-formed rings ---- */

static void test_simple_chain(void **state)
{
	struct fixture *f = *state;
	struct vq_chain *c = f->chain;

	vq_init(f, 8, false);
	/* Out of table order, as a driver's free list leaves them. */
	put_desc(f, DESC_GPA, 5, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, DESC_GPA, 2, BUF_GPA + 0x100, 100, VIRTQ_DESC_F_NEXT, 7);
	put_desc(f, DESC_GPA, 7, BUF_GPA + 0x1000, 4096,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	put_desc(f, DESC_GPA, 0, BUF_GPA + 0x3000, 1, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 5);

	assert_true(vq_has_work(&f->vq));
	assert_int_equal(vq_pop(&f->vq, c), VQ_CHAIN);
	assert_int_equal(c->head, 5);
	assert_int_equal(c->nr, 4);
	assert_int_equal(c->nr_readable, 2);
	assert_int_equal(c->readable_len, 116);
	assert_int_equal(c->writable_len, 4097);
	assert_buf(&c->buf[0], BUF_GPA, 16, false);
	assert_buf(&c->buf[1], BUF_GPA + 0x100, 100, false);
	assert_buf(&c->buf[2], BUF_GPA + 0x1000, 4096, true);
	assert_buf(&c->buf[3], BUF_GPA + 0x3000, 1, true);
	assert_int_equal(f->vq.last_avail, 1);
	assert_false(vq_has_work(&f->vq));
	assert_int_equal(vq_pop(&f->vq, c), VQ_EMPTY);
}

static void test_only_readable_or_writable(void **state)
{
	struct fixture *f = *state;
	struct vq_chain *c = f->chain;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 64, 0, 0);
	put_desc(f, DESC_GPA, 1, BUF_GPA + 64, 64, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 0);
	publish(f, 1);

	assert_int_equal(vq_pop(&f->vq, c), VQ_CHAIN);
	assert_int_equal(c->nr, 1);
	assert_int_equal(c->nr_readable, 1);
	assert_int_equal(c->writable_len, 0);
	assert_int_equal(vq_pop(&f->vq, c), VQ_CHAIN);
	assert_int_equal(c->head, 1);
	assert_int_equal(c->nr, 1);
	assert_int_equal(c->nr_readable, 0);
	assert_int_equal(c->readable_len, 0);
	assert_int_equal(c->writable_len, 64);
}

/* Many chains per notification, taken in the order they were offered. */
static void test_many_chains_in_order(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	vq_init(f, 16, false);
	for (i = 0; i < 16; i++) {
		put_desc(f, DESC_GPA, i, BUF_GPA + i * 0x100, 0x100, 0, 0);
		publish(f, 15 - i);
	}
	for (i = 0; i < 16; i++) {
		assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
		assert_int_equal(f->chain->head, 15 - i);
		assert_int_equal(f->chain->buf[0].addr,
				 BUF_GPA + (15 - i) * 0x100);
	}
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_EMPTY);
}

/* A chain that uses every descriptor of the table is not a loop. */
static void test_chain_as_long_as_queue(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	vq_init(f, 4, false);
	for (i = 0; i < 3; i++)
		put_desc(f, DESC_GPA, i, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, i + 1);
	put_desc(f, DESC_GPA, 3, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
	assert_int_equal(f->chain->nr, 4);
}

static void test_push_writes_used_ring(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	vq_init(f, 4, false);
	assert_int_equal(vq_push(&f->vq, 3, 512), 0);
	assert_int_equal(peek32(f, USED_GPA + 4), 3);
	assert_int_equal(peek32(f, USED_GPA + 8), 512);
	assert_int_equal(peek16(f, USED_GPA + 2), 1);
	assert_int_equal(peek16(f, USED_GPA), 0);	/* flags untouched */

	/* The ring position wraps at the queue size, the index does not. */
	for (i = 1; i < 6; i++)
		assert_int_equal(vq_push(&f->vq, i, i * 10), 0);
	assert_int_equal(peek16(f, USED_GPA + 2), 6);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 0), 4);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 1), 5);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 1 + 4), 50);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 3), 3);
}

static void test_indirect(void **state)
{
	struct fixture *f = *state;
	struct vq_chain *c = f->chain;

	vq_init(f, 4, false);
	/* The WRITE flag of the indirect descriptor itself is ignored. */
	put_desc(f, DESC_GPA, 2, INDIRECT_GPA, 4 * 16,
		 VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 3);
	put_desc(f, INDIRECT_GPA, 3, BUF_GPA + 0x10, 512, VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, INDIRECT_GPA, 1, BUF_GPA + 0x1000, 1024,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, INDIRECT_GPA, 2, BUF_GPA + 0x2000, 1, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 2);

	assert_int_equal(vq_pop(&f->vq, c), VQ_CHAIN);
	assert_int_equal(c->head, 2);
	assert_int_equal(c->nr, 4);
	assert_int_equal(c->nr_readable, 2);
	assert_int_equal(c->readable_len, 528);
	assert_int_equal(c->writable_len, 1025);
	assert_buf(&c->buf[0], BUF_GPA, 16, false);
	assert_buf(&c->buf[1], BUF_GPA + 0x10, 512, false);
	assert_buf(&c->buf[2], BUF_GPA + 0x1000, 1024, true);
	assert_buf(&c->buf[3], BUF_GPA + 0x2000, 1, true);
}

/*
 * An indirect table is normally taken in one translation; one that lies
 * in two mappings is read entry by entry, with the same result. Entries
 * are copied once each, so the walk sees the table as it was.
 */
static void test_indirect_split_table(void **state)
{
	struct fixture *f = *state;
	struct vq_chain *c = f->chain;

	vq_init(f, 4, false);
	use_translator(f, split_translate);
	f->fault_at = INDIRECT_GPA + 40;	/* inside entry 2 */
	put_desc(f, DESC_GPA, 1, INDIRECT_GPA, 4 * 16, VIRTQ_DESC_F_INDIRECT,
		 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, INDIRECT_GPA, 2, BUF_GPA + 0x10, 512, VIRTQ_DESC_F_NEXT, 3);
	put_desc(f, INDIRECT_GPA, 3, BUF_GPA + 0x1000, 1, VIRTQ_DESC_F_WRITE,
		 0);
	publish(f, 1);
	assert_int_equal(vq_pop(&f->vq, c), VQ_CHAIN);
	assert_int_equal(c->nr, 3);
	assert_buf(&c->buf[0], BUF_GPA, 16, false);
	assert_buf(&c->buf[1], BUF_GPA + 0x10, 512, false);
	assert_buf(&c->buf[2], BUF_GPA + 0x1000, 1, true);

	/* In one piece again: the same chain, through the whole-table path. */
	f->fault_at = 0;
	publish(f, 1);
	assert_int_equal(vq_pop(&f->vq, c), VQ_CHAIN);
	assert_int_equal(c->nr, 3);
	assert_buf(&c->buf[1], BUF_GPA + 0x10, 512, false);
}

/*
 * Direct descriptors may lead to one indirect table at the end of the
 * chain; the limit of VQ_MAX_CHAIN buffers counts both.
 */
static void test_direct_then_indirect_limit(void **state)
{
	struct fixture *f = *state;
	uint16_t i, direct = VQ_MAX_CHAIN - 2;

	vq_init(f, VQ_MAX_SIZE, false);
	for (i = 0; i < direct; i++)
		put_desc(f, DESC_GPA, i, BUF_GPA + i, 1, VIRTQ_DESC_F_NEXT,
			 i + 1);
	put_desc(f, DESC_GPA, direct, INDIRECT_GPA, 2 * 16,
		 VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 7, VIRTQ_DESC_F_WRITE |
		 VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, INDIRECT_GPA, 1, BUF_GPA, 9, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 0);
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
	assert_int_equal(f->chain->nr, VQ_MAX_CHAIN);
	assert_int_equal(f->chain->nr_readable, direct);
	assert_int_equal(f->chain->readable_len, direct);
	assert_int_equal(f->chain->writable_len, 16);

	/* One more buffer in the table is one too many. */
	put_desc(f, DESC_GPA, direct, INDIRECT_GPA, 3 * 16,
		 VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, INDIRECT_GPA, 1, BUF_GPA, 9, VIRTQ_DESC_F_WRITE |
		 VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, INDIRECT_GPA, 2, BUF_GPA, 1, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 0);
	assert_broken(f);
}

/* The largest table allowed: VQ_MAX_CHAIN entries. */
static void test_indirect_full_table(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	vq_init(f, 2, false);
	put_desc(f, DESC_GPA, 1, INDIRECT_GPA, VQ_MAX_CHAIN * 16,
		 VIRTQ_DESC_F_INDIRECT, 0);
	for (i = 0; i < VQ_MAX_CHAIN - 1; i++)
		put_desc(f, INDIRECT_GPA, i, BUF_GPA, 2, VIRTQ_DESC_F_NEXT,
			 i + 1);
	put_desc(f, INDIRECT_GPA, VQ_MAX_CHAIN - 1, BUF_GPA, 2,
		 VIRTQ_DESC_F_WRITE, 0);
	publish(f, 1);
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
	assert_int_equal(f->chain->nr, VQ_MAX_CHAIN);
	assert_int_equal(f->chain->writable_len, 2);
}

/* Both indices run through 65535 to 0; so does the ring position. */
static void test_index_wraparound(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	vq_init(f, 4, false);
	set_indices(f, 65534);
	for (i = 0; i < 4; i++)
		put_desc(f, DESC_GPA, i, BUF_GPA + i, 1, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 3);
	publish(f, 1);
	publish(f, 2);
	publish(f, 0);	/* a full ring: avail_idx - last_avail == size */
	assert_int_equal(peek16(f, AVAIL_GPA + 2), 2);

	for (i = 0; i < 4; i++) {
		static const uint16_t heads[] = { 3, 1, 2, 0 };

		assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
		assert_int_equal(f->chain->head, heads[i]);
		assert_int_equal(vq_push(&f->vq, heads[i], i), 0);
	}
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_EMPTY);
	assert_int_equal(f->vq.last_avail, 2);
	assert_int_equal(peek16(f, USED_GPA + 2), 2);
	/* used_idx 65534 went to slot 2, 65535 to 3, 0 to 0, 1 to 1. */
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 2), 3);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 3), 1);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 0), 2);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 1), 0);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8 * 1 + 4), 3);
}

/* ---- notifications ---- */

static void test_notify_event_idx(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 8, true);
	/* The first interrupt is never suppressed: nothing to compare to. */
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_true(vq_should_notify(vq));

	/* The driver wants to hear when entry 3 has been used. */
	poke16(f, used_event_gpa(f), 3);
	assert_int_equal(vq_push(vq, 0, 0), 0);		/* idx 2 */
	assert_false(vq_should_notify(vq));
	assert_int_equal(vq_push(vq, 0, 0), 0);		/* idx 3 */
	assert_false(vq_should_notify(vq));
	assert_int_equal(vq_push(vq, 0, 0), 0);		/* idx 4: crossed */
	assert_true(vq_should_notify(vq));
	assert_int_equal(vq_push(vq, 0, 0), 0);		/* idx 5: beyond */
	assert_false(vq_should_notify(vq));

	/* Several pushes between checks: crossing anywhere counts. */
	poke16(f, used_event_gpa(f), 6);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_int_equal(vq_push(vq, 0, 0), 0);		/* 5 -> 8 */
	assert_true(vq_should_notify(vq));
	poke16(f, used_event_gpa(f), 20);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_int_equal(vq_push(vq, 0, 0), 0);		/* 8 -> 10 */
	assert_false(vq_should_notify(vq));
	/* Without a push in between there is nothing new to signal. */
	poke16(f, used_event_gpa(f), 9);
	assert_false(vq_should_notify(vq));
	/* The avail flags mean nothing once EVENT_IDX is negotiated. */
	poke16(f, AVAIL_GPA, AVAIL_F_NO_INTERRUPT);
	poke16(f, used_event_gpa(f), 10);
	assert_int_equal(vq_push(vq, 0, 0), 0);		/* 10 -> 11 */
	assert_true(vq_should_notify(vq));
}

static void test_notify_event_idx_wraps(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, true);
	set_indices(f, 65534);
	assert_true(vq_should_notify(vq));	/* establishes the baseline */

	poke16(f, used_event_gpa(f), 65535);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_int_equal(vq_push(vq, 0, 0), 0);	/* 65534 -> 0 */
	assert_int_equal(vq->used_idx, 0);
	assert_true(vq_should_notify(vq));

	poke16(f, used_event_gpa(f), 1);
	assert_int_equal(vq_push(vq, 0, 0), 0);	/* 0 -> 1: 1 not used yet */
	assert_false(vq_should_notify(vq));
	assert_int_equal(vq_push(vq, 0, 0), 0);	/* 1 -> 2 */
	assert_true(vq_should_notify(vq));
}

static void test_notify_flags(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, false);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_true(vq_should_notify(vq));
	poke16(f, AVAIL_GPA, AVAIL_F_NO_INTERRUPT);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_false(vq_should_notify(vq));
	/* used_event means nothing without EVENT_IDX. */
	poke16(f, used_event_gpa(f), 1);
	assert_false(vq_should_notify(vq));
	poke16(f, AVAIL_GPA, 0);
	assert_true(vq_should_notify(vq));
}

/* When in doubt, interrupt: a spurious one costs less than a lost one. */
static void test_notify_unreadable_ring(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, false);
	poke16(f, AVAIL_GPA, AVAIL_F_NO_INTERRUPT);
	vq->avail = RAM_SIZE;
	assert_true(vq_should_notify(vq));

	vq_init(f, 4, true);
	assert_true(vq_should_notify(vq));
	poke16(f, used_event_gpa(f), 100);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_false(vq_should_notify(vq));
	/* used_event, the avail ring's last field, just past the end. */
	vq->avail = RAM_SIZE - (4 + 2 * 4);
	assert_int_equal(vq_push(vq, 0, 0), 0);
	assert_true(vq_should_notify(vq));
}

static void test_enable_notify(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, false);
	assert_int_equal(vq_enable_notify(vq, false), 0);
	assert_int_equal(peek16(f, USED_GPA), USED_F_NO_NOTIFY);
	assert_int_equal(vq_enable_notify(vq, true), 0);
	assert_int_equal(peek16(f, USED_GPA), 0);
	assert_int_equal(peek16(f, avail_event_gpa(f)), 0);

	vq_init(f, 4, true);
	set_indices(f, 1234);
	assert_int_equal(vq_enable_notify(vq, true), 0);
	assert_int_equal(peek16(f, avail_event_gpa(f)), 1234);
	/* Flags are not used with EVENT_IDX; disabling writes nothing. */
	assert_int_equal(peek16(f, USED_GPA), 0);
	vq->last_avail = 1300;
	assert_int_equal(vq_enable_notify(vq, false), 0);
	assert_int_equal(peek16(f, avail_event_gpa(f)), 1234);
	assert_int_equal(peek16(f, USED_GPA), 0);
}

static void test_enable_notify_outside_ram(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, false);
	vq->used = RAM_SIZE;
	assert_int_equal(vq_enable_notify(vq, true), -EFAULT);
	assert_int_equal(vq_enable_notify(vq, false), -EFAULT);

	vq_init(f, 4, true);
	/* Flags and ring in RAM, avail_event one byte past the end. */
	vq->used = RAM_SIZE - (4 + 8 * 4) - 1;
	assert_int_equal(vq_enable_notify(vq, true), -EFAULT);
}

static void test_has_work(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, false);
	assert_false(vq_has_work(vq));
	put_desc(f, DESC_GPA, 0, BUF_GPA, 1, 0, 0);
	publish(f, 0);
	assert_true(vq_has_work(vq));
	assert_int_equal(vq_pop(vq, f->chain), VQ_CHAIN);
	assert_false(vq_has_work(vq));
	/* An unreadable ring counts as work, so vq_pop gets to report it. */
	vq->avail = RAM_SIZE;
	assert_true(vq_has_work(vq));
	assert_int_equal(vq_pop(vq, f->chain), VQ_BROKEN);
}

static void test_not_ready(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	use_translator(f, count_translate);
	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 1, 0, 0);
	publish(f, 0);
	f->translations = 0;
	vq->ready = false;
	assert_false(vq_has_work(vq));
	assert_int_equal(vq_pop(vq, f->chain), VQ_EMPTY);
	/* A queue that is not ready is not even looked at. */
	assert_int_equal(f->translations, 0);
	vq->ready = true;
	assert_int_equal(vq_pop(vq, f->chain), VQ_CHAIN);
	assert_int_not_equal(f->translations, 0);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, true);
	set_indices(f, 77);
	vq_reset(vq);
	assert_int_equal(vq->size, 0);
	assert_false(vq->ready);
	assert_false(vq->event_idx);
	assert_int_equal(vq->last_avail, 0);
	assert_int_equal(vq->used_idx, 0);
	assert_int_equal(vq->desc, 0);
	assert_ptr_equal(vq->dma, &f->dma);	/* wiring survives a reset */
	assert_int_equal(vq_pop(vq, f->chain), VQ_EMPTY);
}

/* ---- malformed chains ---- */

static void test_loop_self(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	publish(f, 1);
	assert_broken(f);
}

static void test_loop_two_cycle(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 3);
	put_desc(f, DESC_GPA, 3, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0);
	publish(f, 0);
	assert_broken(f);
}

/* A loop that does not come back to the head: 0 -> 1 -> 2 -> 3 -> 1. */
static void test_chain_longer_than_queue(void **state)
{
	struct fixture *f = *state;
	uint16_t i;

	vq_init(f, 4, false);
	for (i = 0; i < 4; i++)
		put_desc(f, DESC_GPA, i, BUF_GPA, 8, VIRTQ_DESC_F_NEXT,
			 i == 3 ? 1 : i + 1);
	publish(f, 0);
	assert_broken(f);
}

static void test_loop_in_indirect(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, INDIRECT_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, INDIRECT_GPA, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, INDIRECT_GPA, 2, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	publish(f, 0);
	assert_broken(f);

	/* The last entry of the table pointing at itself. */
	put_desc(f, INDIRECT_GPA, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, INDIRECT_GPA, 2, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	assert_broken(f);
}

static void test_next_out_of_range(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 4);
	publish(f, 0);
	assert_broken(f);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 0xffff);
	assert_broken(f);

	/* Inside an indirect table the table's own size is the limit. */
	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, INDIRECT_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	/* Entry 2 would be valid-looking, just past the table. */
	put_desc(f, INDIRECT_GPA, 2, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	assert_broken(f);
}

static void test_head_out_of_range(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, 0, 0);
	publish(f, 4);
	assert_broken(f);
	vq_init(f, 4, false);
	publish(f, 0xffff);
	assert_broken(f);
}

/* avail->idx more than a ring ahead of us: the index was scribbled on. */
static void test_avail_idx_scribbled(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, 0, 0);
	poke16(f, AVAIL_GPA + 2, 5);
	assert_broken(f);
	poke16(f, AVAIL_GPA + 2, 0xffff);	/* "behind" us by one */
	assert_broken(f);

	/* The same across the 16-bit wrap. */
	vq_init(f, 4, false);
	set_indices(f, 65533);
	poke16(f, AVAIL_GPA + 2, (uint16_t)(65533 + 5));
	assert_broken(f);
	poke16(f, AVAIL_GPA + 2, (uint16_t)(65533 + 4));
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
}

static void test_readable_after_writable(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_WRITE |
		 VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, DESC_GPA, 1, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	assert_broken(f);

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, INDIRECT_GPA, 3 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, INDIRECT_GPA, 1, BUF_GPA, 8, VIRTQ_DESC_F_WRITE |
		 VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, INDIRECT_GPA, 2, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	assert_broken(f);
}

static void test_indirect_nested(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, INDIRECT_GPA, 2 * 16, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, INDIRECT_GPA, 1, INDIRECT_GPA + 0x100, 16,
		 VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, INDIRECT_GPA + 0x100, 0, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	assert_broken(f);

	/* A table pointing at itself is nesting too. */
	put_desc(f, INDIRECT_GPA, 1, INDIRECT_GPA, 2 * 16,
		 VIRTQ_DESC_F_INDIRECT, 0);
	assert_broken(f);
}

static void test_indirect_with_next(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, INDIRECT_GPA, 16,
		 VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, DESC_GPA, 1, BUF_GPA, 8, VIRTQ_DESC_F_WRITE, 0);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	assert_broken(f);
}

static void test_indirect_bad_length(void **state)
{
	static const uint32_t lens[] = {
		0, 1, 15, 17, 24, 16 * 3 + 8, (VQ_MAX_CHAIN + 1) * 16,
		0xfffffff0, 0xffffffff,
	};
	struct fixture *f = *state;
	unsigned int i;

	vq_init(f, 4, false);
	put_desc(f, INDIRECT_GPA, 0, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		put_desc(f, DESC_GPA, 0, INDIRECT_GPA, lens[i],
			 VIRTQ_DESC_F_INDIRECT, 0);
		assert_broken(f);
	}
	put_desc(f, DESC_GPA, 0, INDIRECT_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
}

static void test_indirect_table_outside_ram(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	publish(f, 0);
	put_desc(f, DESC_GPA, 0, RAM_SIZE, 16, VIRTQ_DESC_F_INDIRECT, 0);
	assert_broken(f);
	/* Straddling the end: the first entry is RAM, the second is not. */
	put_desc(f, RAM_SIZE - 16, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, DESC_GPA, 0, RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	assert_broken(f);
	/* One entry half inside RAM. */
	put_desc(f, DESC_GPA, 0, RAM_SIZE - 8, 16, VIRTQ_DESC_F_INDIRECT, 0);
	assert_broken(f);
	put_desc(f, DESC_GPA, 0, TOP - 15, 32, VIRTQ_DESC_F_INDIRECT, 0);
	assert_broken(f);
}

/* Buffer addresses are the device's business at access time, not ours. */
static void test_odd_buffer_lengths(void **state)
{
	struct fixture *f = *state;
	struct vq_chain *c = f->chain;
	struct iovec iov[4];

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 0, VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, DESC_GPA, 1, BUF_GPA, 0xffffffff, VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, DESC_GPA, 2, TOP, 0, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT,
		 3);
	put_desc(f, DESC_GPA, 3, BUF_GPA, 0xffffffff, VIRTQ_DESC_F_WRITE, 0);
	publish(f, 0);
	assert_int_equal(vq_pop(&f->vq, c), VQ_CHAIN);
	assert_int_equal(c->nr, 4);
	assert_int_equal(c->readable_len, 0xffffffffULL);
	assert_int_equal(c->writable_len, 0xffffffffULL);

	/* 4 GiB from inside a 1 MiB RAM: the access fails, whole. */
	assert_int_equal(dma_map(&f->dma, c->buf[1].addr, c->buf[1].len,
				 DMA_FROM_GUEST, iov, 4), -EFAULT);
	assert_int_equal(dma_map(&f->dma, c->buf[3].addr, c->buf[3].len,
				 DMA_TO_GUEST, iov, 4), -EFAULT);
	/*
	 * A zero-length buffer has no byte to fault on, wherever it is:
	 * it maps to no iovec at all, so nothing can be touched through it.
	 */
	assert_int_equal(dma_map(&f->dma, c->buf[0].addr, c->buf[0].len,
				 DMA_FROM_GUEST, iov, 4), 0);
	assert_int_equal(dma_map(&f->dma, c->buf[2].addr, c->buf[2].len,
				 DMA_TO_GUEST, iov, 4), 0);
}

/* ---- malformed ring addresses ---- */

static void test_desc_table_outside_ram(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	publish(f, 0);
	f->vq.desc = RAM_SIZE;
	assert_broken(f);
	f->vq.desc = 1ULL << 40;
	assert_broken(f);
	/* Straddling the end of RAM: entries 0 and 1 fit, 2 does not. */
	f->vq.desc = RAM_SIZE - 2 * 16;
	put_desc(f, RAM_SIZE - 32, 0, BUF_GPA, 8, 0, 0);
	put_desc(f, RAM_SIZE - 32, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
	publish(f, 1);
	assert_broken(f);
	publish(f, 2);
	f->vq.last_avail++;
	assert_broken(f);
	/* One entry cut by the end of RAM (a misaligned table). */
	f->vq.desc = RAM_SIZE - 8;
	f->vq.last_avail = 0;
	assert_broken(f);
}

static void test_avail_ring_outside_ram(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, 0, 0);
	f->vq.avail = RAM_SIZE;
	assert_broken(f);
	f->vq.avail = RAM_SIZE - 1;	/* idx straddles the end */
	assert_broken(f);
	/* idx readable, ring entry 0 past the end. */
	f->vq.avail = RAM_SIZE - 4;
	poke16(f, RAM_SIZE - 2, 1);
	assert_broken(f);
}

static void test_push_outside_ram(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	f->vq.used = RAM_SIZE;
	assert_int_equal(vq_push(&f->vq, 0, 1), -EFAULT);
	assert_int_equal(f->vq.used_idx, 0);
	/* idx in RAM, the element straddles the end: nothing is written. */
	f->vq.used = RAM_SIZE - 8;
	assert_int_equal(vq_push(&f->vq, 0, 1), -EFAULT);
	assert_int_equal(f->vq.used_idx, 0);
	f->vq.used = TOP - 7;
	assert_int_equal(vq_push(&f->vq, 0, 1), -EFAULT);
	f->vq.used = TOP;
	assert_int_equal(vq_push(&f->vq, 0, 1), -EFAULT);
}

/*
 * Rings that run past the top of the 64-bit address space. With identity
 * DMA the top is no RAM, but address 0 is: an access computed as
 * "ring + offset" must fail, never land at a small address.
 */
static void test_desc_table_wraps(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, 0, 0, BUF_GPA, 8, 0, 0);	/* entry 1's wrapped alias */
	f->vq.desc = TOP - 15;
	publish(f, 1);
	assert_broken(f);
}

static void test_avail_ring_wraps(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, 0, 0);
	/* What idx and ring[0] would read if the addresses wrapped. */
	poke16(f, 0, 1);
	poke16(f, 2, 0);
	f->vq.avail = TOP - 1;
	assert_broken(f);
}

static void test_used_ring_wraps(void **state)
{
	struct fixture *f = *state;

	vq_init(f, 4, false);
	f->vq.used = TOP - 7;
	f->vq.used_idx = 1;	/* element 1 would sit at address 4 */
	assert_int_equal(vq_push(&f->vq, 0, 1), -EFAULT);

	vq_init(f, 4, true);
	f->vq.used = TOP - 31;	/* avail_event would sit at address 4 */
	assert_int_equal(vq_enable_notify(&f->vq, true), -EFAULT);
}

static void test_used_event_wraps(void **state)
{
	struct fixture *f = *state;
	struct virtqueue *vq = &f->vq;

	vq_init(f, 4, true);
	assert_true(vq_should_notify(vq));
	assert_int_equal(vq_push(vq, 0, 0), 0);
	/* A used_event of 100 at address 4 would suppress this one. */
	poke16(f, 4, 100);
	vq->avail = TOP - 7;
	assert_true(vq_should_notify(vq));
}

/* Through an IOMMU that maps the top of the space: wrapping is the bug. */
static void test_rings_wrap_through_iommu(void **state)
{
	struct fixture *f = *state;

	use_translator(f, mirror_translate);
	vq_init(f, 4, false);
	/* The table's last two entries alias RAM's first two. */
	f->vq.desc = TOP - 31;
	put_desc(f, RAM_SIZE - 32, 1, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 2);
	put_desc(f, 0, 0, BUF_GPA, 8, 0, 0);
	put_desc(f, RAM_SIZE - 32, 0, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
	publish(f, 1);
	assert_broken(f);

	/* An indirect table that wraps. */
	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, TOP - 15, 32, VIRTQ_DESC_F_INDIRECT, 0);
	put_desc(f, RAM_SIZE - 16, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	publish(f, 0);
	assert_broken(f);
}

/* Views through a translator: 1:1, generation and permission set by tests. */
static int fake_view(void *opaque, uint64_t addr, uint64_t len, uint64_t *gpa,
		     unsigned int *dirs, const unsigned int **gen,
		     unsigned int *seen)
{
	struct fixture *f = opaque;

	*gen = &f->view_gen;
	*seen = f->view_gen;
	if (f->view_refused || addr >= RAM_SIZE || len > RAM_SIZE - addr)
		return -EFAULT;
	f->views_taken++;
	*gpa = addr;
	*dirs = f->view_dirs;
	return 0;
}

static void pop_push_one(struct fixture *f, uint16_t head)
{
	put_desc(f, DESC_GPA, head, BUF_GPA, 8, 0, 0);
	publish(f, head);
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
	assert_int_equal(f->chain->head, head);
	assert_int_equal(vq_push(&f->vq, head, 0), 0);
	assert_int_equal(peek32(f, USED_GPA + 4 + 8ULL * head), head);
}

/*
 * Rings behind a translator with views: accessed through them without a
 * translation, through the translator once the views went stale (an
 * UNMAP of a ring), through fresh views once the rings can be viewed
 * again, and never written through a view that does not allow writes.
 */
static void test_views_through_translator(void **state)
{
	struct fixture *f = *state;

	f->view_dirs = DMA_FROM_GUEST | DMA_TO_GUEST;
	f->dma.view = fake_view;
	use_translator(f, count_translate);
	vq_init(f, 4, false);
	f->views_taken = 0;
	vq_map_rings(&f->vq);
	assert_int_equal(f->views_taken, 3);
	pop_push_one(f, 0);
	assert_int_equal(f->translations, 0);

	/* Stale, and the rings cannot be viewed: translated per access. */
	f->view_gen++;
	f->view_refused = true;
	pop_push_one(f, 1);
	assert_true(f->translations > 0);
	assert_int_equal(f->views_taken, 3);

	/* Viewable again after the next invalidation: views taken anew. */
	f->view_refused = false;
	f->view_gen++;
	pop_push_one(f, 2);
	assert_int_equal(f->views_taken, 6);
	f->translations = 0;
	pop_push_one(f, 3);
	assert_int_equal(f->translations, 0);

	/* A used ring mapped read-only is written through the translator. */
	f->view_dirs = DMA_FROM_GUEST;
	vq_map_rings(&f->vq);
	pop_push_one(f, 0);
	assert_true(f->translations > 0);
}

static void test_desc_read_faults(void **state)
{
	struct fixture *f = *state;

	use_translator(f, fail_translate);
	vq_init(f, 4, false);
	put_desc(f, DESC_GPA, 0, BUF_GPA, 8, VIRTQ_DESC_F_NEXT, 1);
	put_desc(f, DESC_GPA, 1, BUF_GPA, 8, 0, 0);
	publish(f, 0);
	f->fault_at = DESC_GPA + 16;	/* the IOMMU has no entry 1 */
	assert_broken(f);
	f->fault_at = AVAIL_GPA + 2;	/* nor avail->idx */
	assert_broken(f);
	f->fault_at = 0;
	assert_int_equal(vq_pop(&f->vq, f->chain), VQ_CHAIN);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_simple_chain),
		T(test_only_readable_or_writable),
		T(test_many_chains_in_order),
		T(test_chain_as_long_as_queue),
		T(test_push_writes_used_ring),
		T(test_indirect),
		T(test_indirect_split_table),
		T(test_direct_then_indirect_limit),
		T(test_indirect_full_table),
		T(test_index_wraparound),
		T(test_notify_event_idx),
		T(test_notify_event_idx_wraps),
		T(test_notify_flags),
		T(test_notify_unreadable_ring),
		T(test_enable_notify),
		T(test_enable_notify_outside_ram),
		T(test_has_work),
		T(test_not_ready),
		T(test_reset),
		T(test_loop_self),
		T(test_loop_two_cycle),
		T(test_chain_longer_than_queue),
		T(test_loop_in_indirect),
		T(test_next_out_of_range),
		T(test_head_out_of_range),
		T(test_avail_idx_scribbled),
		T(test_readable_after_writable),
		T(test_indirect_nested),
		T(test_indirect_with_next),
		T(test_indirect_bad_length),
		T(test_indirect_table_outside_ram),
		T(test_odd_buffer_lengths),
		T(test_desc_table_outside_ram),
		T(test_avail_ring_outside_ram),
		T(test_push_outside_ram),
		T(test_desc_table_wraps),
		T(test_avail_ring_wraps),
		T(test_used_ring_wraps),
		T(test_used_event_wraps),
		T(test_rings_wrap_through_iommu),
		T(test_views_through_translator),
		T(test_desc_read_faults),
	};

	int failed = cmocka_run_group_tests_name("virtqueue", tests, NULL, NULL);

	with_views = true;
	failed += cmocka_run_group_tests_name("virtqueue, ring views", tests,
					      NULL, NULL);
	return failed;
}
