// SPDX-License-Identifier: GPL-2.0
/*
 * What the fuzz harnesses share. Guest RAM sits between two guard areas:
 * under ASan they are poisoned, so any host access past RAM is reported
 * at once; without ASan they hold a pattern checked after every input.
 * Inside RAM, a byte the device changed must be one it was allowed to
 * write (the used ring, a status byte, a read request's data).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif

#ifdef FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

#define GUARD_FILL	0xdb

static uint8_t arena[FUZZ_GUARD + FUZZ_RAM_SIZE + FUZZ_GUARD]
	__attribute__((aligned(4096)));
static uint8_t orig[FUZZ_RAM_SIZE];	/* RAM as the input left it */
static uint8_t may_write[FUZZ_RAM_SIZE];
static uint8_t cover[2][FUZZ_RAM_SIZE];	/* readable, writable */

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: %s: invariant broken: %s\n", file, line,
		fuzz_name, what);
	abort();
}

uint8_t fuzz_take(struct fuzz_cursor *c)
{
	if (!c->left)
		return 0;
	c->left--;
	return *c->p++;
}

uint32_t fuzz_take32(struct fuzz_cursor *c)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 4; i++)
		v |= (uint32_t)fuzz_take(c) << (8 * i);
	return v;
}

uint64_t fuzz_drain(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

void fuzz_check_lock(pthread_mutex_t *m, bool held)
{
	int err = pthread_mutex_trylock(m);

	if (held) {
		fuzz_assert(err == EBUSY);
		return;
	}
	fuzz_assert(err == 0);
	pthread_mutex_unlock(m);
}

void fuzz_put_desc(uint8_t *p, uint64_t addr, uint32_t len, uint16_t flags,
		   uint16_t next)
{
	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

void emit_mem(struct script *s, const void *p, size_t n)
{
	if (n > s->max - s->len)
		n = s->max - s->len;
	memcpy(s->buf + s->len, p, n);
	s->len += n;
}

void emit(struct script *s, unsigned int n, ...)
{
	va_list ap;
	uint8_t b;

	va_start(ap, n);
	while (n--) {
		b = (uint8_t)va_arg(ap, int);
		emit_mem(s, &b, 1);
	}
	va_end(ap);
}

static void guards_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	memset(arena, GUARD_FILL, FUZZ_GUARD);
	memset(arena + FUZZ_GUARD + FUZZ_RAM_SIZE, GUARD_FILL, FUZZ_GUARD);
#ifdef FUZZ_ASAN
	ASAN_POISON_MEMORY_REGION(arena, FUZZ_GUARD);
	ASAN_POISON_MEMORY_REGION(arena + FUZZ_GUARD + FUZZ_RAM_SIZE,
				  FUZZ_GUARD);
#endif
}

/*
 * Ring addresses: mostly somewhere in (or just past) RAM; the top sixteen
 * values pick places only a hostile or broken driver would use.
 */
static uint64_t ring_addr(uint16_t raw, uint64_t align)
{
	static const uint64_t odd[16] = {
		FUZZ_RAM_SIZE, FUZZ_RAM_SIZE - 2, FUZZ_RAM_SIZE - 4,
		FUZZ_RAM_SIZE - 16, FUZZ_RAM_SIZE - 32, -2ULL, -4ULL, -8ULL,
		-16ULL, -32ULL, -48ULL, -(uint64_t)FUZZ_PAGES * FUZZ_PAGE,
		SZ_4G, MMIO_HOLE_START - 16, 1ULL << 63, -4096ULL,
	};

	if (raw >= 0xfff0)
		return odd[raw & 15] & ~(align - 1);
	return (uint64_t)raw * align % (FUZZ_RAM_SIZE + 4096);
}

/*
 * The IOMMU: device pages [0, 64) and, so that rings and buffers near
 * 2^64 can be valid, the last 64 pages below 2^64, both through one table.
 */
static int page_index(uint64_t addr, uint64_t *off)
{
	uint64_t span = (uint64_t)FUZZ_PAGES * FUZZ_PAGE;

	if (addr < span)
		*off = addr;
	else if (addr >= -span)
		*off = addr + span;
	else
		return -1;
	return (int)(*off / FUZZ_PAGE);
}

static int fuzz_translate(void *opaque, uint64_t addr, uint64_t len,
			  enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	const struct fuzz_vm *vm = opaque;
	uint64_t off, room;
	int p = page_index(addr, &off);

	if (p < 0 || !(vm->ctl.iommu[p][1] & dir))
		return -EFAULT;
	room = FUZZ_PAGE - off % FUZZ_PAGE;
	*gpa = (uint64_t)vm->ctl.iommu[p][0] * FUZZ_PAGE + off % FUZZ_PAGE;
	*contig = len < room ? len : room;
	return 0;
}

/* A view through the IOMMU: a range inside one page (pages are not 1:1). */
static int fuzz_view(void *opaque, uint64_t addr, uint64_t len, uint64_t *gpa,
		     unsigned int *dirs, const unsigned int **gen,
		     unsigned int *seen)
{
	struct fuzz_vm *vm = opaque;
	uint64_t off;
	int p = page_index(addr, &off);

	*gen = &vm->view_gen;
	*seen = vm->view_gen;
	if (p < 0 || len > FUZZ_PAGE - off % FUZZ_PAGE)
		return -EFAULT;
	*gpa = (uint64_t)vm->ctl.iommu[p][0] * FUZZ_PAGE + off % FUZZ_PAGE;
	*dirs = vm->ctl.iommu[p][1] & (DMA_FROM_GUEST | DMA_TO_GUEST);
	return 0;
}

void fuzz_vm_load(struct fuzz_vm *vm, const uint8_t *data, size_t size)
{
	size_t n = size < sizeof(vm->ctl) ? size : sizeof(vm->ctl);

	guards_init();
	memset(&vm->ctl, 0, sizeof(vm->ctl));
	memcpy(&vm->ctl, data, n);
	data += n;
	size -= n;
	if (size > FUZZ_RAM_SIZE)
		size = FUZZ_RAM_SIZE;

	vm->ram = arena + FUZZ_GUARD;
	memcpy(vm->ram, data, size);
	memset(vm->ram + size, 0, FUZZ_RAM_SIZE - size);
	memcpy(orig, vm->ram, FUZZ_RAM_SIZE);
	memset(may_write, 0, sizeof(may_write));
	guest_mem_wrap(&vm->mem, vm->ram, FUZZ_RAM_SIZE);
	dma_space_identity(&vm->dma, &vm->mem);
	if (vm->ctl.flags & FUZZ_F_IOMMU) {
		vm->dma.translate = fuzz_translate;
		vm->dma.opaque = vm;
		/* With ring views: the rings' pages viewed, as the IOMMU does. */
		if (vm->ctl.flags & FUZZ_F_RING_VIEWS)
			vm->dma.view = fuzz_view;
	}

	vm->vq.dma = &vm->dma;
	vq_reset(&vm->vq);
	vm->vq.size = 1 << (vm->ctl.size_log2 % 9);
	vm->vq.event_idx = vm->ctl.flags & FUZZ_F_EVENT_IDX;
	vm->vq.desc = ring_addr(vm->ctl.desc, 16);
	vm->vq.avail = ring_addr(vm->ctl.avail, 2);
	vm->vq.used = ring_addr(vm->ctl.used, 4);
	vm->vq.last_avail = vm->ctl.last_avail;
	vm->vq.used_idx = vm->ctl.used_idx;
	vm->vq.ready = true;
	if (vm->ctl.flags & FUZZ_F_RING_VIEWS)
		vq_map_rings(&vm->vq);
	vm->max_iters = (vm->ctl.iters & 31) + 1;

	/* The used ring, avail_event included, is the device's to write. */
	fuzz_allow_dev(vm, vm->vq.used, 4 + 8ULL * vm->vq.size + 2);
}

void fuzz_allow_dev(struct fuzz_vm *vm, uint64_t addr, uint64_t len)
{
	uint64_t off = 0, gpa, contig;

	while (off < len) {
		uint64_t a = addr + off;

		/* Past 2^64 is nowhere: nothing there may be written. */
		if (a < addr)
			break;
		gpa = a;
		contig = len - off;
		if (vm->dma.translate &&
		    fuzz_translate(vm, a, len - off, DMA_TO_GUEST, &gpa,
				   &contig)) {
			off += FUZZ_PAGE - a % FUZZ_PAGE;
			continue;
		}
		if (gpa < FUZZ_RAM_SIZE) {
			uint64_t n = FUZZ_RAM_SIZE - gpa;

			memset(may_write + gpa, 1, contig < n ? contig : n);
		}
		off += contig;
	}
}

void fuzz_allow_host(struct fuzz_vm *vm, const void *p, size_t len)
{
	size_t off = (const uint8_t *)p - vm->ram;

	memset(may_write + off, 1, len);
}

void fuzz_vm_check(struct fuzz_vm *vm)
{
	size_t blk, i;

	/* Block-wise first: a byte loop over all of RAM costs most of a run. */
	for (blk = 0; blk < FUZZ_RAM_SIZE; blk += 64) {
		if (!memcmp(vm->ram + blk, orig + blk, 64))
			continue;
		for (i = blk; i < blk + 64; i++) {
			if (vm->ram[i] == orig[i] || may_write[i])
				continue;
			fprintf(stderr, "%s: byte 0x%zx of guest RAM changed\n",
				fuzz_name, i);
			fuzz_fail(__FILE__, __LINE__, "a stray write");
		}
	}
#ifndef FUZZ_ASAN
	for (i = 0; i < FUZZ_GUARD; i++) {
		fuzz_assert(arena[i] == GUARD_FILL);
		fuzz_assert(arena[FUZZ_GUARD + FUZZ_RAM_SIZE + i] == GUARD_FILL);
	}
#endif
}

void fuzz_check_iov(const struct fuzz_vm *vm, const struct iovec *iov,
		    int n, uint64_t len)
{
	uintptr_t lo = (uintptr_t)vm->ram, hi = lo + FUZZ_RAM_SIZE;
	uint64_t sum = 0;
	int i;

	fuzz_assert(n >= 0);
	for (i = 0; i < n; i++) {
		uintptr_t b = (uintptr_t)iov[i].iov_base;

		fuzz_assert(iov[i].iov_len > 0);
		fuzz_assert(b >= lo && b < hi);
		fuzz_assert(iov[i].iov_len <= hi - b);
		sum += iov[i].iov_len;
	}
	fuzz_assert(sum == len);
}

void fuzz_check_chain(const struct fuzz_vm *vm, const struct vq_chain *c)
{
	uint64_t rd = 0, wr = 0;
	unsigned int i;

	fuzz_assert(c->head < vm->vq.size);
	fuzz_assert(c->nr <= VQ_MAX_CHAIN);
	fuzz_assert(c->nr_readable <= c->nr);
	for (i = 0; i < c->nr; i++) {
		fuzz_assert(c->buf[i].device_writes == (i >= c->nr_readable));
		if (c->buf[i].device_writes)
			wr += c->buf[i].len;
		else
			rd += c->buf[i].len;
	}
	fuzz_assert(rd == c->readable_len);
	fuzz_assert(wr == c->writable_len);
}

/*
 * Touch each buffer the way a device does: map it, then read (or write)
 * its first and last byte through the iovecs, which is enough for ASan
 * to see a pointer that went wrong, since the bounds are checked exactly.
 */
void fuzz_map_chain(struct fuzz_vm *vm, const struct vq_chain *c)
{
	static struct iovec iov[64];
	volatile uint8_t sink = 0;
	unsigned int i;
	int n, j;

	for (i = 0; i < c->nr; i++) {
		const struct vq_buf *b = &c->buf[i];
		enum dma_dir dir = b->device_writes ? DMA_TO_GUEST :
						      DMA_FROM_GUEST;

		n = dma_map(&vm->dma, b->addr, b->len, dir, iov, 64);
		if (n < 0) {
			fuzz_assert(n == -EFAULT || n == -E2BIG);
			continue;
		}
		fuzz_check_iov(vm, iov, n, b->len);
		for (j = 0; j < n; j++) {
			uint8_t *p = iov[j].iov_base;
			size_t last = iov[j].iov_len - 1;

			if (b->device_writes) {
				p[0] = 0x5a;
				p[last] = 0xa5;
				fuzz_allow_host(vm, p, 1);
				fuzz_allow_host(vm, p + last, 1);
			} else {
				sink += p[0] + p[last];
			}
		}
	}
	(void)sink;
}

/* Mark the host bytes that buffer @b leads to, a page at a time. */
static void cover_buffer(struct fuzz_vm *vm, const struct vq_buf *b)
{
	typedef unsigned __int128 u128;
	const u128 top = (u128)1 << 64, span = FUZZ_PAGES * FUZZ_PAGE;
	enum dma_dir dir = b->device_writes ? DMA_TO_GUEST : DMA_FROM_GUEST;
	uint8_t *map = cover[b->device_writes];
	/* Where a device address can lead to RAM at all. */
	u128 win[2][2] = { { 0, FUZZ_RAM_SIZE }, { 0, 0 } };
	/* A buffer ends at 2^64 at the latest: nothing wraps to 0. */
	u128 lo = b->addr, hi = lo + b->len;
	int w, i, n;

	if (hi > top)
		hi = top;
	if (vm->dma.translate) {
		win[0][1] = span;
		win[1][0] = top - span;
		win[1][1] = top;
	}
	for (w = 0; w < 2; w++) {
		u128 p = lo > win[w][0] ? lo : win[w][0];
		u128 end = hi < win[w][1] ? hi : win[w][1];

		while (p < end) {
			u128 next = (p / FUZZ_PAGE + 1) * FUZZ_PAGE;
			struct iovec iov[2];

			if (next > end)
				next = end;
			n = dma_map(&vm->dma, (uint64_t)p, (uint64_t)(next - p),
				    dir, iov, 2);
			for (i = 0; i < n; i++)
				memset(map + ((uint8_t *)iov[i].iov_base -
					      vm->ram), 1, iov[i].iov_len);
			p = next;
		}
	}
}

void fuzz_chain_cover(struct fuzz_vm *vm, const struct vq_chain *c)
{
	unsigned int i;

	memset(cover, 0, sizeof(cover));
	for (i = 0; i < c->nr; i++)
		cover_buffer(vm, &c->buf[i]);
}

void fuzz_check_iov_in_chain(const struct fuzz_vm *vm,
			     const struct iovec *iov, int n, bool writable)
{
	int i;

	for (i = 0; i < n; i++) {
		size_t off = (uint8_t *)iov[i].iov_base - vm->ram;

		fuzz_assert(!memchr(cover[writable] + off, 0, iov[i].iov_len));
	}
}

/* ---- structure-aware mutation ---- */

static uint64_t mix(uint64_t *x)
{
	/* splitmix64: one 64-bit seed gives a stream of choices */
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Where device address @addr lands in the RAM image, or -1. */
static int64_t image_offset(const struct fuzz_ctl *ctl, uint64_t addr)
{
	uint64_t off;
	int p;

	if (!(ctl->flags & FUZZ_F_IOMMU))
		return addr < FUZZ_RAM_SIZE ? (int64_t)addr : -1;
	p = page_index(addr, &off);
	if (p < 0)
		return -1;
	off = (uint64_t)ctl->iommu[p][0] * FUZZ_PAGE + off % FUZZ_PAGE;
	return off < FUZZ_RAM_SIZE ? (int64_t)off : -1;
}

static uint64_t pick(uint64_t *x, const uint64_t *v, size_t n)
{
	return v[mix(x) % n];
}

/* A new value for field @field (0 addr, 1 len, 2 flags, 3 next). */
static uint64_t desc_value(uint64_t *x, int field, uint64_t cur,
			   unsigned int size)
{
	static const uint64_t addrs[] = {
		0, 16, -1ULL, -2ULL, -8ULL, -16ULL, -32ULL, -512ULL, -528ULL,
		FUZZ_RAM_SIZE - 16, FUZZ_RAM_SIZE - 1, FUZZ_RAM_SIZE,
		SZ_4G, MMIO_HOLE_START - 8, 1ULL << 63,
	};
	static const uint64_t lens[] = {
		0, 1, 2, 15, 16, 17, 24, 32, 511, 512, 513, 528, 1024, 1025,
		16 * VQ_MAX_CHAIN, 16 * (VQ_MAX_CHAIN + 1), 0x7fffffff,
		0x80000000, 0xfffffff0, 0xffffffff,
	};
	uint64_t r = mix(x);
	int64_t delta = (int64_t)(r >> 40 & 0x3f) - 32;

	switch (field) {
	case 0:
		if (r & 1)
			return pick(x, addrs, sizeof(addrs) / sizeof(addrs[0]));
		/* Move within RAM, or to the same place in the top window. */
		return r & 2 ? cur + delta * 16 :
		       cur - (uint64_t)FUZZ_PAGES * FUZZ_PAGE;
	case 1:
		if (r & 1)
			return pick(x, lens, sizeof(lens) / sizeof(lens[0]));
		return r & 2 ? cur + delta : cur + delta * 512;
	case 2:
		return r & 1 ? (r >> 8) & 7 : cur ^ (1u << ((r >> 8) % 3));
	default:
		switch (r % 5) {
		case 0:
			return size;
		case 1:
			return size - 1;
		case 2:
			return 0xffff;
		case 3:
			return cur + 1;
		default:
			return (r >> 16) % (size + 1);
		}
	}
}

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	while (bytes--) {
		*p++ = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

/* The control block: ring placement, indices, geometry, any byte. */
static void mutate_ctl(uint8_t *data, uint64_t r, uint64_t v)
{
	static const int16_t near_wrap[] = { -1, -2, -3, 0, 1 };
	uint16_t raw;

	switch (r % 6) {
	case 0:		/* a ring moves somewhere odd, or anywhere */
		raw = r & 0x100 ? 0xfff0 | (v & 15) : (uint16_t)v;
		put_le(data + offsetof(struct fuzz_ctl, desc) +
		       2 * ((r >> 16) % 3), raw, 2);
		break;
	case 1:		/* indices near the 16-bit wrap, or anywhere */
		raw = r & 0x100 ? (uint16_t)near_wrap[v % 5] : (uint16_t)v;
		put_le(data + offsetof(struct fuzz_ctl, last_avail) +
		       2 * ((r >> 16) % 2), raw, 2);
		break;
	case 2:
		data[offsetof(struct fuzz_ctl, flags)] ^= 1u << (v % 5);
		break;
	case 3:
		data[offsetof(struct fuzz_ctl, size_log2)] = v % 9;
		break;
	case 4:
		put_le(data + offsetof(struct fuzz_ctl, capacity),
		       r & 0x100 ? -(v % 4) : v % 4096, 8);
		break;
	default:
		data[(r >> 8) % sizeof(struct fuzz_ctl)] = (uint8_t)v;
		break;
	}
}

size_t fuzz_mutate(uint8_t *data, size_t size, size_t max, uint64_t rnd)
{
	static const int width[] = { 8, 4, 2, 2 }, at[] = { 0, 8, 12, 14 };
	const size_t hdr = sizeof(struct fuzz_ctl);
	struct fuzz_ctl ctl;
	unsigned int qsize;
	uint64_t x = rnd, r = mix(&x);
	int64_t off;
	int field;

	if (max > FUZZ_MAX_INPUT)
		max = FUZZ_MAX_INPUT;
	if (size < hdr || max < hdr + 16)
		return size;
	memcpy(&ctl, data, hdr);
	qsize = 1u << (ctl.size_log2 % 9);

	switch (r % 8) {
	case 0: case 1: case 2:	/* a descriptor of the main table */
		off = image_offset(&ctl, ring_addr(ctl.desc, 16) +
				   16 * ((r >> 8) % qsize));
		break;
	case 3: case 4:		/* somewhere indirect tables live */
		off = SEED_TABLES + 16 * ((r >> 8) % ((SEED_DATA -
							SEED_TABLES) / 16));
		break;
	case 5: {		/* avail->idx, a ring entry, used_event */
		uint64_t avail = ring_addr(ctl.avail, 2);
		uint64_t which = (r >> 8) % 3;
		uint64_t field_at = which == 0 ? 2 : which == 1 ?
				    4 + 2 * ((r >> 12) % qsize) :
				    4 + 2ULL * qsize;

		off = image_offset(&ctl, avail + field_at);
		if (off >= 0 && hdr + off + 2 <= max) {
			uint16_t v = (uint16_t)get_le(data + hdr + off, 2);
			static const int16_t d[] = { 1, -1, 2, 0 };

			v = which == 1 ? (uint16_t)((r >> 20) % (qsize + 1)) :
			    (uint16_t)(v + d[(r >> 20) % 4] +
				       ((r >> 24) % 2 ? qsize : 0));
			if (hdr + off + 2 > size) {
				memset(data + size, 0, hdr + off + 2 - size);
				size = hdr + off + 2;
			}
			put_le(data + hdr + off, v, 2);
		}
		return size;
	}
	default:
		mutate_ctl(data, r, mix(&x));
		return size;
	}
	if (off < 0 || hdr + off + 16 > max)
		return size;
	if (hdr + off + 16 > size) {
		memset(data + size, 0, hdr + off + 16 - size);
		size = hdr + off + 16;
	}
	field = (int)((r >> 32) % 4);
	put_le(data + hdr + off + at[field],
	       desc_value(&x, field, get_le(data + hdr + off + at[field],
					    width[field]), qsize),
	       width[field]);
	return size;
}

/* ---- seeds ---- */

static void put(struct seed *s, uint64_t gpa, const void *p, size_t len)
{
	memcpy(s->ram + gpa, p, len);
	if (gpa + len > s->end)
		s->end = gpa + len;
}

static void put16(struct seed *s, uint64_t gpa, uint16_t v)
{
	put(s, gpa, &v, sizeof(v));
}

bool seed_begin(struct seed *s, uint8_t *buf, size_t max,
		unsigned int variant)
{
	int p;

	if (max < FUZZ_MAX_INPUT)
		return false;
	memset(buf, 0, FUZZ_MAX_INPUT);
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->max = max;
	s->ctl = (struct fuzz_ctl *)buf;
	s->ram = buf + sizeof(struct fuzz_ctl);
	s->indirect = variant & SEED_V_INDIRECT;
	s->size = variant & SEED_V_BIG ? 256 : 8;
	s->ctl->size_log2 = variant & SEED_V_BIG ? 8 : 3;
	if (variant & SEED_V_EVENT_IDX)
		s->ctl->flags |= FUZZ_F_EVENT_IDX;
	if (variant & SEED_V_IOMMU)
		s->ctl->flags |= FUZZ_F_IOMMU;
	if (variant & SEED_V_VIEWS)
		s->ctl->flags |= FUZZ_F_RING_VIEWS;
	s->ctl->iters = 31;
	s->ctl->notify = 0x22;
	s->ctl->desc = SEED_DESC / 16;
	s->ctl->avail = SEED_AVAIL / 2;
	s->ctl->used = SEED_USED / 4;
	/* An IOMMU that maps the low device pages 1:1, read-write. */
	for (p = 0; p < FUZZ_PAGES; p++) {
		s->ctl->iommu[p][0] = (uint8_t)p;
		s->ctl->iommu[p][1] = FUZZ_PERM_R | FUZZ_PERM_W;
	}
	/* Through the IOMMU's top window: lengths are a mutation from 2^64. */
	if (variant & SEED_V_TOP) {
		s->ctl->flags |= FUZZ_F_IOMMU;
		s->bias = -(uint64_t)FUZZ_PAGES * FUZZ_PAGE;
	}
	if (variant & SEED_V_WRAP) {
		s->ctl->last_avail = 65534;
		s->ctl->used_idx = 65534;
		s->avail_idx = 65534;
	}
	put16(s, SEED_AVAIL + 2, s->avail_idx);
	s->next_data = SEED_DATA;
	s->next_table = SEED_TABLES;
	s->next_top = FUZZ_RAM_SIZE;
	return true;
}

static void add_buf(struct seed *s, uint64_t at, const void *data,
		    uint32_t len, bool writes)
{
	if (data)
		put(s, at, data, len);
	else if (at + len > s->end)
		s->end = at + len;
	s->bufs[s->nr].addr = at + s->bias;
	s->bufs[s->nr].len = len;
	s->bufs[s->nr].writes = writes;
	s->nr++;
}

void seed_buf(struct seed *s, const void *data, uint32_t len, bool writes)
{
	uint64_t at = s->next_data;

	if (s->nr == sizeof(s->bufs) / sizeof(s->bufs[0]) ||
	    at + len > s->next_top)
		return;
	add_buf(s, at, data, len, writes);
	s->next_data = (at + len + 15) & ~15ULL;
}

void seed_buf_top(struct seed *s, const void *data, uint32_t len,
		  bool writes)
{
	if (s->nr == sizeof(s->bufs) / sizeof(s->bufs[0]) ||
	    s->next_top - s->next_data < len)
		return;
	s->next_top -= len;
	add_buf(s, s->next_top, data, len, writes);
	s->next_top &= ~15ULL;
}

static void put_desc(struct seed *s, uint64_t table, unsigned int i,
		     uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t d[16];

	fuzz_put_desc(d, addr, len, flags, next);
	put(s, table + 16ULL * i, d, sizeof(d));
}

void seed_chain(struct seed *s)
{
	uint16_t head = s->next_desc;
	uint64_t table = SEED_DESC, first = head;
	unsigned int i;

	if (!s->nr)
		return;
	if (s->indirect) {
		if (s->next_desc + 1 > s->size ||
		    s->next_table + 16ULL * s->nr > SEED_DATA)
			goto out;
		put_desc(s, SEED_DESC, head, s->next_table + s->bias,
			 16 * s->nr, VIRTQ_DESC_F_INDIRECT, 0);
		s->next_desc++;
		table = s->next_table;
		first = 0;
		s->next_table += 16ULL * s->nr;
	} else {
		if (s->next_desc + s->nr > s->size)
			goto out;
		s->next_desc += s->nr;
	}
	for (i = 0; i < s->nr; i++) {
		uint16_t flags = s->bufs[i].writes ? VIRTQ_DESC_F_WRITE : 0;

		if (i + 1 < s->nr)
			flags |= VIRTQ_DESC_F_NEXT;
		put_desc(s, table, first + i, s->bufs[i].addr, s->bufs[i].len,
			 flags, first + i + 1);
	}
	put16(s, SEED_AVAIL + 4 + 2ULL * (s->avail_idx % s->size), head);
	s->avail_idx++;
	put16(s, SEED_AVAIL + 2, s->avail_idx);
out:
	s->nr = 0;
}

size_t seed_end(struct seed *s)
{
	return sizeof(struct fuzz_ctl) + s->end;
}

bool seed_in_corpus(unsigned int n)
{
	static const struct { unsigned int shape, variant; } picks[] = {
		{ 0, 0 },
		{ 0, SEED_V_EVENT_IDX | SEED_V_INDIRECT },
		{ 0, SEED_V_TOP | SEED_V_WRAP },
		{ 1, SEED_V_BIG },
		{ 1, SEED_V_IOMMU | SEED_V_VIEWS },
		{ 1, SEED_V_TOP | SEED_V_INDIRECT | SEED_V_EVENT_IDX },
		{ 2, SEED_V_INDIRECT | SEED_V_WRAP },
		{ 2, SEED_V_BIG | SEED_V_TOP | SEED_V_VIEWS |
		     SEED_V_EVENT_IDX },
	};
	unsigned int i;

	for (i = 0; i < sizeof(picks) / sizeof(picks[0]); i++)
		if (n == picks[i].shape * SEED_VARIANTS + picks[i].variant)
			return true;
	return false;
}
