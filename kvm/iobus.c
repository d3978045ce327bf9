// SPDX-License-Identifier: GPL-2.0
/*
 * Port I/O and MMIO dispatch for exits that reach user space. A handful of
 * devices at most, so a linear scan beats anything cleverer; the hot virtio
 * notifications never get here (they are ioeventfds).
 */
#include <errno.h>

#include "kvm.h"

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    io_fn fn, void *opaque, const char *name)
{
	int i;

	if (!len || base + len < base)
		return -EINVAL;
	if (bus->nr == IO_BUS_MAX_REGIONS)
		return -ENOSPC;
	for (i = 0; i < bus->nr; i++) {
		const struct io_region *r = &bus->regions[i];

		if (base < r->base + r->len && r->base < base + len)
			return -EBUSY;
	}
	bus->regions[bus->nr++] = (struct io_region){
		.base = base, .len = len, .fn = fn, .opaque = opaque,
		.name = name,
	};
	return 0;
}

bool io_bus_access(struct io_bus *bus, uint64_t addr, uint8_t *data,
		   uint32_t len, bool is_write)
{
	int i;

	for (i = 0; i < bus->nr; i++) {
		const struct io_region *r = &bus->regions[i];

		if (addr >= r->base && addr - r->base < r->len) {
			r->fn(r->opaque, addr - r->base, data, len, is_write);
			return true;
		}
	}
	return false;
}
