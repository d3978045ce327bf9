/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The arm64 guest's physical address map above the common part (kvm/kvm.h;
 * the names common code uses are listed in kvm/x86/arch_layout.h). There
 * are no I/O ports; everything is MMIO.
 */
#ifndef IOVM_KVM_ARCH_LAYOUT_H
#define IOVM_KVM_ARCH_LAYOUT_H

#define UART_GPA		0xe8000000ULL	/* a 16550, 4 KiB */
#define TESTDEV_GPA		TESTDEV_ARM64_GPA	/* kvm/testdev_abi.h */
#define GIC_DIST_GPA		0xf0000000ULL	/* 64 KiB */
#define GIC_ITS_GPA		0xf0020000ULL	/* 128 KiB */
#define GIC_REDIST_GPA		0xf0100000ULL	/* 128 KiB a vCPU, 255 at most */

/*
 * Device interrupts are SPIs, numbered from 0 (INTID 32); the UART has 0.
 * KVM's GSI routes map GSI n to SPI n for these lines, and the MSI routes
 * follow them.
 */
#define IRQ_UART		0
#define FIRST_DEVICE_IRQ	1
#define DEVICE_IRQ_END		96
#define FIRST_MSI_GSI		DEVICE_IRQ_END

/*
 * Where a device's memory write is an interrupt message: the ITS's
 * translation register frame (GITS_TRANSLATER at +0x40), which a device
 * writes its event ID to; KVM learns the device ID from the route.
 */
#define MSI_WINDOW_GPA		(GIC_ITS_GPA + 0x10000)
#define MSI_WINDOW_SIZE		0x10000ULL

#endif
