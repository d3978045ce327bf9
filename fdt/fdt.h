/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdt/: the guest's device tree. x86 Linux reads CPUs, the local APIC and
 * the IO-APIC from it, and creates platform devices for the children of
 * bus nodes compatible with "intel,ce4100-cp" or "isa" (see DESIGN.md).
 * The tree is built from a plain description so that tests need no VM.
 */
#ifndef IOVM_FDT_H
#define IOVM_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FDT_MAX_DEVICES		64
#define FDT_MAX_SIZE		0x10000

/* Fixed phandles: the tree is small and built in one pass. */
#define FDT_PHANDLE_IOAPIC	1
#define FDT_PHANDLE_VIOMMU	2

/* Interrupt specifier types of the x86 IO-APIC binding. */
#define FDT_IRQ_EDGE_FALLING	0
#define FDT_IRQ_LEVEL_HIGH	1
#define FDT_IRQ_LEVEL_LOW	2
#define FDT_IRQ_EDGE_RISING	3

enum fdt_dev_kind {
	FDT_DEV_VIRTIO_MMIO,	/* a virtio-mmio transport window */
	FDT_DEV_PVPANIC,	/* qemu,pvpanic-mmio */
};

struct fdt_dev {
	enum fdt_dev_kind kind;
	uint64_t base, size;
	int irq;		/* IO-APIC pin, or -1 */
	bool is_iommu;		/* this virtio-mmio node is the virtio-iommu */
	int iommu_endpoint;	/* endpoint ID behind the viommu, or -1 */
};

struct fdt_desc {
	unsigned int nr_cpus;
	bool uart;		/* the COM1 8250 on the isa node */
	struct fdt_dev devs[FDT_MAX_DEVICES];
	unsigned int nr_devs;
};

int fdt_desc_add(struct fdt_desc *d, const struct fdt_dev *dev);
/* Build the blob into @buf; returns its size or a negative errno. */
int fdt_build(const struct fdt_desc *d, void *buf, size_t bufsize);
/* Write @blob to @path atomically (temp file + rename). */
int fdt_dump(const void *blob, const char *path);

#endif
