// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI host bridge as a guest (or a hostile one) drives it: reads and
 * writes of every width at every offset through ECAM and through the
 * 0xCF8/0xCFC pair, which must agree byte for byte; absent buses, slots
 * and functions; BAR sizing and moving; Memory Space Enable gating BAR
 * decoding; the window the host forwards; the BAR allocator running out;
 * and KVM's routing table with MSI routes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/pci.h"

#define ECAM		0xe0000000ULL
#define WIN		0xc0000000ULL
#define WIN_SIZE	0x100000ULL	/* small: the allocator runs out */

struct fixture {
	struct pci_host h;
	struct pci_function f;
	int writes, reads;
	uint32_t last_off, last_len;
	/* bar_map calls, in order */
	int maps;
	struct { unsigned int bar; bool on; uint64_t addr; } map[16];
	/* BAR accesses */
	int bar_hits;
	uint64_t bar_off;
	uint8_t bar_mem[0x4000];
};

static void t_config_write(struct pci_function *f, uint32_t off, uint32_t len)
{
	struct fixture *t = f->opaque;

	t->writes++;
	t->last_off = off;
	t->last_len = len;
}

static void t_config_read(struct pci_function *f, uint32_t off, uint32_t len)
{
	((struct fixture *)f->opaque)->reads++;
}

static void t_bar_map(struct pci_function *f, unsigned int bar, bool on,
		      uint64_t addr)
{
	struct fixture *t = f->opaque;

	if (t->maps < 16)
		t->map[t->maps].bar = bar, t->map[t->maps].on = on,
		t->map[t->maps].addr = addr;
	t->maps++;
}

static void t_bar_access(void *opaque, uint64_t off, uint8_t *data,
			 uint32_t len, bool is_write)
{
	struct fixture *t = opaque;

	t->bar_hits++;
	t->bar_off = off;
	if (is_write)
		memcpy(t->bar_mem + off, data, len);
	else
		memcpy(data, t->bar_mem + off, len);
}

static const struct pci_function_ops t_ops = {
	.config_write = t_config_write,
	.config_read = t_config_read,
	.bar_map = t_bar_map,
};

static int setup(void **state)
{
	static struct fixture t;

	memset(&t, 0, sizeof(t));
	pci_host_init(&t.h, ECAM, WIN, WIN_SIZE);
	pci_function_init(&t.f, &t_ops, &t);
	pci_cfg_set(&t.f, PCI_VENDOR_ID, 2, 0x1af4);
	pci_cfg_set(&t.f, PCI_DEVICE_ID, 2, 0x1042);
	t.f.bars[0] = (struct pci_bar){ .size = 0x4000, .access = t_bar_access,
					.opaque = &t };
	t.f.bars[2] = (struct pci_bar){ .size = 0x1000, .access = t_bar_access,
					.opaque = &t };
	assert_int_equal(pci_host_add(&t.h, &t.f), 0);
	*state = &t;
	return 0;
}

/* ---- the two ways in ---- */

static uint32_t ecam_rd(struct fixture *t, uint8_t bus, uint8_t devfn,
			uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	pci_ecam_access(&t->h, (uint64_t)bus << 20 | (uint64_t)devfn << 12 | off,
			(uint8_t *)&v, len, false);
	return v;
}

static void ecam_wr(struct fixture *t, uint8_t devfn, uint32_t off,
		    uint32_t len, uint32_t v)
{
	pci_ecam_access(&t->h, (uint64_t)devfn << 12 | off, (uint8_t *)&v, len,
			true);
}

static void cf8_set(struct fixture *t, uint32_t a)
{
	pci_cf8_access(&t->h, 0, (uint8_t *)&a, 4, true);
}

static uint32_t cf8_rd(struct fixture *t, uint8_t bus, uint8_t devfn,
		       uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	cf8_set(t, 0x80000000u | bus << 16 | devfn << 8 | (off & 0xfc));
	pci_cf8_access(&t->h, 4 + (off & 3), (uint8_t *)&v, len, false);
	return v;
}

static void cf8_wr(struct fixture *t, uint8_t devfn, uint32_t off,
		   uint32_t len, uint32_t v)
{
	cf8_set(t, 0x80000000u | devfn << 8 | (off & 0xfc));
	pci_cf8_access(&t->h, 4 + (off & 3), (uint8_t *)&v, len, true);
}

#define DEV	(1 << 3)	/* 00:01.0 */

static void test_identity(void **state)
{
	struct fixture *t = *state;

	/* The host bridge at 00.0: a host bridge's class, no BARs. */
	assert_int_equal(ecam_rd(t, 0, 0, PCI_VENDOR_ID, 4), 0x00081b36);
	assert_int_equal(ecam_rd(t, 0, 0, PCI_REVISION_ID, 4) >> 8, 0x060000);
	assert_int_equal(ecam_rd(t, 0, 0, PCI_BAR0, 4), 0);
	assert_int_equal(t->f.devfn, DEV);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_VENDOR_ID, 4), 0x10421af4);
	assert_int_equal(cf8_rd(t, 0, DEV, PCI_VENDOR_ID, 4), 0x10421af4);
	/* BARs placed one after the other, naturally aligned. */
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_BAR0, 4), WIN);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_BAR0 + 8, 4), WIN + 0x4000);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_BAR0 + 4, 4), 0);
	/* No INTx: pin 0; the line register is the guest's scratch byte. */
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_INTERRUPT_PIN, 1), 0);
	ecam_wr(t, DEV, PCI_INTERRUPT_LINE, 1, 11);
	assert_int_equal(cf8_rd(t, 0, DEV, PCI_INTERRUPT_LINE, 1), 11);
}

static void test_absent(void **state)
{
	struct fixture *t = *state;
	uint8_t devfn;

	/* Empty slots, other functions, other buses: all ones. */
	for (devfn = 2 << 3; devfn; devfn += 8)
		assert_int_equal(ecam_rd(t, 0, devfn, 0, 4), PCI_NO_DEVICE);
	assert_int_equal(ecam_rd(t, 0, DEV | 1, 0, 4), PCI_NO_DEVICE);
	assert_int_equal(ecam_rd(t, 0, 7, 0, 2), 0xffff);
	assert_int_equal(cf8_rd(t, 1, DEV, 0, 4), PCI_NO_DEVICE);
	assert_int_equal(cf8_rd(t, 255, 0, 0, 4), PCI_NO_DEVICE);
	/* A write there changes nothing anywhere. */
	t->writes = 0;
	cf8_set(t, 0x80010000u | DEV << 8 | PCI_COMMAND);
	pci_cf8_access(&t->h, 4, (uint8_t *)&(uint32_t){ 6 }, 4, true);
	assert_int_equal(t->writes, 0);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_COMMAND, 2), 0);
}

static void test_bad_accesses(void **state)
{
	struct fixture *t = *state;
	uint32_t v, off;
	uint64_t q;

	/* Unaligned and odd widths read ones and write nothing. */
	assert_int_equal(ecam_rd(t, 0, DEV, 1, 2), 0xffff);
	assert_int_equal(ecam_rd(t, 0, DEV, 2, 4), PCI_NO_DEVICE);
	assert_int_equal(ecam_rd(t, 0, DEV, 0, 3), 0xffffff);
	v = 0;
	pci_config_access(&t->h, 0, DEV, 0, (uint8_t *)&v, 0, false);
	assert_int_equal(v, 0);
	t->writes = 0;
	ecam_wr(t, DEV, PCI_COMMAND + 1, 2, 0xffff);
	ecam_wr(t, DEV, PCI_COMMAND, 3, 0xffffff);
	assert_int_equal(t->writes, 0);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_COMMAND, 2), 0);
	/* An 8-byte ECAM access is not a configuration access. */
	q = 0;
	pci_ecam_access(&t->h, DEV << 12, (uint8_t *)&q, 8, false);
	assert_true(q == UINT64_MAX);
	pci_ecam_access(&t->h, DEV << 12 | PCI_COMMAND, (uint8_t *)&q, 8, true);
	assert_int_equal(t->writes, 0);
	/* Past 256 bytes (ECAM only): zero, no extended capabilities. */
	assert_int_equal(ecam_rd(t, 0, DEV, 0x100, 4), 0);
	assert_int_equal(ecam_rd(t, 0, DEV, 0xffc, 4), 0);
	ecam_wr(t, DEV, 0x100, 4, 0xffffffff);
	assert_int_equal(t->writes, 0);
	/* Past 4 KiB is the next function's window: 00:01.1 is absent. */
	assert_int_equal(ecam_rd(t, 0, DEV, 0x1000, 4), PCI_NO_DEVICE);
	/* Read-only registers stay as they are, whatever the width. */
	for (off = 0; off < 0x10; off += 4)
		ecam_wr(t, DEV, off, 4, 0xffffffff);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_VENDOR_ID, 4), 0x10421af4);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_STATUS, 2), 0);
}

static void test_cf8_register(void **state)
{
	struct fixture *t = *state;
	uint32_t v = 0;
	uint8_t b = 1;

	/* Linux's probe: 0x80000000 reads back as written. */
	cf8_set(t, 0x80000000u);
	pci_cf8_access(&t->h, 0, (uint8_t *)&v, 4, false);
	assert_int_equal(v, 0x80000000u);
	/* Reserved bits (30:24, 1:0) read as zero. */
	cf8_set(t, 0xffffffffu);
	pci_cf8_access(&t->h, 0, (uint8_t *)&v, 4, false);
	assert_int_equal(v, 0x80fffffcu);
	/* A byte at 0xCFB (mechanism #2's probe) or 0xCF9 changes nothing. */
	pci_cf8_access(&t->h, 3, &b, 1, true);
	pci_cf8_access(&t->h, 1, &b, 1, true);
	pci_cf8_access(&t->h, 0, (uint8_t *)&v, 4, false);
	assert_int_equal(v, 0x80fffffcu);
	pci_cf8_access(&t->h, 1, &b, 1, false);
	assert_int_equal(b, 0xff);
	/* Disabled: no configuration cycle. */
	cf8_set(t, DEV << 8);
	v = 0;
	pci_cf8_access(&t->h, 4, (uint8_t *)&v, 4, false);
	assert_int_equal(v, PCI_NO_DEVICE);
	/* Past 0xCFF: none either. */
	cf8_set(t, 0x80000000u | DEV << 8);
	v = 0;
	pci_cf8_access(&t->h, 6, (uint8_t *)&v, 4, false);
	assert_int_equal(v, PCI_NO_DEVICE);
	/* Within the data window, each byte lane is its register's. */
	assert_int_equal(cf8_rd(t, 0, DEV, PCI_DEVICE_ID, 2), 0x1042);
	assert_int_equal(cf8_rd(t, 0, DEV, PCI_VENDOR_ID + 1, 1), 0x1a);
}

/* Every aligned access of every width: the same through both paths. */
static void test_paths_agree(void **state)
{
	struct fixture *t = *state;
	uint32_t off, len;

	pci_cfg_set(&t->f, 0x40, 4, 0xdeadbeef);
	for (len = 1; len <= 4; len <<= 1)
		for (off = 0; off < PCI_CFG_SIZE; off += len) {
			assert_int_equal(ecam_rd(t, 0, DEV, off, len),
					 cf8_rd(t, 0, DEV, off, len));
			assert_int_equal(ecam_rd(t, 0, 0, off, len),
					 cf8_rd(t, 0, 0, off, len));
		}
	/* A write through one shows through the other. */
	cf8_wr(t, DEV, PCI_INTERRUPT_LINE, 1, 0x42);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_INTERRUPT_LINE, 1), 0x42);
	assert_int_equal(t->last_off, PCI_INTERRUPT_LINE);
	assert_int_equal(t->last_len, 1);
	assert_true(t->reads > 0);
}

static void test_bar_sizing(void **state)
{
	struct fixture *t = *state;

	/* All ones in, the size mask out; the flags (32-bit memory) stay. */
	ecam_wr(t, DEV, PCI_BAR0, 4, 0xffffffff);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_BAR0, 4), ~(0x4000u - 1));
	cf8_wr(t, DEV, PCI_BAR0 + 8, 4, 0xffffffff);
	assert_int_equal(cf8_rd(t, 0, DEV, PCI_BAR0 + 8, 4), ~(0x1000u - 1));
	/* Unimplemented BARs read 0 after sizing: no BAR. */
	ecam_wr(t, DEV, PCI_BAR0 + 4, 4, 0xffffffff);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_BAR0 + 4, 4), 0);
	ecam_wr(t, DEV, 0x30, 4, 0xffffffff);		/* expansion ROM */
	assert_int_equal(ecam_rd(t, 0, DEV, 0x30, 4), 0);
	/* Low bits of an address are dropped to the BAR's alignment. */
	ecam_wr(t, DEV, PCI_BAR0, 4, WIN + 0x8123);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_BAR0, 4), WIN + 0x8000);
	/* Byte and word writes size too. */
	ecam_wr(t, DEV, PCI_BAR0 + 3, 1, 0xc1);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_BAR0, 4), 0xc1008000);
	/* Sizing with decoding off tells the device nothing. */
	assert_int_equal(t->maps, 0);
}

static void test_decode(void **state)
{
	struct fixture *t = *state;
	uint32_t v = 0x11223344, r = 0;

	/* Before Memory Space Enable, nothing decodes. */
	pci_window_access(&t->h, 0x10, (uint8_t *)&v, 4, true);
	pci_window_access(&t->h, 0x10, (uint8_t *)&r, 4, false);
	assert_int_equal(r, PCI_NO_DEVICE);
	assert_int_equal(t->bar_hits, 0);
	ecam_wr(t, DEV, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_true(t->f.bus_master);
	assert_int_equal(t->maps, 2);
	assert_true(t->map[0].on && t->map[0].bar == 0 && t->map[0].addr == WIN);
	assert_true(t->map[1].on && t->map[1].bar == 2 &&
		    t->map[1].addr == WIN + 0x4000);
	pci_window_access(&t->h, 0x4010, (uint8_t *)&v, 4, true);
	assert_int_equal(t->bar_hits, 1);
	assert_int_equal(t->bar_off, 0x10);
	pci_window_access(&t->h, 0x4010, (uint8_t *)&r, 4, false);
	assert_int_equal(r, v);
	/* An access running past a BAR's end is nobody's. */
	r = 0;
	pci_window_access(&t->h, 0x4ffe, (uint8_t *)&r, 4, false);
	assert_int_equal(r, PCI_NO_DEVICE);
	assert_int_equal(t->bar_hits, 2);
	/* Moving a decoding BAR: off at the old place, on at the new. */
	ecam_wr(t, DEV, PCI_BAR0, 4, WIN + 0x8000);
	assert_int_equal(t->maps, 4);
	assert_true(!t->map[2].on && t->map[2].addr == WIN);
	assert_true(t->map[3].on && t->map[3].addr == WIN + 0x8000);
	pci_window_access(&t->h, 0x10, (uint8_t *)&r, 4, false);
	assert_int_equal(r, PCI_NO_DEVICE);
	/* Outside the window the host forwards: it stops decoding. */
	ecam_wr(t, DEV, PCI_BAR0, 4, 0xfebfc000);
	assert_int_equal(t->maps, 5);
	assert_false(t->map[4].on);
	/* Back in, at its last place there (the low bits are dropped). */
	ecam_wr(t, DEV, PCI_BAR0, 4, WIN + WIN_SIZE - 0x2000);
	assert_int_equal(t->maps, 6);
	/* Memory Space Enable off: every BAR stops; Bus Master off too. */
	ecam_wr(t, DEV, PCI_COMMAND, 2, 0);
	assert_int_equal(t->maps, 8);
	assert_false(t->map[6].on);
	assert_false(t->map[7].on);
	assert_false(t->f.bus_master);
	/* Bits that are not ours to set stay clear. */
	ecam_wr(t, DEV, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(ecam_rd(t, 0, DEV, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
			 PCI_COMMAND_INTX_DISABLE);
}

static void test_allocator(void **state)
{
	struct fixture *t = *state;
	static struct pci_function more[40];
	unsigned int i, added = 0;
	int err = 0;

	/* A BAR that is no power of two, or under 4 KiB, is refused. */
	pci_function_init(&more[0], NULL, NULL);
	more[0].bars[0].size = 0x3000;
	assert_int_equal(pci_host_add(&t->h, &more[0]), -EINVAL);
	more[0].bars[0].size = 0x800;
	assert_int_equal(pci_host_add(&t->h, &more[0]), -EINVAL);
	/* 64 KiB each: the 1 MiB window holds 15 more after the first. */
	for (i = 0; i < 40 && !err; i++) {
		pci_function_init(&more[i], NULL, NULL);
		more[i].bars[0].size = 0x10000;
		err = pci_host_add(&t->h, &more[i]);
		added += !err;
	}
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(added, 15);
	/* Then slots run out before the window for BAR-less functions. */
	for (err = 0; !err; added++) {
		pci_function_init(&more[added], NULL, NULL);
		err = pci_host_add(&t->h, &more[added]);
	}
	assert_int_equal(err, -ENOSPC);
	assert_int_equal(added, PCI_SLOTS - 2 + 1);
}

static void test_irq_routes(void **state)
{
	static struct vm_msi_routes r;
	struct kvm_irq_routing_entry e[64];
	size_t n;

	memset(&r, 0, sizeof(r));
	/* The irqchip's own: 24 IO-APIC pins and 16 PIC pins beside them. */
	n = vm_irq_routes_build(&r, e, 64);
	assert_int_equal(n, 40);
	assert_int_equal(e[0].gsi, 0);
	assert_int_equal(e[0].u.irqchip.irqchip, KVM_IRQCHIP_IOAPIC);
	assert_int_equal(e[1].u.irqchip.irqchip, KVM_IRQCHIP_PIC_MASTER);
	assert_int_equal(e[2 * 9 + 1].u.irqchip.irqchip, KVM_IRQCHIP_PIC_SLAVE);
	assert_int_equal(e[2 * 9 + 1].u.irqchip.pin, 1);
	assert_int_equal(e[39].gsi, 23);
	/* MSI routes follow, valid ones only, at their GSIs. */
	r.nr = 3;
	r.msi[0] = (struct vm_msi_route){ true, 0xfee01000, 0x4021, 0 };
	r.msi[2] = (struct vm_msi_route){ true, 0x1fee00000ULL, 0x22, 8 };
	n = vm_irq_routes_build(&r, e, 64);
	assert_int_equal(n, 42);
	assert_int_equal(e[40].gsi, FIRST_MSI_GSI);
	assert_int_equal(e[40].type, KVM_IRQ_ROUTING_MSI);
	assert_int_equal(e[40].u.msi.address_lo, 0xfee01000);
	assert_int_equal(e[40].u.msi.data, 0x4021);
	assert_int_equal(e[41].gsi, FIRST_MSI_GSI + 2);
	assert_int_equal(e[41].u.msi.address_hi, 1);
	/* A short array is filled as far as it goes; the count is whole. */
	assert_int_equal(vm_irq_routes_build(&r, e, 10), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_identity, setup),
		cmocka_unit_test_setup(test_absent, setup),
		cmocka_unit_test_setup(test_bad_accesses, setup),
		cmocka_unit_test_setup(test_cf8_register, setup),
		cmocka_unit_test_setup(test_paths_agree, setup),
		cmocka_unit_test_setup(test_bar_sizing, setup),
		cmocka_unit_test_setup(test_decode, setup),
		cmocka_unit_test_setup(test_allocator, setup),
		cmocka_unit_test(test_irq_routes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
