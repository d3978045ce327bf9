// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 boot protocol on a RAM buffer: kernel image parsing (bzImage and
 * ELF, good and malformed), e820 layout, initrd placement limits, the zero
 * page, the setup_data chain, page tables and the entry CPU state.
 */
#include <elf.h>
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
#include "../../kvm/arch.h"

#define RAM_SIZE	(64ULL << 20)

struct fixture {
	struct guest_mem mem;
	uint8_t *ram;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->ram = calloc(1, RAM_SIZE);
	guest_mem_wrap(&f->mem, f->ram, RAM_SIZE);
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

/* A minimal bzImage: boot sector, setup header, and a little payload. */
static uint8_t *fake_bzimage(size_t *len, uint16_t version, uint16_t xlf,
			     uint32_t init_size)
{
	size_t setup = 5 * 512, code = 4096;
	uint8_t *img = calloc(1, setup + code);
	struct setup_header *hdr = (void *)(img + 0x1f1);

	hdr->setup_sects = 4;
	hdr->boot_flag = 0xaa55;
	hdr->jump = 0x66eb;		/* jmp to 0x268: header ends there */
	hdr->header = 0x53726448;
	hdr->version = version;
	hdr->xloadflags = xlf;
	hdr->pref_address = 0x1000000;
	hdr->init_size = init_size;
	hdr->initrd_addr_max = 0x7fffffff;
	hdr->cmdline_size = 2047;
	hdr->kernel_alignment = 0x200000;
	memset(img + setup, 0xcc, code);
	*len = setup + code;
	return img;
}

static void test_bzimage_loads_at_pref_address(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k;
	size_t len;
	uint8_t *img = fake_bzimage(&len, 0x020f, XLF_KERNEL_64, 0x800000);

	assert_int_equal(kernel_load_buf(&f->mem, "t", img, len, &k), 0);
	assert_int_equal(k.kind, KERNEL_BZIMAGE);
	assert_int_equal(k.load_addr, 0x1000000);
	assert_int_equal(k.entry, 0x1000200);
	assert_int_equal(k.end, 0x1800000);
	assert_int_equal(f->ram[0x1000000], 0xcc);
	assert_int_equal(f->ram[0x1000000 + 4095], 0xcc);
	assert_int_equal(k.hdr.cmdline_size, 2047);
	free(img);
}

static void test_bzimage_too_old(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k;
	size_t len;
	uint8_t *img = fake_bzimage(&len, 0x020a, 0, 0x800000);

	assert_int_equal(kernel_load_buf(&f->mem, "t", img, len, &k),
			 -ENOEXEC);
	free(img);
	/* A new enough protocol but a 32-bit-only kernel: same refusal. */
	img = fake_bzimage(&len, 0x020f, 0, 0x800000);
	assert_int_equal(kernel_load_buf(&f->mem, "t", img, len, &k),
			 -ENOEXEC);
	free(img);
}

static void test_bzimage_needs_more_ram(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k;
	size_t len;
	uint8_t *img = fake_bzimage(&len, 0x020f, XLF_KERNEL_64, 60 << 20);

	assert_int_equal(kernel_load_buf(&f->mem, "t", img, len, &k), -ENOMEM);
	free(img);
}

static void test_bzimage_truncated(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k;
	size_t len;
	uint8_t *img = fake_bzimage(&len, 0x020f, XLF_KERNEL_64, 0x800000);

	assert_int_equal(kernel_load_buf(&f->mem, "t", img, 5 * 512, &k),
			 -ENOEXEC);
	/* The jump byte claims a header longer than the file. */
	img[0x201] = 0xff;
	assert_int_equal(kernel_load_buf(&f->mem, "t", img, 0x210, &k),
			 -ENOEXEC);
	free(img);
}

static void test_not_a_kernel(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k;
	uint8_t junk[4096] = "#!/bin/sh\necho hello\n";
	uint8_t tiny[3] = { 0x7f, 'E', 'L' };

	assert_int_equal(kernel_load_buf(&f->mem, "t", junk, sizeof(junk), &k),
			 -ENOEXEC);
	assert_int_equal(kernel_load_buf(&f->mem, "t", tiny, sizeof(tiny), &k),
			 -ENOEXEC);
	/* A boot sector without "HdrS": an ancient zImage. */
	junk[0x1fe] = 0x55;
	junk[0x1ff] = 0xaa;
	assert_int_equal(kernel_load_buf(&f->mem, "t", junk, sizeof(junk), &k),
			 -ENOEXEC);
}

struct fake_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint8_t text[256];
};

static void fake_elf_init(struct fake_elf *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->eh.e_ident, ELFMAG, SELFMAG);
	e->eh.e_ident[EI_CLASS] = ELFCLASS64;
	e->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	e->eh.e_type = ET_EXEC;
	e->eh.e_machine = EM_X86_64;
	e->eh.e_phoff = offsetof(struct fake_elf, ph);
	e->eh.e_phentsize = sizeof(Elf64_Phdr);
	e->eh.e_phnum = 2;
	e->eh.e_entry = 0x1000000;
	e->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD,
		.p_offset = offsetof(struct fake_elf, text),
		.p_paddr = 0x1000000, .p_filesz = 128, .p_memsz = 4096 };
	e->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD,
		.p_offset = offsetof(struct fake_elf, text) + 128,
		.p_paddr = 0x1200000, .p_filesz = 128, .p_memsz = 128 };
	memset(e->text, 0x90, sizeof(e->text));
}

static void test_elf_loads_segments(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k;
	struct fake_elf e;

	fake_elf_init(&e);
	memset(f->ram + 0x1000000, 0x55, 4096);	/* bss must be zeroed */
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), 0);
	assert_int_equal(k.kind, KERNEL_ELF);
	assert_int_equal(k.entry, 0x1000000);
	assert_int_equal(k.load_addr, 0x1000000);
	assert_int_equal(k.end, 0x1200080);
	assert_int_equal(f->ram[0x1000000], 0x90);
	assert_int_equal(f->ram[0x1000000 + 128], 0);
	assert_int_equal(f->ram[0x1200000], 0x90);
	assert_int_equal(k.hdr.boot_flag, 0xaa55);
	assert_true(k.hdr.xloadflags & XLF_KERNEL_64);
}

static void test_elf_malformed(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k;
	struct fake_elf e;

	fake_elf_init(&e);
	e.eh.e_machine = EM_386;
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), -ENOEXEC);

	fake_elf_init(&e);
	e.eh.e_phnum = 200;			/* headers past the end */
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), -ENOEXEC);

	fake_elf_init(&e);
	e.ph[0].p_offset = ~0ULL - 10;		/* wraps */
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), -ENOEXEC);

	fake_elf_init(&e);
	e.ph[0].p_filesz = 8192;		/* more file than memory */
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), -ENOEXEC);

	fake_elf_init(&e);
	e.ph[1].p_paddr = RAM_SIZE - 64;	/* runs off the end of RAM */
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), -ENOMEM);

	fake_elf_init(&e);
	e.ph[0].p_paddr = 0x1000;		/* over the boot structures */
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), -ENOMEM);

	fake_elf_init(&e);
	e.eh.e_entry = 0x5000000;		/* not in any segment */
	assert_int_equal(kernel_load_buf(&f->mem, "t", (void *)&e, sizeof(e),
					 &k), -ENOEXEC);
}

static void test_e820_low_only(void **state)
{
	struct fixture *f = *state;
	struct boot_e820_entry t[8];

	assert_int_equal(boot_e820_build(&f->mem, t, 8), 3);
	assert_int_equal(t[0].addr, 0);
	assert_int_equal(t[0].size, 0x9fc00);
	assert_int_equal(t[0].type, 1);
	assert_int_equal(t[1].addr, 0x9fc00);
	assert_int_equal(t[1].type, 2);
	assert_int_equal(t[1].addr + t[1].size, 0x100000);
	assert_int_equal(t[2].addr, 0x100000);
	assert_int_equal(t[2].addr + t[2].size, RAM_SIZE);
	assert_int_equal(t[2].type, 1);
}

static void test_e820_above_4g(void **state)
{
	struct guest_mem mem;
	struct boot_e820_entry t[8];

	/* Layout only: nothing is dereferenced, so no 5 GiB buffer. */
	guest_mem_wrap(&mem, (void *)0x1000, 5 * SZ_1G);
	assert_int_equal(boot_e820_build(&mem, t, 8), 4);
	assert_int_equal(t[2].addr + t[2].size, MMIO_HOLE_START);
	assert_int_equal(t[3].addr, SZ_4G);
	assert_int_equal(t[3].size, 5 * SZ_1G - MMIO_HOLE_START);
	/* The hole itself is not RAM. */
	assert_null(guest_mem_ptr(&mem, MMIO_HOLE_START, 1));
	assert_null(guest_mem_ptr(&mem, SZ_4G - 1, 2));
	assert_non_null(guest_mem_ptr(&mem, SZ_4G, 1));
	assert_null(guest_mem_ptr(&mem, SZ_4G + t[3].size - 1, 2));
	assert_null(guest_mem_ptr(&mem, ~0ULL, 2));
}

static void test_initrd_placement(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k = { .end = 0x1800000 };
	uint64_t gpa;

	k.hdr.initrd_addr_max = 0x7fffffff;
	/* Top of RAM, page-aligned. */
	assert_int_equal(initrd_place(&f->mem, &k, 1000, &gpa), 0);
	assert_int_equal(gpa, RAM_SIZE - 4096);
	assert_int_equal(initrd_place(&f->mem, &k, 5 << 20, &gpa), 0);
	assert_int_equal(gpa, RAM_SIZE - (5 << 20));
	/* The kernel's own limit wins over RAM. */
	k.hdr.initrd_addr_max = 0x1ffffff;
	assert_int_equal(initrd_place(&f->mem, &k, 4096, &gpa), 0);
	assert_int_equal(gpa, 0x2000000 - 4096);
	/* Exactly fits between kernel end and limit; one byte more fails. */
	assert_int_equal(initrd_place(&f->mem, &k, 0x800000, &gpa), 0);
	assert_int_equal(gpa, 0x1800000);
	assert_int_equal(initrd_place(&f->mem, &k, 0x800001, &gpa), -ENOSPC);
	/* Larger than RAM, and absurd sizes. */
	k.hdr.initrd_addr_max = 0x7fffffff;
	assert_int_equal(initrd_place(&f->mem, &k, RAM_SIZE, &gpa), -ENOSPC);
	assert_int_equal(initrd_place(&f->mem, &k, ~0ULL, &gpa), -ENOSPC);
	assert_int_equal(initrd_place(&f->mem, &k, 0, &gpa), -ENOSPC);
}

/* The PCI host's ECAM is reserved in e820, after the RAM entries. */
static void test_boot_params_reserved(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k = { .end = 0x1800000 };
	struct boot_setup s = { .cmdline = "", .reserved_gpa = 0xe0000000,
				.reserved_size = 0x100000 };
	struct boot_params *bp = (void *)(f->ram + BOOT_PARAMS_GPA);

	k.hdr.cmdline_size = 2047;
	assert_int_equal(boot_params_build(&f->mem, &k, &s), 0);
	assert_int_equal(bp->e820_entries, 4);
	assert_int_equal(bp->e820_table[3].addr, 0xe0000000);
	assert_int_equal(bp->e820_table[3].size, 0x100000);
	assert_int_equal(bp->e820_table[3].type, 2);
	/* None asked for: none there. */
	s.reserved_size = 0;
	assert_int_equal(boot_params_build(&f->mem, &k, &s), 0);
	assert_int_equal(bp->e820_entries, 3);
}

static void test_boot_params(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k = { .end = 0x1800000 };
	uint8_t dtb[100], seed[32];
	struct boot_setup s = {
		.cmdline = "console=ttyS0 hello",
		.initrd_gpa = 0x3000000, .initrd_size = 12345,
		.dtb = dtb, .dtb_size = sizeof(dtb),
		.rng_seed = seed, .rng_seed_size = sizeof(seed),
	};
	struct boot_params *bp = (void *)(f->ram + BOOT_PARAMS_GPA);
	struct setup_data *sd;

	memset(dtb, 0xd7, sizeof(dtb));
	memset(seed, 0x5e, sizeof(seed));
	k.hdr.cmdline_size = 2047;
	k.hdr.version = 0x020f;
	memset(bp, 0xff, sizeof(*bp));		/* stale junk must go */

	assert_int_equal(boot_params_build(&f->mem, &k, &s), 0);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.cmd_line_ptr, BOOT_CMDLINE_GPA);
	assert_string_equal((char *)f->ram + BOOT_CMDLINE_GPA, s.cmdline);
	assert_int_equal(bp->hdr.ramdisk_image, 0x3000000);
	assert_int_equal(bp->hdr.ramdisk_size, 12345);
	assert_int_equal(bp->ext_ramdisk_image, 0);
	assert_int_equal(bp->e820_entries, 3);
	assert_int_equal(bp->hdr.version, 0x020f);

	/* The chain: DTB first, then the RNG seed, then the end. */
	assert_int_equal(bp->hdr.setup_data, BOOT_SETUP_DATA_GPA);
	sd = (void *)(f->ram + bp->hdr.setup_data);
	assert_int_equal(sd->type, SETUP_DTB);
	assert_int_equal(sd->len, sizeof(dtb));
	assert_memory_equal(sd->data, dtb, sizeof(dtb));
	assert_int_not_equal(sd->next, 0);
	assert_int_equal(sd->next % 8, 0);
	assert_true(sd->next >= bp->hdr.setup_data + sizeof(*sd) + sd->len);
	sd = (void *)(f->ram + sd->next);
	assert_int_equal(sd->type, SETUP_RNG_SEED);
	assert_int_equal(sd->len, sizeof(seed));
	assert_memory_equal(sd->data, seed, sizeof(seed));
	assert_int_equal(sd->next, 0);
	/* A DTB guest is not pointed at ACPI tables. */
	assert_int_equal(bp->acpi_rsdp_addr, 0);
}

/* The ACPI description: the RSDP's address, and no SETUP_DTB. */
static void test_boot_params_acpi(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k = { .end = 0x1800000 };
	struct boot_setup s = { .cmdline = "console=ttyS0",
				.acpi_rsdp = ACPI_AREA_GPA };
	struct boot_params *bp = (void *)(f->ram + BOOT_PARAMS_GPA);

	k.hdr.cmdline_size = 2047;
	k.hdr.version = 0x020f;
	memset(bp, 0xff, sizeof(*bp));
	assert_int_equal(boot_params_build(&f->mem, &k, &s), 0);
	assert_int_equal(bp->acpi_rsdp_addr, ACPI_AREA_GPA);
	assert_int_equal(bp->hdr.setup_data, 0);
	/* The tables' area is reserved in the e820 map, so the kernel keeps it. */
	assert_int_equal(bp->e820_table[1].type, 2);
	assert_true(bp->e820_table[1].addr <= ACPI_AREA_GPA);
	assert_true(bp->e820_table[1].addr + bp->e820_table[1].size >=
		    ACPI_AREA_GPA + ACPI_AREA_SIZE);
}

static void test_boot_params_limits(void **state)
{
	struct fixture *f = *state;
	struct kernel_image k = { .end = 0x1800000 };
	struct boot_setup s = { .cmdline = "x" };
	char *longline = malloc(3000);
	static uint8_t huge_dtb[BOOT_SETUP_DATA_END - BOOT_SETUP_DATA_GPA];

	k.hdr.cmdline_size = 2047;
	memset(longline, 'a', 2999);
	longline[2999] = 0;
	s.cmdline = longline;
	assert_int_equal(boot_params_build(&f->mem, &k, &s), -E2BIG);
	longline[2047] = 0;	/* exactly the limit is fine */
	assert_int_equal(boot_params_build(&f->mem, &k, &s), 0);
	free(longline);

	s.cmdline = "x";
	s.dtb = huge_dtb;
	s.dtb_size = sizeof(huge_dtb);	/* no room left for its header */
	assert_int_equal(boot_params_build(&f->mem, &k, &s), -ENOSPC);
	/* Without a DTB there is no chain at all. */
	s.dtb_size = 0;
	assert_int_equal(boot_params_build(&f->mem, &k, &s), 0);
	assert_int_equal(((struct boot_params *)(f->ram + BOOT_PARAMS_GPA))
			 ->hdr.setup_data, 0);
}

/* Walk the tables as the MMU would. */
static uint64_t translate(const uint8_t *ram, uint64_t va)
{
	const uint64_t *pml4 = (const void *)(ram + BOOT_PML4_GPA);
	uint64_t e = pml4[(va >> 39) & 511];
	const uint64_t *pdpt, *pd;

	if (!(e & 1))
		return ~0ULL;
	pdpt = (const void *)(ram + (e & ~0xfffULL));
	e = pdpt[(va >> 30) & 511];
	if (!(e & 1))
		return ~0ULL;
	pd = (const void *)(ram + (e & ~0xfffULL));
	e = pd[(va >> 21) & 511];
	if (!(e & 1) || !(e & 0x80))
		return ~0ULL;
	return (e & ~0x1fffffULL) | (va & 0x1fffff);
}

static void test_page_tables_identity_4g(void **state)
{
	struct fixture *f = *state;
	const uint64_t probes[] = { 0, 0x7000, 0x1000200, 0x3ffffff,
				    0xc0000000, 0xfee00000, 0xffffffff };
	unsigned int i;

	assert_int_equal(boot_pagetables_build(&f->mem), 0);
	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		assert_int_equal(translate(f->ram, probes[i]), probes[i]);
	assert_int_equal(translate(f->ram, SZ_4G), ~0ULL);
}

/*
 * With the console on ttyS0, an early console on COM1, so that Linux does
 * not print its log again when a driver takes the port over; not with the
 * virtio console.
 */
static void test_cmdline_earlycon(void **state)
{
	struct vm_config cfg = { .console = CONSOLE_SERIAL };
	struct vm vm = { .cfg = &cfg };
	char *s = arch_cmdline(&vm, false);

	assert_non_null(s);
	assert_non_null(strstr(s, " earlycon=uart8250,io,0x3f8 "));
	assert_non_null(strstr(s, "pci=off"));
	free(s);
	cfg.console = CONSOLE_VIRTIO;
	s = arch_cmdline(&vm, true);
	assert_non_null(s);
	assert_null(strstr(s, "earlycon"));
	assert_null(strstr(s, "pci=off"));
	free(s);
}

static void test_entry_state(void **state)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	uint64_t *gdt;
	struct fixture *f = *state;

	memset(&s, 0, sizeof(s));
	boot_sregs_init(&s);
	assert_true(s.cr0 & 0x80000001);	/* PG and PE */
	assert_true(s.cr4 & 0x20);		/* PAE */
	assert_int_equal(s.efer & 0x500, 0x500);/* LME and LMA */
	assert_int_equal(s.cr3, BOOT_PML4_GPA);
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.ds.selector, 0x18);
	assert_int_equal(s.ss.selector, 0x18);
	assert_int_equal(s.ds.limit, 0xffffffff);
	assert_int_equal(s.tr.type, 0xb);
	assert_int_equal(s.gdt.base, BOOT_GDT_GPA);

	/* The descriptors in guest memory agree with the segment state. */
	assert_int_equal(boot_pagetables_build(&f->mem), 0);
	gdt = (void *)(f->ram + BOOT_GDT_GPA);
	assert_int_equal((gdt[2] >> 53) & 1, 1);	/* CS.L */
	assert_int_equal((gdt[3] >> 47) & 1, 1);	/* DS present */

	boot_regs_init(&r, 0x1000200);
	assert_int_equal(r.rip, 0x1000200);
	assert_int_equal(r.rsi, BOOT_PARAMS_GPA);
	assert_int_equal(r.rflags & 0x200, 0);		/* IF clear */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bzimage_loads_at_pref_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bzimage_too_old, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bzimage_needs_more_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bzimage_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_loads_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_low_only, setup, teardown),
		cmocka_unit_test(test_e820_above_4g),
		cmocka_unit_test_setup_teardown(test_initrd_placement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params, setup, teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_reserved, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_acpi, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_boot_params_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_tables_identity_4g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_state, setup, teardown),
		cmocka_unit_test(test_cmdline_earlycon),
	};

	return cmocka_run_group_tests_name("boot", tests, NULL, NULL);
}
