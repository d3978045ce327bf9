// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-iommu model without a guest: requests built byte by byte as
 * the spec lays them out (virtio 1.2, 5.13.6), every status each request
 * can end with, domain and endpoint life cycles, and the translation every
 * device access goes through (permissions, buffers over several mappings,
 * bypass, the fault queue). Last, UNMAP and DETACH racing a request that
 * still holds mapped buffers: they must not complete before it is done.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../iommu/state.h"

#define RAM_SIZE	(1ULL << 20)
#define PG		VIOMMU_PAGE_SIZE
#define TOP		UINT64_MAX
#define NR_EPS		3
#define RW		(MAP_READ | MAP_WRITE)

/* Request sizes on the wire: head + body (the tail is device-writable). */
#define ATTACH_LEN	(4 + 16)
#define DETACH_LEN	(4 + 16)
#define MAP_LEN		(4 + 32)
#define UNMAP_LEN	(4 + 24)
#define PROBE_LEN	(4 + 68)

struct fixture {
	struct viommu_state s;
	uint8_t *ram;			/* exactly RAM_SIZE: ASan sees overruns */
	struct guest_mem mem;
	struct dma_space dma[NR_EPS + 1];	/* by endpoint ID */
	unsigned int notified;		/* fault_notify calls */
};

static void on_fault(void *opaque)
{
	struct fixture *f = opaque;

	f->notified++;
}

static int setup(void **state)
{
	static const char *names[NR_EPS] = { "blk", "rng", "console" };
	struct fixture *f = calloc(1, sizeof(*f));
	uint64_t i;
	int id;

	f->ram = malloc(RAM_SIZE);
	for (i = 0; i < RAM_SIZE; i++)
		f->ram[i] = (uint8_t)(i ^ (i >> 12));
	guest_mem_wrap(&f->mem, f->ram, RAM_SIZE);
	viommu_state_init(&f->s);
	for (i = 0; i < NR_EPS; i++) {
		id = viommu_state_add_endpoint(&f->s, names[i]);
		assert_int_equal(id, (int)i + 1);
		f->dma[id] = (struct dma_space) {
			.mem = &f->mem,
			.translate = viommu_translate,
			.hold = viommu_hold,
			.record = viommu_record,
			.release = viommu_release,
			.opaque = &f->s.endpoints[id],
		};
	}
	f->s.fault_notify = on_fault;
	f->s.fault_opaque = f;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	viommu_state_destroy(&f->s);
	free(f->ram);
	free(f);
	return 0;
}

/* ---- building requests, little-endian, packed ---- */

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

static void head(uint8_t *b, uint8_t type)
{
	b[0] = type;
	b[1] = b[2] = b[3] = 0;
}

static size_t mk_attach(uint8_t *b, uint32_t domain, uint32_t ep,
			uint32_t flags)
{
	memset(b, 0, ATTACH_LEN);
	head(b, VIRTIO_IOMMU_T_ATTACH);
	put(b + 4, domain, 4);
	put(b + 8, ep, 4);
	put(b + 12, flags, 4);
	return ATTACH_LEN;
}

static size_t mk_detach(uint8_t *b, uint32_t domain, uint32_t ep)
{
	memset(b, 0, DETACH_LEN);
	head(b, VIRTIO_IOMMU_T_DETACH);
	put(b + 4, domain, 4);
	put(b + 8, ep, 4);
	return DETACH_LEN;
}

static size_t mk_map(uint8_t *b, uint32_t domain, uint64_t start,
		     uint64_t end, uint64_t phys, uint32_t flags)
{
	head(b, VIRTIO_IOMMU_T_MAP);
	put(b + 4, domain, 4);
	put(b + 8, start, 8);
	put(b + 16, end, 8);
	put(b + 24, phys, 8);
	put(b + 32, flags, 4);
	return MAP_LEN;
}

static size_t mk_unmap(uint8_t *b, uint32_t domain, uint64_t start,
		       uint64_t end)
{
	memset(b, 0, UNMAP_LEN);
	head(b, VIRTIO_IOMMU_T_UNMAP);
	put(b + 4, domain, 4);
	put(b + 8, start, 8);
	put(b + 16, end, 8);
	return UNMAP_LEN;
}

static size_t mk_probe(uint8_t *b, uint32_t ep)
{
	memset(b, 0, PROBE_LEN);
	head(b, VIRTIO_IOMMU_T_PROBE);
	put(b + 4, ep, 4);
	return PROBE_LEN;
}

/*
 * Send @len request bytes with a bare 4-byte writable tail. The tail's
 * status matches the return value, and its reserved bytes are zeroed.
 */
static uint8_t submit(struct fixture *f, const uint8_t *in, size_t len)
{
	uint8_t tail[4] = { 0xa5, 0xa5, 0xa5, 0xa5 };
	uint8_t st = viommu_request(&f->s, in, len, tail, sizeof(tail));

	assert_int_equal(tail[0], st);
	assert_int_equal(tail[1] | tail[2] | tail[3], 0);
	return st;
}

static uint8_t attach(struct fixture *f, uint32_t domain, uint32_t ep,
		      uint32_t flags)
{
	uint8_t b[ATTACH_LEN];

	return submit(f, b, mk_attach(b, domain, ep, flags));
}

static uint8_t detach(struct fixture *f, uint32_t domain, uint32_t ep)
{
	uint8_t b[DETACH_LEN];

	return submit(f, b, mk_detach(b, domain, ep));
}

static uint8_t map(struct fixture *f, uint32_t domain, uint64_t start,
		   uint64_t end, uint64_t phys, uint32_t flags)
{
	uint8_t b[MAP_LEN];

	return submit(f, b, mk_map(b, domain, start, end, phys, flags));
}

static uint8_t unmap(struct fixture *f, uint32_t domain, uint64_t start,
		     uint64_t end)
{
	uint8_t b[UNMAP_LEN];

	return submit(f, b, mk_unmap(b, domain, start, end));
}

static uint64_t nr_maps(struct fixture *f, uint32_t domain)
{
	assert_non_null(f->s.domains[domain]);
	return f->s.domains[domain]->maps.count;
}

/* Translate one access by endpoint @ep; 0 or -EFAULT. */
static int xlate(struct fixture *f, int ep, uint64_t iova, uint64_t len,
		 enum dma_dir dir, uint64_t *gpa)
{
	uint64_t g = 0, contig = 0;
	int err = viommu_translate(&f->s.endpoints[ep], iova, len, dir, &g,
				   &contig);

	if (!err) {
		assert_true(contig >= 1 && contig <= len);
		if (gpa)
			*gpa = g;
	}
	return err;
}

static void assert_fault(struct fixture *f, uint8_t reason, uint32_t flags,
			 uint32_t ep, uint64_t addr)
{
	struct viommu_fault ft;

	assert_true(viommu_fault_pop(&f->s, &ft));
	assert_int_equal(ft.reason, reason);
	assert_int_equal(ft.flags, flags);
	assert_int_equal(ft.endpoint, ep);
	assert_int_equal(ft.address, addr);
}

static void assert_no_fault(struct fixture *f)
{
	struct viommu_fault ft;

	assert_false(viommu_fault_pop(&f->s, &ft));
}

#define S_OK	VIRTIO_IOMMU_S_OK
#define S_INVAL	VIRTIO_IOMMU_S_INVAL
#define S_RANGE	VIRTIO_IOMMU_S_RANGE
#define S_NOENT	VIRTIO_IOMMU_S_NOENT
#define F_RD	(VIRTIO_IOMMU_FAULT_F_READ | VIRTIO_IOMMU_FAULT_F_ADDRESS)
#define F_WR	(VIRTIO_IOMMU_FAULT_F_WRITE | VIRTIO_IOMMU_FAULT_F_ADDRESS)
#define R_DOMAIN	VIRTIO_IOMMU_FAULT_R_DOMAIN
#define R_MAPPING	VIRTIO_IOMMU_FAULT_R_MAPPING

/* ---- framing: no tail, short requests, unknown types ---- */

static void test_no_room_for_tail(void **state)
{
	struct fixture *f = *state;
	uint8_t b[ATTACH_LEN], out[4];
	size_t n;

	mk_attach(b, 1, 1, 0);
	for (n = 0; n < 4; n++) {
		memset(out, 0xee, sizeof(out));
		assert_int_equal(viommu_request(&f->s, b, sizeof(b), out, n),
				 VIRTIO_IOMMU_S_DEVERR);
		/* Nowhere to put a status, so nothing is written at all. */
		assert_int_equal(get(out, 4), 0xeeeeeeee);
	}
	/* And nothing was done either. */
	assert_null(f->s.endpoints[1].domain);
	assert_null(f->s.domains[1]);
}

static void test_short_requests(void **state)
{
	struct fixture *f = *state;
	uint8_t b[PROBE_LEN];
	size_t n;

	mk_attach(b, 1, 1, 0);
	for (n = 0; n < 4; n++)
		assert_int_equal(submit(f, b, n), S_INVAL);
	/* One byte short of each body. */
	assert_int_equal(submit(f, b, mk_attach(b, 1, 1, 0) - 1), S_INVAL);
	assert_null(f->s.domains[1]);
	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(submit(f, b, mk_map(b, 1, 0, PG - 1, 0, RW) - 1),
			 S_INVAL);
	assert_int_equal(nr_maps(f, 1), 0);
	assert_int_equal(map(f, 1, 0, PG - 1, 0, RW), S_OK);
	assert_int_equal(submit(f, b, mk_unmap(b, 1, 0, PG - 1) - 1), S_INVAL);
	assert_int_equal(nr_maps(f, 1), 1);
	assert_int_equal(submit(f, b, mk_detach(b, 1, 1) - 1), S_INVAL);
	assert_ptr_equal(f->s.endpoints[1].domain, f->s.domains[1]);
	assert_int_equal(submit(f, b, mk_probe(b, 1) - 1), S_INVAL);
	/* Longer than needed is fine: the rest is ignored. */
	mk_unmap(b, 1, 0, PG - 1);
	memset(b + UNMAP_LEN, 0xff, sizeof(b) - UNMAP_LEN);
	assert_int_equal(submit(f, b, sizeof(b)), S_OK);
	assert_int_equal(nr_maps(f, 1), 0);
}

static void test_unknown_type(void **state)
{
	static const uint8_t types[] = { 0, 6, 7, 0x80, 0xff };
	struct fixture *f = *state;
	uint8_t b[PROBE_LEN] = { 0 };
	unsigned int i;

	for (i = 0; i < sizeof(types); i++) {
		b[0] = types[i];
		assert_int_equal(submit(f, b, sizeof(b)),
				 VIRTIO_IOMMU_S_UNSUPP);
		assert_int_equal(submit(f, b, 4), VIRTIO_IOMMU_S_UNSUPP);
	}
}

static void test_tail_placement(void **state)
{
	struct fixture *f = *state;
	uint8_t b[ATTACH_LEN], out[16];

	/* Reserved bytes of the head are ignored. */
	mk_attach(b, 1, 1, 0);
	b[1] = b[2] = b[3] = 0xff;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(viommu_request(&f->s, b, sizeof(b), out, sizeof(out)),
			 S_OK);
	/* The tail is the last 4 bytes; nothing before it is touched. */
	assert_int_equal(get(out + 12, 4), 0);
	assert_int_equal(get(out, 8), 0xeeeeeeeeeeeeeeeeULL);
	assert_int_equal(get(out + 8, 4), 0xeeeeeeee);
	/* An error status lands in the same place. */
	mk_attach(b, 0, 1, 0);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(viommu_request(&f->s, b, sizeof(b), out, sizeof(out)),
			 S_RANGE);
	assert_int_equal(get(out + 12, 4), S_RANGE);
	assert_int_equal(get(out + 8, 4), 0xeeeeeeee);
}

/* ---- ATTACH ---- */

static void test_attach(void **state)
{
	struct fixture *f = *state;
	struct viommu_domain *d;

	assert_int_equal(attach(f, 7, 2, 0), S_OK);
	d = f->s.domains[7];
	assert_non_null(d);
	assert_int_equal(d->id, 7);
	assert_false(d->bypass);
	assert_int_equal(d->nr_endpoints, 1);
	assert_int_equal(d->maps.count, 0);
	assert_ptr_equal(f->s.endpoints[2].domain, d);
	/* Again: nothing changes, still one endpoint. */
	assert_int_equal(attach(f, 7, 2, 0), S_OK);
	assert_ptr_equal(f->s.domains[7], d);
	assert_int_equal(d->nr_endpoints, 1);
	/* Both ends of the domain range. */
	assert_int_equal(attach(f, VIOMMU_DOMAIN_FIRST, 1, 0), S_OK);
	assert_int_equal(attach(f, VIOMMU_DOMAIN_LAST, 3, 0), S_OK);
	assert_non_null(f->s.domains[VIOMMU_DOMAIN_LAST]);
}

static void test_attach_errors(void **state)
{
	struct fixture *f = *state;
	uint8_t b[ATTACH_LEN];
	unsigned int i;

	/* Endpoints that do not exist: 0, past the last one, way out. */
	assert_int_equal(attach(f, 1, 0, 0), S_NOENT);
	assert_int_equal(attach(f, 1, NR_EPS + 1, 0), S_NOENT);
	assert_int_equal(attach(f, 1, VIOMMU_MAX_ENDPOINTS - 1, 0), S_NOENT);
	assert_int_equal(attach(f, 1, VIOMMU_MAX_ENDPOINTS, 0), S_NOENT);
	assert_int_equal(attach(f, 1, 0xffffffff, 0), S_NOENT);
	/* Domain IDs outside domain_range. */
	assert_int_equal(attach(f, 0, 1, 0), S_RANGE);
	assert_int_equal(attach(f, VIOMMU_DOMAIN_LAST + 1, 1, 0), S_RANGE);
	assert_int_equal(attach(f, 0xffffffff, 1, 0), S_RANGE);
	/* Flags nobody defined. */
	assert_int_equal(attach(f, 1, 1, 2), S_INVAL);
	assert_int_equal(attach(f, 1, 1, 0x80000000), S_INVAL);
	assert_int_equal(attach(f, 1, 1, 3), S_INVAL);
	/* BYPASS without VIRTIO_IOMMU_F_BYPASS_CONFIG negotiated. */
	assert_int_equal(attach(f, 1, 1, VIRTIO_IOMMU_ATTACH_F_BYPASS),
			 S_INVAL);
	/* Non-zero reserved bytes: the spec says MUST reject with INVAL. */
	for (i = 0; i < 4; i++) {
		mk_attach(b, 1, 1, 0);
		b[16 + i] = 1;
		assert_int_equal(submit(f, b, sizeof(b)), S_INVAL);
	}
	for (i = 0; i <= VIOMMU_DOMAIN_LAST; i++)
		assert_null(f->s.domains[i]);
	for (i = 1; i <= NR_EPS; i++)
		assert_null(f->s.endpoints[i].domain);
}

static void test_attach_bypass_domain(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa;

	f->s.allow_bypass_flag = true;
	assert_int_equal(attach(f, 5, 1, VIRTIO_IOMMU_ATTACH_F_BYPASS), S_OK);
	assert_true(f->s.domains[5]->bypass);
	/* Joining it needs the same flag; so does joining a normal one. */
	assert_int_equal(attach(f, 5, 2, 0), S_INVAL);
	assert_null(f->s.endpoints[2].domain);
	assert_int_equal(attach(f, 5, 2, VIRTIO_IOMMU_ATTACH_F_BYPASS), S_OK);
	assert_int_equal(f->s.domains[5]->nr_endpoints, 2);
	assert_int_equal(attach(f, 6, 3, 0), S_OK);
	assert_int_equal(attach(f, 6, 1, VIRTIO_IOMMU_ATTACH_F_BYPASS),
			 S_INVAL);
	assert_ptr_equal(f->s.endpoints[1].domain, f->s.domains[5]);

	/* No MAP or UNMAP on a bypass domain. */
	assert_int_equal(map(f, 5, 0, PG - 1, 0, RW), S_INVAL);
	assert_int_equal(unmap(f, 5, 0, TOP), S_INVAL);
	assert_int_equal(f->s.domains[5]->maps.count, 0);

	/* Its endpoints see memory through the identity. */
	assert_int_equal(xlate(f, 1, 0x12345, 100, DMA_TO_GUEST, &gpa), 0);
	assert_int_equal(gpa, 0x12345);
	assert_int_equal(xlate(f, 2, 0xfffff, 1, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(gpa, 0xfffff);
	assert_no_fault(f);
}

static void test_attach_moves_endpoint(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	assert_int_equal(xlate(f, 1, 0x10000, 8, DMA_FROM_GUEST, NULL), 0);
	/* Moving the only endpoint away frees domain 1 and its mappings. */
	assert_int_equal(attach(f, 2, 1, 0), S_OK);
	assert_null(f->s.domains[1]);
	assert_int_equal(f->s.domains[2]->nr_endpoints, 1);
	assert_ptr_equal(f->s.endpoints[1].domain, f->s.domains[2]);
	assert_int_equal(xlate(f, 1, 0x10000, 8, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 1, 0x10000);
	/* The old ID starts over, empty. */
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_NOENT);
	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(nr_maps(f, 1), 0);
	assert_null(f->s.domains[2]);

	/* Moving one of two endpoints leaves the domain to the other. */
	assert_int_equal(attach(f, 1, 2, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	assert_int_equal(attach(f, 3, 1, 0), S_OK);
	assert_int_equal(f->s.domains[1]->nr_endpoints, 1);
	assert_int_equal(nr_maps(f, 1), 1);
	assert_int_equal(xlate(f, 2, 0x10000, 8, DMA_FROM_GUEST, NULL), 0);
	assert_int_equal(xlate(f, 1, 0x10000, 8, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 1, 0x10000);
}

static void test_shared_domain(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa;
	int ep;

	for (ep = 1; ep <= NR_EPS; ep++)
		assert_int_equal(attach(f, 9, ep, 0), S_OK);
	assert_int_equal(f->s.domains[9]->nr_endpoints, NR_EPS);
	assert_int_equal(map(f, 9, 0x8000, 0x9fff, 0x40000, RW), S_OK);
	/* One mapping, seen by every endpoint of the domain. */
	for (ep = 1; ep <= NR_EPS; ep++) {
		assert_int_equal(xlate(f, ep, 0x9004, 4, DMA_TO_GUEST, &gpa),
				 0);
		assert_int_equal(gpa, 0x41004);
	}
	/* Detaching all but one keeps the domain and its mapping. */
	assert_int_equal(detach(f, 9, 1), S_OK);
	assert_int_equal(detach(f, 9, 2), S_OK);
	assert_int_equal(f->s.domains[9]->nr_endpoints, 1);
	assert_int_equal(nr_maps(f, 9), 1);
	assert_int_equal(xlate(f, 3, 0x8000, 4, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(xlate(f, 1, 0x8000, 4, DMA_FROM_GUEST, &gpa),
			 -EFAULT);
	assert_fault(f, R_DOMAIN, F_RD, 1, 0x8000);
	/* The last one out: the domain and its mappings are gone. */
	assert_int_equal(detach(f, 9, 3), S_OK);
	assert_null(f->s.domains[9]);
	assert_int_equal(detach(f, 9, 3), S_NOENT);
	assert_int_equal(attach(f, 9, 2, 0), S_OK);
	assert_int_equal(nr_maps(f, 9), 0);
	assert_int_equal(xlate(f, 2, 0x8000, 4, DMA_FROM_GUEST, &gpa),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 2, 0x8000);
}

/* ---- DETACH ---- */

static void test_detach_errors(void **state)
{
	struct fixture *f = *state;
	uint8_t b[DETACH_LEN];

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(attach(f, 2, 2, 0), S_OK);
	/* Unknown endpoint, unknown or out-of-range domain. */
	assert_int_equal(detach(f, 1, 0), S_NOENT);
	assert_int_equal(detach(f, 1, NR_EPS + 1), S_NOENT);
	assert_int_equal(detach(f, 1, 0xffffffff), S_NOENT);
	assert_int_equal(detach(f, 3, 1), S_NOENT);
	assert_int_equal(detach(f, 0, 1), S_NOENT);
	assert_int_equal(detach(f, VIOMMU_DOMAIN_LAST + 1, 1), S_NOENT);
	/* A domain the endpoint is not in, or no domain at all. */
	assert_int_equal(detach(f, 2, 1), S_INVAL);
	assert_int_equal(detach(f, 1, 3), S_INVAL);
	assert_ptr_equal(f->s.endpoints[1].domain, f->s.domains[1]);
	assert_ptr_equal(f->s.endpoints[2].domain, f->s.domains[2]);
	assert_int_equal(f->s.domains[2]->nr_endpoints, 1);
	/* Reserved bytes are ignored by DETACH (the spec says MUST). */
	mk_detach(b, 1, 1);
	memset(b + 12, 0xff, 8);
	assert_int_equal(submit(f, b, sizeof(b)), S_OK);
	assert_null(f->s.endpoints[1].domain);
	assert_null(f->s.domains[1]);
	/* Detached already. */
	assert_int_equal(detach(f, 1, 1), S_NOENT);
	assert_int_equal(detach(f, 2, 1), S_INVAL);
}

/* ---- MAP ---- */

static void test_map(void **state)
{
	struct fixture *f = *state;
	struct viommu_domain *d;
	struct mapping *m;

	assert_int_equal(attach(f, 4, 1, 0), S_OK);
	d = f->s.domains[4];
	assert_int_equal(map(f, 4, 0x100000, 0x102fff, 0x7000, MAP_READ),
			 S_OK);
	m = mapping_find(&d->maps, 0x101234);
	assert_non_null(m);
	assert_int_equal(m->start, 0x100000);
	assert_int_equal(m->last, 0x102fff);
	assert_int_equal(m->phys, 0x7000);
	assert_int_equal(m->flags, MAP_READ);
	/* Touching on both sides, and a mapping with no permission at all. */
	assert_int_equal(map(f, 4, 0xff000, 0xfffff, 0, MAP_WRITE), S_OK);
	assert_int_equal(map(f, 4, 0x103000, 0x103fff, 0, 0), S_OK);
	/* The last page of the input range, and a phys range ending at 2^64. */
	assert_int_equal(map(f, 4, VIOMMU_INPUT_END - PG + 1, VIOMMU_INPUT_END,
			     TOP - PG + 1, RW), S_OK);
	assert_int_equal(map(f, 4, 0, PG - 1, 0, RW), S_OK);
	assert_int_equal(d->maps.count, 5);
	assert_int_equal(d->stats.maps, 5);
	assert_int_equal(f->s.total_maps, 5);
	/* MMIO once the feature is negotiated. */
	assert_int_equal(map(f, 4, 0x200000, 0x200fff, 0xfee00000,
			     MAP_MMIO | MAP_WRITE), S_INVAL);
	f->s.allow_mmio = true;
	assert_int_equal(map(f, 4, 0x200000, 0x200fff, 0xfee00000,
			     MAP_MMIO | MAP_WRITE), S_OK);
	assert_int_equal(mapping_find(&d->maps, 0x200000)->flags,
			 MAP_MMIO | MAP_WRITE);
}

static void test_map_errors(void **state)
{
	struct fixture *f = *state;
	struct viommu_domain *d;

	assert_int_equal(attach(f, 4, 1, 0), S_OK);
	d = f->s.domains[4];
	assert_int_equal(map(f, 4, 0x10000, 0x1ffff, 0, RW), S_OK);

	/* No such domain. */
	assert_int_equal(map(f, 3, 0, PG - 1, 0, RW), S_NOENT);
	assert_int_equal(map(f, 0, 0, PG - 1, 0, RW), S_NOENT);
	assert_int_equal(map(f, VIOMMU_DOMAIN_LAST + 1, 0, PG - 1, 0, RW),
			 S_NOENT);
	/* Overlapping the existing mapping in each shape. */
	assert_int_equal(map(f, 4, 0x10000, 0x1ffff, 0, RW), S_INVAL);
	assert_int_equal(map(f, 4, 0x11000, 0x11fff, 0, RW), S_INVAL);
	assert_int_equal(map(f, 4, 0xf000, 0x20fff, 0, RW), S_INVAL);
	assert_int_equal(map(f, 4, 0xf000, 0x10fff, 0, RW), S_INVAL);
	assert_int_equal(map(f, 4, 0x1f000, 0x20fff, 0, RW), S_INVAL);
	/* Flags: unknown bits, MMIO without the feature. */
	assert_int_equal(map(f, 4, 0, PG - 1, 0, 8), S_INVAL);
	assert_int_equal(map(f, 4, 0, PG - 1, 0, 0x80000000 | RW), S_INVAL);
	assert_int_equal(map(f, 4, 0, PG - 1, 0, MAP_MMIO), S_INVAL);
	/* End before start. */
	assert_int_equal(map(f, 4, 0x2000, 0xfff, 0, RW), S_INVAL);
	/* Page alignment of virt_start, phys_start and virt_end + 1. */
	assert_int_equal(map(f, 4, 0x800, 0x17ff, 0, RW), S_RANGE);
	assert_int_equal(map(f, 4, 0, PG - 1, 0x10, RW), S_RANGE);
	assert_int_equal(map(f, 4, 0, PG - 2, 0, RW), S_RANGE);
	assert_int_equal(map(f, 4, 0, PG, 0, RW), S_RANGE);
	/* Past input_range: straddling its end, wholly above, up to 2^64. */
	assert_int_equal(map(f, 4, VIOMMU_INPUT_END - PG + 1,
			     VIOMMU_INPUT_END + PG, 0, RW), S_RANGE);
	assert_int_equal(map(f, 4, VIOMMU_INPUT_END + 1,
			     VIOMMU_INPUT_END + PG, 0, RW), S_RANGE);
	assert_int_equal(map(f, 4, TOP - PG + 1, TOP, 0, RW), S_RANGE);
	assert_int_equal(map(f, 4, 0, TOP, 0, RW), S_RANGE);
	/* The physical end would wrap past 2^64. */
	assert_int_equal(map(f, 4, 0, 2 * PG - 1, TOP - PG + 1, RW), S_RANGE);
	assert_int_equal(map(f, 4, 0, VIOMMU_INPUT_END,
			     TOP - VIOMMU_INPUT_END + PG, RW), S_RANGE);

	assert_int_equal(d->maps.count, 1);
	assert_int_equal(d->stats.maps, 1);
	assert_int_equal(f->s.total_maps, 1);
}

/*
 * VIOMMU_MAX_MAPPINGS per domain, then NOMEM. The limit is checked
 * against the tree's count, so a count at the limit shows the path
 * quickly; the plain build also fills a million real mappings (about a
 * second, 70 MB), which under ASan would take 400 MB and several seconds.
 */
static void test_map_nomem(void **state)
{
	struct fixture *f = *state;
	struct viommu_domain *d;
	uint64_t i, real;

	assert_int_equal(attach(f, 4, 1, 0), S_OK);
	d = f->s.domains[4];
	assert_int_equal(map(f, 4, 0, PG - 1, 0, MAP_READ), S_OK);
	real = d->maps.count;
	d->maps.count = VIOMMU_MAX_MAPPINGS;
	assert_int_equal(map(f, 4, PG, 2 * PG - 1, 0, MAP_READ),
			 VIRTIO_IOMMU_S_NOMEM);
	assert_null(mapping_find(&d->maps, PG));
	d->maps.count = real;
	assert_int_equal(d->stats.maps, 1);
	assert_int_equal(unmap(f, 4, 0, PG - 1), S_OK);

#ifndef __SANITIZE_ADDRESS__
	for (i = 0; i < VIOMMU_MAX_MAPPINGS; i++) {
		uint8_t b[MAP_LEN], tail[4];

		mk_map(b, 4, i * PG, i * PG + PG - 1, 0, MAP_READ);
		if (viommu_request(&f->s, b, sizeof(b), tail, 4) != S_OK)
			fail_msg("map %llu failed", (unsigned long long)i);
	}
	assert_int_equal(d->maps.count, VIOMMU_MAX_MAPPINGS);
	assert_int_equal(map(f, 4, i * PG, i * PG + PG - 1, 0, MAP_READ),
			 VIRTIO_IOMMU_S_NOMEM);
	assert_int_equal(d->maps.count, VIOMMU_MAX_MAPPINGS);
	/* Room again after an UNMAP. */
	assert_int_equal(unmap(f, 4, 0, PG - 1), S_OK);
	assert_int_equal(map(f, 4, i * PG, i * PG + PG - 1, 0, MAP_READ),
			 S_OK);
	/* Balanced: 1.45 * log2(2^20) is 29. */
	assert_true(d->maps.root->height <= 29);
#else
	(void)i;
#endif
}

/* ---- UNMAP ---- */

static void test_unmap(void **state)
{
	struct fixture *f = *state;
	struct viommu_domain *d;

	assert_int_equal(attach(f, 4, 1, 0), S_OK);
	d = f->s.domains[4];
	assert_int_equal(map(f, 4, 0x1000, 0x1fff, 0, RW), S_OK);
	assert_int_equal(map(f, 4, 0x2000, 0x3fff, 0, RW), S_OK);
	assert_int_equal(map(f, 4, 0x8000, 0x8fff, 0, RW), S_OK);
	assert_int_equal(map(f, 4, VIOMMU_INPUT_END - PG + 1,
			     VIOMMU_INPUT_END, 0, RW), S_OK);

	/* Would split a mapping: RANGE, and nothing at all removed. */
	assert_int_equal(unmap(f, 4, 0x1000, 0x2fff), S_RANGE);
	assert_int_equal(unmap(f, 4, 0x3000, 0x8fff), S_RANGE);
	assert_int_equal(unmap(f, 4, 0x1000, 0x1fff + 0x800), S_RANGE);
	assert_int_equal(unmap(f, 4, 0x0, 0x1000), S_RANGE);
	assert_int_equal(d->maps.count, 4);
	assert_int_equal(xlate(f, 1, 0x1000, 1, DMA_FROM_GUEST, NULL), 0);
	assert_int_equal(xlate(f, 1, 0x3fff, 1, DMA_FROM_GUEST, NULL), 0);
	/* Unknown domain, a bypass-less domain with end before start. */
	assert_int_equal(unmap(f, 5, 0, TOP), S_NOENT);
	assert_int_equal(unmap(f, 0, 0, TOP), S_NOENT);
	assert_int_equal(unmap(f, 4, 0x2000, 0x1fff), S_INVAL);
	/* Nothing in range: fine, nothing happens. */
	assert_int_equal(unmap(f, 4, 0x4000, 0x7fff), S_OK);
	assert_int_equal(unmap(f, 4, VIOMMU_INPUT_END + 1, TOP), S_OK);
	assert_int_equal(d->maps.count, 4);
	assert_int_equal(d->stats.unmaps, 0);

	/* Exact. */
	assert_int_equal(unmap(f, 4, 0x1000, 0x1fff), S_OK);
	assert_int_equal(d->maps.count, 3);
	assert_int_equal(xlate(f, 1, 0x1000, 1, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 1, 0x1000);
	/* Several, spilling over unmapped space. */
	assert_int_equal(unmap(f, 4, 0, 0xffff), S_OK);
	assert_int_equal(d->maps.count, 1);
	/* The top of the input range, with a range to 2^64 - 1. */
	assert_int_equal(unmap(f, 4, VIOMMU_INPUT_END - PG + 1, TOP), S_OK);
	assert_int_equal(d->maps.count, 0);
	assert_int_equal(d->stats.unmaps, 4);
	assert_int_equal(f->s.total_unmaps, 4);
	assert_int_equal(f->s.total_maps, 4);
}

/* ---- PROBE ---- */

static void test_probe(void **state)
{
	struct fixture *f = *state;
	uint8_t b[PROBE_LEN], out[VIOMMU_PROBE_SIZE + 64 + 4];
	size_t i, len;

	mk_probe(b, 2);
	/* Reserved bytes of PROBE are ignored. */
	memset(b + 8, 0xff, 64);
	for (len = VIOMMU_PROBE_SIZE; len <= VIOMMU_PROBE_SIZE + 64;
	     len += 64) {
		memset(out, 0xee, sizeof(out));
		assert_int_equal(viommu_request(&f->s, b, sizeof(b), out,
						len + 4), S_OK);
		/* One RESV_MEM property: the MSI doorbell window. */
		assert_int_equal(get(out, 2), VIRTIO_IOMMU_PROBE_T_RESV_MEM);
		assert_int_equal(get(out + 2, 2), 20);
		assert_int_equal(out[4], VIRTIO_IOMMU_RESV_MEM_T_MSI);
		assert_int_equal(get(out + 5, 3), 0);
		assert_int_equal(get(out + 8, 8), VIOMMU_MSI_START);
		assert_int_equal(get(out + 16, 8), VIOMMU_MSI_END);
		assert_int_equal(VIOMMU_MSI_START, 0xfee00000);
		assert_int_equal(VIOMMU_MSI_END, 0xfeefffff);
		/* Then zeroes: a type-0 property ends the list. */
		for (i = 24; i < len; i++)
			assert_int_equal(out[i], 0);
		assert_int_equal(get(out + len, 4), S_OK);
	}
}

/*
 * A PCI function's endpoint ID follows its requester ID, far above the
 * small IDs of virtio-mmio devices: requests name it by that ID, and it
 * works like any other, whichever slot it took.
 */
static void test_chosen_endpoint_id(void **state)
{
	struct fixture *f = *state;
	uint32_t pci = 0x10000 | (3 << 3);	/* 00:03.0 */
	struct viommu_endpoint *ep;
	uint64_t g = 0, contig = 0;
	uint8_t b[PROBE_LEN], out[VIOMMU_PROBE_SIZE + 4];

	assert_int_equal(viommu_state_add_endpoint_id(&f->s, "pci", pci),
			 (int)pci);
	ep = viommu_endpoint_get(&f->s, pci);
	assert_non_null(ep);
	assert_int_equal(ep->slot, NR_EPS + 1);
	assert_ptr_equal(viommu_endpoint_get(&f->s, 2), &f->s.endpoints[2]);
	assert_null(viommu_endpoint_get(&f->s, NR_EPS + 1));
	assert_null(viommu_endpoint_get(&f->s, 0));
	/* An ID is given once; 0 and IDs past INT32_MAX are none. */
	assert_int_equal(viommu_state_add_endpoint_id(&f->s, "again", pci),
			 -EEXIST);
	assert_int_equal(viommu_state_add_endpoint_id(&f->s, "again", 2),
			 -EEXIST);
	assert_int_equal(viommu_state_add_endpoint_id(&f->s, "zero", 0),
			 -EINVAL);
	assert_int_equal(viommu_state_add_endpoint_id(&f->s, "big",
						      0x80000000u), -EINVAL);
	/* The next device added in order takes the next free small ID. */
	assert_int_equal(viommu_state_add_endpoint(&f->s, "next"), NR_EPS + 2);
	assert_int_equal(viommu_state_add_endpoint_id(&f->s, "x", NR_EPS + 4),
			 NR_EPS + 4);
	assert_int_equal(viommu_state_add_endpoint(&f->s, "after"), NR_EPS + 5);

	/* Denied until attached, by its ID; then translated by its domain. */
	assert_int_equal(viommu_translate(ep, 0x4000, 16, DMA_FROM_GUEST, &g,
					  &contig), -EFAULT);
	assert_int_equal(ep->stats.faults, 1);
	assert_int_equal(ep->fault_log.recent[0].endpoint, pci);
	assert_int_equal(attach(f, 7, pci, 0), S_OK);
	assert_ptr_equal(ep->domain, f->s.domains[7]);
	assert_int_equal(f->s.domains[7]->endpoints, 1ULL << ep->slot);
	assert_int_equal(map(f, 7, 0x4000, 0x4fff, 0x9000, RW), S_OK);
	assert_int_equal(viommu_translate(ep, 0x4010, 16, DMA_TO_GUEST, &g,
					  &contig), 0);
	assert_int_equal(g, 0x9010);
	mk_probe(b, pci);
	assert_int_equal(viommu_request(&f->s, b, sizeof(b), out, sizeof(out)),
			 S_OK);
	/* Its slot number is nobody's ID. */
	assert_int_equal(attach(f, 7, NR_EPS + 1, 0), S_NOENT);
	assert_int_equal(detach(f, 7, pci), S_OK);
	assert_null(ep->domain);
	assert_null(f->s.domains[7]);
}

static void test_probe_errors(void **state)
{
	struct fixture *f = *state;
	uint8_t b[PROBE_LEN], out[VIOMMU_PROBE_SIZE + 4];
	size_t i;

	/* Unknown endpoint: NOENT, and no property written. */
	memset(out, 0xee, sizeof(out));
	mk_probe(b, 0);
	assert_int_equal(viommu_request(&f->s, b, sizeof(b), out, sizeof(out)),
			 S_NOENT);
	mk_probe(b, NR_EPS + 1);
	assert_int_equal(viommu_request(&f->s, b, sizeof(b), out, sizeof(out)),
			 S_NOENT);
	for (i = 0; i < VIOMMU_PROBE_SIZE; i++)
		assert_int_equal(out[i], 0xee);
	/* A properties area smaller than probe_size: INVAL, nothing written. */
	mk_probe(b, 1);
	memset(out, 0xee, sizeof(out));
	assert_int_equal(viommu_request(&f->s, b, sizeof(b), out,
					VIOMMU_PROBE_SIZE - 1 + 4), S_INVAL);
	for (i = 0; i < VIOMMU_PROBE_SIZE - 1; i++)
		assert_int_equal(out[i], 0xee);
	assert_int_equal(get(out + VIOMMU_PROBE_SIZE - 1, 4), S_INVAL);
	/* No properties area at all. */
	assert_int_equal(submit(f, b, sizeof(b)), S_INVAL);
}

/* ---- reset ---- */

static void test_reset(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	f->s.allow_mmio = f->s.allow_bypass_flag = f->s.bypass = true;
	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(attach(f, 1, 2, 0), S_OK);
	assert_int_equal(attach(f, 2, 3, VIRTIO_IOMMU_ATTACH_F_BYPASS), S_OK);
	assert_int_equal(map(f, 1, 0, 0xfffff, 0, RW), S_OK);
	assert_int_equal(map(f, 1, 0x100000, 0x100fff, 0, MAP_MMIO), S_OK);
	assert_int_equal(xlate(f, 1, 0x100000, 1, DMA_FROM_GUEST, NULL),
			 -EFAULT);

	viommu_state_reset(&f->s);
	for (i = 0; i <= VIOMMU_DOMAIN_LAST; i++)
		assert_null(f->s.domains[i]);
	for (i = 1; i <= NR_EPS; i++) {
		assert_null(f->s.endpoints[i].domain);
		/* Endpoints are wiring, not guest state: they stay. */
		assert_true(f->s.endpoints[i].present);
	}
	assert_false(f->s.bypass);
	assert_false(f->s.allow_mmio);
	assert_false(f->s.allow_bypass_flag);
	/* Faults from before the reset mean nothing to the next driver. */
	assert_no_fault(f);

	/* Unattached and no bypass: every access faults. */
	assert_int_equal(xlate(f, 1, 0x1000, 1, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_DOMAIN, F_RD, 1, 0x1000);
	assert_int_equal(xlate(f, 3, 0x1000, 1, DMA_TO_GUEST, NULL), -EFAULT);
	assert_fault(f, R_DOMAIN, F_WR, 3, 0x1000);
	/* Domain IDs are free again and start empty. */
	assert_int_equal(attach(f, 2, 1, 0), S_OK);
	assert_int_equal(nr_maps(f, 2), 0);
	assert_int_equal(attach(f, 1, 2, VIRTIO_IOMMU_ATTACH_F_BYPASS),
			 S_INVAL);
}

/* ---- translation ---- */

static void test_permissions(void **state)
{
	struct fixture *f = *state;
	struct dma_space *dma = &f->dma[1];
	uint8_t buf[16], before[16];
	uint64_t gpa;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, MAP_READ), S_OK);
	assert_int_equal(map(f, 1, 0x11000, 0x11fff, 0x4000, MAP_WRITE), S_OK);
	assert_int_equal(map(f, 1, 0x12000, 0x12fff, 0x5000, RW), S_OK);
	assert_int_equal(map(f, 1, 0x13000, 0x13fff, 0x6000, 0), S_OK);

	/* Read-only: the device may read it, never write it. */
	assert_int_equal(xlate(f, 1, 0x10010, 4, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(gpa, 0x3010);
	assert_int_equal(dma_read(dma, 0x10010, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, f->ram + 0x3010, sizeof(buf));
	memcpy(before, f->ram + 0x3010, sizeof(before));
	memset(buf, 0x42, sizeof(buf));
	assert_int_equal(dma_write(dma, 0x10010, buf, sizeof(buf)), -EFAULT);
	assert_memory_equal(f->ram + 0x3010, before, sizeof(before));
	assert_fault(f, R_MAPPING, F_WR, 1, 0x10010);
	/* Write-only: the other way round. */
	assert_int_equal(dma_write(dma, 0x11ff0, buf, sizeof(buf)), 0);
	assert_memory_equal(f->ram + 0x4ff0, buf, sizeof(buf));
	assert_int_equal(dma_read(dma, 0x11ff0, buf, sizeof(buf)), -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 1, 0x11ff0);
	/* Read-write: both. */
	assert_int_equal(dma_write(dma, 0x12000, buf, sizeof(buf)), 0);
	assert_int_equal(dma_read(dma, 0x12000, before, sizeof(before)), 0);
	assert_memory_equal(buf, before, sizeof(buf));
	/* No permission: neither. */
	assert_int_equal(xlate(f, 1, 0x13000, 1, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_int_equal(xlate(f, 1, 0x13fff, 1, DMA_TO_GUEST, NULL), -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 1, 0x13000);
	assert_fault(f, R_MAPPING, F_WR, 1, 0x13fff);
	assert_no_fault(f);
}

static void test_spanning_mappings(void **state)
{
	struct fixture *f = *state;
	struct dma_space *dma = &f->dma[2];
	struct iovec iov[4];
	uint8_t buf[0x2000];

	assert_int_equal(attach(f, 3, 2, 0), S_OK);
	/* Three adjacent IOVA pages over scattered guest pages. */
	assert_int_equal(map(f, 3, 0x10000, 0x10fff, 0x5000, RW), S_OK);
	assert_int_equal(map(f, 3, 0x11000, 0x11fff, 0x2000, RW), S_OK);
	assert_int_equal(map(f, 3, 0x12000, 0x12fff, 0x9000, RW), S_OK);
	assert_int_equal(dma_map(dma, 0x10800, 0x2000, DMA_FROM_GUEST, iov, 4),
			 3);
	assert_ptr_equal(iov[0].iov_base, f->ram + 0x5800);
	assert_int_equal(iov[0].iov_len, 0x800);
	assert_ptr_equal(iov[1].iov_base, f->ram + 0x2000);
	assert_int_equal(iov[1].iov_len, 0x1000);
	assert_ptr_equal(iov[2].iov_base, f->ram + 0x9000);
	assert_int_equal(iov[2].iov_len, 0x800);
	assert_int_equal(dma_map(dma, 0x10800, 0x2000, DMA_FROM_GUEST, iov, 2),
			 -E2BIG);
	assert_int_equal(dma_read(dma, 0x10800, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, f->ram + 0x5800, 0x800);
	assert_memory_equal(buf + 0x800, f->ram + 0x2000, 0x1000);
	assert_memory_equal(buf + 0x1800, f->ram + 0x9000, 0x800);

	/* Separate mappings, contiguous in guest memory: one iovec. */
	assert_int_equal(map(f, 3, 0x20000, 0x20fff, 0x30000, RW), S_OK);
	assert_int_equal(map(f, 3, 0x21000, 0x22fff, 0x31000, RW), S_OK);
	assert_int_equal(dma_map(dma, 0x20001, 0x2ffe, DMA_TO_GUEST, iov, 4),
			 1);
	assert_ptr_equal(iov[0].iov_base, f->ram + 0x30001);
	assert_int_equal(iov[0].iov_len, 0x2ffe);
	assert_no_fault(f);
}

static void test_partial_mapping(void **state)
{
	struct fixture *f = *state;
	struct iovec iov[4];

	assert_int_equal(attach(f, 3, 2, 0), S_OK);
	assert_int_equal(map(f, 3, 0x40000, 0x40fff, 0x8000, RW), S_OK);
	/* The first page is mapped, the second is not: the whole fails. */
	assert_int_equal(dma_map(&f->dma[2], 0x40800, 0x1000, DMA_FROM_GUEST,
				 iov, 4), -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 2, 0x41000);
	/* Up to the last mapped byte is fine. */
	assert_int_equal(dma_map(&f->dma[2], 0x40800, 0x800, DMA_TO_GUEST,
				 iov, 4), 1);
	assert_ptr_equal(iov[0].iov_base, f->ram + 0x8800);
	/* A mapping to guest-physical space that is not RAM: refused. */
	assert_int_equal(map(f, 3, 0x50000, 0x51fff, RAM_SIZE - PG, RW), S_OK);
	assert_int_equal(dma_map(&f->dma[2], 0x50000, PG, DMA_FROM_GUEST, iov,
				 4), 1);
	assert_int_equal(dma_map(&f->dma[2], 0x50fff, 2, DMA_FROM_GUEST, iov,
				 4), -EFAULT);
	assert_int_equal(dma_map(&f->dma[2], 0x51000, 1, DMA_FROM_GUEST, iov,
				 4), -EFAULT);
	/* Those are RAM checks in the accessor, not IOMMU faults. */
	assert_no_fault(f);
}

static void test_unattached(void **state)
{
	struct fixture *f = *state;
	struct iovec iov[2];
	uint64_t gpa;

	/* No domain, bypass off: no access at all. */
	assert_int_equal(dma_map(&f->dma[3], 0x1000, 16, DMA_FROM_GUEST, iov,
				 2), -EFAULT);
	assert_fault(f, R_DOMAIN, F_RD, 3, 0x1000);
	assert_int_equal(dma_map(&f->dma[3], 0x2000, 16, DMA_TO_GUEST, iov,
				 2), -EFAULT);
	assert_fault(f, R_DOMAIN, F_WR, 3, 0x2000);
	/* Bypass on: the identity, still limited to RAM. */
	f->s.bypass = true;
	assert_int_equal(dma_map(&f->dma[3], 0x1000, 16, DMA_FROM_GUEST, iov,
				 2), 1);
	assert_ptr_equal(iov[0].iov_base, f->ram + 0x1000);
	assert_int_equal(iov[0].iov_len, 16);
	assert_int_equal(xlate(f, 3, 0xabcdef, 7, DMA_TO_GUEST, &gpa), 0);
	assert_int_equal(gpa, 0xabcdef);
	assert_int_equal(dma_map(&f->dma[3], RAM_SIZE - 8, 16, DMA_FROM_GUEST,
				 iov, 2), -EFAULT);
	/* Attached endpoints do not bypass, whatever the config says. */
	assert_int_equal(attach(f, 1, 3, 0), S_OK);
	assert_int_equal(xlate(f, 3, 0x1000, 16, DMA_FROM_GUEST, &gpa),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 3, 0x1000);
	assert_no_fault(f);
}

static void test_translate_edges(void **state)
{
	struct fixture *f = *state;
	uint64_t gpa, contig;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, VIOMMU_INPUT_END - 2 * PG + 1,
			     VIOMMU_INPUT_END, 0x20000, RW), S_OK);
	/* contig is what is left of the mapping, or the length asked. */
	assert_int_equal(viommu_translate(&f->s.endpoints[1],
					  VIOMMU_INPUT_END - 3, 100,
					  DMA_FROM_GUEST, &gpa, &contig), 0);
	assert_int_equal(gpa, 0x21ffc);
	assert_int_equal(contig, 4);
	assert_int_equal(viommu_translate(&f->s.endpoints[1],
					  VIOMMU_INPUT_END - 2 * PG + 1, 5,
					  DMA_TO_GUEST, &gpa, &contig), 0);
	assert_int_equal(gpa, 0x20000);
	assert_int_equal(contig, 5);
	assert_int_equal(viommu_translate(&f->s.endpoints[1],
					  VIOMMU_INPUT_END - 2 * PG + 1,
					  TOP, DMA_TO_GUEST, &gpa, &contig),
			 0);
	assert_int_equal(contig, 2 * PG);
	assert_int_equal(xlate(f, 1, VIOMMU_INPUT_END + 1, 1, DMA_TO_GUEST,
			       NULL), -EFAULT);
	assert_fault(f, R_MAPPING, F_WR, 1, VIOMMU_INPUT_END + 1);
	assert_int_equal(xlate(f, 1, TOP, 1, DMA_TO_GUEST, NULL), -EFAULT);
	assert_fault(f, R_MAPPING, F_WR, 1, TOP);
}

static void test_fault_queue(void **state)
{
	struct fixture *f = *state;
	struct viommu_fault ft;
	unsigned int i;

	for (i = 0; i < VIOMMU_FAULT_QUEUE + 10; i++)
		assert_int_equal(xlate(f, 1 + i % 2, i * PG, 1,
				       i % 3 ? DMA_FROM_GUEST : DMA_TO_GUEST,
				       NULL), -EFAULT);
	/* The queue is bounded: the overflow is counted, not kept. */
	assert_int_equal(f->s.faults_dropped, 10);
	assert_int_equal(f->notified, VIOMMU_FAULT_QUEUE);
	for (i = 0; i < VIOMMU_FAULT_QUEUE; i++) {
		assert_true(viommu_fault_pop(&f->s, &ft));
		assert_int_equal(ft.reason, R_DOMAIN);
		assert_int_equal(ft.endpoint, 1 + i % 2);
		assert_int_equal(ft.address, i * PG);
		assert_int_equal(ft.flags, i % 3 ? F_RD : F_WR);
	}
	assert_false(viommu_fault_pop(&f->s, &ft));
	/* Room again, in order, across the ring's wrap. */
	for (i = 0; i < 3 * VIOMMU_FAULT_QUEUE / 2; i++) {
		assert_int_equal(xlate(f, 3, i, 1, DMA_TO_GUEST, NULL),
				 -EFAULT);
		assert_fault(f, R_DOMAIN, F_WR, 3, i);
	}
	assert_int_equal(f->s.faults_dropped, 10);
	assert_no_fault(f);
}

/*
 * Each endpoint's fault log, which the test device shows the guest: a
 * total that nothing drops, and the last VIOMMU_FAULT_LOG faults in order,
 * even when the event queue's backlog is full.
 */
static void test_fault_log(void **state)
{
	struct fixture *f = *state;
	struct viommu_fault recent[VIOMMU_FAULT_LOG];
	unsigned int i, nr = VIOMMU_FAULT_LOG;
	uint64_t total;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(viommu_faults_recent(&f->s, 1, &total, recent, &nr),
			 0);
	assert_int_equal(total, 0);
	assert_int_equal(nr, 0);
	for (i = 0; i < VIOMMU_FAULT_QUEUE + 20; i++)
		assert_int_equal(xlate(f, 1, 0x100000 + i * PG, 8,
				       i % 2 ? DMA_TO_GUEST : DMA_FROM_GUEST,
				       NULL), -EFAULT);
	assert_int_not_equal(f->s.faults_dropped, 0);
	nr = 3;
	assert_int_equal(viommu_faults_recent(&f->s, 1, &total, recent, &nr),
			 0);
	assert_int_equal(total, VIOMMU_FAULT_QUEUE + 20);
	assert_int_equal(nr, 3);
	assert_int_equal(recent[2].address,
			 0x100000 + (VIOMMU_FAULT_QUEUE + 19) * PG);
	nr = 100;
	assert_int_equal(viommu_faults_recent(&f->s, 1, &total, recent, &nr),
			 0);
	assert_int_equal(nr, VIOMMU_FAULT_LOG);
	for (i = 0; i < nr; i++) {
		unsigned int k = VIOMMU_FAULT_QUEUE + 20 - VIOMMU_FAULT_LOG + i;

		assert_int_equal(recent[i].address, 0x100000 + k * PG);
		assert_int_equal(recent[i].endpoint, 1);
		assert_int_equal(recent[i].reason, R_MAPPING);
		assert_int_equal(recent[i].flags, k % 2 ? F_WR : F_RD);
	}
	/* Other endpoints keep their own; unknown ones have none. */
	assert_int_equal(viommu_faults_recent(&f->s, 2, &total, recent, &nr),
			 0);
	assert_int_equal(total, 0);
	assert_int_equal(viommu_faults_recent(&f->s, NR_EPS + 1, &total,
					      recent, &nr), -ENOENT);
	assert_int_equal(viommu_faults_recent(&f->s, 0, &total, recent, &nr),
			 -ENOENT);
}

static void test_counters(void **state)
{
	struct fixture *f = *state;
	struct viommu_endpoint *e1 = &f->s.endpoints[1];
	struct viommu_endpoint *e2 = &f->s.endpoints[2];
	struct viommu_domain *d;

	assert_int_equal(xlate(f, 1, 0x5000, 1, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_int_equal(viommu_ep_translations(e1), 1);
	assert_int_equal(e1->stats.faults, 1);
	assert_int_equal(e1->stats.last_fault_addr, 0x5000);

	assert_int_equal(attach(f, 8, 1, 0), S_OK);
	assert_int_equal(attach(f, 8, 2, 0), S_OK);
	d = f->s.domains[8];
	assert_int_equal(map(f, 8, 0, 0x3fff, 0, RW), S_OK);
	assert_int_equal(map(f, 8, 0x4000, 0x4fff, 0, MAP_READ), S_OK);
	assert_int_equal(xlate(f, 1, 0x10, 1, DMA_FROM_GUEST, NULL), 0);
	assert_int_equal(xlate(f, 2, 0x20, 1, DMA_TO_GUEST, NULL), 0);
	assert_int_equal(xlate(f, 2, 0x4000, 1, DMA_TO_GUEST, NULL), -EFAULT);
	assert_int_equal(xlate(f, 2, 0x9000, 1, DMA_TO_GUEST, NULL), -EFAULT);
	assert_int_equal(viommu_ep_translations(e1), 2);
	assert_int_equal(e1->stats.faults, 1);
	assert_int_equal(viommu_ep_translations(e2), 3);
	assert_int_equal(e2->stats.faults, 2);
	assert_int_equal(e2->stats.last_fault_addr, 0x9000);
	assert_int_equal(viommu_domain_translations(&f->s, d), 4);
	assert_int_equal(d->stats.faults, 2);
	assert_int_equal(d->stats.last_fault_addr, 0x9000);
	assert_int_equal(unmap(f, 8, 0, TOP), S_OK);
	assert_int_equal(d->stats.maps, 2);
	assert_int_equal(d->stats.unmaps, 2);
	assert_int_equal(f->s.total_maps, 2);
	assert_int_equal(f->s.total_unmaps, 2);
	while (viommu_fault_pop(&f->s, &(struct viommu_fault){ 0 }))
		;
}

/*
 * The IOTLB is invalidated exactly: an UNMAP elsewhere keeps an entry
 * (the next access hits), the UNMAP of its mapping drops it (the next
 * access faults, or finds the new mapping), and so do DETACH and a move.
 */
static void test_iotlb_exact(void **state)
{
	struct fixture *f = *state;
	struct viommu_iotlb *t1 = &f->s.endpoints[1].iotlb;
	struct viommu_iotlb *t2 = &f->s.endpoints[2].iotlb;
	struct viommu_domain *d;
	uint64_t gpa;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(attach(f, 1, 2, 0), S_OK);
	d = f->s.domains[1];
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x1000, RW), S_OK);
	assert_int_equal(map(f, 1, 0x20000, 0x20fff, 0x2000, MAP_READ), S_OK);
	assert_int_equal(xlate(f, 1, 0x10010, 4, DMA_TO_GUEST, &gpa), 0);
	assert_int_equal(xlate(f, 1, 0x10020, 4, DMA_TO_GUEST, &gpa), 0);
	assert_int_equal(gpa, 0x1020);
	assert_int_equal(xlate(f, 2, 0x20000, 4, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(t1->hits, 1);
	assert_int_equal(t1->misses, 1);
	/* Hits need the permission: a write through a read-only entry. */
	assert_int_equal(xlate(f, 2, 0x20000, 4, DMA_TO_GUEST, NULL), -EFAULT);
	assert_fault(f, R_MAPPING, F_WR, 2, 0x20000);
	assert_int_equal(t2->hits, 0);

	/* Unmapping B leaves endpoint 1's entry for A alone. */
	assert_int_equal(unmap(f, 1, 0x20000, 0x20fff), S_OK);
	assert_int_equal(xlate(f, 1, 0x10000, 4, DMA_TO_GUEST, &gpa), 0);
	assert_int_equal(t1->hits, 2);
	assert_int_equal(xlate(f, 2, 0x20000, 4, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 2, 0x20000);

	/* A remapped elsewhere: the old target is never used again. */
	assert_int_equal(unmap(f, 1, 0x10000, 0x10fff), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x7000, MAP_READ), S_OK);
	assert_int_equal(xlate(f, 1, 0x10000, 4, DMA_TO_GUEST, NULL), -EFAULT);
	assert_fault(f, R_MAPPING, F_WR, 1, 0x10000);
	assert_int_equal(xlate(f, 1, 0x10008, 4, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(gpa, 0x7008);
	assert_int_equal(xlate(f, 1, 0x10008, 4, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(t1->hits, 3);

	/* Its hits stay counted in the domain after the endpoint leaves. */
	assert_int_equal(viommu_domain_translations(&f->s, d), 9);
	assert_int_equal(detach(f, 1, 1), S_OK);
	assert_int_equal(viommu_domain_translations(&f->s, d), 9);
	assert_int_equal(xlate(f, 1, 0x10008, 4, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_DOMAIN, F_RD, 1, 0x10008);
	assert_int_equal(t1->hits, 3);
	assert_int_equal(viommu_ep_translations(&f->s.endpoints[1]), 7);

	/* Endpoint 2 moves to a domain where the IOVA means another page. */
	assert_int_equal(xlate(f, 2, 0x10000, 4, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(attach(f, 2, 2, 0), S_OK);
	assert_int_equal(map(f, 2, 0x10000, 0x10fff, 0x9000, MAP_READ), S_OK);
	assert_int_equal(xlate(f, 2, 0x10000, 4, DMA_FROM_GUEST, &gpa), 0);
	assert_int_equal(gpa, 0x9000);
	assert_no_fault(f);
}

static unsigned int view_of(struct fixture *f, uint32_t ep, uint64_t iova,
			    uint64_t len, uint64_t *gpa, unsigned int *dirs,
			    const unsigned int **gen)
{
	unsigned int seen = 0;

	assert_int_equal(viommu_view(&f->s.endpoints[ep], iova, len, gpa, dirs,
				     gen, &seen), 0);
	return seen;
}

static bool view_refused(struct fixture *f, uint32_t ep, uint64_t iova,
			 uint64_t len)
{
	const unsigned int *gen;
	unsigned int dirs, seen;
	uint64_t gpa;

	return viommu_view(&f->s.endpoints[ep], iova, len, &gpa, &dirs, &gen,
			   &seen) == -EFAULT;
}

/*
 * Ring views are invalidated exactly: an UNMAP elsewhere, or of another
 * endpoint's range, keeps them; an UNMAP that touches a viewed range, a
 * DETACH and an ATTACH end them. Only one mapping can be viewed, with its
 * own permission, and a view never takes a fault.
 */
static void test_view_exact(void **state)
{
	struct fixture *f = *state;
	const unsigned int *gen, *gen2;
	unsigned int seen, seen2, dirs;
	uint64_t gpa;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(attach(f, 1, 2, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x13fff, 0x4000, RW), S_OK);
	assert_int_equal(map(f, 1, 0x14000, 0x14fff, 0x9000, MAP_READ), S_OK);
	assert_int_equal(map(f, 1, 0x20000, 0x20fff, 0x2000, RW), S_OK);
	seen = view_of(f, 1, 0x11000, 0x2000, &gpa, &dirs, &gen);
	assert_int_equal(gpa, 0x5000);
	assert_int_equal(dirs, DMA_FROM_GUEST | DMA_TO_GUEST);
	seen2 = view_of(f, 2, 0x20000, 0x100, &gpa, &dirs, &gen2);
	assert_int_equal(view_of(f, 2, 0x14000, 0x1000, &gpa, &dirs, &gen2),
			 seen2);
	assert_int_equal(gpa, 0x9000);
	assert_int_equal(dirs, DMA_FROM_GUEST);

	/* Across two mappings, or where nothing is mapped: no view. */
	assert_true(view_refused(f, 1, 0x13000, 0x2000));
	assert_true(view_refused(f, 1, 0x30000, 0x10));
	assert_no_fault(f);

	/* Endpoint 2's range goes: endpoint 1's views stay. */
	assert_int_equal(unmap(f, 1, 0x20000, 0x20fff), S_OK);
	assert_int_equal(*gen, seen);
	assert_int_equal(*gen2, seen2 + 1);
	/* Nothing, or nothing endpoint 1 views, goes: still good. */
	assert_int_equal(unmap(f, 1, 0x30000, 0x30fff), S_OK);
	assert_int_equal(unmap(f, 1, 0x14000, 0x14fff), S_OK);
	assert_int_equal(*gen, seen);
	/* The viewed mapping goes: the view is stale. */
	assert_int_equal(unmap(f, 1, 0x10000, 0x13fff), S_OK);
	assert_int_equal(*gen, seen + 1);
	assert_true(view_refused(f, 1, 0x11000, 0x2000));

	/* Mapped again, viewed again; DETACH and ATTACH end it too. */
	assert_int_equal(map(f, 1, 0x10000, 0x13fff, 0x4000, RW), S_OK);
	seen = view_of(f, 1, 0x10000, 0x1000, &gpa, &dirs, &gen);
	assert_int_equal(detach(f, 1, 1), S_OK);
	assert_int_not_equal(*gen, seen);
	assert_true(view_refused(f, 1, 0x10000, 0x1000));
	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	seen = view_of(f, 1, 0x10000, 0x1000, &gpa, &dirs, &gen);
	assert_int_equal(attach(f, 2, 1, 0), S_OK);
	assert_int_not_equal(*gen, seen);
	assert_no_fault(f);
}

/* ---- UNMAP and DETACH against a request in flight ---- */

struct holder {
	struct viommu_endpoint *ep;
	int token;
	unsigned int others;		/* holds on ep besides ours */
	unsigned int delay_ms;
	atomic_bool released;
	/* For the watchdog variant: the main thread is done, stop early. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

/*
 * Hold @ep as a request in flight would, its buffer at IOVA @note (0:
 * none) translated under the hold, then recording stopped.
 */
static void holder_init(struct holder *h, struct viommu_endpoint *ep,
			unsigned int delay_ms, uint64_t note)
{
	uint64_t gpa, contig;

	memset(h, 0, sizeof(*h));
	h->ep = ep;
	h->others = viommu_holds(ep);
	h->delay_ms = delay_ms;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	/* Held before the thread exists, so the order is not a race. */
	h->token = viommu_hold(ep);
	if (note)
		assert_int_equal(viommu_translate(ep, note, 64, DMA_TO_GUEST,
						  &gpa, &contig), 0);
	viommu_record(ep, DMA_NO_HOLD);
}

/* Keep the hold for delay_ms (or until told to stop), then release it. */
static void *holder_fn(void *arg)
{
	struct holder *h = arg;
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += h->delay_ms / 1000;
	until.tv_nsec += (long)(h->delay_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&h->lock);
	while (!h->done &&
	       pthread_cond_timedwait(&h->cond, &h->lock, &until) == 0)
		;
	pthread_mutex_unlock(&h->lock);
	/* Flag first: whoever sees the hold gone must see the flag too. */
	atomic_store(&h->released, true);
	viommu_release(h->ep, h->token);
	return NULL;
}

static void holder_finish(struct holder *h, pthread_t t)
{
	pthread_mutex_lock(&h->lock);
	h->done = true;
	pthread_cond_signal(&h->cond);
	pthread_mutex_unlock(&h->lock);
	assert_int_equal(pthread_join(t, NULL), 0);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->cond);
	assert_int_equal(viommu_holds(h->ep), h->others);
}

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/*
 * Endpoint 1 holds a mapped buffer; @req (which removes what it uses)
 * must not complete until the holder lets go, 100 ms later.
 */
static void assert_waits_for_hold(struct fixture *f, const uint8_t *req,
				  size_t len)
{
	struct holder h;
	pthread_t t;
	double start, took;
	bool released;
	uint8_t st;

	holder_init(&h, &f->s.endpoints[1], 100, 0x10000);
	start = now_ms();
	assert_int_equal(pthread_create(&t, NULL, holder_fn, &h), 0);
	st = submit(f, req, len);
	released = atomic_load(&h.released);
	took = now_ms() - start;
	/* Join before judging: a failed assert must not strand the thread. */
	holder_finish(&h, t);
	assert_int_equal(st, S_OK);
	assert_true(released);
	assert_true(took >= 90);
}

static void test_unmap_waits_for_inflight(void **state)
{
	struct fixture *f = *state;
	uint8_t b[UNMAP_LEN];

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	assert_int_equal(xlate(f, 1, 0x10000, 64, DMA_TO_GUEST, NULL), 0);
	assert_waits_for_hold(f, b, mk_unmap(b, 1, 0x10000, 0x10fff));
	assert_int_equal(xlate(f, 1, 0x10000, 64, DMA_TO_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_WR, 1, 0x10000);
}

static void test_detach_waits_for_inflight(void **state)
{
	struct fixture *f = *state;
	uint8_t b[DETACH_LEN];

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	assert_int_equal(xlate(f, 1, 0x10000, 64, DMA_FROM_GUEST, NULL), 0);
	assert_waits_for_hold(f, b, mk_detach(b, 1, 1));
	assert_null(f->s.domains[1]);
	assert_int_equal(xlate(f, 1, 0x10000, 64, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_DOMAIN, F_RD, 1, 0x10000);
}

/* Moving an endpoint to another domain detaches it first: same wait. */
static void test_attach_move_waits_for_inflight(void **state)
{
	struct fixture *f = *state;
	uint8_t b[ATTACH_LEN];

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	assert_waits_for_hold(f, b, mk_attach(b, 2, 1, 0));
	assert_int_equal(xlate(f, 1, 0x10000, 64, DMA_FROM_GUEST, NULL),
			 -EFAULT);
	assert_fault(f, R_MAPPING, F_RD, 1, 0x10000);
}

/*
 * A hold on an endpoint outside the domain does not delay an UNMAP. A
 * watchdog releases it after 5 s so that a wrong wait fails the test
 * instead of hanging it.
 */
static void test_unmap_ignores_other_endpoints(void **state)
{
	struct fixture *f = *state;
	struct holder h;
	pthread_t t;
	bool released;
	uint8_t st;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(attach(f, 2, 2, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	assert_int_equal(map(f, 2, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	holder_init(&h, &f->s.endpoints[2], 5000, 0x10000);
	assert_int_equal(pthread_create(&t, NULL, holder_fn, &h), 0);
	st = unmap(f, 1, 0x10000, 0x10fff);
	released = atomic_load(&h.released);
	holder_finish(&h, t);
	assert_int_equal(st, S_OK);
	assert_false(released);
	assert_int_equal(nr_maps(f, 2), 1);
}

/*
 * A request that holds another mapping of the domain, or translated this
 * one only after it stopped recording, does not delay an UNMAP either.
 */
static void test_unmap_ignores_other_ranges(void **state)
{
	struct fixture *f = *state;
	struct viommu_endpoint *ep = &f->s.endpoints[1];
	uint64_t gpa, contig;
	struct holder h;
	pthread_t t;
	bool released;
	uint8_t st;
	int late;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	assert_int_equal(map(f, 1, 0x20000, 0x20fff, 0x4000, RW), S_OK);
	holder_init(&h, ep, 5000, 0x20000);
	late = viommu_hold(ep);
	viommu_record(ep, DMA_NO_HOLD);
	assert_int_equal(viommu_translate(ep, 0x10000, 64, DMA_TO_GUEST, &gpa,
					  &contig), 0);
	assert_int_equal(pthread_create(&t, NULL, holder_fn, &h), 0);
	st = unmap(f, 1, 0x10000, 0x10fff);
	released = atomic_load(&h.released);
	viommu_release(ep, late);
	holder_finish(&h, t);
	assert_int_equal(st, S_OK);
	assert_false(released);
	assert_int_equal(nr_maps(f, 1), 1);
}

/*
 * More requests in flight than an endpoint has slots: the ones without
 * a slot noted nothing, so an UNMAP in their domain waits for them all.
 */
static void test_unmap_waits_for_unslotted(void **state)
{
	struct fixture *f = *state;
	struct viommu_endpoint *ep = &f->s.endpoints[1];
	int tokens[VIOMMU_HOLD_SLOTS], i;
	uint8_t b[UNMAP_LEN];

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	for (i = 0; i < VIOMMU_HOLD_SLOTS; i++) {
		tokens[i] = viommu_hold(ep);
		assert_int_equal(tokens[i], i);
	}
	/* The holder's own hold is the one past the slots. */
	assert_waits_for_hold(f, b, mk_unmap(b, 1, 0x10000, 0x10fff));
	for (i = 0; i < VIOMMU_HOLD_SLOTS; i++)
		viommu_release(ep, tokens[i]);
	assert_int_equal(viommu_holds(ep), 0);
	assert_int_equal(atomic_load(&ep->hold_live), 0);
}

/* A request sent from a thread of its own, as a vCPU would send it. */
struct bg_request {
	struct fixture *f;
	uint8_t req[UNMAP_LEN > DETACH_LEN ? UNMAP_LEN : DETACH_LEN];
	size_t len;
	uint8_t status;
	atomic_bool done;
	pthread_t thread;
};

static void *bg_request_fn(void *arg)
{
	struct bg_request *b = arg;

	b->status = submit(b->f, b->req, b->len);
	atomic_store(&b->done, true);
	return NULL;
}

/* Start it once a request is built into b->req; returns when it waits. */
static void bg_request_start(struct bg_request *b)
{
	assert_int_equal(pthread_create(&b->thread, NULL, bg_request_fn, b),
			 0);
	while (!atomic_load(&b->f->s.hold_waiters))
		sched_yield();
}

/* Wait up to @ms for @flag; false if it never came. */
static bool wait_flag(atomic_bool *flag, double ms)
{
	double until = now_ms() + ms;

	while (!atomic_load(flag) && now_ms() < until)
		sched_yield();
	return atomic_load(flag);
}

/*
 * Two requests in flight through the range an UNMAP removes, released in
 * the opposite order to the one the UNMAP waits for them in: it waits for
 * the first slot's request while the second one's is released, then must
 * see that the second slot's request is already gone. (It once waited for
 * that slot's *next* release, which never came while the guest's only
 * vCPU was the one blocked in the UNMAP: make demo-vfio hung there.)
 */
static void test_unmap_holds_released_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct viommu_endpoint *ep = &f->s.endpoints[1];
	struct bg_request u = { .f = f };
	uint64_t gpa, contig;
	int first, second, rescue[2];
	bool finished;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	first = viommu_hold(ep);
	assert_int_equal(viommu_translate(ep, 0x10000, 64, DMA_TO_GUEST, &gpa,
					  &contig), 0);
	second = viommu_hold(ep);
	assert_int_equal(viommu_translate(ep, 0x10800, 64, DMA_TO_GUEST, &gpa,
					  &contig), 0);
	viommu_record(ep, DMA_NO_HOLD);
	assert_int_equal(first, 0);
	assert_int_equal(second, 1);
	/* The UNMAP sleeps on the first slot's request. */
	u.len = mk_unmap(u.req, 1, 0x10000, 0x10fff);
	bg_request_start(&u);
	viommu_release(ep, second);
	assert_false(atomic_load(&u.done));
	viommu_release(ep, first);
	finished = wait_flag(&u.done, 5000);
	if (!finished) {
		/* Unstick it before failing: new holds on both slots, gone. */
		rescue[0] = viommu_hold(ep);
		rescue[1] = viommu_hold(ep);
		viommu_release(ep, rescue[0]);
		viommu_release(ep, rescue[1]);
	}
	assert_int_equal(pthread_join(u.thread, NULL), 0);
	assert_true(finished);
	assert_int_equal(u.status, S_OK);
	assert_int_equal(nr_maps(f, 1), 0);
}

/*
 * DETACH waits for the requests in flight when it ran, not for a moment
 * when the endpoint has none: a device that keeps taking new holds (a
 * guest with other vCPUs still submitting) must not starve it.
 */
static void test_detach_ignores_later_holds(void **state)
{
	struct fixture *f = *state;
	struct viommu_endpoint *ep = &f->s.endpoints[1];
	struct bg_request d = { .f = f };
	int before, after;
	bool finished;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	before = viommu_hold(ep);
	viommu_record(ep, DMA_NO_HOLD);
	d.len = mk_detach(d.req, 1, 1);
	bg_request_start(&d);
	after = viommu_hold(ep);
	viommu_record(ep, DMA_NO_HOLD);
	viommu_release(ep, before);
	finished = wait_flag(&d.done, 5000);
	viommu_release(ep, after);
	assert_int_equal(pthread_join(d.thread, NULL), 0);
	assert_true(finished);
	assert_int_equal(d.status, S_OK);
	assert_null(f->s.domains[1]);
}

/* A device thread at the test gate: held, then the data moves. */
struct gated {
	struct viommu_endpoint *ep;
	int token;
	atomic_bool through;
	pthread_t thread;
};

static void *gated_fn(void *arg)
{
	struct gated *g = arg;

	viommu_gate(g->ep);
	atomic_store(&g->through, true);
	viommu_release(g->ep, g->token);
	return NULL;
}

/*
 * The test gate holds a request that translated its buffer until an
 * UNMAP of that buffer waits for it; the UNMAP then completes after the
 * request, and counts the hold it waited for.
 */
static void test_gate_until_unmap_waits(void **state)
{
	struct fixture *f = *state;
	struct viommu_endpoint *ep = &f->s.endpoints[1];
	struct gated g = { .ep = ep };
	uint64_t gpa, contig;
	int i;

	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(map(f, 1, 0x10000, 0x10fff, 0x3000, RW), S_OK);
	viommu_gate_arm(&f->s, 1, 60000);
	g.token = viommu_hold(ep);
	assert_int_equal(viommu_translate(ep, 0x10000, 64, DMA_TO_GUEST, &gpa,
					  &contig), 0);
	viommu_record(ep, DMA_NO_HOLD);
	assert_int_equal(pthread_create(&g.thread, NULL, gated_fn, &g), 0);
	/* Nothing waits for it yet: it stays at the gate. */
	for (i = 0; i < 100; i++)
		sched_yield();
	assert_false(atomic_load(&g.through));
	assert_int_equal(unmap(f, 1, 0x10000, 0x10fff), S_OK);
	assert_true(atomic_load(&g.through));
	assert_int_equal(pthread_join(g.thread, NULL), 0);
	assert_int_equal(atomic_load(&ep->holds_waited), 1);
	assert_int_equal(atomic_load(&f->s.gate), 0);
	/* Disarmed: the next batch goes straight through. */
	viommu_gate(ep);
}

/* Armed for another endpoint, or with nobody coming: it lets go. */
static void test_gate_elsewhere_and_timeout(void **state)
{
	struct fixture *f = *state;
	double start;

	viommu_gate_arm(&f->s, 2, 60000);
	start = now_ms();
	viommu_gate(&f->s.endpoints[1]);
	assert_true(now_ms() - start < 30000);
	assert_int_equal(atomic_load(&f->s.gate), 2);
	viommu_gate_arm(&f->s, 1, 200);
	start = now_ms();
	viommu_gate(&f->s.endpoints[1]);
	assert_true(now_ms() - start >= 190);
	assert_int_equal(atomic_load(&f->s.gate), 0);
	assert_int_equal(atomic_load(&f->s.endpoints[1].holds_waited), 0);
}

/*
 * Device threads map, use and release buffers in a loop while the main
 * thread maps and removes them. Whatever the interleaving, once UNMAP or
 * DETACH has returned no thread may still be using a translation it got
 * from the removed mapping.
 */
#define RACE_IOVA	0x40000ULL

struct racer {
	struct fixture *f;
	int ep;
	atomic_bool using, stop, bad;
	atomic_ulong hits;
};

static void *racer_fn(void *arg)
{
	struct racer *r = arg;
	struct viommu_endpoint *ep = &r->f->s.endpoints[r->ep];
	uint64_t gpa, contig;
	int spin;

	while (!atomic_load(&r->stop)) {
		int token = viommu_hold(ep);

		if (!viommu_translate(ep, RACE_IOVA + 8, 8, DMA_TO_GUEST, &gpa,
				      &contig)) {
			atomic_store(&r->using, true);
			if (gpa != 0x5008)
				atomic_store(&r->bad, true);
			/* "Use" the buffer long enough to be caught at it. */
			for (spin = 0; spin < 10; spin++)
				sched_yield();
			atomic_store(&r->using, false);
			atomic_fetch_add(&r->hits, 1);
		}
		viommu_release(ep, token);
	}
	return NULL;
}

static void test_unmap_races_dma(void **state)
{
	struct fixture *f = *state;
	struct racer r[2];
	pthread_t t[2];
	bool stale = false;
	double start;
	int i, k, rounds = 0;

	f->s.fault_notify = NULL;
	assert_int_equal(attach(f, 1, 1, 0), S_OK);
	assert_int_equal(attach(f, 1, 2, 0), S_OK);
	for (i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].f = f;
		r[i].ep = i + 1;
		assert_int_equal(pthread_create(&t[i], NULL, racer_fn, &r[i]),
				 0);
	}
	start = now_ms();
	/* A few hundred rounds, and both devices through many times. */
	while (now_ms() - start < 2000 &&
	       (rounds < 300 || atomic_load(&r[0].hits) < 50 ||
		atomic_load(&r[1].hits) < 50)) {
		if (map(f, 1, RACE_IOVA, RACE_IOVA + PG - 1, 0x5000, RW))
			break;
		for (k = 0; k < 5; k++)
			sched_yield();
		if (rounds % 2) {
			/* Endpoint 1 leaves: its translations must be done. */
			if (detach(f, 1, 1))
				break;
			stale |= atomic_load(&r[0].using);
			if (attach(f, 1, 1, 0))
				break;
		}
		if (unmap(f, 1, RACE_IOVA, RACE_IOVA + PG - 1))
			break;
		stale |= atomic_load(&r[0].using) || atomic_load(&r[1].using);
		rounds++;
		/* Drain the faults the misses queue, so none are dropped. */
		while (viommu_fault_pop(&f->s, &(struct viommu_fault){ 0 }))
			;
	}
	for (i = 0; i < 2; i++) {
		atomic_store(&r[i].stop, true);
		pthread_join(t[i], NULL);
	}
	/* What happened, so a run under load shows the race was run. */
	print_message("races: %d rounds, %lu and %lu translations used, %llu and %llu holds waited for by UNMAP/DETACH\n",
		      rounds, atomic_load(&r[0].hits), atomic_load(&r[1].hits),
		      (unsigned long long)atomic_load(&f->s.endpoints[1].holds_waited),
		      (unsigned long long)atomic_load(&f->s.endpoints[2].holds_waited));
	assert_false(stale);
	assert_false(atomic_load(&r[0].bad) || atomic_load(&r[1].bad));
	/* The loop ran to its end, and the devices did get through. */
	assert_true(rounds >= 300 || now_ms() - start >= 2000);
	assert_true(atomic_load(&r[0].hits) + atomic_load(&r[1].hits) > 0);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_room_for_tail),
		T(test_short_requests),
		T(test_unknown_type),
		T(test_tail_placement),
		T(test_attach),
		T(test_attach_errors),
		T(test_attach_bypass_domain),
		T(test_attach_moves_endpoint),
		T(test_shared_domain),
		T(test_detach_errors),
		T(test_map),
		T(test_map_errors),
		T(test_map_nomem),
		T(test_unmap),
		T(test_probe),
		T(test_probe_errors),
		T(test_chosen_endpoint_id),
	T(test_chosen_endpoint_id),
		T(test_reset),
		T(test_permissions),
		T(test_spanning_mappings),
		T(test_partial_mapping),
		T(test_unattached),
		T(test_translate_edges),
		T(test_fault_queue),
		T(test_counters),
		T(test_fault_log),
		T(test_iotlb_exact),
		T(test_view_exact),
		T(test_unmap_waits_for_inflight),
		T(test_detach_waits_for_inflight),
		T(test_attach_move_waits_for_inflight),
		T(test_unmap_ignores_other_ranges),
		T(test_unmap_waits_for_unslotted),
		T(test_unmap_holds_released_out_of_order),
		T(test_detach_ignores_later_holds),
		T(test_gate_until_unmap_waits),
		T(test_gate_elsewhere_and_timeout),
		T(test_unmap_ignores_other_endpoints),
		T(test_unmap_races_dma),
	};

	return cmocka_run_group_tests_name("iommu", tests, NULL, NULL);
}
