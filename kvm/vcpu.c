// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: one thread each, running KVM_RUN and dispatching the exits that
 * reach user space: MMIO to the bus here, the rest (port I/O, a triple
 * fault, PSCI's power-off and reset) to the architecture's code.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../clock.h"
#include "../log.h"
#include "arch.h"
#include "vcpu.h"

int vcpu_create(struct vm *vm, struct vcpu *vcpu, unsigned int id)
{
	int mmap_size;

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
	return arch_vcpu_init(vcpu);
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
	arch_vcpu_report(vcpu, what);
	vm_request_exit(vcpu->vm, status, NULL);
}

/* Returns false when the vCPU should stop. */
static bool vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	char what[96];
	int ret;

	switch (run->exit_reason) {
	case KVM_EXIT_MMIO:
		vcpu_handle_mmio(vcpu);
		return true;
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
		ret = arch_vcpu_exit(vcpu);
		if (ret >= 0)
			return ret;
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
	int ret;

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
			atomic_store(&vcpu->where, VCPU_PARKED);
			vm_vcpu_park(vm);
			atomic_store(&vcpu->where, VCPU_OUTSIDE);
			continue;
		}
		atomic_store(&vcpu->where, VCPU_IN_RUN);
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		atomic_store(&vcpu->where, VCPU_IN_EXIT);
		if (ret < 0) {
			if (errno == EINTR) {
				/*
				 * KVM leaves the kicks pending (blocked again
				 * once KVM_RUN returns): take them all, or
				 * later KVM_RUNs would return at once.
				 */
				while (sigtimedwait(&kick, NULL,
						    &(struct timespec){ 0 }) > 0)
					;
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
	atomic_store(&vcpu->where, VCPU_OUTSIDE);
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

int vcpu_join_timed(struct vcpu *vcpu, unsigned int ms)
{
	struct timespec until;
	int err;

	if (!vcpu->started)
		return 0;
	until = deadline_after_ms(ms);
	err = pthread_timedjoin_np(vcpu->thread, NULL, &until);
	if (err)
		return -err;
	vcpu->started = false;
	return 0;
}

/*
 * Read while the thread may still change it: good enough for a log line
 * about a thread that has stopped moving, which is when it is asked for.
 */
static void vcpu_exit_words(struct vcpu *vcpu, char *buf, size_t len)
{
	struct kvm_run *run = vcpu->run;

	if (!run)
		snprintf(buf, len, "handling a KVM exit");
	else if (run->exit_reason == KVM_EXIT_MMIO)
		snprintf(buf, len, "handling an MMIO %s at 0x%llx",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr);
	else if (run->exit_reason == KVM_EXIT_IO)
		snprintf(buf, len, "handling port I/O (%s) at 0x%x",
			 run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
			 run->io.port);
	else
		snprintf(buf, len, "handling KVM exit %u", run->exit_reason);
}

void vcpu_where(struct vcpu *vcpu, char *buf, size_t len)
{
	switch (atomic_load(&vcpu->where)) {
	case VCPU_IN_RUN:
		snprintf(buf, len, "in KVM_RUN (the kick did not end it)");
		break;
	case VCPU_IN_EXIT:
		vcpu_exit_words(vcpu, buf, len);
		break;
	case VCPU_PARKED:
		snprintf(buf, len, "parked by a pause");
		break;
	default:
		snprintf(buf, len, "between two runs of the guest");
		break;
	}
}
