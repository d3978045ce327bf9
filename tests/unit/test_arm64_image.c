// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 Image loader (kvm/arm64/image.c, built into this test on any
 * host): the header's fields, every malformed header refused with a
 * message, the copy into RAM, and where the DTB and initrd go.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/arm64/arm64.h"

#define RAM_SIZE	(64ULL << 20)

static void put64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A header: text_offset, image_size, flags; the magic unless @bad_magic. */
static void header(uint8_t *buf, uint64_t text_offset, uint64_t image_size,
		   uint64_t flags)
{
	memset(buf, 0, ARM64_IMAGE_HDR_SIZE);
	put64(buf + 0x08, text_offset);
	put64(buf + 0x10, image_size);
	put64(buf + 0x18, flags);
	memcpy(buf + 0x38, "ARM\x64", 4);
}

static void test_parse(void **state)
{
	uint8_t buf[4096];
	struct arm64_image k;

	header(buf, 0, 0x200000, 0xa);
	assert_int_equal(arm64_image_parse("t", buf, sizeof(buf), &k), 0);
	assert_int_equal(k.text_offset, 0);
	assert_int_equal(k.image_size, 0x200000);
	/* Before 3.17: no size, text_offset 0x80000 whatever it says. */
	header(buf, 0x1234, 0, 0);
	assert_int_equal(arm64_image_parse("t", buf, sizeof(buf), &k), 0);
	assert_int_equal(k.text_offset, 0x80000);
	assert_int_equal(k.image_size, sizeof(buf));
}

static void test_malformed(void **state)
{
	uint8_t buf[4096];
	struct arm64_image k;

	header(buf, 0, 0x200000, 0);
	assert_int_equal(arm64_image_parse("t", buf, 63, &k), -ENOEXEC);
	buf[0x38] = 'X';
	assert_int_equal(arm64_image_parse("t", buf, sizeof(buf), &k), -ENOEXEC);
	header(buf, 0, 0x200000, 1);		/* big-endian */
	assert_int_equal(arm64_image_parse("t", buf, sizeof(buf), &k), -ENOEXEC);
	header(buf, 0x200000, 0x200000, 0);	/* not below 2 MiB */
	assert_int_equal(arm64_image_parse("t", buf, sizeof(buf), &k), -ENOEXEC);
	header(buf, 0x80001, 0x200000, 0);	/* not page-aligned */
	assert_int_equal(arm64_image_parse("t", buf, sizeof(buf), &k), -ENOEXEC);
	header(buf, 0, 100, 0);			/* smaller than the file */
	assert_int_equal(arm64_image_parse("t", buf, sizeof(buf), &k), -ENOEXEC);
}

static void test_load_and_place(void **state)
{
	uint8_t *ram = calloc(1, RAM_SIZE), buf[4096];
	struct guest_mem mem;
	struct arm64_image k;
	uint64_t dtb, initrd;

	assert_non_null(ram);
	guest_mem_wrap(&mem, ram, RAM_SIZE);
	header(buf, 0x10000, 0x300000, 0);
	buf[4095] = 0x5a;
	assert_int_equal(arm64_image_load(&mem, "t", buf, sizeof(buf), &k), 0);
	assert_int_equal(k.load_addr, ARM64_KERNEL_BASE + 0x10000);
	assert_int_equal(k.end, k.load_addr + 0x300000);
	assert_memory_equal(ram + k.load_addr, buf, sizeof(buf));
	/* The DTB in the last 2 MiB block of RAM, the initrd below it. */
	assert_int_equal(arm64_place(&mem, &k, 0x10000, 0x100001, &dtb,
				     &initrd), 0);
	assert_int_equal(dtb, RAM_SIZE - SZ_2M);
	assert_true(initrd + 0x100001 <= dtb && initrd >= k.end);
	assert_int_equal(initrd % SZ_4K, 0);
	/* No room between the kernel and the DTB: said, not overlapped. */
	assert_int_equal(arm64_place(&mem, &k, 0x10000, RAM_SIZE, &dtb,
				     &initrd), -ENOSPC);
	assert_int_equal(arm64_place(&mem, &k, SZ_2M + 1, 0, &dtb, NULL),
			 -ENOSPC);
	/* A kernel larger than RAM. */
	header(buf, 0, RAM_SIZE, 0);
	assert_int_equal(arm64_image_load(&mem, "t", buf, sizeof(buf), &k),
			 -E2BIG);
	free(ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_load_and_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
