// SPDX-License-Identifier: GPL-2.0
/*
 * The 16550A model: what Linux's 8250 driver probes and relies on
 * (scratch, loopback, FIFO detection), transmit and receive, and the
 * interrupt level through each way it is raised and cleared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../kvm/uart.h"

static struct uart_tx tx;

static uint8_t rd(struct uart_state *s, unsigned int reg)
{
	return uart_state_access(s, reg, 0, false, &tx);
}

static void wr(struct uart_state *s, unsigned int reg, uint8_t v)
{
	uart_state_access(s, reg, v, true, &tx);
}

static void test_probe_sequence(void **state)
{
	struct uart_state s;

	uart_state_reset(&s);
	/* Scratch register holds what was written. */
	wr(&s, 7, 0xa5);
	assert_int_equal(rd(&s, 7), 0xa5);
	/* Loopback: MSR mirrors MCR's outputs (the driver checks 0x90). */
	wr(&s, 4, 0x10 | 0x0a);
	assert_int_equal(rd(&s, 6) & 0xf0, 0x90);
	wr(&s, 4, 0);
	/* FIFO enabled shows as 0xc0 in IIR: a 16550A. */
	wr(&s, 2, 0x01);
	assert_int_equal(rd(&s, 2) & 0xc0, 0xc0);
	/* Divisor latch is separate from IER/data. */
	wr(&s, 3, 0x80);
	wr(&s, 0, 0x01);
	wr(&s, 1, 0x00);
	assert_int_equal(rd(&s, 0), 0x01);
	wr(&s, 3, 0x03);
	assert_int_equal(rd(&s, 1), 0);
	assert_int_equal(tx.len, 0);		/* DLL write sent nothing */
}

static void test_transmit(void **state)
{
	struct uart_state s;

	uart_state_reset(&s);
	tx.len = 0;
	assert_true(rd(&s, 5) & 0x60);		/* THRE | TEMT */
	wr(&s, 0, 'h');
	wr(&s, 0, 'i');
	assert_int_equal(tx.len, 2);
	assert_memory_equal(tx.byte, "hi", 2);
	/* Loopback transmits into our own receiver, not to stdout. */
	tx.len = 0;
	wr(&s, 4, 0x10);
	wr(&s, 0, 'x');
	assert_int_equal(tx.len, 0);
	assert_true(rd(&s, 5) & 0x01);
	assert_int_equal(rd(&s, 0), 'x');
}

static void test_receive_and_overrun(void **state)
{
	struct uart_state s;
	uint8_t buf[40];
	unsigned int i;

	uart_state_reset(&s);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 'a' + i;
	/* Only a FIFO's worth is taken; the caller keeps the rest. */
	assert_int_equal(uart_state_receive(&s, buf, sizeof(buf)),
			 UART_FIFO_SIZE);
	assert_true(uart_state_rx_full(&s));
	assert_int_equal(uart_state_receive(&s, buf, 1), 0);
	for (i = 0; i < UART_FIFO_SIZE; i++) {
		assert_true(rd(&s, 5) & 0x01);
		assert_int_equal(rd(&s, 0), 'a' + i);
	}
	assert_false(rd(&s, 5) & 0x01);
	assert_int_equal(rd(&s, 0), 0);		/* empty FIFO reads 0 */
	/* FCR can flush what is waiting. */
	uart_state_receive(&s, buf, 3);
	wr(&s, 2, 0x03);
	assert_false(rd(&s, 5) & 0x01);
}

static void test_interrupts(void **state)
{
	struct uart_state s;
	const uint8_t c = 'q';

	uart_state_reset(&s);
	assert_false(uart_state_irq(&s));
	/* Data pending but RDI masked: no interrupt. */
	uart_state_receive(&s, &c, 1);
	assert_false(uart_state_irq(&s));
	wr(&s, 1, 0x01);
	assert_true(uart_state_irq(&s));
	assert_int_equal(rd(&s, 2) & 0x0f, 0x04);
	assert_int_equal(rd(&s, 0), 'q');	/* reading data clears it */
	assert_false(uart_state_irq(&s));

	/* THRI: raised when enabled while empty, cleared by an IIR read. */
	wr(&s, 1, 0x03);
	assert_true(uart_state_irq(&s));
	assert_int_equal(rd(&s, 2) & 0x0f, 0x02);
	assert_false(uart_state_irq(&s));
	/* ...and raised again after each transmitted byte. */
	wr(&s, 0, 'z');
	assert_true(uart_state_irq(&s));
	/* Receive outranks transmit in IIR. */
	uart_state_receive(&s, &c, 1);
	assert_int_equal(rd(&s, 2) & 0x0f, 0x04);
	rd(&s, 0);
	assert_int_equal(rd(&s, 2) & 0x0f, 0x02);
	assert_int_equal(rd(&s, 2) & 0x0f, 0x01);
	/* Masking everything drops the line. */
	wr(&s, 0, 'z');
	wr(&s, 1, 0);
	assert_false(uart_state_irq(&s));
}

static void test_register_offsets_wrap(void **state)
{
	struct uart_state s;

	uart_state_reset(&s);
	/* A bogus offset is reduced to the 8 registers, never out of range. */
	wr(&s, 7 + 8, 0x42);
	assert_int_equal(rd(&s, 7), 0x42);
	assert_int_equal(rd(&s, 0xffff), 0x42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_sequence),
		cmocka_unit_test(test_transmit),
		cmocka_unit_test(test_receive_and_overrun),
		cmocka_unit_test(test_interrupts),
		cmocka_unit_test(test_register_offsets_wrap),
	};

	return cmocka_run_group_tests_name("uart", tests, NULL, NULL);
}
