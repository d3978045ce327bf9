// SPDX-License-Identifier: GPL-2.0
/*
 * The VM: KVM set-up, RAM, the in-kernel irqchip, the guest image and its
 * boot structures, the vCPUs, and an orderly stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../log.h"
#include "arch.h"
#include "kvm.h"
#include "pci.h"
#include "vcpu.h"

/* xAPIC IDs and CPUID's 8-bit logical processor count. */
#define IOVM_MAX_VCPUS		255

/* vm_stop(): how often it kicks a vCPU that has not stopped; when it names it */
#define VM_STOP_REKICK_MS	100
#define VM_STOP_WARN_MS		5000

const char *kvm_device_path(void)
{
	const char *dev = getenv("IOVM_KVM_DEVICE");

	return dev && *dev ? dev : "/dev/kvm";
}

static int kvm_open(struct vm *vm)
{
	const char *dev = kvm_device_path();
	int version;

	vm->kvm_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0) {
		int err = -errno;

		pr_err("cannot open %s: %s (is KVM enabled in the BIOS and the kvm module loaded, and may this user open it?)",
		       dev, strerror(errno));
		return err;
	}
	version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		pr_err("%s: KVM API version %d, iovm needs %d", dev, version,
		       KVM_API_VERSION);
		return -ENOTSUP;
	}
	return 0;
}

static int kvm_max_vcpus(struct vm *vm)
{
	int n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (n <= 0)
		n = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	if (n <= 0)
		n = 4;	/* the documented default when neither is reported */
	return n < IOVM_MAX_VCPUS ? n : IOVM_MAX_VCPUS;
}

static int kvm_require(struct vm *vm, int cap, const char *name)
{
	if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, cap) > 0)
		return 0;
	pr_err("KVM lacks %s, which iovm needs", name);
	return -ENOTSUP;
}

static int vm_create_kvm(struct vm *vm)
{
	int err;

	err = kvm_require(vm, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP");
	if (!err)
		err = kvm_require(vm, KVM_CAP_USER_MEMORY,
				  "KVM_CAP_USER_MEMORY");
	if (err)
		return err;
	do {
		vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, arch_vm_type(vm));
	} while (vm->vm_fd < 0 && errno == EINTR);
	if (vm->vm_fd < 0) {
		err = -errno;
		pr_err("KVM_CREATE_VM: %s", strerror(errno));
		return err;
	}
	return arch_vm_create(vm);
}

static int vm_set_slot(struct vm *vm, uint32_t slot, uint64_t gpa,
		       uint64_t size, void *host)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		return -errno;
	return 0;
}

static int vm_init_memory(struct vm *vm)
{
	int err = guest_mem_init(&vm->mem, vm->cfg->mem_size);

	if (err)
		pr_err("cannot map %llu MiB of guest RAM: %s",
		       (unsigned long long)(vm->cfg->mem_size >> 20),
		       strerror(-err));
	return err;
}

static int vm_map_memory(struct vm *vm)
{
	struct guest_mem *mem = &vm->mem;
	int err;

	err = vm_set_slot(vm, 0, 0, mem->low_size, mem->host);
	if (!err && guest_mem_high_size(mem))
		err = vm_set_slot(vm, 1, SZ_4G, guest_mem_high_size(mem),
				  mem->host + mem->low_size);
	if (err)
		pr_err("KVM_SET_USER_MEMORY_REGION: %s", strerror(-err));
	return err;
}

int vm_alloc_device(struct vm *vm, uint64_t *mmio_base, unsigned int *irq)
{
	if (vm->next_mmio + SZ_4K > DEVICE_MMIO_BASE + DEVICE_MMIO_SIZE)
		return -ENOSPC;
	if (irq && vm->next_irq >= DEVICE_IRQ_END)
		return -ENOSPC;
	*mmio_base = vm->next_mmio;
	vm->next_mmio += SZ_4K;
	if (irq)
		*irq = vm->next_irq++;
	return 0;
}

static size_t uart_console_in(void *opaque, const uint8_t *buf, size_t len)
{
	return uart_receive(opaque, buf, len);
}

static int vm_init_devices(struct vm *vm)
{
	struct machine_dev panic = { .kind = MACHINE_DEV_PVPANIC, .irq = -1,
				     .iommu_endpoint = -1, .size = SZ_4K };
	int err;

	err = arch_vm_init_devices(vm);
	if (!err)
		err = vm_alloc_device(vm, &panic.base, NULL);
	if (!err)
		err = pvpanic_init(vm, panic.base);
	if (!err)
		err = machine_add_dev(&vm->machine, &panic);
	if (err) {
		pr_err("cannot set up the legacy devices: %s", strerror(-err));
		return err;
	}
	vm->console_in = uart_console_in;
	vm->console_in_opaque = vm->uart;
	vm->console_space_fd = uart_space_fd(vm->uart);
	return 0;
}

static char *vm_cmdline(const struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	const char *console = cfg->console == CONSOLE_VIRTIO ?
			      "console=hvc0" : "console=ttyS0";
	const char *params = cfg->params ? cfg->params : "";
	char *arch = arch_cmdline(vm, vm->pci), *s;

	if (!arch)
		return NULL;
	if (asprintf(&s, "%s%s%s%s%s", console, *arch ? " " : "", arch,
		     *params ? " " : "", params) < 0)
		s = NULL;
	free(arch);
	return s;
}

static int vm_load_guest(struct vm *vm, uint64_t *entry)
{
	char *cmdline = vm_cmdline(vm);
	int err;

	if (!cmdline)
		return -ENOMEM;
	err = arch_vm_load_guest(vm, cmdline, entry);
	pr_debug("command line: %s", cmdline);
	free(cmdline);
	return err;
}

static int vm_create_vcpus(struct vm *vm, uint64_t entry)
{
	unsigned int i;
	int err = 0;

	vm->vcpus = calloc(vm->nr_cpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return -ENOMEM;
	for (i = 0; i < vm->nr_cpus; i++)
		vm->vcpus[i].fd = -1;
	for (i = 0; i < vm->nr_cpus && !err; i++) {
		err = vcpu_create(vm, &vm->vcpus[i], i);
		if (err)
			pr_err("cannot create vCPU %u: %s", i, strerror(-err));
	}
	if (!err)
		err = arch_vm_finish(vm, entry);
	return err;
}

static void kick_handler(int sig)
{
	(void)sig;	/* only here to make KVM_RUN return with EINTR */
}

int vm_create(struct vm **out, const struct vm_config *cfg)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	struct vm *vm;
	sigset_t kick;
	int err;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	clock_gettime(CLOCK_MONOTONIC, &vm->start);
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = vm->control_fd = -1;
	vm->gic_fd = vm->its_fd = -1;
	vm->nr_cpus = cfg->nr_cpus;
	vm->next_mmio = DEVICE_MMIO_BASE;
	vm->next_irq = FIRST_DEVICE_IRQ;
	vm->stop_warn_ms = VM_STOP_WARN_MS;
	vm->exit_efd = eventfd(0, EFD_CLOEXEC);
	pthread_mutex_init(&vm->park_lock, NULL);
	pthread_cond_init(&vm->park_cond, NULL);
	pthread_mutex_init(&vm->msi.lock, NULL);
	*out = vm;
	if (vm->exit_efd < 0)
		return -errno;
	/*
	 * The kick is for vCPU threads, and only inside KVM_RUN: block it
	 * here, before any thread exists, so every thread inherits that.
	 */
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);

	/*
	 * Everything that only reads the user's files comes before KVM, so a
	 * bad kernel, initrd or disk is reported as such on any host.
	 */
	err = vm_init_memory(vm);
	if (!err)
		err = vm_init_devices(vm);
	return err;
}

int vm_add_device(struct vm *vm, const struct vm_device *dev)
{
	if (vm->nr_devices == VM_MAX_DEVICES)
		return -ENOSPC;
	vm->devices[vm->nr_devices++] = *dev;
	return 0;
}

int vm_prepare(struct vm *vm)
{
	uint64_t entry = 0;
	int max, err;

	err = vm_load_guest(vm, &entry);
	if (!err)
		err = kvm_open(vm);
	if (err)
		return err;
	max = kvm_max_vcpus(vm);
	if (vm->nr_cpus > (unsigned int)max) {
		pr_err("-c %u: KVM on this host allows at most %d vCPUs",
		       vm->nr_cpus, max);
		return -EINVAL;
	}
	err = vm_create_kvm(vm);
	if (!err)
		err = vm_map_memory(vm);
	if (!err)
		err = vm_create_vcpus(vm, entry);
	return err;
}

int vm_start(struct vm *vm)
{
	unsigned int i;
	int err;

	for (i = 0; i < vm->nr_devices; i++) {
		err = vm->devices[i].start(vm->devices[i].opaque);
		if (err) {
			vm_request_exit(vm, IOVM_EXIT_ERROR, "device start failed");
			return err;
		}
	}
	for (i = 0; i < vm->nr_cpus; i++) {
		err = vcpu_start(&vm->vcpus[i]);
		if (err) {
			pr_err("cannot start vCPU %u: %s", i, strerror(-err));
			vm_request_exit(vm, IOVM_EXIT_ERROR, "start failed");
			return err;
		}
	}
	return 0;
}

void vm_request_exit(struct vm *vm, int status, const char *why)
{
	bool expected = false;
	uint64_t one = 1;

	if (!atomic_compare_exchange_strong(&vm->stopping, &expected, true))
		return;
	vm->exit_status = status;
	if (why)
		pr_info("%s", why);
	if (write(vm->exit_efd, &one, sizeof(one)) < 0)
		pr_err("cannot signal VM exit: %s", strerror(errno));
}

void vm_vcpu_park(struct vm *vm)
{
	pthread_mutex_lock(&vm->park_lock);
	vm->nr_parked++;
	pthread_cond_broadcast(&vm->park_cond);
	while (atomic_load(&vm->paused) && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->park_cond, &vm->park_lock);
	vm->nr_parked--;
	pthread_mutex_unlock(&vm->park_lock);
}

int vm_pause(struct vm *vm)
{
	unsigned int i;

	if (atomic_exchange(&vm->paused, true))
		return -EALREADY;
	for (i = 0; i < vm->nr_cpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	pthread_mutex_lock(&vm->park_lock);
	while (vm->nr_parked < vm->nr_cpus && !atomic_load(&vm->stopping))
		pthread_cond_wait(&vm->park_cond, &vm->park_lock);
	pthread_mutex_unlock(&vm->park_lock);
	arch_vm_paused(vm);
	return 0;
}

int vm_resume(struct vm *vm)
{
	if (!atomic_exchange(&vm->paused, false))
		return -EALREADY;
	pthread_mutex_lock(&vm->park_lock);
	pthread_cond_broadcast(&vm->park_cond);
	pthread_mutex_unlock(&vm->park_lock);
	return 0;
}

/*
 * Wait for @vcpu's thread, kicking it again every VM_STOP_REKICK_MS, as a
 * kick that came to nothing would otherwise keep iovm from exiting without
 * a word. One that has not stopped after vm->stop_warn_ms is named, with
 * what it was doing, once; then the wait goes on (a second SIGINT or
 * SIGTERM forces the exit).
 */
static void vm_join_vcpu(struct vm *vm, struct vcpu *vcpu)
{
	unsigned int waited = 0;
	char where[96];

	while (vcpu_join_timed(vcpu, VM_STOP_REKICK_MS)) {
		vcpu_kick(vcpu);
		waited += VM_STOP_REKICK_MS;
		if (waited < vm->stop_warn_ms ||
		    waited - VM_STOP_REKICK_MS >= vm->stop_warn_ms)
			continue;
		vcpu_where(vcpu, where, sizeof(where));
		pr_warn("vcpu%u has not stopped %.1f s after the guest's stop: %s; kicking it every %d ms",
			vcpu->id, waited / 1000.0, where, VM_STOP_REKICK_MS);
	}
}

int vm_stop(struct vm *vm)
{
	unsigned int i;

	/* Parked vCPUs must see the stop too. */
	pthread_mutex_lock(&vm->park_lock);
	pthread_cond_broadcast(&vm->park_cond);
	pthread_mutex_unlock(&vm->park_lock);

	for (i = 0; i < vm->nr_cpus && vm->vcpus; i++)
		vcpu_kick(&vm->vcpus[i]);
	for (i = 0; i < vm->nr_cpus && vm->vcpus; i++)
		vm_join_vcpu(vm, &vm->vcpus[i]);
	/* No vCPU runs now: device threads can stop without a late kick. */
	for (i = vm->nr_devices; i-- > 0;)
		if (vm->devices[i].stop)
			vm->devices[i].stop(vm->devices[i].opaque);
	return vm->exit_status;
}

void vm_destroy(struct vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	for (i = 0; i < vm->nr_cpus && vm->vcpus; i++)
		vcpu_destroy(&vm->vcpus[i]);
	free(vm->vcpus);
	uart_exit(vm);
	testdev_exit(vm);
	pci_host_destroy(vm->pci);
	control_close(vm);
	guest_mem_free(&vm->mem);
	if (vm->its_fd >= 0)
		close(vm->its_fd);
	if (vm->gic_fd >= 0)
		close(vm->gic_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	if (vm->exit_efd >= 0)
		close(vm->exit_efd);
	free(vm);
}

double vm_elapsed_ms(const struct vm *vm)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - vm->start.tv_sec) * 1e3 +
	       (now.tv_nsec - vm->start.tv_nsec) / 1e6;
}

uint64_t vm_ram_checksum(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL, i;

	for (i = 0; i < len; i++) {
		const uint8_t *p = guest_mem_ptr(&vm->mem, gpa + i, 1);

		h ^= p ? *p : 0;
		h *= 0x100000001b3ULL;
	}
	return h;
}
