/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared parts of the fuzz harnesses for guest-controlled parsing: the
 * input format, a guest RAM with guards on both sides, a small IOMMU, the
 * checks every harness makes, and a builder for valid seed inputs.
 *
 * An input is a struct fuzz_ctl followed by the guest RAM image (shorter
 * inputs leave the rest of RAM zero). The control block says where the
 * rings are, how big the queue is, which indices both sides start from,
 * whether DMA goes through the IOMMU and what the disk looks like.
 */
#ifndef IOVM_TESTS_FUZZ_H
#define IOVM_TESTS_FUZZ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../../kvm/machine.h"
#include "../../virtio/dma.h"
#include "../../virtio/virtqueue.h"

#define FUZZ_RAM_SIZE	(32 * 1024)
#define FUZZ_PAGE	512		/* small pages: more splitting */
#define FUZZ_PAGES	64		/* device pages the IOMMU maps */
#define FUZZ_GUARD	256		/* poisoned bytes either side of RAM */

#define FUZZ_PERM_R	DMA_FROM_GUEST
#define FUZZ_PERM_W	DMA_TO_GUEST

/* ctl.flags */
#define FUZZ_F_EVENT_IDX	0x01
#define FUZZ_F_IOMMU		0x02
#define FUZZ_F_READ_ONLY	0x04
#define FUZZ_F_DISCARD		0x08
#define FUZZ_F_HUGE_DISK	0x10	/* capacity taken as is, not masked */
#define FUZZ_F_RING_VIEWS	0x20	/* rings via vq_map_rings() views */

struct fuzz_ctl {
	uint8_t size_log2;	/* queue size 1 << (v % 9): 1 to 256 */
	uint8_t flags;
	uint8_t iters;		/* chains to pop at most: (v % 32) + 1 */
	uint8_t notify;		/* bit pattern: when to toggle notifications */
	uint16_t desc, avail, used;	/* see fuzz_ring_addr() */
	uint16_t last_avail, used_idx;
	uint32_t reserved;
	uint64_t capacity;	/* sectors */
	/*
	 * Device page p (and, mirrored, the page p of the last 32 KiB below
	 * 2^64) maps to guest page iommu[p][0] with permissions iommu[p][1].
	 * Guest pages past RAM are allowed: the accessor must refuse them.
	 */
	uint8_t iommu[FUZZ_PAGES][2];
} __attribute__((packed));

#define FUZZ_MAX_INPUT	(sizeof(struct fuzz_ctl) + FUZZ_RAM_SIZE)

struct fuzz_vm {
	struct fuzz_ctl ctl;
	uint8_t *ram;			/* FUZZ_RAM_SIZE, guarded */
	struct guest_mem mem;
	struct dma_space dma;
	struct virtqueue vq;
	unsigned int max_iters;
	unsigned int view_gen;		/* views through the IOMMU never go stale */
};

/* Implemented by each harness. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Valid input number @n into @buf; its length, or 0 past the last one. */
size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max);
/*
 * Whether seed @n is one of the few checked in (tests/fuzz/corpus/NAME).
 * A harness that checks in every seed need not define it.
 */
bool fuzz_in_corpus(unsigned int n);
extern const char fuzz_name[];

/* An input read a byte at a time, as zeros once it has run out. */
struct fuzz_cursor {
	const uint8_t *p;
	size_t left;
};

uint8_t fuzz_take(struct fuzz_cursor *c);
/* Four bytes of it, little-endian. */
uint32_t fuzz_take32(struct fuzz_cursor *c);

/* ---- what the register-file harnesses (mmio, pci) share ---- */

/* An eventfd's count since it was last read (nonblocking); 0 if none. */
uint64_t fuzz_drain(int fd);
/* The calling code holds @m (@held), or nobody does. */
void fuzz_check_lock(pthread_mutex_t *m, bool held);
/* A split-ring descriptor (virtio 1.2, 2.7.5) at @p. */
void fuzz_put_desc(uint8_t *p, uint64_t addr, uint32_t len, uint16_t flags,
		   uint16_t next);

/* A seed being written: bytes appended to @buf, cut off at @max. */
struct script {
	uint8_t *buf;
	size_t len, max;
};

void emit_mem(struct script *s, const void *p, size_t n);
/* @n bytes, each given as an int argument. */
void emit(struct script *s, unsigned int n, ...);

/* Load an input: RAM, rings, DMA space. */
void fuzz_vm_load(struct fuzz_vm *vm, const uint8_t *data, size_t size);
/* The device may write @len bytes at device address @addr (if mapped). */
void fuzz_allow_dev(struct fuzz_vm *vm, uint64_t addr, uint64_t len);
/* ... or these host bytes (a backend filling a read request). */
void fuzz_allow_host(struct fuzz_vm *vm, const void *p, size_t len);
/* After the run: nothing written where it may not be, guards intact. */
void fuzz_vm_check(struct fuzz_vm *vm);

/* Every iovec lies inside guest RAM, and together they hold @len bytes. */
void fuzz_check_iov(const struct fuzz_vm *vm, const struct iovec *iov,
		    int n, uint64_t len);
/* The chain is shaped as vq_pop promises. */
void fuzz_check_chain(const struct fuzz_vm *vm, const struct vq_chain *c);
/* Map every buffer of the chain as the device would, and check it. */
void fuzz_map_chain(struct fuzz_vm *vm, const struct vq_chain *c);
/*
 * Record which host bytes the chain's buffers really lead to (their
 * device addresses up to 2^64, never wrapped), per direction; then check
 * that iovecs a parser built lie entirely in the buffers of @writable.
 */
void fuzz_chain_cover(struct fuzz_vm *vm, const struct vq_chain *c);
void fuzz_check_iov_in_chain(const struct fuzz_vm *vm,
			     const struct iovec *iov, int n, bool writable);

#define fuzz_assert(cond) do {						\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

void fuzz_fail(const char *file, int line, const char *what)
	__attribute__((noreturn));

/*
 * Structure-aware mutation: pick a descriptor (main table or indirect
 * area), a ring index or a control field of the input in @data and set it
 * to a boundary value or nudge it. Returns the new size (<= @max).
 */
size_t fuzz_mutate(uint8_t *data, size_t size, size_t max, uint64_t rnd);

/*
 * Build the device tree of @m and check it (tests/fuzz/fdt_check.c):
 * refused exactly when machine_validate() refuses @m; otherwise a blob
 * that fdt_check_full() accepts, and dtc would too (node names unique
 * under a parent, phandles unique, every `iommus` link resolving), that
 * says what @m says node by node and needs exactly its size in room.
 * Returns fdt_build()'s result: the size, -ENOSPC or -EINVAL.
 */
int fuzz_fdt_check(const struct machine_desc *m);

/* ---- building valid inputs ---- */

#define SEED_DESC	0x0000		/* up to 256 descriptors */
#define SEED_AVAIL	0x1000
#define SEED_USED	0x1800
#define SEED_TABLES	0x2400		/* indirect tables */
#define SEED_DATA	0x3000

/* seed variant bits */
#define SEED_V_EVENT_IDX	0x01
#define SEED_V_IOMMU		0x02
#define SEED_V_INDIRECT		0x04
#define SEED_V_WRAP		0x08	/* indices start just below 65536 */
#define SEED_V_BIG		0x10	/* a 256-entry queue */
#define SEED_V_TOP		0x20	/* buffers and tables just below 2^64 */
#define SEED_V_VIEWS		0x40	/* identity rings through host views */
#define SEED_VARIANTS		0x80

struct seed {
	uint8_t *buf;
	size_t max;
	struct fuzz_ctl *ctl;
	uint8_t *ram;
	bool indirect;
	uint64_t bias;			/* device address = gpa + bias */
	uint16_t size, next_desc, avail_idx;
	uint64_t next_data, next_table, end;
	uint64_t next_top;		/* buffers placed down from RAM's end */
	unsigned int nr;		/* buffers of the chain being built */
	struct { uint64_t addr; uint32_t len; bool writes; } bufs[16];
};

/* Start an input; returns false if @max is too small. */
bool seed_begin(struct seed *s, uint8_t *buf, size_t max,
		unsigned int variant);
/* Add a buffer to the current chain: @data (or zeroes), @len bytes. */
void seed_buf(struct seed *s, const void *data, uint32_t len, bool writes);
/*
 * The same, but ending exactly at the end of RAM (with SEED_V_TOP: at
 * 2^64), a boundary that one mutated length turns into an overrun.
 */
void seed_buf_top(struct seed *s, const void *data, uint32_t len,
		  bool writes);
/* Write the chain's descriptors and offer it in the avail ring. */
void seed_chain(struct seed *s);
/* The input's length. */
size_t seed_end(struct seed *s);
/*
 * For a harness whose seed n is shape n / SEED_VARIANTS in ring variant
 * n % SEED_VARIANTS: the few checked in, every shape and variant bit
 * among them.
 */
bool seed_in_corpus(unsigned int n);

#endif
