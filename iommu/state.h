/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-iommu's model, apart from the virtio device that carries
 * requests to it: domains with their mappings, endpoints with the domain
 * they are attached to, request execution, and the translation every
 * device access behind the IOMMU goes through. Tested without a guest.
 */
#ifndef IOVM_IOMMU_STATE_H
#define IOVM_IOMMU_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../virtio/dma.h"
#include "mapping.h"
#include "rwlock.h"

/* virtio 1.2, 5.13 */
#define VIRTIO_IOMMU_F_INPUT_RANGE	0
#define VIRTIO_IOMMU_F_DOMAIN_RANGE	1
#define VIRTIO_IOMMU_F_MAP_UNMAP	2
#define VIRTIO_IOMMU_F_BYPASS		3
#define VIRTIO_IOMMU_F_PROBE		4
#define VIRTIO_IOMMU_F_MMIO		5
#define VIRTIO_IOMMU_F_BYPASS_CONFIG	6

#define VIRTIO_IOMMU_T_ATTACH		1
#define VIRTIO_IOMMU_T_DETACH		2
#define VIRTIO_IOMMU_T_MAP		3
#define VIRTIO_IOMMU_T_UNMAP		4
#define VIRTIO_IOMMU_T_PROBE		5

#define VIRTIO_IOMMU_S_OK		0
#define VIRTIO_IOMMU_S_IOERR		1
#define VIRTIO_IOMMU_S_UNSUPP		2
#define VIRTIO_IOMMU_S_DEVERR		3
#define VIRTIO_IOMMU_S_INVAL		4
#define VIRTIO_IOMMU_S_RANGE		5
#define VIRTIO_IOMMU_S_NOENT		6
#define VIRTIO_IOMMU_S_FAULT		7
#define VIRTIO_IOMMU_S_NOMEM		8

#define VIRTIO_IOMMU_ATTACH_F_BYPASS	1

#define VIRTIO_IOMMU_PROBE_T_RESV_MEM	1
#define VIRTIO_IOMMU_RESV_MEM_T_MSI	1

#define VIRTIO_IOMMU_FAULT_R_DOMAIN	1
#define VIRTIO_IOMMU_FAULT_R_MAPPING	2
#define VIRTIO_IOMMU_FAULT_F_READ	1
#define VIRTIO_IOMMU_FAULT_F_WRITE	2
#define VIRTIO_IOMMU_FAULT_F_ADDRESS	0x100

/* What this IOMMU offers the guest. */
#define VIOMMU_PAGE_SIZE	0x1000ULL
#define VIOMMU_INPUT_START	0ULL
#define VIOMMU_INPUT_END	((1ULL << 48) - 1)	/* x86-64 4-level VA */
#define VIOMMU_DOMAIN_FIRST	1U
#define VIOMMU_DOMAIN_LAST	1023U
#define VIOMMU_MAX_ENDPOINTS	64	/* slots 1..63: a bit each in a uint64_t */
#define VIOMMU_MAX_MAPPINGS	(1U << 20)	/* per domain: then NOMEM */
#define VIOMMU_PROBE_SIZE	256
/*
 * The region PROBE reserves for MSIs (RESV_MEM, MSI): the platform's MSI
 * window, identity-mapped and never translated. x86: the local APICs'
 * range; arm64: the ITS's GITS_TRANSLATER frame, which Linux then uses at
 * its own address (a hardware MSI region) instead of mapping the doorbell.
 */
#define VIOMMU_MSI_START	MSI_WINDOW_GPA
#define VIOMMU_MSI_END		(MSI_WINDOW_GPA + MSI_WINDOW_SIZE - 1)
#define VIOMMU_FAULT_QUEUE	64

struct viommu_counters {
	atomic_uint_fast64_t maps, unmaps, translations, faults;
	uint64_t last_fault_addr;	/* __atomic_* accesses: racy writers */
};

struct viommu_domain {
	uint32_t id;
	bool bypass;
	unsigned int nr_endpoints;
	uint64_t endpoints;		/* bit N: the endpoint in slot N is attached */
	struct mapping_tree maps;
	/* translations: misses only; viommu_domain_translations() adds hits */
	struct viommu_counters stats;
};

/*
 * The IOTLB: each endpoint remembers the last mapping it used. Hits take
 * no lock: the entry is a seqlock, so a device thread reads it while an
 * UNMAP may be rewriting it and retries the slow path if it changed.
 * Invalidation is exact: UNMAP clears the entries of the domain's
 * endpoints that overlap what it removed, DETACH and ATTACH the
 * endpoint's own, all under the state's write lock and before the
 * request drains the holds, so no access through a removed mapping can
 * start after the request completes.
 */
struct viommu_iotlb {
	pthread_mutex_t lock;		/* writers: fills and invalidations */
	unsigned int seq;		/* odd while the entry is written */
	uint32_t flags;			/* MAP_*; 0: empty */
	uint64_t start, last, phys;
	/* Written on every hit: a line of their own, away from the entry. */
	atomic_uint_fast64_t hits __attribute__((aligned(64)));
	atomic_uint_fast64_t misses;
	uint64_t hits_base;		/* hits when it joined its domain */
};

/*
 * Ranges an endpoint's device reads through long-lived host views (its
 * rings, see dma_view_fn): a view stays good while view_gen keeps the
 * value it had when the view was taken. Under the state's write lock,
 * an UNMAP that overlaps a watched range, and every DETACH and ATTACH of
 * the endpoint, advance view_gen and forget the ranges, before the
 * request drains the holds, as for IOTLB entries.
 */
#define VIOMMU_MAX_WATCHES	12	/* three rings of four queues */

struct viommu_watch {
	uint64_t start, last;
};

/*
 * Holds (dma_hold_fn): each request in flight on an endpoint has a slot
 * where its translations note the IOVA ranges they reached, so that an
 * UNMAP waits only for the requests that may use what it removes. The
 * device side writes a slot (one device thread per endpoint, under its
 * device lock); UNMAP reads it, ordered by seq_cst fences on both sides:
 * a translation notes its range, then looks the mapping up; an UNMAP
 * removes the mapping, then reads the notes. Either the lookup misses or
 * the UNMAP sees the note. A slot's generation is odd while it is held,
 * so a waiter tells a held slot from one whose request is gone (its notes
 * stay behind) and waits for that hold only, never for a next one. More
 * holds than slots count in holds_all, and an UNMAP in their domain waits
 * for all of those.
 */
#define VIOMMU_HOLD_SLOTS	64	/* a bit each in hold_live */
#define VIOMMU_HOLD_RANGES	4	/* more widen the last one */
#define VIOMMU_HOLD_ALL		VIOMMU_HOLD_SLOTS	/* the token past them */

struct viommu_hold_slot {
	unsigned int nr;		/* ranges noted; __atomic_* */
	unsigned int gen;		/* odd while held: +1 at hold, release */
	uint64_t start[VIOMMU_HOLD_RANGES], last[VIOMMU_HOLD_RANGES];
};

struct viommu_fault {
	uint8_t reason;
	uint32_t flags;
	uint32_t endpoint;
	uint64_t address;
};

/*
 * The faults iovm found on one endpoint, newest last: what the test
 * device shows a guest test program (a count it cannot miss, unlike the
 * guest kernel's ratelimited log). Under the state's fault_lock.
 */
#define VIOMMU_FAULT_LOG	16

struct viommu_fault_log {
	uint64_t total;			/* ever, on this endpoint */
	struct viommu_fault recent[VIOMMU_FAULT_LOG];	/* total % LOG */
};

/*
 * An endpoint has the ID the guest knows it by (a virtio-mmio device's is
 * small and given in order; a PCI function's follows its requester ID, see
 * machine_pci_host) and a slot in endpoints[], which the bit masks of
 * domains and drains count in. Devices added in order get ID = slot.
 */
struct viommu_endpoint {
	uint32_t id;
	unsigned int slot;
	const char *name;
	bool present;
	struct viommu_domain *domain;	/* NULL: not attached */
	struct viommu_iotlb iotlb;
	unsigned int view_gen;		/* __atomic_*: read lock-free */
	unsigned int nr_watches;
	struct viommu_watch watches[VIOMMU_MAX_WATCHES];
	atomic_uint holds_all;		/* holds without a slot */
	atomic_uint_fast64_t holds_waited;	/* by UNMAP, DETACH, ATTACH */
	atomic_uint_fast64_t hold_live;	/* slots in use */
	int recording;			/* slot that translations note in; -1 */
	struct viommu_hold_slot *slots;	/* VIOMMU_HOLD_SLOTS of them */
	/* translations: all but IOTLB hits; see viommu_ep_translations() */
	struct viommu_counters stats;
	struct viommu_fault_log fault_log;
	struct viommu_state *state;
};

struct viommu_state {
	struct spin_rwlock lock;	/* domains, endpoints, mappings */
	struct viommu_domain *domains[VIOMMU_DOMAIN_LAST + 1];
	struct viommu_endpoint endpoints[VIOMMU_MAX_ENDPOINTS];
	unsigned int nr_endpoints;
	bool bypass;			/* config: unattached endpoints pass */
	bool allow_mmio;		/* VIRTIO_IOMMU_F_MMIO negotiated */
	bool allow_bypass_flag;		/* VIRTIO_IOMMU_F_BYPASS_CONFIG */
	uint64_t total_maps, total_unmaps;	/* over all domains, ever */

	/*
	 * UNMAP and DETACH wait here for in-flight DMA to drain. A release
	 * takes the lock only when someone waits: most never see a waiter.
	 */
	pthread_mutex_t hold_lock;
	pthread_cond_t hold_cond;
	atomic_uint hold_waiters;
	/* Test gate (dma_gate_fn): endpoint whose next batch waits; 0: none */
	atomic_uint gate;
	unsigned int gate_ms;		/* how long at most; under hold_lock */

	/* Faults found on device threads, reported by the IOMMU thread. */
	pthread_mutex_t fault_lock;
	struct viommu_fault faults[VIOMMU_FAULT_QUEUE];
	unsigned int fault_head, fault_tail;
	uint64_t faults_dropped;
	void (*fault_notify)(void *opaque);
	void *fault_opaque;
};

void viommu_state_init(struct viommu_state *s);
void viommu_state_reset(struct viommu_state *s);
void viommu_state_destroy(struct viommu_state *s);
/* Register an endpoint; returns its ID (>= 1) or a negative errno. */
int viommu_state_add_endpoint(struct viommu_state *s, const char *name);
/*
 * Register an endpoint with ID @id (>= 1): a PCI function's. Returns @id,
 * -EEXIST if another endpoint has it, -ENOSPC when the slots are taken.
 */
int viommu_state_add_endpoint_id(struct viommu_state *s, const char *name,
				 uint32_t id);
/* The endpoint with ID @id, or NULL. */
struct viommu_endpoint *viommu_endpoint_get(struct viommu_state *s,
					    uint32_t id);

/*
 * Execute one request. @in holds the device-readable bytes (a copy: the
 * guest cannot change them under us), @out the device-writable area whose
 * last 4 bytes are the tail. Returns the status, also written to the tail.
 */
uint8_t viommu_request(struct viommu_state *s, const uint8_t *in,
		       size_t in_len, uint8_t *out, size_t out_len);

/*
 * Translate an endpoint's access (dma_translate_fn). @opaque is the
 * struct viommu_endpoint. Queues a fault on a miss.
 */
int viommu_translate(void *opaque, uint64_t iova, uint64_t len,
		     enum dma_dir dir, uint64_t *gpa, uint64_t *contig);
/* Called with the state's write lock held, when @ep joins or leaves @d. */
void viommu_iotlb_join(struct viommu_endpoint *ep);
void viommu_iotlb_leave(struct viommu_endpoint *ep, struct viommu_domain *d);
/*
 * Drop every IOTLB entry and ring view of @d's endpoints that overlaps
 * [start, last]; returns the endpoints whose views it dropped (bit N:
 * endpoint N).
 */
uint64_t viommu_iotlb_unmap(struct viommu_state *s, struct viommu_domain *d,
			    uint64_t start, uint64_t last);
/* Translation counts including IOTLB hits (read lock held for a domain). */
uint64_t viommu_ep_translations(struct viommu_endpoint *ep);
uint64_t viommu_domain_translations(struct viommu_state *s,
				    struct viommu_domain *d);
/* A host view of an endpoint's ring (dma_view_fn); see viommu_watch. */
int viommu_view(void *opaque, uint64_t iova, uint64_t len, uint64_t *gpa,
		unsigned int *dirs, const unsigned int **gen,
		unsigned int *seen);
/* Requests of @ep with mapped buffers in flight: slots in use, and the rest. */
static inline unsigned int viommu_holds(struct viommu_endpoint *ep)
{
	return (unsigned int)__builtin_popcountll(atomic_load(&ep->hold_live)) +
	       atomic_load(&ep->holds_all);
}

/* An endpoint's request holds mapped host pointers: see viommu_hold_slot. */
int viommu_hold(void *opaque);
void viommu_record(void *opaque, int token);
void viommu_release(void *opaque, int token);
/*
 * The test gate: endpoint @id's next batch waits at most @ms for an IOMMU
 * request to wait for it (0 disarms); see dma_gate_fn.
 */
void viommu_gate_arm(struct viommu_state *s, uint32_t id, unsigned int ms);
void viommu_gate(void *opaque);
/* Take the oldest queued fault; false if none. */
bool viommu_fault_pop(struct viommu_state *s, struct viommu_fault *f);
/*
 * Endpoint @id's faults: how many ever, and the last *nr of them (at most
 * VIOMMU_FAULT_LOG) oldest first; -ENOENT if there is no such endpoint.
 */
int viommu_faults_recent(struct viommu_state *s, uint32_t id,
			 uint64_t *total, struct viommu_fault *recent,
			 unsigned int *nr);

#endif
