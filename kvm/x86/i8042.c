// SPDX-License-Identifier: GPL-2.0
/*
 * The i8042's command port, 0x64, for one command: 0xfe resets the machine
 * (what Linux's reboot=k writes). iovm has no keyboard, so every read says
 * "buffers empty", and Linux's i8042 options on the default command line
 * keep the driver from waiting on a controller that is not there.
 */
#include "../kvm.h"
#include "x86.h"

#define I8042_CMD_RESET		0xfe

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

int i8042_init(struct vm *vm)
{
	return io_bus_register(&vm->pio, 0x60, 5, i8042_io, vm, "i8042");
}
