/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The x86 guest's physical address map above the common part (kvm/kvm.h)
 * and its I/O ports. Every arch_layout.h defines the names common code
 * uses: the MSI window and FIRST_MSI_GSI, and the device interrupt lines
 * FIRST_DEVICE_IRQ up to DEVICE_IRQ_END.
 */
#ifndef IOVM_KVM_ARCH_LAYOUT_H
#define IOVM_KVM_ARCH_LAYOUT_H

/*
 * Above the hole's common part (kvm/kvm.h): KVM's private pages, the
 * IO-APIC and the local APICs.
 */
#define KVM_IDENTITY_MAP_GPA	0xfeffc000ULL	/* one page, VMX only */
#define KVM_TSS_GPA		0xfeffd000ULL	/* three pages, VMX only */
#define IOAPIC_GPA		0xfec00000ULL
#define IOAPIC_NR_PINS		24
#define FIRST_DEVICE_IRQ	5	/* pins from here on: vm_alloc_device() */
#define LAPIC_GPA		0xfee00000ULL
/*
 * Where a device's memory write is an interrupt message, not memory: the
 * local APICs' MSI address range (Intel SDM vol. 3, 11.11.1). The first
 * GSI past the IO-APIC's pins carries the MSI routes (kvm/irqroute.c).
 */
#define MSI_WINDOW_GPA		0xfee00000ULL
#define MSI_WINDOW_SIZE		0x100000ULL
#define FIRST_MSI_GSI		IOAPIC_NR_PINS
/* Legacy PC I/O ports iovm emulates in user space. */
#define PORT_UART_COM1		0x3f8
#define IRQ_UART_COM1		4
#define PORT_I8042_CMD		0x64	/* write 0xfe: reset */
#define PORT_TESTDEV		TESTDEV_X86_PORT	/* kvm/testdev_abi.h */
#define PORT_TEST_EXIT		(PORT_TESTDEV + TESTDEV_EXIT)
#define PORT_TEST_REPORT	(PORT_TESTDEV + TESTDEV_REPORT)
#define PORT_TEST_GATE		(PORT_TESTDEV + TESTDEV_GATE)
#define PORT_ACPI_PM		0x600	/* see kvm/x86/acpi_pm.c */
#define PORT_ACPI_PM_LEN	3

#define DEVICE_IRQ_END		IOAPIC_NR_PINS

#endif
