/* SPDX-License-Identifier: GPL-2.0 */
/* What the files of kvm/x86/ share among themselves. */
#ifndef IOVM_KVM_X86_H
#define IOVM_KVM_X86_H

#include "../kvm.h"

/* The i8042 reset port (kvm/x86/i8042.c). */
int i8042_init(struct vm *vm);
/* The ACPI power-off and reset registers (kvm/x86/acpi_pm.c). */
int acpi_pm_init(struct vm *vm);
/* Long mode at the kernel's 64-bit entry point (kvm/x86/vcpu.c). */
int x86_vcpu_setup_boot(struct vcpu *vcpu, uint64_t entry);

#endif
