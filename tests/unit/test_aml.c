// SPDX-License-Identifier: GPL-2.0
/*
 * The AML encoder against iasl: each expected array below is the AML
 * (the bytes after the 36-byte table header) that iasl 20200925 (Debian's
 * acpica-tools) compiled from the ASL in the comment above it, with
 * `iasl -p out file.asl`. The encoder must produce the same bytes, and
 * must fail cleanly, never write past its buffer, on what it cannot encode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/x86/aml.h"

static uint8_t buf[8192];

/*
 * DefinitionBlock ("", "SSDT", 2, "IOVM  ", "AMLTEST", 1)
 * {
 *     Name (INT0, 0)
 *     Name (INT1, 1)
 *     Name (INTB, 0x2A)
 *     Name (INTW, 0x1234)
 *     Name (INTD, 0x12345678)
 *     Name (INTQ, 0x123456789ABCDEF0)
 *     Name (ALL1, 0xFFFFFFFFFFFFFFFF)
 *     Name (STR, "LNRO0005")
 *     Name (EISA, EisaId ("QEM0001"))
 *     Name (_S5, Package () { 5, 0 })
 *     Scope (\_SB)
 *     {
 *         Device (COM1)
 *         {
 *             Name (_HID, EisaId ("PNP0501"))
 *             Name (_UID, Zero)
 *             Name (_CRS, ResourceTemplate ()
 *             {
 *                 IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
 *                 Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 4 }
 *             })
 *         }
 *         Device (VR0)
 *         {
 *             Name (_HID, "LNRO0005")
 *             Name (_UID, 0x10)
 *             Name (_CRS, ResourceTemplate ()
 *             {
 *                 Memory32Fixed (ReadOnly, 0xD0001000, 0x00001000)
 *                 Interrupt (ResourceConsumer, Edge, ActiveLow, Shared) { 23 }
 *             })
 *         }
 *     }
 * }
 */
static const uint8_t iasl_objects[] = {
	0x08, 0x49, 0x4e, 0x54, 0x30, 0x00, 0x08, 0x49, 0x4e, 0x54, 0x31, 0x01,
	0x08, 0x49, 0x4e, 0x54, 0x42, 0x0a, 0x2a, 0x08, 0x49, 0x4e, 0x54, 0x57,
	0x0b, 0x34, 0x12, 0x08, 0x49, 0x4e, 0x54, 0x44, 0x0c, 0x78, 0x56, 0x34,
	0x12, 0x08, 0x49, 0x4e, 0x54, 0x51, 0x0e, 0xf0, 0xde, 0xbc, 0x9a, 0x78,
	0x56, 0x34, 0x12, 0x08, 0x41, 0x4c, 0x4c, 0x31, 0xff, 0x08, 0x53, 0x54,
	0x52, 0x5f, 0x0d, 0x4c, 0x4e, 0x52, 0x4f, 0x30, 0x30, 0x30, 0x35, 0x00,
	0x08, 0x45, 0x49, 0x53, 0x41, 0x0c, 0x44, 0xad, 0x00, 0x01, 0x08, 0x5f,
	0x53, 0x35, 0x5f, 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00, 0x10, 0x47, 0x07,
	0x5c, 0x5f, 0x53, 0x42, 0x5f, 0x5b, 0x82, 0x31, 0x43, 0x4f, 0x4d, 0x31,
	0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08, 0x5f,
	0x55, 0x49, 0x44, 0x00, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x16, 0x0a,
	0x13, 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08, 0x89, 0x06, 0x00,
	0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5b, 0x82, 0x3b, 0x56,
	0x52, 0x30, 0x5f, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0d, 0x4c, 0x4e, 0x52,
	0x4f, 0x30, 0x30, 0x30, 0x35, 0x00, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x0a,
	0x10, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x1a, 0x0a, 0x17, 0x86, 0x09,
	0x00, 0x00, 0x00, 0x10, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00, 0x89, 0x06,
	0x00, 0x0f, 0x01, 0x17, 0x00, 0x00, 0x00, 0x79, 0x00,
};

static void build_objects(struct aml *a)
{
	size_t sb, dev, crs, pkg;

	aml_name(a, "INT0");
	aml_integer(a, 0);
	aml_name(a, "INT1");
	aml_integer(a, 1);
	aml_name(a, "INTB");
	aml_integer(a, 0x2a);
	aml_name(a, "INTW");
	aml_integer(a, 0x1234);
	aml_name(a, "INTD");
	aml_integer(a, 0x12345678);
	aml_name(a, "INTQ");
	aml_integer(a, 0x123456789abcdef0ULL);
	aml_name(a, "ALL1");
	aml_integer(a, UINT64_MAX);
	aml_name(a, "STR");
	aml_string(a, "LNRO0005");
	aml_name(a, "EISA");
	aml_eisaid(a, "QEM0001");
	aml_name(a, "_S5");
	pkg = aml_package(a, 2);
	aml_integer(a, 5);
	aml_integer(a, 0);
	aml_block_end(a, pkg);

	sb = aml_scope(a, "\\_SB");
	dev = aml_device(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_io(a, 0x3f8, 0x3f8, 0, 8);
	aml_interrupt(a, 4, 0);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);

	dev = aml_device(a, "VR0");
	aml_name(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name(a, "_UID");
	aml_integer(a, 0x10);
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_memory32_fixed(a, 0xd0001000, 0x1000, false);
	aml_interrupt(a, 23, AML_IRQ_EDGE | AML_IRQ_ACTIVE_LOW | AML_IRQ_SHARED);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);
	aml_block_end(a, sb);
}

static void test_objects_match_iasl(void **state)
{
	struct aml a;
	size_t len;

	aml_init(&a, buf, sizeof(buf));
	build_objects(&a);
	assert_int_equal(aml_result(&a, &len), 0);
	assert_int_equal(len, sizeof(iasl_objects));
	assert_memory_equal(buf, iasl_objects, len);
}

/*
 * A PCI host bridge and the motherboard resource that reserves its ECAM:
 *
 * DefinitionBlock ("", "SSDT", 2, "IOVM  ", "AMLTEST", 1)
 * {
 *     Scope (\_SB)
 *     {
 *         Device (PCI0)
 *         {
 *             Name (_HID, EisaId ("PNP0A08"))
 *             Name (_CID, EisaId ("PNP0A03"))
 *             Name (_SEG, Zero)
 *             Name (_BBN, Zero)
 *             Name (_UID, Zero)
 *             Name (_CRS, ResourceTemplate ()
 *             {
 *                 WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
 *                     0x0000, 0x0000, 0x00FF, 0x0000, 0x0100)
 *                 IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *                 WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
 *                     0x0000, 0x1000, 0x1FFF, 0x0000, 0x1000)
 *                 DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
 *                     0x00000000, 0xC0000000, 0xCFFFFFFF, 0x00000000, 0x10000000)
 *                 QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
 *                     0x0000000000000000, 0x0000008000000000, 0x000000FFFFFFFFFF,
 *                     0x0000000000000000, 0x0000008000000000)
 *             })
 *         }
 *         Device (MRES)
 *         {
 *             Name (_HID, EisaId ("PNP0C02"))
 *             Name (_UID, Zero)
 *             Name (_CRS, ResourceTemplate ()
 *             {
 *                 Memory32Fixed (ReadOnly, 0xE0000000, 0x00100000)
 *             })
 *         }
 *     }
 * }
 */
static const uint8_t iasl_pci_host[] = {
	0x10, 0x4f, 0x0d, 0x5c, 0x5f, 0x53, 0x42, 0x5f, 0x5b, 0x82, 0x48, 0x0a,
	0x50, 0x43, 0x49, 0x30, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0,
	0x0a, 0x08, 0x08, 0x5f, 0x43, 0x49, 0x44, 0x0c, 0x41, 0xd0, 0x0a, 0x03,
	0x08, 0x5f, 0x53, 0x45, 0x47, 0x00, 0x08, 0x5f, 0x42, 0x42, 0x4e, 0x00,
	0x08, 0x5f, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11,
	0x46, 0x07, 0x0a, 0x72, 0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01, 0x47, 0x01, 0xf8, 0x0c,
	0xf8, 0x0c, 0x01, 0x08, 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00,
	0x00, 0x10, 0xff, 0x1f, 0x00, 0x00, 0x00, 0x10, 0x87, 0x17, 0x00, 0x00,
	0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0xff, 0xff,
	0xff, 0xcf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x8a, 0x2b,
	0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5b, 0x82,
	0x2c, 0x4d, 0x52, 0x45, 0x53, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41,
	0xd0, 0x0c, 0x02, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5f, 0x43,
	0x52, 0x53, 0x11, 0x11, 0x0a, 0x0e, 0x86, 0x09, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xe0, 0x00, 0x00, 0x10, 0x00, 0x79, 0x00,
};

static void build_pci_host(struct aml *a)
{
	size_t sb, dev, crs;

	sb = aml_scope(a, "\\_SB");
	dev = aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_word_bus_number(a, 0, 0xff);
	aml_io(a, 0xcf8, 0xcf8, 1, 8);
	aml_word_io(a, 0x1000, 0x1fff);
	aml_dword_memory(a, 0xc0000000, 0xcfffffff);
	aml_qword_memory(a, 0x8000000000ULL, 0xffffffffffULL);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);
	dev = aml_device(a, "MRES");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0C02");
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_name(a, "_CRS");
	crs = aml_resource_template(a);
	aml_memory32_fixed(a, 0xe0000000, 0x100000, false);
	aml_resource_template_end(a, crs);
	aml_block_end(a, dev);
	aml_block_end(a, sb);
}

static void test_pci_host_matches_iasl(void **state)
{
	struct aml a;
	size_t len;

	aml_init(&a, buf, sizeof(buf));
	build_pci_host(&a);
	assert_int_equal(aml_result(&a, &len), 0);
	assert_int_equal(len, sizeof(iasl_pci_host));
	assert_memory_equal(buf, iasl_pci_host, len);
}

/* Ranges an address space descriptor cannot hold are refused whole. */
static void test_bad_ranges(void **state)
{
	struct aml a;
	size_t len;

	aml_init(&a, buf, sizeof(buf));
	aml_word_bus_number(&a, 5, 4);
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	assert_int_equal(a.len, 0);
	/* 0 to 0xFFFF is 0x10000 long: more than a Word length holds. */
	aml_init(&a, buf, sizeof(buf));
	aml_word_io(&a, 0, 0xffff);
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_dword_memory(&a, 0, 0xffffffff);
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_qword_memory(&a, 0, UINT64_MAX);
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_qword_memory(&a, 1ULL << 40, (1ULL << 40) - 1);
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	/* The largest that fit: one byte short of the field's reach. */
	aml_init(&a, buf, sizeof(buf));
	aml_word_io(&a, 1, 0xffff);
	aml_dword_memory(&a, 1, 0xffffffff);
	aml_qword_memory(&a, 1, UINT64_MAX);
	aml_word_bus_number(&a, 7, 7);
	assert_int_equal(aml_result(&a, &len), 0);
	assert_int_equal(len, 16 + 26 + 46 + 16);
}

/* FNV-1a, to compare with iasl's output without keeping all of it. */
static uint64_t fnv1a(const uint8_t *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/*
 * A Scope longer than 4095 bytes takes a 3-byte PkgLength, and D000's body
 * of exactly 63 bytes the smallest 2-byte one. The ASL, for i = 0 to 71:
 *
 * DefinitionBlock ("", "SSDT", 2, "IOVM  ", "AMLBIG", 1)
 * {
 *     Scope (\_SB)
 *     {
 *         Device (D<i, 3 decimal digits>)
 *         {
 *             Name (_HID, "LNRO0005")
 *             Name (_UID, <i>)
 *             Name (_CCA, One)
 *             Name (_CRS, ResourceTemplate ()
 *             {
 *                 Memory32Fixed (ReadWrite, <0xD0000000 + i * 0x1000>, 0x00001000)
 *                 Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { <5 + i % 19> }
 *             })
 *         }
 *         ...
 *     }
 * }
 *
 * iasl wrote 4903 bytes of AML, FNV-1a 0x06ff9b75b49d3683, starting:
 */
static const uint8_t iasl_big_head[] = {
	0x10, 0x86, 0x32, 0x01, 0x5c, 0x5f, 0x53, 0x42,
	0x5f, 0x5b, 0x82, 0x41, 0x04, 0x44, 0x30, 0x30,
};

static void test_big_scope_matches_iasl(void **state)
{
	struct aml a;
	size_t sb, dev, crs, len;
	unsigned int i;
	char name[8];

	aml_init(&a, buf, sizeof(buf));
	sb = aml_scope(&a, "\\_SB");
	for (i = 0; i < 72; i++) {
		snprintf(name, sizeof(name), "D%03u", i);
		dev = aml_device(&a, name);
		aml_name(&a, "_HID");
		aml_string(&a, "LNRO0005");
		aml_name(&a, "_UID");
		aml_integer(&a, i);
		aml_name(&a, "_CCA");
		aml_integer(&a, 1);
		aml_name(&a, "_CRS");
		crs = aml_resource_template(&a);
		aml_memory32_fixed(&a, 0xd0000000 + i * 0x1000, 0x1000, true);
		aml_interrupt(&a, 5 + i % 19, 0);
		aml_resource_template_end(&a, crs);
		aml_block_end(&a, dev);
	}
	aml_block_end(&a, sb);
	assert_int_equal(aml_result(&a, &len), 0);
	assert_int_equal(len, 4903);
	assert_memory_equal(buf, iasl_big_head, sizeof(iasl_big_head));
	assert_int_equal(fnv1a(buf, len), 0x06ff9b75b49d3683ULL);
}

/* ACPI 6.5, 20.2.4: the length counts the PkgLength's own bytes. */
static void test_pkglength_sizes(void **state)
{
	static const struct {
		size_t content;
		int n;
		uint8_t bytes[4];
	} cases[] = {
		{ 0, 1, { 0x01 } },
		{ 62, 1, { 0x3f } },			/* largest 1-byte */
		{ 63, 2, { 0x41, 0x04 } },		/* 65 = 0x041 */
		{ 4093, 2, { 0x4f, 0xff } },		/* 4095: largest 2-byte */
		{ 4094, 3, { 0x81, 0x00, 0x01 } },	/* 4097 = 0x01001 */
		{ 0xfffff - 3, 3, { 0x8f, 0xff, 0xff } },
		{ 0xfffff - 2, 4, { 0xc1, 0x00, 0x00, 0x01 } },
		{ AML_PKGLENGTH_MAX - 4, 4, { 0xcf, 0xff, 0xff, 0xff } },
	};
	uint8_t out[4];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 0xaa, sizeof(out));
		assert_int_equal(aml_pkglength(out, cases[i].content),
				 cases[i].n);
		assert_memory_equal(out, cases[i].bytes, cases[i].n);
	}
	assert_int_equal(aml_pkglength(out, AML_PKGLENGTH_MAX - 3), -E2BIG);
	assert_int_equal(aml_pkglength(out, SIZE_MAX), -E2BIG);
}

static int one_name(const char *name)
{
	struct aml a;
	size_t len;

	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, name);
	aml_integer(&a, 1);
	return aml_result(&a, &len);
}

static void test_bad_input(void **state)
{
	static const char *const bad_names[] = {
		"", "\\", "ABCDE", "1ABC", "abc", "A-B", "\\\\_SB", "_SB.X",
	};
	struct aml a;
	size_t len;
	unsigned int i;

	assert_int_equal(one_name("_SB"), 0);
	assert_int_equal(one_name("\\_SB"), 0);
	assert_int_equal(one_name("A1_9"), 0);
	for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
		assert_int_equal(one_name(bad_names[i]), -EINVAL);

	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "PNP050");
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "pnp0501");
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_eisaid(&a, "PNP050g");
	assert_int_equal(aml_result(&a, &len), -EINVAL);
	aml_init(&a, buf, sizeof(buf));
	aml_string(&a, "caf\xc3\xa9");
	assert_int_equal(aml_result(&a, &len), -EINVAL);

	/* The first error sticks; nothing more is written after it. */
	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "bad");
	len = a.len;
	aml_integer(&a, 7);
	aml_string(&a, "x");
	assert_int_equal(a.len, len);
	assert_int_equal(aml_result(&a, &len), -EINVAL);

	/* A mark that is not one. */
	aml_init(&a, buf, sizeof(buf));
	aml_integer(&a, 7);
	aml_block_end(&a, 5);
	assert_int_equal(aml_result(&a, &len), -EINVAL);
}

/*
 * With every buffer size short of what the objects need, building fails
 * with -ENOSPC and leaves the bytes past the buffer as they were.
 */
static void test_full_buffer(void **state)
{
	static uint8_t small[sizeof(iasl_objects) + 64];
	struct aml a;
	size_t cap, len, i;

	for (cap = 0; cap < sizeof(iasl_objects); cap++) {
		memset(small, 0x5a, sizeof(small));
		aml_init(&a, small, cap);
		build_objects(&a);
		assert_int_equal(aml_result(&a, &len), -ENOSPC);
		for (i = cap; i < sizeof(small); i++)
			assert_int_equal(small[i], 0x5a);
	}
	aml_init(&a, small, cap);
	build_objects(&a);
	assert_int_equal(aml_result(&a, &len), 0);
	assert_memory_equal(small, iasl_objects, len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects_match_iasl),
		cmocka_unit_test(test_big_scope_matches_iasl),
		cmocka_unit_test(test_pci_host_matches_iasl),
		cmocka_unit_test(test_bad_ranges),
		cmocka_unit_test(test_pkglength_sizes),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_full_buffer),
	};

	return cmocka_run_group_tests_name("aml", tests, NULL, NULL);
}
