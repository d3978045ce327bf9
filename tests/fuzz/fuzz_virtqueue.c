// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the split virtqueue, device side: the input is the guest's RAM
 * (rings, descriptors, indirect tables) plus where the rings are and how
 * the queue was set up. The harness behaves like a device: pop chains
 * until the queue is empty or broken, touch every buffer, complete each
 * chain, and play with notification suppression on the way.
 */
#include <string.h>

#include "fuzz.h"

const char fuzz_name[] = "virtqueue";

static struct fuzz_vm vm;
static struct vq_chain chain;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct virtqueue *vq = &vm.vq;
	unsigned int i;

	fuzz_vm_load(&vm, data, size);
	for (i = 0; i < vm.max_iters; i++) {
		uint16_t last = vq->last_avail;
		enum vq_status st = vq_pop(vq, &chain);

		if (st == VQ_BROKEN) {
			/* A broken queue consumes nothing, and stays broken. */
			fuzz_assert(vq->last_avail == last);
			fuzz_assert(vq_pop(vq, &chain) == VQ_BROKEN);
			break;
		}
		if (st == VQ_EMPTY) {
			fuzz_assert(vq->last_avail == last);
			vq_enable_notify(vq, true);
			if (!vq_has_work(vq))
				break;
			continue;
		}
		fuzz_assert(st == VQ_CHAIN);
		fuzz_assert(vq->last_avail == (uint16_t)(last + 1));
		fuzz_check_chain(&vm, &chain);
		fuzz_map_chain(&vm, &chain);
		(void)vq_push(vq, chain.head, (uint32_t)chain.writable_len);
		if (vm.ctl.notify & (1u << (i % 8)))
			vq_enable_notify(vq, false);
		(void)vq_should_notify(vq);
	}
	(void)vq_has_work(vq);
	fuzz_vm_check(&vm);
	return 0;
}

/* Two chains of one of three shapes, in every ring variant. */
size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max)
{
	static const uint8_t hdr[16] = { 1, 0, 0, 0, 0, 0, 0, 0, 7 };
	unsigned int shape = n / SEED_VARIANTS;
	struct seed s;

	if (shape > 2 || !seed_begin(&s, buf, max, n % SEED_VARIANTS))
		return 0;
	switch (shape) {
	case 0:
		seed_buf(&s, hdr, 16, false);
		seed_buf(&s, NULL, 512, true);
		seed_buf(&s, NULL, 1, true);
		seed_chain(&s);
		seed_buf(&s, hdr, 16, false);
		seed_buf(&s, NULL, 4096, true);
		seed_chain(&s);
		break;
	case 1:
		seed_buf_top(&s, NULL, 600, false);
		seed_chain(&s);
		seed_buf(&s, NULL, 1, true);
		seed_chain(&s);
		break;
	default:
		seed_buf(&s, hdr, 16, false);
		seed_buf(&s, NULL, 512, false);
		seed_buf(&s, NULL, 1, true);
		seed_chain(&s);
		seed_buf(&s, NULL, 100, true);
		seed_buf_top(&s, NULL, 100, true);
		seed_chain(&s);
		break;
	}
	return seed_end(&s);
}

bool fuzz_in_corpus(unsigned int n)
{
	return seed_in_corpus(n);
}
