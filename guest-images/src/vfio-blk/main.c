// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-blk: a virtio-blk driver in guest userspace, over VFIO.
 *
 * It takes a virtio-blk device away from the kernel (a virtio-mmio platform
 * device named after its device tree node, e.g. d0003000.virtio, or a
 * virtio-pci function such as 0000:00:02.0), hands it to vfio-platform or
 * vfio-pci and drives it itself: the virtqueue and every buffer live in
 * this process's memory, mapped into the device's IOMMU domain at IOVAs
 * chosen here. iovm's virtio-iommu confines the device to exactly those
 * mappings; the "isolation" and "hostile" commands check that from inside.
 *
 *   vfio-blk find SERIAL            the device of the disk with that
 *                                   serial (while the kernel owns it)
 *   vfio-blk [-v] DEVICE data       write a pattern, FLUSH, read it back
 *   vfio-blk [-v] DEVICE isolation  DMA to unmapped and read-only memory
 *   vfio-blk [-v] DEVICE hostile    malformed virtqueues, teardown races
 *
 * Output: one "ok - ..." or "not ok - ..." line per check; exit status 0
 * only if every check held. -v narrates each step (for the demo).
 *
 * The guest needs vfio_iommu_type1.allow_unsafe_interrupts=1 (x86 has no
 * interrupt remapping behind the virtio-iommu) and, for a virtio-mmio
 * device, vfio_platform.reset_required=0 (there is no vfio reset module
 * for virtio-mmio: resetting the device is this driver's job).
 *
 * The files:
 *   driver.h      the driver: sysfs.c (which device, its VFIO driver,
 *                 group and endpoint; viot.c for ACPI's), vfio.c
 *                 (container, group, device), dma.c (regions and their
 *                 mappings), irq.c (interrupt eventfds), the transports
 *                 transport-mmio.c and transport-pci.c, virtio.c (device,
 *                 queue, requests)
 *   report.c      the ok/not ok lines, the narration, the watchdog
 *   faults.c      the IOMMU faults a case caused, from iovm's record
 *   data.c        the data command
 *   cases.c       running and judging the hostile cases; one group of
 *                 them in each cases-*.c, isolation's in cases-isolation.c
 *
 * Built with `gcc -static -O2` from all the files here, and run as root
 * from the initramfs (guest-images/build-initramfs.sh).
 */
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "driver.h"
#include "faults.h"
#include "report.h"

/*
 * The guest kernel's side, as a witness: its virtio-iommu driver logs
 * the fault events iovm sends, ratelimited and a little later. How many
 * lines are there by now is not a check (the ratelimit drops some, and a
 * line may still be on its way); it shows the guest saw the faults too.
 */
static void witness(struct fault_log *log)
{
	unsigned int logged, confirmed;

	faults_witness(log, &logged, &confirmed);
	printf("# the guest kernel's own log: %u fault line%s for endpoint %u so far (ratelimited), %u at an address and direction iovm reported to this run\n",
	       logged, logged == 1 ? "" : "s", log->endpoint, confirmed);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vfio-blk find SERIAL\n"
		"       vfio-blk [-v] DEVICE data|isolation|hostile\n"
		"DEVICE is a platform device such as d0003000.virtio or a PCI function such as 0000:00:02.0\n");
	return 2;
}

static int cmd_find(const char *serial)
{
	char name[PATH_MAX];

	if (find_by_serial(serial, name, sizeof(name))) {
		fprintf(stderr, "vfio-blk: no virtio disk with serial '%s' in /sys/block\n",
			serial);
		return 1;
	}
	puts(name);
	return 0;
}

int main(int argc, char **argv)
{
	struct vblk dev = VBLK_INIT(NULL);
	struct fault_log log;
	const char *what;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "find"))
		return cmd_find(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		report_verbose(true);
		argc--;
		argv++;
	}
	if (argc != 3)
		return usage();
	dev.name = argv[1];
	what = argv[2];
	if (strcmp(what, "data") && strcmp(what, "isolation") &&
	    strcmp(what, "hostile"))
		return usage();

	report_watchdog_start();
	err = fault_log_open(&log);
	if (err && strcmp(what, "data")) {
		printf("not ok - vfio-blk: iovm's test device (%s) is out of reach: %s; the %s checks count faults from it\n",
		       TESTDEV_WHERE, strerror(-err), what);
		return 1;
	}

	err = find_transport(&dev);
	if (!err)
		err = bind_vfio(&dev);
	if (!err)
		err = find_group(&dev);
	if (!err)
		err = regions_alloc(&dev);
	if (!err)
		err = vfio_open(&dev);
	if (!err)
		err = dev_start(&dev);
	if (err) {
		printf("not ok - vfio-blk: setting up %s through VFIO failed: %s\n",
		       dev.name, strerror(-err));
		return 1;
	}
	log.endpoint = dev.endpoint;
	pass("%s driven from userspace through VFIO: group %u, endpoint %u, features 0x%llx, %llu sectors",
	     dev.name, dev.group_id, dev.endpoint,
	     (unsigned long long)dev.features,
	     (unsigned long long)dev.capacity);

	if (!strcmp(what, "data"))
		cmd_data(&dev);
	else if (!strcmp(what, "isolation"))
		cmd_isolation(&dev, &log);
	else
		cmd_hostile(&dev, &log);
	if (strcmp(what, "data"))
		witness(&log);

	/* Leave the device quiet: reset, then let VFIO tear down the rest. */
	if (dev.opened)
		dev_set_status(&dev, 0);
	device_close(&dev);
	return report_failures() ? 1 : 0;
}
