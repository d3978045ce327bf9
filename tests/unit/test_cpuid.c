// SPDX-License-Identifier: GPL-2.0
/* CPUID fix-ups on a made-up KVM_GET_SUPPORTED_CPUID answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/x86/cpuid.h"

static struct kvm_cpuid2 *supported(void)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 *
				      sizeof(struct kvm_cpuid_entry2));
	struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0x1f },
		{ .function = 1, .ebx = 0x00010800, .ecx = 0, .edx = 0 },
		{ .function = 4, .index = 0, .eax = 0xfc004121,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xb, .index = 0, .ebx = 2, .edx = 99,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0x40000000, .eax = 0x40000001 },
		{ .function = 0x80000008, .ecx = 0xffff },
	};

	memcpy(c->entries, e, sizeof(e));
	c->nent = sizeof(e) / sizeof(e[0]);
	return c;
}

static void test_apic_ids_and_counts(void **state)
{
	struct kvm_cpuid2 *c = supported();
	struct kvm_cpuid_entry2 *e;

	cpuid_fixup(c, 3, 4, 2500000, true);
	e = cpuid_find(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 3);
	assert_int_equal((e->ebx >> 16) & 0xff, 4);
	assert_int_equal(e->ebx & 0xffff, 0x0800);	/* CLFLUSH kept */
	assert_true(e->ecx & (1U << 31));		/* hypervisor */
	assert_true(e->ecx & (1U << 24));		/* TSC deadline */
	assert_true(e->edx & (1U << 28));		/* HTT */

	e = cpuid_find(c, 4, 0);
	assert_int_equal(e->eax >> 26, 3);
	assert_int_equal((e->eax >> 14) & 0xfff, 0);
	assert_int_equal(e->eax & 0x3fff, 0x0121);

	e = cpuid_find(c, 0x80000008, 0);
	assert_int_equal(e->ecx & 0xff, 3);
	assert_int_equal((e->ecx >> 12) & 0xf, 2);
	free(c);
}

static void test_topology_leaves(void **state)
{
	struct kvm_cpuid2 *c = supported();
	struct kvm_cpuid_entry2 *e;
	uint32_t leaf[] = { 0xb, 0x1f };
	unsigned int i;

	cpuid_fixup(c, 5, 6, 0, false);
	for (i = 0; i < 2; i++) {
		e = cpuid_find(c, leaf[i], 0);
		assert_non_null(e);
		assert_int_equal(e->edx, 5);
		assert_int_equal(e->ebx, 1);
		assert_int_equal((e->ecx >> 8) & 0xff, 1);	/* SMT */
		e = cpuid_find(c, leaf[i], 1);
		assert_non_null(e);
		assert_int_equal(e->eax, 3);		/* 6 CPUs: 3 bits */
		assert_int_equal(e->ebx, 6);
		assert_int_equal((e->ecx >> 8) & 0xff, 2);	/* core */
		e = cpuid_find(c, leaf[i], 2);
		assert_non_null(e);
		assert_int_equal(e->ebx, 0);		/* end of levels */
		assert_int_equal(e->edx, 5);
	}
	/* No TSC deadline unless KVM has it. */
	assert_false(cpuid_find(c, 1, 0)->ecx & (1U << 24));
	free(c);
}

static void test_hypervisor_timing_leaf(void **state)
{
	struct kvm_cpuid2 *c = supported();
	struct kvm_cpuid_entry2 *e;

	cpuid_fixup(c, 0, 1, 2100000, false);
	assert_int_equal(cpuid_find(c, 0x40000000, 0)->eax, 0x40000010);
	e = cpuid_find(c, 0x40000010, 0);
	assert_non_null(e);
	assert_int_equal(e->eax, 2100000);
	assert_int_equal(e->ebx, 1000000);
	/* Fixing up twice does not duplicate it. */
	cpuid_fixup(c, 0, 1, 2100000, false);
	unsigned int i, n = 0;

	for (i = 0; i < c->nent; i++)
		n += c->entries[i].function == 0x40000010;
	assert_int_equal(n, 1);
	assert_false(cpuid_find(c, 1, 0)->edx & (1U << 28));	/* 1 CPU */
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apic_ids_and_counts),
		cmocka_unit_test(test_topology_leaves),
		cmocka_unit_test(test_hypervisor_timing_leaf),
	};

	return cmocka_run_group_tests_name("cpuid", tests, NULL, NULL);
}
