// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree, written with libfdt's sequential-write API:
 *
 *   /cpus/cpu@N                      reg = APIC ID
 *   /lapic@fee00000                  intel,ce4100-lapic
 *   /interrupt-controller@fec00000   intel,ce4100-ioapic, the only irqchip
 *   /isa@0/serial@i3f8                COM1, so ttyS0 gets an IO-APIC IRQ
 *   /soc/...@d0000000...             virtio-mmio windows and pvpanic
 *
 * Every interrupt goes to the IO-APIC (interrupt-parent at the root).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "../dump.h"
#include "fdt.h"

#define UART_CLOCK	1843200

#define CHECK(expr)				\
	do {					\
		int __e = (expr);		\
		if (__e < 0)			\
			return __e;		\
	} while (0)

/* reg = <addr size> with two cells each, as the root and soc use. */
static int prop_reg64(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

static int prop_cells(void *fdt, const char *name, const uint32_t *v,
		      unsigned int n)
{
	fdt32_t cells[8];
	unsigned int i;

	if (n > 8)
		return -FDT_ERR_BADVALUE;

	for (i = 0; i < n; i++)
		cells[i] = cpu_to_fdt32(v[i]);
	return fdt_property(fdt, name, cells, n * sizeof(cells[0]));
}

static int begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, buf);
}

static int add_cpus(void *fdt, const struct machine_desc *m)
{
	unsigned int i;

	CHECK(fdt_begin_node(fdt, "cpus"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	for (i = 0; i < m->nr_cpus; i++) {
		CHECK(begin_node_at(fdt, "cpu", i));
		CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		CHECK(fdt_property_u32(fdt, "reg", i));	/* APIC ID */
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int add_apics(void *fdt, const struct machine_desc *m)
{
	CHECK(begin_node_at(fdt, "lapic", m->lapic_base));
	CHECK(fdt_property_string(fdt, "compatible", "intel,ce4100-lapic"));
	CHECK(prop_reg64(fdt, m->lapic_base, 0x1000));
	CHECK(fdt_end_node(fdt));

	CHECK(begin_node_at(fdt, "interrupt-controller", m->ioapic.base));
	CHECK(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	CHECK(fdt_property_u32(fdt, "#interrupt-cells", 2));
	CHECK(fdt_property_u32(fdt, "#address-cells", 0));
	CHECK(prop_reg64(fdt, m->ioapic.base, 0x1000));
	CHECK(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_IOAPIC));
	return fdt_end_node(fdt);
}

/*
 * An "isa" bus: I/O-space addresses are <1 port>, translated 1:1 to port
 * numbers. Linux's of_serial then takes over ttyS0 from the legacy 8250
 * driver at the same port, with an IRQ routed through the IO-APIC.
 */
static int add_isa(void *fdt, const struct machine_desc *m, const char *uart)
{
	const uint32_t ranges[5] = { 1, 0, 0, 0, 0x10000 };
	const uint32_t reg[3] = { 1, m->uart.port, 8 };
	const uint32_t irq[2] = { m->uart.irq, FDT_IRQ_LEVEL_HIGH };

	CHECK(fdt_begin_node(fdt, "isa@0"));
	CHECK(fdt_property_string(fdt, "compatible", "isa"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 1));
	CHECK(prop_cells(fdt, "ranges", ranges, 5));

	CHECK(fdt_begin_node(fdt, uart));
	CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
	CHECK(prop_cells(fdt, "reg", reg, 3));
	CHECK(fdt_property_u32(fdt, "clock-frequency", UART_CLOCK));
	CHECK(prop_cells(fdt, "interrupts", irq, 2));
	CHECK(fdt_end_node(fdt));
	return fdt_end_node(fdt);
}

static int add_device(void *fdt, const struct machine_dev *dev)
{
	const char *name = dev->kind == MACHINE_DEV_PVPANIC ? "pvpanic" :
			   dev->is_iommu ? "iommu" : "virtio";

	CHECK(begin_node_at(fdt, name, dev->base));
	if (dev->kind == MACHINE_DEV_PVPANIC)
		CHECK(fdt_property_string(fdt, "compatible",
					  "qemu,pvpanic-mmio"));
	else
		CHECK(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	CHECK(prop_reg64(fdt, dev->base, dev->size));
	if (dev->irq >= 0) {
		const uint32_t irq[2] = { (uint32_t)dev->irq,
					  FDT_IRQ_LEVEL_HIGH };

		CHECK(prop_cells(fdt, "interrupts", irq, 2));
	}
	if (dev->is_iommu) {
		CHECK(fdt_property_u32(fdt, "#iommu-cells", 1));
		CHECK(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_VIOMMU));
	}
	if (dev->iommu_endpoint >= 0) {
		const uint32_t link[2] = { FDT_PHANDLE_VIOMMU,
					   (uint32_t)dev->iommu_endpoint };

		CHECK(prop_cells(fdt, "iommus", link, 2));
	}
	return fdt_end_node(fdt);
}

/* "intel,ce4100-cp" makes x86 Linux probe the children; see DESIGN.md. */
static int add_soc(void *fdt, const struct machine_desc *m)
{
	const char compat[] = "intel,ce4100-cp\0simple-bus";
	unsigned int i;

	CHECK(fdt_begin_node(fdt, "soc"));
	CHECK(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property(fdt, "ranges", NULL, 0));
	for (i = 0; i < m->nr_devs; i++)
		CHECK(add_device(fdt, &m->devs[i]));
	return fdt_end_node(fdt);
}

static int build(const struct machine_desc *m, void *fdt, size_t size)
{
	char uart[32], uart_path[48];

	/* The serial node's unit address is its I/O port, as "i3f8". */
	snprintf(uart, sizeof(uart), "serial@i%x", m->uart.port);
	snprintf(uart_path, sizeof(uart_path), "/isa@0/%s", uart);
	CHECK(fdt_create(fdt, (int)size));
	CHECK(fdt_finish_reservemap(fdt));
	CHECK(fdt_begin_node(fdt, ""));
	CHECK(fdt_property_string(fdt, "compatible", "iovm,x86-64"));
	CHECK(fdt_property_string(fdt, "model", "iovm virtual machine"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property_u32(fdt, "interrupt-parent", FDT_PHANDLE_IOAPIC));

	CHECK(fdt_begin_node(fdt, "chosen"));
	if (m->uart.present)
		CHECK(fdt_property_string(fdt, "stdout-path", uart_path));
	CHECK(fdt_end_node(fdt));

	CHECK(add_cpus(fdt, m));
	CHECK(add_apics(fdt, m));
	if (m->uart.present)
		CHECK(add_isa(fdt, m, uart));
	CHECK(add_soc(fdt, m));
	CHECK(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int fdt_build(const struct machine_desc *m, void *buf, size_t bufsize)
{
	int err;

	if (machine_validate(m) || bufsize > INT32_MAX)
		return -EINVAL;
	err = build(m, buf, bufsize);
	if (err == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	if (err < 0)
		return -EINVAL;
	return (int)fdt_totalsize(buf);
}

int fdt_dump(const void *blob, const char *path)
{
	return dump_file(path, blob, fdt_totalsize(blob));
}
