/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOVM_KVM_VCPU_H
#define IOVM_KVM_VCPU_H

#include <signal.h>

#include "kvm.h"

/* Sent to a vCPU thread to make KVM_RUN return (see vcpu_kick()). */
#define VCPU_KICK_SIGNAL	SIGUSR1

int vcpu_create(struct vm *vm, struct vcpu *vcpu, unsigned int id);
int vcpu_start(struct vcpu *vcpu);
void vcpu_kick(struct vcpu *vcpu);
void vcpu_join(struct vcpu *vcpu);
void vcpu_destroy(struct vcpu *vcpu);

#endif
