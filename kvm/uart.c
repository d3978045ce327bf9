// SPDX-License-Identifier: GPL-2.0
/*
 * A 16550A UART, the guest's ttyS0: COM1 (I/O port 0x3f8) on x86, an MMIO
 * window on arm64, byte registers either way. Transmitted bytes go
 * straight to stdout; bytes typed on stdin wait in the receive FIFO until
 * the guest reads them. The interrupt output is a level (the IO-APIC pin or
 * GIC SPI is level-triggered in the machine's description), raised while any enabled condition
 * is pending, so an interrupt can neither be lost nor stick.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../log.h"
#include "arch.h"
#include "kvm.h"
#include "uart.h"

#define UART_RBR	0	/* read, DLAB=0 */
#define UART_THR	0	/* write, DLAB=0 */
#define UART_DLL	0	/* DLAB=1 */
#define UART_IER	1	/* DLAB=0 */
#define UART_DLM	1	/* DLAB=1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define IER_RDI		0x01	/* receive data available */
#define IER_THRI	0x02	/* transmit holding register empty */
#define IER_MSI		0x08	/* modem status */
#define IER_MASK	0x0f

#define IIR_NO_INT	0x01
#define IIR_MSI		0x00
#define IIR_THRI	0x02
#define IIR_RDI		0x04
#define IIR_FIFO_ON	0xc0

#define FCR_ENABLE	0x01
#define FCR_CLEAR_RCVR	0x02

#define LCR_DLAB	0x80

#define MCR_DTR		0x01
#define MCR_RTS		0x02
#define MCR_OUT1	0x04
#define MCR_OUT2	0x08
#define MCR_LOOP	0x10
#define MCR_MASK	0x1f

#define LSR_DR		0x01
#define LSR_OE		0x02
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

#define MSR_CTS		0x10
#define MSR_DSR		0x20
#define MSR_RI		0x40
#define MSR_DCD		0x80
#define MSR_DELTAS	0x0f

void uart_state_reset(struct uart_state *s)
{
	memset(s, 0, sizeof(*s));
	s->lsr = LSR_THRE | LSR_TEMT;
	/* Nothing is wired to the modem pins: a cable with carrier up. */
	s->msr = MSR_DCD | MSR_DSR | MSR_CTS;
	s->dll = 0x0c;		/* 9600 baud, as after a BIOS */
}

static bool rx_empty(const struct uart_state *s)
{
	return s->rx_head == s->rx_tail;
}

static unsigned int rx_count(const struct uart_state *s)
{
	return s->rx_tail - s->rx_head;
}

static bool rx_push(struct uart_state *s, uint8_t c)
{
	if (rx_count(s) == UART_FIFO_SIZE) {
		s->lsr |= LSR_OE;
		return false;
	}
	s->rx[s->rx_tail++ % UART_FIFO_SIZE] = c;
	s->lsr |= LSR_DR;
	return true;
}

static uint8_t rx_pop(struct uart_state *s)
{
	uint8_t c;

	if (rx_empty(s))
		return 0;
	c = s->rx[s->rx_head++ % UART_FIFO_SIZE];
	if (rx_empty(s))
		s->lsr &= ~LSR_DR;
	return c;
}

/* The highest-priority pending, enabled interrupt, as IIR reports it. */
static uint8_t uart_iir(const struct uart_state *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO_ON : 0;

	if ((s->ier & IER_RDI) && (s->lsr & LSR_DR))
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thri_pending)
		return fifo | IIR_THRI;
	if ((s->ier & IER_MSI) && (s->msr & MSR_DELTAS))
		return fifo | IIR_MSI;
	return fifo | IIR_NO_INT;
}

static uint8_t loopback_msr(uint8_t mcr)
{
	uint8_t msr = 0;

	if (mcr & MCR_RTS)
		msr |= MSR_CTS;
	if (mcr & MCR_DTR)
		msr |= MSR_DSR;
	if (mcr & MCR_OUT1)
		msr |= MSR_RI;
	if (mcr & MCR_OUT2)
		msr |= MSR_DCD;
	return msr;
}

static void uart_write_reg(struct uart_state *s, unsigned int reg,
			   uint8_t v, struct uart_tx *tx)
{
	switch (reg) {
	case UART_THR:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			break;
		}
		if (s->mcr & MCR_LOOP)
			rx_push(s, v);
		else
			tx->byte[tx->len++] = v;
		/* Sent at once: the holding register is empty again. */
		s->thri_pending = true;
		break;
	case UART_IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			break;
		}
		/* Enabling THRI while empty raises it, as on a real 16550. */
		if (!(s->ier & IER_THRI) && (v & IER_THRI))
			s->thri_pending = true;
		s->ier = v & IER_MASK;
		break;
	case UART_FCR:
		s->fcr = v & FCR_ENABLE;
		if (v & FCR_CLEAR_RCVR) {
			s->rx_head = s->rx_tail = 0;
			s->lsr &= ~LSR_DR;
		}
		break;
	case UART_LCR:
		s->lcr = v;
		break;
	case UART_MCR:
		s->mcr = v & MCR_MASK;
		if (s->mcr & MCR_LOOP)
			s->msr = (s->msr & MSR_DELTAS) | loopback_msr(s->mcr);
		else
			s->msr = MSR_DCD | MSR_DSR | MSR_CTS;
		break;
	case UART_SCR:
		s->scr = v;
		break;
	default:	/* LSR and MSR are read-only */
		break;
	}
}

static uint8_t uart_read_reg(struct uart_state *s, unsigned int reg)
{
	uint8_t v;

	switch (reg) {
	case UART_RBR:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		return rx_pop(s);
	case UART_IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case UART_IIR:
		v = uart_iir(s);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if ((v & 0x0f) == IIR_THRI)
			s->thri_pending = false;
		return v;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		v = s->lsr;
		s->lsr &= ~LSR_OE;	/* error bits clear on read */
		return v;
	case UART_MSR:
		v = s->msr;
		s->msr &= ~MSR_DELTAS;
		return v;
	case UART_SCR:
		return s->scr;
	}
	return 0xff;
}

uint8_t uart_state_access(struct uart_state *s, unsigned int reg, uint8_t v,
			  bool is_write, struct uart_tx *tx)
{
	if (is_write) {
		uart_write_reg(s, reg & 7, v, tx);
		return 0;
	}
	return uart_read_reg(s, reg & 7);
}

bool uart_state_irq(const struct uart_state *s)
{
	return (uart_iir(s) & IIR_NO_INT) == 0;
}

size_t uart_state_receive(struct uart_state *s, const uint8_t *buf,
			  size_t len)
{
	size_t i;

	/* In loopback the line is disconnected from the outside world. */
	if (s->mcr & MCR_LOOP)
		return len;
	for (i = 0; i < len && rx_count(s) < UART_FIFO_SIZE; i++)
		rx_push(s, buf[i]);
	return i;
}

bool uart_state_rx_full(const struct uart_state *s)
{
	return rx_count(s) == UART_FIFO_SIZE;
}

/* ---- the device: locking, the interrupt line, stdout ---- */

struct uart {
	struct vm *vm;
	pthread_mutex_t lock;
	struct uart_state s;
	unsigned int irq;
	bool irq_level;
	int space_efd;		/* signalled when the FIFO drains */
};

static void uart_update_irq(struct uart *u)
{
	bool level = uart_state_irq(&u->s);

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	arch_irq_line(u->vm, u->irq, level);
}

static void uart_io(void *opaque, uint64_t offset, uint8_t *data,
		    uint32_t len, bool is_write)
{
	struct uart *u = opaque;
	struct uart_tx tx = { .len = 0 };
	bool was_full;
	uint32_t i;

	pthread_mutex_lock(&u->lock);
	was_full = uart_state_rx_full(&u->s);
	for (i = 0; i < len && offset + i < 8; i++)
		data[i] = uart_state_access(&u->s, offset + i, data[i],
					    is_write, &tx);
	uart_update_irq(u);
	if (was_full && !uart_state_rx_full(&u->s)) {
		uint64_t one = 1;

		if (write(u->space_efd, &one, sizeof(one)) < 0)
			pr_debug("uart: eventfd write failed");
	}
	pthread_mutex_unlock(&u->lock);

	/* A closed stdout (EPIPE) must not stop the guest. */
	if (tx.len && write(STDOUT_FILENO, tx.byte, tx.len) < 0)
		pr_debug("uart: stdout write failed: %s", strerror(errno));
}

size_t uart_receive(struct uart *u, const uint8_t *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&u->lock);
	n = uart_state_receive(&u->s, buf, len);
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return n;
}

int uart_space_fd(struct uart *u)
{
	return u->space_efd;
}

int uart_init(struct vm *vm, struct io_bus *bus, uint64_t base,
	      unsigned int irq)
{
	struct uart *u = calloc(1, sizeof(*u));
	int err;

	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->irq = irq;
	pthread_mutex_init(&u->lock, NULL);
	uart_state_reset(&u->s);
	u->space_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->space_efd < 0) {
		err = -errno;
		free(u);
		return err;
	}
	err = io_bus_register(bus, base, 8, uart_io, u, "uart");
	if (err) {
		close(u->space_efd);
		free(u);
		return err;
	}
	vm->uart = u;
	return 0;
}

void uart_exit(struct vm *vm)
{
	struct uart *u = vm->uart;

	if (!u)
		return;
	close(u->space_efd);
	pthread_mutex_destroy(&u->lock);
	free(u);
	vm->uart = NULL;
}
