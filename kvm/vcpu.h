/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOVM_KVM_VCPU_H
#define IOVM_KVM_VCPU_H

#include <signal.h>

#include "kvm.h"

/*
 * Sent to a vCPU thread to make KVM_RUN return (see vcpu_kick()). A
 * real-time signal, as those queue: every kick is a new wake-up of the
 * thread, where a second SIGUSR1 sent while the first is pending would be
 * dropped by the kernel, wake-up and all (vm_stop() kicks again).
 */
#define VCPU_KICK_SIGNAL	SIGRTMIN

/*
 * Where a vCPU thread is (vcpu.where), so that a vCPU that does not stop
 * can be named with what it was doing.
 */
enum vcpu_where {
	VCPU_OUTSIDE,		/* between runs, or not running at all */
	VCPU_IN_RUN,		/* in KVM_RUN: the guest runs or halts */
	VCPU_IN_EXIT,		/* handling the exit in vcpu.run */
	VCPU_PARKED,		/* paused (vm_vcpu_park()) */
};

int vcpu_create(struct vm *vm, struct vcpu *vcpu, unsigned int id);
int vcpu_start(struct vcpu *vcpu);
void vcpu_kick(struct vcpu *vcpu);
/* Join within @ms: 0, or -ETIMEDOUT with the thread still running. */
int vcpu_join_timed(struct vcpu *vcpu, unsigned int ms);
/* What the thread is doing, in words, for a log line. */
void vcpu_where(struct vcpu *vcpu, char *buf, size_t len);
void vcpu_destroy(struct vcpu *vcpu);

#endif
