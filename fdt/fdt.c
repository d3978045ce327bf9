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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libfdt.h>

#include "fdt.h"

#define LAPIC_BASE	0xfee00000ULL
#define IOAPIC_BASE	0xfec00000ULL
#define UART_PORT	0x3f8
#define UART_IRQ	4
#define UART_CLOCK	1843200

#define CHECK(expr)				\
	do {					\
		int __e = (expr);		\
		if (__e < 0)			\
			return __e;		\
	} while (0)

int fdt_desc_add(struct fdt_desc *d, const struct fdt_dev *dev)
{
	if (d->nr_devs == FDT_MAX_DEVICES)
		return -ENOSPC;
	d->devs[d->nr_devs++] = *dev;
	return 0;
}

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

static int add_cpus(void *fdt, const struct fdt_desc *d)
{
	unsigned int i;

	CHECK(fdt_begin_node(fdt, "cpus"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 1));
	CHECK(fdt_property_u32(fdt, "#size-cells", 0));
	for (i = 0; i < d->nr_cpus; i++) {
		CHECK(begin_node_at(fdt, "cpu", i));
		CHECK(fdt_property_string(fdt, "device_type", "cpu"));
		CHECK(fdt_property_u32(fdt, "reg", i));	/* APIC ID */
		CHECK(fdt_end_node(fdt));
	}
	return fdt_end_node(fdt);
}

static int add_apics(void *fdt)
{
	CHECK(begin_node_at(fdt, "lapic", LAPIC_BASE));
	CHECK(fdt_property_string(fdt, "compatible", "intel,ce4100-lapic"));
	CHECK(prop_reg64(fdt, LAPIC_BASE, 0x1000));
	CHECK(fdt_end_node(fdt));

	CHECK(begin_node_at(fdt, "interrupt-controller", IOAPIC_BASE));
	CHECK(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	CHECK(fdt_property(fdt, "interrupt-controller", NULL, 0));
	CHECK(fdt_property_u32(fdt, "#interrupt-cells", 2));
	CHECK(fdt_property_u32(fdt, "#address-cells", 0));
	CHECK(prop_reg64(fdt, IOAPIC_BASE, 0x1000));
	CHECK(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_IOAPIC));
	return fdt_end_node(fdt);
}

/*
 * An "isa" bus: I/O-space addresses are <1 port>, translated 1:1 to port
 * numbers. Linux's of_serial then takes over ttyS0 from the legacy 8250
 * driver at the same port, with an IRQ routed through the IO-APIC.
 */
static int add_isa(void *fdt)
{
	const uint32_t ranges[5] = { 1, 0, 0, 0, 0x10000 };
	const uint32_t reg[3] = { 1, UART_PORT, 8 };
	const uint32_t irq[2] = { UART_IRQ, FDT_IRQ_LEVEL_HIGH };

	CHECK(fdt_begin_node(fdt, "isa@0"));
	CHECK(fdt_property_string(fdt, "compatible", "isa"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 1));
	CHECK(prop_cells(fdt, "ranges", ranges, 5));

	CHECK(fdt_begin_node(fdt, "serial@i3f8"));
	CHECK(fdt_property_string(fdt, "compatible", "ns16550a"));
	CHECK(prop_cells(fdt, "reg", reg, 3));
	CHECK(fdt_property_u32(fdt, "clock-frequency", UART_CLOCK));
	CHECK(prop_cells(fdt, "interrupts", irq, 2));
	CHECK(fdt_end_node(fdt));
	return fdt_end_node(fdt);
}

static int add_device(void *fdt, const struct fdt_dev *dev)
{
	const char *name = dev->kind == FDT_DEV_PVPANIC ? "pvpanic" :
			   dev->is_iommu ? "iommu" : "virtio";

	CHECK(begin_node_at(fdt, name, dev->base));
	if (dev->kind == FDT_DEV_PVPANIC)
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
static int add_soc(void *fdt, const struct fdt_desc *d)
{
	const char compat[] = "intel,ce4100-cp\0simple-bus";
	unsigned int i;

	CHECK(fdt_begin_node(fdt, "soc"));
	CHECK(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property(fdt, "ranges", NULL, 0));
	for (i = 0; i < d->nr_devs; i++)
		CHECK(add_device(fdt, &d->devs[i]));
	return fdt_end_node(fdt);
}

static int build(const struct fdt_desc *d, void *fdt, size_t size)
{
	CHECK(fdt_create(fdt, (int)size));
	CHECK(fdt_finish_reservemap(fdt));
	CHECK(fdt_begin_node(fdt, ""));
	CHECK(fdt_property_string(fdt, "compatible", "iovm,x86-64"));
	CHECK(fdt_property_string(fdt, "model", "iovm virtual machine"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property_u32(fdt, "interrupt-parent", FDT_PHANDLE_IOAPIC));

	CHECK(fdt_begin_node(fdt, "chosen"));
	if (d->uart)
		CHECK(fdt_property_string(fdt, "stdout-path",
					  "/isa@0/serial@i3f8"));
	CHECK(fdt_end_node(fdt));

	CHECK(add_cpus(fdt, d));
	CHECK(add_apics(fdt));
	if (d->uart)
		CHECK(add_isa(fdt));
	CHECK(add_soc(fdt, d));
	CHECK(fdt_end_node(fdt));
	return fdt_finish(fdt);
}

int fdt_build(const struct fdt_desc *d, void *buf, size_t bufsize)
{
	int err;

	if (!d->nr_cpus || bufsize > INT32_MAX)
		return -EINVAL;
	err = build(d, buf, bufsize);
	if (err == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	if (err < 0)
		return -EINVAL;
	return (int)fdt_totalsize(buf);
}

int fdt_dump(const void *blob, const char *path)
{
	size_t len = fdt_totalsize(blob), done = 0;
	char tmp[4096];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	while (done < len) {
		ssize_t n = write(fd, (const char *)blob + done, len - done);

		if (n < 0) {
			err = -errno;
			break;
		}
		done += n;
	}
	if (!err && fchmod(fd, 0644))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
