// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts on arm64: a device line is an SPI, raised with KVM_IRQ_LINE
 * by its INTID or through an irqfd whose GSI routes to the SPI (GSI n is
 * SPI n, the irqchip "pin" KVM counts from INTID 32). An MSI route carries
 * the sender's device ID, which the ITS needs to find its translation.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "../arch.h"
#include "../kvm.h"

#define GIC_FIRST_SPI		32

int arch_irq_line(struct vm *vm, unsigned int irq, bool level)
{
	struct kvm_irq_level l = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       (GIC_FIRST_SPI + irq),
		.level = level,
	};

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		return -errno;
	return 0;
}

size_t arch_irqchip_routes(struct kvm_irq_routing_entry *e, size_t max)
{
	size_t n;

	for (n = 0; n < DEVICE_IRQ_END; n++)
		if (n < max)
			e[n] = (struct kvm_irq_routing_entry){
				.gsi = (uint32_t)n,
				.type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = 0, .pin = (uint32_t)n } };
	return n;
}

void arch_msi_route(struct kvm_irq_routing_entry *e, unsigned int gsi,
		    uint64_t addr, uint32_t data, uint32_t devid)
{
	*e = (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.flags = KVM_MSI_VALID_DEVID,
		.u.msi = { .address_lo = (uint32_t)addr,
			   .address_hi = (uint32_t)(addr >> 32),
			   .data = data, .devid = devid } };
}
