/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fdt/: the guest's device tree, one encoding of the machine model
 * (kvm/machine.h), so tests need no VM. x86 Linux reads CPUs, the local
 * APIC and the IO-APIC from it, and creates platform devices for the
 * children of bus nodes compatible with "intel,ce4100-cp" or "isa" (see
 * DESIGN.md). arm64 Linux reads everything from it: CPUs and PSCI, the
 * GICv3 and ITS, the timer, memory, the PCI host with its iommu-map and
 * msi-map, and /chosen.
 */
#ifndef IOVM_FDT_H
#define IOVM_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../kvm/machine.h"

#define FDT_MAX_SIZE		0x10000

/* Fixed phandles: the tree is small and built in one pass. */
#define FDT_PHANDLE_IOAPIC	1
#define FDT_PHANDLE_VIOMMU	2
#define FDT_PHANDLE_ITS		3	/* arm64 */
#define FDT_PHANDLE_GIC		FDT_PHANDLE_IOAPIC	/* arm64's irqchip */

/* Interrupt specifier types of the x86 IO-APIC binding. */
#define FDT_IRQ_EDGE_FALLING	0
#define FDT_IRQ_LEVEL_HIGH	1
#define FDT_IRQ_LEVEL_LOW	2
#define FDT_IRQ_EDGE_RISING	3

/*
 * Encode the machine @m as a blob in @buf; returns its size, -ENOSPC when
 * @bufsize is too small, or -EINVAL for a model machine_validate() refuses.
 * On x86 the model's PCI host and power registers have no DT encoding:
 * they are left out.
 */
int fdt_build(const struct machine_desc *m, void *buf, size_t bufsize);

/* What a boot loader adds to /chosen (arm64; x86 has boot_params). */
struct fdt_chosen {
	const char *bootargs;
	uint64_t initrd_start, initrd_end;	/* both 0: no initrd */
	const void *rng_seed;
	size_t rng_seed_size;
};

/*
 * Add @c to the /chosen node of the tree in @buf (@bufsize bytes of room);
 * returns the tree's new size, -ENOSPC, or -EINVAL if @buf holds no tree.
 */
int fdt_set_chosen(void *buf, size_t bufsize, const struct fdt_chosen *c);
/* Write @blob to @path atomically (temp file + rename). */
int fdt_dump(const void *blob, const char *path);

#endif
