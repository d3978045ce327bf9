/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The DMA accessor: the one way a device touches guest memory.
 *
 * Every address a device gets from the guest (ring addresses, buffer
 * addresses) is a device address. A dma_space says how one device sees
 * memory: identity (device address = guest-physical) or through an IOMMU
 * translator that checks the mapping and its permission. Devices never
 * turn a guest address into a host pointer themselves.
 */
#ifndef IOVM_VIRTIO_DMA_H
#define IOVM_VIRTIO_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../kvm/kvm.h"

enum dma_dir {
	DMA_FROM_GUEST = 1,	/* the device reads guest memory */
	DMA_TO_GUEST = 2,	/* the device writes guest memory */
};

/*
 * Translate device address @addr for an access of up to @len bytes. On
 * success sets *gpa and *contig (bytes valid from @addr, 1..len). On a
 * miss or a permission failure returns a negative errno (and the
 * translator reports the fault).
 */
typedef int (*dma_translate_fn)(void *opaque, uint64_t addr, uint64_t len,
				enum dma_dir dir, uint64_t *gpa,
				uint64_t *contig);

/*
 * Holds bracket the life of a request whose buffers were mapped: from
 * before its first translation until the device is done with the host
 * pointers. While a hold records, the translator notes every range it
 * translates; an UNMAP waits for the holds that reached what it removes
 * (a DETACH for all of the endpoint's) before it completes, so no access
 * through a removed mapping outlives it, and requests elsewhere in the
 * IOVA space do not delay it. A hold returns a token for the other two.
 */
#define DMA_NO_HOLD	(-1)

typedef int (*dma_hold_fn)(void *opaque);
/* Record translations into @token's hold from now on; DMA_NO_HOLD: stop. */
typedef void (*dma_record_fn)(void *opaque, int token);
typedef void (*dma_release_fn)(void *opaque, int token);

/*
 * A translator's long-lived view of [addr, addr + len), for memory a
 * device keeps using (its rings): the range must lie in one mapping. Sets
 * *gpa, *dirs (the DMA_* directions the mapping allows) and *gen, a
 * counter that changes when an UNMAP or DETACH may have removed any of
 * the range; *seen is its value now. Returns 0, or a negative errno when
 * there is no such view (no fault is reported: the access will, if made).
 */
typedef int (*dma_view_fn)(void *opaque, uint64_t addr, uint64_t len,
			   uint64_t *gpa, unsigned int *dirs,
			   const unsigned int **gen, unsigned int *seen);

/*
 * A test gate (the test device arms it, see kvm/testdev.c): a device
 * calls it when a batch of requests, translated and held, is about to
 * move data. Armed for this space, it blocks until an IOMMU request waits
 * for the DMA in flight (a few seconds at most), so that a test's UNMAP
 * races DMA every time, not only when the backend happens to be slow.
 */
typedef void (*dma_gate_fn)(void *opaque);

struct dma_space {
	const struct guest_mem *mem;
	dma_translate_fn translate;	/* NULL: identity */
	dma_hold_fn hold;		/* these four NULL with identity */
	dma_record_fn record;
	dma_release_fn release;
	dma_gate_fn gate;
	dma_view_fn view;		/* NULL: no views through translate */
	void *opaque;
	/*
	 * Where a write of the device is an interrupt message, not memory:
	 * [msi_base, msi_base + msi_size) of the device's addresses. With
	 * identity, the platform's MSI window; behind the virtio-iommu, the
	 * region its PROBE reserves for MSIs (RESV_MEM, MSI), which it does
	 * not translate. A message anywhere else is a DMA write like any
	 * other (msix.c). 0 bytes: no window.
	 */
	uint64_t msi_base, msi_size;
	/*
	 * A PCI function's Bus Master Enable (__atomic_*): while it is
	 * clear the device reaches no memory, through the accessor or
	 * through a view (a view is a translation, kept across the switch;
	 * its user checks dma_enabled() at each access). NULL: always
	 * enabled (virtio-mmio).
	 */
	const bool *bus_master;
};

/* The access [addr, addr + len) lies in the space's MSI window. */
static inline bool dma_is_msi(const struct dma_space *s, uint64_t addr,
			      uint64_t len)
{
	return s->msi_size && len && len <= s->msi_size &&
	       addr >= s->msi_base && addr - s->msi_base <= s->msi_size - len;
}

/* May the device reach memory now (Bus Master Enable)? */
static inline bool dma_enabled(const struct dma_space *s)
{
	return !s->bus_master || __atomic_load_n(s->bus_master, __ATOMIC_ACQUIRE);
}

/*
 * A host view of a range, good for accesses in the directions of @dirs
 * for as long as dma_view_host() returns it: identity views for ever,
 * views through a translator until its generation moves on. Like a
 * translation, a view is checked after dma_hold() for accesses that must
 * not outlive an UNMAP.
 */
struct dma_view {
	uint8_t *host;			/* NULL: none */
	unsigned int dirs;
	const unsigned int *gen;	/* NULL: never invalidated */
	unsigned int seen;
};

/*
 * Take a view of [addr, addr + len); false if this space cannot (then
 * dma_view_stale() says when it might).
 */
bool dma_view_take(const struct dma_space *s, uint64_t addr, uint64_t len,
		   struct dma_view *v);

/*
 * Worth taking again: the translator invalidated it, or invalidated
 * something since it last refused one (it says on which counter).
 */
static inline bool dma_view_stale(const struct dma_view *v)
{
	return v->gen && __atomic_load_n(v->gen, __ATOMIC_ACQUIRE) != v->seen;
}

/* The view's host address, or NULL if there is none or it went stale. */
static inline uint8_t *dma_view_host(const struct dma_view *v)
{
	return dma_view_stale(v) ? NULL : v->host;
}

/*
 * Start holding a request's translations; they are recorded until
 * dma_hold_record(DMA_NO_HOLD). Returns the token for the two below.
 */
static inline int dma_hold(const struct dma_space *s)
{
	return s->hold ? s->hold(s->opaque) : DMA_NO_HOLD;
}

/* Resume recording into @token's hold, or stop with DMA_NO_HOLD. */
static inline void dma_hold_record(const struct dma_space *s, int token)
{
	if (s->record)
		s->record(s->opaque, token);
}

/* Done with everything @token's hold translated; recording stops. */
static inline void dma_release(const struct dma_space *s, int token)
{
	if (s->release)
		s->release(s->opaque, token);
}

/* Translated and held requests are about to move data: see dma_gate_fn. */
static inline void dma_gate(const struct dma_space *s)
{
	if (s->gate)
		s->gate(s->opaque);
}

/* Device address = guest-physical; the platform's MSI window. */
void dma_space_identity(struct dma_space *s, const struct guest_mem *mem);

/*
 * Host iovecs for [addr, addr + len) accessed in @dir. A range may span
 * several mappings and so several iovecs. Returns the iovec count, or
 * -EFAULT if any byte is untranslatable or not RAM, or -E2BIG if more
 * than @max iovecs would be needed. On failure no iovec may be used.
 */
int dma_map(const struct dma_space *s, uint64_t addr, uint64_t len,
	    enum dma_dir dir, struct iovec *iov, int max);

/* Copy between guest memory and a host buffer; 0 or -EFAULT. */
int dma_read(const struct dma_space *s, uint64_t addr, void *buf,
	     size_t len);
int dma_write(const struct dma_space *s, uint64_t addr, const void *buf,
	      size_t len);

#endif
