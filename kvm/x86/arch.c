// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 machine around the common VM code: a PC's legacy devices, the
 * 64-bit boot protocol, and KVM's in-kernel IO-APIC, PIC and local APICs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>

#include "../../log.h"
#include "../arch.h"
#include "../kvm.h"
#include "boot.h"
#include "x86.h"

const bool arch_dt_always = false;
const char arch_name[] = "x86_64";

/*
 * How the guest reboots (the i8042 reset port), one legacy UART (COM1 is
 * the only one; the others would only be probed), and i8042 options that
 * keep a kernel with that driver from waiting on a keyboard controller
 * iovm does not have. Without a PCI device there is no host bridge:
 * pci=off saves the kernel probing for one.
 */
#define DEFAULT_CMDLINE \
	"reboot=k 8250.nr_uarts=1 i8042.noaux i8042.nomux i8042.nopnp i8042.dumbkbd"
#define NO_PCI_CMDLINE		"pci=off"

void machine_init_pc(struct machine_desc *m, unsigned int nr_cpus)
{
	memset(m, 0, sizeof(*m));
	m->nr_cpus = nr_cpus;
	m->lapic_base = LAPIC_GPA;
	m->ioapic.base = IOAPIC_GPA;
	m->ioapic.id = 0;
	m->ioapic.nr_pins = IOAPIC_NR_PINS;
	m->uart.present = true;
	m->uart.port = PORT_UART_COM1;
	m->uart.irq = IRQ_UART_COM1;
	m->pci.iommu_endpoint_base = -1;
}

int arch_vm_init_devices(struct vm *vm)
{
	machine_init_pc(&vm->machine, vm->nr_cpus);
	int err = testdev_init(vm, &vm->pio, PORT_TESTDEV);

	if (!err)
		err = i8042_init(vm);
	if (!err)
		err = acpi_pm_init(vm);
	if (!err)
		err = uart_init(vm, &vm->pio, PORT_UART_COM1, IRQ_UART_COM1);
	return err;
}

/*
 * With ttyS0 as the console, an early console on the same port: Linux then
 * registers ttyS0 without replaying its log (it clears CON_PRINTBUFFER when
 * a boot console was there). Without it, ttyS0 prints the whole log when
 * the legacy 8250 driver registers it, and again when of_serial (device
 * tree) or 8250_pnp (ACPI) takes the port over and registers it anew: every
 * line of the boot log twice, a character at a time through port exits.
 * Not with the virtio console, which would miss what the early one printed.
 */
#define EARLYCON_CMDLINE	"earlycon=uart8250,io,0x%x"

char *arch_cmdline(const struct vm *vm, bool pci)
{
	const char *no_pci = pci ? "" : " " NO_PCI_CMDLINE;
	char earlycon[48] = "";
	char *s;

	if (vm->cfg->console == CONSOLE_SERIAL)
		snprintf(earlycon, sizeof(earlycon), " " EARLYCON_CMDLINE,
			 PORT_UART_COM1);
	if (asprintf(&s, "%s%s%s", DEFAULT_CMDLINE, earlycon, no_pci) < 0)
		return NULL;
	return s;
}

/* The kernel, initrd, the machine's description and zero page, in RAM. */
int arch_vm_load_guest(struct vm *vm, const char *cmdline, uint64_t *entry)
{
	const struct vm_config *cfg = vm->cfg;
	struct boot_setup setup = { 0 };
	struct kernel_image k;
	uint8_t seed[32];
	int err;

	err = kernel_load(&vm->mem, cfg->kernel, &k);
	if (err)
		return err;
	if (cfg->initrd) {
		err = initrd_load(&vm->mem, &k, cfg->initrd, &setup.initrd_gpa,
				  &setup.initrd_size);
		if (err)
			return err;
	}
	err = vm_describe(vm, &setup);
	if (err)
		goto out;
	if (vm->machine.pci.present) {
		setup.reserved_gpa = vm->machine.pci.ecam_base;
		setup.reserved_size = MACHINE_ECAM_BUS_SIZE *
			(vm->machine.pci.bus_end - vm->machine.pci.bus_start + 1u);
	}
	setup.cmdline = cmdline;
	/* Early entropy for the guest, as a boot loader with a TPM would. */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed)) {
		setup.rng_seed = seed;
		setup.rng_seed_size = sizeof(seed);
	}
	err = boot_params_build(&vm->mem, &k, &setup);
	if (!err)
		err = boot_pagetables_build(&vm->mem);
	pr_debug("kernel %s: %s, entry 0x%llx, RAM up to 0x%llx used",
		 cfg->kernel, k.kind == KERNEL_ELF ? "ELF" : "bzImage",
		 (unsigned long long)k.entry, (unsigned long long)k.end);
	*entry = k.entry;
out:
	free((void *)setup.dtb);
	return err;
}

unsigned long arch_vm_type(struct vm *vm)
{
	return 0;
}

int arch_vm_create(struct vm *vm)
{
	uint64_t idmap = KVM_IDENTITY_MAP_GPA;
	int err;

	/* Intel VMX needs these pages for real mode; they sit in the hole. */
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_GPA) < 0) {
		err = -errno;
		pr_err("KVM_SET_TSS_ADDR: %s", strerror(errno));
		return err;
	}
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		pr_debug("KVM_SET_IDENTITY_MAP_ADDR: %s", strerror(errno));
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		err = -errno;
		pr_err("KVM_CREATE_IRQCHIP: %s", strerror(errno));
		return err;
	}
	return 0;
}

/* The others wait in KVM for the INIT/SIPI the guest sends them. */
int arch_vm_finish(struct vm *vm, uint64_t entry)
{
	int err = x86_vcpu_setup_boot(&vm->vcpus[0], entry);

	if (err)
		pr_err("cannot set the boot vCPU's registers: %s",
		       strerror(-err));
	return err;
}

/* No soft-lockup alarms in the guest for the time it was stopped. */
void arch_vm_paused(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_cpus; i++)
		ioctl(vm->vcpus[i].fd, KVM_KVMCLOCK_CTRL, 0);
}
