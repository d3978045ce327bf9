// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM's host mapping: aligned to 2 MiB, so that KVM can map the
 * guest's 2 MiB pages with large nested page table entries, below the
 * MMIO hole and above it; no more mapped than the guest's RAM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../kvm/kvm.h"

static bool mapped(const void *addr)
{
	unsigned char vec;

	return mincore((void *)addr, 1, &vec) == 0;
}

/*
 * One page mapped just before: Linux places a new mapping below the last
 * one, so without alignment of its own guest RAM would now start at a
 * 4 KiB boundary that is not a 2 MiB one.
 */
static void *decoy(void)
{
	void *p = mmap(NULL, SZ_4K, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void check_aligned(uint64_t size)
{
	uint64_t len = (size + SZ_4K - 1) & ~(SZ_4K - 1);
	struct guest_mem mem;
	void *d = decoy();
	uint8_t *host;

	assert_int_equal(guest_mem_init(&mem, size), 0);
	host = mem.host;
	assert_int_equal((uintptr_t)host % SZ_2M, 0);
	assert_int_equal(mem.size, size);
	host[0] = 1;
	host[size - 1] = 1;
	/* The slack taken for alignment was given back. */
	assert_false(mapped(host + len));
	guest_mem_free(&mem);
	assert_false(mapped(host));
	assert_null(mem.host);
	munmap(d, SZ_4K);
}

static void test_aligned(void **state)
{
	check_aligned(64 * SZ_1M);
	check_aligned(512 * SZ_1M);
	/* Not a whole number of huge pages, nor of pages. */
	check_aligned(3 * SZ_1M + 100);
}

static void test_high_congruent(void **state)
{
	uint64_t size = 5 * SZ_1G + SZ_1M;
	struct guest_mem mem;
	void *d = decoy();
	uint8_t *low, *high;

	/*
	 * MAP_NORESERVE: 5 GiB of address space, two pages touched. Not a
	 * whole number of huge pages: Linux 6.7 and later align anonymous
	 * mappings of such a length to 2 MiB by themselves.
	 */
	assert_int_equal(guest_mem_init(&mem, size), 0);
	low = guest_mem_ptr(&mem, 0, 1);
	high = guest_mem_ptr(&mem, SZ_4G, 1);
	assert_ptr_equal(low, mem.host);
	assert_non_null(high);
	assert_int_equal((uintptr_t)low % SZ_2M, 0);
	/* GPA 4 GiB is a 2 MiB boundary, so its host address must be one. */
	assert_int_equal((uintptr_t)high % SZ_2M, 0);
	*low = 1;
	*high = 1;
	assert_false(mapped(mem.host + size));
	guest_mem_free(&mem);
	munmap(d, SZ_4K);
}

static void test_bad_size(void **state)
{
	struct guest_mem mem = { 0 };

	assert_int_equal(guest_mem_init(&mem, 0), -EINVAL);
	assert_int_equal(guest_mem_init(&mem, UINT64_MAX), -EINVAL);
	assert_int_equal(guest_mem_init(&mem, UINT64_MAX - SZ_2M), -EINVAL);
	assert_null(mem.host);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aligned),
		cmocka_unit_test(test_high_congruent),
		cmocka_unit_test(test_bad_size),
	};

	return cmocka_run_group_tests_name("memory", tests, NULL, NULL);
}
