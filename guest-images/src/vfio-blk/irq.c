// SPDX-License-Identifier: GPL-2.0
/*
 * The device's interrupt: VFIO signals it on an eventfd; the cause is read
 * from and acknowledged at the device's registers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "driver.h"
#include "report.h"

int irq_setup(struct vblk *d)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = 0 };
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;

	if (ioctl(d->device, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		return -errno;
	d->irq_automasked = ii.flags & VFIO_IRQ_INFO_AUTOMASKED;
	if (d->irq_fd < 0)
		d->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->irq_fd < 0)
		return -errno;
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = 0;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &d->irq_fd, sizeof(int32_t));
	if (ioctl(d->device, VFIO_DEVICE_SET_IRQS, set))
		return -errno;
	/*
	 * virtio-mmio's interrupt is a level-triggered IO-APIC pin, but Linux
	 * 6.1's x86 device-tree irqdomain does not record the trigger type,
	 * so vfio-platform takes it for an edge: no automask, nothing to
	 * unmask. Both cases are handled; the narration says which it is.
	 */
	say("interrupt 0 -> eventfd %d (%s)", d->irq_fd,
	    d->irq_automasked ?
	    "level-triggered: masked on each, we unmask after the ACK" :
	    "the kernel reports it as edge-triggered: neither masked nor unmasked");
	return 0;
}

static void irq_unmask(struct vblk *d)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
		.index = 0, .start = 0, .count = 1,
	};

	if (d->irq_automasked && ioctl(d->device, VFIO_DEVICE_SET_IRQS, &set))
		fprintf(stderr, "vfio-blk: unmask: %s\n", strerror(errno));
}

/*
 * Wait for one interrupt (or @ms). Level-triggered through vfio-platform:
 * the host masked the line when it fired; read the cause, acknowledge it
 * at the device, then unmask so the next one can come.
 */
bool irq_wait(struct vblk *d, long ms, uint32_t *isr)
{
	struct pollfd p = { .fd = d->irq_fd, .events = POLLIN };
	uint64_t v;
	uint32_t s;

	if (poll(&p, 1, ms < 0 ? 0 : (int)ms) <= 0)
		return false;
	if (read(d->irq_fd, &v, sizeof(v)) != sizeof(v))
		return false;
	s = rd(d, VM_INT_STATUS);
	wr(d, VM_INT_ACK, s);
	irq_unmask(d);
	d->irqs++;
	*isr |= s;
	return true;
}

/*
 * How often the guest kernel took our interrupt: the vfio-irq line of
 * /proc/interrupts, summed over CPUs. Compared with the eventfd wake-ups,
 * it shows how many interrupts one completion costs.
 */
unsigned long kernel_irq_count(struct vblk *d)
{
	char line[1024];
	unsigned long total = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p || !strstr(line, "vfio-irq") || !strstr(line, d->name))
			continue;
		for (p++;;) {
			char *end;
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			total += v;
			p = end;
		}
	}
	fclose(f);
	return total;
}
