// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO set-up: the container, the group attached to a type1 IOMMU domain,
 * and the device's file, handed to its transport.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "driver.h"
#include "report.h"

/* The type1 IOMMU's info, with room for all its capabilities; or NULL. */
static struct vfio_iommu_type1_info *iommu_info(struct vblk *d)
{
	size_t size = sizeof(struct vfio_iommu_type1_info);
	struct vfio_iommu_type1_info *info;

	for (;;) {
		info = calloc(1, size);
		if (!info)
			return NULL;
		info->argsz = size;
		if (ioctl(d->container, VFIO_IOMMU_GET_INFO, info)) {
			free(info);
			return NULL;
		}
		if (info->argsz <= size)
			return info;
		size = info->argsz;	/* the capabilities need more */
		free(info);
	}
}

static void print_iova_ranges(struct vblk *d)
{
	struct vfio_iommu_type1_info *info = iommu_info(d);
	struct vfio_info_cap_header *h;
	unsigned int i;

	if (!info)
		return;
	say("IOMMU page sizes 0x%llx", (unsigned long long)info->iova_pgsizes);
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || !info->cap_offset)
		goto out;
	for (h = (void *)((uint8_t *)info + info->cap_offset);;
	     h = (void *)((uint8_t *)info + h->next)) {
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *cap =
				(void *)h;

			for (i = 0; i < cap->nr_iovas; i++)
				say("usable IOVA range 0x%llx-0x%llx",
				    (unsigned long long)cap->iova_ranges[i].start,
				    (unsigned long long)cap->iova_ranges[i].end);
		}
		if (!h->next)
			break;
	}
out:
	free(info);
}

/* Container and group; the group attached to a type1 IOMMU domain. */
static int vfio_attach(struct vblk *d)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	unsigned long type;

	if (ioctl(d->group, VFIO_GROUP_GET_STATUS, &gs))
		return -errno;
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-blk: group %u is not viable (another device of it still has a driver)\n",
			d->group_id);
		return -EBUSY;
	}
	if (ioctl(d->group, VFIO_GROUP_SET_CONTAINER, &d->container))
		return -errno;
	type = ioctl(d->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) ?
	       VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
	if (ioctl(d->container, VFIO_SET_IOMMU, type)) {
		int err = -errno;

		fprintf(stderr, "vfio-blk: VFIO_SET_IOMMU: %s%s\n", strerror(-err),
			err == -EPERM ? " (boot with vfio_iommu_type1.allow_unsafe_interrupts=1)" : "");
		return err;
	}
	say("container: group %u attached, IOMMU type %s", d->group_id,
	    type == VFIO_TYPE1v2_IOMMU ? "TYPE1v2" : "TYPE1");
	return 0;
}

/* The device's file; its transport maps its registers, wires interrupts. */
static int device_open(struct vblk *d)
{
	int err;

	d->device = ioctl(d->group, VFIO_GROUP_GET_DEVICE_FD, d->name);
	if (d->device < 0)
		return -errno;
	err = d->t->open(d);
	d->opened = !err;
	d->kernel_irqs0 = kernel_irq_count(d);
	return err;
}

void device_close(struct vblk *d)
{
	d->t->close(d);
	d->opened = false;
	if (d->device >= 0)
		close(d->device);
	d->device = -1;
}

/* Everything from /dev/vfio/vfio to a device whose registers answer. */
int vfio_open(struct vblk *d)
{
	char path[64];
	int err;

	d->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (d->container < 0) {
		fprintf(stderr, "vfio-blk: /dev/vfio/vfio: %s (CONFIG_VFIO?)\n",
			strerror(errno));
		return -errno;
	}
	if (ioctl(d->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/vfio/%u", d->group_id);
	d->group = open(path, O_RDWR | O_CLOEXEC);
	if (d->group < 0) {
		fprintf(stderr, "vfio-blk: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	err = vfio_attach(d);
	if (err)
		return err;
	print_iova_ranges(d);
	err = map_all(d);
	if (err)
		return err;
	err = device_open(d);
	if (err)
		fprintf(stderr, "vfio-blk: opening %s through VFIO: %s\n",
			d->name, strerror(-err));
	return err;
}

/*
 * Take the endpoint away from this process with whatever is in flight:
 * close the device and take the group out of its container, so the
 * kernel moves the endpoint back to its default domain.
 */
int vfio_detach(struct vblk *d)
{
	device_close(d);
	return ioctl(d->group, VFIO_GROUP_UNSET_CONTAINER) ? -errno : 0;
}

/* After vfio_detach(): same container, new IOMMU domain, same mappings. */
int vfio_reattach(struct vblk *d)
{
	unsigned int i;
	int err;

	for (i = 0; i < NR_REGIONS; i++)
		d->r[i].mapped = false;
	err = vfio_attach(d);
	if (!err)
		err = map_all(d);
	if (!err)
		err = device_open(d);
	return err;
}
