// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's GSI routing table, for MSI messages. KVM_SET_GSI_ROUTING replaces
 * the whole table, so each update writes the routes the irqchip has for
 * its wired lines (arch_irqchip_routes()) followed by one MSI route per
 * GSI a device holds whose message is valid. A device signals
 * its GSI through an irqfd; a GSI without a route delivers nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../log.h"
#include "arch.h"
#include "kvm.h"

/* At least what either architecture's irqchip has (arm64: 96 SPIs). */
#define IRQCHIP_ROUTES_MAX	128

size_t vm_irq_routes_build(const struct vm_msi_routes *r,
			   struct kvm_irq_routing_entry *e, size_t max)
{
	size_t n = arch_irqchip_routes(e, max);
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		if (!r->msi[i].valid)
			continue;
		if (n < max)
			arch_msi_route(&e[n], FIRST_MSI_GSI + i, r->msi[i].addr,
				       r->msi[i].data, r->msi[i].devid);
		n++;
	}
	return n;
}

int vm_msi_gsi_alloc(struct vm *vm, uint32_t devid, unsigned int *gsi)
{
	struct vm_msi_routes *r = &vm->msi;
	int err = 0;

	pthread_mutex_lock(&r->lock);
	if (r->nr == VM_MAX_MSI_ROUTES) {
		err = -ENOSPC;
	} else {
		r->msi[r->nr].devid = devid;
		*gsi = FIRST_MSI_GSI + r->nr++;
	}
	pthread_mutex_unlock(&r->lock);
	return err;
}

/* The whole table to KVM; the routes' lock held. */
static int commit(struct vm *vm)
{
	size_t max = IRQCHIP_ROUTES_MAX + VM_MAX_MSI_ROUTES, n;
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
