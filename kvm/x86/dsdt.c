// SPDX-License-Identifier: GPL-2.0
/*
 * The DSDT: the devices a guest cannot find by probing. In ASL:
 *
 *   Name (_S5, Package () { 5, 0 })     the power-off sleep type (FADT)
 *   Scope (\_SB) {
 *     Device (COM1) {                    the 16550; Linux's 8250_pnp
 *       Name (_HID, EisaId ("PNP0501"))
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () {
 *         IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
 *         Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 4 }
 *       })
 *     }
 *     Device (PVnn) {                    pvpanic; Linux's pvpanic-mmio
 *       Name (_HID, "QEMU0001")
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () {
 *         Memory32Fixed (ReadWrite, base, 0x00001000)
 *       })
 *     }
 *     Device (VRnn) {                    each virtio-mmio window, the
 *       Name (_HID, "LNRO0005")          virtio-iommu's too; Linux's
 *       Name (_UID, n)                   virtio_mmio
 *       Name (_CCA, One)
 *       Name (_CRS, ResourceTemplate () {
 *         Memory32Fixed (ReadWrite, base, 0x00001000)
 *         Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { gsi }
 *       })
 *     }
 *     Device (PCI0) {                    the PCI host bridge, if any;
 *       Name (_HID, EisaId ("PNP0A08"))  Linux's pci_root (ECAM from the
 *       Name (_CID, EisaId ("PNP0A03"))  MCFG)
 *       Name (_SEG, segment)
 *       Name (_BBN, first bus)
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () {
 *         WordBusNumber (ResourceProducer, ..., first bus, last bus, ...)
 *         IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)   its config ports
 *         WordIO (...)                 an I/O window, if it has one
 *         DWordMemory (...)            the BAR window
 *         QWordMemory (...)            a 64-bit window, if it has one
 *       })
 *     }
 *     Device (MRES) {                    what the PCI Firmware spec (4.1.2)
 *       Name (_HID, EisaId ("PNP0C02"))  asks of ECAM: reserved as a
 *       Name (_UID, Zero)                motherboard resource
 *       Name (_CRS, ResourceTemplate () {
 *         Memory32Fixed (ReadOnly, ECAM base, 1 MiB a bus)
 *       })
 *     }
 *   }
 *
 * nn is the device's index in the model, in hex; _UID counts the devices
 * of one _HID. Interrupts are IO-APIC pins, level-triggered and active
 * high, as the devices drive them and as the device tree says too.
 * _CCA: the devices' DMA is cache-coherent (x86 assumes so anyway).
 *
 * The host bridge has no _PRT: its functions have no INTx pin (interrupt
 * pin 0) and interrupt by MSI-X only, and Linux asks for a routing entry
 * only for a function with a pin (acpi_pci_irq_enable()). No _OSC
 * either: Linux then keeps the PCIe native services off, which a bus of
 * conventional functions has no use for.
 */
#include <errno.h>
#include <stdio.h>

#include "../pci.h"
#include "acpi.h"

#define IRQ_LEVEL_HIGH		0	/* AML_IRQ_* flags: level, high, exclusive */

static void add_uart(const struct machine_desc *m, struct aml *a)
{
	size_t dev, crs;

	dev = aml_device(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_io(a, m->uart.port, m->uart.port, 0, 8);
	aml_interrupt(a, m->uart.irq, IRQ_LEVEL_HIGH);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);
}

static int add_device(const struct machine_dev *d, unsigned int index,
		      unsigned int uid, struct aml *a)
{
	bool virtio = d->kind == MACHINE_DEV_VIRTIO_MMIO;
	char name[5];
	size_t dev, crs;

	/* Memory32Fixed holds a 32-bit base and length. */
	if (d->base > UINT32_MAX || d->size - 1 > UINT32_MAX - d->base)
		return -ERANGE;
	snprintf(name, sizeof(name), "%s%02X", virtio ? "VR" : "PV",
		 index & 0xff);	/* < MACHINE_MAX_DEVICES */
	dev = aml_device(a, name);
	aml_name(a, "_HID");
	aml_string(a, virtio ? "LNRO0005" : "QEMU0001");
	aml_name(a, "_UID");
	aml_integer(a, uid);
	if (virtio) {
		aml_name(a, "_CCA");
		aml_integer(a, 1);
	}
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_memory32_fixed(a, (uint32_t)d->base, (uint32_t)d->size, true);
	if (d->irq >= 0)
		aml_interrupt(a, (uint32_t)d->irq, IRQ_LEVEL_HIGH);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);
	return 0;
}

static void add_pci_root(const struct machine_pci_host *p, struct aml *a)
{
	size_t dev, crs;

	dev = aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_SEG");
	aml_integer(a, p->segment);
	aml_name(a, "_BBN");
	aml_integer(a, p->bus_start);
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_word_bus_number(a, p->bus_start, p->bus_end);
	aml_io(a, PCI_CF8_PORT, PCI_CF8_PORT, 1, PCI_CF8_PORTS);
	if (p->io_size)
		aml_word_io(a, (uint16_t)p->io_base,
			    (uint16_t)(p->io_base + p->io_size - 1));
	aml_dword_memory(a, (uint32_t)p->mmio_base,
			 (uint32_t)(p->mmio_base + p->mmio_size - 1));
	if (p->mmio64_size)
		aml_qword_memory(a, p->mmio64_base,
				 p->mmio64_base + p->mmio64_size - 1);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);
}

/* The model (machine_validate()) keeps the windows below 4 GiB where 32
 * bits must hold them, except the ECAM, which Memory32Fixed needs there. */
static int add_pci_host(const struct machine_pci_host *p, struct aml *a)
{
	uint64_t ecam_size = MACHINE_ECAM_BUS_SIZE *
			     ((unsigned int)p->bus_end - p->bus_start + 1);
	size_t dev, crs;

	if (p->ecam_base > UINT32_MAX || ecam_size - 1 > UINT32_MAX - p->ecam_base)
		return -ERANGE;
	add_pci_root(p, a);
	dev = aml_device(a, "MRES");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0C02");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_memory32_fixed(a, (uint32_t)p->ecam_base, (uint32_t)ecam_size, false);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);
	return 0;
}

int acpi_dsdt_aml(const struct machine_desc *m, struct aml *a)
{
	unsigned int i, uid[2] = { 0, 0 };
	size_t sb, pkg;
	int err;

	if (m->power.present) {
		aml_name(a, "_S5");
		pkg = aml_package(a, 2);
		aml_integer(a, MACHINE_SLEEP_TYPE_S5);
		aml_integer(a, 0);
		aml_block_end(a, pkg);
	}
	/* \_SB: a bare segment at the root means the same; iasl writes it so. */
	sb = aml_scope(a, "_SB");
	if (m->uart.present)
		add_uart(m, a);
	for (i = 0; i < m->nr_devs; i++) {
		const struct machine_dev *d = &m->devs[i];
		unsigned int *n = &uid[d->kind == MACHINE_DEV_VIRTIO_MMIO];

		err = add_device(d, i, (*n)++, a);
		if (err)
			return err;
	}
	if (m->pci.present) {
		err = add_pci_host(&m->pci, a);
		if (err)
			return err;
	}
	aml_block_end(a, sb);
	return a->err;
}
