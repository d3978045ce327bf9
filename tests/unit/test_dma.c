// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA accessor: identity mapping against the guest's RAM layout (low
 * RAM, the MMIO hole, RAM above 4 GiB), ranges that wrap 2^64, the iovec
 * limit, merging of host-contiguous pieces, and a translator (the IOMMU's
 * place) that splits, refuses or misbehaves.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../virtio/dma.h"

#define RAM_SIZE	(1ULL << 20)
#define PAGE		4096ULL
#define NR_PAGES	32		/* device pages the test IOMMU knows */
#define TOP		(~0ULL)

#define PERM_R		1
#define PERM_W		2

struct fixture {
	uint8_t *ram;			/* exactly RAM_SIZE: ASan sees overruns */
	struct guest_mem mem;
	struct dma_space dma;
	/* The test IOMMU: device page p maps to gpa[p] with perm[p]. */
	uint64_t gpa[NR_PAGES];
	uint8_t perm[NR_PAGES];
	unsigned int calls;
	/* Misbehaviours, to see the accessor does not trust its translator. */
	bool zero_contig, long_contig;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	uint64_t i;

	f->ram = malloc(RAM_SIZE);
	for (i = 0; i < RAM_SIZE; i++)
		f->ram[i] = (uint8_t)(i * 7 + (i >> 12));
	guest_mem_wrap(&f->mem, f->ram, RAM_SIZE);
	dma_space_identity(&f->dma, &f->mem);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

static int page_translate(void *opaque, uint64_t addr, uint64_t len,
			  enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	struct fixture *f = opaque;
	uint64_t p = addr / PAGE, room = PAGE - addr % PAGE;

	f->calls++;
	if (p >= NR_PAGES || !f->perm[p])
		return -EFAULT;
	if ((dir == DMA_FROM_GUEST && !(f->perm[p] & PERM_R)) ||
	    (dir == DMA_TO_GUEST && !(f->perm[p] & PERM_W)))
		return -EACCES;
	*gpa = f->gpa[p] + addr % PAGE;
	*contig = len < room ? len : room;
	if (f->zero_contig)
		*contig = 0;
	if (f->long_contig)
		*contig = len + 1;
	return 0;
}

/* Device pages [0, n) map to the guest pages listed, read-write. */
static void map_pages(struct fixture *f, const uint64_t *gpa_pages,
		      unsigned int n)
{
	unsigned int i;

	f->dma.translate = page_translate;
	f->dma.opaque = f;
	for (i = 0; i < n; i++) {
		f->gpa[i] = gpa_pages[i] * PAGE;
		f->perm[i] = PERM_R | PERM_W;
	}
}

static void test_identity_space(void **state)
{
	struct fixture *f = *state;

	assert_ptr_equal(f->dma.mem, &f->mem);
	assert_null(f->dma.translate);
	assert_null(f->dma.hold);
	assert_null(f->dma.release);
	assert_null(f->dma.opaque);
}

static void test_identity_low_ram(void **state)
{
	struct fixture *f = *state;
	struct iovec iov[2];

	assert_int_equal(dma_map(&f->dma, 0x1234, 100, DMA_FROM_GUEST, iov, 2),
			 1);
	assert_ptr_equal(iov[0].iov_base, f->ram + 0x1234);
	assert_int_equal(iov[0].iov_len, 100);
	assert_int_equal(dma_map(&f->dma, 0, RAM_SIZE, DMA_TO_GUEST, iov, 1),
			 1);
	assert_ptr_equal(iov[0].iov_base, f->ram);
	assert_int_equal(iov[0].iov_len, RAM_SIZE);
	assert_int_equal(dma_map(&f->dma, RAM_SIZE - 1, 1, DMA_TO_GUEST, iov,
				 1), 1);
	assert_ptr_equal(iov[0].iov_base, f->ram + RAM_SIZE - 1);
}

static void test_identity_end_of_ram(void **state)
{
	struct fixture *f = *state;
	struct iovec iov[4];

	assert_int_equal(dma_map(&f->dma, RAM_SIZE - 10, 11, DMA_FROM_GUEST,
				 iov, 4), -EFAULT);
	assert_int_equal(dma_map(&f->dma, RAM_SIZE, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, 0, RAM_SIZE + 1, DMA_FROM_GUEST, iov,
				 4), -EFAULT);
	assert_int_equal(dma_map(&f->dma, 1ULL << 40, 1, DMA_FROM_GUEST, iov,
				 4), -EFAULT);
	/* Above 4 GiB there is no RAM in a 1 MiB guest either. */
	assert_int_equal(dma_map(&f->dma, SZ_4G, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
}

/*
 * A 5 GiB guest: 3 GiB below the hole, 2 GiB from 4 GiB. Only the layout
 * matters, so the "RAM" is a fake pointer that is never dereferenced.
 */
static void test_identity_mmio_hole(void **state)
{
	uint8_t *host = (uint8_t *)0x100000000000ULL;
	uint64_t high = 5 * SZ_1G - MMIO_HOLE_START;
	struct guest_mem mem;
	struct dma_space dma;
	struct iovec iov[4];

	guest_mem_wrap(&mem, host, 5 * SZ_1G);
	dma_space_identity(&dma, &mem);

	assert_int_equal(dma_map(&dma, MMIO_HOLE_START - 16, 16, DMA_TO_GUEST,
				 iov, 4), 1);
	assert_ptr_equal(iov[0].iov_base, host + MMIO_HOLE_START - 16);
	/* Into the hole, in it, or across it: never RAM. */
	assert_int_equal(dma_map(&dma, MMIO_HOLE_START - 16, 17, DMA_TO_GUEST,
				 iov, 4), -EFAULT);
	assert_int_equal(dma_map(&dma, MMIO_HOLE_START, 1, DMA_TO_GUEST, iov,
				 4), -EFAULT);
	assert_int_equal(dma_map(&dma, IOAPIC_GPA, 4, DMA_TO_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&dma, SZ_4G - 1, 2, DMA_TO_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&dma, MMIO_HOLE_START - 1, SZ_4G, DMA_TO_GUEST,
				 iov, 4), -EFAULT);
	/* High RAM sits right after low RAM in the host mapping. */
	assert_int_equal(dma_map(&dma, SZ_4G, PAGE, DMA_FROM_GUEST, iov, 4), 1);
	assert_ptr_equal(iov[0].iov_base, host + MMIO_HOLE_START);
	assert_int_equal(dma_map(&dma, SZ_4G + high - 1, 1, DMA_FROM_GUEST,
				 iov, 4), 1);
	assert_ptr_equal(iov[0].iov_base, host + 5 * SZ_1G - 1);
	assert_int_equal(dma_map(&dma, SZ_4G + high - 1, 2, DMA_FROM_GUEST,
				 iov, 4), -EFAULT);
	assert_int_equal(dma_map(&dma, SZ_4G + high, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&dma, SZ_4G, high, DMA_FROM_GUEST, iov, 4), 1);
	assert_int_equal(iov[0].iov_len, high);
}

/*
 * Through a translator, device-contiguous pages that land on both sides
 * of the hole are host-contiguous: one iovec. Physical discontiguity is
 * no reason to split what the host sees as one buffer.
 */
static void test_translated_across_hole(void **state)
{
	uint8_t *host = (uint8_t *)0x100000000000ULL;
	struct fixture *f = *state;
	struct guest_mem mem;
	struct iovec iov[4];
	static const uint64_t pages[] = {
		MMIO_HOLE_START / PAGE - 1, SZ_4G / PAGE,
	};

	guest_mem_wrap(&mem, host, 5 * SZ_1G);
	map_pages(f, pages, 2);
	f->dma.mem = &mem;
	assert_int_equal(dma_map(&f->dma, 0, 2 * PAGE, DMA_FROM_GUEST, iov, 4),
			 1);
	assert_ptr_equal(iov[0].iov_base, host + MMIO_HOLE_START - PAGE);
	assert_int_equal(iov[0].iov_len, 2 * PAGE);
}

static void test_wraps_address_space(void **state)
{
	static const uint64_t pages[] = { 0 };
	struct fixture *f = *state;
	struct iovec iov[4];

	assert_int_equal(dma_map(&f->dma, TOP, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, TOP, 2, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, TOP - 15, 32, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, 2, TOP, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	/* Exactly up to the top is no wrap, just not RAM. */
	assert_int_equal(dma_map(&f->dma, 1, TOP, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, 0, TOP, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);

	/* A wrapping range never even reaches the translator. */
	map_pages(f, pages, 1);
	f->calls = 0;
	assert_int_equal(dma_map(&f->dma, TOP - 15, 32, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, 16, TOP, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(f->calls, 0);
}

static void test_zero_length(void **state)
{
	static const uint64_t pages[] = { 0 };
	struct fixture *f = *state;
	struct iovec iov[1];
	uint8_t b = 0x5a;

	/* No byte to access, so nothing to fault on, wherever it is. */
	assert_int_equal(dma_map(&f->dma, 0, 0, DMA_FROM_GUEST, iov, 1), 0);
	assert_int_equal(dma_map(&f->dma, TOP, 0, DMA_FROM_GUEST, iov, 1), 0);
	assert_int_equal(dma_map(&f->dma, RAM_SIZE, 0, DMA_TO_GUEST, iov, 0),
			 0);
	assert_int_equal(dma_read(&f->dma, TOP, &b, 0), 0);
	assert_int_equal(dma_write(&f->dma, TOP, &b, 0), 0);
	assert_int_equal(b, 0x5a);
	map_pages(f, pages, 1);
	f->calls = 0;
	assert_int_equal(dma_map(&f->dma, 1ULL << 50, 0, DMA_TO_GUEST, iov, 1),
			 0);
	assert_int_equal(f->calls, 0);
}

/* Pages scattered over RAM: one iovec each, up to the caller's limit. */
static void test_iovec_limit(void **state)
{
	static const uint64_t pages[] = { 9, 3, 7, 1, 5 };
	struct fixture *f = *state;
	struct iovec iov[5];
	int i;

	map_pages(f, pages, 5);
	assert_int_equal(dma_map(&f->dma, 0, 5 * PAGE, DMA_FROM_GUEST, iov, 5),
			 5);
	for (i = 0; i < 5; i++) {
		assert_ptr_equal(iov[i].iov_base, f->ram + pages[i] * PAGE);
		assert_int_equal(iov[i].iov_len, PAGE);
	}
	assert_int_equal(dma_map(&f->dma, 0, 5 * PAGE, DMA_FROM_GUEST, iov, 4),
			 -E2BIG);
	assert_int_equal(dma_map(&f->dma, 0, 1, DMA_FROM_GUEST, iov, 0),
			 -E2BIG);
	/* Mid-page start and end: partial first and last pieces. */
	assert_int_equal(dma_map(&f->dma, PAGE - 10, PAGE + 20, DMA_TO_GUEST,
				 iov, 3), 3);
	assert_ptr_equal(iov[0].iov_base, f->ram + 10 * PAGE - 10);
	assert_int_equal(iov[0].iov_len, 10);
	assert_ptr_equal(iov[1].iov_base, f->ram + 3 * PAGE);
	assert_int_equal(iov[1].iov_len, PAGE);
	assert_ptr_equal(iov[2].iov_base, f->ram + 7 * PAGE);
	assert_int_equal(iov[2].iov_len, 10);
	assert_int_equal(dma_map(&f->dma, PAGE - 10, PAGE + 20, DMA_TO_GUEST,
				 iov, 2), -E2BIG);
}

static void test_merges_host_contiguous(void **state)
{
	static const uint64_t pages[] = { 4, 5, 6, 2, 3, 8 };
	struct fixture *f = *state;
	struct iovec iov[1];
	struct iovec three[3];

	map_pages(f, pages, 6);
	assert_int_equal(dma_map(&f->dma, 0, 3 * PAGE, DMA_FROM_GUEST, iov, 1),
			 1);
	assert_ptr_equal(iov[0].iov_base, f->ram + 4 * PAGE);
	assert_int_equal(iov[0].iov_len, 3 * PAGE);
	/* 4 5 6 | 2 3 | 8: three runs. */
	assert_int_equal(dma_map(&f->dma, 100, 6 * PAGE - 200, DMA_FROM_GUEST,
				 three, 3), 3);
	assert_ptr_equal(three[0].iov_base, f->ram + 4 * PAGE + 100);
	assert_int_equal(three[0].iov_len, 3 * PAGE - 100);
	assert_ptr_equal(three[1].iov_base, f->ram + 2 * PAGE);
	assert_int_equal(three[1].iov_len, 2 * PAGE);
	assert_int_equal(three[2].iov_len, PAGE - 100);
	/* Merging happens before the limit is checked. */
	assert_int_equal(dma_map(&f->dma, 0, 3 * PAGE, DMA_FROM_GUEST, iov, 1),
			 1);
}

static void test_translate_fault(void **state)
{
	static const uint64_t pages[] = { 1, 2, 3, 4 };
	struct fixture *f = *state;
	struct iovec iov[8];
	uint8_t buf[4 * PAGE], before[4 * PAGE];

	map_pages(f, pages, 4);
	f->perm[3] = 0;		/* the last page is not mapped */
	assert_int_equal(dma_map(&f->dma, 0, 4 * PAGE, DMA_FROM_GUEST, iov, 8),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, 3 * PAGE - 1, 2, DMA_FROM_GUEST, iov,
				 8), -EFAULT);
	/* Device page past the table: faults too. */
	assert_int_equal(dma_map(&f->dma, NR_PAGES * PAGE, 1, DMA_FROM_GUEST,
				 iov, 8), -EFAULT);

	/* A failed copy moves no byte, in either direction. */
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(dma_read(&f->dma, 0, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(buf[0], 0xee);
	memcpy(before, f->ram + PAGE, sizeof(before));
	assert_int_equal(dma_write(&f->dma, 0, buf, sizeof(buf)), -EFAULT);
	assert_memory_equal(f->ram + PAGE, before, sizeof(before));
}

static void test_translate_permission(void **state)
{
	static const uint64_t pages[] = { 1, 2 };
	struct fixture *f = *state;
	uint8_t buf[16] = { 1, 2, 3, 4, 5, 6, 7, 8 }, before[2 * PAGE];

	/* Device page 0 -> guest page 1 read-write, 1 -> 2 read-only. */
	map_pages(f, pages, 2);
	f->perm[1] = PERM_R;
	memcpy(before, f->ram + PAGE, sizeof(before));
	assert_int_equal(dma_read(&f->dma, PAGE - 8, buf, 16), 0);
	assert_memory_equal(buf, f->ram + 2 * PAGE - 8, 16);
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(dma_write(&f->dma, PAGE - 8, buf, 16), -EFAULT);
	assert_memory_equal(f->ram + PAGE, before, sizeof(before));
	assert_int_equal(dma_write(&f->dma, PAGE - 8, buf, 8), 0);
	f->perm[0] = PERM_W;
	assert_int_equal(dma_read(&f->dma, 0, buf, 1), -EFAULT);
	/* Only the permitted 8 bytes changed. */
	assert_memory_equal(f->ram + PAGE, before, PAGE - 8);
	assert_memory_equal(f->ram + 2 * PAGE - 8, buf, 8);
	assert_memory_equal(f->ram + 2 * PAGE, before + PAGE, PAGE);
}

/* Whatever the translator says is checked: it is code we may get wrong. */
static void test_translator_misbehaves(void **state)
{
	static const uint64_t pages[] = { 1, RAM_SIZE / PAGE - 1, RAM_SIZE / PAGE,
					  1ULL << 40 };
	struct fixture *f = *state;
	struct iovec iov[4];

	map_pages(f, pages, 4);
	f->zero_contig = true;	/* would loop forever if trusted */
	assert_int_equal(dma_map(&f->dma, 0, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	f->zero_contig = false;
	f->long_contig = true;
	assert_int_equal(dma_map(&f->dma, 0, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	f->long_contig = false;
	/* A translation to guest-physical addresses that are not RAM. */
	assert_int_equal(dma_map(&f->dma, PAGE, PAGE, DMA_FROM_GUEST, iov, 4),
			 1);
	assert_int_equal(dma_map(&f->dma, PAGE, PAGE + 1, DMA_FROM_GUEST, iov,
				 4), -EFAULT);
	assert_int_equal(dma_map(&f->dma, 2 * PAGE, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
	assert_int_equal(dma_map(&f->dma, 3 * PAGE, 1, DMA_FROM_GUEST, iov, 4),
			 -EFAULT);
}

static void test_read_write_round_trip(void **state)
{
	struct fixture *f = *state;
	uint8_t out[1000], in[1000];
	unsigned int i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i ^ 0x5c);
	assert_int_equal(dma_write(&f->dma, 0x3000 - 500, out, sizeof(out)), 0);
	assert_memory_equal(f->ram + 0x3000 - 500, out, sizeof(out));
	memset(in, 0, sizeof(in));
	assert_int_equal(dma_read(&f->dma, 0x3000 - 500, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(in));
	/* The last bytes of RAM, and one too many. */
	assert_int_equal(dma_write(&f->dma, RAM_SIZE - 4, out, 4), 0);
	assert_int_equal(dma_read(&f->dma, RAM_SIZE - 4, in, 4), 0);
	assert_memory_equal(in, out, 4);
	assert_int_equal(dma_read(&f->dma, RAM_SIZE - 4, in, 5), -EFAULT);
	assert_int_equal(dma_write(&f->dma, RAM_SIZE - 4, out, 5), -EFAULT);
}

static void test_round_trip_scattered(void **state)
{
	static const uint64_t pages[] = { 12, 6, 30, 1 };
	struct fixture *f = *state;
	static uint8_t out[3 * PAGE], in[3 * PAGE];
	unsigned int i;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 13 + 1);
	map_pages(f, pages, 4);
	assert_int_equal(dma_write(&f->dma, PAGE / 2, out, sizeof(out)), 0);
	assert_memory_equal(f->ram + 12 * PAGE + PAGE / 2, out, PAGE / 2);
	assert_memory_equal(f->ram + 6 * PAGE, out + PAGE / 2, PAGE);
	assert_memory_equal(f->ram + 30 * PAGE, out + 3 * PAGE / 2, PAGE);
	assert_memory_equal(f->ram + 1 * PAGE, out + 5 * PAGE / 2, PAGE / 2);
	assert_int_equal(dma_read(&f->dma, PAGE / 2, in, sizeof(in)), 0);
	assert_memory_equal(in, out, sizeof(in));
}

/*
 * dma_read and dma_write map into a fixed array of 16 iovecs: a copy
 * spread over more host pieces than that fails rather than truncating.
 * (Fine for ring elements and request headers, which are small.)
 */
static void test_copy_piece_limit(void **state)
{
	struct fixture *f = *state;
	uint64_t pages[NR_PAGES];
	static uint8_t buf[17 * PAGE];
	unsigned int i;

	for (i = 0; i < NR_PAGES; i++)
		pages[i] = 2 * i;	/* never host-contiguous */
	map_pages(f, pages, NR_PAGES);
	assert_int_equal(dma_read(&f->dma, 0, buf, 16 * PAGE), 0);
	assert_int_equal(dma_read(&f->dma, 0, buf, 16 * PAGE + 1), -EFAULT);
	assert_int_equal(dma_write(&f->dma, 0, buf, 17 * PAGE), -EFAULT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_identity_space),
		T(test_identity_low_ram),
		T(test_identity_end_of_ram),
		cmocka_unit_test(test_identity_mmio_hole),
		T(test_translated_across_hole),
		T(test_wraps_address_space),
		T(test_zero_length),
		T(test_iovec_limit),
		T(test_merges_host_contiguous),
		T(test_translate_fault),
		T(test_translate_permission),
		T(test_translator_misbehaves),
		T(test_read_write_round_trip),
		T(test_round_trip_scattered),
		T(test_copy_piece_limit),
	};

	return cmocka_run_group_tests_name("dma", tests, NULL, NULL);
}
