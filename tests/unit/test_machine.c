// SPDX-License-Identifier: GPL-2.0
/*
 * The machine model's rules, which both encoders rely on: a device is
 * listed once, windows neither wrap nor overlap, pins and endpoint IDs are
 * each used once, endpoints need the virtio-iommu, a PCI host is sane.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/machine.h"

static void make(struct machine_desc *m)
{
	struct machine_dev dev = { .kind = MACHINE_DEV_VIRTIO_MMIO,
				   .size = 0x1000, .iommu_endpoint = -1 };

	machine_init_pc(m, 2);
	dev.base = 0xd0000000;		/* the IOMMU */
	dev.irq = 5;
	dev.is_iommu = true;
	assert_int_equal(machine_add_dev(m, &dev), 0);
	dev.base = 0xd0001000;		/* a disk behind it */
	dev.irq = 6;
	dev.is_iommu = false;
	dev.iommu_endpoint = 1;
	assert_int_equal(machine_add_dev(m, &dev), 0);
	assert_int_equal(machine_validate(m), 0);
}

static void test_add_dev(void **state)
{
	struct machine_desc m;
	struct machine_dev d = { .kind = MACHINE_DEV_PVPANIC, .size = 0x1000,
				 .irq = -1, .iommu_endpoint = -1 };
	unsigned int i;

	make(&m);
	/* Listed twice, or overlapping by a byte at either end. */
	d.base = 0xd0001000;
	assert_int_equal(machine_add_dev(&m, &d), -EEXIST);
	d.base = 0xd0001fff;
	d.size = 1;
	assert_int_equal(machine_add_dev(&m, &d), -EEXIST);
	d.base = 0xcffff000;
	d.size = 0x1001;
	assert_int_equal(machine_add_dev(&m, &d), -EEXIST);
	d.size = 0x1000;
	assert_int_equal(machine_add_dev(&m, &d), 0);
	/* Empty, or wrapping past 2^64. */
	d.base = 0x1000;
	d.size = 0;
	assert_int_equal(machine_add_dev(&m, &d), -EINVAL);
	d.base = UINT64_MAX - 0xfff;
	d.size = 0x1001;
	assert_int_equal(machine_add_dev(&m, &d), -EINVAL);
	d.size = 0x1000;
	assert_int_equal(machine_add_dev(&m, &d), 0);
	/* Full. */
	d.size = 0x1000;
	for (i = m.nr_devs; i < MACHINE_MAX_DEVICES; i++) {
		d.base = 0x100000000ULL + i * 0x1000ULL;
		assert_int_equal(machine_add_dev(&m, &d), 0);
	}
	d.base = 0x200000000ULL;
	assert_int_equal(machine_add_dev(&m, &d), -ENOSPC);
	assert_int_equal(m.nr_devs, MACHINE_MAX_DEVICES);
	assert_int_equal(machine_validate(&m), 0);
}

static void test_iommu(void **state)
{
	struct machine_desc m;

	make(&m);
	assert_ptr_equal(machine_iommu(&m), &m.devs[0]);
	m.devs[0].is_iommu = false;
	assert_null(machine_iommu(&m));
	/* An endpoint with no IOMMU to be behind. */
	assert_int_equal(machine_validate(&m), -EINVAL);
	m.devs[1].iommu_endpoint = -1;
	assert_int_equal(machine_validate(&m), 0);
}

/* Each mutation of a valid machine that the rules refuse. */
static void test_validate_refuses(void **state)
{
	struct machine_desc m;

#define REFUSED(mutation)						\
	do {								\
		make(&m);						\
		mutation;						\
		assert_int_equal(machine_validate(&m), -EINVAL);	\
	} while (0)

	REFUSED(m.nr_cpus = 0);
	REFUSED(m.nr_cpus = MACHINE_MAX_CPUS + 1);
	REFUSED(m.ioapic.nr_pins = 0);
	REFUSED(m.ioapic.nr_pins = MACHINE_MAX_IOAPIC_PINS + 1);
	REFUSED(m.nr_devs = MACHINE_MAX_DEVICES + 1);
	REFUSED(m.uart.irq = 24);
	REFUSED(m.uart.irq = 6);			/* a device's pin */
	REFUSED(m.devs[1].irq = 5);			/* the IOMMU's pin */
	REFUSED(m.devs[1].irq = -2);
	REFUSED(m.devs[1].kind = 7);
	REFUSED(m.devs[1].size = 0);
	REFUSED(m.devs[1].base = 0xd0000800);		/* overlap */
	REFUSED(m.devs[1].is_iommu = true);		/* two IOMMUs */
	REFUSED(m.devs[0].iommu_endpoint = 2);		/* behind itself */
	REFUSED(m.devs[1].iommu_endpoint = -5);
	REFUSED(m.devs[1].kind = MACHINE_DEV_PVPANIC);	/* not virtio */
	REFUSED(m.devs[0].kind = MACHINE_DEV_PVPANIC);
	REFUSED(m.devs[1] = m.devs[0]; m.devs[1].base = 0xd0001000;
		m.devs[1].irq = 6; m.devs[1].is_iommu = false;
		m.devs[0].iommu_endpoint = 1);	/* one ID, two devices */
#undef REFUSED
}

static void add_pci(struct machine_desc *m)
{
	m->pci.present = true;
	m->pci.bus_start = 0;
	m->pci.bus_end = 0;
	m->pci.ecam_base = 0xe0000000;
	m->pci.mmio_base = 0xc0000000;
	m->pci.mmio_size = 0x10000000;
	m->pci.iommu_endpoint_base = 0x100;
	assert_int_equal(machine_validate(m), 0);
}

static void test_pci_host(void **state)
{
	struct machine_desc m;

#define REFUSED(mutation)						\
	do {								\
		make(&m);						\
		add_pci(&m);						\
		mutation;						\
		assert_int_equal(machine_validate(&m), -EINVAL);	\
	} while (0)

	REFUSED(m.pci.bus_start = 1);			/* start > end */
	REFUSED(m.pci.ecam_base = 0xe0080000);		/* not 1 MiB aligned */
	REFUSED(m.pci.ecam_base = 0xfffffffffff00000ULL; m.pci.bus_end = 1);
	REFUSED(m.pci.mmio_size = 0);
	REFUSED(m.pci.mmio_base = 0xfff00000; m.pci.mmio_size = 0x200000);
	REFUSED(m.pci.mmio64_base = UINT64_MAX; m.pci.mmio64_size = 2);
	REFUSED(m.pci.io_base = 0xf000; m.pci.io_size = 0x1001);
	REFUSED(m.pci.ecam_base = 0xd0000000);		/* over the devices */
	REFUSED(m.pci.mmio_base = 0xd0000000);
	REFUSED(m.pci.iommu_endpoint_base = 0);	/* IDs 0-0xff: the disk has 1 */
	REFUSED(m.pci.iommu_endpoint_base = -2);
	REFUSED(m.pci.iommu_endpoint_base = INT32_MAX - 0xfe);
	REFUSED(m.devs[0].is_iommu = false; m.devs[1].iommu_endpoint = -1);
#undef REFUSED
	/* Outside the IOMMU, with no IOMMU at all: fine. */
	make(&m);
	add_pci(&m);
	m.devs[0].is_iommu = false;
	m.devs[1].iommu_endpoint = -1;
	m.pci.iommu_endpoint_base = -1;
	assert_int_equal(machine_validate(&m), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_dev),
		cmocka_unit_test(test_iommu),
		cmocka_unit_test(test_validate_refuses),
		cmocka_unit_test(test_pci_host),
	};

	return cmocka_run_group_tests_name("machine", tests, NULL, NULL);
}
