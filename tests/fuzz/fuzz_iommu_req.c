// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the virtio-iommu model: a sequence of requests, as raw bytes or
 * expanded from a compact form that keeps them near the valid ones, mixed
 * with device accesses through dma_map() on a small RAM. After every step
 * the model must still be coherent (domains, endpoints and mappings agree,
 * no two mappings overlap, a rejected request changed nothing); a compact
 * request must end with a status the spec allows in the state it met; and
 * every access must land exactly where the mappings say, inside RAM, or
 * fail for a reason the harness can see itself.
 *
 * Builds with libFuzzer (clang -fsanitize=fuzzer) or, anywhere, with
 * standalone.c and fuzz_common.c.
 *
 * Input: one config byte, then records until the input runs out.
 *
 *   0x00-0x3f  raw request:  op, in_len, in_len bytes; op picks the
 *              writable size (mostly just a tail, sometimes none, or a
 *              PROBE-sized area around probe_size)
 *   0x40-0x7f  compact request: op & 7 picks the kind, then 6 bytes:
 *              domain, endpoint, first page, pages - 1, phys page, tweaks
 *   0x80-0xbf  access: endpoint, page, offset / 16, length - 1 (2 bytes);
 *              op bits: direction, region, iovec limit
 *   0xc0-0xef  pop and check every queued fault
 *   0xf0-0xfe  set the negotiated features and the bypass config
 *   0xff       device reset (the first few; then as 0xf0-0xfe)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../iommu/state.h"
#include "fuzz.h"

const char fuzz_name[] = "iommu_req";

#define RAM_PAGES	16
#define RAM_BYTES	(RAM_PAGES * VIOMMU_PAGE_SIZE)
#define NR_EPS		4
#define MAX_RECORDS	1024
#define MAX_RESETS	4
#define MAX_IOV		16
#define PG		VIOMMU_PAGE_SIZE
#define TOP		UINT64_MAX
#define OUT_MAX		512

/* Request sizes: head + body. */
#define ATTACH_LEN	20
#define DETACH_LEN	20
#define MAP_LEN		36
#define UNMAP_LEN	28
#define PROBE_LEN	72

static struct viommu_state st;
static uint8_t *ram;		/* malloc'd, exactly RAM_BYTES: ASan bounds */
static struct guest_mem mem;
static struct dma_space dma[NR_EPS + 1];

static void put(uint8_t *p, uint64_t v, int bytes)
{
	while (bytes--) {
		*p++ = (uint8_t)v;
		v >>= 8;
	}
}

static uint64_t get(const uint8_t *p, int bytes)
{
	uint64_t v = 0;

	while (bytes--)
		v = v << 8 | p[bytes];
	return v;
}

/* ---- the model's own coherence ---- */

/* In-order walk: ordered, disjoint, aligned, inside the input range. */
static void check_mappings(const struct mapping *m, const struct mapping **prev,
			   uint64_t *n, int depth)
{
	if (!m)
		return;
	fuzz_assert(depth < 64);
	check_mappings(m->left, prev, n, depth + 1);
	fuzz_assert(m->start <= m->last);
	fuzz_assert(!(m->start % PG) && !((m->last + 1) % PG));
	fuzz_assert(!(m->phys % PG));
	fuzz_assert(m->last <= VIOMMU_INPUT_END);
	fuzz_assert(m->phys + (m->last - m->start) >= m->phys);
	fuzz_assert(!(m->flags & ~(MAP_READ | MAP_WRITE | MAP_MMIO)));
	if (*prev)
		fuzz_assert((*prev)->last < m->start);
	*prev = m;
	(*n)++;
	check_mappings(m->right, prev, n, depth + 1);
}

static void check_domain(const struct viommu_domain *d, bool walk)
{
	const struct mapping *prev = NULL;
	unsigned int users = 0, i;
	uint64_t n = 0;

	for (i = 1; i <= NR_EPS; i++)
		users += st.endpoints[i].domain == d;
	/* A domain lives exactly as long as it has endpoints. */
	fuzz_assert(d->nr_endpoints == users);
	fuzz_assert(users > 0);
	if (d->bypass)
		fuzz_assert(!d->maps.count);
	fuzz_assert(d->maps.count <= VIOMMU_MAX_MAPPINGS);
	if (!walk)
		return;
	check_mappings(d->maps.root, &prev, &n, 0);
	fuzz_assert(n == d->maps.count);
}

/*
 * After every record the domains in use (the endpoints' and @named's),
 * with @named's mappings walked; with @all, every domain slot and every
 * mapping. The full scan is what catches a domain nobody uses any more.
 */
static void check_state(uint32_t named, bool all)
{
	const struct viommu_domain *d;
	unsigned int i;

	fuzz_assert(!st.domains[0]);
	if (all) {
		for (i = 1; i <= VIOMMU_DOMAIN_LAST; i++) {
			d = st.domains[i];
			if (!d)
				continue;
			fuzz_assert(d->id == i);
			check_domain(d, true);
		}
	} else if (named >= 1 && named <= VIOMMU_DOMAIN_LAST &&
		   (d = st.domains[named])) {
		fuzz_assert(d->id == named);
		check_domain(d, true);
	}
	for (i = 1; i <= NR_EPS; i++) {
		struct viommu_endpoint *ep = &st.endpoints[i];

		fuzz_assert(ep->present && ep->id == i);
		fuzz_assert(viommu_holds(ep) == 0);
		d = ep->domain;
		if (!d)
			continue;
		fuzz_assert(d->id >= 1 && d->id <= VIOMMU_DOMAIN_LAST);
		fuzz_assert(st.domains[d->id] == d);
		if (!all)
			check_domain(d, false);
	}
	fuzz_assert(!st.endpoints[0].present);
	fuzz_assert(st.fault_tail - st.fault_head <= VIOMMU_FAULT_QUEUE);
}

/*
 * What a rejected request must leave exactly as it was: which domains
 * exist (the slot array, compared whole), who is attached where, and the
 * mapping counts of the domains involved.
 */
struct digest {
	struct viommu_domain *slots[VIOMMU_DOMAIN_LAST + 1];
	uint64_t sum, maps, unmaps;
};

static void digest(struct digest *g, uint32_t named)
{
	const struct viommu_domain *d;
	uint64_t h = 0;
	unsigned int i;

	memcpy(g->slots, st.domains, sizeof(g->slots));
	for (i = 0; i <= NR_EPS; i++) {
		d = st.endpoints[i].domain;
		h = h * 131 + (uintptr_t)d;
		if (d)
			h = h * 31 + d->maps.count * 7 + d->nr_endpoints;
	}
	if (named <= VIOMMU_DOMAIN_LAST && (d = st.domains[named]))
		h = h * 31 + d->maps.count * 7 + d->nr_endpoints + d->bypass;
	g->sum = h;
	g->maps = st.total_maps;
	g->unmaps = st.total_unmaps;
}

/* ---- requests ---- */

static bool known_status(uint8_t s)
{
	switch (s) {
	case VIRTIO_IOMMU_S_OK:
	case VIRTIO_IOMMU_S_UNSUPP:
	case VIRTIO_IOMMU_S_DEVERR:
	case VIRTIO_IOMMU_S_INVAL:
	case VIRTIO_IOMMU_S_RANGE:
	case VIRTIO_IOMMU_S_NOENT:
	case VIRTIO_IOMMU_S_NOMEM:
		return true;
	}
	return false;
}

static void check_probe(const uint8_t *out, size_t len)
{
	size_t i;

	fuzz_assert(len >= VIOMMU_PROBE_SIZE);
	fuzz_assert(get(out, 2) == VIRTIO_IOMMU_PROBE_T_RESV_MEM);
	fuzz_assert(get(out + 2, 2) == 20);
	fuzz_assert(out[4] == VIRTIO_IOMMU_RESV_MEM_T_MSI);
	fuzz_assert(!out[5] && !out[6] && !out[7]);
	fuzz_assert(get(out + 8, 8) == VIOMMU_MSI_START);
	fuzz_assert(get(out + 16, 8) == VIOMMU_MSI_END);
	for (i = 24; i < len; i++)
		fuzz_assert(!out[i]);
}

/*
 * Run one request and check what any request promises: a known status,
 * written to the tail (or nothing written when there is no tail), and a
 * rejected request leaves the model untouched.
 */
static uint8_t run(const uint8_t *in, size_t in_len, size_t out_len)
{
	static uint8_t out[OUT_MAX], fill[OUT_MAX];
	static struct digest before, after;
	uint32_t named = in_len >= 8 ? (uint32_t)get(in + 4, 4) : 0;
	size_t body = out_len < 4 ? out_len : out_len - 4;
	uint8_t status;

	if (!fill[0])
		memset(fill, 0xee, sizeof(fill));
	digest(&before, named);
	memset(out, 0xee, out_len + 1);
	status = viommu_request(&st, in, in_len, out, out_len);
	fuzz_assert(known_status(status));
	/* Nothing written past the writable area. */
	fuzz_assert(out[out_len] == 0xee);
	if (out_len < 4) {
		/* No tail: nowhere to answer, so nothing written at all. */
		fuzz_assert(status == VIRTIO_IOMMU_S_DEVERR);
	} else {
		fuzz_assert(status != VIRTIO_IOMMU_S_DEVERR);
		fuzz_assert(out[out_len - 4] == status);
		fuzz_assert(!out[out_len - 3] && !out[out_len - 2] &&
			    !out[out_len - 1]);
	}
	if (status == VIRTIO_IOMMU_S_OK && in[0] == VIRTIO_IOMMU_T_PROBE)
		check_probe(out, body);
	else
		/* Only a successful PROBE writes anything but the tail. */
		fuzz_assert(!memcmp(out, fill, body));
	if (status != VIRTIO_IOMMU_S_OK) {
		digest(&after, named);
		fuzz_assert(!memcmp(after.slots, before.slots,
				    sizeof(after.slots)));
		fuzz_assert(after.sum == before.sum);
		fuzz_assert(after.maps == before.maps);
		fuzz_assert(after.unmaps == before.unmaps);
	}
	return status;
}

static size_t raw_out_len(uint8_t op)
{
	static const size_t probe_sizes[8] = {
		VIOMMU_PROBE_SIZE + 4, VIOMMU_PROBE_SIZE + 3,
		VIOMMU_PROBE_SIZE + 5, VIOMMU_PROBE_SIZE + 64, 5, 8, 68,
		OUT_MAX - 1,
	};

	op &= 0x3f;
	if (op < 4)
		return op;		/* no room for a tail */
	if (op >= 0x38)
		return probe_sizes[op & 7];
	return 4;
}

static void do_raw(struct fuzz_cursor *c, uint8_t op)
{
	uint8_t in[256];
	size_t len = fuzz_take(c);

	if (len > c->left)
		len = c->left;
	memcpy(in, c->p, len);
	c->p += len;
	c->left -= len;
	run(in, len, raw_out_len(op));
	check_state(len >= 8 ? (uint32_t)get(in + 4, 4) : 0, false);
}

/* Mostly IDs 0-8 (0 is never valid), now and then an odd one. */
static uint32_t pick_domain(uint8_t v)
{
	static const uint32_t odd[16] = {
		0, VIOMMU_DOMAIN_LAST, VIOMMU_DOMAIN_LAST + 1, 0xffffffff,
		VIOMMU_DOMAIN_FIRST, 0x80000001, 512, 2,
	};

	return v < 0xf0 ? v % 9u : odd[v & 15];
}

/* Mostly IDs 0 to NR_EPS + 1: the registered ones and one either side. */
static uint32_t pick_endpoint(uint8_t v)
{
	static const uint32_t odd[16] = {
		0, NR_EPS + 1, VIOMMU_MAX_ENDPOINTS - 1, VIOMMU_MAX_ENDPOINTS,
		0xffffffff, 0x80000001, 1, 2,
	};

	return v < 0xf0 ? v % (NR_EPS + 2u) : odd[v & 15];
}

/* Where the compact forms put IOVAs: low, at input_end, at 2^64. */
static uint64_t region_base(unsigned int r)
{
	switch (r & 3) {
	case 1:
		return VIOMMU_INPUT_END + 1 - 128 * PG;
	case 2:
		return 0 - 128 * PG;
	}
	return 0;
}

struct compact {
	uint32_t domain, endpoint;
	uint64_t start, end, phys;
	uint8_t tweak;
};

/*
 * Expand 6 bytes into fields close to valid ones. Tweak bits: 0-2 map
 * flags, 3 non-zero reserved bytes, 4-5 region, 6 misalign the start,
 * 7 misalign the end.
 */
static void expand(struct fuzz_cursor *c, struct compact *k)
{
	uint8_t dom = fuzz_take(c), ep = fuzz_take(c), page = fuzz_take(c);
	uint8_t n = fuzz_take(c), phys = fuzz_take(c);

	k->tweak = fuzz_take(c);
	k->domain = pick_domain(dom);
	k->endpoint = pick_endpoint(ep);
	k->start = region_base(k->tweak >> 4) + (uint64_t)(page & 0x7f) * PG;
	k->end = k->start + ((uint64_t)(n % 32) + 1) * PG - 1;
	if (n >= 0xf0)		/* now and then a huge or reversed range */
		k->end = n == 0xff ? TOP : k->start - 1;
	if (k->tweak & 0x40)
		k->start += 16 * (k->tweak & 3) + 1;
	if (k->tweak & 0x80)
		k->end -= 1 + (page >> 7);
	k->phys = phys < 0xf8 ? (uint64_t)(phys % 24) * PG :
				TOP + 1 - (uint64_t)(0x100 - phys) * PG;
}

static struct viommu_endpoint *endpoint_of(uint32_t id)
{
	return id >= 1 && id <= NR_EPS ? &st.endpoints[id] : NULL;
}

static struct viommu_domain *domain_of(uint32_t id)
{
	return id >= 1 && id <= VIOMMU_DOMAIN_LAST ? st.domains[id] : NULL;
}

/* What a successful request must have done. */
static void check_effect(uint8_t type, const struct compact *k)
{
	struct viommu_endpoint *ep = endpoint_of(k->endpoint);
	struct viommu_domain *d = domain_of(k->domain);
	struct mapping *m, *next;

	switch (type) {
	case VIRTIO_IOMMU_T_ATTACH:
		fuzz_assert(ep && d && ep->domain == d);
		break;
	case VIRTIO_IOMMU_T_DETACH:
		fuzz_assert(ep && !ep->domain);
		fuzz_assert(!d || d->nr_endpoints);
		break;
	case VIRTIO_IOMMU_T_MAP:
		fuzz_assert(d && !d->bypass);
		m = mapping_find(&d->maps, k->start);
		fuzz_assert(m && m->start == k->start && m->last == k->end);
		fuzz_assert(m->phys == k->phys);
		break;
	case VIRTIO_IOMMU_T_UNMAP:
		fuzz_assert(d && !d->bypass);
		/* Nothing left that starts inside the range. */
		next = mapping_next(&d->maps, k->start);
		fuzz_assert(!next || next->start > k->end);
		m = mapping_find(&d->maps, k->start);
		fuzz_assert(!m);
		break;
	}
}

#define ST(x)	(1u << VIRTIO_IOMMU_S_##x)

/* The mappings of a subtree against [start, end], walked independently. */
struct scan {
	uint64_t inside;	/* wholly within the range */
	uint64_t straddle;	/* partly in, partly out */
};

static void scan(const struct mapping *m, uint64_t start, uint64_t end,
		 struct scan *r)
{
	if (!m)
		return;
	scan(m->left, start, end, r);
	if (m->start >= start && m->last <= end)
		r->inside++;
	else if (m->start <= end && m->last >= start)
		r->straddle++;
	/* Keyed by start: nothing to the right can begin inside. */
	if (m->start <= end)
		scan(m->right, start, end, r);
}

/*
 * The statuses the spec (and our documented choices) allow for a compact
 * request in the current state: every rule it breaks contributes one, and
 * which of several the device reports is its own business. Breaking none
 * means OK and nothing else. *removed: what a good UNMAP takes away.
 */
static unsigned int allowed(uint8_t type, const struct compact *k,
			    uint32_t flags, size_t out_len, uint64_t *removed)
{
	struct viommu_endpoint *ep = endpoint_of(k->endpoint);
	struct viommu_domain *d = domain_of(k->domain);
	struct scan sc = { 0 };
	unsigned int bad = 0;
	bool bypass = flags & VIRTIO_IOMMU_ATTACH_F_BYPASS;

	switch (type) {
	case VIRTIO_IOMMU_T_ATTACH:
		if (!ep)
			bad |= ST(NOENT);
		if (k->domain < VIOMMU_DOMAIN_FIRST ||
		    k->domain > VIOMMU_DOMAIN_LAST)
			bad |= ST(RANGE);
		if (flags & ~VIRTIO_IOMMU_ATTACH_F_BYPASS || k->tweak & 8 ||
		    (bypass && !st.allow_bypass_flag) ||
		    (d && d->bypass != bypass))
			bad |= ST(INVAL);
		break;
	case VIRTIO_IOMMU_T_DETACH:
		if (!ep)
			bad |= ST(NOENT);
		if (!d)
			bad |= ST(NOENT) | ST(INVAL);	/* the spec allows both */
		else if (ep && ep->domain != d)
			bad |= ST(INVAL);
		break;
	case VIRTIO_IOMMU_T_MAP:
		if (!d)
			return ST(NOENT);
		if (d->bypass || flags & ~(MAP_READ | MAP_WRITE | MAP_MMIO) ||
		    (flags & MAP_MMIO && !st.allow_mmio) || k->end < k->start)
			bad |= ST(INVAL);
		if (k->start % PG || k->phys % PG || (k->end + 1) % PG ||
		    k->end > VIOMMU_INPUT_END ||
		    k->phys + (k->end - k->start) < k->phys)
			bad |= ST(RANGE);
		if (d->maps.count >= VIOMMU_MAX_MAPPINGS)
			bad |= ST(NOMEM);
		if (k->end >= k->start) {
			scan(d->maps.root, k->start, k->end, &sc);
			if (sc.inside || sc.straddle)
				bad |= ST(INVAL);
		}
		break;
	case VIRTIO_IOMMU_T_UNMAP:
		if (!d)
			return ST(NOENT);
		if (d->bypass || k->end < k->start)
			bad |= ST(INVAL);
		if (k->end >= k->start) {
			scan(d->maps.root, k->start, k->end, &sc);
			if (sc.straddle)
				bad |= ST(RANGE);
			*removed = sc.inside;
		}
		break;
	case VIRTIO_IOMMU_T_PROBE:
		if (!ep)
			bad |= ST(NOENT);
		if (out_len - 4 < VIOMMU_PROBE_SIZE)
			bad |= ST(INVAL);
		break;
	default:
		return ST(UNSUPP);
	}
	return bad ? bad : ST(OK);
}

static void do_compact(struct fuzz_cursor *c, uint8_t op)
{
	static const uint8_t types[8] = {
		VIRTIO_IOMMU_T_ATTACH, VIRTIO_IOMMU_T_DETACH,
		VIRTIO_IOMMU_T_MAP, VIRTIO_IOMMU_T_UNMAP,
		VIRTIO_IOMMU_T_PROBE, VIRTIO_IOMMU_T_MAP,
		VIRTIO_IOMMU_T_ATTACH, 0,
	};
	uint8_t in[PROBE_LEN] = { 0 }, type = types[op & 7], status;
	size_t len = 4, out_len = 4;
	struct compact k;
	uint64_t before = 0, removed = 0, unmaps;
	struct viommu_domain *d;
	uint32_t flags = 0;
	unsigned int ok;

	expand(c, &k);
	if (!type)
		type = 6 + k.tweak % 250;	/* not a request type */
	in[0] = type;
	switch (type) {
	case VIRTIO_IOMMU_T_ATTACH:
		/* Kind 6: the bypass flag, or an undefined one. */
		flags = (op & 7) == 6 ? 1u << (k.tweak & 3) : 0;
		put(in + 4, k.domain, 4);
		put(in + 8, k.endpoint, 4);
		put(in + 12, flags, 4);
		in[16 + (k.tweak & 3)] = k.tweak & 8;
		len = ATTACH_LEN;
		break;
	case VIRTIO_IOMMU_T_DETACH:
		put(in + 4, k.domain, 4);
		put(in + 8, k.endpoint, 4);
		in[12 + (k.tweak & 7)] = k.tweak & 8;
		len = DETACH_LEN;
		break;
	case VIRTIO_IOMMU_T_MAP:
		/* Kind 5: undefined flag bits too. */
		flags = k.tweak & 7;
		if ((op & 7) == 5)
			flags |= 8u << (k.tweak >> 3 & 15);
		put(in + 4, k.domain, 4);
		put(in + 8, k.start, 8);
		put(in + 16, k.end, 8);
		put(in + 24, k.phys, 8);
		put(in + 32, flags, 4);
		len = MAP_LEN;
		break;
	case VIRTIO_IOMMU_T_UNMAP:
		put(in + 4, k.domain, 4);
		put(in + 8, k.start, 8);
		put(in + 16, k.end, 8);
		in[24 + (k.tweak & 3)] = k.tweak & 8;
		len = UNMAP_LEN;
		break;
	case VIRTIO_IOMMU_T_PROBE:
		put(in + 4, k.endpoint, 4);
		in[8 + k.tweak % 64] = k.tweak;
		len = PROBE_LEN;
		out_len = raw_out_len(0x38 | (k.tweak & 7));
		break;
	}
	d = domain_of(k.domain);
	if (d)
		before = d->maps.count;
	ok = allowed(type, &k, flags, out_len, &removed);
	unmaps = st.total_unmaps;
	status = run(in, len, out_len);
	fuzz_assert(ok & 1u << status);
	if (status == VIRTIO_IOMMU_S_OK) {
		check_effect(type, &k);
		if (type == VIRTIO_IOMMU_T_MAP)
			fuzz_assert(d && d->maps.count == before + 1);
		if (type == VIRTIO_IOMMU_T_UNMAP)
			fuzz_assert(st.total_unmaps - unmaps == removed &&
				    d->maps.count == before - removed);
	}
	check_state(k.domain, false);
}

/* ---- accesses ---- */

/*
 * Where the model says byte @iova goes for @ep in @dir: 0 and *gpa, or
 * -1 if the access must fault. *room: bytes from @iova with the same
 * answer and a contiguous gpa.
 */
static int expect(struct viommu_endpoint *ep, uint64_t iova, enum dma_dir dir,
		  uint64_t *gpa, uint64_t *room)
{
	uint32_t need = dir == DMA_FROM_GUEST ? MAP_READ : MAP_WRITE;
	struct viommu_domain *d = ep->domain;
	struct mapping *m;

	if ((!d && st.bypass) || (d && d->bypass)) {
		*gpa = iova;
		*room = TOP - iova;	/* one short of the truth: harmless */
		return 0;
	}
	if (!d)
		return -1;
	m = mapping_find(&d->maps, iova);
	if (!m || !(m->flags & need))
		return -1;
	*gpa = m->phys + (iova - m->start);
	*room = m->last - iova;
	return 0;
}

/* The host byte that offset @pos of the mapped buffer landed on. */
static uint8_t *host_at(const struct iovec *iov, int n, uint64_t pos)
{
	int i;

	for (i = 0; i < n; i++) {
		if (pos < iov[i].iov_len)
			return (uint8_t *)iov[i].iov_base + pos;
		pos -= iov[i].iov_len;
	}
	fuzz_assert(!"offset past the iovecs");
	return NULL;
}

/*
 * Ring views: one per endpoint, taken on the last access that could have
 * one. While a view is not stale, the model must still send each of its
 * bytes where the view does, with the permissions it claims: any UNMAP,
 * DETACH or ATTACH that changed that must have made it stale.
 */
static struct {
	struct dma_view v;
	uint64_t iova, len;
} views[NR_EPS + 1];

static bool view_agrees(struct viommu_endpoint *ep, uint64_t iova,
			uint64_t len, const struct dma_view *v)
{
	static const enum dma_dir dirs[] = { DMA_FROM_GUEST, DMA_TO_GUEST };
	uint64_t gpa, room;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		bool ok = !expect(ep, iova, dirs[i], &gpa, &room);

		if (!!(v->dirs & dirs[i]) != ok)
			return false;
		if (ok && (room < len - 1 || ram + gpa != v->host))
			return false;
	}
	return true;
}

static void check_views(void)
{
	unsigned int i;

	for (i = 1; i <= NR_EPS; i++) {
		if (!dma_view_host(&views[i].v))
			continue;
		fuzz_assert(view_agrees(&st.endpoints[i], views[i].iova,
					views[i].len, &views[i].v));
	}
}

static void take_view(struct viommu_endpoint *ep, uint64_t iova, uint64_t len)
{
	struct dma_view v;

	if (!dma_view_take(&dma[ep->id], iova, len, &v))
		return;
	fuzz_assert(view_agrees(ep, iova, len, &v));
	views[ep->id].v = v;
	views[ep->id].iova = iova;
	views[ep->id].len = len;
}

static void do_access(struct fuzz_cursor *c, uint8_t op)
{
	static struct iovec iov[MAX_IOV];
	enum dma_dir dir = op & 1 ? DMA_TO_GUEST : DMA_FROM_GUEST;
	struct viommu_endpoint *ep;
	uint64_t iova, len, pos, done;
	uint8_t e = fuzz_take(c), page = fuzz_take(c), off = fuzz_take(c);
	int max = 1 + ((op >> 3) & 7) * 2, n, i;
	volatile uint8_t sink = 0;
	bool must_fail = false;

	len = 1 + (fuzz_take(c) | (uint64_t)fuzz_take(c) << 8);
	ep = &st.endpoints[1 + (e + NR_EPS - 1) % NR_EPS];	/* 1 is 1 */
	iova = region_base(op >> 1) + (uint64_t)(page & 0x7f) * PG + off * 16;
	n = dma_map(&dma[ep->id], iova, len, dir, iov, max);

	/* Walk the model over the same bytes, piece by piece. */
	for (pos = 0, done = 0; pos < len && !must_fail;) {
		uint64_t a = iova + pos, gpa, room, chunk;

		if (a < iova || expect(ep, a, dir, &gpa, &room)) {
			must_fail = true;	/* wrapped 2^64, or no mapping */
			break;
		}
		chunk = room < len - pos - 1 ? room + 1 : len - pos;
		/* Not RAM: the accessor must refuse it. */
		if (gpa >= RAM_BYTES || chunk > RAM_BYTES - gpa) {
			must_fail = true;
			break;
		}
		if (n >= 0) {
			/* The iovecs put these bytes exactly at ram + gpa. */
			fuzz_assert(host_at(iov, n, pos) == ram + gpa);
			fuzz_assert(host_at(iov, n, pos + chunk - 1) ==
				    ram + gpa + chunk - 1);
			done = pos + chunk;
		}
		pos += chunk;
	}
	if (must_fail) {
		/* Out of iovecs may come before reaching the bad byte. */
		fuzz_assert(n == -EFAULT || n == -E2BIG);
		return;
	}
	if (n == -E2BIG)
		return;
	fuzz_assert(n > 0 && n <= max);
	fuzz_assert(done == len);
	for (i = 0, done = 0; i < n; i++) {
		uint8_t *p = iov[i].iov_base;
		size_t l = iov[i].iov_len;

		fuzz_assert(l > 0 && p >= ram && p < ram + RAM_BYTES);
		fuzz_assert(l <= (size_t)(ram + RAM_BYTES - p));
		/* Touch both ends, so ASan checks the pointer arithmetic. */
		if (dir == DMA_TO_GUEST) {
			p[0] ^= 0x5a;
			p[l - 1] ^= 0xa5;
		} else {
			sink += p[0] + p[l - 1];
		}
		done += l;
	}
	fuzz_assert(done == len);
	(void)sink;
	take_view(ep, iova, len);
}

static void pop_faults(void)
{
	struct viommu_fault f;

	while (viommu_fault_pop(&st, &f)) {
		fuzz_assert(f.reason == VIRTIO_IOMMU_FAULT_R_DOMAIN ||
			    f.reason == VIRTIO_IOMMU_FAULT_R_MAPPING);
		fuzz_assert(f.flags == (VIRTIO_IOMMU_FAULT_F_ADDRESS |
					VIRTIO_IOMMU_FAULT_F_READ) ||
			    f.flags == (VIRTIO_IOMMU_FAULT_F_ADDRESS |
					VIRTIO_IOMMU_FAULT_F_WRITE));
		fuzz_assert(f.endpoint >= 1 && f.endpoint <= NR_EPS);
	}
	fuzz_assert(st.fault_head == st.fault_tail);
}

static void configure(uint8_t v)
{
	st.allow_mmio = v & 1;
	st.allow_bypass_flag = v & 2;
	st.bypass = v & 4;
}

static void setup(void)
{
	int i;

	if (!ram) {
		ram = malloc(RAM_BYTES);
		if (!ram)
			abort();
		guest_mem_wrap(&mem, ram, RAM_BYTES);
	}
	viommu_state_init(&st);
	for (i = 1; i <= NR_EPS; i++) {
		fuzz_assert(viommu_state_add_endpoint(&st, "fuzz") == i);
		dma[i] = (struct dma_space) {
			.mem = &mem,
			.translate = viommu_translate,
			.view = viommu_view,
			.opaque = &st.endpoints[i],
		};
	}
	memset(views, 0, sizeof(views));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct viommu_domain *no_domains[VIOMMU_DOMAIN_LAST + 1];
	struct fuzz_cursor c = { data, size };
	unsigned int records, resets = 0, i;

	setup();
	configure(fuzz_take(&c));
	for (records = 0; c.left && records < MAX_RECORDS; records++) {
		uint8_t op = fuzz_take(&c);

		if (op < 0x40) {
			do_raw(&c, op);
		} else if (op < 0x80) {
			do_compact(&c, op);
		} else if (op < 0xc0) {
			do_access(&c, op);
		} else if (op < 0xf0) {
			pop_faults();
		} else if (op < 0xff || resets == MAX_RESETS) {
			configure(op);
		} else {
			/* A reset walks every domain slot: only a few per run. */
			resets++;
			viommu_state_reset(&st);
			fuzz_assert(!memcmp(st.domains, no_domains,
					    sizeof(no_domains)));
			for (i = 1; i <= NR_EPS; i++)
				fuzz_assert(!st.endpoints[i].domain);
			/* Nothing from before is reported after it. */
			fuzz_assert(st.fault_head == st.fault_tail);
		}
		check_views();
		if (!(records % 64))
			check_state(0, true);
	}
	check_state(0, true);
	pop_faults();
	viommu_state_destroy(&st);
	return 0;
}

/* ---- seeds: short request scripts in the format above ---- */

static void req(struct script *s, uint8_t kind, uint8_t dom, uint8_t ep,
		uint8_t page, uint8_t n, uint8_t phys, uint8_t tweak)
{
	const uint8_t b[7] = { 0x40 | kind, dom, ep, page, n, phys, tweak };

	emit_mem(s, b, sizeof(b));
}

/* An access with room for 15 iovecs. */
static void dev_access(struct script *s, uint8_t op, uint8_t ep,
		       uint8_t page, uint8_t off, uint16_t len)
{
	const uint8_t b[6] = { 0xb8 | op, ep, page, off, (uint8_t)(len - 1),
			       (uint8_t)((len - 1) >> 8) };

	emit_mem(s, b, sizeof(b));
}

static void raw(struct script *s, uint8_t op, const uint8_t *in, uint8_t len)
{
	const uint8_t b[2] = { op, len };

	emit_mem(s, b, sizeof(b));
	emit_mem(s, in, len);
}

/* Compact kinds and tweak bits, as do_compact() reads them. */
enum { K_ATTACH, K_DETACH, K_MAP, K_UNMAP, K_PROBE, K_MAP_BADFLAGS,
       K_ATTACH_FLAGS, K_UNKNOWN };
#define T_R		MAP_READ
#define T_W		MAP_WRITE
#define T_RW		(MAP_READ | MAP_WRITE)
#define T_RSVD		0x08
#define T_HIGH		0x10	/* at the end of input_range */
#define T_TOP		0x20	/* just below 2^64 */
#define A_WRITE		0x01
#define A_HIGH		0x02
#define A_TOP		0x04

size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max)
{
	struct script s = { buf, 0, max };
	uint8_t in[80] = { 0 };
	int i;

	switch (n) {
	case 0:
		/* Map scattered pages, access across them, unmap, again. */
		emit(&s, 1, 0);
		req(&s, K_ATTACH, 1, 1, 0, 0, 0, 0);
		req(&s, K_MAP, 1, 0, 0, 0, 5, T_RW);
		req(&s, K_MAP, 1, 0, 1, 1, 2, T_R);
		req(&s, K_MAP, 1, 0, 3, 0, 9, T_W);
		dev_access(&s, 0, 1, 0, 0x80, 0x2000);
		dev_access(&s, A_WRITE, 1, 0, 0x80, 0x3000);
		dev_access(&s, 0, 1, 2, 0xff, 0x1800);
		dev_access(&s, A_WRITE, 1, 3, 0, 0x1000);
		req(&s, K_UNMAP, 1, 0, 1, 0, 0, 0);
		req(&s, K_UNMAP, 1, 0, 0, 3, 0, 0);
		dev_access(&s, 0, 1, 0, 0, 16);
		req(&s, K_DETACH, 1, 1, 0, 0, 0, 0);
		emit(&s, 1, 0xc0);
		break;
	case 1:
		/* Bypass: the config, and a bypass domain. */
		emit(&s, 1, 6);
		dev_access(&s, 0, 1, 3, 0, 64);
		req(&s, K_ATTACH_FLAGS, 2, 2, 0, 0, 0, 0);
		req(&s, K_ATTACH_FLAGS, 2, 3, 0, 0, 0, 0);
		req(&s, K_ATTACH, 2, 3, 0, 0, 0, 0);
		req(&s, K_MAP, 2, 0, 0, 0, 0, T_RW);
		dev_access(&s, A_WRITE, 2, 1, 0, 4096);
		dev_access(&s, A_WRITE, 3, 1, 0, 4096);
		emit(&s, 1, 0xf0);
		dev_access(&s, 0, 4, 1, 0, 100);
		dev_access(&s, 0, 2, 15, 0, 0x1001);
		req(&s, K_ATTACH_FLAGS, 2, 4, 0, 0, 0, 1);
		emit(&s, 1, 0xc0);
		break;
	case 2:
		/* PROBE with every writable size, and raw framing errors. */
		emit(&s, 1, 0);
		for (i = 0; i < 8; i++)
			req(&s, K_PROBE, 0, i & 1 ? 2 : 0xf1, 0, 0, 0, i);
		in[0] = VIRTIO_IOMMU_T_PROBE;
		in[4] = 1;
		raw(&s, 0x38, in, PROBE_LEN);
		raw(&s, 0x39, in, PROBE_LEN);
		raw(&s, 0x02, in, PROBE_LEN);
		raw(&s, 0x04, in, PROBE_LEN - 1);
		raw(&s, 0x04, in, 3);
		in[0] = 9;
		raw(&s, 0x04, in, 8);
		break;
	case 3:
		/* Shared domains, moving endpoints, domains dying. */
		emit(&s, 1, 0);
		for (i = 1; i <= NR_EPS; i++)
			req(&s, K_ATTACH, 2, i, 0, 0, 0, 0);
		req(&s, K_MAP, 2, 0, 4, 7, 3, T_RW);
		dev_access(&s, 0, 4, 4, 0, 0x8000);
		dev_access(&s, 0, 4, 4, 0, 0xc000);
		req(&s, K_ATTACH, 3, 1, 0, 0, 0, 0);
		dev_access(&s, 0, 1, 4, 0, 0x10);
		req(&s, K_DETACH, 2, 2, 0, 0, 0, 0);
		req(&s, K_DETACH, 2, 3, 0, 0, 0, 0);
		req(&s, K_DETACH, 2, 1, 0, 0, 0, 0);
		req(&s, K_DETACH, 2, 4, 0, 0, 0, 0);
		req(&s, K_DETACH, 2, 4, 0, 0, 0, 0);
		req(&s, K_ATTACH, 2, 2, 0, 0, 0, 0);
		dev_access(&s, 0, 2, 4, 0, 16);
		req(&s, K_MAP, 2, 0, 4, 0, 1, T_R);
		req(&s, K_MAP, 2, 0, 4, 0, 1, T_R);
		req(&s, K_ATTACH, 0xf1, 1, 0, 0, 0, 0);
		req(&s, K_ATTACH, 0xf2, 1, 0, 0, 0, 0);
		req(&s, K_DETACH, 0xf0, 1, 0, 0, 0, 0);
		break;
	case 4:
		/* The top of input_range, and just below 2^64. */
		emit(&s, 1, 1);
		req(&s, K_ATTACH, 4, 1, 0, 0, 0, 0);
		req(&s, K_MAP, 4, 0, 0x7f, 0, 3, T_HIGH | T_RW);
		req(&s, K_MAP, 4, 0, 0x7e, 0, 4, T_HIGH | T_RW);
		req(&s, K_MAP, 4, 0, 0x7f, 0, 3, T_TOP | T_RW);
		req(&s, K_MAP, 4, 0, 0x7c, 0, 0xfe, T_HIGH | T_RW);
		req(&s, K_MAP, 4, 0, 0x7d, 0, 0xff, T_HIGH | T_RW);
		req(&s, K_MAP, 4, 0, 0x70, 1, 1, T_HIGH | MAP_MMIO);
		dev_access(&s, A_HIGH, 1, 0x7e, 0xf0, 0x2000);
		dev_access(&s, A_HIGH, 1, 0x7e, 0xf0, 0x1010);
		dev_access(&s, A_HIGH | A_WRITE, 1, 0x7f, 0xff, 0x1000);
		dev_access(&s, A_HIGH | A_WRITE, 1, 0x7f, 0xff, 0x10);
		dev_access(&s, A_TOP, 1, 0x7f, 0xff, 0x2000);
		req(&s, K_UNMAP, 4, 0, 0x7e, 0, 0, T_HIGH);
		req(&s, K_UNMAP, 4, 0, 0x7e, 0xff, 0, T_HIGH);
		req(&s, K_UNMAP, 4, 0, 0x7e, 1, 0, T_HIGH);
		break;
	case 5:
		/* Everything refused: flags, alignment, reserved, ranges. */
		emit(&s, 1, 0);
		req(&s, K_ATTACH, 5, 1, 0, 0, 0, T_RSVD);
		req(&s, K_ATTACH_FLAGS, 5, 1, 0, 0, 0, 2);
		req(&s, K_ATTACH, 5, 1, 0, 0, 0, 0);
		req(&s, K_MAP_BADFLAGS, 5, 0, 0, 0, 0, T_RW);
		req(&s, K_MAP, 5, 0, 0, 0, 0, 0x40 | T_RW);
		req(&s, K_MAP, 5, 0, 0, 0, 0, 0x80 | T_RW);
		req(&s, K_MAP, 5, 0, 0, 0, 0, MAP_MMIO);
		req(&s, K_MAP, 5, 0, 0, 0xf0, 0, T_RW);
		req(&s, K_MAP, 5, 0, 0, 0, 0xf9, T_RW);
		req(&s, K_MAP, 5, 0, 0, 3, 0, T_RW);
		req(&s, K_UNMAP, 5, 0, 1, 0, 0, 0);
		req(&s, K_UNMAP, 5, 0, 0, 0xf0, 0, 0);
		req(&s, K_UNMAP, 6, 0, 0, 0, 0, 0);
		req(&s, K_DETACH, 6, 1, 0, 0, 0, 0);
		req(&s, K_DETACH, 5, 2, 0, 0, 0, T_RSVD);
		req(&s, K_UNKNOWN, 5, 1, 0, 0, 0, 0x33);
		break;
	case 6:
		/* A fault storm past the queue's bound, then a reset. */
		emit(&s, 1, 0);
		for (i = 0; i < VIOMMU_FAULT_QUEUE + 8; i++)
			dev_access(&s, i & 1, 1 + (i & 3), i & 0x7f, 0, 8);
		req(&s, K_ATTACH, 7, 2, 0, 0, 0, 0);
		req(&s, K_MAP, 7, 0, 0, 0x1f, 0, T_RW);
		dev_access(&s, 0, 2, 0, 0, 0xffff);
		dev_access(&s, 0, 2, 0, 0, 0x1000);
		emit(&s, 1, 0xff);
		dev_access(&s, 0, 2, 0, 0, 8);
		emit(&s, 1, 0xc1);
		break;
	case 7:
		/* Well-formed raw requests of every type. */
		emit(&s, 1, 3);
		memset(in, 0, sizeof(in));
		in[0] = VIRTIO_IOMMU_T_ATTACH;
		put(in + 4, 9, 4);
		put(in + 8, 1, 4);
		raw(&s, 0x04, in, ATTACH_LEN);
		memset(in, 0, sizeof(in));
		in[0] = VIRTIO_IOMMU_T_MAP;
		put(in + 4, 9, 4);
		put(in + 8, 0x3000, 8);
		put(in + 16, 0x4fff, 8);
		put(in + 24, 0x1000, 8);
		put(in + 32, MAP_READ | MAP_WRITE, 4);
		raw(&s, 0x04, in, MAP_LEN);
		dev_access(&s, 0, 1, 3, 0, 0x2000);
		memset(in, 0, sizeof(in));
		in[0] = VIRTIO_IOMMU_T_UNMAP;
		put(in + 4, 9, 4);
		put(in + 8, 0x3000, 8);
		put(in + 16, 0x3fff, 8);
		raw(&s, 0x04, in, UNMAP_LEN);
		put(in + 16, 0x4fff, 8);
		raw(&s, 0x04, in, UNMAP_LEN);
		memset(in, 0, sizeof(in));
		in[0] = VIRTIO_IOMMU_T_DETACH;
		put(in + 4, 9, 4);
		put(in + 8, 1, 4);
		raw(&s, 0x04, in, DETACH_LEN);
		break;
	default:
		return 0;
	}
	return s.len;
}
