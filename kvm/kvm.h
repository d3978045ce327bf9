/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm/: the virtual machine itself. VM and vCPU lifecycle, guest RAM, the
 * I/O and MMIO buses devices hang from, and the few legacy devices every
 * guest has (8250 UART, test device, pvpanic). What differs between
 * architectures (boot protocol, vCPU set-up, interrupt controller) is in
 * kvm/x86/ and kvm/arm64/ behind kvm/arch.h.
 */
#ifndef IOVM_KVM_H
#define IOVM_KVM_H

#include <pthread.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/kvm.h>

#include "machine.h"

#define SZ_4K		0x1000ULL
#define SZ_1M		0x100000ULL
#define SZ_2M		0x200000ULL
#define SZ_1G		0x40000000ULL
#define SZ_4G		0x100000000ULL

/*
 * Guest physical address map, the same on both architectures: RAM starts
 * at 0, and whatever does not fit below the MMIO hole continues at 4 GiB.
 * The hole holds the PCI host's BAR window, the virtio-mmio windows and
 * the PCI host's ECAM, then what the architecture has there: its
 * arch_layout.h (kvm/x86/ or kvm/arm64/, by the Makefile's ARCH).
 */
#define MMIO_HOLE_START		0xc0000000ULL
#define PCI_MMIO_GPA		0xc0000000ULL	/* BARs, placed by pci.c */
#define PCI_MMIO_SIZE		0x10000000ULL
#define DEVICE_MMIO_BASE	0xd0000000ULL	/* 4 KiB window per device */
#define DEVICE_MMIO_SIZE	0x10000000ULL
#define PCI_ECAM_GPA		0xe0000000ULL	/* bus 0 only: 1 MiB */

#include "testdev_abi.h"
#include "arch_layout.h"

/* A PCI function's endpoint ID behind the virtio-iommu: this + its BDF. */
#define PCI_IOMMU_ENDPOINT_BASE	0x10000

/* Exit status of `iovm run`, also documented in README.md and --help. */
enum iovm_exit {
	IOVM_EXIT_OK = 0,	/* guest rebooted or powered off */
	IOVM_EXIT_ERROR = 1,	/* iovm or KVM failed */
	IOVM_EXIT_USAGE = 2,	/* bad command line or input file */
	IOVM_EXIT_PANIC = 3,	/* guest kernel panicked (pvpanic) */
	IOVM_EXIT_TRIPLE_FAULT = 4, /* guest reset by a triple fault */
	IOVM_EXIT_SIGNAL = 128,	/* + signal number, like a shell */
};

/* ---- guest memory (kvm/memory.c) ---- */

struct guest_mem {
	uint8_t *host;		/* one host mapping of all guest RAM */
	uint64_t size;		/* bytes of RAM */
	uint64_t low_size;	/* bytes of RAM below MMIO_HOLE_START */
};

/*
 * Map @size bytes of guest RAM, at a host address aligned to 2 MiB (so that
 * KVM can give the guest large pages, below the hole and above it).
 */
int guest_mem_init(struct guest_mem *mem, uint64_t size);
void guest_mem_free(struct guest_mem *mem);
/* Wrap an existing buffer (tests, benchmarks): no mapping of our own. */
void guest_mem_wrap(struct guest_mem *mem, void *host, uint64_t size);
/*
 * Host pointer to [gpa, gpa + len) if the whole range is RAM, else NULL.
 * This is the only place a guest-physical address becomes a host pointer;
 * devices go through the DMA accessor built on it, never around it.
 */
void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len);
uint64_t guest_mem_high_size(const struct guest_mem *mem);

/*
 * Read the regular file @path whole into a new buffer (the caller frees
 * *@out); more than @max bytes, or none, is refused. Logs one line naming
 * @what ("kernel", "initrd") and the path on failure.
 */
int file_read_all(const char *what, const char *path, uint64_t max,
		  uint8_t **out, size_t *out_len);

/* ---- I/O and MMIO buses (kvm/iobus.c) ---- */

typedef void (*io_fn)(void *opaque, uint64_t offset, uint8_t *data,
		      uint32_t len, bool is_write);

struct io_region {
	uint64_t base, len;
	io_fn fn;
	void *opaque;
	const char *name;
};

#define IO_BUS_MAX_REGIONS 64

struct io_bus {
	struct io_region regions[IO_BUS_MAX_REGIONS];
	int nr;
};

int io_bus_register(struct io_bus *bus, uint64_t base, uint64_t len,
		    io_fn fn, void *opaque, const char *name);
/* Returns false when no device claims the address. */
bool io_bus_access(struct io_bus *bus, uint64_t addr, uint8_t *data,
		   uint32_t len, bool is_write);

/* ---- the VM ---- */

/* How a virtio device reaches the guest. */
enum virtio_transport {
	VIRTIO_TRANSPORT_MMIO,		/* a virtio-mmio window (the default) */
	VIRTIO_TRANSPORT_PCI,		/* a virtio-pci function */
};

#define VM_MAX_DISKS		16
#define DISK_SERIAL_MAX		20	/* virtio-blk GET_ID bytes */
#define DISK_MAX_QUEUES		4	/* virtio-blk request queues */

struct disk_config {
	const char *path;
	char name[16];			/* "blk0": logs, thread names */
	char serial[DISK_SERIAL_MAX + 1];
	bool read_only;
	bool no_iommu;			/* iommu=off: outside the virtio-iommu */
	enum virtio_transport transport;
	bool transport_set;		/* transport= given: not the default */
	int64_t test_bogus_sector;	/* test switch, see --test-bogus-iova */
	unsigned int queues;		/* queues=N; 0: one per vCPU */
};

enum console_kind {
	CONSOLE_SERIAL,			/* ttyS0 on the 8250 */
	CONSOLE_VIRTIO,			/* hvc0 on virtio-console */
};

#define CONTROL_NAME_MAX	64

struct vm_config {
	const char *name;	/* the guest's name; NULL: guest-PID */
	const char *kernel;
	const char *initrd;
	const char *params;	/* appended to the default command line */
	const char *dump_dtb;
	const char *dump_acpi;	/* a directory */
	bool dt;		/* --dt: a device tree instead of ACPI */
	uint64_t mem_size;
	unsigned int nr_cpus;
	bool debug;
	enum console_kind console;
	struct disk_config disks[VM_MAX_DISKS];
	unsigned int nr_disks;
	bool rng;			/* a virtio-rng device */
	/* --virtio-transport: every virtio device's unless it says its own */
	enum virtio_transport virtio_transport;
	enum virtio_transport rng_transport, console_transport;
	bool rng_transport_set, console_transport_set;
	bool iommu;			/* --iommu: devices behind a virtio-iommu */
	bool no_sandbox;		/* --no-sandbox: no seccomp filter */
	unsigned int trace;		/* --trace: enum log_trace bits */
};

struct vcpu {
	struct vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
	/* enum vcpu_where: what the thread does, for a stop that lingers. */
	atomic_int where;
};

struct uart;
struct testdev;
struct pci_host;

/* What the test device shows a guest of one virtio-iommu endpoint. */
#define VM_FAULTS_SHOWN		16

struct vm_iommu_report {
	uint64_t faults;		/* found on it, ever */
	uint32_t holds;			/* its requests holding DMA now */
	uint64_t holds_waited;		/* by UNMAP, DETACH, ATTACH, ever */
	unsigned int nr;		/* recent faults, oldest first: */
	struct {
		uint64_t address;
		uint32_t flags;		/* VIRTIO_IOMMU_FAULT_F_* */
		uint32_t reason;	/* VIRTIO_IOMMU_FAULT_R_* */
	} recent[VM_FAULTS_SHOWN];
};

/* A device with a thread or KVM wiring of its own (virtio devices). */
struct vm_device {
	int (*start)(void *opaque);	/* KVM exists; start threads */
	void (*stop)(void *opaque);	/* vCPUs are stopped */
	void (*stat)(void *opaque, FILE *f);	/* one line for iovm stat */
	void *opaque;
};

#define VM_MAX_DEVICES		32

/* MSI routes: GSI FIRST_MSI_GSI + i is msi[i] (kvm/irqroute.c). */
#define VM_MAX_MSI_ROUTES	256

struct vm_msi_routes {
	pthread_mutex_t lock;
	unsigned int nr;		/* GSIs handed out */
	struct vm_msi_route {
		bool valid;		/* a message to deliver */
		uint64_t addr;
		uint32_t data;
		uint32_t devid;		/* the sender's requester ID */
	} msi[VM_MAX_MSI_ROUTES];
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd;
	int vm_fd;
	struct guest_mem mem;
	struct vcpu *vcpus;
	unsigned int nr_cpus;
	struct io_bus pio;
	struct io_bus mmio;
	struct uart *uart;
	struct testdev *testdev;
	struct pci_host *pci;	/* the PCI host bridge, once a device wants it */
	uint64_t next_mmio;	/* next free device window in the hole */
	unsigned int next_irq;	/* next free IO-APIC pin for devices */
	struct machine_desc machine; /* what the guest is told it has */
	/* arm64: the in-kernel GICv3 and ITS devices (-1: none), the DTB */
	int gic_fd, its_fd;
	uint64_t dtb_gpa;
	struct vm_msi_routes msi;
	struct vm_device devices[VM_MAX_DEVICES];
	unsigned int nr_devices;
	/* Where console input goes: the UART, or a virtio-console. */
	size_t (*console_in)(void *opaque, const uint8_t *buf, size_t len);
	void *console_in_opaque;
	int console_space_fd;	/* readable when console_in has room again */
	/* The virtio-iommu, if any: puts a virtio device behind it. */
	void *iommu;
	int (*iommu_attach)(void *iommu, void *virtio_dev);
	void (*iommu_stat)(void *iommu, FILE *f);
	/* The test device's view: -ENOENT if there is no endpoint @id. */
	int (*iommu_report)(void *iommu, uint32_t id,
			    struct vm_iommu_report *r);
	/* Arm the test gate for endpoint @id: see dma_gate_fn. */
	void (*iommu_gate)(void *iommu, uint32_t id);

	/* The control socket (kvm/control.c) */
	char name[CONTROL_NAME_MAX + 1];
	int control_fd;
	char control_path[108];
	struct timespec start;	/* when iovm started, for boot timing */

	/* Pause: vCPU threads park outside KVM_RUN until resumed. */
	atomic_bool paused;
	pthread_mutex_t park_lock;
	pthread_cond_t park_cond;
	unsigned int nr_parked;

	/* Shutdown: the first writer of exit_status wins; exit_efd wakes main. */
	atomic_bool stopping;
	int exit_status;
	/* How long vm_stop() waits for a vCPU before it names it (ms). */
	unsigned int stop_warn_ms;
	int exit_efd;
};

/* The KVM device: $IOVM_KVM_DEVICE (tests), else /dev/kvm. */
const char *kvm_device_path(void);
/* RAM and the legacy devices; no KVM yet, so other devices can be added. */
int vm_create(struct vm **out, const struct vm_config *cfg);
int vm_add_device(struct vm *vm, const struct vm_device *dev);
/* Load the guest, then create the KVM VM and its vCPUs. */
int vm_prepare(struct vm *vm);
int vm_start(struct vm *vm);
/* Ask every thread to stop; the VM ends with @status. Thread-safe. */
void vm_request_exit(struct vm *vm, int status, const char *why);
/* Join vCPUs after a stop request; returns the exit status. */
int vm_stop(struct vm *vm);
void vm_destroy(struct vm *vm);
/* Stop every vCPU outside the guest (returns once all are parked). */
int vm_pause(struct vm *vm);
int vm_resume(struct vm *vm);
/* Called by a vCPU thread that saw vm->paused; returns when resumed. */
void vm_vcpu_park(struct vm *vm);
/*
 * A GSI for MSI messages from requester ID @devid (the ITS tells senders
 * apart by it), its route empty until vm_msi_route().
 */
int vm_msi_gsi_alloc(struct vm *vm, uint32_t devid, unsigned int *gsi);
/*
 * Route @gsi to the MSI message (@addr, @data), or to nothing (!@valid);
 * KVM sees the change when this returns (once KVM exists).
 */
int vm_msi_route(struct vm *vm, unsigned int gsi, bool valid, uint64_t addr,
		 uint32_t data);
/* The routing table KVM gets: its entries in @e, the count (may be > @max). */
size_t vm_irq_routes_build(const struct vm_msi_routes *r,
			   struct kvm_irq_routing_entry *e, size_t max);
/* Reserve a 4 KiB MMIO window and an interrupt line for a new device. */
int vm_alloc_device(struct vm *vm, uint64_t *mmio_base, unsigned int *irq);
double vm_elapsed_ms(const struct vm *vm);
/*
 * FNV-1a over guest RAM [gpa, gpa + len), skipping what is not RAM: for
 * tests that prove a region was not written. Not a device access path.
 */
uint64_t vm_ram_checksum(const struct vm *vm, uint64_t gpa, uint64_t len);

/* ---- legacy devices ---- */

/* A 16550 on @bus at @base (I/O port or MMIO), raising @irq. */
int uart_init(struct vm *vm, struct io_bus *bus, uint64_t base,
	      unsigned int irq);
void uart_exit(struct vm *vm);
/* Feed bytes typed by the user into the UART's receive FIFO. */
size_t uart_receive(struct uart *uart, const uint8_t *buf, size_t len);
/* Readable when the receive FIFO drained after being full. */
int uart_space_fd(struct uart *uart);
/* On @bus at @base (kvm/testdev_abi.h: where, and its registers). */
int testdev_init(struct vm *vm, struct io_bus *bus, uint64_t base);
void testdev_exit(struct vm *vm);
int pvpanic_init(struct vm *vm, uint64_t base);

/* ---- the control socket (kvm/control.c) ---- */

/* Where sockets live: $XDG_RUNTIME_DIR/iovm, /run/iovm as root, else /tmp/iovm-UID. */
int control_dir(char *buf, size_t len);
int control_path(const char *name, char *buf, size_t len);
bool control_name_valid(const char *name);
/* Connected fd, or -ECONNREFUSED for a stale socket, -ENOENT, ... */
int control_connect(const char *path);
/*
 * Listen on the guest's control socket, creating its directories as needed.
 * 0 when the guest may run: with the socket, or without one after a single
 * warning saying why (unwritable or read-only directory, path too long);
 * -EADDRINUSE when a running guest already has @name.
 */
int control_open(struct vm *vm, const char *name);
/* Answer one pending connection (the main loop saw control_fd ready). */
void control_serve(struct vm *vm);
void control_close(struct vm *vm);

/* ---- the seccomp sandbox (kvm/sandbox.c) ---- */

/* Allow only what a running VM needs, on every thread, from now on. */
int sandbox_install(void);

/* ---- the user's terminal (kvm/term.c) ---- */

bool term_is_tty(void);
/* Raw mode if stdin is a terminal; a no-op otherwise. */
int term_raw_enable(void);
/* Safe to call any number of times, from any exit path. */
void term_restore(void);

#endif
