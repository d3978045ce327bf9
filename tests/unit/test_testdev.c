// SPDX-License-Identifier: GPL-2.0
/*
 * The test device's IOMMU ports, as a guest test program uses them:
 * select an endpoint, then read its report word by word; arm the gate.
 * The IOMMU behind them is a fake that reports what each test sets.
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
	struct vm_iommu_report report;
	uint32_t gate;
};

static int fake_report(void *iommu, uint32_t id, struct vm_iommu_report *r)
{
	struct fake_iommu *f = iommu;

	if (id != f->endpoint)
		return -ENOENT;
	*r = f->report;
	return 0;
}

static void fake_gate(void *iommu, uint32_t id)
{
	struct fake_iommu *f = iommu;

	f->gate = id;
}

static void out32(struct vm *vm, uint16_t port, uint32_t v)
{
	assert_true(io_bus_access(&vm->pio, port, (uint8_t *)&v, 4, true));
}

static uint32_t in32(struct vm *vm, uint16_t port)
{
	uint32_t v = 0;

	assert_true(io_bus_access(&vm->pio, port, (uint8_t *)&v, 4, false));
	return v;
}

static void test_report_snapshot(void **state)
{
	struct fake_iommu f = {
		.endpoint = 2,
		.report = {
			.faults = 0x100000003ULL, .holds = 8,
			.holds_waited = 5, .nr = 2,
			.recent = { { 0x41000000, 2, 2 },
				    { 0x123456789000ULL, 1, 1 } },
		},
	};
	struct vm vm = { .iommu = &f, .iommu_report = fake_report };
	const uint32_t want[] = {
		3, 1,			/* faults, low and high */
		8, 5,			/* holds now, holds waited for */
		2,			/* faults that follow */
		0x41000000, 0, 2, 2,
		0x56789000, 0x1234, 1, 1,
	};
	unsigned int i;

	assert_int_equal(testdev_init(&vm, &vm.pio, PORT_TESTDEV), 0);
	out32(&vm, PORT_TEST_REPORT, 2);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(in32(&vm, PORT_TEST_REPORT), want[i]);
	/* Past the snapshot, and the snapshot does not follow the IOMMU. */
	f.report.faults = 9;
	assert_int_equal(in32(&vm, PORT_TEST_REPORT), 0xffffffff);
	out32(&vm, PORT_TEST_REPORT, 2);
	assert_int_equal(in32(&vm, PORT_TEST_REPORT), 9);
	testdev_exit(&vm);
}

static void test_no_such_endpoint(void **state)
{
	struct fake_iommu f = { .endpoint = 2 };
	struct vm with = { .iommu = &f, .iommu_report = fake_report };
	struct vm without = { 0 };
	uint8_t b = 0;

	assert_int_equal(testdev_init(&with, &with.pio, PORT_TESTDEV), 0);
	out32(&with, PORT_TEST_REPORT, 7);
	assert_int_equal(in32(&with, PORT_TEST_REPORT), 0xffffffff);
	/* Only aligned 32-bit accesses: others read as nothing there. */
	assert_true(io_bus_access(&with.pio, PORT_TEST_REPORT, &b, 1, false));
	assert_int_equal(b, 0xff);
	assert_int_equal(in32(&with, PORT_TEST_REPORT + 2), 0xffffffff);
	testdev_exit(&with);

	assert_int_equal(testdev_init(&without, &without.pio, PORT_TESTDEV), 0);
	out32(&without, PORT_TEST_REPORT, 1);
	assert_int_equal(in32(&without, PORT_TEST_REPORT), 0xffffffff);
	out32(&without, PORT_TEST_GATE, 1);	/* no IOMMU: nothing to arm */
	testdev_exit(&without);
}

static void test_gate(void **state)
{
	struct fake_iommu f = { .endpoint = 2 };
	struct vm vm = { .iommu = &f, .iommu_report = fake_report,
			 .iommu_gate = fake_gate };

	assert_int_equal(testdev_init(&vm, &vm.pio, PORT_TESTDEV), 0);
	out32(&vm, PORT_TEST_GATE, 2);
	assert_int_equal(f.gate, 2);
	assert_int_equal(in32(&vm, PORT_TEST_GATE), 0xffffffff);
	testdev_exit(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_snapshot),
		cmocka_unit_test(test_no_such_endpoint),
		cmocka_unit_test(test_gate),
	};

	return cmocka_run_group_tests_name("testdev", tests, NULL, NULL);
}
