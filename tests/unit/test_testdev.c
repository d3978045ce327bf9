// SPDX-License-Identifier: GPL-2.0
/*
 * The test device's IOMMU fault port, as a guest test program uses it:
 * select an endpoint, then read the snapshot word by word. The IOMMU
 * behind it is a fake that reports what each test sets.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/kvm.h"

struct fake_iommu {
	uint32_t endpoint;		/* the only one that exists */
	uint64_t total;
	struct vm_fault_record recent[VM_FAULTS_SHOWN];
	unsigned int nr;
};

static int fake_faults(void *iommu, uint32_t id, uint64_t *total,
		       struct vm_fault_record *recent, unsigned int *nr)
{
	struct fake_iommu *f = iommu;

	if (id != f->endpoint)
		return -ENOENT;
	assert_int_equal(*nr, VM_FAULTS_SHOWN);
	*total = f->total;
	*nr = f->nr;
	memcpy(recent, f->recent, f->nr * sizeof(*recent));
	return 0;
}

static void out32(struct vm *vm, uint32_t v)
{
	assert_true(io_bus_access(&vm->pio, PORT_TEST_FAULTS, (uint8_t *)&v,
				  4, true));
}

static uint32_t in32(struct vm *vm)
{
	uint32_t v = 0;

	assert_true(io_bus_access(&vm->pio, PORT_TEST_FAULTS, (uint8_t *)&v,
				  4, false));
	return v;
}

static void test_fault_snapshot(void **state)
{
	struct fake_iommu f = {
		.endpoint = 2, .total = 0x100000003ULL, .nr = 2,
		.recent = { { 0x41000000, 2, 2 }, { 0x123456789000ULL, 1, 1 } },
	};
	struct vm vm = { .iommu = &f, .iommu_faults = fake_faults };

	assert_int_equal(testdev_init(&vm), 0);
	out32(&vm, 2);
	assert_int_equal(in32(&vm), 3);		/* total, low */
	assert_int_equal(in32(&vm), 1);		/* total, high */
	assert_int_equal(in32(&vm), 2);		/* faults that follow */
	assert_int_equal(in32(&vm), 0x41000000);
	assert_int_equal(in32(&vm), 0);
	assert_int_equal(in32(&vm), 2);		/* flags */
	assert_int_equal(in32(&vm), 2);		/* reason */
	assert_int_equal(in32(&vm), 0x56789000);
	assert_int_equal(in32(&vm), 0x1234);
	assert_int_equal(in32(&vm), 1);
	assert_int_equal(in32(&vm), 1);
	/* Past the snapshot, and the snapshot does not follow the IOMMU. */
	f.total = 9;
	assert_int_equal(in32(&vm), 0xffffffff);
	out32(&vm, 2);
	assert_int_equal(in32(&vm), 9);
	testdev_exit(&vm);
}

static void test_no_such_endpoint(void **state)
{
	struct fake_iommu f = { .endpoint = 2 };
	struct vm with = { .iommu = &f, .iommu_faults = fake_faults };
	struct vm without = { 0 };
	uint8_t b = 0;

	assert_int_equal(testdev_init(&with), 0);
	out32(&with, 7);
	assert_int_equal(in32(&with), 0xffffffff);
	assert_int_equal(in32(&with), 0xffffffff);
	assert_int_equal(in32(&with), 0xffffffff);
	/* Only 32-bit accesses: a byte reads as nothing there. */
	assert_true(io_bus_access(&with.pio, PORT_TEST_FAULTS, &b, 1, false));
	assert_int_equal(b, 0xff);
	testdev_exit(&with);

	assert_int_equal(testdev_init(&without), 0);
	out32(&without, 1);
	assert_int_equal(in32(&without), 0xffffffff);
	testdev_exit(&without);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_snapshot),
		cmocka_unit_test(test_no_such_endpoint),
	};

	return cmocka_run_group_tests_name("testdev", tests, NULL, NULL);
}
