// SPDX-License-Identifier: GPL-2.0
/*
 * A machine model's device tree, built and read back the way a harness
 * needs it checked: what fdt_check_full() checks, what it lets through
 * and dtc refuses (two nodes of one name under a parent, a phandle twice,
 * an `iommus` link to nothing), and that the tree says what the model
 * says, node by node.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include "../../fdt/fdt.h"
#include "fuzz.h"

static uint8_t blob[FDT_MAX_SIZE];

static const fdt32_t *prop(int node, const char *name, int cells)
{
	int len;
	const fdt32_t *p = fdt_getprop(blob, node, name, &len);

	if (p)
		fuzz_assert(len == cells * 4);
	return p;
}

static uint64_t cells64(const fdt32_t *p)
{
	return (uint64_t)fdt32_to_cpu(p[0]) << 32 | fdt32_to_cpu(p[1]);
}

/* The node is called @name (a unit address included). */
static void check_name(int node, const char *name)
{
	fuzz_assert(!strcmp(fdt_get_name(blob, node, NULL), name));
}

/*
 * No two children of @parent share a name. /cpus is left to check_cpus(),
 * which sees each name once: hundreds of CPUs compared pairwise would cost
 * more than the rest of a run.
 */
static void check_names_unique(int parent)
{
	int a, b;

	fdt_for_each_subnode(a, blob, parent) {
		const char *name = fdt_get_name(blob, a, NULL);

		fuzz_assert(name);
		fdt_for_each_subnode(b, blob, parent)
			fuzz_assert(b == a ||
				    strcmp(name, fdt_get_name(blob, b, NULL)));
		if (parent || strcmp(name, "cpus"))
			check_names_unique(a);
	}
}

static void check_phandles_unique(void)
{
	uint32_t seen[8], n = 0, i;
	int node;

	for (node = fdt_next_node(blob, -1, NULL); node >= 0;
	     node = fdt_next_node(blob, node, NULL)) {
		uint32_t ph = fdt_get_phandle(blob, node);

		if (!ph)
			continue;
		for (i = 0; i < n; i++)
			fuzz_assert(seen[i] != ph);
		fuzz_assert(n < sizeof(seen) / sizeof(seen[0]));
		seen[n++] = ph;
	}
}

static void check_cpus(const struct machine_desc *m)
{
	int cpus = fdt_path_offset(blob, "/cpus"), node;
	unsigned int n = 0;
	char name[16];

	fuzz_assert(cpus >= 0);
	fdt_for_each_subnode(node, blob, cpus) {
		const fdt32_t *reg = prop(node, "reg", 1);

		/* x86: the APIC ID; arm64: KVM's MPIDR affinity for vCPU n. */
		uint32_t want = m->arch == MACHINE_ARM64 ?
				(n / 16) << 8 | n % 16 : n;

		snprintf(name, sizeof(name), "cpu@%x", n);
		check_name(node, name);
		fuzz_assert(reg && fdt32_to_cpu(*reg) == want);
		n++;
	}
	fuzz_assert(n == m->nr_cpus);
}

/* The APICs, and the UART on the ISA bus where /chosen says it is. */
static void check_platform(const struct machine_desc *m)
{
	int node = fdt_node_offset_by_compatible(blob, -1,
						 "intel,ce4100-lapic");
	int chosen = fdt_path_offset(blob, "/chosen");
	const fdt32_t *reg, *irq;
	const char *out;

	fuzz_assert(node >= 0 && (reg = prop(node, "reg", 4)) &&
		    cells64(reg) == m->lapic_base);
	node = fdt_node_offset_by_phandle(blob, FDT_PHANDLE_IOAPIC);
	fuzz_assert(node >= 0 && (reg = prop(node, "reg", 4)) &&
		    cells64(reg) == m->ioapic.base);
	fuzz_assert(!fdt_node_check_compatible(blob, node,
					       "intel,ce4100-ioapic"));
	fuzz_assert(chosen >= 0);
	out = fdt_getprop(blob, chosen, "stdout-path", NULL);
	fuzz_assert(!out == !m->uart.present);
	if (!out)
		return;
	node = fdt_path_offset(blob, out);
	fuzz_assert(node >= 0 && (reg = prop(node, "reg", 3)) &&
		    fdt32_to_cpu(reg[1]) == m->uart.port);
	fuzz_assert((irq = prop(node, "interrupts", 2)) &&
		    fdt32_to_cpu(irq[0]) == m->uart.irq);
}

/* @dev's node, as described: x86's under /soc, arm64's at the root. */
static void check_device(const struct machine_desc *m,
			 const struct machine_dev *dev, int node, int iommu)
{
	const bool panic = dev->kind == MACHINE_DEV_PVPANIC;
	const bool arm64 = m->arch == MACHINE_ARM64;
	const fdt32_t *reg = prop(node, "reg", 4), *irq, *link;
	char name[64];

	snprintf(name, sizeof(name), "%s@%llx",
		 panic ? "pvpanic" : dev->is_iommu ? "iommu" : "virtio",
		 (unsigned long long)dev->base);
	check_name(node, name);
	fuzz_assert(!fdt_node_check_compatible(blob, node, panic ?
			"qemu,pvpanic-mmio" : "virtio,mmio"));
	fuzz_assert(reg && cells64(reg) == dev->base &&
		    cells64(reg + 2) == dev->size);
	/* x86: <pin level-high>; arm64: <SPI number level-high>. */
	irq = prop(node, "interrupts", arm64 ? 3 : 2);
	fuzz_assert(!irq == (dev->irq < 0));
	if (irq && arm64)
		fuzz_assert(fdt32_to_cpu(irq[0]) == 0 &&
			    fdt32_to_cpu(irq[1]) == (uint32_t)dev->irq &&
			    fdt32_to_cpu(irq[2]) == 4);
	else if (irq)
		fuzz_assert(fdt32_to_cpu(irq[0]) == (uint32_t)dev->irq &&
			    fdt32_to_cpu(irq[1]) == FDT_IRQ_LEVEL_HIGH);
	fuzz_assert(!prop(node, "#iommu-cells", 1) == !dev->is_iommu);
	if (dev->is_iommu)
		fuzz_assert(node == iommu);
	link = prop(node, "iommus", 2);
	fuzz_assert(!link == (dev->iommu_endpoint < 0));
	/* A link leads to the virtio-iommu, with the endpoint's ID. */
	if (link)
		fuzz_assert(iommu >= 0 &&
			    fdt32_to_cpu(link[0]) == FDT_PHANDLE_VIOMMU &&
			    fdt32_to_cpu(link[1]) ==
			    (uint32_t)dev->iommu_endpoint);
}

/*
 * One node for each device of @m, in order: x86's the children of /soc,
 * arm64's the root's children named like a device.
 */
static void check_devices(const struct machine_desc *m)
{
	int parent = m->arch == MACHINE_ARM64 ? 0 :
		     fdt_path_offset(blob, "/soc");
	int node, iommu = fdt_node_offset_by_phandle(blob, FDT_PHANDLE_VIOMMU);
	unsigned int i = 0;

	fuzz_assert(parent >= 0);
	fdt_for_each_subnode(node, blob, parent) {
		const char *name = fdt_get_name(blob, node, NULL);

		if (!parent && strncmp(name, "virtio@", 7) &&
		    strncmp(name, "iommu@", 6) && strncmp(name, "pvpanic@", 8))
			continue;
		fuzz_assert(i < m->nr_devs);
		check_device(m, &m->devs[i++], node, iommu);
	}
	fuzz_assert(i == m->nr_devs);
}

/*
 * arm64: the GICv3 at the root's interrupt parent with its ITS, the
 * UART where /chosen says, the PCI host's msi-map and iommu-map.
 */
static void check_platform_arm64(const struct machine_desc *m)
{
	const struct machine_pci_host *p = &m->pci;
	int gic = fdt_node_offset_by_phandle(blob, FDT_PHANDLE_GIC);
	int chosen = fdt_path_offset(blob, "/chosen"), node;
	const fdt32_t *reg, *map;
	const char *out;
	char name[48];

	fuzz_assert(gic >= 0 && (reg = prop(gic, "reg", 8)) &&
		    cells64(reg) == m->gic.dist_base &&
		    cells64(reg + 4) == m->gic.redist_base &&
		    cells64(reg + 6) == MACHINE_GICR_SIZE * m->nr_cpus);
	fuzz_assert(!fdt_node_check_compatible(blob, gic, "arm,gic-v3"));
	node = fdt_node_offset_by_phandle(blob, FDT_PHANDLE_ITS);
	fuzz_assert((node >= 0) == (m->gic.its_base != 0));
	if (node >= 0)
		fuzz_assert(fdt_parent_offset(blob, node) == gic &&
			    (reg = prop(node, "reg", 4)) &&
			    cells64(reg) == m->gic.its_base);
	fuzz_assert(chosen >= 0);
	out = fdt_getprop(blob, chosen, "stdout-path", NULL);
	fuzz_assert(!out == !m->uart.present);
	if (out) {
		node = fdt_path_offset(blob, out);
		fuzz_assert(node >= 0 && (reg = prop(node, "reg", 4)) &&
			    cells64(reg) == m->uart.mmio_base);
		fuzz_assert((reg = prop(node, "interrupts", 3)) &&
			    fdt32_to_cpu(reg[1]) == m->uart.irq);
	}
	snprintf(name, sizeof(name), "/pcie@%llx",
		 (unsigned long long)p->ecam_base);
	node = fdt_path_offset(blob, name);
	fuzz_assert((node >= 0) == p->present);
	if (node < 0)
		return;
	map = prop(node, "msi-map", 4);
	fuzz_assert(!map == !m->gic.its_base);
	if (map)
		fuzz_assert(fdt32_to_cpu(map[1]) == FDT_PHANDLE_ITS &&
			    fdt32_to_cpu(map[0]) == p->bus_start * 256u &&
			    fdt32_to_cpu(map[2]) == p->bus_start * 256u);
	map = prop(node, "iommu-map", 4);
	fuzz_assert(!map == (p->iommu_endpoint_base < 0));
	if (map)
		fuzz_assert(fdt32_to_cpu(map[1]) == FDT_PHANDLE_VIOMMU &&
			    fdt32_to_cpu(map[2]) == (uint32_t)p->iommu_endpoint_base +
			    p->bus_start * 256u &&
			    fdt32_to_cpu(map[3]) ==
			    ((uint32_t)p->bus_end - p->bus_start + 1) * 256u);
}

/*
 * The blob's size is all the room it needs, no more and no less; with
 * half of it, the build gives up cleanly somewhere in the middle.
 */
static void check_room(const struct machine_desc *m, int size)
{
	uint8_t *exact = malloc(size);

	if (!exact)
		abort();
	fuzz_assert(fdt_build(m, exact, size) == size);
	fuzz_assert(!memcmp(exact, blob, size));
	fuzz_assert(fdt_build(m, exact, size - 1) == -ENOSPC);
	fuzz_assert(fdt_build(m, exact, size / 2) == -ENOSPC);
	free(exact);
}

int fuzz_fdt_check(const struct machine_desc *m)
{
	bool valid = machine_validate(m) == 0;
	int size = fdt_build(m, blob, sizeof(blob));

	if (!valid) {
		fuzz_assert(size == -EINVAL);
		return size;
	}
	fuzz_assert(size > 0 || size == -ENOSPC);
	if (size < 0)
		return size;
	fuzz_assert(fdt_totalsize(blob) == (uint32_t)size);
	fuzz_assert(fdt_check_full(blob, sizeof(blob)) == 0);
	check_names_unique(0);
	check_phandles_unique();
	check_cpus(m);
	if (m->arch == MACHINE_ARM64)
		check_platform_arm64(m);
	else
		check_platform(m);
	check_devices(m);
	check_room(m, size);
	return size;
}
