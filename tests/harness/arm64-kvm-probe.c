// SPDX-License-Identifier: GPL-2.0
/*
 * arm64-kvm-probe: does this arm64 machine (or the harness's arm64 level 1)
 * have a KVM that can run a guest the way iovm will?
 *
 * It builds the smallest such VM: 64 KiB of RAM, a vGICv3 with an ITS
 * (KVM_CREATE_DEVICE), one vCPU initialised with PSCI 0.2 in the kernel
 * (KVM_ARM_VCPU_INIT), and runs a few instructions at EL1: a 32-bit MMIO
 * write, an MMIO read, a write of what the read returned, then PSCI
 * SYSTEM_OFF through HVC. Each exit must be the one the code asks for, in
 * that order; the read's value must come back in the next write, so the
 * probe also sees that KVM completed the read into the guest's register.
 *
 * Prints one "ok - " or "not ok - " line per step; exit status 0 when every
 * step passed, 1 when one failed, 2 on a usage error. Cross-built static
 * (aarch64-linux-gnu-gcc -static), as it runs in a busybox level 1:
 *   tests/harness/arm64-probe  builds it and runs it there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/kvm.h>

/* Guest-physical layout, after QEMU's virt machine (no reason to differ). */
#define GIC_DIST_BASE	0x08000000ULL		/* 64 KiB */
#define GIC_ITS_BASE	0x08080000ULL		/* 128 KiB */
#define GIC_REDIST_BASE	0x080a0000ULL		/* 128 KiB per vCPU */
#define MMIO_BASE	0x09000000ULL		/* no memory there: exits */
#define RAM_BASE	0x40000000ULL
#define RAM_SIZE	0x10000ULL

#define READ_VALUE	0x5eed1234U		/* what the MMIO read returns */
#define WRITE_VALUE	0x1234U
#define PSCI_SYSTEM_OFF	0x84000008U		/* PSCI 0.2, SMC32 calling convention */

/*
 * The guest, A64 encodings (base opcode | fields, as the Arm ARM gives them):
 * register-offset-free loads and stores, so the data abort carries a valid
 * syndrome (ISV) and KVM can hand the access to us as KVM_EXIT_MMIO.
 */
static const uint32_t guest_code[] = {
	0xd2800000 | WRITE_VALUE << 5 | 0,		/* movz x0, #0x1234 */
	0xd2800000 | 1 << 21 | (MMIO_BASE >> 16) << 5 | 1,
							/* movz x1, #0x0900, lsl #16 */
	0xb9000000 | 1 << 5 | 0,			/* str  w0, [x1] */
	0xb9400000 | 1 << 5 | 2,			/* ldr  w2, [x1] */
	0xb9000000 | 1 << 10 | 1 << 5 | 2,		/* str  w2, [x1, #4] */
	0xd2800000 | (PSCI_SYSTEM_OFF & 0xffff) << 5 | 0,
							/* movz x0, #0x0008 */
	0xf2800000 | 1 << 21 | (PSCI_SYSTEM_OFF >> 16) << 5 | 0,
							/* movk x0, #0x8400, lsl #16 */
	0xd4000002,					/* hvc  #0 */
	0x14000000,					/* b    . */
};

struct probe {
	int kvm, vm, vcpu, gic, its;
	struct kvm_run *run;
	size_t run_size;
	void *ram;
	int failed;
};

static void ok(struct probe *p, int good, const char *what)
{
	printf("%s - %s\n", good ? "ok" : "not ok", what);
	if (!good)
		p->failed = 1;
}

/* A failed system call: name the step and the error, return -errno. */
static int fail_errno(struct probe *p, const char *what)
{
	int err = errno;

	printf("not ok - %s: %s\n", what, strerror(err));
	p->failed = 1;
	return -err;
}

static int set_attr(int fd, uint32_t group, uint64_t attr, uint64_t *val)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uint64_t)(uintptr_t)val,
	};

	return ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

static int create_device(struct probe *p, uint32_t type, const char *what)
{
	struct kvm_create_device cd = { .type = type };

	if (ioctl(p->vm, KVM_CREATE_DEVICE, &cd) < 0)
		return fail_errno(p, what);
	ok(p, 1, what);
	return cd.fd;
}

static int open_vm(struct probe *p)
{
	int ver;

	p->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (p->kvm < 0)
		return fail_errno(p, "open /dev/kvm read-write");
	ver = ioctl(p->kvm, KVM_GET_API_VERSION, 0);
	if (ver != KVM_API_VERSION) {
		printf("not ok - KVM API version %d, expected %d\n", ver, KVM_API_VERSION);
		p->failed = 1;
		return -EINVAL;
	}
	ok(p, 1, "/dev/kvm opens, API version 12");
	ok(p, ioctl(p->kvm, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PSCI_0_2) > 0,
	   "KVM offers PSCI 0.2 (KVM_CAP_ARM_PSCI_0_2)");
	p->vm = ioctl(p->kvm, KVM_CREATE_VM, 0);
	if (p->vm < 0)
		return fail_errno(p, "KVM_CREATE_VM");
	p->run_size = ioctl(p->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	return 0;
}

static int add_ram(struct probe *p)
{
	struct kvm_userspace_memory_region r = {
		.slot = 0,
		.guest_phys_addr = RAM_BASE,
		.memory_size = RAM_SIZE,
	};

	p->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p->ram == MAP_FAILED)
		return fail_errno(p, "mmap guest RAM");
	memcpy(p->ram, guest_code, sizeof(guest_code));
	r.userspace_addr = (uint64_t)(uintptr_t)p->ram;
	if (ioctl(p->vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return fail_errno(p, "KVM_SET_USER_MEMORY_REGION");
	return 0;
}

/* The GIC's frames are placed before any vCPU runs; its ITS beside it. */
static int create_gic(struct probe *p)
{
	uint64_t dist = GIC_DIST_BASE, redist = GIC_REDIST_BASE, its = GIC_ITS_BASE;

	p->gic = create_device(p, KVM_DEV_TYPE_ARM_VGIC_V3,
			       "KVM_CREATE_DEVICE: vGICv3");
	if (p->gic < 0)
		return p->gic;
	if (set_attr(p->gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_DIST, &dist) < 0)
		return fail_errno(p, "vGICv3 distributor address");
	if (set_attr(p->gic, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist) < 0)
		return fail_errno(p, "vGICv3 redistributor address");
	p->its = create_device(p, KVM_DEV_TYPE_ARM_VGIC_ITS,
			       "KVM_CREATE_DEVICE: vGICv3 ITS");
	if (p->its < 0)
		return p->its;
	if (set_attr(p->its, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_ITS_ADDR_TYPE, &its) < 0)
		return fail_errno(p, "ITS address");
	return 0;
}

static int set_pc(struct probe *p, uint64_t pc)
{
	struct kvm_one_reg reg = {
		.id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
		      KVM_REG_ARM_CORE_REG(regs.pc),
		.addr = (uint64_t)(uintptr_t)&pc,
	};

	return ioctl(p->vcpu, KVM_SET_ONE_REG, &reg);
}

static int create_vcpu(struct probe *p)
{
	struct kvm_vcpu_init init;

	p->vcpu = ioctl(p->vm, KVM_CREATE_VCPU, 0);
	if (p->vcpu < 0)
		return fail_errno(p, "KVM_CREATE_VCPU");
	if (ioctl(p->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return fail_errno(p, "KVM_ARM_PREFERRED_TARGET");
	init.features[0] |= 1U << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(p->vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return fail_errno(p, "KVM_ARM_VCPU_INIT with PSCI 0.2");
	ok(p, 1, "vCPU 0 initialised (KVM_ARM_VCPU_INIT, PSCI 0.2)");
	if (set_pc(p, RAM_BASE) < 0)
		return fail_errno(p, "KVM_SET_ONE_REG: PC");
	p->run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      p->vcpu, 0);
	if (p->run == MAP_FAILED)
		return fail_errno(p, "mmap of the vCPU's kvm_run");
	return 0;
}

/* Only once every vCPU exists: the redistributors are per vCPU. */
static int init_gic(struct probe *p)
{
	if (set_attr(p->gic, KVM_DEV_ARM_VGIC_GRP_CTRL,
		     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL) < 0)
		return fail_errno(p, "vGICv3 KVM_DEV_ARM_VGIC_CTRL_INIT");
	if (set_attr(p->its, KVM_DEV_ARM_VGIC_GRP_CTRL,
		     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL) < 0)
		return fail_errno(p, "ITS KVM_DEV_ARM_VGIC_CTRL_INIT");
	ok(p, 1, "vGICv3 and ITS initialised");
	return 0;
}

/* Run until the next exit that is not a signal's interruption. */
static int run_once(struct probe *p)
{
	while (ioctl(p->vcpu, KVM_RUN, 0) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			return fail_errno(p, "KVM_RUN");
	}
	return 0;
}

static const char *exit_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	case KVM_EXIT_SYSTEM_EVENT: return "KVM_EXIT_SYSTEM_EVENT";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	case KVM_EXIT_ARM_NISV: return "KVM_EXIT_ARM_NISV";
	default: return "another exit";
	}
}

/* The next exit must be an MMIO access of 4 bytes at @addr in @dir. */
static int expect_mmio(struct probe *p, uint64_t addr, int is_write,
		       uint32_t *data, const char *what)
{
	char line[160];
	struct kvm_run *r = p->run;
	uint32_t v;

	if (run_once(p))
		return -EIO;
	if (r->exit_reason != KVM_EXIT_MMIO || r->mmio.phys_addr != addr ||
	    r->mmio.is_write != is_write || r->mmio.len != 4) {
		printf("not ok - %s: got %s (%u)", what,
		       exit_name(r->exit_reason), r->exit_reason);
		if (r->exit_reason == KVM_EXIT_MMIO)
			printf(", %s of %u bytes at 0x%llx",
			       r->mmio.is_write ? "write" : "read", r->mmio.len,
			       (unsigned long long)r->mmio.phys_addr);
		printf(", expected a 4-byte %s at 0x%llx\n",
		       is_write ? "write" : "read", (unsigned long long)addr);
		p->failed = 1;
		return -EIO;
	}
	if (is_write) {
		memcpy(&v, r->mmio.data, sizeof(v));
		if (v != *data) {
			printf("not ok - %s: wrote 0x%x, expected 0x%x\n", what, v, *data);
			p->failed = 1;
			return -EIO;
		}
	} else {
		memcpy(r->mmio.data, data, sizeof(*data));
	}
	snprintf(line, sizeof(line), "%s (KVM_EXIT_MMIO, 0x%x)", what, *data);
	ok(p, 1, line);
	return 0;
}

static int run_guest(struct probe *p)
{
	uint32_t wrote = WRITE_VALUE, value = READ_VALUE;
	struct kvm_run *r = p->run;

	if (expect_mmio(p, MMIO_BASE, 1, &wrote, "guest writes to MMIO") ||
	    expect_mmio(p, MMIO_BASE, 0, &value, "guest reads MMIO") ||
	    expect_mmio(p, MMIO_BASE + 4, 1, &value,
			"guest writes back the value its read returned"))
		return -EIO;
	if (run_once(p))
		return -EIO;
	if (r->exit_reason != KVM_EXIT_SYSTEM_EVENT ||
	    r->system_event.type != KVM_SYSTEM_EVENT_SHUTDOWN) {
		printf("not ok - PSCI SYSTEM_OFF: got %s (%u)%s, expected a shutdown system event\n",
		       exit_name(r->exit_reason), r->exit_reason,
		       r->exit_reason == KVM_EXIT_SYSTEM_EVENT ?
		       " of another type" : "");
		p->failed = 1;
		return -EIO;
	}
	ok(p, 1, "guest's PSCI SYSTEM_OFF (HVC) ends the VM: KVM_SYSTEM_EVENT_SHUTDOWN");
	return 0;
}

int main(int argc, char **argv)
{
	struct probe p = { .kvm = -1, .vm = -1, .vcpu = -1, .gic = -1, .its = -1 };

	if (argc != 1) {
		fprintf(stderr, "usage: %s (no arguments): checks that /dev/kvm runs an arm64 guest\n",
			argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!open_vm(&p) && !add_ram(&p) && !create_gic(&p) &&
	    !create_vcpu(&p) && !init_gic(&p))
		run_guest(&p);
	printf("%s\n", p.failed ? "arm64-kvm-probe: FAILED" :
	       "arm64-kvm-probe: KVM runs an arm64 guest with a vGICv3 and an ITS");
	return p.failed ? 1 : 0;
}
