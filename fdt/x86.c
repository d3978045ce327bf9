// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 device tree:
 *
 *   /cpus/cpu@N                      reg = APIC ID
 *   /lapic@fee00000                  intel,ce4100-lapic
 *   /interrupt-controller@fec00000   intel,ce4100-ioapic, the only irqchip
 *   /isa@0/serial@i3f8                COM1, so ttyS0 gets an IO-APIC IRQ
 *   /soc/...@d0000000...             virtio-mmio windows and pvpanic
 *
 * Every interrupt goes to the IO-APIC (interrupt-parent at the root).
 */
#include <stdio.h>

#include <libfdt.h>

#include "fdt.h"
#include "write.h"

static int add_cpus(void *fdt, const struct machine_desc *m)
{
	unsigned int i;

	CHECK(fdt_begin_node(fdt, "cpus"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	for (i = 0; i < m->nr_cpus; i++) {
		CHECK(fdt_begin_node_at(fdt, "cpu", i));
		CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		CHECK(fdt_property_u32(fdt, "reg", i));	/* APIC ID */
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int add_apics(void *fdt, const struct machine_desc *m)
{
	CHECK(fdt_begin_node_at(fdt, "lapic", m->lapic_base));
	CHECK(fdt_property_string(fdt, "compatible", "intel,ce4100-lapic"));
	CHECK(fdt_prop_reg64(fdt, m->lapic_base, 0x1000));
	CHECK(fdt_end_node(fdt));

	CHECK(fdt_begin_node_at(fdt, "interrupt-controller", m->ioapic.base));
	CHECK(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	CHECK(fdt_property_u32(fdt, "#interrupt-cells", 2));
	CHECK(fdt_property_u32(fdt, "#address-cells", 0));
	CHECK(fdt_prop_reg64(fdt, m->ioapic.base, 0x1000));
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
	CHECK(fdt_prop_cells(fdt, "ranges", ranges, 5));

	CHECK(fdt_begin_node(fdt, uart));
	CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
	CHECK(fdt_prop_cells(fdt, "reg", reg, 3));
	CHECK(fdt_property_u32(fdt, "clock-frequency", FDT_UART_CLOCK));
	CHECK(fdt_prop_cells(fdt, "interrupts", irq, 2));
	CHECK(fdt_end_node(fdt));
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
	for (i = 0; i < m->nr_devs; i++) {
		const struct machine_dev *d = &m->devs[i];
		const uint32_t irq[2] = { (uint32_t)d->irq, FDT_IRQ_LEVEL_HIGH };

		CHECK(fdt_add_device(fdt, d, irq, 2, false));
	}
	return fdt_end_node(fdt);
}

int fdt_build_x86(const struct machine_desc *m, void *fdt, size_t size)
{
	char uart[32], uart_path[48];

	/* The serial node's unit address is its I/O port, as "i3f8". */
	snprintf(uart, sizeof(uart), "serial@i%x", m->uart.port);
	snprintf(uart_path, sizeof(uart_path), "/isa@0/%s", uart);
	CHECK(fdt_begin_root(fdt, size, "iovm,x86-64", FDT_PHANDLE_IOAPIC,
			     m->uart.present ? uart_path : NULL));

	CHECK(add_cpus(fdt, m));
	CHECK(add_apics(fdt, m));
	if (m->uart.present)
		CHECK(add_isa(fdt, m, uart));
	CHECK(add_soc(fdt, m));
	CHECK(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

