// SPDX-License-Identifier: GPL-2.0
/*
 * An x86 vCPU: the CPUID, MSRs and local APIC wiring it is created with,
 * the long-mode state the boot vCPU enters the kernel in, and the exits
 * only x86 has (port I/O, a triple fault).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../../log.h"
#include "../arch.h"
#include "../kvm.h"
#include "boot.h"
#include "cpuid.h"
#include "x86.h"

#define MSR_IA32_MISC_ENABLE		0x1a0
#define MISC_ENABLE_FAST_STRING		(1ULL << 0)

#define APIC_LVT0		0x350
#define APIC_LVT1		0x360
#define APIC_MODE_NMI		0x4
#define APIC_MODE_EXTINT	0x7

static void lvt_set_mode(struct kvm_lapic_state *lapic, int reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, lapic->regs + reg, sizeof(v));
	v = (v & ~0x700U) | (mode << 8);
	memcpy(lapic->regs + reg, &v, sizeof(v));
}

/* LINT0 takes the PIC's ExtINT, LINT1 is NMI: the PC wiring Linux expects. */
static int vcpu_setup_lapic(struct vcpu *vcpu)
{
	struct kvm_lapic_state lapic;

	if (ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0)
		return -errno;
	lvt_set_mode(&lapic, APIC_LVT0, APIC_MODE_EXTINT);
	lvt_set_mode(&lapic, APIC_LVT1, APIC_MODE_NMI);
	if (ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic) < 0)
		return -errno;
	return 0;
}

static int vcpu_setup_msrs(struct vcpu *vcpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entries[1];
	} msrs = {
		.hdr.nmsrs = 1,
		.entries[0] = { .index = MSR_IA32_MISC_ENABLE,
				.data = MISC_ENABLE_FAST_STRING },
	};

	if (ioctl(vcpu->fd, KVM_SET_MSRS, &msrs) != 1)
		return -EIO;
	return 0;
}

static int vcpu_setup_cpuid(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_cpuid2 *c = cpuid_supported(vm->kvm_fd);
	bool deadline;
	int khz, err = 0;

	if (!c) {
		err = -errno;
		pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		return err;
	}
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ);
	deadline = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
			 KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	cpuid_fixup(c, vcpu->id, vm->nr_cpus, khz > 0 ? khz : 0, deadline);
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		err = -errno;
	free(c);
	return err;
}

int arch_vcpu_init(struct vcpu *vcpu)
{
	int err = vcpu_setup_cpuid(vcpu);

	if (!err)
		err = vcpu_setup_msrs(vcpu);
	if (!err)
		err = vcpu_setup_lapic(vcpu);
	return err;
}

/* Long mode at the kernel's 64-bit entry point, boot_params in %rsi. */
int x86_vcpu_setup_boot(struct vcpu *vcpu, uint64_t entry)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return -errno;
	boot_sregs_init(&sregs);
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return -errno;
	boot_regs_init(&regs, entry);
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return -errno;
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return -errno;
	return 0;
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	uint32_t i;

	for (i = 0; i < run->io.count; i++, data += run->io.size) {
		if (io_bus_access(&vcpu->vm->pio, run->io.port, data,
				  run->io.size, is_write))
			continue;
		/* Nothing there: reads float high, like an empty ISA bus. */
		if (!is_write)
			memset(data, 0xff, run->io.size);
		pr_debug("vcpu%u: unclaimed port %s 0x%x/%u", vcpu->id,
			 is_write ? "write" : "read", run->io.port,
			 run->io.size);
	}
}

void arch_vcpu_report(struct vcpu *vcpu, const char *what)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;

	if (!ioctl(vcpu->fd, KVM_GET_REGS, &regs) &&
	    !ioctl(vcpu->fd, KVM_GET_SREGS, &sregs))
		pr_err("vcpu%u: %s at rip 0x%llx (rsp 0x%llx, cr0 0x%llx, cr3 0x%llx, efer 0x%llx)",
		       vcpu->id, what, regs.rip, regs.rsp, sregs.cr0,
		       sregs.cr3, sregs.efer);
	else
		pr_err("vcpu%u: %s", vcpu->id, what);
}

int arch_vcpu_exit(struct vcpu *vcpu)
{
	switch (vcpu->run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(vcpu);
		return 1;
	case KVM_EXIT_SHUTDOWN:
		/*
		 * A triple fault. reboot=t does this on purpose, but far more
		 * often it is a kernel dying too early to panic: CI must not
		 * mistake it for a clean reboot.
		 */
		arch_vcpu_report(vcpu, "guest reset by a triple fault (a crash, or reboot=t)");
		vm_request_exit(vcpu->vm, IOVM_EXIT_TRIPLE_FAULT, NULL);
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		vm_request_exit(vcpu->vm, IOVM_EXIT_OK, "guest system event");
		return 0;
	default:
		return -ENOENT;
	}
}
