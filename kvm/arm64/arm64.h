/* SPDX-License-Identifier: GPL-2.0 */
/* What the files of kvm/arm64/ share among themselves. */
#ifndef IOVM_KVM_ARM64_H
#define IOVM_KVM_ARM64_H

#include <stddef.h>
#include <stdint.h>

#include "../kvm.h"

/* ---- the Image boot protocol (kvm/arm64/image.c) ---- */

/* Documentation/arch/arm64/booting.rst: the Image's first 64 bytes. */
#define ARM64_IMAGE_MAGIC	0x644d5241	/* "ARM\x64" at 0x38 */
#define ARM64_IMAGE_HDR_SIZE	64
/* Where the Image's 2 MiB-aligned base goes: above the first 2 MiB. */
#define ARM64_KERNEL_BASE	SZ_2M

struct arm64_image {
	uint64_t text_offset;	/* from the 2 MiB-aligned base */
	uint64_t image_size;	/* bytes the kernel uses from its start */
	uint64_t load_addr;	/* guest-physical: the entry point too */
	uint64_t end;		/* first byte past the kernel's footprint */
};

/*
 * Check the header of an Image of @len bytes and fill @k's text_offset
 * and image_size. Logs one line naming @name and what was wrong.
 */
int arm64_image_parse(const char *name, const uint8_t *buf, size_t len,
		      struct arm64_image *k);
/* Parse and copy the Image into RAM at ARM64_KERNEL_BASE + text_offset. */
int arm64_image_load(struct guest_mem *mem, const char *name,
		     const uint8_t *buf, size_t len, struct arm64_image *k);

/*
 * Where the DTB (@dtb_size bytes) and an initrd of @initrd_size bytes go:
 * the DTB in the last 2 MiB of low RAM (a 2 MiB block of its own, as
 * booting.rst asks), the initrd page-aligned just below it, both above
 * the kernel. -ENOSPC when RAM is too small.
 */
int arm64_place(const struct guest_mem *mem, const struct arm64_image *k,
		uint64_t dtb_size, uint64_t initrd_size, uint64_t *dtb_gpa,
		uint64_t *initrd_gpa);

/* ---- the GICv3 and its ITS (kvm/arm64/gic.c) ---- */

/* Create them, at the machine's addresses (before the vCPUs). */
int gic_create(struct vm *vm);
/* Every vCPU exists: let KVM initialise them. */
int gic_finish(struct vm *vm);

/* ---- vCPUs (kvm/arm64/vcpu.c) ---- */

/* PSCI 0.2, a PMU if @pmu; every vCPU but the boot one powered off. */
int arm64_vcpu_setup_pmu(struct vcpu *vcpu);
int arm64_vcpu_setup_boot(struct vcpu *vcpu, uint64_t entry, uint64_t dtb);

/* Does this host's KVM give vCPUs a PMU? (probed before KVM is opened) */
bool arm64_kvm_has_pmu(void);

#endif
