/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ACPI tables for x86 guests: the machine model (kvm/machine.h) encoded as
 * a hardware-reduced ACPI platform, so that an unmodified distribution
 * kernel finds its CPUs, IO-APIC, UART, virtio-mmio devices and the
 * virtio-iommu's topology without a device tree.
 *
 *   RSDP -> XSDT -> FACP -> DSDT   devices, \_S5 for power-off
 *                -> APIC           a local APIC per vCPU, the IO-APIC,
 *                                  overrides for level-triggered ISA pins
 *                -> VIOT           with a virtio-iommu: its node, one per
 *                                  endpoint (MMIO windows, PCI ranges)
 *                -> MCFG           with a PCI host: its ECAM window
 *
 * Everything is written into one area of guest memory that the caller
 * reserves. The layouts are ACPI 6.5's (chapter 5 and the VIOT of 5.2.32);
 * their field offsets are checked at compile time against the spec.
 */
#ifndef IOVM_KVM_X86_ACPI_H
#define IOVM_KVM_X86_ACPI_H

#include <stddef.h>
#include <stdint.h>

#include "../machine.h"
#include "aml.h"

/*
 * Where the tables go: the window that a kernel without boot_params'
 * acpi_rsdp_addr scans for the RSDP (0xe0000-0xfffff, 16-byte steps),
 * inside the BIOS area that the e820 map already marks reserved, so the
 * kernel neither uses nor frees it. The RSDP sits at its start.
 */
#define ACPI_AREA_GPA		0xe0000ULL
#define ACPI_AREA_SIZE		0x20000ULL

#define ACPI_MAX_TABLES		6	/* XSDT FACP DSDT APIC VIOT MCFG */
#define ACPI_RSDP_LEN		36

/* A table with the standard 36-byte header. */
struct acpi_table {
	char sig[5];		/* "DSDT", ... */
	uint64_t gpa;
	uint32_t len;
	const uint8_t *data;	/* inside the area */
};

struct acpi_tables {
	struct acpi_table t[ACPI_MAX_TABLES];
	unsigned int nr;
	uint64_t rsdp_gpa;	/* the area's start */
	const uint8_t *rsdp;	/* ACPI_RSDP_LEN bytes, pointing at the XSDT */
	size_t used;		/* bytes of the area the tables take */
};

/*
 * Encode @m into @area, @size bytes that the guest sees at @gpa (16-byte
 * aligned, below 4 GiB). Returns 0; -EINVAL for a model machine_validate()
 * refuses or a bad area; -ERANGE for a device window ACPI's 32-bit
 * descriptors cannot hold; -ENOSPC when the tables do not fit, in which
 * case nothing the guest could take for a table is left in the area.
 */
int acpi_build(const struct machine_desc *m, void *area, uint64_t gpa,
	       size_t size, struct acpi_tables *out);

/*
 * Write each table to DIR/<signature in lower case>.dat ("dsdt.dat"), the
 * names and format that acpixtract produces and `iasl -d` reads. Not the
 * RSDP, a pointer rather than a table, which iasl does not read. Each file
 * is replaced atomically; on an error the files this call wrote are
 * removed again.
 */
int acpi_dump(const struct acpi_tables *t, const char *dir);

/* The DSDT's AML (after its header), for acpi_build() and the tests. */
int acpi_dsdt_aml(const struct machine_desc *m, struct aml *a);

/*
 * What a guest's byte write to one of the model's power registers asks
 * for (kvm/x86/acpi_pm.c traps them): the sleep-enable bit with the \_S5
 * sleep type powers off, the reset value resets; anything else (clearing
 * the wake status, another sleep type, another value) is nothing.
 */
enum acpi_pm_request {
	ACPI_PM_NOTHING,
	ACPI_PM_POWER_OFF,
	ACPI_PM_RESET,
};

enum acpi_pm_request acpi_pm_decode(const struct machine_desc *m,
				    uint16_t port, uint8_t value);

#endif
