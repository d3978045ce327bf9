// SPDX-License-Identifier: GPL-2.0
/*
 * The device as sysfs shows it: which device holds a disk and on which
 * bus (a virtio-mmio platform device, or a virtio-pci function), moving it
 * from its virtio driver to VFIO, and its IOMMU group and endpoint.
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
 * Find the transport device under a virtio disk by its serial: the block
 * device's parent is the virtio device, whose parent is the virtio-mmio
 * platform device or the virtio-pci function (.../NAME/virtioN).
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

/* The transport follows from the bus the device sits on. */
int find_transport(struct vblk *d)
{
	static const struct transport *const all[] = {
		&transport_mmio, &transport_pci,
	};
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all); i++) {
		snprintf(path, sizeof(path), "/sys/bus/%s/devices/%s",
			 all[i]->bus, d->name);
		if (!access(path, F_OK)) {
			d->t = all[i];
			return 0;
		}
	}
	fprintf(stderr, "vfio-blk: no platform or PCI device %s (expected a name like d0003000.virtio or 0000:00:02.0; see /sys/bus/*/devices)\n",
		d->name);
	return -ENODEV;
}

/* sysfs path of @d's attribute @attr on its bus. */
static void dev_path(struct vblk *d, const char *attr, char *path,
		     size_t size)
{
	snprintf(path, size, "/sys/bus/%s/devices/%s/%s", d->t->bus, d->name,
		 attr);
}

/* Move the device from its virtio driver to its VFIO driver. */
int bind_vfio(struct vblk *d)
{
	const char *vfio = d->t->vfio_driver;
	char path[PATH_MAX], drv[64], buf[64];
	int err;

	dev_path(d, "driver", path, sizeof(path));
	link_base(path, drv, sizeof(drv));
	if (!strcmp(drv, vfio)) {
		say("%s is already bound to %s", d->name, vfio);
		return 0;
	}
	dev_path(d, "driver_override", path, sizeof(path));
	err = write_sysfs(path, vfio);
	if (err)
		goto fail;
	if (drv[0]) {
		say("unbinding %s from its kernel driver %s", d->name, drv);
		dev_path(d, "driver/unbind", path, sizeof(path));
		err = write_sysfs(path, d->name);
		if (err)
			goto fail;
	}
	snprintf(path, sizeof(path), "/sys/bus/%s/drivers_probe", d->t->bus);
	err = write_sysfs(path, d->name);
	if (err)
		goto fail;
	dev_path(d, "driver", path, sizeof(path));
	link_base(path, buf, sizeof(buf));
	if (strcmp(buf, vfio)) {
		if (d->t == &transport_mmio)
			/*
			 * Linux 6.1 fails the probe (-ENOENT) for any device
			 * without a reset module even with reset_required=0;
			 * fixed in 6.3.
			 */
			fprintf(stderr, "vfio-blk: vfio-platform did not take %s (driver now '%s'); the guest needs CONFIG_VFIO_PLATFORM, vfio_platform.reset_required=0 and, on Linux 6.1, guest-images/vfio-platform-reset-required.patch (see dmesg: 'probe of %s failed with error -2')\n",
				d->name, buf, d->name);
		else
			fprintf(stderr, "vfio-blk: vfio-pci did not take %s (driver now '%s'): is the vfio-pci module loaded? (see dmesg)\n",
				d->name, buf);
		return -ENODEV;
	}
	say("%s is now bound to %s (driver_override + drivers_probe)",
	    d->name, vfio);
	return 0;
fail:
	fprintf(stderr, "vfio-blk: %s: %s\n", path, strerror(-err));
	return err;
}

/* The endpoint ID the device tree's 'iommus' gives a platform device. */
static int dt_endpoint(struct vblk *d)
{
	char path[PATH_MAX];
	uint32_t cells[2];
	ssize_t n = -1;
	int fd;

	/* iommus = <&viommu ENDPOINT>: two big-endian cells. */
	dev_path(d, "of_node/iommus", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, cells, sizeof(cells));
	close(fd);
	if (n != sizeof(cells))
		return -ENOENT;
	d->endpoint = __builtin_bswap32(cells[1]);
	say("IOMMU group %u, virtio-iommu endpoint %u (device tree 'iommus')",
	    d->group_id, d->endpoint);
	return 0;
}

/* The endpoint ID ACPI's VIOT gives a PCI function, from its BDF. */
static int acpi_endpoint(struct vblk *d)
{
	unsigned int seg, bus, dev, fn;

	if (sscanf(d->name, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
		return -ENOENT;
	if (viot_pci_endpoint(seg, bus << 8 | dev << 3 | fn, &d->endpoint))
		return -ENOENT;
	say("IOMMU group %u, virtio-iommu endpoint %u (ACPI VIOT: PCI range)",
	    d->group_id, d->endpoint);
	return 0;
}

/*
 * The endpoint ID a device tree's 'iommu-map' gives a PCI function (arm64):
 * the host bridge's node, two levels up from the function in sysfs, maps
 * requester IDs [rid_base, rid_base + length) to endpoints from its base.
 */
static int dt_pci_endpoint(struct vblk *d)
{
	char path[PATH_MAX];
	uint32_t map[4], rid_base, base, length;
	unsigned int seg, bus, dev, fn, rid;
	ssize_t n;
	int fd;

	if (sscanf(d->name, "%x:%x:%x.%x", &seg, &bus, &dev, &fn) != 4)
		return -ENOENT;
	rid = bus << 8 | dev << 3 | fn;
	/* iommu-map = <rid_base &viommu base length>: big-endian cells. */
	dev_path(d, "../../of_node/iommu-map", path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	n = read(fd, map, sizeof(map));
	close(fd);
	if (n != sizeof(map))
		return -ENOENT;
	rid_base = __builtin_bswap32(map[0]);
	base = __builtin_bswap32(map[2]);
	length = __builtin_bswap32(map[3]);
	if (rid < rid_base || rid - rid_base >= length)
		return -ENOENT;
	d->endpoint = base + (rid - rid_base);
	say("IOMMU group %u, virtio-iommu endpoint %u (device tree 'iommu-map' of the PCI host)",
	    d->group_id, d->endpoint);
	return 0;
}

/* IOMMU group, and the endpoint ID the firmware tables give the device. */
int find_group(struct vblk *d)
{
	char path[PATH_MAX], buf[32];

	dev_path(d, "iommu_group", path, sizeof(path));
	link_base(path, buf, sizeof(buf));
	if (!buf[0]) {
		fprintf(stderr, "vfio-blk: %s has no IOMMU group: is iovm running with --iommu and the disk behind it?\n",
			d->name);
		return -ENODEV;
	}
	d->group_id = (unsigned int)strtoul(buf, NULL, 10);
	if (dt_endpoint(d) && dt_pci_endpoint(d) && acpi_endpoint(d))
		say("IOMMU group %u; no firmware table names its virtio-iommu endpoint",
		    d->group_id);
	return 0;
}
