// SPDX-License-Identifier: GPL-2.0
/*
 * The device tree, written with libfdt's sequential-write API: what both
 * architectures' trees share (property and node helpers, the virtio-mmio
 * and pvpanic nodes), the choice between them, and the dump to a file.
 * The trees themselves are in fdt/x86.c and fdt/arm64.c.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "../dump.h"
#include "fdt.h"
#include "write.h"

/* reg = <addr size> with two cells each, as the root and soc use. */
int fdt_prop_reg64(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t reg[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", reg, sizeof(reg));
}

int fdt_prop_cells(void *fdt, const char *name, const uint32_t *v,
		   unsigned int n)
{
	fdt32_t cells[FDT_MAX_CELLS];
	unsigned int i;

	if (n > FDT_MAX_CELLS)
		return -FDT_ERR_BADVALUE;

	for (i = 0; i < n; i++)
		cells[i] = cpu_to_fdt32(v[i]);
	return fdt_property(fdt, name, cells, n * sizeof(cells[0]));
}

int fdt_begin_node_at(void *fdt, const char *name, uint64_t addr)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, buf);
}

int fdt_begin_root(void *fdt, size_t size, const char *compatible,
		   uint32_t irq_parent, const char *stdout_path)
{
	CHECK(fdt_create(fdt, (int)size));
	CHECK(fdt_finish_reservemap(fdt));
	CHECK(fdt_begin_node(fdt, ""));
	CHECK(fdt_property_string(fdt, "compatible", compatible));
	CHECK(fdt_property_string(fdt, "model", "iovm virtual machine"));
	CHECK(fdt_property_u32(fdt, "#address-cells", 2));
	CHECK(fdt_property_u32(fdt, "#size-cells", 2));
	CHECK(fdt_property_u32(fdt, "interrupt-parent", irq_parent));

	CHECK(fdt_begin_node(fdt, "chosen"));
	if (stdout_path)
		CHECK(fdt_property_string(fdt, "stdout-path", stdout_path));
	return fdt_end_node(fdt);
}

int fdt_add_device(void *fdt, const struct machine_dev *dev,
		   const uint32_t *irq, unsigned int nr_irq_cells,
		   bool dma_coherent)
{
	const char *name = dev->kind == MACHINE_DEV_PVPANIC ? "pvpanic" :
			   dev->is_iommu ? "iommu" : "virtio";

	CHECK(fdt_begin_node_at(fdt, name, dev->base));
	if (dev->kind == MACHINE_DEV_PVPANIC)
		CHECK(fdt_property_string(fdt, "compatible",
					  "qemu,pvpanic-mmio"));
	else
		CHECK(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	CHECK(fdt_prop_reg64(fdt, dev->base, dev->size));
	if (dma_coherent && dev->kind == MACHINE_DEV_VIRTIO_MMIO)
		CHECK(fdt_property(fdt, "dma-coherent", NULL, 0));
	if (dev->irq >= 0)
		CHECK(fdt_prop_cells(fdt, "interrupts", irq, nr_irq_cells));
	if (dev->is_iommu) {
		CHECK(fdt_property_u32(fdt, "#iommu-cells", 1));
		CHECK(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_VIOMMU));
	}
	if (dev->iommu_endpoint >= 0) {
		const uint32_t link[2] = { FDT_PHANDLE_VIOMMU,
					   (uint32_t)dev->iommu_endpoint };

		CHECK(fdt_prop_cells(fdt, "iommus", link, 2));
	}
	return fdt_end_node(fdt);
}

int fdt_build(const struct machine_desc *m, void *buf, size_t bufsize)
{
	int err;

	if (machine_validate(m) || bufsize > INT32_MAX)
		return -EINVAL;
	if (m->arch == MACHINE_ARM64)
		err = fdt_build_arm64(m, buf, bufsize);
	else
		err = fdt_build_x86(m, buf, bufsize);
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
