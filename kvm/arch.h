/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the common VM code (vm.c, vcpu.c, irqroute.c) asks of the
 * architecture. Exactly one implementation is linked: kvm/x86/ or
 * kvm/arm64/, chosen by the Makefile's ARCH. Each folder also holds an
 * arch_layout.h with the guest's physical address map (included through
 * kvm.h), so common code names addresses without knowing whose they are.
 */
#ifndef IOVM_KVM_ARCH_H
#define IOVM_KVM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include "kvm.h"

/* "x86_64" or "arm64": for messages and iovm --version. */
extern const char arch_name[];

/*
 * How the guest learns its machine: on x86 from ACPI tables unless --dt
 * asks for a device tree, which cannot describe PCI to Linux there; on
 * arm64 always from a device tree, PCI included (--dt is implied).
 */
extern const bool arch_dt_always;

/*
 * Fill vm->machine with what every guest of this architecture has and
 * create the devices behind it (UART, test device, reset and power-off),
 * before KVM exists. Sets vm->console_in to the UART.
 */
int arch_vm_init_devices(struct vm *vm);

/*
 * The default kernel command line for this architecture; @pci says
 * whether a PCI host bridge exists. The caller frees the string.
 */
char *arch_cmdline(const struct vm *vm, bool pci);

/*
 * Load the kernel and initrd into RAM, describe vm->machine to the guest
 * (--dump-dtb and --dump-acpi are honoured here) and write whatever the
 * boot protocol needs. On success *@entry is the boot vCPU's entry point.
 */
int arch_vm_load_guest(struct vm *vm, const char *cmdline, uint64_t *entry);

/* KVM_CREATE_VM's type argument (arm64: the IPA size). */
unsigned long arch_vm_type(struct vm *vm);

/* After KVM_CREATE_VM, before the vCPUs: the in-kernel irqchip and such. */
int arch_vm_create(struct vm *vm);

/* One vCPU just created (vcpu->fd and vcpu->run set): its CPU model. */
int arch_vcpu_init(struct vcpu *vcpu);

/*
 * Every vCPU exists: finish the interrupt controller and put the vCPUs in
 * their boot state, the boot vCPU at @entry.
 */
int arch_vm_finish(struct vm *vm, uint64_t entry);

/*
 * An exit the common code does not handle (it does MMIO and internal
 * errors). Returns 1 to keep running, 0 to stop the vCPU (the exit status
 * is already requested), -ENOENT when the exit is unknown here too.
 */
int arch_vcpu_exit(struct vcpu *vcpu);

/* Log @what with the vCPU's instruction and stack pointers. */
void arch_vcpu_report(struct vcpu *vcpu, const char *what);

/* Every vCPU is parked: tell the guest's clock it was stopped. */
void arch_vm_paused(struct vm *vm);

/* Drive interrupt line @irq (a device's machine_dev.irq) to @level. */
int arch_irq_line(struct vm *vm, unsigned int irq, bool level);

/*
 * The GSI routes the irqchip has for its wired lines, as
 * KVM_SET_GSI_ROUTING must repeat them: written to @e (up to @max),
 * returns how many there are.
 */
size_t arch_irqchip_routes(struct kvm_irq_routing_entry *e, size_t max);

/* The KVM route for an MSI message @r, which @devid (a requester ID) sent. */
void arch_msi_route(struct kvm_irq_routing_entry *e, unsigned int gsi,
		    uint64_t addr, uint32_t data, uint32_t devid);

/*
 * The seccomp sandbox (kvm/sandbox.c): the AUDIT_ARCH_* value of the native
 * system call ABI, and the calls iovm needs that only this architecture
 * has (the older forms glibc still uses there).
 */
extern const uint32_t arch_audit;
extern const int arch_sandbox_calls[];
extern const unsigned int arch_nr_sandbox_calls;

#endif
