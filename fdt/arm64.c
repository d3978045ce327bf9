// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 device tree, the only description an arm64 guest gets:
 *
 *   /cpus/cpu@N                 enable-method "psci", reg = MPIDR affinity
 *   /psci                       arm,psci-0.2 through HVC (KVM implements it)
 *   /memory@0, /memory@100000000  RAM below the device hole and above 4 GiB
 *   /intc@...                   arm,gic-v3, the root's interrupt parent
 *     /its@...                  arm,gic-v3-its, the PCI host's msi-parent
 *   /timer                      arm,armv8-timer on its four PPIs
 *   /pmu                        arm,armv8-pmuv3 when the vCPUs have one
 *   /uart@...                   ns16550a at MMIO: ttyS0
 *   /pcie@...                   pci-host-ecam-generic, iommu-map, msi-map
 *   /virtio@..., /iommu@..., /pvpanic@...   as on x86, with GIC interrupts
 *   /chosen                     stdout-path; fdt_set_chosen() adds the rest
 *
 * Interrupt specifiers are the GIC binding's <type number flags>: type 0
 * an SPI, numbered from 0 (INTID 32), type 1 a PPI, numbered from 0
 * (INTID 16).
 */
#include <stdio.h>

#include <libfdt.h>

#include "fdt.h"
#include "write.h"

#define GIC_SPI			0
#define GIC_PPI			1
#define IRQ_LEVEL_HIGH		4	/* include/dt-bindings/interrupt-controller/irq.h */

/* The architected timer's PPIs: secure, non-secure, virtual, hypervisor. */
static const uint32_t timer_ppis[] = { 13, 14, 11, 10 };
#define PMU_PPI			7	/* INTID 23, what KVM is told too */

/* PCI: the ranges entry's space code for 32-bit memory (IEEE 1275). */
#define PCI_SPACE_MEM32		0x02000000

static int add_cpus(void *fdt, const struct machine_desc *m)
{
	unsigned int i;

	CHECK(fdt_begin_node(fdt, "cpus"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	for (i = 0; i < m->nr_cpus; i++) {
		CHECK(fdt_begin_node_at(fdt, "cpu", i));
		CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		CHECK(fdt_property_string(fdt, "compatible", "arm,armv8"));
		CHECK(fdt_property_string(fdt, "enable-method", "psci"));
		/* KVM's MPIDR for vCPU i: Aff0 = i % 16, Aff1 = i / 16. */
		CHECK(fdt_property_u32(fdt, "reg", ((i / 16) << 8) | (i % 16)));
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int add_psci(void *fdt)
{
	const char compat[] = "arm,psci-0.2\0arm,psci";

	CHECK(fdt_begin_node(fdt, "psci"));
	CHECK(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	CHECK(fdt_property_string(fdt, "method", "hvc"));
	return fdt_end_node(fdt);
}

static int add_memory(void *fdt, uint64_t base, uint64_t size)
{
	if (!size)
		return 0;
	CHECK(fdt_begin_node_at(fdt, "memory", base));
	CHECK(fdt_property_string(fdt, "device_type", "memory"));
	CHECK(fdt_prop_reg64(fdt, base, size));
	return fdt_end_node(fdt);
}

static int add_gic(void *fdt, const struct machine_desc *m)
{
	const struct machine_gic *g = &m->gic;
	fdt64_t reg[4] = {
		cpu_to_fdt64(g->dist_base), cpu_to_fdt64(MACHINE_GICD_SIZE),
		cpu_to_fdt64(g->redist_base),
		cpu_to_fdt64(MACHINE_GICR_SIZE * m->nr_cpus),
	};

	CHECK(fdt_begin_node_at(fdt, "intc", g->dist_base));
	CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	CHECK(fdt_property_u32(fdt, "#interrupt-cells", 3));
	CHECK(fdt_property(fdt, "reg", reg, sizeof(reg)));
	CHECK(fdt_property_u32(fdt, "#redistributor-regions", 1));
	CHECK(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_GIC));
	if (g->its_base) {
		CHECK(fdt_property_u32(fdt, "#address-cells", 2));
		CHECK(fdt_property_u32(fdt, "#size-cells", 2));
		CHECK(fdt_property(fdt, "ranges", NULL, 0));
		CHECK(fdt_begin_node_at(fdt, "its", g->its_base));
		CHECK(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
		CHECK(fdt_property(fdt, "msi-controller", NULL, 0));
		CHECK(fdt_property_u32(fdt, "#msi-cells", 1));
		CHECK(fdt_prop_reg64(fdt, g->its_base, MACHINE_ITS_SIZE));
		CHECK(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_ITS));
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int add_timer_pmu(void *fdt, const struct machine_desc *m)
{
	const uint32_t pmu[3] = { GIC_PPI, PMU_PPI, IRQ_LEVEL_HIGH };
	uint32_t irqs[3 * 4];
	unsigned int i;

	for (i = 0; i < 4; i++) {
		irqs[3 * i] = GIC_PPI;
		irqs[3 * i + 1] = timer_ppis[i];
		irqs[3 * i + 2] = IRQ_LEVEL_HIGH;
	}
	CHECK(fdt_begin_node(fdt, "timer"));
	CHECK(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	CHECK(fdt_prop_cells(fdt, "interrupts", irqs, 3 * 4));
	CHECK(fdt_property(fdt, "always-on", NULL, 0));
	CHECK(fdt_end_node(fdt));
	if (!m->pmu)
		return 0;
	CHECK(fdt_begin_node(fdt, "pmu"));
	CHECK(fdt_property_string(fdt, "compatible", "arm,armv8-pmuv3"));
	CHECK(fdt_prop_cells(fdt, "interrupts", pmu, 3));
	return fdt_end_node(fdt);
}

static int add_uart(void *fdt, const struct machine_desc *m)
{
	const uint32_t irq[3] = { GIC_SPI, m->uart.irq, IRQ_LEVEL_HIGH };

	CHECK(fdt_begin_node_at(fdt, "uart", m->uart.mmio_base));
	CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
	CHECK(fdt_prop_reg64(fdt, m->uart.mmio_base, MACHINE_UART_MMIO_SIZE));
	CHECK(fdt_property_u32(fdt, "clock-frequency", FDT_UART_CLOCK));
	CHECK(fdt_prop_cells(fdt, "interrupts", irq, 3));
	return fdt_end_node(fdt);
}

/*
 * The ECAM host bridge. Requester ID R is ITS device ID R (msi-map) and,
 * behind the virtio-iommu, endpoint iommu_endpoint_base + R (iommu-map).
 * Its functions use MSI-X only: no interrupt-map for INTx.
 */
static int add_pci(void *fdt, const struct machine_desc *m)
{
	const struct machine_pci_host *p = &m->pci;
	unsigned int buses = (unsigned int)p->bus_end - p->bus_start + 1;
	uint32_t rids = buses * 256, rid0 = p->bus_start * 256u;
	const uint32_t bus_range[2] = { p->bus_start, p->bus_end };
	const uint32_t ranges[7] = {
		PCI_SPACE_MEM32, (uint32_t)(p->mmio_base >> 32),
		(uint32_t)p->mmio_base, (uint32_t)(p->mmio_base >> 32),
		(uint32_t)p->mmio_base, (uint32_t)(p->mmio_size >> 32),
		(uint32_t)p->mmio_size,
	};

	CHECK(fdt_begin_node_at(fdt, "pcie", p->ecam_base));
	CHECK(fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
	CHECK(fdt_property_string(fdt, "device_type", "pci"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 3));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property_u32(fdt, "linux,pci-domain", p->segment));
	CHECK(fdt_prop_cells(fdt, "bus-range", bus_range, 2));
	CHECK(fdt_prop_reg64(fdt, p->ecam_base, buses * MACHINE_ECAM_BUS_SIZE));
	CHECK(fdt_prop_cells(fdt, "ranges", ranges, 7));
	CHECK(fdt_property(fdt, "dma-coherent", NULL, 0));
	if (m->gic.its_base) {
		const uint32_t msi_map[4] = { rid0, FDT_PHANDLE_ITS, rid0, rids };

		CHECK(fdt_prop_cells(fdt, "msi-map", msi_map, 4));
	}
	if (p->iommu_endpoint_base >= 0) {
		const uint32_t iommu_map[4] = {
			rid0, FDT_PHANDLE_VIOMMU,
			(uint32_t)p->iommu_endpoint_base + rid0, rids,
		};

		CHECK(fdt_prop_cells(fdt, "iommu-map", iommu_map, 4));
	}
	return fdt_end_node(fdt);
}

static int add_devices(void *fdt, const struct machine_desc *m)
{
	unsigned int i;

	for (i = 0; i < m->nr_devs; i++) {
		const struct machine_dev *d = &m->devs[i];
		const uint32_t irq[3] = { GIC_SPI, (uint32_t)d->irq,
					  IRQ_LEVEL_HIGH };

		CHECK(fdt_add_device(fdt, d, irq, 3, true));
	}
	return 0;
}

int fdt_build_arm64(const struct machine_desc *m, void *fdt, size_t size)
{
	char uart_path[40];

	snprintf(uart_path, sizeof(uart_path), "/uart@%llx",
		 (unsigned long long)m->uart.mmio_base);
	CHECK(fdt_begin_root(fdt, size, "linux,dummy-virt", FDT_PHANDLE_GIC,
			     m->uart.present ? uart_path : NULL));

	CHECK(add_cpus(fdt, m));
	CHECK(add_psci(fdt));
	CHECK(add_memory(fdt, 0, m->ram_low));
	CHECK(add_memory(fdt, 1ULL << 32, m->ram_high));
	CHECK(add_gic(fdt, m));
	CHECK(add_timer_pmu(fdt, m));
	if (m->uart.present)
		CHECK(add_uart(fdt, m));
	if (m->pci.present)
		CHECK(add_pci(fdt, m));
	CHECK(add_devices(fdt, m));
	CHECK(fdt_end_node(fdt));
	return fdt_finish(fdt);
}
