// SPDX-License-Identifier: GPL-2.0
/*
 * MSI-X routes: which messages KVM is told about, and when. A vector is
 * routed only while MSI-X is enabled and its message lies in the MSI
 * window, and the route follows an entry the guest rewrites while it is
 * masked only once it is unmasked; a message is signalled only through a
 * route made valid first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../virtio/msix.h"

struct routes {
	int calls, signals, kicks;
	struct { bool valid; uint64_t addr; uint32_t data; } r[MSIX_MAX_VECTORS];
	unsigned int last_signal;
};

static void t_route(void *opaque, unsigned int vec, bool valid, uint64_t addr,
		    uint32_t data)
{
	struct routes *t = opaque;

	t->calls++;
	t->r[vec].valid = valid;
	t->r[vec].addr = addr;
	t->r[vec].data = data;
}

static void t_signal(void *opaque, unsigned int vec)
{
	struct routes *t = opaque;

	/* A message goes out only through a route that says so. */
	assert_true(t->r[vec].valid);
	t->signals++;
	t->last_signal = vec;
}

static void t_kick(void *opaque)
{
	((struct routes *)opaque)->kicks++;
}

static const struct msix_ops ops = { .route = t_route, .signal = t_signal,
				     .kick = t_kick };

static void wr(struct msix *m, uint64_t off, uint32_t v)
{
	msix_table_access(m, off, (uint8_t *)&v, 4, true);
}

static void test_routes(void **state)
{
	static struct routes t;
	struct dma_space dma = { .msi_base = 0xfee00000, .msi_size = 0x100000 };
	struct msix m;

	memset(&t, 0, sizeof(t));
	msix_init(&m, "test", 3, &dma, &ops, &t);
	assert_int_equal(m.nr, 3);
	assert_false(t.r[0].valid || t.r[1].valid || t.r[2].valid);

	/* Written while masked: no route change until the unmask. */
	t.calls = 0;
	wr(&m, 16 + 0, 0xfee01000);
	wr(&m, 16 + 8, 0x4041);
	assert_int_equal(t.calls, 0);
	wr(&m, 16 + 12, 0);
	assert_int_equal(t.calls, 1);
	assert_false(t.r[1].valid);		/* MSI-X still disabled */
	msix_control(&m, MSIX_CTRL_ENABLE);
	assert_true(t.r[1].valid);
	assert_int_equal(t.r[1].addr, 0xfee01000);
	assert_int_equal(t.r[1].data, 0x4041);
	/* Rewritten unmasked (Linux never does): the route follows. */
	wr(&m, 16 + 8, 0x4042);
	assert_int_equal(t.r[1].data, 0x4042);
	/* Outside the window: no route; the message would be DMA. */
	wr(&m, 16 + 0, 0x10000);
	assert_false(t.r[1].valid);
	wr(&m, 16 + 4, 0);
	wr(&m, 16 + 0, 0xfee02000);
	assert_true(t.r[1].valid);
	msix_notify(&m, 1);
	assert_int_equal(t.signals, 1);
	/* Vectors past the table, and disabled MSI-X, send nothing. */
	msix_notify(&m, 3);
	msix_notify(&m, MSIX_NO_VECTOR);
	assert_int_equal(t.signals, 1);
	msix_control(&m, 0);
	assert_false(t.r[1].valid);
	msix_notify(&m, 1);
	assert_int_equal(t.signals, 1);
	assert_int_equal(m.pending, 0);
	/* Reset: all masked, all unrouted. */
	msix_control(&m, MSIX_CTRL_ENABLE);
	msix_reset(&m);
	assert_false(m.enabled);
	assert_false(t.r[1].valid);
	assert_int_equal(m.table[1].ctrl, MSIX_VECTOR_MASKED);
	assert_int_equal(m.table[1].addr_lo, 0);
	msix_exit(&m);
}

/*
 * Held messages wait in the PBA; what a guest write lets go is sent by
 * the device (a kick, then msix_resume()), never on the guest's write.
 */
static void test_pending(void **state)
{
	static struct routes t;
	struct dma_space dma = { .msi_base = 0xfee00000, .msi_size = 0x100000 };
	struct msix m;

	memset(&t, 0, sizeof(t));
	msix_init(&m, "test", 2, &dma, &ops, &t);
	wr(&m, 0, 0xfee00000);
	msix_control(&m, MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	assert_int_equal(t.kicks, 0);		/* nothing pending yet */
	msix_notify(&m, 0);
	assert_true(msix_pending(&m));
	assert_int_equal(t.signals, 0);
	msix_control(&m, MSIX_CTRL_ENABLE);	/* function unmasked, */
	assert_int_equal(t.kicks, 0);		/* but entry 0 still masked */
	wr(&m, 12, 0);
	assert_int_equal(t.kicks, 1);
	assert_int_equal(t.signals, 0);
	msix_resume(&m);
	assert_int_equal(t.signals, 1);
	assert_false(msix_pending(&m));
	msix_resume(&m);			/* nothing left */
	assert_int_equal(t.signals, 1);
	msix_exit(&m);
}

/* A table larger than MSIX_MAX_VECTORS is cut to it. */
static void test_size_bound(void **state)
{
	static struct routes t;
	struct dma_space dma = { 0 };
	struct msix m;

	msix_init(&m, "test", 100, &dma, &ops, &t);
	assert_int_equal(m.nr, MSIX_MAX_VECTORS);
	/* No window at all: nothing is ever an interrupt. */
	wr(&m, 0, 0xfee00000);
	wr(&m, 12, 0);
	msix_control(&m, MSIX_CTRL_ENABLE);
	assert_false(t.r[0].valid);
	msix_exit(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_size_bound),
		cmocka_unit_test(test_pending),
	};

	return cmocka_run_group_tests_name("msix", tests, NULL, NULL);
}
