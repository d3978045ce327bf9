/* SPDX-License-Identifier: GPL-2.0 */
#ifndef IOVM_KVM_CPUID_H
#define IOVM_KVM_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

/* Entries cpuid_fixup() may add beyond what KVM reports. */
#define CPUID_SPARE_ENTRIES	16

struct kvm_cpuid2 *cpuid_supported(int kvm_fd);
struct kvm_cpuid2 *cpuid_clone(const struct kvm_cpuid2 *c);
struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
				    uint32_t index);
/* Make @c describe vCPU @apic_id of @nr_cpus (one socket, 1 thread/core). */
void cpuid_fixup(struct kvm_cpuid2 *c, unsigned int apic_id,
		 unsigned int nr_cpus, uint32_t tsc_khz, bool tsc_deadline);

#endif
