// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X table, pending bits and delivery: see msix.h.
 */
#include <pthread.h>
#include <string.h>

#include "../log.h"
#include "msix.h"

/* The fields of a table entry, by dword. */
enum { E_ADDR_LO, E_ADDR_HI, E_DATA, E_CTRL };

static uint64_t entry_addr(const struct msix_entry *e)
{
	return (uint64_t)e->addr_hi << 32 | e->addr_lo;
}

static void reset_locked(struct msix *m);

void msix_init(struct msix *m, const char *name, unsigned int nr,
	       const struct dma_space *dma, const struct msix_ops *ops,
	       void *opaque)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->name = name;
	m->nr = nr < MSIX_MAX_VECTORS ? nr : MSIX_MAX_VECTORS;
	m->dma = dma;
	m->ops = ops;
	m->opaque = opaque;
	reset_locked(m);
}

void msix_exit(struct msix *m)
{
	pthread_mutex_destroy(&m->lock);
}

/* Route @vec as its message says, now that something of it changed. */
static void update_route(struct msix *m, unsigned int vec)
{
	const struct msix_entry *e = &m->table[vec];

	m->ops->route(m->opaque, vec,
		      m->enabled && dma_is_msi(m->dma, entry_addr(e), 4),
		      entry_addr(e), e->data);
}

static void reset_locked(struct msix *m)
{
	unsigned int v;

	m->enabled = m->masked = false;
	m->pending = 0;
	for (v = 0; v < m->nr; v++) {
		m->table[v] = (struct msix_entry){ .ctrl = MSIX_VECTOR_MASKED };
		update_route(m, v);
	}
}

void msix_reset(struct msix *m)
{
	pthread_mutex_lock(&m->lock);
	reset_locked(m);
	pthread_mutex_unlock(&m->lock);
}

bool msix_pending(struct msix *m)
{
	bool p;

	pthread_mutex_lock(&m->lock);
	p = m->pending != 0;
	pthread_mutex_unlock(&m->lock);
	return p;
}

static bool held(const struct msix *m, unsigned int vec)
{
	return m->masked || (m->table[vec].ctrl & MSIX_VECTOR_MASKED) ||
	       !dma_enabled(m->dma);
}

/*
 * The message leaves the function. In the MSI window it is an interrupt;
 * elsewhere a 4-byte DMA write of its data, held like a request's access
 * so that an UNMAP waits for it, refused (and reported by the IOMMU) when
 * nothing maps it there.
 */
static void deliver(struct msix *m, unsigned int vec)
{
	const struct msix_entry *e = &m->table[vec];
	uint64_t addr = entry_addr(e);
	uint8_t data[4];
	int token;

	if (dma_is_msi(m->dma, addr, sizeof(data))) {
		m->sent++;
		m->ops->signal(m->opaque, vec);
		return;
	}
	memcpy(data, &e->data, sizeof(data));	/* little-endian, as on PCI */
	token = dma_hold(m->dma);
	dma_hold_record(m->dma, token);
	if (dma_write(m->dma, addr, data, sizeof(data))) {
		m->refused++;
		pr_debug("%s: MSI-X vector %u: message to 0x%llx, outside the MSI window: a DMA write, refused",
			 m->name, vec, (unsigned long long)addr);
	} else {
		m->to_memory++;
		pr_debug("%s: MSI-X vector %u: message to 0x%llx, outside the MSI window: written to memory, no interrupt",
			 m->name, vec, (unsigned long long)addr);
	}
	dma_hold_record(m->dma, DMA_NO_HOLD);
	dma_release(m->dma, token);
}

void msix_notify(struct msix *m, unsigned int vec)
{
	pthread_mutex_lock(&m->lock);
	if (vec < m->nr && m->enabled) {
		if (held(m, vec))
			m->pending |= 1ULL << vec;
		else
			deliver(m, vec);
	}
	pthread_mutex_unlock(&m->lock);
}

void msix_resume(struct msix *m)
{
	unsigned int v;

	pthread_mutex_lock(&m->lock);
	for (v = 0; m->enabled && v < m->nr; v++) {
		if (!(m->pending & (1ULL << v)) || held(m, v))
			continue;
		m->pending &= ~(1ULL << v);
		deliver(m, v);
	}
	pthread_mutex_unlock(&m->lock);
}

/* A vCPU let something go: the device's thread sends what may go now. */
static void kick_if_pending(struct msix *m)
{
	unsigned int v;

	for (v = 0; m->enabled && v < m->nr; v++) {
		if ((m->pending & (1ULL << v)) && !held(m, v)) {
			m->ops->kick(m->opaque);
			return;
		}
	}
}

void msix_control(struct msix *m, uint16_t ctrl)
{
	bool enabled = ctrl & MSIX_CTRL_ENABLE;
	unsigned int v;

	pthread_mutex_lock(&m->lock);
	m->masked = ctrl & MSIX_CTRL_MASKALL;
	if (enabled != m->enabled) {
		m->enabled = enabled;
		for (v = 0; v < m->nr; v++)
			update_route(m, v);
	}
	kick_if_pending(m);
	pthread_mutex_unlock(&m->lock);
}

/*
 * A route follows its entry while the entry is unmasked: Linux masks an
 * entry while it rewrites the message (PCI 3.0 asks it to), so the route
 * changes once, at the unmask, not at each of the three dwords.
 */
static void entry_write(struct msix *m, unsigned int vec, unsigned int field,
			uint32_t v)
{
	struct msix_entry *e = &m->table[vec];
	bool was_masked = e->ctrl & MSIX_VECTOR_MASKED;

	switch (field) {
	case E_ADDR_LO:
		e->addr_lo = v & ~3u;	/* dword aligned: bits 1:0 are zero */
		break;
	case E_ADDR_HI:
		e->addr_hi = v;
		break;
	case E_DATA:
		e->data = v;
		break;
	case E_CTRL:
		e->ctrl = v & MSIX_VECTOR_MASKED;	/* the rest is reserved */
		if (was_masked && !(e->ctrl & MSIX_VECTOR_MASKED)) {
			update_route(m, vec);
			kick_if_pending(m);
		}
		return;
	}
	if (!was_masked)
		update_route(m, vec);
}

static uint32_t entry_read(const struct msix *m, unsigned int vec,
			   unsigned int field)
{
	const struct msix_entry *e = &m->table[vec];

	switch (field) {
	case E_ADDR_LO:
		return e->addr_lo;
	case E_ADDR_HI:
		return e->addr_hi;
	case E_DATA:
		return e->data;
	}
	return e->ctrl;
}

/* Only whole, aligned dwords and qwords (PCI 3.0, 6.8.2). */
static bool access_ok(uint64_t off, uint32_t len, uint64_t size)
{
	return (len == 4 || len == 8) && !(off % len) && off < size &&
	       len <= size - off;
}

void msix_table_access(struct msix *m, uint64_t off, uint8_t *data,
		       uint32_t len, bool is_write)
{
	uint32_t i, v;

	if (!access_ok(off, len, (uint64_t)m->nr * MSIX_ENTRY_SIZE)) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&m->lock);
	/* A qword is two dwords of one entry, low first. */
	for (i = 0; i < len; i += 4) {
		uint64_t at = off + i;
		unsigned int vec = (unsigned int)(at / MSIX_ENTRY_SIZE);
		unsigned int field = (unsigned int)(at % MSIX_ENTRY_SIZE) / 4;

		if (is_write) {
			memcpy(&v, data + i, 4);
			entry_write(m, vec, field, v);
		} else {
			v = entry_read(m, vec, field);
			memcpy(data + i, &v, 4);
		}
	}
	pthread_mutex_unlock(&m->lock);
}

void msix_pba_access(struct msix *m, uint64_t off, uint8_t *data,
		     uint32_t len, bool is_write)
{
	uint64_t bits;

	/* Read-only; one qword holds all of our bits, the rest read 0. */
	if (is_write)
		return;
	if (!access_ok(off, len, 8)) {
		memset(data, 0, len);
		return;
	}
	pthread_mutex_lock(&m->lock);
	bits = m->pending >> (8 * off);
	pthread_mutex_unlock(&m->lock);
	memcpy(data, &bits, len);
}
