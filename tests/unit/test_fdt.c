// SPDX-License-Identifier: GPL-2.0
/*
 * The guest device tree read back with libfdt: the nodes x86 Linux looks
 * for, with the properties and values its DT code and bindings expect.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "../../fdt/fdt.h"

static uint8_t blob[FDT_MAX_SIZE];

static uint32_t prop_u32(const void *fdt, int node, const char *name,
			 int idx)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	assert_non_null(p);
	assert_true((idx + 1) * 4 <= len);
	return fdt32_to_cpu(p[idx]);
}

static void build_desc(struct machine_desc *d, unsigned int cpus)
{
	machine_init_pc(d, cpus);
}

static void test_cpus(void **state)
{
	struct machine_desc d;
	char path[32];
	unsigned int i;
	int node;

	build_desc(&d, 4);
	assert_true(fdt_build(&d, blob, sizeof(blob)) > 0);
	assert_int_equal(fdt_check_full(blob, sizeof(blob)), 0);
	node = fdt_path_offset(blob, "/cpus");
	assert_true(node >= 0);
	assert_int_equal(prop_u32(blob, node, "#address-cells", 0), 1);
	assert_int_equal(prop_u32(blob, node, "#size-cells", 0), 0);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/cpus/cpu@%u", i);
		node = fdt_path_offset(blob, path);
		assert_true(node >= 0);
		assert_string_equal(fdt_getprop(blob, node, "device_type",
						NULL), "cpu");
		assert_int_equal(prop_u32(blob, node, "reg", 0), i);
	}
	assert_true(fdt_path_offset(blob, "/cpus/cpu@4") < 0);
}

static void test_apics(void **state)
{
	struct machine_desc d;
	int node, phandle;

	build_desc(&d, 1);
	assert_true(fdt_build(&d, blob, sizeof(blob)) > 0);

	node = fdt_node_offset_by_compatible(blob, -1, "intel,ce4100-lapic");
	assert_true(node >= 0);
	assert_int_equal(prop_u32(blob, node, "reg", 1), 0xfee00000);

	node = fdt_node_offset_by_compatible(blob, -1, "intel,ce4100-ioapic");
	assert_true(node >= 0);
	assert_non_null(fdt_getprop(blob, node, "interrupt-controller", NULL));
	assert_int_equal(prop_u32(blob, node, "#interrupt-cells", 0), 2);
	assert_int_equal(prop_u32(blob, node, "reg", 1), 0xfec00000);
	phandle = fdt_get_phandle(blob, node);
	assert_int_equal(phandle, FDT_PHANDLE_IOAPIC);
	/* Everything's interrupts go to it. */
	assert_int_equal(prop_u32(blob, 0, "interrupt-parent", 0), phandle);
}

static void test_uart_on_isa(void **state)
{
	struct machine_desc d;
	int isa, uart;

	build_desc(&d, 1);
	assert_true(fdt_build(&d, blob, sizeof(blob)) > 0);
	isa = fdt_node_offset_by_compatible(blob, -1, "isa");
	assert_true(isa >= 0);
	/* Linux's of_bus_isa matches the node *name* "isa". */
	assert_int_equal(strncmp(fdt_get_name(blob, isa, NULL), "isa", 3), 0);
	assert_int_equal(fdt_parent_offset(blob, isa), 0);
	uart = fdt_node_offset_by_compatible(blob, -1, "ns16550a");
	assert_true(uart >= 0);
	assert_int_equal(fdt_parent_offset(blob, uart), isa);
	assert_int_equal(prop_u32(blob, uart, "reg", 0), 1);	/* I/O space */
	assert_int_equal(prop_u32(blob, uart, "reg", 1), 0x3f8);
	assert_int_equal(prop_u32(blob, uart, "interrupts", 0), 4);
	assert_int_equal(prop_u32(blob, uart, "interrupts", 1),
			 FDT_IRQ_LEVEL_HIGH);

	d.uart.present = false;
	assert_true(fdt_build(&d, blob, sizeof(blob)) > 0);
	assert_true(fdt_node_offset_by_compatible(blob, -1, "ns16550a") < 0);
}

static void test_bus_and_devices(void **state)
{
	struct machine_desc d;
	struct machine_dev viommu = { .kind = MACHINE_DEV_VIRTIO_MMIO,
		.base = 0xd0001000, .size = 0x1000, .irq = 5,
		.is_iommu = true, .iommu_endpoint = -1 };
	struct machine_dev blk = { .kind = MACHINE_DEV_VIRTIO_MMIO,
		.base = 0xd0002000, .size = 0x1000, .irq = 6,
		.iommu_endpoint = 7 };
	struct machine_dev panic = { .kind = MACHINE_DEV_PVPANIC, .base = 0xd0000000,
		.size = 0x1000, .irq = -1, .iommu_endpoint = -1 };
	int soc, node, len;

	build_desc(&d, 2);
	assert_int_equal(machine_add_dev(&d, &panic), 0);
	assert_int_equal(machine_add_dev(&d, &viommu), 0);
	assert_int_equal(machine_add_dev(&d, &blk), 0);
	assert_true(fdt_build(&d, blob, sizeof(blob)) > 0);

	soc = fdt_path_offset(blob, "/soc");
	assert_true(soc >= 0);
	assert_int_equal(fdt_stringlist_search(blob, soc, "compatible",
					       "intel,ce4100-cp"), 0);
	assert_non_null(fdt_getprop(blob, soc, "ranges", &len));
	assert_int_equal(len, 0);

	node = fdt_path_offset(blob, "/soc/pvpanic@d0000000");
	assert_true(node >= 0);
	assert_null(fdt_getprop(blob, node, "interrupts", NULL));

	node = fdt_path_offset(blob, "/soc/iommu@d0001000");
	assert_true(node >= 0);
	assert_string_equal(fdt_getprop(blob, node, "compatible", NULL),
			    "virtio,mmio");
	assert_int_equal(prop_u32(blob, node, "#iommu-cells", 0), 1);
	assert_int_equal(fdt_get_phandle(blob, node), FDT_PHANDLE_VIOMMU);

	node = fdt_path_offset(blob, "/soc/virtio@d0002000");
	assert_true(node >= 0);
	assert_int_equal(prop_u32(blob, node, "reg", 1), 0xd0002000);
	assert_int_equal(prop_u32(blob, node, "reg", 3), 0x1000);
	assert_int_equal(prop_u32(blob, node, "interrupts", 0), 6);
	assert_int_equal(prop_u32(blob, node, "iommus", 0), FDT_PHANDLE_VIOMMU);
	assert_int_equal(prop_u32(blob, node, "iommus", 1), 7);
}

static void test_limits(void **state)
{
	struct machine_desc d;
	struct machine_dev dev = { .kind = MACHINE_DEV_VIRTIO_MMIO,
				   .size = 0x1000, .iommu_endpoint = -1 };
	unsigned int i;

	/* Every device with a pin of its own: more than iovm ever has. */
	build_desc(&d, 255);
	d.ioapic.nr_pins = MACHINE_MAX_IOAPIC_PINS;
	for (i = 0; i < MACHINE_MAX_DEVICES; i++) {
		dev.base = 0xd0000000 + i * 0x1000;
		dev.irq = 5 + (int)i;
		assert_int_equal(machine_add_dev(&d, &dev), 0);
	}
	dev.base += 0x1000;
	assert_int_equal(machine_add_dev(&d, &dev), -ENOSPC);
	/* The largest tree fits the buffer the VM uses. */
	assert_true(fdt_build(&d, blob, sizeof(blob)) > 0);
	assert_int_equal(fdt_check_full(blob, sizeof(blob)), 0);
	/* ...but not a tiny one, and no CPUs is no machine. */
	assert_int_equal(fdt_build(&d, blob, 256), -ENOSPC);
	d.nr_cpus = 0;
	assert_int_equal(fdt_build(&d, blob, sizeof(blob)), -EINVAL);
	/* Neither is one machine_validate() refuses: a pin used twice. */
	d.nr_cpus = 1;
	d.devs[1].irq = d.devs[0].irq;
	assert_int_equal(fdt_build(&d, blob, sizeof(blob)), -EINVAL);
}

static void test_dump(void **state)
{
	char dir[] = "/tmp/iovm-fdt-XXXXXX", path[64], bad[96];
	struct machine_desc d;
	uint8_t back[FDT_MAX_SIZE];
	FILE *f;
	size_t n;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.dtb", dir);
	build_desc(&d, 2);
	assert_true(fdt_build(&d, blob, sizeof(blob)) > 0);
	assert_int_equal(fdt_dump(blob, path), 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(back, 1, sizeof(back), f);
	fclose(f);
	assert_int_equal(n, fdt_totalsize(blob));
	assert_memory_equal(back, blob, n);
	unlink(path);
	/* A directory that does not exist: an error, and nothing left. */
	snprintf(bad, sizeof(bad), "%s/missing/t.dtb", dir);
	assert_int_equal(fdt_dump(blob, bad), -ENOENT);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_apics),
		cmocka_unit_test(test_uart_on_isa),
		cmocka_unit_test(test_bus_and_devices),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_dump),
	};

	return cmocka_run_group_tests_name("fdt", tests, NULL, NULL);
}
