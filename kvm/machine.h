/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The machine as the guest is told about it: its CPUs, interrupt
 * controllers, legacy devices, device windows and the IOMMU topology.
 *
 * One neutral description, filled once by kvm/ and the devices as they are
 * created, and encoded two ways: fdt/ writes it as a device tree, and
 * kvm/x86/acpi.c as ACPI tables. A device is listed here once, whichever
 * encoding the guest reads. Encoders take the model as it is and add no
 * device of their own; they only choose how to say it.
 */
#ifndef IOVM_KVM_MACHINE_H
#define IOVM_KVM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#define MACHINE_MAX_DEVICES	64
#define MACHINE_MAX_CPUS	255	/* xAPIC IDs 0..254; 255 is broadcast */
#define MACHINE_MAX_IOAPIC_PINS	240	/* the IO-APIC's 8-bit max redirection entry */

enum machine_dev_kind {
	MACHINE_DEV_VIRTIO_MMIO,	/* a virtio-mmio transport window */
	MACHINE_DEV_PVPANIC,		/* the pvpanic-mmio register */
};

struct machine_dev {
	enum machine_dev_kind kind;
	uint64_t base, size;
	int irq;		/* IO-APIC pin or SPI (level, active high), or -1 */
	bool is_iommu;		/* this virtio-mmio window is the virtio-iommu */
	int iommu_endpoint;	/* endpoint ID behind the virtio-iommu, or -1 */
};

/*
 * A PCI host bridge with an ECAM window (kvm/pci.c fills it in when the
 * first PCI device is created). ACPI describes it with MCFG, a PNP0A08
 * host bridge in the DSDT and, behind the virtio-iommu, a VIOT PCI-range
 * node; the x86 device tree has no way to describe it to Linux (see
 * DESIGN.md).
 */
#define MACHINE_ECAM_BUS_SIZE	(1ULL << 20)	/* 32 devices x 8 functions x 4 KiB */

struct machine_pci_host {
	bool present;
	uint16_t segment;
	uint8_t bus_start, bus_end;
	uint64_t ecam_base;		/* MACHINE_ECAM_BUS_SIZE a bus, from bus_start */
	uint64_t mmio_base, mmio_size;	/* 32-bit memory window */
	uint64_t mmio64_base, mmio64_size; /* 64-bit memory window, or 0 */
	uint32_t io_base, io_size;	/* I/O port window, or 0 */
	/*
	 * Endpoint ID of bus_start:00.0 behind the virtio-iommu (the IDs of
	 * the other functions follow their requester IDs), or -1 when the
	 * host's devices are not behind it.
	 */
	int iommu_endpoint_base;
};

enum machine_arch {
	MACHINE_X86,		/* local APICs, an IO-APIC, ISA ports */
	MACHINE_ARM64,		/* a GICv3 with an ITS, PSCI, MMIO only */
};

/* arm64's interrupt controller: device interrupts are SPIs. */
#define MACHINE_MAX_SPIS	988	/* GICv3: INTIDs 32..1019 */

struct machine_gic {
	uint64_t dist_base;		/* GICD: 64 KiB */
	uint64_t redist_base;		/* GICR: 128 KiB a CPU, contiguous */
	uint64_t its_base;		/* the ITS: 128 KiB, or 0 for none */
	unsigned int nr_spis;		/* device lines 0 .. nr_spis - 1 */
};

#define MACHINE_GICD_SIZE	0x10000ULL
#define MACHINE_GICR_SIZE	0x20000ULL	/* per CPU */
#define MACHINE_ITS_SIZE	0x20000ULL
#define MACHINE_UART_MMIO_SIZE	0x1000ULL	/* arm64's 8250 window */

struct machine_desc {
	enum machine_arch arch;
	unsigned int nr_cpus;		/* APIC IDs (x86), MPIDRs (arm64) 0 .. nr_cpus - 1 */
	/* RAM from 0 and from 4 GiB (x86 reads its e820 map instead). */
	uint64_t ram_low, ram_high;
	uint64_t lapic_base;
	struct {
		uint64_t base;
		uint8_t id;
		unsigned int nr_pins;	/* GSIs 0 .. nr_pins - 1 */
	} ioapic;
	struct machine_gic gic;		/* arm64 */
	bool pmu;			/* arm64: a PMUv3 on every vCPU */
	struct {
		bool present;		/* a 16550 at an ISA I/O port or MMIO */
		uint16_t port;
		uint64_t mmio_base;	/* arm64: its 4 KiB window */
		unsigned int irq;	/* IO-APIC pin or SPI, level, active high */
	} uart;
	/*
	 * Byte-wide I/O ports that power the machine off (a write of the
	 * sleep-enable bit with MACHINE_SLEEP_TYPE_S5) and reset it (a write
	 * of reset_value). ACPI's FADT points at them; a device tree cannot.
	 */
	struct {
		bool present;
		uint16_t sleep_control, sleep_status, reset;
		uint8_t reset_value;
	} power;
	struct machine_dev devs[MACHINE_MAX_DEVICES];
	unsigned int nr_devs;
	struct machine_pci_host pci;
};

/* The sleep type the power-off write carries (ACPI's \_S5 package). */
#define MACHINE_SLEEP_TYPE_S5	5

/*
 * What every iovm x86 guest has, as a fresh model: @nr_cpus CPUs, the
 * local APICs and the IO-APIC at their usual addresses, COM1. Devices and
 * the power registers are added by those who create them (kvm/x86/).
 */
void machine_init_pc(struct machine_desc *m, unsigned int nr_cpus);
/*
 * What every iovm arm64 guest has: @nr_cpus CPUs, the GICv3 with its ITS,
 * an 8250 at MMIO (kvm/arm64/).
 */
void machine_init_arm64(struct machine_desc *m, unsigned int nr_cpus);

/*
 * Add a device window. -ENOSPC when the model is full, -EEXIST when the
 * window overlaps one already listed (a device is described once).
 */
int machine_add_dev(struct machine_desc *m, const struct machine_dev *dev);

/*
 * Check what every encoder relies on: 1..MACHINE_MAX_CPUS CPUs, every
 * interrupt on an existing IO-APIC pin (x86) or SPI (arm64), non-empty windows that neither
 * wrap nor overlap, at most one virtio-iommu, endpoints only when there is
 * one, endpoint IDs unique (PCI ranges included), a sane PCI host; on
 * arm64, the GIC's, ITS's and UART's windows clear of everything else.
 * Returns 0 or -EINVAL.
 */
int machine_validate(const struct machine_desc *m);

/* The virtio-iommu's entry, or NULL. */
const struct machine_dev *machine_iommu(const struct machine_desc *m);

#endif
