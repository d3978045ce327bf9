// SPDX-License-Identifier: GPL-2.0
/*
 * An arm64 vCPU: KVM_ARM_VCPU_INIT with the host's preferred target, PSCI
 * 0.2 (the guest brings up secondaries with CPU_ON and ends the machine
 * with SYSTEM_OFF or SYSTEM_RESET, all inside KVM), a PMUv3 when KVM has
 * one. Every vCPU but the boot one starts powered off. The boot vCPU enters
 * the Image at its first byte, in EL1 with the MMU off (KVM's reset
 * state), x0 holding the DTB's address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../../log.h"
#include "../arch.h"
#include "arm64.h"

#define CORE_REG(field)	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | \
			 KVM_REG_ARM_CORE | \
			 (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))
#define PMU_INTID	23	/* PPI 7, as the DT's /pmu node says */

bool arm64_kvm_has_pmu(void)
{
	int fd = open(kvm_device_path(), O_RDWR | O_CLOEXEC);
	bool has;

	if (fd < 0)
		return false;
	has = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) > 0;
	close(fd);
	return has;
}

static int set_reg(struct vcpu *vcpu, uint64_t id, uint64_t v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&v };

	if (ioctl(vcpu->fd, KVM_SET_ONE_REG, &r) < 0)
		return -errno;
	return 0;
}

static int get_reg(struct vcpu *vcpu, uint64_t id, uint64_t *v)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)v };

	if (ioctl(vcpu->fd, KVM_GET_ONE_REG, &r) < 0)
		return -errno;
	return 0;
}

int arch_vcpu_init(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;
	struct kvm_vcpu_init init;

	if (ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0) {
		int err = -errno;

		pr_err("KVM_ARM_PREFERRED_TARGET: %s", strerror(errno));
		return err;
	}
	memset(init.features, 0, sizeof(init.features));
	init.features[0] = 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (vcpu->id)
		init.features[0] |= 1U << KVM_ARM_VCPU_POWER_OFF;
	if (vm->machine.pmu)
		init.features[0] |= 1U << KVM_ARM_VCPU_PMU_V3;
	if (ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		int err = -errno;

		pr_err("vcpu%u: KVM_ARM_VCPU_INIT: %s", vcpu->id,
		       strerror(errno));
		return err;
	}
	return 0;
}

/* After the GIC is initialised: the PMU's overflow interrupt, then on. */
int arm64_vcpu_setup_pmu(struct vcpu *vcpu)
{
	int irq = PMU_INTID;
	struct kvm_device_attr a = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL,
		.attr = KVM_ARM_VCPU_PMU_V3_IRQ,
		.addr = (uint64_t)(uintptr_t)&irq,
	};

	if (ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &a) < 0)
		return -errno;
	a.attr = KVM_ARM_VCPU_PMU_V3_INIT;
	a.addr = 0;
	if (ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &a) < 0)
		return -errno;
	return 0;
}

int arm64_vcpu_setup_boot(struct vcpu *vcpu, uint64_t entry, uint64_t dtb)
{
	int err = set_reg(vcpu, CORE_REG(regs.pc), entry);

	if (!err)
		err = set_reg(vcpu, CORE_REG(regs.regs[0]), dtb);
	return err;
}

void arch_vcpu_report(struct vcpu *vcpu, const char *what)
{
	uint64_t pc, sp, pstate;

	if (!get_reg(vcpu, CORE_REG(regs.pc), &pc) &&
	    !get_reg(vcpu, CORE_REG(sp_el1), &sp) &&
	    !get_reg(vcpu, CORE_REG(regs.pstate), &pstate))
		pr_err("vcpu%u: %s at pc 0x%llx (sp_el1 0x%llx, pstate 0x%llx)",
		       vcpu->id, what, (unsigned long long)pc,
		       (unsigned long long)sp, (unsigned long long)pstate);
	else
		pr_err("vcpu%u: %s", vcpu->id, what);
}

/*
 * PSCI's SYSTEM_OFF and SYSTEM_RESET reach user space as system events:
 * both end iovm with status 0, as a power-off and a reboot do on x86.
 */
int arch_vcpu_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->exit_reason != KVM_EXIT_SYSTEM_EVENT)
		return -ENOENT;
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_exit(vcpu->vm, IOVM_EXIT_OK, "guest powered off");
		return 0;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_exit(vcpu->vm, IOVM_EXIT_OK, "guest rebooted");
		return 0;
	case KVM_SYSTEM_EVENT_CRASH:
		arch_vcpu_report(vcpu, "guest crashed (PSCI system event)");
		vm_request_exit(vcpu->vm, IOVM_EXIT_PANIC, NULL);
		return 0;
	default:
		vm_request_exit(vcpu->vm, IOVM_EXIT_OK, "guest system event");
		return 0;
	}
}
