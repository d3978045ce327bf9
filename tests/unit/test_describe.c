// SPDX-License-Identifier: GPL-2.0
/*
 * One description per boot: by default the guest gets ACPI tables and no
 * device tree; with --dt a device tree and nothing a kernel could take for
 * an RSDP, neither in boot_params nor anywhere its legacy scan looks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/x86/boot.h"
#include "../../kvm/x86/acpi.h"

#define RAM_SIZE	(64ULL << 20)

struct fixture {
	struct vm vm;
	struct vm_config cfg;
	uint8_t *ram;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct machine_dev dev = { .kind = MACHINE_DEV_VIRTIO_MMIO,
				   .base = 0xd0000000, .size = 0x1000,
				   .irq = 5, .iommu_endpoint = -1 };

	f->ram = calloc(1, RAM_SIZE);
	guest_mem_wrap(&f->vm.mem, f->ram, RAM_SIZE);
	f->vm.cfg = &f->cfg;
	machine_init_pc(&f->vm.machine, 2);
	assert_int_equal(machine_add_dev(&f->vm.machine, &dev), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->ram);
	free(f);
	return 0;
}

/* Where Linux's acpi_find_root_pointer() looks: the EBDA and the BIOS area. */
static bool rsdp_findable(const uint8_t *ram)
{
	uint64_t at;

	for (at = 0x9fc00; at < 0x100000; at += 16)
		if (!memcmp(ram + at, "RSD PTR ", 8))
			return true;
	return false;
}

static void test_acpi_by_default(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s = { 0 };

	assert_int_equal(vm_describe(&f->vm, &s), 0);
	assert_null(s.dtb);
	assert_int_equal(s.dtb_size, 0);
	assert_int_equal(s.acpi_rsdp, ACPI_AREA_GPA);
	assert_memory_equal(f->ram + ACPI_AREA_GPA, "RSD PTR ", 8);
	assert_true(rsdp_findable(f->ram));
}

static void test_dt_leaves_no_rsdp(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s = { 0 };

	f->cfg.dt = true;
	assert_int_equal(vm_describe(&f->vm, &s), 0);
	assert_non_null(s.dtb);
	assert_true(s.dtb_size > 0);
	assert_int_equal(s.acpi_rsdp, 0);
	assert_false(rsdp_findable(f->ram));
	free((void *)s.dtb);
}

/* A model no encoder accepts stops the boot with either description. */
static void test_bad_model_is_an_error(void **state)
{
	struct fixture *f = *state;
	struct boot_setup s = { 0 };

	f->vm.machine.devs[0].irq = 99;
	assert_int_equal(vm_describe(&f->vm, &s), -EINVAL);
	assert_false(rsdp_findable(f->ram));
	f->cfg.dt = true;
	assert_int_equal(vm_describe(&f->vm, &s), -EINVAL);
	assert_null(s.dtb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acpi_by_default, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dt_leaves_no_rsdp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_model_is_an_error,
						setup, teardown),
	};

	return cmocka_run_group_tests_name("describe", tests, NULL, NULL);
}
