/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test device as guest programs see it: where it is on each
 * architecture and its registers, as offsets from there. iovm serves it
 * (kvm/testdev.c) and the guest images' programs drive it
 * (guest-images/src/testdev.h); both include this file, so the two sides
 * cannot drift apart. Plain constants only: the guest side builds it with
 * another compiler, for another architecture.
 */
#ifndef IOVM_KVM_TESTDEV_ABI_H
#define IOVM_KVM_TESTDEV_ABI_H

#define TESTDEV_X86_PORT	0x500		/* x86: I/O ports, 12 of them */
#define TESTDEV_ARM64_GPA	0xe8001000UL	/* arm64: MMIO, a 4 KiB page */

#define TESTDEV_EXIT		1	/* byte: iovm exits with it */
#define TESTDEV_MARK		2	/* byte: iovm logs the time */
#define TESTDEV_REPORT		4	/* 32-bit: the IOMMU report */
#define TESTDEV_GATE		8	/* 32-bit: the IOMMU test gate */
#define TESTDEV_SIZE		12

#endif
