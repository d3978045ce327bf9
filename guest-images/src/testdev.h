/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iovm's test device from inside the guest (iovm's kvm/testdev.c): on x86
 * the I/O ports 0x500-0x50b, reached with ioperm(); on arm64, which has no
 * I/O ports, a 4 KiB MMIO window at 0xe8001000, reached by mapping
 * /dev/mem. Where it is and its registers come from iovm's own
 * kvm/testdev_abi.h. Header-only: iovm-ctl and vfio-blk share it.
 */
#ifndef IOVM_GUEST_TESTDEV_H
#define IOVM_GUEST_TESTDEV_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../kvm/testdev_abi.h"

#ifdef __x86_64__
#include <sys/io.h>

#define TESTDEV_PORT	TESTDEV_X86_PORT
#define TESTDEV_WHERE	"I/O ports 0x500-0x50b"

struct testdev { int unused; };

/* 0, or -errno with a line on stderr saying why. */
static inline int testdev_open(struct testdev *t, const char *prog)
{
	(void)t;
	if (!ioperm(TESTDEV_PORT, TESTDEV_SIZE, 1))
		return 0;
	fprintf(stderr, "%s: ioperm(0x%x): %s (%s)\n", prog, TESTDEV_PORT,
		strerror(errno), errno == ENOSYS ?
		"the kernel lacks CONFIG_X86_IOPL_IOPERM" : "must run as root");
	return -errno;
}

static inline void testdev_write8(struct testdev *t, unsigned int off,
				  uint8_t v)
{
	(void)t;
	outb(v, TESTDEV_PORT + off);
}

static inline void testdev_write32(struct testdev *t, unsigned int off,
				   uint32_t v)
{
	(void)t;
	outl(v, TESTDEV_PORT + off);
}

static inline uint32_t testdev_read32(struct testdev *t, unsigned int off)
{
	(void)t;
	return inl(TESTDEV_PORT + off);
}

#else
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define TESTDEV_GPA	TESTDEV_ARM64_GPA
#define TESTDEV_WHERE	"MMIO 0xe8001000 through /dev/mem"

struct testdev { volatile uint8_t *regs; };

static inline int testdev_open(struct testdev *t, const char *prog)
{
	int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC), err;
	void *p;

	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "%s: /dev/mem: %s (must run as root, in a kernel with CONFIG_DEVMEM)\n",
			prog, strerror(errno));
		return err;
	}
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 TESTDEV_GPA);
	err = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err) {
		fprintf(stderr, "%s: cannot map the test device at 0x%lx from /dev/mem: %s\n",
			prog, TESTDEV_GPA, strerror(-err));
		return err;
	}
	t->regs = p;
	return 0;
}

static inline void testdev_write8(struct testdev *t, unsigned int off,
				  uint8_t v)
{
	t->regs[off] = v;
}

static inline void testdev_write32(struct testdev *t, unsigned int off,
				   uint32_t v)
{
	*(volatile uint32_t *)(t->regs + off) = v;
}

static inline uint32_t testdev_read32(struct testdev *t, unsigned int off)
{
	return *(volatile uint32_t *)(t->regs + off);
}
#endif

#endif
