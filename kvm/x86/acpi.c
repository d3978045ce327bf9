// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI tables from the machine model: see acpi.h. Each table is composed
 * in the area piece by piece, then its length and checksum are patched in;
 * the XSDT and the RSDP come last, when every address is known.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../dump.h"
#include "acpi.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "ACPI tables are little-endian, and are built as host structs");

#define OEM_ID		"IOVM  "
#define OEM_REVISION	1
#define CREATOR_ID	"IOVM"
#define CREATOR_REVISION 1

#define TABLE_ALIGN	16	/* the RSDP must be; the rest for tidiness */

/* ---- layouts (ACPI 6.5 section 5.2) ---- */

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

/* A Generic Address Structure (5.2.3.2). */
struct acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_size;
	uint64_t address;
} __attribute__((packed));

#define GAS_SYSTEM_IO		1
#define GAS_ACCESS_BYTE		1

struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;		/* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
	uint8_t ext_checksum;		/* of all 36 */
	uint8_t reserved[3];
} __attribute__((packed));

#define RSDP_V1_LEN		20

/* Hardware-reduced: no PM1/PM2/GPE blocks, SMI port or PM timer. */
struct acpi_fadt {
	struct acpi_header h;
	uint32_t facs, dsdt;
	uint8_t int_model, pm_profile;
	uint16_t sci_int;
	uint8_t legacy_pm[109 - 48];	/* SMI_CMD .. CENTURY */
	uint16_t iapc_boot_arch;
	uint8_t reserved;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_facs, x_dsdt;
	struct acpi_gas x_legacy_pm[8];	/* X_PM1a_EVT_BLK .. X_GPE1_BLK */
	struct acpi_gas sleep_control, sleep_status;
	uint64_t hypervisor_id;
} __attribute__((packed));

#define FADT_REVISION		6
#define FADT_MINOR_VERSION	5
#define FADT_WBINVD		(1u << 0)
#define FADT_PWR_BUTTON		(1u << 4)	/* no fixed-feature power button */
#define FADT_SLP_BUTTON		(1u << 5)	/* ... nor sleep button */
#define FADT_RESET_REG_SUP	(1u << 10)
#define FADT_HW_REDUCED_ACPI	(1u << 20)
#define BOOT_ARCH_LEGACY_DEVICES (1u << 0)	/* ISA-style devices: the UART */
#define BOOT_ARCH_NO_VGA	(1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC	(1u << 5)

_Static_assert(sizeof(struct acpi_header) == 36, "table header");
_Static_assert(sizeof(struct acpi_gas) == 12, "GAS");
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_LEN, "RSDP");
_Static_assert(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT");
_Static_assert(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT");
_Static_assert(offsetof(struct acpi_fadt, minor_version) == 131, "FADT");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT");
_Static_assert(offsetof(struct acpi_fadt, sleep_control) == 244, "FADT");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT");

struct madt_head {
	struct acpi_header h;
	uint32_t lapic_addr;
	uint32_t flags;			/* no PCAT_COMPAT: no 8259 to use */
} __attribute__((packed));

struct madt_lapic {
	uint8_t type, len, uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

struct madt_ioapic {
	uint8_t type, len, id, reserved;
	uint32_t addr, gsi_base;
} __attribute__((packed));

struct madt_iso {
	uint8_t type, len, bus, source;
	uint32_t gsi;
	uint16_t flags;
} __attribute__((packed));

#define MADT_REVISION		5
#define MADT_LAPIC		0
#define MADT_IOAPIC		1
#define MADT_ISO		2
#define MADT_LAPIC_ENABLED	1
#define MADT_ISA_IRQS		16
/* MPS INTI flags: polarity active high (01), trigger level (11). */
#define MADT_ISO_LEVEL_HIGH	(0x1 | 0x3 << 2)

_Static_assert(sizeof(struct madt_head) == 44, "MADT");
_Static_assert(sizeof(struct madt_lapic) == 8, "MADT local APIC");
_Static_assert(sizeof(struct madt_ioapic) == 12, "MADT IO-APIC");
_Static_assert(sizeof(struct madt_iso) == 10, "MADT override");

/* VIOT: ACPI 6.5 section 5.2.32 (the virtio-iommu spec's table). */
struct viot_head {
	struct acpi_header h;
	uint16_t node_count;
	uint16_t node_offset;
	uint8_t reserved[8];
} __attribute__((packed));

struct viot_pci_range {
	uint8_t type, reserved;
	uint16_t len;
	uint32_t endpoint_start;
	uint16_t segment_start, segment_end;
	uint16_t bdf_start, bdf_end;
	uint16_t output_node;
	uint8_t reserved2[6];
} __attribute__((packed));

struct viot_mmio_endpoint {
	uint8_t type, reserved;
	uint16_t len;
	uint32_t endpoint;
	uint64_t base;
	uint16_t output_node;
	uint8_t reserved2[6];
} __attribute__((packed));

struct viot_virtio_iommu_mmio {
	uint8_t type, reserved;
	uint16_t len;
	uint8_t reserved2[4];
	uint64_t base;
} __attribute__((packed));

#define VIOT_REVISION		0
#define VIOT_PCI_RANGE		1
#define VIOT_MMIO_ENDPOINT	2
#define VIOT_VIRTIO_IOMMU_MMIO	4

_Static_assert(sizeof(struct viot_head) == 48, "VIOT");
_Static_assert(sizeof(struct viot_pci_range) == 24, "VIOT PCI range");
_Static_assert(sizeof(struct viot_mmio_endpoint) == 24, "VIOT MMIO endpoint");
_Static_assert(sizeof(struct viot_virtio_iommu_mmio) == 16, "VIOT virtio-iommu");

/* MCFG: the PCI Firmware Specification 3.2, section 4.1.2. */
struct mcfg_head {
	struct acpi_header h;
	uint8_t reserved[8];
} __attribute__((packed));

struct mcfg_alloc {
	uint64_t base;			/* ECAM of bus 0, even if not decoded */
	uint16_t segment;
	uint8_t bus_start, bus_end;
	uint32_t reserved;
} __attribute__((packed));

#define MCFG_REVISION		1

_Static_assert(sizeof(struct mcfg_head) == 44, "MCFG");
_Static_assert(sizeof(struct mcfg_alloc) == 16, "MCFG allocation");

/* ---- composing tables in the area ---- */

struct area {
	uint8_t *base;
	uint64_t gpa;
	size_t size, used;
	int err;
	struct acpi_tables *out;
};

static void emit(struct area *a, const void *p, size_t len)
{
	if (a->err)
		return;
	if (len > a->size - a->used) {
		a->err = -ENOSPC;
		return;
	}
	memcpy(a->base + a->used, p, len);
	a->used += len;
}

/* A table's fields after its header, composed as a struct. */
static void emit_body(struct area *a, const void *table, size_t size)
{
	emit(a, (const uint8_t *)table + sizeof(struct acpi_header),
	     size - sizeof(struct acpi_header));
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	while (len--)
		sum += *p++;
	return (uint8_t)-sum;
}

static uint64_t area_gpa(const struct area *a, size_t off)
{
	return a->gpa + off;
}

/* Start a table at the next aligned offset; returns that offset. */
static size_t table_begin(struct area *a, const char *sig, uint8_t revision)
{
	struct acpi_header h = { .revision = revision,
				 .oem_revision = OEM_REVISION,
				 .creator_revision = CREATOR_REVISION };
	size_t pad = -a->used % TABLE_ALIGN;

	if (pad > a->size - a->used)
		a->err = -ENOSPC;
	else
		a->used += pad;	/* the area was zeroed */
	memcpy(h.sig, sig, 4);
	memcpy(h.oem_id, OEM_ID, 6);
	memcpy(h.oem_table_id, "IOVM", 4);
	memcpy(h.oem_table_id + 4, sig, 4);
	memcpy(h.creator_id, CREATOR_ID, 4);
	emit(a, &h, sizeof(h));
	return a->used - sizeof(h);
}

static void record(struct area *a, const char *sig, size_t start, size_t len)
{
	struct acpi_table *t = &a->out->t[a->out->nr++];

	memcpy(t->sig, sig, 4);
	t->sig[4] = '\0';
	t->gpa = area_gpa(a, start);
	t->len = (uint32_t)len;
	t->data = a->base + start;
}

/* Patch the length and checksum in; returns the table's address. */
static uint64_t table_end(struct area *a, size_t start)
{
	uint8_t *t = a->base + start;
	uint32_t len;

	if (a->err)
		return 0;
	len = (uint32_t)(a->used - start);
	memcpy(t + offsetof(struct acpi_header, length), &len, 4);
	t[offsetof(struct acpi_header, checksum)] = checksum(t, len);
	record(a, (const char *)t, start, len);
	return area_gpa(a, start);
}

/* ---- the tables ---- */

static uint64_t build_dsdt(struct area *a, const struct machine_desc *m)
{
	size_t start = table_begin(a, "DSDT", 2);	/* 2: 64-bit integers */
	struct aml aml;
	size_t len;

	if (a->err)
		return 0;
	aml_init(&aml, a->base + a->used, a->size - a->used);
	a->err = acpi_dsdt_aml(m, &aml);
	if (!a->err)
		a->err = aml_result(&aml, &len);
	if (!a->err)
		a->used += len;
	return table_end(a, start);
}

static struct acpi_gas io_register(uint16_t port)
{
	return (struct acpi_gas){ .space_id = GAS_SYSTEM_IO, .bit_width = 8,
				  .access_size = GAS_ACCESS_BYTE,
				  .address = port };
}

static uint64_t build_fadt(struct area *a, const struct machine_desc *m,
			   uint64_t dsdt)
{
	struct acpi_fadt f = { 0 };
	size_t start = table_begin(a, "FACP", FADT_REVISION);

	/* The header is already in the area: compose the rest after it. */
	f.dsdt = (uint32_t)dsdt;	/* below 4 GiB: acpi_build() checks */
	f.x_dsdt = dsdt;
	f.minor_version = FADT_MINOR_VERSION;
	f.flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		  FADT_HW_REDUCED_ACPI;
	f.iapc_boot_arch = BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC;
	if (m->uart.present)
		f.iapc_boot_arch |= BOOT_ARCH_LEGACY_DEVICES;
	if (m->power.present) {
		f.flags |= FADT_RESET_REG_SUP;
		f.reset_reg = io_register(m->power.reset);
		f.reset_value = m->power.reset_value;
		f.sleep_control = io_register(m->power.sleep_control);
		f.sleep_status = io_register(m->power.sleep_status);
	}
	emit_body(a, &f, sizeof(f));
	return table_end(a, start);
}

static void madt_iso(struct area *a, unsigned int pin)
{
	struct madt_iso iso = { .type = MADT_ISO, .len = sizeof(iso),
				.bus = 0, .source = (uint8_t)pin, .gsi = pin,
				.flags = MADT_ISO_LEVEL_HIGH };

	emit(a, &iso, sizeof(iso));
}

/*
 * ISA IRQs 0-15 are edge-triggered unless an override says otherwise;
 * every device here drives a level, active-high line, so each pin of that
 * range that one uses gets an identity override saying so.
 */
static uint64_t build_madt(struct area *a, const struct machine_desc *m)
{
	struct madt_head head;
	struct madt_ioapic io = { .type = MADT_IOAPIC, .len = sizeof(io),
				  .id = m->ioapic.id,
				  .addr = (uint32_t)m->ioapic.base };
	size_t start = table_begin(a, "APIC", MADT_REVISION);
	unsigned int i;

	head.lapic_addr = (uint32_t)m->lapic_base;
	head.flags = 0;
	emit_body(a, &head, sizeof(head));
	for (i = 0; i < m->nr_cpus; i++) {
		struct madt_lapic l = { .type = MADT_LAPIC, .len = sizeof(l),
					.uid = (uint8_t)i, .apic_id = (uint8_t)i,
					.flags = MADT_LAPIC_ENABLED };

		emit(a, &l, sizeof(l));
	}
	emit(a, &io, sizeof(io));
	if (m->uart.present && m->uart.irq < MADT_ISA_IRQS)
		madt_iso(a, m->uart.irq);
	for (i = 0; i < m->nr_devs; i++)
		if (m->devs[i].irq >= 0 && m->devs[i].irq < MADT_ISA_IRQS)
			madt_iso(a, (unsigned int)m->devs[i].irq);
	return table_end(a, start);
}

static unsigned int viot_nr_nodes(const struct machine_desc *m)
{
	unsigned int i, n = 1;	/* the virtio-iommu */

	for (i = 0; i < m->nr_devs; i++)
		n += m->devs[i].iommu_endpoint >= 0;
	return n + (m->pci.present && m->pci.iommu_endpoint_base >= 0);
}

static uint64_t build_viot(struct area *a, const struct machine_desc *m,
			   const struct machine_dev *iommu)
{
	struct viot_head head = { .node_count = (uint16_t)viot_nr_nodes(m),
				  .node_offset = sizeof(head) };
	struct viot_virtio_iommu_mmio node = {
		.type = VIOT_VIRTIO_IOMMU_MMIO, .len = sizeof(node),
		.base = iommu->base };
	size_t start = table_begin(a, "VIOT", VIOT_REVISION);
	unsigned int i;

	emit_body(a, &head, sizeof(head));
	emit(a, &node, sizeof(node));
	for (i = 0; i < m->nr_devs; i++) {
		const struct machine_dev *d = &m->devs[i];
		struct viot_mmio_endpoint ep = {
			.type = VIOT_MMIO_ENDPOINT, .len = sizeof(ep),
			.endpoint = (uint32_t)d->iommu_endpoint,
			.base = d->base, .output_node = sizeof(head) };

		if (d->iommu_endpoint >= 0)
			emit(a, &ep, sizeof(ep));
	}
	if (m->pci.present && m->pci.iommu_endpoint_base >= 0) {
		struct viot_pci_range r = {
			.type = VIOT_PCI_RANGE, .len = sizeof(r),
			.endpoint_start = (uint32_t)m->pci.iommu_endpoint_base,
			.segment_start = m->pci.segment,
			.segment_end = m->pci.segment,
			.bdf_start = (uint16_t)(m->pci.bus_start << 8),
			.bdf_end = (uint16_t)(m->pci.bus_end << 8 | 0xff),
			.output_node = sizeof(head) };

		emit(a, &r, sizeof(r));
	}
	return table_end(a, start);
}

static uint64_t build_mcfg(struct area *a, const struct machine_desc *m)
{
	struct mcfg_head head = { .reserved = { 0 } };
	struct mcfg_alloc alloc = {
		.base = m->pci.ecam_base - ((uint64_t)m->pci.bus_start << 20),
		.segment = m->pci.segment, .bus_start = m->pci.bus_start,
		.bus_end = m->pci.bus_end };
	size_t start = table_begin(a, "MCFG", MCFG_REVISION);

	emit_body(a, &head, sizeof(head));
	emit(a, &alloc, sizeof(alloc));
	return table_end(a, start);
}

static uint64_t build_xsdt(struct area *a, const uint64_t *entries,
			   unsigned int n)
{
	size_t start = table_begin(a, "XSDT", 1);

	emit(a, entries, n * sizeof(entries[0]));
	return table_end(a, start);
}

static void build_rsdp(struct area *a, uint64_t xsdt)
{
	struct acpi_rsdp r = { .revision = 2, .length = sizeof(r),
			       .xsdt = xsdt };

	memcpy(r.sig, "RSD PTR ", 8);
	memcpy(r.oem_id, OEM_ID, 6);
	r.checksum = checksum((const uint8_t *)&r, RSDP_V1_LEN);
	r.ext_checksum = checksum((const uint8_t *)&r, sizeof(r));
	memcpy(a->base, &r, sizeof(r));
	a->out->rsdp = a->base;
}

/* What the ACPI encoding cannot say, beyond the model's own rules. */
static int check_encodable(const struct machine_desc *m, uint64_t gpa,
			   size_t size)
{
	if (gpa % TABLE_ALIGN || size > UINT32_MAX ||
	    gpa > UINT32_MAX - size || size < sizeof(struct acpi_rsdp))
		return -EINVAL;
	/* ACPI here describes x86 machines only: arm64 gets a device tree. */
	if (machine_validate(m) || m->arch != MACHINE_X86)
		return -EINVAL;
	/* 32-bit fields for the APICs; the PCI host's bus 0 ECAM base. */
	if (m->lapic_base > UINT32_MAX || m->ioapic.base > UINT32_MAX)
		return -ERANGE;
	if (m->pci.present &&
	    m->pci.ecam_base < ((uint64_t)m->pci.bus_start << 20))
		return -ERANGE;
	return 0;
}

int acpi_build(const struct machine_desc *m, void *area, uint64_t gpa,
	       size_t size, struct acpi_tables *out)
{
	struct area a = { .base = area, .gpa = gpa, .size = size, .out = out };
	const struct machine_dev *iommu = machine_iommu(m);
	uint64_t xsdt[ACPI_MAX_TABLES], dsdt, root;
	unsigned int n = 0;
	int err;

	memset(out, 0, sizeof(*out));
	err = check_encodable(m, gpa, size);
	if (err)
		return err;
	memset(area, 0, size);
	a.used = sizeof(struct acpi_rsdp);	/* filled in last */
	dsdt = build_dsdt(&a, m);
	xsdt[n++] = build_fadt(&a, m, dsdt);
	xsdt[n++] = build_madt(&a, m);
	if (iommu)
		xsdt[n++] = build_viot(&a, m, iommu);
	if (m->pci.present)
		xsdt[n++] = build_mcfg(&a, m);
	root = build_xsdt(&a, xsdt, n);
	if (a.err) {
		memset(area, 0, size);
		memset(out, 0, sizeof(*out));
		return a.err;
	}
	build_rsdp(&a, root);
	out->rsdp_gpa = gpa;
	out->used = a.used;
	return 0;
}

/* DIR/dsdt.dat: acpixtract's names, which iasl -d takes as they are. */
static int table_path(char *buf, size_t len, const char *dir,
		      const char *sig)
{
	char name[5];
	unsigned int i;

	for (i = 0; i < 4; i++)
		name[i] = (char)tolower((unsigned char)sig[i]);
	name[4] = '\0';
	if (snprintf(buf, len, "%s/%s.dat", dir, name) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

int acpi_dump(const struct acpi_tables *t, const char *dir)
{
	char path[4096];
	unsigned int i;
	int err = dump_check_dir(dir);

	for (i = 0; i < t->nr && !err; i++) {
		err = table_path(path, sizeof(path), dir, t->t[i].sig);
		if (!err)
			err = dump_file(path, t->t[i].data, t->t[i].len);
		if (err)
			break;
	}
	if (!err)
		return 0;
	/* Take back what this call wrote: the set is whole or absent. */
	while (i-- > 0)
		if (!table_path(path, sizeof(path), dir, t->t[i].sig))
			unlink(path);
	return err;
}
