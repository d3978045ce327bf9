// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts on x86: device lines are IO-APIC pins (GSIs 0-23), and the
 * routes KVM_CREATE_IRQCHIP made for them, which every KVM_SET_GSI_ROUTING
 * must repeat: each IO-APIC pin, and the PIC's 0-15 beside them, as
 * arch/x86/kvm/irq_comm.c sets them up. An MSI route is the message alone.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "../arch.h"
#include "../kvm.h"

#define PIC_PINS		16

int arch_irq_line(struct vm *vm, unsigned int irq, bool level)
{
	struct kvm_irq_level l = { .irq = irq, .level = level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &l) < 0)
		return -errno;
	return 0;
}

static void put(struct kvm_irq_routing_entry *e, size_t max, size_t *n,
		unsigned int gsi, unsigned int chip, unsigned int pin)
{
	if (*n < max)
		e[*n] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = chip, .pin = pin } };
	(*n)++;
}

size_t arch_irqchip_routes(struct kvm_irq_routing_entry *e, size_t max)
{
	size_t n = 0;
	unsigned int pin;

	for (pin = 0; pin < IOAPIC_NR_PINS; pin++) {
		put(e, max, &n, pin, KVM_IRQCHIP_IOAPIC, pin);
		if (pin < PIC_PINS)
			put(e, max, &n, pin, pin < 8 ? KVM_IRQCHIP_PIC_MASTER :
				       KVM_IRQCHIP_PIC_SLAVE, pin % 8);
	}
	return n;
}

void arch_msi_route(struct kvm_irq_routing_entry *e, unsigned int gsi,
		    uint64_t addr, uint32_t data, uint32_t devid)
{
	*e = (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (uint32_t)addr,
			   .address_hi = (uint32_t)(addr >> 32),
			   .data = data } };
}
