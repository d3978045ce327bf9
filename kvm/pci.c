// SPDX-License-Identifier: GPL-2.0
/*
 * The PCI host bridge: configuration space, ECAM, the BAR window and the
 * BAR allocator. See pci.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "pci.h"

/* The host bridge's IDs: the generic PCIe host bridge of Red Hat's QEMU
 * vendor ID, which guests know by name and bind nothing to. */
#define BRIDGE_VENDOR		0x1b36
#define BRIDGE_DEVICE		0x0008
#define CLASS_BRIDGE_HOST	0x060000

#define BAR_MEM_FLAGS_MASK	0xf	/* I/O, type, prefetchable: read-only */
#define COMMAND_WRITABLE	(PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | \
				 PCI_COMMAND_INTX_DISABLE)

uint32_t pci_cfg_get(const struct pci_function *f, uint32_t off, uint32_t len)
{
	uint32_t v = 0, i;

	for (i = 0; i < len && off + i < PCI_CFG_SIZE; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

void pci_cfg_set(struct pci_function *f, uint32_t off, uint32_t len,
		 uint32_t v)
{
	uint32_t i;

	for (i = 0; i < len && off + i < PCI_CFG_SIZE; i++)
		f->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static void wmask_set(struct pci_function *f, uint32_t off, uint32_t len,
		      uint32_t v)
{
	uint32_t i;

	for (i = 0; i < len && off + i < PCI_CFG_SIZE; i++)
		f->wmask[off + i] = (uint8_t)(v >> (8 * i));
}

void pci_function_init(struct pci_function *f,
		       const struct pci_function_ops *ops, void *opaque)
{
	memset(f, 0, sizeof(*f));
	f->ops = ops;
	f->opaque = opaque;
	wmask_set(f, PCI_COMMAND, 2, COMMAND_WRITABLE);
	/* Firmware's scratch byte: the guest may note an IRQ there. */
	wmask_set(f, PCI_INTERRUPT_LINE, 1, 0xff);
	pci_cfg_set(f, PCI_INTERRUPT_LINE, 1, 0xff);	/* "unknown" */
}

void pci_host_init(struct pci_host *h, uint64_t ecam_base, uint64_t mmio_base,
		   uint64_t mmio_size)
{
	struct pci_function *b = &h->bridge;

	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	h->ecam_base = ecam_base;
	h->mmio_base = h->next_bar = mmio_base;
	h->mmio_size = mmio_size;
	pci_function_init(b, NULL, NULL);
	pci_cfg_set(b, PCI_VENDOR_ID, 2, BRIDGE_VENDOR);
	pci_cfg_set(b, PCI_DEVICE_ID, 2, BRIDGE_DEVICE);
	pci_cfg_set(b, PCI_REVISION_ID, 4, CLASS_BRIDGE_HOST << 8);
	/* No BARs, no interrupt, no capabilities: nothing to enable. */
	wmask_set(b, PCI_COMMAND, 2, 0);
	b->host = h;
	h->slots[0] = b;
}

/* A BAR decodes only wholly inside the window the host forwards. */
static bool in_window(const struct pci_host *h, uint64_t addr, uint64_t size)
{
	return addr >= h->mmio_base && size <= h->mmio_size &&
	       addr - h->mmio_base <= h->mmio_size - size;
}

/* Tell the device which BARs decode where, after a command or BAR write. */
static void update_bars(struct pci_host *h, struct pci_function *f)
{
	bool mem = pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
	unsigned int i;

	for (i = 0; i < PCI_NR_BARS; i++) {
		uint32_t size = f->bars[i].size;
		uint64_t addr = pci_cfg_get(f, PCI_BAR0 + 4 * i, 4) &
				~(uint64_t)BAR_MEM_FLAGS_MASK;
		uint64_t want = size && mem && in_window(h, addr, size) ?
				addr : 0;

		if (want == f->mapped[i])
			continue;
		if (f->mapped[i] && f->ops && f->ops->bar_map)
			f->ops->bar_map(f, i, false, f->mapped[i]);
		f->mapped[i] = want;
		if (want && f->ops && f->ops->bar_map)
			f->ops->bar_map(f, i, true, want);
	}
}

static bool overlaps(uint32_t off, uint32_t len, uint32_t start,
		     uint32_t end)
{
	return off < end && start < off + len;
}

static void cfg_write(struct pci_host *h, struct pci_function *f,
		      uint32_t off, uint32_t len, uint32_t v)
{
	uint32_t i;

	for (i = 0; i < len; i++) {
		uint8_t m = f->wmask[off + i], b = (uint8_t)(v >> (8 * i));

		f->cfg[off + i] = (uint8_t)((f->cfg[off + i] & ~m) | (b & m));
	}
	if (overlaps(off, len, PCI_COMMAND, PCI_COMMAND + 2))
		__atomic_store_n(&f->bus_master,
				 (pci_cfg_get(f, PCI_COMMAND, 2) &
				  PCI_COMMAND_MASTER) != 0, __ATOMIC_RELEASE);
	if (overlaps(off, len, PCI_COMMAND, PCI_COMMAND + 2) ||
	    overlaps(off, len, PCI_BAR0, PCI_BAR0 + 4 * PCI_NR_BARS))
		update_bars(h, f);
	if (f->ops && f->ops->config_write)
		f->ops->config_write(f, off, len);
}

static struct pci_function *find(struct pci_host *h, uint8_t bus,
				 uint8_t devfn)
{
	/* One bus; single-function devices only. */
	if (bus != 0 || (devfn & 7))
		return NULL;
	return h->slots[devfn >> 3];
}

static void fill_ones(uint8_t *data, uint32_t len)
{
	memset(data, 0xff, len);
}

void pci_config_access_locked(struct pci_host *h, uint8_t bus,
			      uint8_t devfn, uint32_t off, uint8_t *data,
			      uint32_t len, bool is_write)
{
	struct pci_function *f;
	uint32_t v = 0;

	if ((len != 1 && len != 2 && len != 4) || off % len ||
	    off >= PCI_ECAM_FN_SIZE || !(f = find(h, bus, devfn))) {
		if (!is_write)
			fill_ones(data, len);
		return;
	}
	if (off >= PCI_CFG_SIZE) {
		/* A conventional function: no extended capabilities. */
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, len);
		cfg_write(h, f, off, len, v);
		return;
	}
	if (f->ops && f->ops->config_read)
		f->ops->config_read(f, off, len);
	v = pci_cfg_get(f, off, len);
	memcpy(data, &v, len);
}

void pci_config_access(struct pci_host *h, uint8_t bus, uint8_t devfn,
		       uint32_t off, uint8_t *data, uint32_t len,
		       bool is_write)
{
	pthread_mutex_lock(&h->lock);
	pci_config_access_locked(h, bus, devfn, off, data, len, is_write);
	pthread_mutex_unlock(&h->lock);
}

void pci_ecam_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		     bool is_write)
{
	/* Bus, device and function in the address: 1 MiB a bus, 4 KiB a
	 * function (the window holds bus 0 only, the bus number is 0). */
	pci_config_access(opaque, (uint8_t)(off >> 20),
			  (uint8_t)(off >> 12), (uint32_t)(off & 0xfff), data,
			  len, is_write);
}

void pci_window_access(void *opaque, uint64_t off, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct pci_host *h = opaque;
	uint64_t addr = h->mmio_base + off, at = 0;
	struct pci_bar bar = { 0 };
	unsigned int s, i;

	pthread_mutex_lock(&h->lock);
	for (s = 0; s < PCI_SLOTS && !bar.access; s++) {
		struct pci_function *f = h->slots[s];

		for (i = 0; f && i < PCI_NR_BARS; i++) {
			if (!f->mapped[i] || addr < f->mapped[i] ||
			    addr - f->mapped[i] >= f->bars[i].size)
				continue;
			bar = f->bars[i];
			at = addr - f->mapped[i];
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	/*
	 * The device serves its BAR under its own lock, not the host's. An
	 * access running past the BAR's end is nobody's.
	 */
	if (bar.access && len <= bar.size - at)
		bar.access(bar.opaque, at, data, len, is_write);
	else if (!is_write)
		fill_ones(data, len);
}

int pci_host_add(struct pci_host *h, struct pci_function *f)
{
	uint64_t next;
	unsigned int s, i;
	int err = 0;

	pthread_mutex_lock(&h->lock);
	for (s = 1; s < PCI_SLOTS && h->slots[s]; s++)
		;
	if (s == PCI_SLOTS) {
		err = -ENOSPC;
		goto out;
	}
	/* Each BAR naturally aligned, one after the other, as firmware does. */
	next = h->next_bar;
	for (i = 0; i < PCI_NR_BARS; i++) {
		uint32_t size = f->bars[i].size;

		if (!size)
			continue;
		if (size < SZ_4K || (size & (size - 1))) {
			err = -EINVAL;
			goto out;
		}
		next = (next + size - 1) & ~((uint64_t)size - 1);
		if (!in_window(h, next, size)) {
			err = -ENOSPC;
			goto out;
		}
		pci_cfg_set(f, PCI_BAR0 + 4 * i, 4, (uint32_t)next);
		wmask_set(f, PCI_BAR0 + 4 * i, 4,
			  ~(size - 1) & ~(uint32_t)BAR_MEM_FLAGS_MASK);
		next += size;
	}
	h->next_bar = next;
	f->devfn = (uint8_t)(s << 3);
	f->host = h;
	h->slots[s] = f;
out:
	pthread_mutex_unlock(&h->lock);
	return err;
}

/* Where the host sits in the guest's map, and how it is described. */
static int host_join_vm(struct vm *vm, struct pci_host *h)
{
	struct machine_pci_host *p = &vm->machine.pci;
	int err;

	err = io_bus_register(&vm->mmio, PCI_ECAM_GPA, MACHINE_ECAM_BUS_SIZE,
			      pci_ecam_access, h, "pci-ecam");
	if (!err)
		err = io_bus_register(&vm->mmio, PCI_MMIO_GPA, PCI_MMIO_SIZE,
				      pci_window_access, h, "pci-window");
	if (!err)
		err = pci_host_arch_init(vm, h);
	if (err)
		return err;
	p->present = true;
	p->segment = 0;
	p->bus_start = p->bus_end = 0;
	p->ecam_base = PCI_ECAM_GPA;
	p->mmio_base = PCI_MMIO_GPA;
	p->mmio_size = PCI_MMIO_SIZE;
	/* Behind the virtio-iommu: endpoint IDs follow requester IDs. */
	p->iommu_endpoint_base = vm->iommu ? PCI_IOMMU_ENDPOINT_BASE : -1;
	return 0;
}

void pci_host_destroy(struct pci_host *h)
{
	if (!h)
		return;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

struct pci_host *pci_host_get(struct vm *vm, int *err)
{
	struct pci_host *h = vm->pci;

	*err = 0;
	if (h)
		return h;
	h = malloc(sizeof(*h));
	if (!h) {
		*err = -ENOMEM;
		return NULL;
	}
	pci_host_init(h, PCI_ECAM_GPA, PCI_MMIO_GPA, PCI_MMIO_SIZE);
	h->vm = vm;
	*err = host_join_vm(vm, h);
	if (*err) {
		pr_err("cannot set up the PCI host bridge: %s", strerror(-*err));
		free(h);
		return NULL;
	}
	vm->pci = h;
	pr_debug("PCI host: ECAM at 0x%llx, BARs in 0x%llx-0x%llx",
		 PCI_ECAM_GPA, PCI_MMIO_GPA, PCI_MMIO_GPA + PCI_MMIO_SIZE - 1);
	return h;
}
