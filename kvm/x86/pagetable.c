// SPDX-License-Identifier: GPL-2.0
/*
 * Long mode before the kernel's first instruction: identity page tables for
 * the low 4 GiB (the protocol wants the kernel, zero page, command line and
 * initrd mapped 1:1), a GDT with the selectors the protocol names, and the
 * segment and control registers that go with them.
 */
#include <errno.h>
#include <string.h>

#include "boot.h"

#define PTE_PRESENT	(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)	/* 2 MiB page in a PD entry */

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

#define BOOT_GDT_ENTRIES	5

static const uint64_t boot_gdt[BOOT_GDT_ENTRIES] = {
	[0] = 0,
	[1] = 0,
	[BOOT_CS / 8] = 0x00af9b000000ffffULL,	/* 64-bit code, DPL 0 */
	[BOOT_DS / 8] = 0x00cf93000000ffffULL,	/* flat data, DPL 0 */
	[BOOT_TSS / 8] = 0x00008b0000000067ULL,	/* busy TSS: VMX wants a TR */
};

int boot_pagetables_build(struct guest_mem *mem)
{
	uint64_t *pml4, *pdpt, *pd, *gdt;
	unsigned int i;

	pml4 = guest_mem_ptr(mem, BOOT_PML4_GPA, SZ_4K);
	pdpt = guest_mem_ptr(mem, BOOT_PDPT_GPA, SZ_4K);
	pd = guest_mem_ptr(mem, BOOT_PD_GPA, 4 * SZ_4K);
	gdt = guest_mem_ptr(mem, BOOT_GDT_GPA, sizeof(boot_gdt));
	if (!pml4 || !pdpt || !pd || !gdt)
		return -ENOMEM;

	memset(pml4, 0, SZ_4K);
	memset(pdpt, 0, SZ_4K);
	pml4[0] = BOOT_PDPT_GPA | PTE_PRESENT | PTE_RW;
	for (i = 0; i < 4; i++)
		pdpt[i] = (BOOT_PD_GPA + i * SZ_4K) | PTE_PRESENT | PTE_RW;
	for (i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i * SZ_2M) | PTE_PRESENT | PTE_RW | PTE_PS;

	memcpy(gdt, boot_gdt, sizeof(boot_gdt));
	return 0;
}

static void segment_from_gdt(struct kvm_segment *seg, uint16_t selector)
{
	uint64_t d = boot_gdt[selector / 8];

	*seg = (struct kvm_segment){
		.base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000),
		.limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000)),
		.selector = selector,
		.type = (d >> 40) & 0xf,
		.s = (d >> 44) & 1,
		.dpl = (d >> 45) & 3,
		.present = (d >> 47) & 1,
		.avl = (d >> 52) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};
	if (seg->g)
		seg->limit = (seg->limit << 12) | 0xfff;
}

void boot_sregs_init(struct kvm_sregs *s)
{
	segment_from_gdt(&s->cs, BOOT_CS);
	segment_from_gdt(&s->ds, BOOT_DS);
	s->es = s->fs = s->gs = s->ss = s->ds;
	segment_from_gdt(&s->tr, BOOT_TSS);

	s->gdt.base = BOOT_GDT_GPA;
	s->gdt.limit = sizeof(boot_gdt) - 1;
	s->idt.base = 0;
	s->idt.limit = 0xffff;

	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	s->cr3 = BOOT_PML4_GPA;
	s->cr4 = CR4_PAE;
	s->efer = EFER_LME | EFER_LMA;
}

void boot_regs_init(struct kvm_regs *regs, uint64_t entry)
{
	memset(regs, 0, sizeof(*regs));
	regs->rflags = 0x2;		/* reserved bit; interrupts off */
	regs->rip = entry;
	regs->rsi = BOOT_PARAMS_GPA;	/* the protocol's zero page pointer */
	regs->rsp = BOOT_STACK_GPA;
	regs->rbp = BOOT_STACK_GPA;
}
