/* SPDX-License-Identifier: GPL-2.0 */
/* What fdt/x86.c and fdt/arm64.c share to write their trees. */
#ifndef IOVM_FDT_WRITE_H
#define IOVM_FDT_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "../kvm/machine.h"

/* Return a libfdt error (negative) from the calling function. */
#define CHECK(expr)				\
	do {					\
		int __e = (expr);		\
		if (__e < 0)			\
			return __e;		\
	} while (0)

/* 16550 input clock: the PC's, which both trees' UARTs claim. */
#define FDT_UART_CLOCK		1843200

/* reg = <addr size> with two cells each, as the root and soc use. */
int fdt_prop_reg64(void *fdt, uint64_t base, uint64_t size);
/* A property of @n (at most FDT_MAX_CELLS) 32-bit cells. */
#define FDT_MAX_CELLS		16
int fdt_prop_cells(void *fdt, const char *name, const uint32_t *v,
		   unsigned int n);
/* Open node "NAME@ADDR" (hex). */
int fdt_begin_node_at(void *fdt, const char *name, uint64_t addr);
/*
 * Start a tree in @fdt (@size bytes): the root node, left open, with
 * two-cell addresses and sizes, its @compatible and interrupt parent, and
 * a /chosen whose stdout-path is @stdout_path (NULL: none).
 */
int fdt_begin_root(void *fdt, size_t size, const char *compatible,
		   uint32_t irq_parent, const char *stdout_path);
/*
 * A virtio-mmio or pvpanic node with its interrupt specifier @irq
 * (@nr_irq_cells cells, used when dev->irq >= 0), its #iommu-cells if it
 * is the virtio-iommu, its iommus link if it sits behind it; with
 * @dma_coherent, a virtio device says its DMA is cache-coherent (on arm64
 * it is, KVM's guest RAM being normal cacheable memory to both sides).
 */
int fdt_add_device(void *fdt, const struct machine_dev *dev,
		   const uint32_t *irq, unsigned int nr_irq_cells,
		   bool dma_coherent);

/* The trees; fdt_build() checks the model and picks one. */
int fdt_build_x86(const struct machine_desc *m, void *fdt, size_t size);
int fdt_build_arm64(const struct machine_desc *m, void *fdt, size_t size);

#endif
