// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 device tree read back with libfdt: what an unmodified arm64
 * kernel needs (CPUs with PSCI, GICv3 and ITS, timer, memory, UART), the
 * PCI host's msi-map and iommu-map, the virtio-mmio devices' GIC
 * interrupts and iommus links, /chosen as fdt_set_chosen() fills it; and
 * models the encoder must refuse.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "../../fdt/fdt.h"

static uint8_t blob[FDT_MAX_SIZE];

static uint32_t cell(int node, const char *name, int idx)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, node, name, &len);

	assert_non_null(p);
	assert_true((idx + 1) * 4 <= len);
	return fdt32_to_cpu(p[idx]);
}

static int node_at(const char *path)
{
	int node = fdt_path_offset(blob, path);

	assert_true(node >= 0);
	return node;
}

/* What kvm/arm64/ makes, at made-up addresses: nothing here needs KVM. */
static void model(struct machine_desc *m, unsigned int cpus, bool iommu)
{
	struct machine_dev viommu = {
		.kind = MACHINE_DEV_VIRTIO_MMIO, .base = 0xd0001000,
		.size = 0x1000, .irq = 1, .is_iommu = true, .iommu_endpoint = -1,
	};
	struct machine_dev disk = {
		.kind = MACHINE_DEV_VIRTIO_MMIO, .base = 0xd0002000,
		.size = 0x1000, .irq = 2, .iommu_endpoint = iommu ? 2 : -1,
	};

	memset(m, 0, sizeof(*m));
	m->arch = MACHINE_ARM64;
	m->nr_cpus = cpus;
	m->ram_low = 0x20000000;
	m->gic.dist_base = 0xf0000000;
	m->gic.redist_base = 0xf0100000;
	m->gic.its_base = 0xf0020000;
	m->gic.nr_spis = 96;
	m->uart.present = true;
	m->uart.mmio_base = 0xe8000000;
	m->uart.irq = 0;
	m->pci.present = true;
	m->pci.ecam_base = 0xe0000000;
	m->pci.mmio_base = 0xc0000000;
	m->pci.mmio_size = 0x10000000;
	m->pci.iommu_endpoint_base = iommu ? 0x10000 : -1;
	if (iommu)
		assert_int_equal(machine_add_dev(m, &viommu), 0);
	assert_int_equal(machine_add_dev(m, &disk), 0);
}

static void test_cpus_psci_gic(void **state)
{
	struct machine_desc m;
	int node, len;
	const char *s;

	model(&m, 18, false);
	assert_true(fdt_build(&m, blob, sizeof(blob)) > 0);
	assert_int_equal(fdt_check_full(blob, sizeof(blob)), 0);
	/* vCPU 17's MPIDR: Aff1 1, Aff0 1, as KVM numbers them. */
	node = node_at("/cpus/cpu@11");
	assert_int_equal(cell(node, "reg", 0), 0x101);
	assert_string_equal(fdt_getprop(blob, node, "enable-method", NULL),
			    "psci");
	node = node_at("/psci");
	assert_string_equal(fdt_getprop(blob, node, "method", NULL), "hvc");
	s = fdt_getprop(blob, node, "compatible", &len);
	assert_string_equal(s, "arm,psci-0.2");
	node = node_at("/intc@f0000000");
	assert_int_equal(fdt_node_check_compatible(blob, node, "arm,gic-v3"), 0);
	assert_int_equal(cell(node, "#interrupt-cells", 0), 3);
	/* The redistributors: 128 KiB for each of the 18 vCPUs. */
	assert_int_equal(cell(node, "reg", 7), 18 * 0x20000);
	assert_int_equal(cell(node_at("/"), "interrupt-parent", 0),
			 cell(node, "phandle", 0));
	node = node_at("/intc@f0000000/its@f0020000");
	assert_non_null(fdt_getprop(blob, node, "msi-controller", NULL));
	node = node_at("/timer");
	assert_int_equal(cell(node, "interrupts", 1), 13);	/* PPI 13 */
	assert_int_equal(fdt_path_offset(blob, "/pmu"), -FDT_ERR_NOTFOUND);
	node = node_at("/memory@0");
	assert_int_equal(cell(node, "reg", 3), 0x20000000);
	assert_int_equal(fdt_path_offset(blob, "/memory@100000000"),
			 -FDT_ERR_NOTFOUND);
	node = node_at("/uart@e8000000");
	assert_int_equal(cell(node, "interrupts", 0), 0);	/* an SPI */
	assert_string_equal(fdt_getprop(blob, node_at("/chosen"),
					"stdout-path", NULL), "/uart@e8000000");
}

static void test_pci_maps(void **state)
{
	struct machine_desc m;
	int node, viommu, its;

	model(&m, 2, true);
	m.pmu = true;
	assert_true(fdt_build(&m, blob, sizeof(blob)) > 0);
	assert_int_equal(fdt_check_full(blob, sizeof(blob)), 0);
	node_at("/pmu");
	viommu = cell(node_at("/iommu@d0001000"), "phandle", 0);
	its = cell(node_at("/intc@f0000000/its@f0020000"), "phandle", 0);
	node = node_at("/pcie@e0000000");
	assert_string_equal(fdt_getprop(blob, node, "device_type", NULL), "pci");
	/* Requester IDs 0-255: ITS device IDs 0-255, endpoints 0x10000 on. */
	assert_int_equal(cell(node, "msi-map", 1), its);
	assert_int_equal(cell(node, "msi-map", 2), 0);
	assert_int_equal(cell(node, "msi-map", 3), 256);
	assert_int_equal(cell(node, "iommu-map", 1), viommu);
	assert_int_equal(cell(node, "iommu-map", 2), 0x10000);
	assert_int_equal(cell(node, "iommu-map", 3), 256);
	node = node_at("/virtio@d0002000");
	assert_int_equal(cell(node, "iommus", 0), viommu);
	assert_int_equal(cell(node, "iommus", 1), 2);
	assert_int_equal(cell(node, "interrupts", 1), 2);
	assert_int_equal(cell(node, "interrupts", 2), 4);	/* level high */
	assert_non_null(fdt_getprop(blob, node, "dma-coherent", NULL));

	/* No IOMMU: no iommu-map, no link; the ITS still takes MSIs. */
	model(&m, 2, false);
	assert_true(fdt_build(&m, blob, sizeof(blob)) > 0);
	node = node_at("/pcie@e0000000");
	assert_null(fdt_getprop(blob, node, "iommu-map", NULL));
	assert_non_null(fdt_getprop(blob, node, "msi-map", NULL));
	assert_null(fdt_getprop(blob, node_at("/virtio@d0002000"), "iommus",
				NULL));
}

static void test_chosen(void **state)
{
	struct machine_desc m;
	struct fdt_chosen c = {
		.bootargs = "console=ttyS0", .initrd_start = 0x1000000,
		.initrd_end = 0x1200000, .rng_seed = "0123456789abcdef",
		.rng_seed_size = 16,
	};
	const fdt64_t *p;
	int node, size, len;

	model(&m, 1, false);
	assert_true(fdt_build(&m, blob, sizeof(blob)) > 0);
	size = fdt_set_chosen(blob, sizeof(blob), &c);
	assert_true(size > 0 && size == (int)fdt_totalsize(blob));
	assert_int_equal(fdt_check_full(blob, size), 0);
	node = node_at("/chosen");
	assert_string_equal(fdt_getprop(blob, node, "bootargs", NULL),
			    "console=ttyS0");
	p = fdt_getprop(blob, node, "linux,initrd-end", &len);
	assert_int_equal(len, 8);
	assert_int_equal(fdt64_to_cpu(*p), 0x1200000);
	assert_non_null(fdt_getprop(blob, node, "rng-seed", &len));
	assert_int_equal(len, 16);
	/* Not a tree, or no room: said, nothing written past the buffer. */
	memset(blob, 0, 64);
	assert_int_equal(fdt_set_chosen(blob, sizeof(blob), &c), -EINVAL);
	assert_true(fdt_build(&m, blob, sizeof(blob)) > 0);
	assert_int_equal(fdt_set_chosen(blob, fdt_totalsize(blob) + 8, &c),
			 -ENOSPC);
}

/* Models the tree cannot describe are refused, not half-encoded. */
static void test_bad_models(void **state)
{
	struct machine_desc m;

	model(&m, 2, true);
	m.gic.nr_spis = 0;
	assert_int_equal(fdt_build(&m, blob, sizeof(blob)), -EINVAL);
	model(&m, 2, true);
	m.devs[1].irq = 96;		/* past the last SPI */
	assert_int_equal(fdt_build(&m, blob, sizeof(blob)), -EINVAL);
	model(&m, 2, true);
	m.gic.redist_base = UINT64_MAX - 0x10000;	/* wraps */
	assert_int_equal(fdt_build(&m, blob, sizeof(blob)), -EINVAL);
	/* arm64's fixed windows must clear the devices and each other. */
	model(&m, 2, true);
	m.uart.mmio_base = 0xd0002000;		/* the disk's window */
	assert_int_equal(fdt_build(&m, blob, sizeof(blob)), -EINVAL);
	model(&m, 2, true);
	m.gic.its_base = 0xf0008000;		/* over the distributor's */
	assert_int_equal(fdt_build(&m, blob, sizeof(blob)), -EINVAL);
	model(&m, 2, true);
	m.gic.redist_base = 0xe0080000;		/* over the ECAM */
	assert_int_equal(fdt_build(&m, blob, sizeof(blob)), -EINVAL);
	model(&m, 2, true);
	assert_int_equal(fdt_build(&m, blob, 256), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpus_psci_gic),
		cmocka_unit_test(test_pci_maps),
		cmocka_unit_test(test_chosen),
		cmocka_unit_test(test_bad_models),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
