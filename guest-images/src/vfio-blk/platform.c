// SPDX-License-Identifier: GPL-2.0
/*
 * The device as sysfs shows it: which platform device holds a disk, moving
 * it from virtio-mmio to vfio-platform, and its IOMMU group and endpoint.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"
#include "report.h"

static int write_sysfs(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	close(fd);
	if (n < 0)
		return -errno;
	return 0;
}

static int read_sysfs(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return (int)n;
}

/* The last path component of a symlink's target, or "" if none. */
static void link_base(const char *path, char *out, size_t size)
{
	char target[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	const char *base;
	size_t len;

	out[0] = 0;
	if (n < 0)
		return;
	target[n] = 0;
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	len = strlen(base);
	if (len >= size)
		return;		/* no name that long is ours */
	memcpy(out, base, len + 1);
}

/*
 * Find the platform device under a virtio disk by its serial: the block
 * device's parent is the virtio device, whose parent is the virtio-mmio
 * platform device (/sys/devices/platform/<bus>/NAME/virtioN).
 */
int find_by_serial(const char *serial, char *name, size_t size)
{
	char path[PATH_MAX], buf[128], dev[PATH_MAX];
	int i;

	for (i = 0; i < 26; i++) {
		snprintf(path, sizeof(path), "/sys/block/vd%c/serial", 'a' + i);
		if (read_sysfs(path, buf, sizeof(buf)) < 0 ||
		    strcmp(buf, serial))
			continue;
		snprintf(path, sizeof(path), "/sys/block/vd%c/device/..",
			 'a' + i);
		if (!realpath(path, dev))
			break;
		snprintf(name, size, "%s", strrchr(dev, '/') + 1);
		return 0;
	}
	return -ENODEV;
}

/* Move the device from its driver (virtio-mmio) to vfio-platform. */
int bind_vfio(struct vblk *d)
{
	char path[PATH_MAX], drv[64], buf[64];
	int err;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s", d->name);
	if (access(path, F_OK)) {
		fprintf(stderr, "vfio-blk: no platform device %s (expected a name like d0003000.virtio, see /sys/bus/platform/devices)\n",
			d->name);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver",
		 d->name);
	link_base(path, drv, sizeof(drv));
	if (!strcmp(drv, "vfio-platform")) {
		say("%s is already bound to vfio-platform", d->name);
		return 0;
	}
	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/driver_override", d->name);
	err = write_sysfs(path, "vfio-platform");
	if (err)
		goto fail;
	if (drv[0]) {
		say("unbinding %s from its kernel driver %s", d->name, drv);
		snprintf(path, sizeof(path),
			 "/sys/bus/platform/devices/%s/driver/unbind", d->name);
		err = write_sysfs(path, d->name);
		if (err)
			goto fail;
	}
	err = write_sysfs("/sys/bus/platform/drivers_probe", d->name);
	if (err)
		goto fail;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver",
		 d->name);
	link_base(path, buf, sizeof(buf));
	if (strcmp(buf, "vfio-platform")) {
		/*
		 * Linux 6.1 fails the probe (-ENOENT) for any device without a
		 * reset module even with reset_required=0; fixed in 6.3.
		 */
		fprintf(stderr, "vfio-blk: vfio-platform did not take %s (driver now '%s'); the guest needs CONFIG_VFIO_PLATFORM, vfio_platform.reset_required=0 and, on Linux 6.1, guest-images/vfio-platform-reset-required.patch (see dmesg: 'probe of %s failed with error -2')\n",
			d->name, buf, d->name);
		return -ENODEV;
	}
	say("%s is now bound to vfio-platform (driver_override + drivers_probe)",
	    d->name);
	return 0;
fail:
	fprintf(stderr, "vfio-blk: %s: %s\n", path, strerror(-err));
	return err;
}

/* IOMMU group, and the endpoint ID the device tree gives the device. */
int find_group(struct vblk *d)
{
	char path[PATH_MAX], buf[32];
	uint32_t cells[2];
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/iommu_group", d->name);
	link_base(path, buf, sizeof(buf));
	if (!buf[0]) {
		fprintf(stderr, "vfio-blk: %s has no IOMMU group: is iovm running with --iommu and the disk behind it?\n",
			d->name);
		return -ENODEV;
	}
	d->group_id = (unsigned int)strtoul(buf, NULL, 10);
	/* iommus = <&viommu ENDPOINT>: two big-endian cells. */
	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/of_node/iommus", d->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, cells, sizeof(cells)) == sizeof(cells))
			d->endpoint = __builtin_bswap32(cells[1]);
		close(fd);
	}
	say("IOMMU group %u, virtio-iommu endpoint %u (device tree 'iommus')",
	    d->group_id, d->endpoint);
	return 0;
}
