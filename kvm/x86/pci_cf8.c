// SPDX-License-Identifier: GPL-2.0
/*
 * PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2), the x86
 * way to the host's configuration space beside ECAM: a 32-bit
 * CONFIG_ADDRESS register at port 0xCF8 (enable bit 31, bus 23:16, device
 * 15:11, function 10:8, dword register 7:2) and a CONFIG_DATA window at
 * 0xCFC-0xCFF. Linux takes the first 256 bytes of every function this way
 * when it works, ECAM only for what lies beyond; its probe writes
 * 0x80000000 and expects to read it back, then looks for a host bridge.
 */
#include <string.h>

#include "../pci.h"

#define CF8_ENABLE		0x80000000u
/* Enable, bus, device, function, register; 30:24 and 1:0 read as 0. */
#define CF8_WRITABLE		0x80fffffcu

static void cf8_access(struct pci_host *h, uint32_t off, uint8_t *data,
		       uint32_t len, bool is_write)
{
	uint32_t v;

	/*
	 * Only a whole-dword access is CONFIG_ADDRESS. A byte at 0xCF9 is
	 * the reset control register on a PC chipset, 0xCFB a probe of
	 * mechanism #2: neither is here.
	 */
	if (off != 0 || len != 4) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write) {
		memcpy(&v, data, 4);
		h->cf8 = v & CF8_WRITABLE;
	} else {
		memcpy(data, &h->cf8, 4);
	}
}

void pci_cf8_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		    bool is_write)
{
	struct pci_host *h = opaque;
	uint32_t reg, a;

	pthread_mutex_lock(&h->lock);
	if (off < 4) {
		cf8_access(h, (uint32_t)off, data, len, is_write);
		goto out;
	}
	a = h->cf8;
	reg = (a & 0xfc) + (uint32_t)(off - 4);
	/* Disabled, or running past 0xCFF: no configuration cycle. */
	if (!(a & CF8_ENABLE) || off - 4 + len > 4) {
		if (!is_write)
			memset(data, 0xff, len);
		goto out;
	}
	pci_config_access_locked(h, (uint8_t)(a >> 16), (uint8_t)(a >> 8),
				 reg, data, len, is_write);
out:
	pthread_mutex_unlock(&h->lock);
}

int pci_host_arch_init(struct vm *vm, struct pci_host *h)
{
	return io_bus_register(&vm->pio, PCI_CF8_PORT, PCI_CF8_PORTS,
			       pci_cf8_access, h, "pci-cf8");
}
