/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PCI host bridge: one bus (0) of conventional PCI functions, the host
 * bridge itself at 00.0 and devices in the slots after it, reached through
 * an ECAM window (PCI Express 5.0, 7.2.2) and, on x86, through the port
 * pair 0xCF8/0xCFC (configuration mechanism #1, kvm/x86/pci_cf8.c). The
 * host is what firmware would otherwise be: it places every BAR in a
 * 32-bit window of the MMIO hole before the guest starts, and it decodes a
 * BAR only while the function's Memory Space Enable is set and the BAR
 * lies wholly in that window, wherever the guest moves it.
 *
 * A function is a 256-byte configuration image with a mask of the bits
 * the guest may write; writes merge through it, so BAR sizing, read-only
 * registers and reserved bits need no code of their own. The device model
 * behind a function fills its part of the image (IDs, capabilities) and
 * hears of writes and of BARs that start or stop decoding.
 *
 * Nothing here is x86's but the port pair: arm64's pci-host-ecam-generic
 * is the same host without it.
 */
#ifndef IOVM_KVM_PCI_H
#define IOVM_KVM_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "kvm.h"

#define PCI_SLOTS		32	/* devices on bus 0; 0 is the host bridge */
#define PCI_CFG_SIZE		256	/* conventional configuration space */
#define PCI_ECAM_FN_SIZE	4096	/* a function's window in ECAM */
#define PCI_NR_BARS		6

/* Standard header registers (PCI Local Bus 3.0, 6.1). */
#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define PCI_STATUS		0x06
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a
#define PCI_HEADER_TYPE		0x0e
#define PCI_BAR0		0x10
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d
#define PCI_CAP_START		0x40	/* capabilities from here on */

#define PCI_COMMAND_MEMORY	0x0002	/* Memory Space Enable */
#define PCI_COMMAND_MASTER	0x0004	/* Bus Master Enable */
#define PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS_CAP_LIST	0x0010

#define PCI_CAP_ID_MSIX		0x11
#define PCI_CAP_ID_VNDR		0x09

/* An all-ones read: no function answered (a master abort). */
#define PCI_NO_DEVICE		0xffffffffu

struct pci_function;

struct pci_function_ops {
	/*
	 * The guest wrote [off, off + len) of the configuration space; the
	 * image already holds the result. Called with the host's lock held.
	 */
	void (*config_write)(struct pci_function *f, uint32_t off,
			     uint32_t len);
	/* About to read [off, off + len): refresh what changes by itself. */
	void (*config_read)(struct pci_function *f, uint32_t off, uint32_t len);
	/*
	 * BAR @bar starts decoding at @addr (@on) or stops. Called with the
	 * host's lock held, before any access at the new place.
	 */
	void (*bar_map)(struct pci_function *f, unsigned int bar, bool on,
			uint64_t addr);
};

struct pci_bar {
	uint32_t size;			/* a power of two >= 4 KiB; 0: none */
	io_fn access;			/* @offset within the BAR */
	void *opaque;
};

struct pci_function {
	uint8_t devfn;			/* slot << 3 | function */
	uint8_t cfg[PCI_CFG_SIZE];	/* the image the guest reads */
	uint8_t wmask[PCI_CFG_SIZE];	/* bits it may write */
	struct pci_bar bars[PCI_NR_BARS];
	/* Where each BAR decodes now (0: it does not); the host's lock. */
	uint64_t mapped[PCI_NR_BARS];
	/* Bus Master Enable, for the DMA accessor (dma_space.bus_master). */
	bool bus_master;
	const struct pci_function_ops *ops;
	void *opaque;
	struct pci_host *host;
};

struct pci_host {
	struct vm *vm;			/* NULL in tests: no buses to join */
	pthread_mutex_t lock;		/* configuration, CF8, BAR placement */
	struct pci_function *slots[PCI_SLOTS];
	struct pci_function bridge;	/* 00.0 */
	uint32_t cf8;			/* the CONFIG_ADDRESS latch (x86) */
	uint64_t ecam_base;		/* bus 0's 1 MiB */
	uint64_t mmio_base, mmio_size;	/* the BAR window */
	uint64_t next_bar;		/* the BAR allocator's next free byte */
};

/*
 * The VM's host bridge, created (and entered in the machine model) the
 * first time a PCI device asks for it. NULL with -errno in *err.
 */
struct pci_host *pci_host_get(struct vm *vm, int *err);
void pci_host_destroy(struct pci_host *h);
/* A host on its own, for tests: no buses, no machine model. */
void pci_host_init(struct pci_host *h, uint64_t ecam_base, uint64_t mmio_base,
		   uint64_t mmio_size);

/*
 * A new function with the standard header's writable bits, no BARs and
 * no capabilities: fill in IDs, BARs (sizes) and capabilities, then add.
 */
void pci_function_init(struct pci_function *f,
		       const struct pci_function_ops *ops, void *opaque);
/*
 * Put @f in the first free slot and place its BARs in the window (as
 * firmware would; the guest may move them). -ENOSPC: no slot, or no room.
 */
int pci_host_add(struct pci_host *h, struct pci_function *f);

/* Read or write a configuration register: 1, 2 or 4 bytes, aligned. */
uint32_t pci_cfg_get(const struct pci_function *f, uint32_t off, uint32_t len);
void pci_cfg_set(struct pci_function *f, uint32_t off, uint32_t len,
		 uint32_t v);

/*
 * A configuration access as the guest makes it, by bus, devfn and
 * register (up to 4 KiB through ECAM): widths other than 1, 2 and 4,
 * unaligned ones, an absent bus, slot or function read as all ones and
 * write nothing; past 256 bytes reads zero (no extended capabilities).
 */
void pci_config_access(struct pci_host *h, uint8_t bus, uint8_t devfn,
		       uint32_t off, uint8_t *data, uint32_t len,
		       bool is_write);
/* The same with the host's lock held (the CF8 latch and its cycle). */
void pci_config_access_locked(struct pci_host *h, uint8_t bus,
			      uint8_t devfn, uint32_t off, uint8_t *data,
			      uint32_t len, bool is_write);
/* The ECAM window, as the MMIO bus calls it (offset from ecam_base). */
void pci_ecam_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		     bool is_write);
/* The BAR window (offset from mmio_base): the BAR decoding it, or ones. */
void pci_window_access(void *opaque, uint64_t off, uint8_t *data,
		       uint32_t len, bool is_write);

/*
 * x86: the CONFIG_ADDRESS/CONFIG_DATA ports (kvm/x86/pci_cf8.c), from
 * 0xCF8 (@off 0) to 0xCFF; pci_host_arch_init() puts them on the port bus.
 */
#define PCI_CF8_PORT		0xcf8
#define PCI_CF8_PORTS		8
void pci_cf8_access(void *opaque, uint64_t off, uint8_t *data, uint32_t len,
		    bool is_write);
/* What the architecture adds to a new host (x86: the CF8 ports). */
int pci_host_arch_init(struct vm *vm, struct pci_host *h);

/* "00:03.0" */
#define PCI_BDF_FMT		"%02x:%02x.%x"
#define PCI_BDF_ARGS(devfn)	0, (devfn) >> 3, (devfn) & 7

#endif
