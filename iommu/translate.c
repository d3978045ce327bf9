// SPDX-License-Identifier: GPL-2.0
/*
 * The IOMMU's state outside requests: endpoints, the translation device
 * threads call for every access behind the IOMMU, the holds that let
 * UNMAP wait for DMA in flight, and the queue of faults waiting to be
 * reported on the event queue.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../clock.h"
#include "../log.h"
#include "../virtio/dma.h"
#include "state.h"

void viommu_state_init(struct viommu_state *s)
{
	memset(s, 0, sizeof(*s));
	srw_init(&s->lock);
	pthread_mutex_init(&s->hold_lock, NULL);
	pthread_cond_init(&s->hold_cond, NULL);
	pthread_mutex_init(&s->fault_lock, NULL);
}

/* Device reset: every endpoint detached, every domain gone. */
void viommu_state_reset(struct viommu_state *s)
{
	unsigned int i;

	srw_write_lock(&s->lock);
	for (i = 0; i < VIOMMU_MAX_ENDPOINTS; i++) {
		struct viommu_endpoint *ep = &s->endpoints[i];

		if (ep->domain)
			viommu_iotlb_leave(ep, ep->domain);
		ep->domain = NULL;
	}
	for (i = 0; i <= VIOMMU_DOMAIN_LAST; i++) {
		if (!s->domains[i])
			continue;
		mapping_clear(&s->domains[i]->maps);
		free(s->domains[i]);
		s->domains[i] = NULL;
	}
	s->bypass = false;
	s->allow_mmio = s->allow_bypass_flag = false;
	srw_unlock(&s->lock);
	/* Faults from before the reset would mislead the next driver. */
	pthread_mutex_lock(&s->fault_lock);
	s->fault_head = s->fault_tail;
	pthread_mutex_unlock(&s->fault_lock);
}

void viommu_state_destroy(struct viommu_state *s)
{
	unsigned int i;

	viommu_state_reset(s);
	for (i = 1; i <= s->nr_endpoints; i++) {
		pthread_mutex_destroy(&s->endpoints[i].iotlb.lock);
		free(s->endpoints[i].slots);
	}
	pthread_mutex_destroy(&s->hold_lock);
	pthread_cond_destroy(&s->hold_cond);
	pthread_mutex_destroy(&s->fault_lock);
}

struct viommu_endpoint *viommu_endpoint_get(struct viommu_state *s,
					    uint32_t id)
{
	unsigned int i;

	/* A handful of endpoints, looked up per request, not per access. */
	for (i = 1; i <= s->nr_endpoints; i++)
		if (s->endpoints[i].present && s->endpoints[i].id == id)
			return &s->endpoints[i];
	return NULL;
}

int viommu_state_add_endpoint_id(struct viommu_state *s, const char *name,
				 uint32_t id)
{
	struct viommu_endpoint *ep;
	unsigned int slot = s->nr_endpoints + 1;

	/* Endpoint IDs start at 1: 0 reads as "none" in too many places. */
	if (!id || id > INT32_MAX)
		return -EINVAL;
	if (viommu_endpoint_get(s, id))
		return -EEXIST;
	if (slot >= VIOMMU_MAX_ENDPOINTS)
		return -ENOSPC;
	ep = &s->endpoints[slot];
	ep->slots = calloc(VIOMMU_HOLD_SLOTS, sizeof(*ep->slots));
	if (!ep->slots)
		return -ENOMEM;
	s->nr_endpoints = slot;
	ep->id = id;
	ep->slot = slot;
	ep->recording = -1;
	pthread_mutex_init(&ep->iotlb.lock, NULL);
	ep->name = name;
	ep->present = true;
	ep->state = s;
	return (int)ep->id;
}

int viommu_state_add_endpoint(struct viommu_state *s, const char *name)
{
	uint32_t id = s->nr_endpoints + 1;

	/* The next slot's number, unless a chosen ID took it. */
	while (viommu_endpoint_get(s, id))
		id++;
	return viommu_state_add_endpoint_id(s, name, id);
}

static void fault_queue(struct viommu_state *s, struct viommu_endpoint *ep,
			uint8_t reason, enum dma_dir dir, uint64_t iova)
{
	struct viommu_fault f = {
		.reason = reason,
		.flags = VIRTIO_IOMMU_FAULT_F_ADDRESS |
			 (dir == DMA_FROM_GUEST ? VIRTIO_IOMMU_FAULT_F_READ :
						  VIRTIO_IOMMU_FAULT_F_WRITE),
		.endpoint = ep->id,
		.address = iova,
	};
	bool queued = false;

	atomic_fetch_add(&ep->stats.faults, 1);
	/* Device threads of one endpoint or domain fault concurrently. */
	__atomic_store_n(&ep->stats.last_fault_addr, iova, __ATOMIC_RELAXED);
	pr_trace(TRACE_IOMMU, "iommu: fault: endpoint %u (%s) %s at 0x%llx: %s",
		 ep->id, ep->name, dir == DMA_FROM_GUEST ? "read" : "write",
		 (unsigned long long)iova,
		 reason == VIRTIO_IOMMU_FAULT_R_DOMAIN ? "not attached" :
		 "no mapping with that permission");
	pthread_mutex_lock(&s->fault_lock);
	ep->fault_log.recent[ep->fault_log.total++ % VIOMMU_FAULT_LOG] = f;
	if (s->fault_tail - s->fault_head < VIOMMU_FAULT_QUEUE) {
		s->faults[s->fault_tail++ % VIOMMU_FAULT_QUEUE] = f;
		queued = true;
	} else {
		s->faults_dropped++;
	}
	pthread_mutex_unlock(&s->fault_lock);
	if (queued && s->fault_notify)
		s->fault_notify(s->fault_opaque);
}

bool viommu_fault_pop(struct viommu_state *s, struct viommu_fault *f)
{
	bool got = false;

	pthread_mutex_lock(&s->fault_lock);
	if (s->fault_head != s->fault_tail) {
		*f = s->faults[s->fault_head++ % VIOMMU_FAULT_QUEUE];
		got = true;
	}
	pthread_mutex_unlock(&s->fault_lock);
	return got;
}

int viommu_faults_recent(struct viommu_state *s, uint32_t id,
			 uint64_t *total, struct viommu_fault *recent,
			 unsigned int *nr)
{
	struct viommu_endpoint *ep = viommu_endpoint_get(s, id);
	const struct viommu_fault_log *log;
	uint64_t first, i;

	if (!ep)
		return -ENOENT;
	log = &ep->fault_log;
	pthread_mutex_lock(&s->fault_lock);
	*total = log->total;
	if (*nr > VIOMMU_FAULT_LOG)
		*nr = VIOMMU_FAULT_LOG;
	first = log->total > *nr ? log->total - *nr : 0;
	for (i = first; i < log->total; i++)
		recent[i - first] = log->recent[i % VIOMMU_FAULT_LOG];
	*nr = (unsigned int)(log->total - first);
	pthread_mutex_unlock(&s->fault_lock);
	return 0;
}

/*
 * The lock-free side of the IOTLB seqlock: a consistent snapshot of the
 * entry, or false if a writer was at work (the caller takes the slow path,
 * which waits for it on the state lock).
 */
static bool iotlb_lookup(struct viommu_iotlb *t, uint64_t iova,
			 uint32_t need, uint64_t *gpa, uint64_t *room)
{
	unsigned int seq = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
	uint64_t start, last, phys;
	uint32_t flags;

	if (seq & 1)
		return false;
	flags = __atomic_load_n(&t->flags, __ATOMIC_RELAXED);
	start = __atomic_load_n(&t->start, __ATOMIC_RELAXED);
	last = __atomic_load_n(&t->last, __ATOMIC_RELAXED);
	phys = __atomic_load_n(&t->phys, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&t->seq, __ATOMIC_RELAXED) != seq)
		return false;
	if (!(flags & need) || iova < start || iova > last)
		return false;
	*gpa = phys + (iova - start);
	*room = last - iova;
	atomic_fetch_add_explicit(&t->hits, 1, memory_order_relaxed);
	return true;
}

static void iotlb_write(struct viommu_iotlb *t, uint64_t start, uint64_t last,
			uint64_t phys, uint32_t flags)
{
	pthread_mutex_lock(&t->lock);
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&t->flags, flags, __ATOMIC_RELAXED);
	__atomic_store_n(&t->start, start, __ATOMIC_RELAXED);
	__atomic_store_n(&t->last, last, __ATOMIC_RELAXED);
	__atomic_store_n(&t->phys, phys, __ATOMIC_RELAXED);
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&t->lock);
}

static void iotlb_flush(struct viommu_iotlb *t)
{
	iotlb_write(t, 1, 0, 0, 0);	/* empty: no permission, no range */
}

/* Every view of @ep is stale from here on (write lock held). */
static void views_drop(struct viommu_endpoint *ep)
{
	__atomic_store_n(&ep->view_gen, ep->view_gen + 1, __ATOMIC_RELEASE);
	ep->nr_watches = 0;
}

static bool watched(const struct viommu_endpoint *ep, uint64_t start,
		    uint64_t last)
{
	unsigned int i;

	for (i = 0; i < ep->nr_watches; i++)
		if (ep->watches[i].start <= last && start <= ep->watches[i].last)
			return true;
	return false;
}

void viommu_iotlb_join(struct viommu_endpoint *ep)
{
	iotlb_flush(&ep->iotlb);
	views_drop(ep);
	ep->iotlb.hits_base = atomic_load(&ep->iotlb.hits);
	ep->domain->endpoints |= 1ULL << ep->slot;
}

void viommu_iotlb_leave(struct viommu_endpoint *ep, struct viommu_domain *d)
{
	iotlb_flush(&ep->iotlb);
	views_drop(ep);
	/* The hits taken in @d become part of its own count. */
	atomic_fetch_add(&d->stats.translations,
			 atomic_load(&ep->iotlb.hits) - ep->iotlb.hits_base);
	d->endpoints &= ~(1ULL << ep->slot);
}

uint64_t viommu_iotlb_unmap(struct viommu_state *s, struct viommu_domain *d,
			    uint64_t start, uint64_t last)
{
	uint64_t mask = d->endpoints, viewed = 0;

	while (mask) {
		struct viommu_endpoint *ep = &s->endpoints[__builtin_ctzll(mask)];
		struct viommu_iotlb *t = &ep->iotlb;

		mask &= mask - 1;
		/* Fills run under the read lock: none can change t now. */
		if (t->flags && t->start <= last && start <= t->last)
			iotlb_flush(t);
		if (watched(ep, start, last)) {
			views_drop(ep);
			viewed |= 1ULL << ep->slot;
		}
	}
	return viewed;
}

uint64_t viommu_ep_translations(struct viommu_endpoint *ep)
{
	return atomic_load(&ep->stats.translations) +
	       atomic_load(&ep->iotlb.hits);
}

uint64_t viommu_domain_translations(struct viommu_state *s,
				    struct viommu_domain *d)
{
	uint64_t n = atomic_load(&d->stats.translations), mask = d->endpoints;

	while (mask) {
		struct viommu_endpoint *ep = &s->endpoints[__builtin_ctzll(mask)];

		mask &= mask - 1;
		n += atomic_load(&ep->iotlb.hits) - ep->iotlb.hits_base;
	}
	return n;
}

/*
 * Note [iova, iova + len) in the recording hold before the lookup, then
 * fence: see viommu_hold_slot. Past the slot's ranges the last one
 * widens, so it never stops covering what it covered.
 */
static void hold_note(struct viommu_endpoint *ep, uint64_t iova, uint64_t len)
{
	struct viommu_hold_slot *h = &ep->slots[ep->recording];
	uint64_t last = len && iova + len - 1 >= iova ? iova + len - 1 :
							UINT64_MAX;
	unsigned int n = h->nr;

	if (n < VIOMMU_HOLD_RANGES) {
		__atomic_store_n(&h->start[n], iova, __ATOMIC_RELAXED);
		__atomic_store_n(&h->last[n], last, __ATOMIC_RELAXED);
		__atomic_store_n(&h->nr, n + 1, __ATOMIC_RELEASE);
	} else {
		n = VIOMMU_HOLD_RANGES - 1;
		if (iova < h->start[n])
			__atomic_store_n(&h->start[n], iova, __ATOMIC_RELAXED);
		if (last > h->last[n])
			__atomic_store_n(&h->last[n], last, __ATOMIC_RELAXED);
	}
	atomic_thread_fence(memory_order_seq_cst);
}

int viommu_translate(void *opaque, uint64_t iova, uint64_t len,
		     enum dma_dir dir, uint64_t *gpa, uint64_t *contig)
{
	struct viommu_endpoint *ep = opaque;
	struct viommu_state *s = ep->state;
	uint32_t need = dir == DMA_FROM_GUEST ? MAP_READ : MAP_WRITE;
	struct viommu_domain *d;
	struct mapping *m;
	uint8_t reason;
	uint64_t room;

	if (ep->recording >= 0)
		hold_note(ep, iova, len);
	/* The fast path: no lock, no shared write but the hit count. */
	if (iotlb_lookup(&ep->iotlb, iova, need, gpa, &room)) {
		*contig = len - 1 <= room ? len : room + 1;
		return 0;
	}
	srw_read_lock(&s->lock);
	d = ep->domain;
	atomic_fetch_add(&ep->stats.translations, 1);
	if (!d) {
		if (s->bypass)
			goto identity;
		reason = VIRTIO_IOMMU_FAULT_R_DOMAIN;
		goto fault;
	}
	atomic_fetch_add(&d->stats.translations, 1);
	if (d->bypass)
		goto identity;
	atomic_fetch_add(&ep->iotlb.misses, 1);
	m = mapping_find(&d->maps, iova);
	if (!m || !(m->flags & need)) {
		reason = VIRTIO_IOMMU_FAULT_R_MAPPING;
		atomic_fetch_add(&d->stats.faults, 1);
		__atomic_store_n(&d->stats.last_fault_addr, iova,
				 __ATOMIC_RELAXED);
		goto fault;
	}
	/* Under the read lock: no UNMAP can remove m before this lands. */
	iotlb_write(&ep->iotlb, m->start, m->last, m->phys, m->flags);
	*gpa = m->phys + (iova - m->start);
	room = m->last - iova;		/* bytes after the first, no overflow */
	*contig = len - 1 <= room ? len : room + 1;
	srw_unlock(&s->lock);
	return 0;

identity:
	srw_unlock(&s->lock);
	*gpa = iova;
	*contig = len;
	return 0;
fault:
	srw_unlock(&s->lock);
	fault_queue(s, ep, reason, dir, iova);
	return -EFAULT;
}

/*
 * Under the write lock, so that no UNMAP or DETACH falls between finding
 * the mapping and watching the range. An endpoint that runs out of
 * watches (queues set up again and again) drops its views and starts
 * over: they are taken again on their next use.
 */
int viommu_view(void *opaque, uint64_t iova, uint64_t len, uint64_t *gpa,
		unsigned int *dirs, const unsigned int **gen,
		unsigned int *seen)
{
	struct viommu_endpoint *ep = opaque;
	struct viommu_state *s = ep->state;
	uint64_t last = iova + len - 1;
	struct viommu_domain *d;
	struct mapping *m;
	int err = -EFAULT;

	if (!len || last < iova)
		return -EINVAL;
	srw_write_lock(&s->lock);
	d = ep->domain;
	/*
	 * Bypass gets no view: the config's bypass bit can change under an
	 * endpoint that no request touches.
	 */
	if (d && !d->bypass && (m = mapping_find(&d->maps, iova)) &&
	    last <= m->last) {
		*gpa = m->phys + (iova - m->start);
		*dirs = (m->flags & MAP_READ ? DMA_FROM_GUEST : 0) |
			(m->flags & MAP_WRITE ? DMA_TO_GUEST : 0);
		if (ep->nr_watches == VIOMMU_MAX_WATCHES)
			views_drop(ep);
		ep->watches[ep->nr_watches++] = (struct viommu_watch){ iova, last };
		err = 0;
	}
	*gen = &ep->view_gen;
	*seen = ep->view_gen;
	srw_unlock(&s->lock);
	return err;
}

int viommu_hold(void *opaque)
{
	struct viommu_endpoint *ep = opaque;
	uint64_t free_slots = ~atomic_load(&ep->hold_live);
	struct viommu_hold_slot *h;
	int slot;

	if (!free_slots) {
		atomic_fetch_add(&ep->holds_all, 1);
		ep->recording = -1;
		return VIOMMU_HOLD_ALL;
	}
	slot = __builtin_ctzll(free_slots);
	h = &ep->slots[slot];
	__atomic_store_n(&h->nr, 0, __ATOMIC_RELAXED);
	/*
	 * Held (an odd generation) before any note or lookup, seq_cst: a
	 * DETACH sees the hold, or this request sees the DETACH. The bit in
	 * hold_live only finds free slots and counts them.
	 */
	__atomic_store_n(&h->gen, h->gen + 1, __ATOMIC_SEQ_CST);
	atomic_fetch_or(&ep->hold_live, 1ULL << slot);
	ep->recording = slot;
	return slot;
}

void viommu_record(void *opaque, int token)
{
	struct viommu_endpoint *ep = opaque;

	ep->recording = token >= 0 && token < VIOMMU_HOLD_SLOTS ? token : -1;
}

void viommu_gate_arm(struct viommu_state *s, uint32_t id, unsigned int ms)
{
	pthread_mutex_lock(&s->hold_lock);
	s->gate_ms = ms;
	atomic_store(&s->gate, id);
	pthread_mutex_unlock(&s->hold_lock);
}

void viommu_gate(void *opaque)
{
	struct viommu_endpoint *ep = opaque;
	struct viommu_state *s = ep->state;
	struct timespec until, t0, t1;
	bool waited;

	if (atomic_load_explicit(&s->gate, memory_order_relaxed) != ep->id)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	until = deadline_after_ms(s->gate_ms);
	pthread_mutex_lock(&s->hold_lock);
	/* wait_for() announces itself under the lock, then wakes us. */
	while (!atomic_load(&s->hold_waiters) &&
	       pthread_cond_timedwait(&s->hold_cond, &s->hold_lock,
				      &until) != ETIMEDOUT)
		;
	waited = atomic_load(&s->hold_waiters);
	atomic_store(&s->gate, 0);
	pthread_mutex_unlock(&s->hold_lock);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pr_info("iommu: test gate: endpoint %u (%s): DMA in flight held %ld ms, %s",
		ep->id, ep->name,
		(long)((t1.tv_sec - t0.tv_sec) * 1000 +
		       (t1.tv_nsec - t0.tv_nsec) / 1000000),
		waited ? "until an IOMMU request waited for it" :
			 "and no IOMMU request came to wait for it");
}

void viommu_release(void *opaque, int token)
{
	struct viommu_endpoint *ep = opaque;
	struct viommu_state *s = ep->state;

	if (ep->recording == token)
		ep->recording = -1;
	if (token == VIOMMU_HOLD_ALL) {
		atomic_fetch_sub(&ep->holds_all, 1);
	} else if (token >= 0 && token < VIOMMU_HOLD_SLOTS) {
		struct viommu_hold_slot *h = &ep->slots[token];

		/* Even again: whoever waits on this hold may go. */
		__atomic_store_n(&h->gen, h->gen + 1, __ATOMIC_SEQ_CST);
		atomic_fetch_and(&ep->hold_live, ~(1ULL << token));
	} else {
		return;
	}
	/* Waiters may wait for this slot, not only for the last hold. */
	if (!atomic_load(&s->hold_waiters))
		return;
	/* Under the lock: a waiter between its check and its sleep holds it. */
	pthread_mutex_lock(&s->hold_lock);
	pthread_cond_broadcast(&s->hold_cond);
	pthread_mutex_unlock(&s->hold_lock);
}
