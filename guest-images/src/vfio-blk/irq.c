// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts: VFIO signals them on eventfds; the transport knows how many
 * there are and what each means (transport-*.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/vfio.h>

#include "driver.h"

int irq_trigger(struct vblk *d, unsigned int index, const int *fds,
		unsigned int n)
{
	char buf[sizeof(struct vfio_irq_set) + 8 * sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;

	if (n > 8)
		return -EINVAL;
	set->argsz = sizeof(*set) + n * sizeof(int32_t);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = index;
	set->start = 0;
	set->count = n;
	memcpy(set->data, fds, n * sizeof(int32_t));
	return ioctl(d->device, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
}

/* Wait for one interrupt (or @ms); count it. */
bool irq_wait(struct vblk *d, long ms, uint32_t *isr)
{
	if (!d->t->irq_wait(d, ms, isr))
		return false;
	d->irqs++;
	return true;
}

/*
 * How often the guest kernel took our interrupts: the vfio lines of
 * /proc/interrupts for this device, summed over CPUs. Compared with the
 * eventfd wake-ups, it shows how many interrupts one completion costs.
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

		if (!p || !strstr(line, "vfio") || !strstr(line, d->name))
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
