// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: one thread each, running KVM_RUN and dispatching the exits that
 * reach user space (port I/O, MMIO, shutdown) to the buses. The boot vCPU
 * starts in long mode at the kernel's entry; the others wait in KVM for the
 * INIT/SIPI the guest sends them.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../log.h"
#include "boot.h"
#include "cpuid.h"
#include "vcpu.h"

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

static int vcpu_setup_cpuid(struct vcpu *vcpu, const struct kvm_cpuid2 *sup)
{
	struct vm *vm = vcpu->vm;
	struct kvm_cpuid2 *c = cpuid_clone(sup);
	bool deadline;
	int khz, err = 0;

	if (!c)
		return -ENOMEM;
	khz = ioctl(vcpu->fd, KVM_GET_TSC_KHZ);
	deadline = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION,
			 KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	cpuid_fixup(c, vcpu->id, vm->nr_cpus, khz > 0 ? khz : 0, deadline);
	if (ioctl(vcpu->fd, KVM_SET_CPUID2, c) < 0)
		err = -errno;
	free(c);
	return err;
}

/* Long mode at the kernel's 64-bit entry point, boot_params in %rsi. */
int vcpu_setup_boot(struct vcpu *vcpu, uint64_t entry)
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

int vcpu_create(struct vm *vm, struct vcpu *vcpu, unsigned int id,
		const struct kvm_cpuid2 *supported)
{
	int mmap_size, err;

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return -errno;
	mmap_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return -EIO;
	vcpu->run_size = mmap_size;
	vcpu->run = mmap(NULL, mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return -errno;
	}
	err = vcpu_setup_cpuid(vcpu, supported);
	if (!err)
		err = vcpu_setup_msrs(vcpu);
	if (!err)
		err = vcpu_setup_lapic(vcpu);
	return err;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd > 0)
		close(vcpu->fd);
	vcpu->run = NULL;
	vcpu->fd = -1;
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

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len > sizeof(run->mmio.data))
		return;
	if (io_bus_access(&vcpu->vm->mmio, run->mmio.phys_addr,
			  run->mmio.data, run->mmio.len, run->mmio.is_write))
		return;
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, run->mmio.len);
	pr_debug("vcpu%u: unclaimed MMIO %s 0x%llx/%u", vcpu->id,
		 run->mmio.is_write ? "write" : "read",
		 (unsigned long long)run->mmio.phys_addr, run->mmio.len);
}

static void vcpu_report_failure(struct vcpu *vcpu, const char *what,
				int status)
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
	vm_request_exit(vcpu->vm, status, NULL);
}

/* Returns false when the vCPU should stop. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[96];

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		vcpu_handle_io(vcpu);
		return true;
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return true;
	case KVM_EXIT_SHUTDOWN:
		/*
		 * A triple fault. reboot=t does this on purpose, but far more
		 * often it is a kernel dying too early to panic: CI must not
		 * mistake it for a clean reboot.
		 */
		vcpu_report_failure(vcpu, "guest reset by a triple fault (a crash, or reboot=t)",
				    IOVM_EXIT_TRIPLE_FAULT);
		return false;
	case KVM_EXIT_SYSTEM_EVENT:
		vm_request_exit(vcpu->vm, IOVM_EXIT_OK, "guest system event");
		return false;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "KVM entry failed (reason 0x%llx)",
			 (unsigned long long)
			 run->fail_entry.hardware_entry_failure_reason);
		vcpu_report_failure(vcpu, what, IOVM_EXIT_ERROR);
		return false;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error (suberror %u)",
			 run->internal.suberror);
		vcpu_report_failure(vcpu, what, IOVM_EXIT_ERROR);
		return false;
	default:
		snprintf(what, sizeof(what), "unexpected KVM exit %u",
			 run->exit_reason);
		vcpu_report_failure(vcpu, what, IOVM_EXIT_ERROR);
		return false;
	}
}

/*
 * The kick signal stays blocked in the thread and is unblocked by KVM only
 * while the guest runs (KVM_SET_SIGNAL_MASK). A kick sent at any other
 * moment stays pending and makes the next KVM_RUN return at once, so no
 * kick is ever lost between checking for a stop or pause and entering.
 */
static int vcpu_set_run_sigmask(struct vcpu *vcpu)
{
	struct {
		struct kvm_signal_mask hdr;
		uint8_t set[8];		/* the kernel's sigset_t: 64 bits */
	} mask = { .hdr.len = 8 };
	sigset_t cur;
	uint64_t bits = 0;
	int sig;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	sigdelset(&cur, VCPU_KICK_SIGNAL);
	for (sig = 1; sig <= 64; sig++)
		if (sigismember(&cur, sig) == 1)
			bits |= 1ULL << (sig - 1);
	memcpy(mask.set, &bits, sizeof(bits));
	if (ioctl(vcpu->fd, KVM_SET_SIGNAL_MASK, &mask) < 0)
		return -errno;
	return 0;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct vm *vm = vcpu->vm;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	if (vcpu_set_run_sigmask(vcpu)) {
		vcpu_report_failure(vcpu, "KVM_SET_SIGNAL_MASK failed",
				    IOVM_EXIT_ERROR);
		return NULL;
	}

	while (!atomic_load(&vm->stopping)) {
		if (atomic_load(&vm->paused)) {
			vm_vcpu_park(vm);
			continue;
		}
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				/*
				 * KVM leaves the kick pending (it is blocked
				 * again once KVM_RUN returns): take it, or
				 * every later KVM_RUN would return at once.
				 */
				sigtimedwait(&kick, NULL, &(struct timespec){ 0 });
				continue;
			}
			if (errno == EAGAIN)
				continue;
			vcpu_report_failure(vcpu, "KVM_RUN failed",
					    IOVM_EXIT_ERROR);
			break;
		}
		if (!vcpu_handle_exit(vcpu))
			break;
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int err = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

	if (err)
		return -err;
	vcpu->started = true;
	return 0;
}

/* Make KVM_RUN return now, or at once when the thread next enters it. */
void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->started)
		pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu_join(struct vcpu *vcpu)
{
	if (vcpu->started)
		pthread_join(vcpu->thread, NULL);
	vcpu->started = false;
}
