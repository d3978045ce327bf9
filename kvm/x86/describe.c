// SPDX-License-Identifier: GPL-2.0
/*
 * One description of the machine per boot: ACPI tables (the default, what
 * distribution kernels read) or, with --dt, a device tree in setup_data
 * (what guest-images/ builds a kernel for). Never both: a kernel that
 * found both would register the IO-APIC twice (DESIGN.md). With --dt
 * nothing in guest memory looks like an RSDP, as guest RAM starts zeroed
 * and the ACPI area is left alone; with ACPI there is no SETUP_DTB.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../fdt/fdt.h"
#include "../../log.h"
#include "../kvm.h"
#include "acpi.h"
#include "boot.h"

static int describe_dt(struct vm *vm, struct boot_setup *setup)
{
	const char *dump = vm->cfg->dump_dtb;
	void *dtb = calloc(1, FDT_MAX_SIZE);
	int size, err;

	if (!dtb)
		return -ENOMEM;
	size = fdt_build(&vm->machine, dtb, FDT_MAX_SIZE);
	if (size < 0) {
		pr_err("cannot build the device tree: %s", strerror(-size));
		free(dtb);
		return size;
	}
	if (dump) {
		err = fdt_dump(dtb, dump);
		if (err) {
			pr_err("--dump-dtb %s: %s", dump, strerror(-err));
			free(dtb);
			return err;
		}
	}
	setup->dtb = dtb;
	setup->dtb_size = size;
	return 0;
}

static int describe_acpi(struct vm *vm, struct boot_setup *setup)
{
	const struct machine_desc *m = &vm->machine;
	const char *dump = vm->cfg->dump_acpi;
	void *area = guest_mem_ptr(&vm->mem, ACPI_AREA_GPA, ACPI_AREA_SIZE);
	struct acpi_tables t;
	int err;

	if (!area)
		return -ENOMEM;	/* below 1 MiB: every guest has that RAM */
	err = acpi_build(m, area, ACPI_AREA_GPA, ACPI_AREA_SIZE, &t);
	if (err == -ENOSPC) {
		pr_err("the ACPI tables for %u vCPUs and %u devices do not fit in the %llu KiB reserved for them",
		       m->nr_cpus, m->nr_devs, ACPI_AREA_SIZE >> 10);
		return err;
	}
	if (err) {
		pr_err("cannot build the ACPI tables: %s", strerror(-err));
		return err;
	}
	pr_debug("ACPI tables: %zu of %llu bytes at 0x%llx", t.used,
		 ACPI_AREA_SIZE, ACPI_AREA_GPA);
	if (dump) {
		err = acpi_dump(&t, dump);
		if (err) {
			pr_err("--dump-acpi %s: %s", dump, strerror(-err));
			return err;
		}
	}
	setup->acpi_rsdp = t.rsdp_gpa;
	return 0;
}

int vm_describe(struct vm *vm, struct boot_setup *setup)
{
	if (vm->cfg->dt)
		return describe_dt(vm, setup);
	return describe_acpi(vm, setup);
}
