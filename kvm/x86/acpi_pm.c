// SPDX-License-Identifier: GPL-2.0
/*
 * The power registers the FADT points a hardware-reduced ACPI guest at:
 * sleep control (power-off), sleep status, and reset. A guest's
 * `poweroff` and an ACPI reset (reboot=a) end iovm with status 0, as a
 * reboot through the i8042 does (kvm/testdev.c).
 */
#include <string.h>

#include "../../log.h"
#include "../kvm.h"
#include "acpi.h"
#include "x86.h"

/* Sleep control register (ACPI 6.5, 4.8.3.7): SLP_TYPx in bits 4:2. */
#define SLP_EN		(1u << 5)
#define SLP_TYP(v)	(((v) >> 2) & 0x7)

enum acpi_pm_request acpi_pm_decode(const struct machine_desc *m,
				    uint16_t port, uint8_t value)
{
	if (!m->power.present)
		return ACPI_PM_NOTHING;
	if (port == m->power.sleep_control && (value & SLP_EN) &&
	    SLP_TYP(value) == MACHINE_SLEEP_TYPE_S5)
		return ACPI_PM_POWER_OFF;
	if (port == m->power.reset && value == m->power.reset_value)
		return ACPI_PM_RESET;
	return ACPI_PM_NOTHING;
}

static void acpi_pm_io(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t len, bool is_write)
{
	struct vm *vm = opaque;
	uint16_t port = (uint16_t)(PORT_ACPI_PM + offset);

	if (!is_write) {
		/* No wake status to report: the guest never sleeps. */
		memset(data, 0, len);
		return;
	}
	if (len != 1)
		return;
	switch (acpi_pm_decode(&vm->machine, port, data[0])) {
	case ACPI_PM_POWER_OFF:
		vm_request_exit(vm, IOVM_EXIT_OK, "guest powered off");
		break;
	case ACPI_PM_RESET:
		vm_request_exit(vm, IOVM_EXIT_OK,
				"guest rebooted (ACPI reset register)");
		break;
	case ACPI_PM_NOTHING:
		pr_debug("ACPI power register 0x%x: 0x%02x ignored", port,
			 data[0]);
		break;
	}
}

int acpi_pm_init(struct vm *vm)
{
	struct machine_desc *m = &vm->machine;

	m->power.present = true;
	m->power.sleep_control = PORT_ACPI_PM + 0;
	m->power.sleep_status = PORT_ACPI_PM + 1;
	m->power.reset = PORT_ACPI_PM + 2;
	m->power.reset_value = 1;
	return io_bus_register(&vm->pio, PORT_ACPI_PM, PORT_ACPI_PM_LEN,
			       acpi_pm_io, vm, "acpi-pm");
}
