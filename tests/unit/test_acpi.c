// SPDX-License-Identifier: GPL-2.0
/*
 * The ACPI tables, read back byte by byte at the offsets the ACPI 6.5
 * specification gives (and Linux's include/acpi/actbl*.h agrees with):
 * the RSDP -> XSDT -> tables chain, checksums and lengths, the FADT's
 * hardware-reduced power registers, a local APIC per vCPU, the VIOT's
 * endpoints against the model's devices, MCFG and the VIOT PCI range for a
 * PCI host, the DSDT against iasl, and refusals instead of truncation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../kvm/x86/acpi.h"

#define GPA		ACPI_AREA_GPA
#define SIZE		ACPI_AREA_SIZE

static uint8_t area[SIZE];

static uint16_t rd16(const uint8_t *p, size_t off)
{
	return (uint16_t)(p[off] | p[off + 1] << 8);
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	return rd16(p, off) | (uint32_t)rd16(p, off + 2) << 16;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	return rd32(p, off) | (uint64_t)rd32(p, off + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

/* The guest's view: what lies at guest address @gpa, @len bytes. */
static const uint8_t *at(uint64_t gpa, size_t len)
{
	assert_true(gpa >= GPA && gpa - GPA <= SIZE && len <= SIZE - (gpa - GPA));
	return area + (gpa - GPA);
}

/* iovm's machine with @cpus vCPUs; disks behind an IOMMU if @iommu. */
static void make_machine(struct machine_desc *m, unsigned int cpus, bool iommu)
{
	struct machine_dev panic = { .kind = MACHINE_DEV_PVPANIC,
		.base = 0xd0000000, .size = 0x1000, .irq = -1,
		.iommu_endpoint = -1 };
	struct machine_dev dev = { .kind = MACHINE_DEV_VIRTIO_MMIO,
		.size = 0x1000, .iommu_endpoint = -1 };

	machine_init_pc(m, cpus);
	m->power.present = true;
	m->power.sleep_control = 0x600;
	m->power.sleep_status = 0x601;
	m->power.reset = 0x602;
	m->power.reset_value = 1;
	assert_int_equal(machine_add_dev(m, &panic), 0);
	/* iommu (or a plain device), two disks, an RNG outside the IOMMU */
	dev.base = 0xd0001000;
	dev.irq = 5;
	dev.is_iommu = iommu;
	assert_int_equal(machine_add_dev(m, &dev), 0);
	dev.is_iommu = false;
	dev.base = 0xd0002000;
	dev.irq = 6;
	dev.iommu_endpoint = iommu ? 1 : -1;
	assert_int_equal(machine_add_dev(m, &dev), 0);
	dev.base = 0xd0003000;
	dev.irq = 17;
	dev.iommu_endpoint = iommu ? 2 : -1;
	assert_int_equal(machine_add_dev(m, &dev), 0);
	dev.base = 0xd0004000;
	dev.irq = 7;
	dev.iommu_endpoint = -1;
	assert_int_equal(machine_add_dev(m, &dev), 0);
}

static void add_pci_host(struct machine_desc *m, int endpoint_base)
{
	m->pci.present = true;
	m->pci.segment = 0;
	m->pci.bus_start = 0;
	m->pci.bus_end = 3;
	m->pci.ecam_base = 0xe0000000;
	m->pci.mmio_base = 0xc0000000;
	m->pci.mmio_size = 0x10000000;
	m->pci.io_base = 0x1000;
	m->pci.io_size = 0x1000;
	m->pci.iommu_endpoint_base = endpoint_base;
}

/* The table the XSDT lists with signature @sig, or NULL. */
static const uint8_t *find(const char *sig)
{
	const uint8_t *rsdp = area, *xsdt;
	uint32_t i, n;

	xsdt = at(rd64(rsdp, 24), 36);
	n = (rd32(xsdt, 4) - 36) / 8;
	for (i = 0; i < n; i++) {
		const uint8_t *t = at(rd64(xsdt, 36 + 8 * i), 36);

		if (!memcmp(t, sig, 4))
			return t;
	}
	return NULL;
}

/* Every table: in the area, whole, checksummed, and as out says. */
static void check_chain(const struct acpi_tables *t)
{
	const uint8_t *rsdp = area, *xsdt, *facp;
	unsigned int i;

	assert_int_equal(t->rsdp_gpa, GPA);
	assert_ptr_equal(t->rsdp, area);
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(rsdp[15], 2);			/* revision */
	assert_int_equal(rd32(rsdp, 16), 0);		/* no RSDT */
	assert_int_equal(rd32(rsdp, 20), 36);
	assert_int_equal(sum(rsdp, 36), 0);
	xsdt = at(rd64(rsdp, 24), 36);
	assert_memory_equal(xsdt, "XSDT", 4);
	for (i = 0; i < t->nr; i++) {
		const uint8_t *p = at(t->t[i].gpa, t->t[i].len);

		assert_ptr_equal(p, t->t[i].data);
		assert_memory_equal(p, t->t[i].sig, 4);
		assert_int_equal(rd32(p, 4), t->t[i].len);
		assert_int_equal(sum(p, t->t[i].len), 0);
		assert_memory_equal(p + 10, "IOVM  ", 6);
		assert_true(t->t[i].gpa + t->t[i].len <= GPA + t->used);
	}
	facp = find("FACP");
	assert_non_null(facp);
	/* DSDT reached only through the FADT, at both its addresses. */
	assert_memory_equal(at(rd64(facp, 140), 36), "DSDT", 4);
	assert_int_equal(rd32(facp, 40), rd64(facp, 140));
	assert_null(find("DSDT"));
}

static void build(const struct machine_desc *m, struct acpi_tables *t)
{
	memset(area, 0xee, sizeof(area));
	assert_int_equal(acpi_build(m, area, GPA, SIZE, t), 0);
	check_chain(t);
}

static void test_chain_without_iommu(void **state)
{
	struct machine_desc m;
	struct acpi_tables t;

	make_machine(&m, 1, false);
	build(&m, &t);
	assert_int_equal(t.nr, 4);		/* DSDT FACP APIC XSDT */
	assert_non_null(find("APIC"));
	assert_null(find("VIOT"));
	assert_null(find("MCFG"));
	/* Nothing past the tables but zeroes. */
	for (size_t i = t.used; i < SIZE; i++)
		assert_int_equal(area[i], 0);
}

static void test_fadt(void **state)
{
	struct machine_desc m;
	struct acpi_tables t;
	const uint8_t *f;

	make_machine(&m, 2, true);
	build(&m, &t);
	f = find("FACP");
	assert_int_equal(rd32(f, 4), 276);
	assert_int_equal(f[8], 6);			/* revision */
	assert_int_equal(f[131], 5);			/* minor revision */
	assert_int_equal(rd16(f, 46), 0);		/* no SCI */
	assert_int_equal(rd32(f, 36), 0);		/* no FACS */
	assert_int_equal(rd64(f, 132), 0);
	/* hardware-reduced (20), reset register (10), no fixed buttons */
	assert_int_equal(rd32(f, 112), 1u << 20 | 1u << 10 | 1u << 5 |
					1u << 4 | 1u << 0);
	/* legacy devices (the UART), no VGA, no CMOS RTC, no 8042 */
	assert_int_equal(rd16(f, 109), 1 << 0 | 1 << 2 | 1 << 5);
	/* reset: byte-wide I/O port 0x602, value 1 */
	assert_int_equal(f[116], 1);
	assert_int_equal(f[117], 8);
	assert_int_equal(f[118], 0);
	assert_int_equal(f[119], 1);
	assert_int_equal(rd64(f, 120), 0x602);
	assert_int_equal(f[128], 1);
	/* no legacy PM blocks, 32-bit or extended */
	for (size_t i = 48; i < 109; i++)
		assert_int_equal(f[i], 0);
	for (size_t i = 148; i < 244; i++)
		assert_int_equal(f[i], 0);
	/* sleep control and status registers */
	assert_int_equal(f[244], 1);
	assert_int_equal(f[245], 8);
	assert_int_equal(f[247], 1);
	assert_int_equal(rd64(f, 248), 0x600);
	assert_int_equal(f[256], 1);
	assert_int_equal(f[257], 8);
	assert_int_equal(rd64(f, 260), 0x601);

	/* Without the power registers, no reset support is claimed. */
	m.power.present = false;
	build(&m, &t);
	f = find("FACP");
	assert_int_equal(rd32(f, 112) & (1u << 10), 0);
	assert_int_equal(rd64(f, 248), 0);
}

static void check_madt(unsigned int cpus)
{
	struct machine_desc m;
	struct acpi_tables t;
	const uint8_t *p;
	uint32_t off, len;
	unsigned int lapics = 0, ioapics = 0, isos = 0;
	uint32_t iso_pins = 0;

	make_machine(&m, cpus, true);
	build(&m, &t);
	p = find("APIC");
	len = rd32(p, 4);
	assert_int_equal(rd32(p, 36), 0xfee00000);
	assert_int_equal(rd32(p, 40), 0);		/* no PCAT_COMPAT */
	for (off = 44; off < len; off += p[off + 1]) {
		assert_true(p[off + 1] >= 2 && off + p[off + 1] <= len);
		switch (p[off]) {
		case 0:					/* local APIC */
			assert_int_equal(p[off + 1], 8);
			assert_int_equal(p[off + 2], lapics);	/* UID */
			assert_int_equal(p[off + 3], lapics);	/* APIC ID */
			assert_int_equal(rd32(p, off + 4), 1);	/* enabled */
			lapics++;
			break;
		case 1:					/* IO-APIC */
			assert_int_equal(p[off + 1], 12);
			assert_int_equal(rd32(p, off + 4), 0xfec00000);
			assert_int_equal(rd32(p, off + 8), 0);	/* GSI base */
			ioapics++;
			break;
		case 2:					/* override */
			assert_int_equal(p[off + 1], 10);
			assert_int_equal(p[off + 2], 0);	/* ISA */
			assert_int_equal(p[off + 3], rd32(p, off + 4));
			assert_int_equal(rd16(p, off + 8), 0x0d); /* level, high */
			iso_pins |= 1u << p[off + 3];
			isos++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", p[off]);
		}
	}
	assert_int_equal(off, len);
	assert_int_equal(lapics, cpus);
	assert_int_equal(ioapics, 1);
	/* UART 4 and devices 5, 6, 7 are ISA pins; 17 is not */
	assert_int_equal(isos, 4);
	assert_int_equal(iso_pins, 1u << 4 | 1u << 5 | 1u << 6 | 1u << 7);
}

static void test_madt(void **state)
{
	check_madt(1);
	check_madt(8);
	check_madt(MACHINE_MAX_CPUS);
}

/* VIOT endpoints, by base address: the endpoint ID, or -1 if not listed. */
struct viot_seen {
	uint64_t iommu_base;
	unsigned int nr_mmio, nr_pci;
	uint64_t base[MACHINE_MAX_DEVICES];
	uint32_t id[MACHINE_MAX_DEVICES];
	const uint8_t *pci;
};

static void read_viot(const uint8_t *v, struct viot_seen *s)
{
	uint32_t len = rd32(v, 4), off;
	uint16_t count = rd16(v, 36), i;

	memset(s, 0, sizeof(*s));
	assert_int_equal(v[8], 0);			/* revision */
	assert_int_equal(rd16(v, 38), 48);		/* node offset */
	assert_int_equal(v[48], 4);			/* virtio-iommu-mmio */
	assert_int_equal(rd16(v, 50), 16);
	s->iommu_base = rd64(v, 56);
	for (i = 1, off = 64; i < count; i++, off += rd16(v, off + 2)) {
		assert_true(off + 24 <= len);
		assert_int_equal(rd16(v, off + 2), 24);
		switch (v[off]) {
		case 2:					/* MMIO endpoint */
			s->id[s->nr_mmio] = rd32(v, off + 4);
			s->base[s->nr_mmio++] = rd64(v, off + 8);
			assert_int_equal(rd16(v, off + 16), 48);
			break;
		case 1:					/* PCI range */
			assert_int_equal(rd16(v, off + 16), 48);
			s->pci = v + off;
			s->nr_pci++;
			break;
		default:
			fail_msg("unexpected VIOT node type %u", v[off]);
		}
	}
	assert_int_equal(off, len);
}

static void test_viot_endpoints(void **state)
{
	struct machine_desc m;
	struct acpi_tables t;
	struct viot_seen s;
	unsigned int i, n = 0;

	make_machine(&m, 2, true);
	build(&m, &t);
	read_viot(find("VIOT"), &s);
	assert_int_equal(s.iommu_base, machine_iommu(&m)->base);
	/* One node per device with an endpoint ID, in the model's order. */
	for (i = 0; i < m.nr_devs; i++) {
		if (m.devs[i].iommu_endpoint < 0)
			continue;
		assert_true(n < s.nr_mmio);
		assert_int_equal(s.base[n], m.devs[i].base);
		assert_int_equal(s.id[n], m.devs[i].iommu_endpoint);
		n++;
	}
	assert_int_equal(n, 2);
	assert_int_equal(s.nr_mmio, n);
	assert_int_equal(s.nr_pci, 0);
	assert_null(find("MCFG"));

	/* An IOMMU with no endpoint at all still gets its node. */
	for (i = 0; i < m.nr_devs; i++)
		m.devs[i].iommu_endpoint = -1;
	build(&m, &t);
	read_viot(find("VIOT"), &s);
	assert_int_equal(rd16(find("VIOT"), 36), 1);
	assert_int_equal(s.nr_mmio, 0);
}

/*
 * add_pci_host()'s host as the DSDT's last devices, against iasl's
 * compilation of:
 *
 *     Device (PCI0)
 *     {
 *         Name (_HID, EisaId ("PNP0A08"))
 *         Name (_CID, EisaId ("PNP0A03"))
 *         Name (_SEG, Zero)
 *         Name (_BBN, Zero)
 *         Name (_UID, Zero)
 *         Name (_CRS, ResourceTemplate ()
 *         {
 *             WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
 *                 0x0000, 0x0000, 0x0003, 0x0000, 0x0004)
 *             IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *             WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange,
 *                 0x0000, 0x1000, 0x1FFF, 0x0000, 0x1000)
 *             DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, ReadWrite,
 *                 0x00000000, 0xC0000000, 0xCFFFFFFF, 0x00000000, 0x10000000)
 *         })
 *     }
 *     Device (MRES)
 *     {
 *         Name (_HID, EisaId ("PNP0C02"))
 *         Name (_UID, Zero)
 *         Name (_CRS, ResourceTemplate ()
 *         {
 *             Memory32Fixed (ReadOnly, 0xE0000000, 0x00400000)
 *         })
 *     }
 */
static const uint8_t iasl_pci_devices[] = {
	0x5b, 0x82, 0x4a, 0x07, 0x50, 0x43, 0x49, 0x30, 0x08, 0x5f, 0x48, 0x49,
	0x44, 0x0c, 0x41, 0xd0, 0x0a, 0x08, 0x08, 0x5f, 0x43, 0x49, 0x44, 0x0c,
	0x41, 0xd0, 0x0a, 0x03, 0x08, 0x5f, 0x53, 0x45, 0x47, 0x00, 0x08, 0x5f,
	0x42, 0x42, 0x4e, 0x00, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5f,
	0x43, 0x52, 0x53, 0x11, 0x48, 0x04, 0x0a, 0x44, 0x88, 0x0d, 0x00, 0x02,
	0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00,
	0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08, 0x88, 0x0d, 0x00, 0x01,
	0x0c, 0x03, 0x00, 0x00, 0x00, 0x10, 0xff, 0x1f, 0x00, 0x00, 0x00, 0x10,
	0x87, 0x17, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xc0, 0xff, 0xff, 0xff, 0xcf, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x10, 0x79, 0x00, 0x5b, 0x82, 0x2c, 0x4d, 0x52, 0x45, 0x53, 0x08,
	0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0, 0x0c, 0x02, 0x08, 0x5f, 0x55,
	0x49, 0x44, 0x00, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x11, 0x0a, 0x0e,
	0x86, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe0, 0x00, 0x00, 0x40, 0x00,
	0x79, 0x00,
};

static void test_pci_host(void **state)
{
	struct machine_desc m;
	struct acpi_tables t;
	struct viot_seen s;
	const uint8_t *mcfg, *d;
	uint32_t len;

	make_machine(&m, 2, true);
	add_pci_host(&m, 0x100);
	build(&m, &t);
	d = at(rd64(find("FACP"), 140), 36);
	len = rd32(d, 4);
	assert_true(len > 36 + sizeof(iasl_pci_devices));
	assert_memory_equal(d + len - sizeof(iasl_pci_devices),
			    iasl_pci_devices, sizeof(iasl_pci_devices));
	mcfg = find("MCFG");
	assert_non_null(mcfg);
	assert_int_equal(rd32(mcfg, 4), 44 + 16);
	assert_int_equal(rd64(mcfg, 44), 0xe0000000);
	assert_int_equal(rd16(mcfg, 52), 0);		/* segment */
	assert_int_equal(mcfg[54], 0);
	assert_int_equal(mcfg[55], 3);
	read_viot(find("VIOT"), &s);
	assert_int_equal(s.nr_mmio, 2);
	assert_int_equal(s.nr_pci, 1);
	assert_int_equal(rd32(s.pci, 4), 0x100);	/* endpoint start */
	assert_int_equal(rd16(s.pci, 8), 0);		/* segments 0..0 */
	assert_int_equal(rd16(s.pci, 10), 0);
	assert_int_equal(rd16(s.pci, 12), 0x0000);	/* 00:00.0 */
	assert_int_equal(rd16(s.pci, 14), 0x03ff);	/* 03:1f.7 */

	/* Buses 2..3: MCFG still gives bus 0's base. */
	m.pci.bus_start = 2;
	m.pci.ecam_base = 0xe0200000;
	build(&m, &t);
	mcfg = find("MCFG");
	assert_int_equal(rd64(mcfg, 44), 0xe0000000);
	assert_int_equal(mcfg[54], 2);
	read_viot(find("VIOT"), &s);
	assert_int_equal(rd16(s.pci, 12), 0x0200);

	/* Host outside the IOMMU: MCFG, but no PCI range. */
	m.pci.iommu_endpoint_base = -1;
	build(&m, &t);
	assert_non_null(find("MCFG"));
	read_viot(find("VIOT"), &s);
	assert_int_equal(s.nr_pci, 0);

	/* ... and no VIOT at all without an IOMMU. */
	make_machine(&m, 2, false);
	add_pci_host(&m, -1);
	build(&m, &t);
	assert_non_null(find("MCFG"));
	assert_null(find("VIOT"));
}

/*
 * The DSDT of make_machine(.., true) against iasl's compilation of:
 *
 * DefinitionBlock ("", "DSDT", 2, "IOVM  ", "IOVMDSDT", 1)
 * {
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
 *         Device (PV00)
 *         {
 *             Name (_HID, "QEMU0001")
 *             Name (_UID, Zero)
 *             Name (_CRS, ResourceTemplate ()
 *             {
 *                 Memory32Fixed (ReadWrite, 0xD0000000, 0x00001000)
 *             })
 *         }
 *         Device (VR01)
 *         {
 *             Name (_HID, "LNRO0005")
 *             Name (_UID, Zero)
 *             Name (_CCA, One)
 *             Name (_CRS, ResourceTemplate ()
 *             {
 *                 Memory32Fixed (ReadWrite, 0xD0001000, 0x00001000)
 *                 Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive) { 5 }
 *             })
 *         }
 *         Device (VR02) ... _UID One, 0xD0002000, { 6 }
 *         Device (VR03) ... _UID 2, 0xD0003000, { 17 }
 *         Device (VR04) ... _UID 3, 0xD0004000, { 7 }
 *     }
 * }
 *
 * (VR02 to VR04 are written out in full like VR01.)
 */
static const uint8_t iasl_dsdt[] = {
	0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x05, 0x02, 0x0a, 0x05, 0x00, 0x10,
	0x4a, 0x17, 0x5f, 0x53, 0x42, 0x5f, 0x5b, 0x82, 0x31, 0x43, 0x4f, 0x4d,
	0x31, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08,
	0x5f, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x16,
	0x0a, 0x13, 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08, 0x89, 0x06,
	0x00, 0x01, 0x01, 0x04, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5b, 0x82, 0x31,
	0x50, 0x56, 0x30, 0x30, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0d, 0x51, 0x45,
	0x4d, 0x55, 0x30, 0x30, 0x30, 0x31, 0x00, 0x08, 0x5f, 0x55, 0x49, 0x44,
	0x00, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x11, 0x0a, 0x0e, 0x86, 0x09,
	0x00, 0x01, 0x00, 0x00, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00, 0x79, 0x00,
	0x5b, 0x82, 0x41, 0x04, 0x56, 0x52, 0x30, 0x31, 0x08, 0x5f, 0x48, 0x49,
	0x44, 0x0d, 0x4c, 0x4e, 0x52, 0x4f, 0x30, 0x30, 0x30, 0x35, 0x00, 0x08,
	0x5f, 0x55, 0x49, 0x44, 0x00, 0x08, 0x5f, 0x43, 0x43, 0x41, 0x01, 0x08,
	0x5f, 0x43, 0x52, 0x53, 0x11, 0x1a, 0x0a, 0x17, 0x86, 0x09, 0x00, 0x01,
	0x00, 0x10, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00, 0x89, 0x06, 0x00, 0x01,
	0x01, 0x05, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5b, 0x82, 0x41, 0x04, 0x56,
	0x52, 0x30, 0x32, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0d, 0x4c, 0x4e, 0x52,
	0x4f, 0x30, 0x30, 0x30, 0x35, 0x00, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x01,
	0x08, 0x5f, 0x43, 0x43, 0x41, 0x01, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11,
	0x1a, 0x0a, 0x17, 0x86, 0x09, 0x00, 0x01, 0x00, 0x20, 0x00, 0xd0, 0x00,
	0x10, 0x00, 0x00, 0x89, 0x06, 0x00, 0x01, 0x01, 0x06, 0x00, 0x00, 0x00,
	0x79, 0x00, 0x5b, 0x82, 0x42, 0x04, 0x56, 0x52, 0x30, 0x33, 0x08, 0x5f,
	0x48, 0x49, 0x44, 0x0d, 0x4c, 0x4e, 0x52, 0x4f, 0x30, 0x30, 0x30, 0x35,
	0x00, 0x08, 0x5f, 0x55, 0x49, 0x44, 0x0a, 0x02, 0x08, 0x5f, 0x43, 0x43,
	0x41, 0x01, 0x08, 0x5f, 0x43, 0x52, 0x53, 0x11, 0x1a, 0x0a, 0x17, 0x86,
	0x09, 0x00, 0x01, 0x00, 0x30, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00, 0x89,
	0x06, 0x00, 0x01, 0x01, 0x11, 0x00, 0x00, 0x00, 0x79, 0x00, 0x5b, 0x82,
	0x42, 0x04, 0x56, 0x52, 0x30, 0x34, 0x08, 0x5f, 0x48, 0x49, 0x44, 0x0d,
	0x4c, 0x4e, 0x52, 0x4f, 0x30, 0x30, 0x30, 0x35, 0x00, 0x08, 0x5f, 0x55,
	0x49, 0x44, 0x0a, 0x03, 0x08, 0x5f, 0x43, 0x43, 0x41, 0x01, 0x08, 0x5f,
	0x43, 0x52, 0x53, 0x11, 0x1a, 0x0a, 0x17, 0x86, 0x09, 0x00, 0x01, 0x00,
	0x40, 0x00, 0xd0, 0x00, 0x10, 0x00, 0x00, 0x89, 0x06, 0x00, 0x01, 0x01,
	0x07, 0x00, 0x00, 0x00, 0x79, 0x00,
};

static void test_dsdt_matches_iasl(void **state)
{
	struct machine_desc m;
	struct acpi_tables t;
	const uint8_t *d;

	make_machine(&m, 2, true);
	build(&m, &t);
	d = at(rd64(find("FACP"), 140), 36);
	assert_int_equal(d[8], 2);			/* 64-bit integers */
	assert_memory_equal(d + 16, "IOVMDSDT", 8);
	assert_int_equal(rd32(d, 4), 36 + sizeof(iasl_dsdt));
	assert_memory_equal(d + 36, iasl_dsdt, sizeof(iasl_dsdt));
}

static void expect_refused(const struct machine_desc *m, int err)
{
	struct acpi_tables t;

	memset(area, 0xee, sizeof(area));
	assert_int_equal(acpi_build(m, area, GPA, SIZE, &t), err);
	assert_int_equal(t.nr, 0);
}

static void test_refused_models(void **state)
{
	struct machine_desc m;
	struct acpi_tables t;

	make_machine(&m, 1, true);
	m.devs[4].iommu_endpoint = 1;			/* ID taken */
	expect_refused(&m, -EINVAL);
	make_machine(&m, 1, false);
	m.devs[2].iommu_endpoint = 1;			/* no IOMMU */
	expect_refused(&m, -EINVAL);
	make_machine(&m, 1, true);
	m.devs[4].is_iommu = true;			/* two IOMMUs */
	expect_refused(&m, -EINVAL);
	make_machine(&m, 1, true);
	m.devs[3].irq = 24;				/* no such pin */
	expect_refused(&m, -EINVAL);
	make_machine(&m, 1, true);
	m.devs[3].irq = 4;				/* the UART's */
	expect_refused(&m, -EINVAL);
	make_machine(&m, 0, true);
	expect_refused(&m, -EINVAL);
	make_machine(&m, MACHINE_MAX_CPUS + 1, true);
	expect_refused(&m, -EINVAL);
	make_machine(&m, 1, true);
	m.devs[3].base = 0xd0002800;			/* overlaps a window */
	expect_refused(&m, -EINVAL);
	make_machine(&m, 1, true);
	add_pci_host(&m, 1);				/* IDs overlap disks' */
	expect_refused(&m, -EINVAL);
	make_machine(&m, 1, true);
	add_pci_host(&m, -1);
	m.pci.ecam_base = 0x100000000ULL;		/* MRES: 32 bits */
	expect_refused(&m, -ERANGE);
	/* Well-formed, but not in 32 bits, as Memory32Fixed must. */
	make_machine(&m, 1, true);
	m.devs[4].base = 0x100000000ULL;
	expect_refused(&m, -ERANGE);
	make_machine(&m, 1, true);
	m.devs[4].base = 0xfffff000;
	m.devs[4].size = 0x2000;
	expect_refused(&m, -ERANGE);
	/* An area the guest cannot be pointed at. */
	make_machine(&m, 1, true);
	assert_int_equal(acpi_build(&m, area, GPA + 8, SIZE, &t), -EINVAL);
	assert_int_equal(acpi_build(&m, area, 0xfffff000, SIZE, &t), -EINVAL);
}

/*
 * Too little room is an error, never a truncated table, and leaves no
 * RSDP or table behind for a guest to find.
 */
static void test_out_of_space(void **state)
{
	struct machine_desc m;
	struct acpi_tables t;
	size_t need, size, i;

	make_machine(&m, MACHINE_MAX_CPUS, true);
	add_pci_host(&m, 0x100);
	assert_int_equal(acpi_build(&m, area, GPA, SIZE, &t), 0);
	need = t.used;
	for (size = 0; size < need; size++) {
		memset(area, 0xee, sizeof(area));
		assert_int_equal(acpi_build(&m, area, GPA, size, &t),
				 size < ACPI_RSDP_LEN ? -EINVAL : -ENOSPC);
		assert_int_equal(t.nr, 0);
		for (i = 0; i < size; i++)
			assert_int_equal(area[i], size < ACPI_RSDP_LEN ? 0xee : 0);
		for (i = size; i < SIZE; i++)
			assert_int_equal(area[i], 0xee);
	}
	assert_int_equal(acpi_build(&m, area, GPA, need, &t), 0);
}

static bool file_is(const char *path, const struct acpi_table *t)
{
	uint8_t back[4096];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return false;
	n = fread(back, 1, sizeof(back), f);
	fclose(f);
	return n == t->len && !memcmp(back, t->data, n);
}

static void test_dump(void **state)
{
	char dir[] = "/tmp/iovm-acpi-XXXXXX", path[128];
	static const char *const names[] = { "dsdt", "facp", "apic", "viot",
					     "xsdt" };
	struct machine_desc m;
	struct acpi_tables t;
	unsigned int i;

	assert_non_null(mkdtemp(dir));
	make_machine(&m, 2, true);
	build(&m, &t);
	assert_int_equal(t.nr, 5);
	assert_int_equal(acpi_dump(&t, dir), 0);
	for (i = 0; i < t.nr; i++) {
		snprintf(path, sizeof(path), "%s/%s.dat", dir, names[i]);
		assert_true(file_is(path, &t.t[i]));
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/rsdp.dat", dir);
	assert_int_equal(access(path, F_OK), -1);

	/* A file, or nothing, where the directory should be. */
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(acpi_dump(&t, path), -ENOENT);
	snprintf(path, sizeof(path), "%s/file", dir);
	fclose(fopen(path, "w"));
	assert_int_equal(acpi_dump(&t, path), -ENOTDIR);
	unlink(path);

	/* A failure half-way takes back the files already written. */
	snprintf(path, sizeof(path), "%s/viot.dat", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(acpi_dump(&t, dir), -EISDIR);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* nothing else is left */
}

static void test_power_registers(void **state)
{
	struct machine_desc m;
	unsigned int v;

	make_machine(&m, 1, false);
	for (v = 0; v < 256; v++) {
		/* SLP_EN (bit 5) with SLP_TYP (bits 4:2) 5, whatever else */
		enum acpi_pm_request want = (v & 0x3c) == 0x34 ?
			ACPI_PM_POWER_OFF : ACPI_PM_NOTHING;

		assert_int_equal(acpi_pm_decode(&m, 0x600, (uint8_t)v), want);
		/* clearing WAK_STS or anything else: nothing */
		assert_int_equal(acpi_pm_decode(&m, 0x601, (uint8_t)v),
				 ACPI_PM_NOTHING);
		assert_int_equal(acpi_pm_decode(&m, 0x602, (uint8_t)v),
				 v == 1 ? ACPI_PM_RESET : ACPI_PM_NOTHING);
		assert_int_equal(acpi_pm_decode(&m, 0x603, (uint8_t)v),
				 ACPI_PM_NOTHING);
	}
	m.power.present = false;
	assert_int_equal(acpi_pm_decode(&m, 0x600, 0x34), ACPI_PM_NOTHING);
	assert_int_equal(acpi_pm_decode(&m, 0x602, 1), ACPI_PM_NOTHING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_without_iommu),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_viot_endpoints),
		cmocka_unit_test(test_pci_host),
		cmocka_unit_test(test_dsdt_matches_iasl),
		cmocka_unit_test(test_refused_models),
		cmocka_unit_test(test_out_of_space),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_power_registers),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
