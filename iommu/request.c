// SPDX-License-Identifier: GPL-2.0
/*
 * ATTACH, DETACH, MAP, UNMAP and PROBE (virtio 1.2, 5.13.6), one function
 * each, on a private copy of the request. Statuses follow the spec's
 * device requirements: an unknown domain or endpoint is NOENT, a domain ID
 * outside domain_range or an IOVA outside input_range is RANGE, unknown
 * flags and overlapping maps are INVAL, an UNMAP that would split a
 * mapping is RANGE and removes nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../log.h"
#include "state.h"

struct req_attach {
	uint32_t domain, endpoint, flags;
	uint8_t reserved[4];
} __attribute__((packed));

struct req_detach {
	uint32_t domain, endpoint;
	uint8_t reserved[8];
} __attribute__((packed));

struct req_map {
	uint32_t domain;
	uint64_t virt_start, virt_end, phys_start;
	uint32_t flags;
} __attribute__((packed));

struct req_unmap {
	uint32_t domain;
	uint64_t virt_start, virt_end;
	uint8_t reserved[4];
} __attribute__((packed));

struct req_probe {
	uint32_t endpoint;
	uint8_t reserved[64];
} __attribute__((packed));

struct probe_resv_mem {
	uint16_t type, length;
	uint8_t subtype;
	uint8_t reserved[3];
	uint64_t start, end;
} __attribute__((packed));

#define REQ_HEAD	4
#define REQ_TAIL	4
#define MAP_FLAGS	(MAP_READ | MAP_WRITE | MAP_MMIO)

static struct viommu_domain *domain_get(struct viommu_state *s, uint32_t id)
{
	if (id < VIOMMU_DOMAIN_FIRST || id > VIOMMU_DOMAIN_LAST)
		return NULL;
	return s->domains[id];
}

static void domain_put(struct viommu_state *s, struct viommu_domain *d)
{
	/* The last endpoint gone: the domain and its mappings go too. */
	if (d->nr_endpoints)
		return;
	s->domains[d->id] = NULL;
	mapping_clear(&d->maps);
	free(d);
}

/*
 * What a request must wait for before it completes: every hold of the
 * endpoints in @all (bit N: endpoint N), and those of the endpoints in
 * @ranged that noted an access to [start, last].
 */
struct drain {
	uint64_t all, ranged;
	uint64_t start, last;
};

typedef bool (*drained_fn)(struct viommu_endpoint *ep, const void *arg);

/*
 * A wait this long holds up the guest's vCPU that sent the request: say
 * so, once, naming the endpoint, so a stuck backend shows where it is.
 */
#define DRAIN_WARN_SECONDS	10

/* Sleep until @drained; a release wakes us (see viommu_release()). */
static void wait_for(struct viommu_state *s, struct viommu_endpoint *ep,
		     drained_fn drained, const void *arg)
{
	struct timespec warn_at;
	bool warned = false;

	if (drained(ep, arg))
		return;
	clock_gettime(CLOCK_REALTIME, &warn_at);
	warn_at.tv_sec += DRAIN_WARN_SECONDS;
	pthread_mutex_lock(&s->hold_lock);
	/*
	 * Announced before looking again, as a release ends its hold before
	 * it looks for waiters (both seq_cst): either it sees us and
	 * signals under the lock, or we see its hold gone.
	 */
	atomic_fetch_add(&s->hold_waiters, 1);
	/* A test gate may hold the DMA we wait for until we wait. */
	if (atomic_load(&s->gate))
		pthread_cond_broadcast(&s->hold_cond);
	while (!drained(ep, arg)) {
		if (warned) {
			pthread_cond_wait(&s->hold_cond, &s->hold_lock);
		} else if (pthread_cond_timedwait(&s->hold_cond, &s->hold_lock,
						  &warn_at) == ETIMEDOUT) {
			pr_warn("iommu: endpoint %u (%s): a request has waited %d s for the DMA in flight through what it removes",
				ep->id, ep->name, DRAIN_WARN_SECONDS);
			warned = true;
		}
	}
	atomic_fetch_sub(&s->hold_waiters, 1);
	pthread_mutex_unlock(&s->hold_lock);
}

static bool no_unslotted_holds(struct viommu_endpoint *ep, const void *arg)
{
	return !atomic_load(&ep->holds_all);
}

struct slot_seen {
	unsigned int slot, gen;
};

static bool slot_moved_on(struct viommu_endpoint *ep, const void *arg)
{
	const struct slot_seen *w = arg;

	return __atomic_load_n(&ep->slots[w->slot].gen, __ATOMIC_SEQ_CST) !=
	       w->gen;
}

static bool slot_overlaps(const struct viommu_hold_slot *h, uint64_t start,
			  uint64_t last)
{
	unsigned int i, n = __atomic_load_n(&h->nr, __ATOMIC_ACQUIRE);

	for (i = 0; i < n && i < VIOMMU_HOLD_RANGES; i++)
		if (__atomic_load_n(&h->start[i], __ATOMIC_RELAXED) <= last &&
		    start <= __atomic_load_n(&h->last[i], __ATOMIC_RELAXED))
			return true;
	return false;
}

/*
 * Wait for the requests holding @ep's slots now, all of them or (@all
 * false) those that noted an access to [start, last]. A slot's generation
 * is odd while a request holds it: one read of it says both whether the
 * slot is held and which hold to wait for. A slot found free is skipped,
 * whatever its notes say: they are a released request's. A slot released
 * and taken again since is a newer request's; waiting for it too is
 * harmless.
 */
static void drain_slots(struct viommu_state *s, struct viommu_endpoint *ep,
			bool all, uint64_t start, uint64_t last)
{
	uint64_t live = atomic_load(&ep->hold_live);

	while (live) {
		struct slot_seen w = { .slot = __builtin_ctzll(live) };
		const struct viommu_hold_slot *h = &ep->slots[w.slot];

		live &= live - 1;
		/* The generation first: notes read after it are its own. */
		w.gen = __atomic_load_n(&h->gen, __ATOMIC_SEQ_CST);
		if (!(w.gen & 1))
			continue;
		if (!all && !slot_overlaps(h, start, last))
			continue;
		atomic_fetch_add(&ep->holds_waited, 1);
		wait_for(s, ep, slot_moved_on, &w);
	}
	/* Holds without a slot noted nothing: any of them may be one. */
	wait_for(s, ep, no_unslotted_holds, NULL);
}

/*
 * The caller removed mappings and flushed the IOTLB entries and ring
 * views they were in; the fence orders that before reading the holds,
 * as hold_note()'s fence orders a note before its lookup: either that
 * request's lookup misses, or we see its note and wait for it.
 */
static void drain_holds(struct viommu_state *s, const struct drain *dr)
{
	uint64_t mask;

	atomic_thread_fence(memory_order_seq_cst);
	for (mask = dr->all; mask; mask &= mask - 1)
		drain_slots(s, &s->endpoints[__builtin_ctzll(mask)], true, 0,
			    UINT64_MAX);
	for (mask = dr->ranged & ~dr->all; mask; mask &= mask - 1)
		drain_slots(s, &s->endpoints[__builtin_ctzll(mask)], false,
			    dr->start, dr->last);
}

static void detach(struct viommu_state *s, struct viommu_endpoint *ep)
{
	struct viommu_domain *d = ep->domain;

	if (!d)
		return;
	viommu_iotlb_leave(ep, d);
	ep->domain = NULL;
	d->nr_endpoints--;
	domain_put(s, d);
}

static bool any_nonzero(const uint8_t *p, size_t len)
{
	while (len--)
		if (*p++)
			return true;
	return false;
}

static uint8_t do_attach(struct viommu_state *s, const struct req_attach *r)
{
	struct viommu_endpoint *ep = viommu_endpoint_get(s, r->endpoint);
	bool bypass = r->flags & VIRTIO_IOMMU_ATTACH_F_BYPASS;
	struct viommu_domain *d;

	if (!ep)
		return VIRTIO_IOMMU_S_NOENT;
	if (r->domain < VIOMMU_DOMAIN_FIRST || r->domain > VIOMMU_DOMAIN_LAST)
		return VIRTIO_IOMMU_S_RANGE;
	/* Unlike DETACH, ATTACH MUST refuse non-zero reserved bytes. */
	if (r->flags & ~VIRTIO_IOMMU_ATTACH_F_BYPASS ||
	    any_nonzero(r->reserved, sizeof(r->reserved)))
		return VIRTIO_IOMMU_S_INVAL;
	if (bypass && !s->allow_bypass_flag)
		return VIRTIO_IOMMU_S_INVAL;
	d = s->domains[r->domain];
	if (d && d->bypass != bypass)
		return VIRTIO_IOMMU_S_INVAL;
	if (ep->domain == d && d)
		return VIRTIO_IOMMU_S_OK;
	if (!d) {
		d = calloc(1, sizeof(*d));
		if (!d)
			return VIRTIO_IOMMU_S_NOMEM;
		d->id = r->domain;
		d->bypass = bypass;
		s->domains[r->domain] = d;
	}
	/* Attaching moves the endpoint: its old domain no longer applies. */
	d->nr_endpoints++;
	detach(s, ep);
	ep->domain = d;
	viommu_iotlb_join(ep);
	return VIRTIO_IOMMU_S_OK;
}

static uint8_t do_detach(struct viommu_state *s, const struct req_detach *r)
{
	struct viommu_endpoint *ep = viommu_endpoint_get(s, r->endpoint);
	struct viommu_domain *d = domain_get(s, r->domain);

	if (!ep || !d)
		return VIRTIO_IOMMU_S_NOENT;
	if (ep->domain != d)
		return VIRTIO_IOMMU_S_INVAL;
	detach(s, ep);
	return VIRTIO_IOMMU_S_OK;
}

static bool page_aligned(uint64_t v)
{
	return !(v & (VIOMMU_PAGE_SIZE - 1));
}

static uint8_t do_map(struct viommu_state *s, const struct req_map *r)
{
	struct viommu_domain *d = domain_get(s, r->domain);
	int err;

	if (!d)
		return VIRTIO_IOMMU_S_NOENT;
	if (d->bypass)
		return VIRTIO_IOMMU_S_INVAL;
	if (r->flags & ~MAP_FLAGS || (r->flags & MAP_MMIO && !s->allow_mmio))
		return VIRTIO_IOMMU_S_INVAL;
	if (r->virt_end < r->virt_start)
		return VIRTIO_IOMMU_S_INVAL;
	if (!page_aligned(r->virt_start) || !page_aligned(r->phys_start) ||
	    !page_aligned(r->virt_end + 1))
		return VIRTIO_IOMMU_S_RANGE;
	/* The input range starts at 0, so only its end can be exceeded. */
	if (r->virt_end > VIOMMU_INPUT_END)
		return VIRTIO_IOMMU_S_RANGE;
	/* The physical side must not wrap either. */
	if (r->phys_start + (r->virt_end - r->virt_start) < r->phys_start)
		return VIRTIO_IOMMU_S_RANGE;
	if (d->maps.count >= VIOMMU_MAX_MAPPINGS)
		return VIRTIO_IOMMU_S_NOMEM;
	err = mapping_insert(&d->maps, r->virt_start, r->virt_end,
			     r->phys_start, r->flags);
	if (err == -EEXIST)
		return VIRTIO_IOMMU_S_INVAL;
	if (err)
		return VIRTIO_IOMMU_S_NOMEM;
	atomic_fetch_add(&d->stats.maps, 1);
	s->total_maps++;
	return VIRTIO_IOMMU_S_OK;
}

static uint8_t do_unmap(struct viommu_state *s, const struct req_unmap *r,
			struct drain *drain)
{
	struct viommu_domain *d = domain_get(s, r->domain);
	int64_t n;

	if (!d)
		return VIRTIO_IOMMU_S_NOENT;
	if (d->bypass)
		return VIRTIO_IOMMU_S_INVAL;
	if (r->virt_end < r->virt_start)
		return VIRTIO_IOMMU_S_INVAL;
	n = mapping_remove_range(&d->maps, r->virt_start, r->virt_end);
	if (n == -ERANGE)
		return VIRTIO_IOMMU_S_RANGE;
	if (n < 0)
		return VIRTIO_IOMMU_S_INVAL;
	if (n) {
		/* A ring view has no note: its endpoint drains whole. */
		drain->all = viommu_iotlb_unmap(s, d, r->virt_start,
						r->virt_end);
		drain->ranged = d->endpoints;
		drain->start = r->virt_start;
		drain->last = r->virt_end;
		atomic_fetch_add(&d->stats.unmaps, (uint64_t)n);
		s->total_unmaps += n;
	}
	return VIRTIO_IOMMU_S_OK;
}

static uint8_t do_probe(struct viommu_state *s, const struct req_probe *r,
			uint8_t *props, size_t len)
{
	struct probe_resv_mem msi = {
		.type = VIRTIO_IOMMU_PROBE_T_RESV_MEM,
		.length = sizeof(msi) - 4,
		.subtype = VIRTIO_IOMMU_RESV_MEM_T_MSI,
		.start = VIOMMU_MSI_START,
		.end = VIOMMU_MSI_END,
	};

	if (!viommu_endpoint_get(s, r->endpoint))
		return VIRTIO_IOMMU_S_NOENT;
	if (len < VIOMMU_PROBE_SIZE)
		return VIRTIO_IOMMU_S_INVAL;
	/* One property, then zeroes: type 0 ends the list. */
	memset(props, 0, len);
	memcpy(props, &msi, sizeof(msi));
	return VIRTIO_IOMMU_S_OK;
}

/* The readable size each request type needs, head and body. */
static size_t body_size(uint8_t type)
{
	switch (type) {
	case VIRTIO_IOMMU_T_ATTACH:
		return sizeof(struct req_attach);
	case VIRTIO_IOMMU_T_DETACH:
		return sizeof(struct req_detach);
	case VIRTIO_IOMMU_T_MAP:
		return sizeof(struct req_map);
	case VIRTIO_IOMMU_T_UNMAP:
		return sizeof(struct req_unmap);
	case VIRTIO_IOMMU_T_PROBE:
		return sizeof(struct req_probe);
	}
	return 0;
}

static uint8_t dispatch(struct viommu_state *s, uint8_t type,
			const uint8_t *body, uint8_t *out, size_t out_len,
			struct drain *drain)
{
	union {
		struct req_attach attach;
		struct req_detach detach;
		struct req_map map;
		struct req_unmap unmap;
		struct req_probe probe;
	} r;

	memcpy(&r, body, body_size(type));
	switch (type) {
	case VIRTIO_IOMMU_T_ATTACH: {
		struct viommu_endpoint *ep = viommu_endpoint_get(s, r.attach.endpoint);
		uint8_t st = do_attach(s, &r.attach);

		/* The endpoint left its old domain's mappings: drain it. */
		if (st == VIRTIO_IOMMU_S_OK)
			drain->all = 1ULL << ep->slot;
		return st;
	}
	case VIRTIO_IOMMU_T_DETACH: {
		struct viommu_endpoint *ep = viommu_endpoint_get(s, r.detach.endpoint);
		uint8_t st = do_detach(s, &r.detach);

		if (st == VIRTIO_IOMMU_S_OK)
			drain->all = 1ULL << ep->slot;
		return st;
	}
	case VIRTIO_IOMMU_T_MAP:
		return do_map(s, &r.map);
	case VIRTIO_IOMMU_T_UNMAP:
		return do_unmap(s, &r.unmap, drain);
	case VIRTIO_IOMMU_T_PROBE:
		return do_probe(s, &r.probe, out, out_len - REQ_TAIL);
	}
	return VIRTIO_IOMMU_S_UNSUPP;
}

uint8_t viommu_request(struct viommu_state *s, const uint8_t *in,
		       size_t in_len, uint8_t *out, size_t out_len)
{
	struct drain drain = { 0 };
	uint8_t status, type;

	if (out_len < REQ_TAIL)
		return VIRTIO_IOMMU_S_DEVERR;	/* nowhere to say so */
	memset(out + out_len - REQ_TAIL, 0, REQ_TAIL);
	if (in_len < REQ_HEAD) {
		status = VIRTIO_IOMMU_S_INVAL;
		goto out;
	}
	type = in[0];
	if (!body_size(type)) {
		status = VIRTIO_IOMMU_S_UNSUPP;
		goto out;
	}
	if (in_len < REQ_HEAD + body_size(type)) {
		status = VIRTIO_IOMMU_S_INVAL;
		goto out;
	}
	srw_write_lock(&s->lock);
	status = dispatch(s, type, in + REQ_HEAD, out, out_len, &drain);
	srw_unlock(&s->lock);
	/*
	 * The mappings are gone for new accesses; requests that mapped them
	 * before must finish before this request completes, so that after
	 * completion nothing can reach memory through them.
	 */
	drain_holds(s, &drain);
out:
	out[out_len - REQ_TAIL] = status;
	return status;
}
