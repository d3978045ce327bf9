/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The userspace virtio-blk driver over VFIO: the one interface of
 * sysfs.c (which device, bound to its VFIO driver, its IOMMU group and
 * endpoint), vfio.c (container, group, device), dma.c (the DMA regions
 * and their mappings), irq.c (interrupt eventfds), the two transports
 * (transport-mmio.c: virtio-mmio through vfio-platform; transport-pci.c:
 * virtio-pci through vfio-pci) and virtio.c (device set-up, the
 * virtqueue, requests and completions).
 *
 * It knows nothing of the tests: it does what it is told, including
 * things no honest driver would, and reports what the device did.
 */
#ifndef VFIO_BLK_DRIVER_H
#define VFIO_BLK_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PAGE		4096UL
#define BIT(n)		(1ULL << (n))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

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
/*
 * How long a request may take before the case calls the device hung: a
 * bound for failure, never a window an outcome depends on, so it is
 * generous enough for a nested guest on a loaded machine.
 */
#define TIMEOUT_MS	60000

enum {
	R_DESC, R_AVAIL, R_USED, R_CMD, R_DATA, R_RBUF, R_RO, R_SPARE,
	R_VICTIM, NR_REGIONS
};

/*
 * One DMA buffer: anonymous memory with a canary page on each side that
 * is never mapped for the device. A region is "frozen" (by the checks in
 * cases.c) while no request may legitimately change it; its checksum is
 * then compared after every test case.
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

struct completion {
	uint16_t id;
	uint32_t len;
};

/* What one submission (or one attempted set-up) led to. */
struct outcome {
	unsigned int done;		/* used elements taken */
	struct completion c[NR_SLOTS];
	bool needs_reset;
	bool timed_out;
	bool accepted;			/* the device took a bad set-up */
	uint32_t isr;			/* interrupt causes seen */
};

struct vblk;

/*
 * The virtio transport under the driver, queue 0 only: the registers of
 * virtio-mmio or the capability structures of virtio-pci. Everything
 * above it (virtio.c, the cases) speaks virtio, not a transport.
 */
struct transport {
	const char *name;		/* "virtio-mmio", "virtio-pci" */
	const char *bus;		/* its sysfs bus: "platform", "pci" */
	const char *vfio_driver;	/* "vfio-platform", "vfio-pci" */
	/* The VFIO device is open: map its registers, wire its interrupts. */
	int (*open)(struct vblk *d);
	void (*close)(struct vblk *d);
	uint32_t (*get_status)(struct vblk *d);
	void (*set_status)(struct vblk *d, uint32_t status);
	uint64_t (*get_features)(struct vblk *d);
	void (*set_features)(struct vblk *d, uint64_t features);
	uint32_t (*queue_max)(struct vblk *d);
	/* Size and ring addresses of queue 0, then (enable) make it live. */
	void (*queue_set)(struct vblk *d, uint32_t size, uint64_t desc,
			  uint64_t avail, uint64_t used);
	void (*queue_enable)(struct vblk *d);
	bool (*queue_enabled)(struct vblk *d);
	void (*notify)(struct vblk *d);
	uint32_t (*config_gen)(struct vblk *d);
	uint32_t (*config32)(struct vblk *d, unsigned int off);
	/* Wait up to @ms for an interrupt; add its causes (INT_*) to *isr. */
	bool (*irq_wait)(struct vblk *d, long ms, uint32_t *isr);
};

extern const struct transport transport_mmio, transport_pci;

/*
 * One of virtio-pci's structures in a BAR: mapped, or else reached with
 * pread/pwrite at @off in the device file (VFIO keeps what shares a page
 * with the MSI-X table out of reach of mmap).
 */
struct pci_struct {
	volatile uint8_t *map;
	off_t off;
};

/* virtio-pci's structures, as transport-pci.c finds them in the BARs. */
struct pci_caps {
	struct pci_struct common, isr, device, notify;	/* notify: queue 0's */
	void *bars[6];
	size_t bar_size[6];
	int vector_fd[2];		/* MSI-X: 0 config, 1 queue 0 */
};

/* One virtio-blk device taken from the kernel and driven through VFIO. */
struct vblk {
	const char *name;		/* platform or PCI device */
	const struct transport *t;

	unsigned int group_id, endpoint;
	int container, group, device, irq_fd;
	bool opened;			/* the transport's registers answer */
	bool irq_automasked;
	volatile uint8_t *regs;		/* virtio-mmio's window */
	size_t regs_size;
	struct pci_caps pci;
	struct region r[NR_REGIONS];
	uint64_t canary_phys;		/* guest-physical address of a canary */

	uint64_t features, capacity;
	uint16_t avail_idx, last_used;
	unsigned int irqs;
	unsigned long kernel_irqs0;	/* the kernel's count at set-up */
};

/* An initialiser for struct vblk: no file open yet. */
#define VBLK_INIT(dev_name) { \
	.name = (dev_name), .container = -1, .group = -1, .device = -1, \
	.irq_fd = -1, .pci.vector_fd = { -1, -1 }, \
}

/* sysfs.c */
int find_by_serial(const char *serial, char *name, size_t size);
/* Which transport @d->name is on, from its sysfs bus. */
int find_transport(struct vblk *d);
int bind_vfio(struct vblk *d);
int find_group(struct vblk *d);

/* viot.c: the endpoint ID ACPI's VIOT gives a PCI device; -ENOENT. */
int viot_pci_endpoint(unsigned int segment, unsigned int bdf,
		      unsigned int *endpoint);

/* vfio.c */
int vfio_open(struct vblk *d);
int vfio_detach(struct vblk *d);
int vfio_reattach(struct vblk *d);
void device_close(struct vblk *d);

/* The device's virtio status, whatever the transport. */
static inline uint32_t dev_status(struct vblk *d)
{
	return d->t->get_status(d);
}

static inline void dev_set_status(struct vblk *d, uint32_t status)
{
	d->t->set_status(d, status);
}

/* dma.c */
int regions_alloc(struct vblk *d);
int dma_map(struct vblk *d, struct region *r, uint32_t perm);
int dma_unmap(struct vblk *d, struct region *r);
int map_all(struct vblk *d);
bool canary_ok(const uint8_t *page);

/* irq.c */
/* Point VFIO interrupt @index, vectors from 0, at eventfds @fds. */
int irq_trigger(struct vblk *d, unsigned int index, const int *fds,
		unsigned int n);
bool irq_wait(struct vblk *d, long ms, uint32_t *isr);
unsigned long kernel_irq_count(struct vblk *d);

/* virtio.c */
int dev_reset(struct vblk *d);
uint64_t dev_features(struct vblk *d);
uint32_t negotiate(struct vblk *d, uint64_t want);
uint32_t queue_setup(struct vblk *d, uint32_t size, uint64_t desc_iova,
		     uint64_t avail_iova, uint64_t used_iova);
int dev_start_at(struct vblk *d, uint64_t desc_iova, uint64_t avail_iova,
		 uint64_t used_iova);
int dev_start(struct vblk *d);
void set_desc(struct vblk *d, unsigned int i, uint64_t addr, uint32_t len,
	      uint16_t flags, uint16_t next);
void set_hdr(struct vblk *d, unsigned int slot, uint32_t type,
	     uint64_t sector);
uint8_t status_of(struct vblk *d, unsigned int slot);
unsigned int build_rw(struct vblk *d, unsigned int slot, unsigned int i,
		      uint32_t type, uint64_t sector, uint64_t data,
		      uint32_t len);
void post(struct vblk *d, uint16_t head);
void notify(struct vblk *d);
void wait_done(struct vblk *d, unsigned int n, long ms, struct outcome *o);
void run_one(struct vblk *d, uint16_t head, struct outcome *o);
uint8_t blk_sync(struct vblk *d, uint32_t type, uint64_t sector,
		 uint64_t data, uint32_t len, uint32_t *used_len);
const char *status_name(uint8_t s);

/* The queue's memory and the command area, as this process sees them. */
static inline struct vring_desc *desc(struct vblk *d)
{
	return (struct vring_desc *)d->r[R_DESC].base;
}

static inline volatile struct vring_avail *avail(struct vblk *d)
{
	return (volatile struct vring_avail *)d->r[R_AVAIL].base;
}

static inline volatile struct vring_used *used(struct vblk *d)
{
	return (volatile struct vring_used *)d->r[R_USED].base;
}

static inline uint8_t *cmd(struct vblk *d, size_t off)
{
	return d->r[R_CMD].base + off;
}

/* The device address of byte @off of @region. */
static inline uint64_t iova(struct vblk *d, int region, size_t off)
{
	return d->r[region].iova + off;
}

#endif
