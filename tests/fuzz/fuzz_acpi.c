// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the ACPI table builder, and the device tree built from the same
 * model, over the machine models an input describes: any number of CPUs,
 * devices anywhere (near iovm's window, or at raw 64-bit addresses), any
 * pins, endpoint IDs and flags, a PCI host or none, an area of any size.
 *
 * What must hold for every input:
 *  - a model machine_validate() refuses is refused by both encoders, and
 *    a model it accepts is encoded by the device tree, which says what the
 *    model says (fuzz_fdt_check());
 *  - acpi_build() writes nothing outside its area, and on failure leaves
 *    no table in it: untouched for a refused model, zeroed when out of
 *    space;
 *  - on success every table lies inside the area, its length and checksum
 *    are right, the RSDP -> XSDT -> FADT -> DSDT chain holds, the MADT
 *    has a local APIC per CPU and one IO-APIC, the DSDT lists each device
 *    once (the PCI host bridge too), and the VIOT's nodes are the model's
 *    endpoints, no more, no less;
 *  - an arm64 model (FM_ARM64: a GICv3 and ITS, an MMIO UART, the PCI
 *    host's maps) is refused by acpi_build() and encoded by the device
 *    tree alone, checked the same way.
 *
 * Input: a struct fuzz_machine, then struct fuzz_dev records until the
 * input runs out (or MACHINE_MAX_DEVICES + 1 of them).
 */
#include <errno.h>
#include <string.h>

#include "../../kvm/x86/acpi.h"
#include "fuzz.h"

const char fuzz_name[] = "acpi";

#define GUARD		64
#define FILL		0xa5
#define GUARD_FILL	0xdb
#define DEV_WINDOW	0xd0000000ULL	/* where iovm puts device windows */

/* fuzz_machine.flags */
#define FM_UART		0x01
#define FM_POWER	0x02
#define FM_PCI		0x04
#define FM_PCI_IOMMU	0x08	/* the PCI host behind the IOMMU */
#define FM_RAW_APICS	0x10	/* APIC bases as given, not iovm's */
#define FM_MISALIGN	0x20	/* the area's address not 16-byte aligned */
#define FM_ARM64	0x40	/* an arm64 model: GIC at the APICs' bases */
#define FM_NO_ITS	0x80	/* arm64: no ITS */

struct fuzz_machine {
	uint16_t nr_cpus;
	uint8_t flags;
	uint8_t ioapic_pins;
	uint8_t uart_irq;
	uint8_t pci_bus_start, pci_bus_end;
	uint8_t reserved;
	uint16_t uart_port;
	uint16_t pci_ecam_mib;		/* ECAM at this MiB */
	uint32_t area_size;		/* taken modulo ACPI_AREA_SIZE + 1 */
	int32_t pci_endpoint_base;
	uint64_t lapic_base, ioapic_base;
	uint32_t pci_mmio_base, pci_mmio_size;
} __attribute__((packed));

/* fuzz_dev.flags */
#define FD_IOMMU	0x01
#define FD_NO_IRQ	0x02
#define FD_NO_ENDPOINT	0x04
#define FD_RAW_BASE	0x08	/* base and size as given, in bytes */

struct fuzz_dev {
	uint8_t kind;			/* 0 virtio-mmio, 1 pvpanic, else bad */
	uint8_t flags;
	uint8_t irq;
	uint8_t endpoint;
	uint16_t slot;			/* base: DEV_WINDOW + slot pages */
	uint16_t pages;			/* size in pages */
	uint64_t raw_base;
} __attribute__((packed));

static uint8_t arena[GUARD + ACPI_AREA_SIZE + GUARD];
static uint8_t *const area = arena + GUARD;
static struct machine_desc m;

/*
 * The arm64 reading of the header: the GIC's distributor and
 * redistributors where the x86 model has its APICs (iovm's own addresses
 * unless FM_RAW_APICS), 4 SPIs per IO-APIC pin (past the GICv3's 988 at
 * the top), the UART's window at its port number in 64 KiB units.
 */
static void load_arm64(const struct fuzz_machine *h)
{
	bool raw = h->flags & FM_RAW_APICS;

	m.arch = MACHINE_ARM64;
	m.gic.dist_base = raw ? h->lapic_base : 0xf0000000;
	m.gic.redist_base = raw ? h->ioapic_base : 0xf0100000;
	m.gic.its_base = h->flags & FM_NO_ITS ? 0 : 0xf0020000;
	m.gic.nr_spis = h->ioapic_pins * 4u;
	m.uart.mmio_base = (uint64_t)h->uart_port << 16;
	m.ram_low = (uint64_t)h->area_size << 12;
	m.ram_high = (uint64_t)h->pci_ecam_mib << 20;
	m.pmu = h->reserved & 1;
}

static void load(const uint8_t *data, size_t size, uint32_t *area_size,
		 uint64_t *gpa)
{
	struct fuzz_machine h = { 0 };
	unsigned int i;

	memcpy(&h, data, size < sizeof(h) ? size : sizeof(h));
	data += size < sizeof(h) ? size : sizeof(h);
	size -= size < sizeof(h) ? size : sizeof(h);

	memset(&m, 0, sizeof(m));
	m.nr_cpus = h.nr_cpus;
	m.lapic_base = h.flags & FM_RAW_APICS ? h.lapic_base : 0xfee00000;
	m.ioapic.base = h.flags & FM_RAW_APICS ? h.ioapic_base : 0xfec00000;
	m.ioapic.id = (uint8_t)h.ioapic_base;
	m.ioapic.nr_pins = h.ioapic_pins;
	m.uart.present = h.flags & FM_UART;
	m.uart.port = h.uart_port;
	m.uart.irq = h.uart_irq;
	m.power.present = h.flags & FM_POWER;
	m.power.sleep_control = h.uart_port + 1;
	m.power.sleep_status = h.uart_port + 2;
	m.power.reset = h.uart_port + 3;
	m.power.reset_value = h.reserved;
	m.pci.present = h.flags & FM_PCI;
	m.pci.bus_start = h.pci_bus_start;
	m.pci.bus_end = h.pci_bus_end;
	m.pci.ecam_base = (uint64_t)h.pci_ecam_mib << 20;
	m.pci.mmio_base = h.pci_mmio_base;
	m.pci.mmio_size = h.pci_mmio_size;
	m.pci.iommu_endpoint_base = h.flags & FM_PCI_IOMMU ?
				    h.pci_endpoint_base : -1;
	if (h.flags & FM_ARM64)
		load_arm64(&h);
	*area_size = h.area_size % (ACPI_AREA_SIZE + 1);
	*gpa = ACPI_AREA_GPA + (h.flags & FM_MISALIGN ? 8 : 0);

	for (i = 0; size >= sizeof(struct fuzz_dev) &&
		    i <= MACHINE_MAX_DEVICES; i++) {
		struct machine_dev *o = &m.devs[i];
		struct fuzz_dev d;

		m.nr_devs = i + 1;	/* one too many is a refused model */
		if (i == MACHINE_MAX_DEVICES)
			break;
		memcpy(&d, data, sizeof(d));
		data += sizeof(d);
		size -= sizeof(d);
		o->kind = d.kind == 0 ? MACHINE_DEV_VIRTIO_MMIO :
			  d.kind == 1 ? MACHINE_DEV_PVPANIC : d.kind;
		o->is_iommu = d.flags & FD_IOMMU;
		o->irq = d.flags & FD_NO_IRQ ? -1 : d.irq;
		o->iommu_endpoint = d.flags & FD_NO_ENDPOINT ? -1 : d.endpoint;
		if (d.flags & FD_RAW_BASE) {
			o->base = d.raw_base;
			o->size = d.pages;
		} else {
			o->base = DEV_WINDOW + (uint64_t)d.slot * 0x1000;
			o->size = (uint64_t)d.pages * 0x1000;
		}
	}
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static const struct acpi_table *table(const struct acpi_tables *t,
				      const char *sig)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (!memcmp(t->t[i].sig, sig, 4))
			return &t->t[i];
	return NULL;
}

static const struct acpi_table *table_at(const struct acpi_tables *t,
					 uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		if (t->t[i].gpa == gpa)
			return &t->t[i];
	return NULL;
}

static size_t count(const uint8_t *p, size_t len, const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i + n <= len; i++)
		c += !memcmp(p + i, s, n);
	return c;
}

static void check_madt(const struct acpi_table *a)
{
	unsigned int lapics = 0, ioapics = 0;
	uint32_t off;

	for (off = 44; off < a->len; off += a->data[off + 1]) {
		fuzz_assert(a->len - off >= 2 && a->data[off + 1] >= 2 &&
			    a->data[off + 1] <= a->len - off);
		lapics += a->data[off] == 0;
		ioapics += a->data[off] == 1;
	}
	fuzz_assert(lapics == m.nr_cpus && ioapics == 1);
}

/* The VIOT's endpoints are exactly the model's. */
static void check_viot(const struct acpi_table *v, const struct machine_dev *iommu)
{
	unsigned int nodes = v->data[36] | v->data[37] << 8, i, n = 1;
	unsigned int mmio = 0, want_mmio = 0, pci = 0;
	uint32_t off;

	fuzz_assert(v->data[48] == 4 && rd64(v->data + 56) == iommu->base);
	for (off = 64; n < nodes; n++, off += 24) {
		const uint8_t *p = v->data + off;

		fuzz_assert(off + 24 <= v->len && p[2] == 24 && p[3] == 0);
		fuzz_assert(p[16] == 48 && p[17] == 0);	/* output node */
		if (p[0] == 1) {
			fuzz_assert(m.pci.present &&
				    rd32(p + 4) == (uint32_t)m.pci.iommu_endpoint_base);
			pci++;
			continue;
		}
		fuzz_assert(p[0] == 2);
		for (i = 0; i < m.nr_devs; i++)
			if (m.devs[i].base == rd64(p + 8))
				break;
		fuzz_assert(i < m.nr_devs);
		fuzz_assert(m.devs[i].iommu_endpoint == (int)rd32(p + 4));
		mmio++;
	}
	fuzz_assert(off == v->len);
	for (i = 0; i < m.nr_devs; i++)
		want_mmio += m.devs[i].iommu_endpoint >= 0;
	fuzz_assert(mmio == want_mmio);
	fuzz_assert(pci == (m.pci.present && m.pci.iommu_endpoint_base >= 0));
}

static void check_tables(const struct acpi_tables *t, uint32_t size,
			 uint64_t gpa)
{
	const struct acpi_table *xsdt, *facp, *dsdt, *viot;
	const struct machine_dev *iommu = machine_iommu(&m);
	unsigned int i, virtio = 0, panic = 0;
	size_t off;

	fuzz_assert(t->rsdp == area && t->rsdp_gpa == gpa);
	fuzz_assert(!memcmp(t->rsdp, "RSD PTR ", 8));
	fuzz_assert(sum(t->rsdp, 20) == 0 && sum(t->rsdp, ACPI_RSDP_LEN) == 0);
	fuzz_assert(t->used <= size && t->nr <= ACPI_MAX_TABLES);
	for (i = 0; i < t->nr; i++) {
		const struct acpi_table *a = &t->t[i];

		fuzz_assert(a->data >= area + ACPI_RSDP_LEN && a->len >= 36);
		fuzz_assert((size_t)(a->data - area) <= t->used - a->len);
		fuzz_assert(a->gpa == gpa + (uint64_t)(a->data - area));
		fuzz_assert(!memcmp(a->data, a->sig, 4));
		fuzz_assert(rd32(a->data + 4) == a->len);
		fuzz_assert(sum(a->data, a->len) == 0);
	}
	for (off = t->used; off < size; off++)
		fuzz_assert(area[off] == 0);

	xsdt = table_at(t, rd64(t->rsdp + 24));
	fuzz_assert(xsdt && !memcmp(xsdt->sig, "XSDT", 4));
	fuzz_assert(xsdt->len == 36 + 8 * (t->nr - 2));
	for (off = 36; off < xsdt->len; off += 8) {
		const struct acpi_table *a = table_at(t, rd64(xsdt->data + off));

		fuzz_assert(a && a != xsdt && memcmp(a->sig, "DSDT", 4));
	}
	facp = table(t, "FACP");
	dsdt = table(t, "DSDT");
	fuzz_assert(facp && dsdt && facp->len == 276);
	fuzz_assert(rd64(facp->data + 140) == dsdt->gpa);
	check_madt(table(t, "APIC"));
	viot = table(t, "VIOT");
	fuzz_assert(!viot == !iommu);
	if (viot)
		check_viot(viot, iommu);
	fuzz_assert(!table(t, "MCFG") == !m.pci.present);

	for (i = 0; i < m.nr_devs; i++) {
		virtio += m.devs[i].kind == MACHINE_DEV_VIRTIO_MMIO;
		panic += m.devs[i].kind == MACHINE_DEV_PVPANIC;
	}
	fuzz_assert(count(dsdt->data, dsdt->len, "\x0dLNRO0005", 10) == virtio);
	fuzz_assert(count(dsdt->data, dsdt->len, "\x0dQEMU0001", 10) == panic);
	/* Device (COM1) { Name (_HID, EisaId ("PNP0501")): longer than the
	 * 8 bytes a device's base and size could fake. */
	fuzz_assert(count(dsdt->data, dsdt->len,
			  "COM1\x08_HID\x0c\x41\xd0\x05\x01", 14) ==
		    m.uart.present);
	/* The PCI host bridge (PNP0A08) and its ECAM's reservation. */
	fuzz_assert(count(dsdt->data, dsdt->len,
			  "PCI0\x08_HID\x0c\x41\xd0\x0a\x08", 14) ==
		    m.pci.present);
	fuzz_assert(count(dsdt->data, dsdt->len,
			  "MRES\x08_HID\x0c\x41\xd0\x0c\x02", 14) ==
		    m.pci.present);
}

static void check_guards(void)
{
	size_t i;

	for (i = 0; i < GUARD; i++)
		fuzz_assert(arena[i] == GUARD_FILL &&
			    arena[GUARD + ACPI_AREA_SIZE + i] == GUARD_FILL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_tables t;
	uint32_t area_size;
	uint64_t gpa;
	bool valid;
	size_t i;
	int err;

	load(data, size, &area_size, &gpa);
	valid = machine_validate(&m) == 0;

	memset(arena, GUARD_FILL, sizeof(arena));
	memset(area, FILL, ACPI_AREA_SIZE);
	err = acpi_build(&m, area, gpa, area_size, &t);
	check_guards();
	if (m.arch == MACHINE_ARM64) {
		/* No ACPI for arm64: refused, the area untouched. */
		fuzz_assert(err == -EINVAL && t.nr == 0);
		for (i = 0; i < ACPI_AREA_SIZE; i++)
			fuzz_assert(area[i] == FILL);
		err = fuzz_fdt_check(&m);
		fuzz_assert(valid ? err > 0 || err == -ENOSPC : err == -EINVAL);
		return 0;
	}
	for (i = area_size; i < ACPI_AREA_SIZE; i++)
		fuzz_assert(area[i] == FILL);
	fuzz_assert(!valid ? err == -EINVAL :
		    err == 0 || err == -EINVAL || err == -ERANGE ||
		    err == -ENOSPC);
	if (err) {
		/* Refused up front (untouched) or given up on (zeroed). */
		fuzz_assert(t.nr == 0);
		for (i = 0; i < area_size; i++)
			fuzz_assert(area[i] == area[0] &&
				    (area[0] == 0 || area[0] == FILL));
		fuzz_assert(err != -ENOSPC || !area_size || area[0] == 0);
		fuzz_assert(err != -EINVAL || !valid || gpa % 16 ||
			    area_size < ACPI_RSDP_LEN);
	} else {
		check_tables(&t, area_size, gpa);
	}

	/* The other encoding of the same model, read back node by node. */
	err = fuzz_fdt_check(&m);
	fuzz_assert(valid ? err > 0 : err == -EINVAL);
	return 0;
}

/* ---- seeds: iovm's own machines, and edges of the model ---- */

static size_t put_dev(uint8_t *buf, size_t at, size_t max, uint8_t kind,
		      uint8_t flags, uint8_t irq, uint8_t ep, uint16_t slot)
{
	struct fuzz_dev d = { .kind = kind, .flags = flags, .irq = irq,
			      .endpoint = ep, .slot = slot, .pages = 1 };

	if (at + sizeof(d) > max)
		return at;
	memcpy(buf + at, &d, sizeof(d));
	return at + sizeof(d);
}

size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max)
{
	struct fuzz_machine h = {
		.nr_cpus = 2, .ioapic_pins = 24, .uart_irq = 4,
		.uart_port = 0x3f8, .area_size = ACPI_AREA_SIZE,
		.flags = FM_UART | FM_POWER, .reserved = 1,
		.pci_bus_end = 1, .pci_ecam_mib = 0xe00,
		.pci_mmio_base = 0xc0000000, .pci_mmio_size = 0x10000000,
		.pci_endpoint_base = 0x100,
	};
	size_t at = sizeof(h);
	unsigned int i, devs = 5;
	bool iommu = true;

	if (max < sizeof(h))
		return 0;
	switch (n) {
	case 0:		/* --iommu -d a -d b -d c,iommu=off --rng */
		break;
	case 1:		/* one vCPU, no IOMMU */
		h.nr_cpus = 1;
		iommu = false;
		break;
	case 2:		/* the most of everything */
		h.nr_cpus = MACHINE_MAX_CPUS;
		h.ioapic_pins = MACHINE_MAX_IOAPIC_PINS;
		devs = MACHINE_MAX_DEVICES;
		break;
	case 3:		/* a PCI host behind the IOMMU */
		h.flags |= FM_PCI | FM_PCI_IOMMU;
		break;
	case 4:		/* too little room */
		h.area_size = 300;
		break;
	case 5:		/* arm64: iovm's machine, a PCI host behind the IOMMU */
		h.flags = FM_UART | FM_ARM64 | FM_PCI | FM_PCI_IOMMU;
		h.uart_port = 0xe800;		/* 0xe8000000 in 64 KiB units */
		h.pci_endpoint_base = 0x10000;
		h.area_size = 0x20000;		/* 512 MiB of RAM in pages */
		break;
	case 6:		/* arm64 without an ITS or a UART, 255 vCPUs */
		h.flags = FM_ARM64 | FM_NO_ITS;
		h.nr_cpus = MACHINE_MAX_CPUS;
		break;
	default:
		return 0;
	}
	memcpy(buf, &h, sizeof(h));
	at = put_dev(buf, at, max, 1, FD_NO_IRQ | FD_NO_ENDPOINT, 0, 0, 0);
	at = put_dev(buf, at, max, 0, (iommu ? FD_IOMMU : 0) | FD_NO_ENDPOINT,
		     5, 0, 1);
	for (i = 2; i < devs; i++)
		at = put_dev(buf, at, max, 0,
			     iommu && i != 4 ? 0 : FD_NO_ENDPOINT,
			     (uint8_t)(4 + i), (uint8_t)(i - 1), (uint16_t)i);
	return at;
}
