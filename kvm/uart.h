/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The 16550A register model, apart from locking and I/O so that it can be
 * unit-tested on its own. kvm/uart.c wraps it into the COM1 device.
 */
#ifndef IOVM_KVM_UART_H
#define IOVM_KVM_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_FIFO_SIZE	16

struct uart_state {
	uint8_t ier, fcr, lcr, mcr, lsr, msr, scr, dll, dlm;
	bool thri_pending;
	uint8_t rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_tail;	/* free-running indices */
};

/* Bytes the guest transmitted during one access. */
struct uart_tx {
	uint8_t byte[8];
	unsigned int len;
};

void uart_state_reset(struct uart_state *s);
uint8_t uart_state_access(struct uart_state *s, unsigned int reg, uint8_t v,
			  bool is_write, struct uart_tx *tx);
bool uart_state_irq(const struct uart_state *s);
size_t uart_state_receive(struct uart_state *s, const uint8_t *buf,
			  size_t len);
bool uart_state_rx_full(const struct uart_state *s);

#endif
