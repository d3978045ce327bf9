// SPDX-License-Identifier: GPL-2.0
/*
 * The interrupt controller: KVM's GICv3 (distributor, one redistributor a
 * vCPU) and its ITS, which turns a device's MSI write into an LPI. Both
 * are in-kernel devices made with KVM_CREATE_DEVICE and placed where the
 * machine model says (Documentation/virt/kvm/devices/arm-vgic-v3.rst and
 * arm-vgic-its.rst). Initialising them has to wait for the vCPUs.
 */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../../log.h"
#include "arm64.h"

#define GIC_NR_PRIVATE		32	/* SGIs and PPIs before the SPIs */

static int dev_create(struct vm *vm, uint32_t type, const char *what)
{
	struct kvm_create_device cd = { .type = type };

	if (ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &cd) < 0) {
		int err = -errno;

		pr_err("KVM_CREATE_DEVICE (%s): %s%s", what, strerror(errno),
		       type == KVM_DEV_TYPE_ARM_VGIC_V3 ?
		       " (iovm needs a host with a GICv3)" : "");
		return err;
	}
	return cd.fd;
}

static int dev_attr(int fd, uint32_t group, uint64_t attr, void *val,
		    const char *what)
{
	struct kvm_device_attr a = {
		.group = group, .attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};

	if (ioctl(fd, KVM_SET_DEVICE_ATTR, &a) < 0) {
		int err = -errno;

		pr_err("GIC: %s: %s", what, strerror(errno));
		return err;
	}
	return 0;
}

int gic_create(struct vm *vm)
{
	const struct machine_gic *g = &vm->machine.gic;
	uint64_t dist = g->dist_base, redist = g->redist_base, its = g->its_base;
	uint32_t nr_irqs = GIC_NR_PRIVATE + g->nr_spis;
	int fd, err;

	fd = dev_create(vm, KVM_DEV_TYPE_ARM_VGIC_V3, "GICv3");
	if (fd < 0)
		return fd;
	vm->gic_fd = fd;
	err = dev_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_V3_ADDR_TYPE_DIST, &dist, "distributor address");
	if (!err)
		err = dev_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist,
			       "redistributor address");
	if (!err)
		err = dev_attr(fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs,
			       "number of interrupts");
	if (err || !its)
		return err;
	fd = dev_create(vm, KVM_DEV_TYPE_ARM_VGIC_ITS, "ITS");
	if (fd < 0)
		return fd;
	vm->its_fd = fd;
	return dev_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE,
			&its, "ITS address");
}

int gic_finish(struct vm *vm)
{
	int err = dev_attr(vm->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			   KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "initialisation");

	if (!err && vm->its_fd >= 0)
		err = dev_attr(vm->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL,
			       "ITS initialisation");
	return err;
}
