// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID for each vCPU: what KVM supports on this host, with the entries a
 * VMM must own. KVM cannot know our topology (APIC IDs, core counts), that
 * the guest runs under a hypervisor, or what the TSC frequency should be
 * advertised as. One socket, one thread per core, APIC ID = vCPU index.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "cpuid.h"

#define CPUID_MAX_ENTRIES	256

#define LEAF1_ECX_TSC_DEADLINE	(1U << 24)
#define LEAF1_ECX_HYPERVISOR	(1U << 31)
#define LEAF1_EDX_HTT		(1U << 28)

#define HV_LEAF_BASE		0x40000000U
#define HV_LEAF_TIMING		0x40000010U	/* TSC and APIC bus kHz */
#define KVM_APIC_BUS_KHZ	1000000U	/* KVM's APIC timer ticks at 1 GHz */

struct kvm_cpuid2 *cpuid_supported(int kvm_fd)
{
	struct kvm_cpuid2 *c;

	c = calloc(1, sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]));
	if (!c)
		return NULL;
	/* Leave room for the entries cpuid_fixup() adds. */
	c->nent = CPUID_MAX_ENTRIES - CPUID_SPARE_ENTRIES;
	if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
		free(c);
		return NULL;
	}
	return c;
}

struct kvm_cpuid2 *cpuid_clone(const struct kvm_cpuid2 *c)
{
	size_t sz = sizeof(*c) + CPUID_MAX_ENTRIES * sizeof(c->entries[0]);
	struct kvm_cpuid2 *copy = malloc(sz);

	if (copy)
		memcpy(copy, c, sz);
	return copy;
}

struct kvm_cpuid_entry2 *cpuid_find(struct kvm_cpuid2 *c, uint32_t fn,
				    uint32_t index)
{
	uint32_t i;

	for (i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		if (e->function != fn)
			continue;
		if ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) &&
		    e->index != index)
			continue;
		return e;
	}
	return NULL;
}

static void cpuid_remove(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t i = 0;

	while (i < c->nent) {
		if (c->entries[i].function == fn)
			c->entries[i] = c->entries[--c->nent];
		else
			i++;
	}
}

static struct kvm_cpuid_entry2 *cpuid_add(struct kvm_cpuid2 *c, uint32_t fn,
					  uint32_t index, uint32_t flags)
{
	struct kvm_cpuid_entry2 *e;

	if (c->nent >= CPUID_MAX_ENTRIES)
		return NULL;
	e = &c->entries[c->nent++];
	memset(e, 0, sizeof(*e));
	e->function = fn;
	e->index = index;
	e->flags = flags;
	return e;
}

static unsigned int bits_for(unsigned int n)
{
	unsigned int b = 0;

	while ((1U << b) < n)
		b++;
	return b;
}

/* Leaves 0xb and 0x1f: SMT level with one thread, core level with all. */
static void cpuid_set_topology(struct kvm_cpuid2 *c, uint32_t fn,
			       unsigned int apic_id, unsigned int nr_cpus)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t i;

	cpuid_remove(c, fn);
	for (i = 0; i < 3; i++) {
		e = cpuid_add(c, fn, i, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
		if (!e)
			return;
		e->edx = apic_id;
		e->ecx = i;
		if (i == 0) {
			e->eax = 0;
			e->ebx = 1;
			e->ecx |= 1 << 8;	/* level type: SMT */
		} else if (i == 1) {
			e->eax = bits_for(nr_cpus);
			e->ebx = nr_cpus;
			e->ecx |= 2 << 8;	/* level type: core */
		}
	}
}

void cpuid_fixup(struct kvm_cpuid2 *c, unsigned int apic_id,
		 unsigned int nr_cpus, uint32_t tsc_khz, bool tsc_deadline)
{
	struct kvm_cpuid_entry2 *e;
	uint32_t max_basic = 0, i;

	e = cpuid_find(c, 0, 0);
	if (e)
		max_basic = e->eax;

	e = cpuid_find(c, 1, 0);
	if (e) {
		e->ebx &= 0x0000ffff;
		e->ebx |= (apic_id << 24) | ((nr_cpus & 0xff) << 16);
		e->ecx |= LEAF1_ECX_HYPERVISOR;
		if (tsc_deadline)
			e->ecx |= LEAF1_ECX_TSC_DEADLINE;
		if (nr_cpus > 1)
			e->edx |= LEAF1_EDX_HTT;
	}

	/* Deterministic cache parameters: cores per package sharing them. */
	for (i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		if (e->function != 4)
			continue;
		e->eax &= 0x3fff;
		e->eax |= (nr_cpus - 1) << 26;
	}

	if (max_basic >= 0xb)
		cpuid_set_topology(c, 0xb, apic_id, nr_cpus);
	if (max_basic >= 0x1f)
		cpuid_set_topology(c, 0x1f, apic_id, nr_cpus);

	/* AMD: core count and extended APIC ID. */
	e = cpuid_find(c, 0x80000008, 0);
	if (e) {
		e->ecx &= ~0xf0ffU;
		e->ecx |= (nr_cpus - 1) | (bits_for(nr_cpus) << 12);
	}
	e = cpuid_find(c, 0x8000001e, 0);
	if (e) {
		e->eax = apic_id;
		e->ebx = apic_id & 0xff;	/* core ID; one thread per core */
		e->ecx = 0;
	}

	/* Hypervisor leaves: keep KVM's, add the timing leaf. */
	e = cpuid_find(c, HV_LEAF_BASE, 0);
	if (e && tsc_khz) {
		if (e->eax < HV_LEAF_TIMING)
			e->eax = HV_LEAF_TIMING;
		cpuid_remove(c, HV_LEAF_TIMING);
		e = cpuid_add(c, HV_LEAF_TIMING, 0, 0);
		if (e) {
			e->eax = tsc_khz;
			e->ebx = KVM_APIC_BUS_KHZ;
		}
	}
}
