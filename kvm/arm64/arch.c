// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 machine around the common VM code: a GICv3 with an ITS, the
 * architected timer, PSCI, an 8250 and the test device at MMIO addresses,
 * a device tree as the only description, and the Image boot protocol.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "../../fdt/fdt.h"
#include "../../log.h"
#include "../arch.h"
#include "../pci.h"
#include "arm64.h"

const bool arch_dt_always = true;
const char arch_name[] = "arm64";

/* Larger than any initrd a test guest has; RAM is the real bound. */
#define INITRD_MAX_SIZE		(1ULL << 30)
#define KERNEL_MAX_SIZE		(512ULL << 20)

void machine_init_arm64(struct machine_desc *m, unsigned int nr_cpus)
{
	memset(m, 0, sizeof(*m));
	m->arch = MACHINE_ARM64;
	m->nr_cpus = nr_cpus;
	m->gic.dist_base = GIC_DIST_GPA;
	m->gic.redist_base = GIC_REDIST_GPA;
	m->gic.its_base = GIC_ITS_GPA;
	m->gic.nr_spis = DEVICE_IRQ_END;
	m->uart.present = true;
	m->uart.mmio_base = UART_GPA;
	m->uart.irq = IRQ_UART;
	m->pci.iommu_endpoint_base = -1;
}

int arch_vm_init_devices(struct vm *vm)
{
	int err;

	machine_init_arm64(&vm->machine, vm->nr_cpus);
	vm->machine.ram_low = vm->mem.low_size;
	vm->machine.ram_high = guest_mem_high_size(&vm->mem);
	err = testdev_init(vm, &vm->mmio, TESTDEV_GPA);
	if (!err)
		err = uart_init(vm, &vm->mmio, UART_GPA, IRQ_UART);
	return err;
}

/* Nothing an arm64 kernel needs told: the device tree says it all. */
char *arch_cmdline(const struct vm *vm, bool pci)
{
	return strdup("");
}

/* The DTB with /chosen filled in, checked, dumped if asked for. */
static int build_dtb(struct vm *vm, void *dtb, const struct fdt_chosen *c)
{
	const char *dump = vm->cfg->dump_dtb;
	int size, err;

	size = fdt_build(&vm->machine, dtb, FDT_MAX_SIZE);
	if (size >= 0)
		size = fdt_set_chosen(dtb, FDT_MAX_SIZE, c);
	if (size < 0) {
		pr_err("cannot build the device tree: %s", strerror(-size));
		return size;
	}
	if (dump) {
		err = fdt_dump(dtb, dump);
		if (err) {
			pr_err("--dump-dtb %s: %s", dump, strerror(-err));
			return err;
		}
	}
	return size;
}

static int load_initrd(struct vm *vm, const struct arm64_image *k,
		       struct fdt_chosen *c)
{
	const char *path = vm->cfg->initrd;
	uint8_t *buf = NULL;
	size_t len = 0;
	uint64_t gpa;
	int err;

	err = file_read_all("initrd", path, INITRD_MAX_SIZE, &buf, &len);
	if (err)
		return err;
	if (arm64_place(&vm->mem, k, FDT_MAX_SIZE, len, &vm->dtb_gpa, &gpa)) {
		pr_err("initrd %s: %llu MiB does not fit in guest RAM between the kernel (ends at %llu MiB) and the device tree; use a larger -m",
		       path, (unsigned long long)(len >> 20),
		       (unsigned long long)(k->end >> 20));
		free(buf);
		return -E2BIG;
	}
	memcpy(guest_mem_ptr(&vm->mem, gpa, len), buf, len);
	free(buf);
	c->initrd_start = gpa;
	c->initrd_end = gpa + len;
	return 0;
}

int arch_vm_load_guest(struct vm *vm, const char *cmdline, uint64_t *entry)
{
	const struct vm_config *cfg = vm->cfg;
	struct fdt_chosen c = { .bootargs = cmdline };
	struct arm64_image k;
	uint8_t *buf = NULL, seed[32];
	size_t len = 0;
	void *dtb;
	int size, err;

	err = file_read_all("kernel", cfg->kernel, KERNEL_MAX_SIZE, &buf, &len);
	if (err)
		return err;
	err = arm64_image_load(&vm->mem, cfg->kernel, buf, len, &k);
	free(buf);
	if (err)
		return err;
	if (cfg->initrd)
		err = load_initrd(vm, &k, &c);
	else if (arm64_place(&vm->mem, &k, FDT_MAX_SIZE, 0, &vm->dtb_gpa, NULL))
		err = -E2BIG;
	if (err)
		return err;
	/* Early entropy for the guest, as a boot loader with a TPM would. */
	if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed)) {
		c.rng_seed = seed;
		c.rng_seed_size = sizeof(seed);
	}
	/* Asked before KVM is opened: the tree says whether there is a PMU. */
	vm->machine.pmu = arm64_kvm_has_pmu();
	dtb = guest_mem_ptr(&vm->mem, vm->dtb_gpa, FDT_MAX_SIZE);
	size = build_dtb(vm, dtb, &c);
	if (size < 0)
		return size;
	pr_debug("kernel %s: Image at 0x%llx (%llu KiB with BSS), DTB at 0x%llx (%d bytes)",
		 cfg->kernel, (unsigned long long)k.load_addr,
		 (unsigned long long)(k.image_size >> 10),
		 (unsigned long long)vm->dtb_gpa, size);
	*entry = k.load_addr;
	return 0;
}

/* 0: KVM's default IPA size (40 bits), far more than RAM at 4 GiB + -m. */
unsigned long arch_vm_type(struct vm *vm)
{
	return 0;
}

int arch_vm_create(struct vm *vm)
{
	return gic_create(vm);
}

int arch_vm_finish(struct vm *vm, uint64_t entry)
{
	unsigned int i;
	int err = gic_finish(vm);

	for (i = 0; i < vm->nr_cpus && !err && vm->machine.pmu; i++) {
		err = arm64_vcpu_setup_pmu(&vm->vcpus[i]);
		if (err)
			pr_err("vcpu%u: cannot set up its PMU: %s", i,
			       strerror(-err));
	}
	if (err)
		return err;
	err = arm64_vcpu_setup_boot(&vm->vcpus[0], entry, vm->dtb_gpa);
	if (err)
		pr_err("cannot set the boot vCPU's registers: %s",
		       strerror(-err));
	return err;
}

/* arm64 guests have no paravirtual clock to tell. */
void arch_vm_paused(struct vm *vm)
{
}

/* The host bridge is reached through its ECAM window alone: no ports. */
int pci_host_arch_init(struct vm *vm, struct pci_host *h)
{
	return 0;
}
