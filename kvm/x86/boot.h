/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 64-bit boot protocol (Documentation/x86/boot.rst): where iovm puts
 * the kernel, its zero page, command line, initrd, setup_data chain, page
 * tables and GDT, and the CPU state it enters the kernel with. Everything
 * here works on a struct guest_mem alone, so it is unit-tested without KVM.
 */
#ifndef IOVM_KVM_BOOT_H
#define IOVM_KVM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <asm/bootparam.h>
#include <linux/kvm.h>

#include "../kvm.h"

/* Low-memory layout, all below the EBDA at 0x9fc00. */
#define BOOT_GDT_GPA		0x0500ULL
#define BOOT_STACK_GPA		0x8ff0ULL
#define BOOT_PARAMS_GPA		0x7000ULL
#define BOOT_PML4_GPA		0x9000ULL
#define BOOT_PDPT_GPA		0xa000ULL
#define BOOT_PD_GPA		0xb000ULL	/* 4 pages: 2 MiB pages over 4 GiB */
#define BOOT_CMDLINE_GPA	0x20000ULL
#define BOOT_CMDLINE_MAX	0x10000ULL
#define BOOT_SETUP_DATA_GPA	0x30000ULL
#define BOOT_SETUP_DATA_END	0x9f000ULL
#define BOOT_EBDA_GPA		0x9fc00ULL
#define BOOT_HIGH_GPA		0x100000ULL	/* RAM resumes after the BIOS area */

/* Segment selectors the boot protocol fixes (__BOOT_CS, __BOOT_DS). */
#define BOOT_CS		0x10
#define BOOT_DS		0x18
#define BOOT_TSS	0x20

/* The lowest boot protocol with a 64-bit entry point (xloadflags). */
#define BOOT_PROTOCOL_MIN	0x020c

enum kernel_kind { KERNEL_BZIMAGE, KERNEL_ELF };

struct kernel_image {
	enum kernel_kind kind;
	uint64_t entry;		/* 64-bit entry point, guest-physical */
	uint64_t load_addr;	/* where the image starts */
	uint64_t end;		/* first byte past what the kernel may use */
	struct setup_header hdr; /* from the bzImage, or made up for ELF */
};

/*
 * Load @path into guest RAM. On bad input, logs one line naming the file and
 * what was wrong, and returns a negative errno.
 */
int kernel_load(struct guest_mem *mem, const char *path,
		struct kernel_image *k);
/* Same, from a buffer already in memory (tests, fuzzing). */
int kernel_load_buf(struct guest_mem *mem, const char *name,
		    const uint8_t *buf, size_t len, struct kernel_image *k);

/*
 * Highest page-aligned address for an initrd of @size bytes that lies above
 * the kernel, below the kernel's initrd_addr_max and inside low RAM.
 */
int initrd_place(const struct guest_mem *mem, const struct kernel_image *k,
		 uint64_t size, uint64_t *gpa);
int initrd_load(struct guest_mem *mem, const struct kernel_image *k,
		const char *path, uint64_t *gpa, uint64_t *size);

struct boot_setup {
	const char *cmdline;
	uint64_t initrd_gpa, initrd_size;
	const void *dtb;		/* SETUP_DTB, or NULL */
	size_t dtb_size;
	uint64_t acpi_rsdp;		/* boot_params.acpi_rsdp_addr, or 0 */
	/*
	 * An MMIO range the machine's description points the kernel at and
	 * e820 must mark reserved (0 bytes: none): the PCI host's ECAM,
	 * which Linux uses only where firmware reserved it.
	 */
	uint64_t reserved_gpa, reserved_size;
	const void *rng_seed;	/* optional SETUP_RNG_SEED payload */
	size_t rng_seed_size;
};

/* Zero page with e820 map, command line and setup_data chain. */
int boot_params_build(struct guest_mem *mem, const struct kernel_image *k,
		      const struct boot_setup *setup);
/* Fill boot_params' e820 table from the RAM layout; returns the count. */
unsigned int boot_e820_build(const struct guest_mem *mem,
			     struct boot_e820_entry *table, unsigned int max);

/* Describe vm->machine to the guest: ACPI tables, or a DTB with --dt. */
int vm_describe(struct vm *vm, struct boot_setup *setup);

/* Identity page tables for the low 4 GiB and the boot GDT. */
int boot_pagetables_build(struct guest_mem *mem);
void boot_sregs_init(struct kvm_sregs *sregs);
void boot_regs_init(struct kvm_regs *regs, uint64_t entry);

#endif
