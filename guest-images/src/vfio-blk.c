// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-blk: a virtio-blk driver in guest userspace, over VFIO.
 *
 * It takes a virtio-mmio device (a platform device named after its device
 * tree node, e.g. d0003000.virtio) away from the kernel, hands it to
 * vfio-platform and drives it itself: the virtqueue and every buffer live
 * in this process's memory, mapped into the device's IOMMU domain at IOVAs
 * chosen here. iovm's virtio-iommu confines the device to exactly those
 * mappings; the "isolation" and "hostile" commands check that from inside.
 *
 *   vfio-blk find SERIAL            the platform device of the disk with
 *                                   that serial (while the kernel owns it)
 *   vfio-blk [-v] DEVICE data       write a pattern, FLUSH, read it back
 *   vfio-blk [-v] DEVICE isolation  DMA to unmapped and read-only memory
 *   vfio-blk [-v] DEVICE hostile    malformed virtqueues, teardown races
 *
 * Output: one "ok - ..." or "not ok - ..." line per check; exit status 0
 * only if every check held. -v narrates each step (for the demo).
 *
 * The guest needs vfio_platform.reset_required=0 (there is no vfio reset
 * module for virtio-mmio: resetting the device is this driver's job) and
 * vfio_iommu_type1.allow_unsafe_interrupts=1 (no interrupt remapping).
 *
 * Built with `gcc -static -O2` and run as root from the initramfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>

#include <linux/vfio.h>

#define PAGE		4096UL

/* virtio-mmio version 2 registers (virtio 1.2, 4.2.2); 32-bit accesses. */
#define VM_MAGIC		0x000
#define VM_VERSION		0x004
#define VM_DEVICE_ID		0x008
#define VM_DEV_FEATURES		0x010
#define VM_DEV_FEATURES_SEL	0x014
#define VM_DRV_FEATURES		0x020
#define VM_DRV_FEATURES_SEL	0x024
#define VM_QUEUE_SEL		0x030
#define VM_QUEUE_NUM_MAX	0x034
#define VM_QUEUE_NUM		0x038
#define VM_QUEUE_READY		0x044
#define VM_QUEUE_NOTIFY		0x050
#define VM_INT_STATUS		0x060
#define VM_INT_ACK		0x064
#define VM_STATUS		0x070
#define VM_QUEUE_DESC_LO	0x080
#define VM_QUEUE_DESC_HI	0x084
#define VM_QUEUE_AVAIL_LO	0x090
#define VM_QUEUE_AVAIL_HI	0x094
#define VM_QUEUE_USED_LO	0x0a0
#define VM_QUEUE_USED_HI	0x0a4
#define VM_CONFIG_GEN		0x0fc
#define VM_CONFIG		0x100

#define VM_MAGIC_VALUE		0x74726976	/* "virt" */
#define VIRTIO_ID_BLOCK		2

#define ST_ACKNOWLEDGE		1
#define ST_DRIVER		2
#define ST_DRIVER_OK		4
#define ST_FEATURES_OK		8
#define ST_NEEDS_RESET		64
#define ST_FAILED		128

#define INT_VRING		1
#define INT_CONFIG		2

#define F_BLK_RO		5
#define F_BLK_FLUSH		9
#define F_INDIRECT_DESC		28
#define F_EVENT_IDX		29
#define F_VERSION_1		32
#define F_ACCESS_PLATFORM	33
#define BIT(n)			(1ULL << (n))

/* What this driver asks for: no EVENT_IDX, so interrupts stay simple. */
#define WANT_FEATURES	(BIT(F_VERSION_1) | BIT(F_ACCESS_PLATFORM) | \
			 BIT(F_BLK_FLUSH) | BIT(F_INDIRECT_DESC))

#define D_NEXT			1
#define D_WRITE			2
#define D_INDIRECT		4

#define T_IN			0
#define T_OUT			1
#define T_FLUSH			4
#define T_GET_ID		8

#define BLK_OK			0
#define BLK_IOERR		1
#define BLK_UNSUPP		2
#define NO_STATUS		0xff	/* sentinel: the device wrote none */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

struct vring_used_elem {
	uint32_t id;
	uint32_t len;
};

struct vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vring_used_elem ring[];
};

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/*
 * The device's address space, as this driver lays it out. Any IOVA in the
 * IOMMU's input range would do (the MSI window at 0xfee00000 excepted);
 * these sit above the guest's RAM so that an IOVA is visibly not a
 * guest-physical address. IOVA_HOLE is never mapped.
 */
#define IOVA_DESC	0x40000000ULL
#define IOVA_AVAIL	0x40001000ULL
#define IOVA_USED	0x40002000ULL
#define IOVA_CMD	0x40010000ULL
#define IOVA_HOLE	0x40080000ULL
#define IOVA_DATA	0x40100000ULL
#define IOVA_RBUF	0x40200000ULL
#define IOVA_RO		0x40300000ULL
#define IOVA_SPARE	0x40400000ULL
#define IOVA_VICTIM	0x41000000ULL

#define DATA_SIZE	(256 * 1024UL)
#define VICTIM_SIZE	(4 * 1024 * 1024UL)

/* The command area: request headers, status bytes, indirect tables. */
#define CMD_SIZE	(16 * PAGE)
#define CMD_HDR(k)	((k) * 16UL)		/* 64 slots */
#define CMD_STATUS(k)	(0x1000UL + (k))
#define CMD_TABLE	0x2000UL		/* up to 2560 descriptors */
#define CMD_TABLE2	0xc000UL		/* a second, small table */
#define NR_SLOTS	64

#define QSIZE		64
#define TIMEOUT_MS	15000

/* Sectors used by the tests (the vfio disk is at least 16 MiB). */
#define PATTERN_SECTOR	2048		/* 1 MiB: the host checks it */
#define PATTERN_BYTES	(128 * 1024UL)
#define SANITY_SECTOR	2048
#define VICTIM_SECTOR	8192		/* 4 MiB */

/* The data test's pattern; tests/guest/suite.sh makes the same with yes(1). */
static const char pattern_line[] = "iovm-vfio-pattern\n";

enum {
	R_DESC, R_AVAIL, R_USED, R_CMD, R_DATA, R_RBUF, R_RO, R_SPARE,
	R_VICTIM, NR_REGIONS
};

/*
 * One DMA buffer: anonymous memory with a canary page on each side that
 * is never mapped for the device. A region is "frozen" while no request
 * may legitimately change it; its checksum is then compared after every
 * test case.
 */
struct region {
	const char *name;
	const char *what;
	size_t size;
	uint64_t iova;
	uint32_t perm;			/* VFIO_DMA_MAP_FLAG_READ/WRITE */
	uint8_t *base;
	uint8_t *lo, *hi;		/* canary pages */
	bool mapped;
	bool frozen;
	uint64_t sum;
};

struct fault {
	uint64_t addr;
	char dir[4];
};

#define MAX_FAULTS	32

struct faults {
	unsigned int n;			/* lines seen (may exceed MAX_FAULTS) */
	struct fault f[MAX_FAULTS];
	bool suppressed;		/* the kernel ratelimited its log */
};

struct completion {
	uint16_t id;
	uint32_t len;
};

/* What one submission led to. */
struct outcome {
	unsigned int done;		/* used elements taken */
	struct completion c[NR_SLOTS];
	bool needs_reset;
	bool timed_out;
	bool accepted;			/* the device took a bad set-up */
	uint32_t isr;			/* interrupt causes seen */
	struct faults faults;
};

struct ctx {
	const char *name;		/* platform device */
	bool verbose;
	int failed;

	unsigned int group_id, endpoint;
	int container, group, device, irq_fd, kmsg;
	bool irq_automasked;
	volatile uint8_t *regs;
	size_t regs_size;
	struct region r[NR_REGIONS];
	uint64_t canary_phys;		/* guest-physical address of a canary */

	uint64_t features, capacity;
	uint16_t avail_idx, last_used;
	unsigned int irqs;
	unsigned long kernel_irqs0;	/* the kernel's count at set-up */

	/* The kernel's fault log is ratelimited: 10 lines per 5 s. */
	struct timespec fault_window;
	unsigned int fault_window_n;
};

static void say(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void pass(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Each line must leave the serial port whole before the next step makes
 * iovm log something of its own (its stderr shares the test's log file):
 * wait until the tty has sent it. Not a tty: nothing to wait for.
 */
static void line_out(void)
{
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

/* Narration for -v; otherwise nothing. */
static void say(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->verbose)
		return;
	va_start(ap, fmt);
	fputs("vfio-blk: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	line_out();
}

static void pass(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;	/* for symmetry with fail(), which counts */
	va_start(ap, fmt);
	fputs("ok - ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	line_out();
}

static void fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	c->failed = 1;
	va_start(ap, fmt);
	fputs("not ok - ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	line_out();
}

static long elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 +
	       (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&t, &t) && errno == EINTR)
		;
}

/* ------------------------------------------------------------ sysfs */

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
static int cmd_find(const char *serial)
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
		puts(strrchr(dev, '/') + 1);
		return 0;
	}
	fprintf(stderr, "vfio-blk: no virtio disk with serial '%s' in /sys/block\n",
		serial);
	return 1;
}

/* Move @name from its driver (virtio-mmio) to vfio-platform. */
static int bind_vfio(struct ctx *c)
{
	char path[PATH_MAX], drv[64], buf[64];
	int err;

	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s", c->name);
	if (access(path, F_OK)) {
		fprintf(stderr, "vfio-blk: no platform device %s (expected a name like d0003000.virtio, see /sys/bus/platform/devices)\n",
			c->name);
		return -ENODEV;
	}
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver",
		 c->name);
	link_base(path, drv, sizeof(drv));
	if (!strcmp(drv, "vfio-platform")) {
		say(c, "%s is already bound to vfio-platform", c->name);
		return 0;
	}
	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/driver_override", c->name);
	err = write_sysfs(path, "vfio-platform");
	if (err)
		goto fail;
	if (drv[0]) {
		say(c, "unbinding %s from its kernel driver %s", c->name, drv);
		snprintf(path, sizeof(path),
			 "/sys/bus/platform/devices/%s/driver/unbind", c->name);
		err = write_sysfs(path, c->name);
		if (err)
			goto fail;
	}
	err = write_sysfs("/sys/bus/platform/drivers_probe", c->name);
	if (err)
		goto fail;
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver",
		 c->name);
	link_base(path, buf, sizeof(buf));
	if (strcmp(buf, "vfio-platform")) {
		/*
		 * Linux 6.1 fails the probe (-ENOENT) for any device without a
		 * reset module even with reset_required=0; fixed in 6.3.
		 */
		fprintf(stderr, "vfio-blk: vfio-platform did not take %s (driver now '%s'); the guest needs CONFIG_VFIO_PLATFORM, vfio_platform.reset_required=0 and, on Linux 6.1, guest-images/vfio-platform-reset-required.patch (see dmesg: 'probe of %s failed with error -2')\n",
			c->name, buf, c->name);
		return -ENODEV;
	}
	say(c, "%s is now bound to vfio-platform (driver_override + drivers_probe)",
	    c->name);
	return 0;
fail:
	fprintf(stderr, "vfio-blk: %s: %s\n", path, strerror(-err));
	return err;
}

/* IOMMU group, and the endpoint ID the device tree gives the device. */
static int find_group(struct ctx *c)
{
	char path[PATH_MAX], buf[32];
	uint32_t cells[2];
	int fd;

	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/iommu_group", c->name);
	link_base(path, buf, sizeof(buf));
	if (!buf[0]) {
		fprintf(stderr, "vfio-blk: %s has no IOMMU group: is iovm running with --iommu and the disk behind it?\n",
			c->name);
		return -ENODEV;
	}
	c->group_id = (unsigned int)strtoul(buf, NULL, 10);
	/* iommus = <&viommu ENDPOINT>: two big-endian cells. */
	snprintf(path, sizeof(path),
		 "/sys/bus/platform/devices/%s/of_node/iommus", c->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, cells, sizeof(cells)) == sizeof(cells))
			c->endpoint = __builtin_bswap32(cells[1]);
		close(fd);
	}
	say(c, "IOMMU group %u, virtio-iommu endpoint %u (device tree 'iommus')",
	    c->group_id, c->endpoint);
	return 0;
}

/* ------------------------------------------------------ DMA regions */

static const struct {
	const char *name, *what;
	size_t size;
	uint64_t iova;
	uint32_t perm;
} layout[NR_REGIONS] = {
	[R_DESC] = { "desc", "descriptor table", PAGE, IOVA_DESC,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_AVAIL] = { "avail", "available ring", PAGE, IOVA_AVAIL,
		      VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_USED] = { "used", "used ring", PAGE, IOVA_USED,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_CMD] = { "cmd", "request headers, status bytes, indirect tables",
		    CMD_SIZE, IOVA_CMD,
		    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_DATA] = { "data", "data to write", DATA_SIZE, IOVA_DATA,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_RBUF] = { "rbuf", "read buffer", DATA_SIZE, IOVA_RBUF,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_RO] = { "ro", "buffer the device may only read", 64 * 1024,
		   IOVA_RO, VFIO_DMA_MAP_FLAG_READ },
	[R_SPARE] = { "spare", "buffer no request uses", 64 * 1024,
		      IOVA_SPARE,
		      VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_VICTIM] = { "victim", "buffer unmapped under the device",
		       VICTIM_SIZE, IOVA_VICTIM,
		       VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
};

/* Canary contents depend on the page's address, so no two pages match. */
static void canary_fill(uint8_t *page)
{
	uint64_t *p = (uint64_t *)page, seed = (uintptr_t)page;
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = (seed + i) * 0x9e3779b97f4a7c15ULL ^ 0xca11ab1eca11ab1eULL;
}

static bool canary_ok(const uint8_t *page)
{
	const uint64_t *p = (const uint64_t *)page;
	uint64_t seed = (uintptr_t)page;
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		if (p[i] != ((seed + i) * 0x9e3779b97f4a7c15ULL ^
			     0xca11ab1eca11ab1eULL))
			return false;
	return true;
}

static uint64_t checksum(const void *buf, size_t len)
{
	const uint64_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len / 8; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Guest-physical address of a locked page, from /proc/self/pagemap. */
static uint64_t phys_of(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (off_t)((uintptr_t)va / PAGE) * 8;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), off) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e & BIT(63)))
		return 0;
	return (e & (BIT(55) - 1)) * PAGE;
}

static int regions_alloc(struct ctx *c)
{
	unsigned int i;

	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &c->r[i];
		size_t total = layout[i].size + 2 * PAGE;
		uint8_t *m;

		m = mmap(NULL, total, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (m == MAP_FAILED)
			return -errno;
		/* Locked, so pagemap's answer stays true for the canaries. */
		if (mlock(m, total))
			return -errno;
		r->name = layout[i].name;
		r->what = layout[i].what;
		r->size = layout[i].size;
		r->iova = layout[i].iova;
		r->perm = layout[i].perm;
		r->lo = m;
		r->base = m + PAGE;
		r->hi = m + PAGE + r->size;
		canary_fill(r->lo);
		canary_fill(r->hi);
	}
	c->canary_phys = phys_of(c->r[R_DATA].hi);
	return 0;
}

static int dma_map(struct ctx *c, struct region *r, uint32_t perm)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = perm,
		.vaddr = (uintptr_t)r->base,
		.iova = r->iova,
		.size = r->size,
	};

	if (ioctl(c->container, VFIO_IOMMU_MAP_DMA, &m))
		return -errno;
	r->mapped = true;
	return 0;
}

static int dma_unmap(struct ctx *c, struct region *r)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = r->iova,
		.size = r->size,
	};

	if (ioctl(c->container, VFIO_IOMMU_UNMAP_DMA, &u))
		return -errno;
	r->mapped = false;
	return u.size == r->size ? 0 : -EIO;
}

static const char *perm_str(uint32_t perm)
{
	return perm == VFIO_DMA_MAP_FLAG_READ ? "device may read only" :
	       "device may read and write";
}

static int map_all(struct ctx *c)
{
	unsigned int i;
	int err;

	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &c->r[i];

		err = dma_map(c, r, r->perm);
		if (err) {
			fprintf(stderr, "vfio-blk: VFIO_IOMMU_MAP_DMA %s at IOVA 0x%llx: %s\n",
				r->name, (unsigned long long)r->iova,
				strerror(-err));
			return err;
		}
		say(c, "mapped %-6s IOVA 0x%08llx-0x%08llx (%4zu KiB, %s): %s",
		    r->name, (unsigned long long)r->iova,
		    (unsigned long long)(r->iova + r->size - 1), r->size / 1024,
		    perm_str(r->perm), r->what);
	}
	return 0;
}

/* Freeze every region but the ones a case may write. */
static void freeze(struct ctx *c, uint32_t writable_mask)
{
	unsigned int i;

	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &c->r[i];

		r->frozen = !(writable_mask & (1U << i));
		if (r->frozen)
			r->sum = checksum(r->base, r->size);
	}
}

/*
 * Did anything change that the device had no right to change? Canaries
 * are never mapped for the device; frozen regions were not given to it
 * for writing. Returns the number of damaged places, naming them in @why.
 */
static int damage(struct ctx *c, char *why, size_t len)
{
	unsigned int i;
	int n = 0;

	why[0] = 0;
	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &c->r[i];
		size_t used = strlen(why);

		if (!canary_ok(r->lo) || !canary_ok(r->hi)) {
			snprintf(why + used, len - used, " canary-of-%s", r->name);
			n++;
		} else if (r->frozen && checksum(r->base, r->size) != r->sum) {
			snprintf(why + used, len - used, " %s", r->name);
			n++;
		}
	}
	return n;
}

/* ------------------------------------------------------------ VFIO */

static uint32_t rd(struct ctx *c, unsigned int off)
{
	return *(volatile uint32_t *)(c->regs + off);
}

static void wr(struct ctx *c, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(c->regs + off) = v;
}

static void print_iova_ranges(struct ctx *c)
{
	struct vfio_iommu_type1_info *info;
	struct vfio_info_cap_header *h;
	size_t size = sizeof(*info);
	unsigned int i;

	info = calloc(1, size);
	if (!info)
		return;
	info->argsz = size;
	if (ioctl(c->container, VFIO_IOMMU_GET_INFO, info))
		goto out;
	if (info->argsz > size) {
		size = info->argsz;
		free(info);
		info = calloc(1, size);
		if (!info)
			return;
		info->argsz = size;
		if (ioctl(c->container, VFIO_IOMMU_GET_INFO, info))
			goto out;
	}
	say(c, "IOMMU page sizes 0x%llx", (unsigned long long)info->iova_pgsizes);
	if (!(info->flags & VFIO_IOMMU_INFO_CAPS) || !info->cap_offset)
		goto out;
	for (h = (void *)((uint8_t *)info + info->cap_offset);;
	     h = (void *)((uint8_t *)info + h->next)) {
		if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *cap =
				(void *)h;

			for (i = 0; i < cap->nr_iovas; i++)
				say(c, "usable IOVA range 0x%llx-0x%llx",
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
static int vfio_attach(struct ctx *c)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	unsigned long type;

	if (ioctl(c->group, VFIO_GROUP_GET_STATUS, &gs))
		return -errno;
	if (!(gs.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		fprintf(stderr, "vfio-blk: group %u is not viable (another device of it still has a driver)\n",
			c->group_id);
		return -EBUSY;
	}
	if (ioctl(c->group, VFIO_GROUP_SET_CONTAINER, &c->container))
		return -errno;
	type = ioctl(c->container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) ?
	       VFIO_TYPE1v2_IOMMU : VFIO_TYPE1_IOMMU;
	if (ioctl(c->container, VFIO_SET_IOMMU, type)) {
		int err = -errno;

		fprintf(stderr, "vfio-blk: VFIO_SET_IOMMU: %s%s\n", strerror(-err),
			err == -EPERM ? " (boot with vfio_iommu_type1.allow_unsafe_interrupts=1)" : "");
		return err;
	}
	say(c, "container: group %u attached, IOMMU type %s", c->group_id,
	    type == VFIO_TYPE1v2_IOMMU ? "TYPE1v2" : "TYPE1");
	return 0;
}

static int irq_setup(struct ctx *c)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = 0 };
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;

	if (ioctl(c->device, VFIO_DEVICE_GET_IRQ_INFO, &ii))
		return -errno;
	c->irq_automasked = ii.flags & VFIO_IRQ_INFO_AUTOMASKED;
	if (c->irq_fd < 0)
		c->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (c->irq_fd < 0)
		return -errno;
	set->argsz = sizeof(buf);
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = 0;
	set->start = 0;
	set->count = 1;
	memcpy(set->data, &c->irq_fd, sizeof(int32_t));
	if (ioctl(c->device, VFIO_DEVICE_SET_IRQS, set))
		return -errno;
	/*
	 * virtio-mmio's interrupt is a level-triggered IO-APIC pin, but Linux
	 * 6.1's x86 device-tree irqdomain does not record the trigger type,
	 * so vfio-platform takes it for an edge: no automask, nothing to
	 * unmask. Both cases are handled; the narration says which it is.
	 */
	say(c, "interrupt 0 -> eventfd %d (%s)", c->irq_fd,
	    c->irq_automasked ?
	    "level-triggered: masked on each, we unmask after the ACK" :
	    "the kernel reports it as edge-triggered: neither masked nor unmasked");
	return 0;
}

static void irq_unmask(struct ctx *c)
{
	struct vfio_irq_set set = {
		.argsz = sizeof(set),
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK,
		.index = 0, .start = 0, .count = 1,
	};

	if (c->irq_automasked && ioctl(c->device, VFIO_DEVICE_SET_IRQS, &set))
		fprintf(stderr, "vfio-blk: unmask: %s\n", strerror(errno));
}

/*
 * How often the guest kernel took our interrupt: the vfio-irq line of
 * /proc/interrupts, summed over CPUs. Compared with the eventfd wake-ups,
 * it shows how many interrupts one completion costs.
 */
static unsigned long kernel_irq_count(struct ctx *c)
{
	char line[1024];
	unsigned long total = 0;
	FILE *f = fopen("/proc/interrupts", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (!p || !strstr(line, "vfio-irq") || !strstr(line, c->name))
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

/* The device's file, its MMIO window mapped, its interrupt wired. */
static int device_open(struct ctx *c)
{
	struct vfio_device_info di = { .argsz = sizeof(di) };
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	void *m;
	int err;

	c->device = ioctl(c->group, VFIO_GROUP_GET_DEVICE_FD, c->name);
	if (c->device < 0)
		return -errno;
	if (ioctl(c->device, VFIO_DEVICE_GET_INFO, &di))
		return -errno;
	if (!(di.flags & VFIO_DEVICE_FLAGS_PLATFORM) || !di.num_regions ||
	    !di.num_irqs) {
		fprintf(stderr, "vfio-blk: %s: flags 0x%x, %u regions, %u irqs; expected a platform device with both\n",
			c->name, di.flags, di.num_regions, di.num_irqs);
		return -ENODEV;
	}
	if (ioctl(c->device, VFIO_DEVICE_GET_REGION_INFO, &ri))
		return -errno;
	if (!(ri.flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		fprintf(stderr, "vfio-blk: region 0 (%llu bytes) cannot be mmap'd: vfio-platform needs a page-aligned window of whole pages\n",
			(unsigned long long)ri.size);
		return -EINVAL;
	}
	m = mmap(NULL, ri.size, PROT_READ | PROT_WRITE, MAP_SHARED, c->device,
		 (off_t)ri.offset);
	if (m == MAP_FAILED)
		return -errno;
	c->regs = m;
	c->regs_size = ri.size;
	say(c, "MMIO region 0: %llu bytes at file offset 0x%llx, mmap'd",
	    (unsigned long long)ri.size, (unsigned long long)ri.offset);
	if (rd(c, VM_MAGIC) != VM_MAGIC_VALUE || rd(c, VM_VERSION) != 2 ||
	    rd(c, VM_DEVICE_ID) != VIRTIO_ID_BLOCK) {
		fprintf(stderr, "vfio-blk: %s: magic 0x%x version %u device %u; expected a virtio-mmio v2 block device\n",
			c->name, rd(c, VM_MAGIC), rd(c, VM_VERSION),
			rd(c, VM_DEVICE_ID));
		return -ENODEV;
	}
	err = irq_setup(c);
	c->kernel_irqs0 = kernel_irq_count(c);
	return err;
}

static void device_close(struct ctx *c)
{
	if (c->regs)
		munmap((void *)c->regs, c->regs_size);
	c->regs = NULL;
	if (c->device >= 0)
		close(c->device);
	c->device = -1;
}

static int vfio_open(struct ctx *c)
{
	char path[64];
	int err;

	c->container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (c->container < 0) {
		fprintf(stderr, "vfio-blk: /dev/vfio/vfio: %s (CONFIG_VFIO?)\n",
			strerror(errno));
		return -errno;
	}
	if (ioctl(c->container, VFIO_GET_API_VERSION) != VFIO_API_VERSION)
		return -EINVAL;
	snprintf(path, sizeof(path), "/dev/vfio/%u", c->group_id);
	c->group = open(path, O_RDWR | O_CLOEXEC);
	if (c->group < 0) {
		fprintf(stderr, "vfio-blk: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	err = vfio_attach(c);
	if (err)
		return err;
	print_iova_ranges(c);
	err = map_all(c);
	if (err)
		return err;
	err = device_open(c);
	if (err)
		fprintf(stderr, "vfio-blk: opening %s through VFIO: %s\n",
			c->name, strerror(-err));
	return err;
}

/* ------------------------------------------------- the kernel's log */

/*
 * The guest's virtio-iommu driver logs each fault event iovm sends:
 * "virtio_iommu virtio0: page fault from EP 2 at 0x40080000 [W]". That is
 * what this side can see of a fault; lines for other endpoints are not
 * ours.
 */
static void kmsg_read(struct ctx *c, struct faults *f)
{
	char rec[1024], dir[8];
	unsigned long long addr;
	unsigned int ep;
	ssize_t n;

	if (c->kmsg < 0)
		return;
	for (;;) {
		char *msg, *p;

		n = read(c->kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records were overwritten: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		if (strstr(msg, "viommu_fault_handler") &&
		    strstr(msg, "suppressed")) {
			f->suppressed = true;
			continue;
		}
		p = strstr(msg, " fault from EP ");
		if (!p)
			continue;
		dir[0] = 0;
		if (sscanf(p, " fault from EP %u at %llx [%7[RWX]]", &ep, &addr,
			   dir) < 2 || ep != c->endpoint)
			continue;
		if (f->n < MAX_FAULTS) {
			f->f[f->n].addr = addr;
			snprintf(f->f[f->n].dir, sizeof(f->f[f->n].dir), "%s",
				 dir);
		}
		f->n++;
		if (elapsed_ms(&c->fault_window) > 5200) {
			clock_gettime(CLOCK_MONOTONIC, &c->fault_window);
			c->fault_window_n = 0;
		}
		c->fault_window_n++;
	}
}

/* Faults arrive on the IOMMU's event queue a little after the request. */
static void faults_collect(struct ctx *c, struct faults *f, bool expect)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		kmsg_read(c, f);
		if (f->n || !expect)
			break;
		sleep_ms(20);
	} while (elapsed_ms(&t0) < 3000);
	/* Even when none is expected, give a stray one time to show up. */
	if (!expect) {
		sleep_ms(100);
		kmsg_read(c, f);
	}
}

/*
 * Stay under the kernel's ratelimit (10 lines per 5 s) so each case's
 * faults are seen in the log: wait out the window when it is nearly full.
 */
static void fault_budget(struct ctx *c, unsigned int need)
{
	long left;

	if (c->fault_window_n + need <= 9)
		return;
	left = 5300 - elapsed_ms(&c->fault_window);
	if (left > 0)
		sleep_ms(left);
	c->fault_window_n = 0;
	clock_gettime(CLOCK_MONOTONIC, &c->fault_window);
}

static void faults_str(const struct faults *f, char *buf, size_t len)
{
	unsigned int i;
	size_t used;

	if (!f->n) {
		snprintf(buf, len, "no fault%s",
			 f->suppressed ? " logged (log ratelimited)" : "");
		return;
	}
	snprintf(buf, len, "%u fault%s", f->n, f->n == 1 ? "" : "s");
	for (i = 0; i < f->n && i < 2; i++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s0x%llx [%s]",
			 i ? ", " : " at ", (unsigned long long)f->f[i].addr,
			 f->f[i].dir);
	}
	if (f->n > 2) {
		used = strlen(buf);
		snprintf(buf + used, len - used, ", ...");
	}
}

/* ---------------------------------------------- the virtio device */

static struct vring_desc *desc(struct ctx *c)
{
	return (struct vring_desc *)c->r[R_DESC].base;
}

static volatile struct vring_avail *avail(struct ctx *c)
{
	return (volatile struct vring_avail *)c->r[R_AVAIL].base;
}

static volatile struct vring_used *used(struct ctx *c)
{
	return (volatile struct vring_used *)c->r[R_USED].base;
}

static uint8_t *cmd(struct ctx *c, size_t off)
{
	return c->r[R_CMD].base + off;
}

static uint64_t iova(struct ctx *c, int region, size_t off)
{
	return c->r[region].iova + off;
}

/* Reset the device and forget the queue: both sides start from zero. */
static int dev_reset(struct ctx *c)
{
	int i;

	wr(c, VM_STATUS, 0);
	for (i = 0; i < 1000 && rd(c, VM_STATUS); i++)
		sleep_ms(1);
	if (rd(c, VM_STATUS))
		return -ETIMEDOUT;
	memset(c->r[R_DESC].base, 0, PAGE);
	memset(c->r[R_AVAIL].base, 0, PAGE);
	memset(c->r[R_USED].base, 0, PAGE);
	c->avail_idx = c->last_used = 0;
	return 0;
}

static uint64_t dev_features(struct ctx *c)
{
	uint64_t f;

	wr(c, VM_DEV_FEATURES_SEL, 1);
	f = (uint64_t)rd(c, VM_DEV_FEATURES) << 32;
	wr(c, VM_DEV_FEATURES_SEL, 0);
	return f | rd(c, VM_DEV_FEATURES);
}

/* Write @want as the driver's features; returns the status read back. */
static uint32_t negotiate(struct ctx *c, uint64_t want)
{
	wr(c, VM_STATUS, ST_ACKNOWLEDGE);
	wr(c, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);
	wr(c, VM_DRV_FEATURES_SEL, 0);
	wr(c, VM_DRV_FEATURES, (uint32_t)want);
	wr(c, VM_DRV_FEATURES_SEL, 1);
	wr(c, VM_DRV_FEATURES, (uint32_t)(want >> 32));
	wr(c, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
	return rd(c, VM_STATUS);
}

/* Queue 0 at the given device addresses; returns the status after. */
static uint32_t queue_setup(struct ctx *c, uint32_t size, uint64_t d,
			    uint64_t a, uint64_t u)
{
	wr(c, VM_QUEUE_SEL, 0);
	wr(c, VM_QUEUE_NUM, size);
	wr(c, VM_QUEUE_DESC_LO, (uint32_t)d);
	wr(c, VM_QUEUE_DESC_HI, (uint32_t)(d >> 32));
	wr(c, VM_QUEUE_AVAIL_LO, (uint32_t)a);
	wr(c, VM_QUEUE_AVAIL_HI, (uint32_t)(a >> 32));
	wr(c, VM_QUEUE_USED_LO, (uint32_t)u);
	wr(c, VM_QUEUE_USED_HI, (uint32_t)(u >> 32));
	wr(c, VM_QUEUE_READY, 1);
	return rd(c, VM_STATUS);
}

static uint64_t read_capacity(struct ctx *c)
{
	uint32_t gen, lo, hi;

	do {
		gen = rd(c, VM_CONFIG_GEN);
		lo = rd(c, VM_CONFIG);
		hi = rd(c, VM_CONFIG + 4);
	} while (gen != rd(c, VM_CONFIG_GEN));
	return (uint64_t)hi << 32 | lo;
}

/* Reset, negotiate, queue 0 in our memory, DRIVER_OK. */
static int dev_start_at(struct ctx *c, uint64_t d, uint64_t a, uint64_t u)
{
	uint64_t offered;
	uint32_t st, max;

	if (dev_reset(c)) {
		fprintf(stderr, "vfio-blk: the device did not reset\n");
		return -EIO;
	}
	offered = dev_features(c);
	if (!(offered & BIT(F_VERSION_1)) ||
	    !(offered & BIT(F_ACCESS_PLATFORM))) {
		fprintf(stderr, "vfio-blk: device features 0x%llx lack VERSION_1 or ACCESS_PLATFORM\n",
			(unsigned long long)offered);
		return -EINVAL;
	}
	c->features = offered & WANT_FEATURES;
	st = negotiate(c, c->features);
	if (!(st & ST_FEATURES_OK)) {
		fprintf(stderr, "vfio-blk: the device refused features 0x%llx\n",
			(unsigned long long)c->features);
		return -EINVAL;
	}
	wr(c, VM_QUEUE_SEL, 0);
	max = rd(c, VM_QUEUE_NUM_MAX);
	if (max < QSIZE) {
		fprintf(stderr, "vfio-blk: queue 0 holds %u, need %u\n", max,
			QSIZE);
		return -EINVAL;
	}
	st = queue_setup(c, QSIZE, d, a, u);
	if (st & ST_NEEDS_RESET || rd(c, VM_QUEUE_READY) != 1) {
		fprintf(stderr, "vfio-blk: queue 0 not accepted (status 0x%x)\n",
			st);
		return -EINVAL;
	}
	wr(c, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK |
			 ST_DRIVER_OK);
	st = rd(c, VM_STATUS);
	if (!(st & ST_DRIVER_OK) || (st & ST_NEEDS_RESET)) {
		fprintf(stderr, "vfio-blk: DRIVER_OK not taken (status 0x%x)\n",
			st);
		return -EIO;
	}
	c->capacity = read_capacity(c);
	return 0;
}

static int dev_start(struct ctx *c)
{
	int err = dev_start_at(c, IOVA_DESC, IOVA_AVAIL, IOVA_USED);

	if (!err)
		say(c, "device ready: features 0x%llx accepted (VERSION_1, ACCESS_PLATFORM, FLUSH, INDIRECT_DESC), queue 0 of %u at desc 0x%llx avail 0x%llx used 0x%llx, %llu sectors",
		    (unsigned long long)c->features, QSIZE,
		    (unsigned long long)IOVA_DESC,
		    (unsigned long long)IOVA_AVAIL,
		    (unsigned long long)IOVA_USED,
		    (unsigned long long)c->capacity);
	return err;
}

static void set_desc(struct ctx *c, unsigned int i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	desc(c)[i] = (struct vring_desc){ addr, len, flags, next };
}

static void set_hdr(struct ctx *c, unsigned int slot, uint32_t type,
		    uint64_t sector)
{
	struct blk_hdr h = { type, 0, sector };

	memcpy(cmd(c, CMD_HDR(slot)), &h, sizeof(h));
	*cmd(c, CMD_STATUS(slot)) = NO_STATUS;
}

static uint8_t status_of(struct ctx *c, unsigned int slot)
{
	return *(volatile uint8_t *)cmd(c, CMD_STATUS(slot));
}

/*
 * A read or write as a three-descriptor chain at @d: header (device
 * reads), data (device writes for IN), status byte (device writes).
 * Without data (FLUSH) it is two. Returns the head.
 */
static unsigned int build_rw(struct ctx *c, unsigned int slot, unsigned int d,
			     uint32_t type, uint64_t sector, uint64_t data,
			     uint32_t len)
{
	uint16_t dflag = type == T_OUT ? 0 : D_WRITE;

	set_hdr(c, slot, type, sector);
	set_desc(c, d, iova(c, R_CMD, CMD_HDR(slot)), 16, D_NEXT, d + 1);
	if (len) {
		set_desc(c, d + 1, data, len, dflag | D_NEXT, d + 2);
		d++;
	}
	set_desc(c, d + 1, iova(c, R_CMD, CMD_STATUS(slot)), 1, D_WRITE, 0);
	return d + 1 - (len ? 2 : 1);
}

/* Publish @head in the available ring (without notifying). */
static void post(struct ctx *c, uint16_t head)
{
	avail(c)->ring[c->avail_idx % QSIZE] = head;
	/* The entry must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	avail(c)->idx = ++c->avail_idx;
}

static void notify(struct ctx *c)
{
	/* The index store must reach memory before the device looks. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	wr(c, VM_QUEUE_NOTIFY, 0);
}

/*
 * Wait for one interrupt (or @ms). Level-triggered through vfio-platform:
 * the host masked the line when it fired; read the cause, acknowledge it
 * at the device, then unmask so the next one can come.
 */
static bool irq_wait(struct ctx *c, long ms, uint32_t *isr)
{
	struct pollfd p = { .fd = c->irq_fd, .events = POLLIN };
	uint64_t v;
	uint32_t s;

	if (poll(&p, 1, ms < 0 ? 0 : (int)ms) <= 0)
		return false;
	if (read(c->irq_fd, &v, sizeof(v)) != sizeof(v))
		return false;
	s = rd(c, VM_INT_STATUS);
	wr(c, VM_INT_ACK, s);
	irq_unmask(c);
	c->irqs++;
	*isr |= s;
	return true;
}

/*
 * Collect @n completions, or stop at DEVICE_NEEDS_RESET or the timeout.
 * Every case ends one of these ways; anything else is a hung device.
 */
static void wait_done(struct ctx *c, unsigned int n, long ms,
		      struct outcome *o)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		while (o->done < n && used(c)->idx != c->last_used) {
			volatile struct vring_used_elem *e;

			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			e = &used(c)->ring[c->last_used % QSIZE];
			if (o->done < NR_SLOTS) {
				o->c[o->done].id = (uint16_t)e->id;
				o->c[o->done].len = e->len;
			}
			o->done++;
			c->last_used++;
		}
		if (o->done >= n)
			return;
		if (rd(c, VM_STATUS) & ST_NEEDS_RESET) {
			o->needs_reset = true;
			/* Take the config interrupt that comes with it. */
			if (!(o->isr & INT_CONFIG))
				irq_wait(c, 2000, &o->isr);
			return;
		}
		if (elapsed_ms(&t0) >= ms) {
			o->timed_out = true;
			return;
		}
		irq_wait(c, ms - elapsed_ms(&t0), &o->isr);
	}
}

/* Submit one chain and wait for what becomes of it. */
static void run_one(struct ctx *c, uint16_t head, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	post(c, head);
	notify(c);
	wait_done(c, 1, TIMEOUT_MS, o);
}

static const char *status_name(uint8_t s)
{
	switch (s) {
	case BLK_OK:
		return "OK";
	case BLK_IOERR:
		return "IOERR";
	case BLK_UNSUPP:
		return "UNSUPP";
	case NO_STATUS:
		return "none";
	}
	return "?";
}

static void pattern_fill(uint8_t *buf, size_t len, size_t start)
{
	size_t i, n = sizeof(pattern_line) - 1;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)pattern_line[(start + i) % n];
}

/* A plain synchronous request; returns the status byte (or NO_STATUS). */
static uint8_t blk_sync(struct ctx *c, uint32_t type, uint64_t sector,
			uint64_t data, uint32_t len, uint32_t *used_len)
{
	struct outcome o;
	unsigned int head = build_rw(c, 0, 0, type, sector, data, len);

	run_one(c, head, &o);
	if (used_len)
		*used_len = o.done ? o.c[0].len : 0;
	if (!o.done)
		return NO_STATUS;
	return status_of(c, 0);
}

/* ------------------------------------------------------- data test */

static int cmd_data(struct ctx *c)
{
	uint8_t *data = c->r[R_DATA].base, *rbuf = c->r[R_RBUF].base;
	uint64_t last;
	struct outcome o;
	uint32_t len;
	uint8_t st;
	char serial[21] = { 0 };
	unsigned int i, h1, h2, irqs;
	struct vring_desc *tab;

	/* GET_ID: the serial iovm was given for this disk. */
	st = blk_sync(c, T_GET_ID, 0, iova(c, R_RBUF, 0), 20, &len);
	memcpy(serial, rbuf, 20);
	if (st == BLK_OK)
		pass(c, "GET_ID: serial '%s' (used len %u)", serial, len);
	else
		fail(c, "GET_ID: status %s", status_name(st));
	say(c, "the disk has %llu sectors (%llu MiB)",
	    (unsigned long long)c->capacity,
	    (unsigned long long)(c->capacity / 2048));

	/*
	 * Two writes in flight at once, one notification: the first with its
	 * data in two descriptors, the second through an indirect table.
	 */
	pattern_fill(data, PATTERN_BYTES, 0);
	set_hdr(c, 0, T_OUT, PATTERN_SECTOR);
	set_desc(c, 0, iova(c, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	set_desc(c, 1, iova(c, R_DATA, 0), 32768, D_NEXT, 2);
	set_desc(c, 2, iova(c, R_DATA, 32768), 32768, D_NEXT, 3);
	set_desc(c, 3, iova(c, R_CMD, CMD_STATUS(0)), 1, D_WRITE, 0);
	h1 = 0;
	set_hdr(c, 1, T_OUT, PATTERN_SECTOR + 128);
	tab = (struct vring_desc *)cmd(c, CMD_TABLE);
	tab[0] = (struct vring_desc){ iova(c, R_CMD, CMD_HDR(1)), 16,
				      D_NEXT, 1 };
	tab[1] = (struct vring_desc){ iova(c, R_DATA, 65536), 65536,
				      D_NEXT, 2 };
	tab[2] = (struct vring_desc){ iova(c, R_CMD, CMD_STATUS(1)), 1,
				      D_WRITE, 0 };
	set_desc(c, 4, iova(c, R_CMD, CMD_TABLE), 3 * 16, D_INDIRECT, 0);
	h2 = 4;
	say(c, "writing 128 KiB of '%.17s' pattern at sector %u: two requests in flight (IOVA 0x%llx, 0x%llx), the second through an indirect table",
	    pattern_line, PATTERN_SECTOR,
	    (unsigned long long)iova(c, R_DATA, 0),
	    (unsigned long long)iova(c, R_DATA, 65536));
	irqs = c->irqs;
	memset(&o, 0, sizeof(o));
	post(c, (uint16_t)h1);
	post(c, (uint16_t)h2);
	notify(c);
	wait_done(c, 2, TIMEOUT_MS, &o);
	if (o.done == 2 && status_of(c, 0) == BLK_OK &&
	    status_of(c, 1) == BLK_OK)
		pass(c, "two writes of 64 KiB completed OK (used ids %u,%u, %u interrupt(s))",
		     o.c[0].id, o.c[1].id, c->irqs - irqs);
	else
		fail(c, "writes: %u of 2 done, status %s/%s%s%s", o.done,
		     status_name(status_of(c, 0)),
		     status_name(status_of(c, 1)),
		     o.needs_reset ? ", NEEDS_RESET" : "",
		     o.timed_out ? ", timed out" : "");

	st = blk_sync(c, T_FLUSH, 0, 0, 0, NULL);
	if (st == BLK_OK)
		pass(c, "FLUSH completed OK");
	else
		fail(c, "FLUSH: status %s", status_name(st));

	memset(rbuf, 0, PATTERN_BYTES);
	st = blk_sync(c, T_IN, PATTERN_SECTOR, iova(c, R_RBUF, 0),
		      PATTERN_BYTES, &len);
	if (st == BLK_OK && len == PATTERN_BYTES + 1 &&
	    !memcmp(rbuf, data, PATTERN_BYTES))
		pass(c, "read back 128 KiB from sector %u into IOVA 0x%llx: identical (used len %u)",
		     PATTERN_SECTOR, (unsigned long long)iova(c, R_RBUF, 0),
		     len);
	else
		fail(c, "read back: status %s, used len %u, data %s",
		     status_name(st), len,
		     memcmp(rbuf, data, PATTERN_BYTES) ? "differs" : "same");

	/* The last 8 sectors: the capacity the device reports is usable. */
	last = c->capacity - 8;
	for (i = 0; i < 4096; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	st = blk_sync(c, T_OUT, last, iova(c, R_DATA, 0), 4096, NULL);
	memset(rbuf, 0, 4096);
	if (st == BLK_OK)
		st = blk_sync(c, T_IN, last, iova(c, R_RBUF, 0), 4096, NULL);
	if (st == BLK_OK && !memcmp(rbuf, data, 4096))
		pass(c, "the last 4 KiB of the disk (sector %llu) written and read back",
		     (unsigned long long)last);
	else
		fail(c, "last 4 KiB of the disk: status %s", status_name(st));

	if (c->irqs)
		pass(c, "completions came through the VFIO interrupt eventfd (%u wake-ups; the guest kernel took the interrupt %lu times, %s)",
		     c->irqs, kernel_irq_count(c) - c->kernel_irqs0,
		     c->irq_automasked ? "level, automasked" :
		     "reported as edge: no automask");
	else
		fail(c, "no interrupt arrived through the eventfd");
	return 0;
}

/* ----------------------------------------------------------- cases */

/* How a case ended, in one phrase. */
static void outcome_str(struct ctx *c, const struct outcome *o,
			unsigned int slot, char *buf, size_t len)
{
	char fs[160];

	faults_str(&o->faults, fs, sizeof(fs));
	if (o->accepted)
		snprintf(buf, len, "the device ACCEPTED it");
	else if (o->needs_reset)
		snprintf(buf, len, "device set NEEDS_RESET%s, %s",
			 o->isr & INT_CONFIG ? " (config interrupt)" : "",
			 o->done ? "after completing it" : "no completion");
	else if (o->timed_out)
		snprintf(buf, len, "no completion and no NEEDS_RESET within %d s",
			 TIMEOUT_MS / 1000);
	else
		snprintf(buf, len, "completed: status %s, used len %u",
			 status_name(status_of(c, slot)), o->c[0].len);
	snprintf(buf + strlen(buf), len - strlen(buf), "; %s", fs);
}

/* Refused: an error status, a chain returned with nothing, or a reset. */
static bool refused(struct ctx *c, const struct outcome *o, unsigned int slot)
{
	uint8_t st = status_of(c, slot);

	if (o->accepted)
		return false;
	if (o->needs_reset)
		return true;
	if (o->timed_out || !o->done)
		return false;
	if (st == BLK_IOERR || st == BLK_UNSUPP)
		return true;
	return st == NO_STATUS && o->c[0].len == 0;
}

/*
 * After a case: the device must still work. Reset it if it asked for
 * that, then read a sector whose contents are known.
 */
static bool recover(struct ctx *c, const struct outcome *o, char *how,
		    size_t len)
{
	uint8_t *rbuf = c->r[R_RBUF].base;
	uint8_t expect[4096];
	uint8_t st;
	uint32_t status = rd(c, VM_STATUS);

	if (o->needs_reset || o->timed_out || (status & ST_NEEDS_RESET) ||
	    !(status & ST_DRIVER_OK)) {
		if (dev_start(c)) {
			snprintf(how, len, "re-initialising the device failed");
			return false;
		}
		snprintf(how, len, "reset+reinit, ");
	} else {
		how[0] = 0;
	}
	pattern_fill(expect, sizeof(expect), 0);
	memset(rbuf, 0, 4096);
	st = blk_sync(c, T_IN, SANITY_SECTOR, iova(c, R_RBUF, 0), 4096, NULL);
	if (st != BLK_OK || memcmp(rbuf, expect, 4096)) {
		snprintf(how + strlen(how), len - strlen(how),
			 "read after it FAILED (status %s)", status_name(st));
		return false;
	}
	snprintf(how + strlen(how), len - strlen(how), "read ok");
	return true;
}

struct hcase {
	const char *name;
	const char *why;		/* for the narration */
	/* Build and submit; fill @o. Returns the status slot to inspect. */
	unsigned int (*run)(struct ctx *c, struct outcome *o);
	bool expect_fault;
};

/*
 * Run one case end to end and print its line: what the device did, what
 * the IOMMU reported, whether anything outside the mappings changed, and
 * whether the device came back.
 */
static void run_case(struct ctx *c, const struct hcase *h)
{
	char out[320], dmg[160], how[128];
	struct outcome o;
	unsigned int slot;
	bool ok;
	int bad;

	say(c, "--- %s: %s", h->name, h->why);
	fault_budget(c, 2);
	kmsg_read(c, &(struct faults){ 0 });	/* forget older lines */
	/* No case may change a data buffer; rings and commands are its own. */
	freeze(c, (1U << R_CMD) | (1U << R_DESC) | (1U << R_AVAIL) |
		  (1U << R_USED));
	memset(&o, 0, sizeof(o));
	slot = h->run(c, &o);
	faults_collect(c, &o.faults, h->expect_fault);
	outcome_str(c, &o, slot, out, sizeof(out));
	bad = damage(c, dmg, sizeof(dmg));
	ok = refused(c, &o, slot) && !bad;
	if (h->expect_fault && !o.faults.n && !o.faults.suppressed)
		ok = false;
	if (!recover(c, &o, how, sizeof(how)))
		ok = false;
	if (ok)
		pass(c, "%s: %s; canaries and idle buffers unchanged; %s",
		     h->name, out, how);
	else
		fail(c, "%s: %s;%s%s; %s", h->name, out,
		     bad ? " CHANGED:" : " memory unchanged", bad ? dmg : "",
		     how);
}

/* A read of one sector whose data buffer is at @addr (device writes). */
/*
 * The well-formed read most cases start from: header, a 512-byte buffer
 * and status in descriptors 0 to 2 (head 0), for a case to spoil.
 */
static struct vring_desc *sanity_read(struct ctx *c)
{
	build_rw(c, 0, 0, T_IN, SANITY_SECTOR, iova(c, R_RBUF, 0), 512);
	return desc(c);
}

static unsigned int read_into(struct ctx *c, struct outcome *o,
			      uint64_t addr, uint32_t len)
{
	run_one(c, build_rw(c, 0, 0, T_IN, SANITY_SECTOR, addr, len), o);
	return 0;
}

static unsigned int c_read_unmapped(struct ctx *c, struct outcome *o)
{
	return read_into(c, o, IOVA_HOLE, 4096);
}

static unsigned int c_read_canary_phys(struct ctx *c, struct outcome *o)
{
	return read_into(c, o, c->canary_phys, 4096);
}

static unsigned int c_read_into_ro(struct ctx *c, struct outcome *o)
{
	return read_into(c, o, IOVA_RO, 4096);
}

static unsigned int c_write_from_unmapped(struct ctx *c, struct outcome *o)
{
	run_one(c, build_rw(c, 0, 0, T_OUT, SANITY_SECTOR, IOVA_HOLE, 4096),
		o);
	return 0;
}

static unsigned int c_read_past_mapping(struct ctx *c, struct outcome *o)
{
	/* 1 MiB from the 256 KiB data buffer: runs into unmapped IOVA. */
	return read_into(c, o, IOVA_DATA, 1024 * 1024);
}

/* A loop: 0 -> 1 -> 0. */
static unsigned int c_loop(struct ctx *c, struct outcome *o)
{
	set_hdr(c, 0, T_IN, SANITY_SECTOR);
	set_desc(c, 0, iova(c, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	set_desc(c, 1, iova(c, R_RBUF, 0), 512, D_WRITE | D_NEXT, 0);
	run_one(c, 0, o);
	return 0;
}

/* Every descriptor of the table in one chain, and then one more. */
static unsigned int c_chain_too_long(struct ctx *c, struct outcome *o)
{
	unsigned int i;

	set_hdr(c, 0, T_IN, SANITY_SECTOR);
	set_desc(c, 0, iova(c, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	for (i = 1; i < QSIZE; i++)
		set_desc(c, i, iova(c, R_RBUF, 512 * (i - 1)), 512,
			 D_WRITE | D_NEXT, (i + 1) % QSIZE);
	run_one(c, 0, o);
	return 0;
}

static unsigned int indirect(struct ctx *c, struct outcome *o,
			     uint64_t addr, uint32_t len, uint16_t flags)
{
	set_desc(c, 0, addr, len, D_INDIRECT | flags, 1);
	set_desc(c, 1, iova(c, R_CMD, CMD_STATUS(0)), 1, D_WRITE, 0);
	run_one(c, 0, o);
	return 0;
}

/* A well-formed read in the indirect table at @off. */
static void fill_table(struct ctx *c, size_t off)
{
	struct vring_desc *t = (struct vring_desc *)cmd(c, off);

	set_hdr(c, 0, T_IN, SANITY_SECTOR);
	t[0] = (struct vring_desc){ iova(c, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1 };
	t[1] = (struct vring_desc){ iova(c, R_RBUF, 0), 512,
				    D_WRITE | D_NEXT, 2 };
	t[2] = (struct vring_desc){ iova(c, R_CMD, CMD_STATUS(0)), 1,
				    D_WRITE, 0 };
}

static unsigned int c_indirect_too_long(struct ctx *c, struct outcome *o)
{
	struct vring_desc *t = (struct vring_desc *)cmd(c, CMD_TABLE);
	unsigned int i, n = 2048;

	/* 2048 entries, all chained: beyond any chain a device accepts. */
	set_hdr(c, 0, T_IN, SANITY_SECTOR);
	t[0] = (struct vring_desc){ iova(c, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1 };
	for (i = 1; i < n; i++)
		t[i] = (struct vring_desc){ iova(c, R_RBUF, 0), 512,
					    D_WRITE | D_NEXT, (uint16_t)(i + 1) };
	t[n - 1].flags = D_WRITE;
	t[n - 1].addr = iova(c, R_CMD, CMD_STATUS(0));
	t[n - 1].len = 1;
	set_desc(c, 0, iova(c, R_CMD, CMD_TABLE), n * 16, D_INDIRECT, 0);
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_nested_indirect(struct ctx *c, struct outcome *o)
{
	struct vring_desc *t = (struct vring_desc *)cmd(c, CMD_TABLE2);

	fill_table(c, CMD_TABLE);
	t[0] = (struct vring_desc){ iova(c, R_CMD, CMD_TABLE), 3 * 16,
				    D_INDIRECT, 0 };
	set_desc(c, 0, iova(c, R_CMD, CMD_TABLE2), 16, D_INDIRECT, 0);
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_indirect_next(struct ctx *c, struct outcome *o)
{
	fill_table(c, CMD_TABLE);
	return indirect(c, o, iova(c, R_CMD, CMD_TABLE), 3 * 16, D_NEXT);
}

static unsigned int c_indirect_len0(struct ctx *c, struct outcome *o)
{
	fill_table(c, CMD_TABLE);
	set_desc(c, 0, iova(c, R_CMD, CMD_TABLE), 0, D_INDIRECT, 0);
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_indirect_huge(struct ctx *c, struct outcome *o)
{
	fill_table(c, CMD_TABLE);
	set_desc(c, 0, iova(c, R_CMD, CMD_TABLE), 0xfffffff0, D_INDIRECT, 0);
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_indirect_unmapped(struct ctx *c, struct outcome *o)
{
	set_desc(c, 0, IOVA_HOLE, 3 * 16, D_INDIRECT, 0);
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_indirect_wrap(struct ctx *c, struct outcome *o)
{
	/* A table whose second entry would be at 2^64 + 8. */
	set_desc(c, 0, 0xfffffffffffffff8ULL, 3 * 16, D_INDIRECT, 0);
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_readable_after_writable(struct ctx *c,
					      struct outcome *o)
{
	set_hdr(c, 0, T_OUT, SANITY_SECTOR);
	set_desc(c, 0, iova(c, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	set_desc(c, 1, iova(c, R_CMD, CMD_STATUS(0)), 1, D_WRITE | D_NEXT, 2);
	set_desc(c, 2, iova(c, R_DATA, 0), 512, 0, 0);
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_avail_idx_jump(struct ctx *c, struct outcome *o)
{
	sanity_read(c);
	avail(c)->ring[c->avail_idx % QSIZE] = 0;
	c->avail_idx += QSIZE + 7;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	avail(c)->idx = c->avail_idx;
	notify(c);
	wait_done(c, 1, TIMEOUT_MS, o);
	return 0;
}

static unsigned int c_head_out_of_range(struct ctx *c, struct outcome *o)
{
	sanity_read(c);
	run_one(c, QSIZE + 3, o);
	return 0;
}

static unsigned int c_next_out_of_range(struct ctx *c, struct outcome *o)
{
	sanity_read(c)[1].next = 0xffff;
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_data_wrap(struct ctx *c, struct outcome *o)
{
	return read_into(c, o, 0xfffffffffffff000ULL, 8192);
}

static unsigned int c_status_wrap(struct ctx *c, struct outcome *o)
{
	struct vring_desc *d = sanity_read(c);

	d[2].addr = 0xffffffffffffffffULL;
	d[2].len = 2;
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_status_unmapped(struct ctx *c, struct outcome *o)
{
	sanity_read(c)[2].addr = IOVA_HOLE;
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_header_unmapped(struct ctx *c, struct outcome *o)
{
	sanity_read(c)[0].addr = IOVA_HOLE;
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_status_len0(struct ctx *c, struct outcome *o)
{
	sanity_read(c)[2].len = 0;
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_header_short(struct ctx *c, struct outcome *o)
{
	sanity_read(c)[0].len = 8;
	run_one(c, 0, o);
	return 0;
}

static unsigned int c_data_len_odd(struct ctx *c, struct outcome *o)
{
	return read_into(c, o, iova(c, R_RBUF, 0), 100);
}

static unsigned int c_data_len_huge(struct ctx *c, struct outcome *o)
{
	return read_into(c, o, iova(c, R_RBUF, 0), 0xfffffe00);
}

static unsigned int c_past_capacity(struct ctx *c, struct outcome *o)
{
	run_one(c, build_rw(c, 0, 0, T_OUT, c->capacity - 1,
			    iova(c, R_DATA, 0), 1024), o);
	return 0;
}

static unsigned int c_bad_type(struct ctx *c, struct outcome *o)
{
	sanity_read(c);
	((struct blk_hdr *)cmd(c, CMD_HDR(0)))->type = 0x77;
	run_one(c, 0, o);
	return 0;
}

/* The queue itself somewhere the device may not go. */
static unsigned int ring_elsewhere(struct ctx *c, struct outcome *o,
				   uint64_t d, uint64_t a, uint64_t u)
{
	memset(o, 0, sizeof(*o));
	if (dev_start_at(c, d, a, u)) {
		o->timed_out = true;
		return 0;
	}
	sanity_read(c);
	post(c, 0);
	notify(c);
	wait_done(c, 1, TIMEOUT_MS, o);
	return 0;
}

static unsigned int c_desc_unmapped(struct ctx *c, struct outcome *o)
{
	return ring_elsewhere(c, o, IOVA_HOLE, IOVA_AVAIL, IOVA_USED);
}

static unsigned int c_avail_unmapped(struct ctx *c, struct outcome *o)
{
	return ring_elsewhere(c, o, IOVA_DESC, IOVA_HOLE, IOVA_USED);
}

/* The used ring mapped read-only: the device cannot return the chain. */
static unsigned int c_used_readonly(struct ctx *c, struct outcome *o)
{
	struct region *u = &c->r[R_USED];

	memset(o, 0, sizeof(*o));
	if (dma_unmap(c, u) || dma_map(c, u, VFIO_DMA_MAP_FLAG_READ)) {
		o->timed_out = true;
		return 0;
	}
	run_one(c, build_rw(c, 0, 0, T_FLUSH, 0, 0, 0), o);
	if (dma_unmap(c, u) || dma_map(c, u, u->perm))
		fprintf(stderr, "vfio-blk: restoring the used ring's mapping failed\n");
	return 0;
}

/* Queue set-up errors show at QUEUE_READY, before DRIVER_OK. */
static unsigned int bad_queue(struct ctx *c, struct outcome *o,
			      uint32_t size, uint64_t d)
{
	uint32_t st;

	memset(o, 0, sizeof(*o));
	dev_reset(c);
	st = negotiate(c, dev_features(c) & WANT_FEATURES);
	if (st & ST_FEATURES_OK)
		st = queue_setup(c, size, d, IOVA_AVAIL, IOVA_USED);
	o->needs_reset = st & ST_NEEDS_RESET;
	o->accepted = !o->needs_reset && rd(c, VM_QUEUE_READY);
	return 0;
}

static unsigned int c_ring_misaligned(struct ctx *c, struct outcome *o)
{
	return bad_queue(c, o, QSIZE, IOVA_DESC + 8);
}

static unsigned int c_queue_size_bad(struct ctx *c, struct outcome *o)
{
	return bad_queue(c, o, 100, IOVA_DESC);
}

/*
 * Without ACCESS_PLATFORM a driver would hand the device physical
 * addresses and bypass the IOMMU; the device must refuse FEATURES_OK,
 * and then DRIVER_OK.
 */
static unsigned int c_no_access_platform(struct ctx *c, struct outcome *o)
{
	uint32_t st;

	memset(o, 0, sizeof(*o));
	dev_reset(c);
	st = negotiate(c, (dev_features(c) & WANT_FEATURES) &
			  ~BIT(F_ACCESS_PLATFORM));
	if (st & ST_FEATURES_OK) {
		o->accepted = true;
		return 0;
	}
	wr(c, VM_STATUS, st | ST_DRIVER_OK);
	o->needs_reset = rd(c, VM_STATUS) & ST_NEEDS_RESET;
	return 0;
}

static const struct hcase isolation_cases[] = {
	{ "read-into-unmapped-iova",
	  "a read whose data buffer is at IOVA 0x40080000, never mapped",
	  c_read_unmapped, true },
	{ "read-into-canary-phys",
	  "a read whose data buffer IOVA is the guest-physical address of an unmapped canary page (what a device without an IOMMU would write)",
	  c_read_canary_phys, true },
	{ "read-into-readonly-mapping",
	  "a read (device writes) into the buffer mapped with VFIO_DMA_MAP_FLAG_READ only",
	  c_read_into_ro, true },
	{ "write-from-unmapped-iova",
	  "a write whose data the device would read from unmapped IOVA 0x40080000",
	  c_write_from_unmapped, true },
};

static const struct hcase hostile_cases[] = {
	{ "desc-loop", "descriptor 0 -> 1 -> 0", c_loop, false },
	{ "chain-longer-than-queue",
	  "all 64 descriptors chained, the last pointing back to the first",
	  c_chain_too_long, false },
	{ "indirect-too-long", "an indirect table of 2048 chained entries",
	  c_indirect_too_long, false },
	{ "nested-indirect", "an indirect table inside an indirect table",
	  c_nested_indirect, false },
	{ "indirect-with-next", "a descriptor with both INDIRECT and NEXT",
	  c_indirect_next, false },
	{ "indirect-len-0", "an indirect table of length 0",
	  c_indirect_len0, false },
	{ "indirect-len-huge", "an indirect table of length 0xfffffff0",
	  c_indirect_huge, false },
	{ "indirect-unmapped", "an indirect table at unmapped IOVA",
	  c_indirect_unmapped, true },
	{ "indirect-wraps", "an indirect table at 0xfffffffffffffff8 (wraps past 2^64)",
	  c_indirect_wrap, false },
	{ "readable-after-writable",
	  "a device-readable descriptor after a device-writable one",
	  c_readable_after_writable, false },
	{ "avail-idx-jump", "avail->idx moved ahead by 71 in a queue of 64",
	  c_avail_idx_jump, false },
	{ "head-out-of-range", "avail ring entry 67 in a queue of 64",
	  c_head_out_of_range, false },
	{ "next-out-of-range", "a chain whose next is 0xffff",
	  c_next_out_of_range, false },
	{ "data-wraps", "data buffer 0xfffffffffffff000 + 8 KiB (wraps past 2^64)",
	  c_data_wrap, false },
	{ "status-wraps", "status buffer at 0xffffffffffffffff, 2 bytes",
	  c_status_wrap, false },
	{ "data-unmapped", "data buffer at unmapped IOVA",
	  c_read_unmapped, true },
	{ "data-past-mapping",
	  "a 1 MiB read into the 256 KiB data buffer (runs into unmapped IOVA)",
	  c_read_past_mapping, true },
	{ "header-unmapped", "request header at unmapped IOVA",
	  c_header_unmapped, true },
	{ "status-unmapped", "status byte at unmapped IOVA",
	  c_status_unmapped, true },
	{ "status-len-0", "status descriptor of length 0",
	  c_status_len0, false },
	{ "header-short", "an 8-byte request header",
	  c_header_short, false },
	{ "data-len-odd", "a read of 100 bytes (not a whole sector)",
	  c_data_len_odd, false },
	{ "data-len-huge", "a read of 0xfffffe00 bytes",
	  c_data_len_huge, false },
	{ "write-past-capacity", "a 1 KiB write at the last sector",
	  c_past_capacity, false },
	{ "unknown-type", "request type 0x77", c_bad_type, false },
	{ "desc-table-unmapped", "the queue's descriptor table at unmapped IOVA",
	  c_desc_unmapped, true },
	{ "avail-ring-unmapped", "the queue's available ring at unmapped IOVA",
	  c_avail_unmapped, true },
	{ "used-ring-readonly", "the used ring mapped read-only for the device",
	  c_used_readonly, true },
	{ "ring-misaligned", "descriptor table at an 8-byte boundary",
	  c_ring_misaligned, false },
	{ "queue-size-not-power-of-2", "QueueNum 100",
	  c_queue_size_bad, false },
	{ "no-access-platform",
	  "FEATURES_OK without VIRTIO_F_ACCESS_PLATFORM, then DRIVER_OK",
	  c_no_access_platform, false },
};

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static void prepare_disk(struct ctx *c)
{
	uint8_t *data = c->r[R_DATA].base;
	uint8_t st;

	/* The sector every case reads afterwards to prove the device works. */
	pattern_fill(data, 4096, 0);
	st = blk_sync(c, T_OUT, SANITY_SECTOR, iova(c, R_DATA, 0), 4096, NULL);
	if (st != BLK_OK)
		fail(c, "writing the reference sector: status %s",
		     status_name(st));
	memset(c->r[R_RBUF].base, 0xa5, DATA_SIZE);
	memset(c->r[R_RO].base, 0x3c, c->r[R_RO].size);
	memset(c->r[R_SPARE].base, 0x69, c->r[R_SPARE].size);
	memset(c->r[R_VICTIM].base, 0x5a, VICTIM_SIZE);
}

static void explain_canary(struct ctx *c)
{
	say(c, "canary pages sit beside every buffer and are never mapped for the device; one of them is at guest-physical 0x%llx",
	    (unsigned long long)c->canary_phys);
}

static int cmd_isolation(struct ctx *c)
{
	unsigned int i;
	int before;
	uint8_t st;

	prepare_disk(c);
	explain_canary(c);
	/* The control: the same read into a mapped buffer works. */
	st = blk_sync(c, T_IN, SANITY_SECTOR, iova(c, R_RBUF, 0), 4096, NULL);
	if (st == BLK_OK)
		pass(c, "control: a read into the mapped buffer at IOVA 0x%llx succeeds",
		     (unsigned long long)IOVA_RBUF);
	else
		fail(c, "control read failed: status %s", status_name(st));
	before = c->failed;
	for (i = 0; i < ARRAY_SIZE(isolation_cases); i++)
		run_case(c, &isolation_cases[i]);
	/* The refused write must not have reached the disk either. */
	{
		uint8_t expect[4096];

		pattern_fill(expect, sizeof(expect), 0);
		memset(c->r[R_RBUF].base, 0, 4096);
		st = blk_sync(c, T_IN, SANITY_SECTOR, iova(c, R_RBUF, 0), 4096,
			      NULL);
		if (st == BLK_OK && !memcmp(c->r[R_RBUF].base, expect, 4096))
			pass(c, "the disk still holds what was written before: the refused write wrote nothing");
		else
			fail(c, "the disk's reference sector changed");
	}
	if (c->failed == before)
		pass(c, "isolation held: every DMA outside the mappings or against their permission was refused, and no byte outside them changed");
	else
		fail(c, "isolation did NOT hold");
	return 0;
}

/*
 * Unmap a buffer while requests into it are in flight. iovm makes the
 * UNMAP wait for requests that already translated it, so: the ioctl
 * returns, every request either completed before it or failed, and from
 * the moment it returned the buffer never changes again. The first batch
 * is in flight when the UNMAP starts; the second is submitted after it
 * returned and must fail whole.
 */
static void case_unmap_in_flight(struct ctx *c)
{
	struct region *v = &c->r[R_VICTIM];
	const unsigned int n = 16, chunk = VICTIM_SIZE / 16;
	unsigned int i, okc = 0, errc = 0, other = 0, torn = 0, late_ok = 0;
	struct timespec t0;
	uint64_t after_unmap;
	struct outcome o;
	char fs[160], dmg[160], how[128];
	long ms;
	int err, bad;
	bool back;

	say(c, "--- unmap-in-flight: 8 reads of 256 KiB into the victim buffer, VFIO_IOMMU_UNMAP_DMA of it at once, then 8 more reads into it");
	fault_budget(c, 10);
	kmsg_read(c, &(struct faults){ 0 });
	memset(v->base, 0x5a, VICTIM_SIZE);
	freeze(c, (1U << R_VICTIM) | (1U << R_CMD) | (1U << R_DESC) |
		  (1U << R_AVAIL) | (1U << R_USED));
	memset(&o, 0, sizeof(o));
	for (i = 0; i < n / 2; i++)
		post(c, (uint16_t)build_rw(c, i, 3 * i, T_IN,
					   VICTIM_SECTOR + i * (chunk / 512),
					   v->iova + i * chunk, chunk));
	notify(c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = dma_unmap(c, v);
	ms = elapsed_ms(&t0);
	after_unmap = checksum(v->base, VICTIM_SIZE);
	for (i = n / 2; i < n; i++)
		post(c, (uint16_t)build_rw(c, i, 3 * i, T_IN,
					   VICTIM_SECTOR + i * (chunk / 512),
					   v->iova + i * chunk, chunk));
	notify(c);
	wait_done(c, n, TIMEOUT_MS, &o);
	faults_collect(c, &o.faults, true);
	for (i = 0; i < n; i++) {
		uint8_t st = status_of(c, i);
		const uint8_t *p = v->base + i * chunk;
		bool untouched = p[0] == 0x5a && p[chunk - 1] == 0x5a;

		if (st == BLK_OK && !untouched && i >= n / 2)
			late_ok++;	/* DMA through a removed mapping */
		else if (st == BLK_OK && !untouched)
			okc++;
		else if (st == BLK_IOERR && untouched)
			errc++;
		else if (st == BLK_OK || st == BLK_IOERR)
			torn++;		/* status and data disagree */
		else
			other++;
	}
	faults_str(&o.faults, fs, sizeof(fs));
	bad = damage(c, dmg, sizeof(dmg));
	if (checksum(v->base, VICTIM_SIZE) != after_unmap) {
		bad++;
		snprintf(dmg + strlen(dmg), sizeof(dmg) - strlen(dmg),
			 " victim-after-unmap");
	}
	if (!v->mapped && dma_map(c, v, v->perm))
		fail(c, "re-mapping the victim buffer failed");
	back = recover(c, &o, how, sizeof(how));
	if (!err && !bad && !torn && !other && !late_ok && !o.timed_out &&
	    okc + errc == n && back)
		pass(c, "unmap-in-flight: UNMAP returned after %ld ms; %u reads completed before it, %u failed with IOERR (the 8 submitted after it among them); the buffer did not change after UNMAP returned; %s; %s",
		     ms, okc, errc, fs, how);
	else
		fail(c, "unmap-in-flight: unmap %s after %ld ms; OK %u, OK after the unmap %u, IOERR %u, inconsistent %u, other %u%s%s; %s;%s%s; %s",
		     err ? strerror(-err) : "returned", ms, okc, late_ok, errc,
		     torn, other, o.needs_reset ? ", NEEDS_RESET" : "",
		     o.timed_out ? ", timed out" : "", fs,
		     bad ? " CHANGED:" : "", bad ? dmg : "", how);
}

/*
 * Detach the endpoint with requests outstanding: close the device and
 * take the group out of its container, so the kernel moves the endpoint
 * back to its default domain (an ATTACH that iovm drains like an UNMAP).
 * Nothing may change in this process's memory afterwards; then the whole
 * VFIO set-up is rebuilt and the device must work again.
 */
static void case_detach_in_flight(struct ctx *c)
{
	struct region *v = &c->r[R_VICTIM];
	const unsigned int n = 16, chunk = VICTIM_SIZE / 16;
	unsigned int i, done;
	uint64_t sums[NR_REGIONS];
	struct timespec t0;
	struct outcome o;
	char dmg[160], how[128], fs[160];
	bool changed = false, nr, back;
	long ms;
	int err, bad;

	say(c, "--- detach-in-flight: 16 reads outstanding, then the device closed and VFIO_GROUP_UNSET_CONTAINER");
	fault_budget(c, 10);
	kmsg_read(c, &(struct faults){ 0 });
	memset(v->base, 0x5a, VICTIM_SIZE);
	freeze(c, (1U << R_VICTIM) | (1U << R_CMD) | (1U << R_DESC) |
		  (1U << R_AVAIL) | (1U << R_USED));
	for (i = 0; i < n; i++)
		post(c, (uint16_t)build_rw(c, i, 3 * i, T_IN,
					   VICTIM_SECTOR + i * (chunk / 512),
					   v->iova + i * chunk, chunk));
	notify(c);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	device_close(c);
	err = ioctl(c->group, VFIO_GROUP_UNSET_CONTAINER) ? -errno : 0;
	ms = elapsed_ms(&t0);
	for (i = 0; i < NR_REGIONS; i++)
		sums[i] = checksum(c->r[i].base, c->r[i].size);
	/* Give a late DMA every chance to show itself. */
	sleep_ms(500);
	for (i = 0; i < NR_REGIONS; i++)
		if (checksum(c->r[i].base, c->r[i].size) != sums[i])
			changed = true;
	done = (uint16_t)(used(c)->idx - c->last_used);
	memset(&o, 0, sizeof(o));
	faults_collect(c, &o.faults, false);
	faults_str(&o.faults, fs, sizeof(fs));
	bad = damage(c, dmg, sizeof(dmg));

	/* Rebuild: same container, new IOMMU domain, same mappings. */
	for (i = 0; i < NR_REGIONS; i++)
		c->r[i].mapped = false;
	if (err || vfio_attach(c) || map_all(c) || device_open(c)) {
		fail(c, "detach-in-flight: UNSET_CONTAINER %s; rebuilding VFIO failed",
		     err ? strerror(-err) : "ok");
		return;
	}
	nr = rd(c, VM_STATUS) & ST_NEEDS_RESET;
	o.needs_reset = true;	/* the device is reset in any case */
	back = recover(c, &o, how, sizeof(how));
	if (!changed && !bad && back)
		pass(c, "detach-in-flight: detached after %ld ms with %u of 16 reads completed%s; nothing changed after the detach; %s; re-attached, %s",
		     ms, done, nr ? ", device set NEEDS_RESET" : "", fs, how);
	else
		fail(c, "detach-in-flight: %u of 16 done;%s%s%s; %s; %s", done,
		     changed ? " memory changed after the detach" : "",
		     bad ? " CHANGED:" : "", bad ? dmg : "", fs, how);
}

static int cmd_hostile(struct ctx *c)
{
	unsigned int i;

	prepare_disk(c);
	explain_canary(c);
	for (i = 0; i < ARRAY_SIZE(hostile_cases); i++)
		run_case(c, &hostile_cases[i]);
	case_unmap_in_flight(c);
	case_detach_in_flight(c);
	return 0;
}

/* ------------------------------------------------------------ main */

static void on_alarm(int sig)
{
	static const char msg[] =
		"not ok - vfio-blk: watchdog: no progress for 600 s\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	_exit(1);
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vfio-blk find SERIAL\n"
		"       vfio-blk [-v] DEVICE data|isolation|hostile\n"
		"DEVICE is a platform device name such as d0003000.virtio\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct ctx c = {
		.container = -1, .group = -1, .device = -1, .irq_fd = -1,
		.kmsg = -1,
	};
	const char *what;
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "find"))
		return cmd_find(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "-v")) {
		c.verbose = true;
		argc--;
		argv++;
	}
	if (argc != 3)
		return usage();
	c.name = argv[1];
	what = argv[2];
	if (strcmp(what, "data") && strcmp(what, "isolation") &&
	    strcmp(what, "hostile"))
		return usage();

	signal(SIGALRM, on_alarm);
	alarm(600);
	c.kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c.kmsg >= 0)
		lseek(c.kmsg, 0, SEEK_END);
	clock_gettime(CLOCK_MONOTONIC, &c.fault_window);

	err = bind_vfio(&c);
	if (!err)
		err = find_group(&c);
	if (!err)
		err = regions_alloc(&c);
	if (!err)
		err = vfio_open(&c);
	if (!err)
		err = dev_start(&c);
	if (err) {
		printf("not ok - vfio-blk: setting up %s through VFIO failed: %s\n",
		       c.name, strerror(-err));
		return 1;
	}
	pass(&c, "%s driven from userspace through VFIO: group %u, endpoint %u, features 0x%llx, %llu sectors",
	     c.name, c.group_id, c.endpoint,
	     (unsigned long long)c.features,
	     (unsigned long long)c.capacity);

	if (!strcmp(what, "data"))
		cmd_data(&c);
	else if (!strcmp(what, "isolation"))
		cmd_isolation(&c);
	else
		cmd_hostile(&c);

	/* Leave the device quiet: reset, then let VFIO tear down the rest. */
	if (c.regs)
		wr(&c, VM_STATUS, 0);
	device_close(&c);
	return c.failed ? 1 : 0;
}
