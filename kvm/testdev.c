// SPDX-License-Identifier: GPL-2.0
/*
 * The small devices that end a guest's life or time it:
 *
 *  - i8042 command port 0x64: the guest writes 0xfe to reset (reboot=k).
 *    iovm has no keyboard, so reads say "buffers empty".
 *  - test exit, port 0x501: a byte written here ends iovm with that byte
 *    as its exit status. This is how a CI guest reports pass or fail.
 *  - test mark, port 0x502: any write logs the wall time since iovm
 *    started (the guest's init does this to time the boot).
 *  - pvpanic (qemu,pvpanic-mmio): the guest kernel reports a panic, and
 *    iovm ends with IOVM_EXIT_PANIC rather than waiting forever.
 */
#include <stdio.h>

#include "../log.h"
#include "kvm.h"

#define I8042_CMD_RESET		0xfe
#define PVPANIC_PANICKED	0x1
#define PVPANIC_CRASH_LOADED	0x2

static void i8042_io(void *opaque, uint64_t offset, uint8_t *data,
		     uint32_t len, bool is_write)
{
	struct vm *vm = opaque;

	if (!is_write) {
		data[0] = 0;	/* status: output and input buffers empty */
		return;
	}
	if (offset == PORT_I8042_CMD - 0x60 && data[0] == I8042_CMD_RESET)
		vm_request_exit(vm, IOVM_EXIT_OK, "guest rebooted");
}

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

int testdev_init(struct vm *vm)
{
	int err;

	err = io_bus_register(&vm->pio, 0x60, 5, i8042_io, vm, "i8042");
	if (!err)
		err = io_bus_register(&vm->pio, PORT_TEST_EXIT, 2, test_io, vm,
				      "test-exit");
	return err;
}

int pvpanic_init(struct vm *vm, uint64_t base)
{
	return io_bus_register(&vm->mmio, base, SZ_4K, pvpanic_io, vm,
			       "pvpanic");
}
