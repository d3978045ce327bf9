// SPDX-License-Identifier: GPL-2.0
/*
 * The small devices that end a guest's life or time it. The test device
 * sits on x86 at I/O port 0x500 and on arm64 at an MMIO address (each
 * arch_layout.h says where); its registers, at offsets from there:
 *
 *  - test exit, +1: a byte written here ends iovm with that byte
 *    as its exit status. This is how a CI guest reports pass or fail.
 *  - test mark, +2: any write logs the wall time since iovm
 *    started (the guest's init does this to time the boot).
 *  - IOMMU report, +4, 32-bit accesses: writing an endpoint ID
 *    takes a snapshot of what the virtio-iommu knows of it; each read
 *    then returns the snapshot's next word: the faults found on it ever
 *    (low, high), its requests holding DMA now, the holds IOMMU requests
 *    (UNMAP, DETACH, ATTACH) have waited for ever, the number N of recent
 *    faults that follow (at most 16), then each fault's address (low,
 *    high), flags and reason, oldest first. All ones: no such endpoint,
 *    or no IOMMU. A guest test program counts the faults it caused from
 *    this, exactly: the guest kernel's own log of them is ratelimited.
 *  - IOMMU test gate, +8, 32-bit: writing an endpoint ID makes
 *    that endpoint's next batch of requests, translated and held, wait
 *    before moving data until an IOMMU request waits for them (10 s at
 *    most): the race between an UNMAP and DMA in flight, every time.
 *  - pvpanic (qemu,pvpanic-mmio): the guest kernel reports a panic, and
 *    iovm ends with IOVM_EXIT_PANIC rather than waiting forever.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "kvm.h"

#define PVPANIC_PANICKED	0x1
#define PVPANIC_CRASH_LOADED	0x2

static void test_io(void *opaque, uint64_t offset, uint8_t *data,
		    uint32_t len, bool is_write)
{
	struct vm *vm = opaque;
	char why[64];

	if (!is_write) {
		data[0] = 0;
		return;
	}
	if (offset == 0) {
		snprintf(why, sizeof(why), "guest test device: exit status %u",
			 data[0]);
		vm_request_exit(vm, data[0], why);
	} else {
		pr_info("guest mark after %.0f ms", vm_elapsed_ms(vm));
	}
}

#define REPORT_WORDS	(5 + 4 * VM_FAULTS_SHOWN)
#define ALL_ONES	0xffffffffU

struct testdev {
	struct vm *vm;
	pthread_mutex_t lock;		/* vCPUs may race on the cursor */
	uint32_t words[REPORT_WORDS];
	unsigned int nr_words, next;
};

static void report_snapshot(struct testdev *t, uint32_t endpoint)
{
	struct vm_iommu_report r;
	struct vm *vm = t->vm;
	uint32_t *w = t->words;
	unsigned int i;

	t->next = 0;
	if (!vm->iommu_report || vm->iommu_report(vm->iommu, endpoint, &r)) {
		t->nr_words = 0;
		return;
	}
	*w++ = (uint32_t)r.faults;
	*w++ = (uint32_t)(r.faults >> 32);
	*w++ = r.holds;
	*w++ = (uint32_t)r.holds_waited;
	*w++ = r.nr;
	for (i = 0; i < r.nr; i++) {
		*w++ = (uint32_t)r.recent[i].address;
		*w++ = (uint32_t)(r.recent[i].address >> 32);
		*w++ = r.recent[i].flags;
		*w++ = r.recent[i].reason;
	}
	t->nr_words = (unsigned int)(w - t->words);
}

static void iommu_io(void *opaque, uint64_t offset, uint8_t *data,
		     uint32_t len, bool is_write)
{
	struct testdev *t = opaque;
	struct vm *vm = t->vm;
	uint32_t v = ALL_ONES;

	if (len != 4 || (offset && offset != TESTDEV_GATE - TESTDEV_REPORT)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (is_write)
		memcpy(&v, data, 4);
	if (offset) {
		if (is_write && vm->iommu_gate)
			vm->iommu_gate(vm->iommu, v);
		else if (!is_write)
			memcpy(data, &v, 4);
		return;
	}
	pthread_mutex_lock(&t->lock);
	if (is_write) {
		report_snapshot(t, v);
	} else {
		/* Past the snapshot: all ones, like a port nobody claims. */
		if (t->next < t->nr_words)
			v = t->words[t->next++];
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&t->lock);
}

static void pvpanic_io(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write) {
		data[0] = offset ? 0 : PVPANIC_PANICKED | PVPANIC_CRASH_LOADED;
		return;
	}
	if (offset == 0 && (data[0] & PVPANIC_PANICKED))
		vm_request_exit(vm, IOVM_EXIT_PANIC, "guest kernel panicked");
	else if (offset == 0 && (data[0] & PVPANIC_CRASH_LOADED))
		pr_info("guest kernel crashed into its crash kernel");
}

int testdev_init(struct vm *vm, struct io_bus *bus, uint64_t base)
{
	struct testdev *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->vm = vm;
	pthread_mutex_init(&t->lock, NULL);
	vm->testdev = t;
	err = io_bus_register(bus, base + TESTDEV_EXIT, 2, test_io, vm,
			      "test-exit");
	if (!err)
		err = io_bus_register(bus, base + TESTDEV_REPORT,
				      TESTDEV_SIZE - TESTDEV_REPORT, iommu_io, t,
				      "test-iommu");
	return err;
}

void testdev_exit(struct vm *vm)
{
	if (!vm->testdev)
		return;
	pthread_mutex_destroy(&vm->testdev->lock);
	free(vm->testdev);
	vm->testdev = NULL;
}

int pvpanic_init(struct vm *vm, uint64_t base)
{
	return io_bus_register(&vm->mmio, base, SZ_4K, pvpanic_io, vm,
			       "pvpanic");
}
