// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's GSI routing table, for MSI messages. KVM_SET_GSI_ROUTING replaces
 * the whole table, so each update writes the routes KVM_CREATE_IRQCHIP
 * made for the irqchip's pins (IO-APIC pins 0-23, the PIC's 0-15 beside
 * them, as arch/x86/kvm/irq_comm.c sets them up) followed by one MSI
 * route per GSI a device holds whose message is valid. A device signals
 * its GSI through an irqfd; a GSI without a route delivers nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../log.h"
#include "kvm.h"

#define PIC_PINS		16

size_t vm_irq_routes_build(const struct vm_msi_routes *r,
			   struct kvm_irq_routing_entry *e, size_t max)
{
	size_t n = 0;
	unsigned int pin, i;

	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		if (n < max)
			e[n] = (struct kvm_irq_routing_entry){
				.gsi = pin, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC,
					       .pin = pin } };
		n++;
		if (pin >= PIC_PINS)
			continue;
		if (n < max)
			e[n] = (struct kvm_irq_routing_entry){
				.gsi = pin, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = {
					.irqchip = pin < 8 ? KVM_IRQCHIP_PIC_MASTER :
							     KVM_IRQCHIP_PIC_SLAVE,
					.pin = pin % 8 } };
		n++;
	}
	for (i = 0; i < r->nr; i++) {
		if (!r->msi[i].valid)
			continue;
		if (n < max)
			e[n] = (struct kvm_irq_routing_entry){
				.gsi = FIRST_MSI_GSI + i,
				.type = KVM_IRQ_ROUTING_MSI,
				.u.msi = {
					.address_lo = (uint32_t)r->msi[i].addr,
					.address_hi = (uint32_t)(r->msi[i].addr >> 32),
					.data = r->msi[i].data } };
		n++;
	}
	return n;
}

int vm_msi_gsi_alloc(struct vm *vm, unsigned int *gsi)
{
	struct vm_msi_routes *r = &vm->msi;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	if (r->nr == VM_MAX_MSI_ROUTES)
		err = -ENOSPC;
	else
		*gsi = FIRST_MSI_GSI + r->nr++;
	pthread_mutex_unlock(&r->lock);
	return err;
}

/* The whole table to KVM; the routes' lock held. */
static int commit(struct vm *vm)
{
	size_t max = IOAPIC_NR_PINS + PIC_PINS + VM_MAX_MSI_ROUTES, n;
	struct kvm_irq_routing *t;
	int err = 0;

	if (vm->vm_fd < 0)
		return 0;	/* no KVM yet: the first update will say it */
	t = calloc(1, sizeof(*t) + max * sizeof(t->entries[0]));
	if (!t)
		return -ENOMEM;
	n = vm_irq_routes_build(&vm->msi, t->entries, max);
	t->nr = (uint32_t)n;
	if (ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, t) < 0)
		err = -errno;
	free(t);
	return err;
}

int vm_msi_route(struct vm *vm, unsigned int gsi, bool valid, uint64_t addr,
		 uint32_t data)
{
	struct vm_msi_routes *r = &vm->msi;
	struct vm_msi_route *m;
	unsigned int i = gsi - FIRST_MSI_GSI;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	if (gsi < FIRST_MSI_GSI || i >= r->nr) {
		err = -EINVAL;
		goto out;
	}
	m = &r->msi[i];
	/* Unchanged: no table to send (an update stalls every vCPU a bit). */
	if (m->valid == valid && (!valid || (m->addr == addr && m->data == data)))
		goto out;
	m->valid = valid;
	m->addr = addr;
	m->data = data;
	err = commit(vm);
	if (err)
		pr_err("KVM_SET_GSI_ROUTING (GSI %u): %s", gsi, strerror(-err));
out:
	pthread_mutex_unlock(&r->lock);
	return err;
}
