// SPDX-License-Identifier: GPL-2.0
/*
 * The machine model's own rules, checked once here so that each encoder
 * (device tree, ACPI) can rely on them instead of checking them again.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "kvm.h"
#include "machine.h"

/* [base, base + size) is not empty and does not wrap past 2^64. */
static bool window_ok(uint64_t base, uint64_t size)
{
	return size && size - 1 <= UINT64_MAX - base;
}

static bool windows_overlap(uint64_t a, uint64_t alen, uint64_t b,
			    uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

int machine_add_dev(struct machine_desc *m, const struct machine_dev *dev)
{
	unsigned int i;

	if (m->nr_devs == MACHINE_MAX_DEVICES)
		return -ENOSPC;
	if (!window_ok(dev->base, dev->size))
		return -EINVAL;
	for (i = 0; i < m->nr_devs; i++)
		if (windows_overlap(m->devs[i].base, m->devs[i].size,
				    dev->base, dev->size))
			return -EEXIST;
	m->devs[m->nr_devs++] = *dev;
	return 0;
}

const struct machine_dev *machine_iommu(const struct machine_desc *m)
{
	unsigned int i;

	for (i = 0; i < m->nr_devs && i < MACHINE_MAX_DEVICES; i++)
		if (m->devs[i].is_iommu)
			return &m->devs[i];
	return NULL;
}

static unsigned int pci_nr_buses(const struct machine_pci_host *p)
{
	return (unsigned int)p->bus_end - p->bus_start + 1;
}

static bool pin_ok(const struct machine_desc *m, int irq)
{
	unsigned int lines = m->arch == MACHINE_ARM64 ? m->gic.nr_spis :
			     m->ioapic.nr_pins;

	return irq >= 0 && (unsigned int)irq < lines;
}

static int check_irqchip(const struct machine_desc *m)
{
	const struct machine_gic *g = &m->gic;

	switch (m->arch) {
	case MACHINE_X86:
		if (!m->ioapic.nr_pins ||
		    m->ioapic.nr_pins > MACHINE_MAX_IOAPIC_PINS)
			return -EINVAL;
		return 0;
	case MACHINE_ARM64:
		if (!g->nr_spis || g->nr_spis > MACHINE_MAX_SPIS)
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

/*
 * arm64's fixed windows (GICD, GICR, ITS, the UART), none empty or
 * wrapping, overlapping neither each other, nor a device, nor the PCI
 * host's: on arm64 everything is MMIO, in one address space.
 */
static int check_arm64_windows(const struct machine_desc *m)
{
	const struct machine_gic *g = &m->gic;
	const struct machine_pci_host *p = &m->pci;
	struct { uint64_t base, size; } w[6];
	unsigned int n = 0, i, j;

	w[n].base = g->dist_base;
	w[n++].size = MACHINE_GICD_SIZE;
	w[n].base = g->redist_base;
	w[n++].size = MACHINE_GICR_SIZE * m->nr_cpus;
	if (g->its_base) {
		w[n].base = g->its_base;
		w[n++].size = MACHINE_ITS_SIZE;
	}
	if (m->uart.present) {
		w[n].base = m->uart.mmio_base;
		w[n++].size = MACHINE_UART_MMIO_SIZE;
	}
	if (p->present) {
		w[n].base = p->ecam_base;
		w[n++].size = pci_nr_buses(p) * MACHINE_ECAM_BUS_SIZE;
		w[n].base = p->mmio_base;
		w[n++].size = p->mmio_size;
	}
	for (i = 0; i < n; i++) {
		if (!window_ok(w[i].base, w[i].size))
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (windows_overlap(w[i].base, w[i].size, w[j].base,
					    w[j].size))
				return -EINVAL;
		for (j = 0; j < m->nr_devs && j < MACHINE_MAX_DEVICES; j++)
			if (windows_overlap(w[i].base, w[i].size,
					    m->devs[j].base, m->devs[j].size))
				return -EINVAL;
	}
	return 0;
}

static int check_dev(const struct machine_desc *m,
		     const struct machine_dev *d)
{
	if (d->kind != MACHINE_DEV_VIRTIO_MMIO && d->kind != MACHINE_DEV_PVPANIC)
		return -EINVAL;
	if (!window_ok(d->base, d->size))
		return -EINVAL;
	if (d->irq != -1 && !pin_ok(m, d->irq))
		return -EINVAL;
	if (d->iommu_endpoint < -1)
		return -EINVAL;
	/* Only a virtio device sits behind, or is, the virtio-iommu; the
	 * virtio-iommu does not translate its own DMA. */
	if (d->kind != MACHINE_DEV_VIRTIO_MMIO &&
	    (d->is_iommu || d->iommu_endpoint >= 0))
		return -EINVAL;
	if (d->is_iommu && d->iommu_endpoint >= 0)
		return -EINVAL;
	return 0;
}

/* Two devices must differ in window, pin and endpoint ID. */
static int check_pair(const struct machine_dev *a, const struct machine_dev *b)
{
	if (windows_overlap(a->base, a->size, b->base, b->size))
		return -EINVAL;
	if (a->irq >= 0 && a->irq == b->irq)
		return -EINVAL;
	if (a->iommu_endpoint >= 0 && a->iommu_endpoint == b->iommu_endpoint)
		return -EINVAL;
	if (a->is_iommu && b->is_iommu)
		return -EINVAL;
	return 0;
}

static int check_pci(const struct machine_desc *m, bool have_iommu)
{
	const struct machine_pci_host *p = &m->pci;
	uint64_t ecam_size, ids;
	unsigned int i;

	if (!p->present)
		return 0;
	if (p->bus_start > p->bus_end || p->ecam_base % MACHINE_ECAM_BUS_SIZE)
		return -EINVAL;
	ecam_size = pci_nr_buses(p) * MACHINE_ECAM_BUS_SIZE;
	if (!window_ok(p->ecam_base, ecam_size) ||
	    !window_ok(p->mmio_base, p->mmio_size) ||
	    p->mmio_base + (p->mmio_size - 1) > UINT32_MAX)
		return -EINVAL;
	if (p->mmio64_size && !window_ok(p->mmio64_base, p->mmio64_size))
		return -EINVAL;
	if (p->io_size && (p->io_base > 0xffff || p->io_size > 0x10000 - p->io_base))
		return -EINVAL;
	for (i = 0; i < m->nr_devs; i++)
		if (windows_overlap(p->ecam_base, ecam_size, m->devs[i].base,
				    m->devs[i].size) ||
		    windows_overlap(p->mmio_base, p->mmio_size,
				    m->devs[i].base, m->devs[i].size))
			return -EINVAL;
	if (p->iommu_endpoint_base < -1)
		return -EINVAL;
	if (p->iommu_endpoint_base < 0)
		return 0;
	/* One endpoint ID per requester ID of the bus range. */
	ids = pci_nr_buses(p) * 256ULL;
	if (!have_iommu || (uint64_t)p->iommu_endpoint_base > INT_MAX - (ids - 1))
		return -EINVAL;
	for (i = 0; i < m->nr_devs; i++) {
		int ep = m->devs[i].iommu_endpoint;

		if (ep >= p->iommu_endpoint_base &&
		    (uint64_t)(ep - p->iommu_endpoint_base) < ids)
			return -EINVAL;
	}
	return 0;
}

int machine_validate(const struct machine_desc *m)
{
	bool have_iommu = false, have_endpoints = false;
	unsigned int i, j;
	int err;

	if (!m->nr_cpus || m->nr_cpus > MACHINE_MAX_CPUS)
		return -EINVAL;
	if (check_irqchip(m))
		return -EINVAL;
	if (m->nr_devs > MACHINE_MAX_DEVICES)
		return -EINVAL;
	if (m->uart.present && !pin_ok(m, (int)m->uart.irq))
		return -EINVAL;
	for (i = 0; i < m->nr_devs; i++) {
		const struct machine_dev *d = &m->devs[i];

		err = check_dev(m, d);
		if (err)
			return err;
		if (m->uart.present && d->irq == (int)m->uart.irq)
			return -EINVAL;
		for (j = i + 1; j < m->nr_devs; j++) {
			err = check_pair(d, &m->devs[j]);
			if (err)
				return err;
		}
		have_iommu |= d->is_iommu;
		have_endpoints |= d->iommu_endpoint >= 0;
	}
	if (have_endpoints && !have_iommu)
		return -EINVAL;
	if (m->arch == MACHINE_ARM64 && check_arm64_windows(m))
		return -EINVAL;
	return check_pci(m, have_iommu);
}
