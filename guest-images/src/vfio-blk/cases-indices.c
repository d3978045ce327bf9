// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile cases, indices out of range: the available ring's index moved
 * past a whole queue, a head and a next that name no descriptor.
 *
 * Each entry: the name, what the case does, the function that does it
 * and the one outcome it must have: how it ends, and the faults iovm
 * reports for it, in order (struct expect in cases.h; run_case() checks
 * every part).
 */
#include "cases.h"

static case_fn c_avail_idx_jump, c_head_out_of_range, c_next_out_of_range;

static const struct hcase cases[] = {
	{ "avail-idx-jump", "avail->idx moved ahead by 71 in a queue of 64",
	  c_avail_idx_jump,
	  { ENDS_RESET, NO_FAULT } },
	{ "head-out-of-range", "avail ring entry 67 in a queue of 64",
	  c_head_out_of_range,
	  { ENDS_RESET, NO_FAULT } },
	{ "next-out-of-range", "a chain whose next is 0xffff",
	  c_next_out_of_range,
	  { ENDS_RESET, NO_FAULT } },
};

const struct case_list index_cases = CASE_LIST(cases);

static unsigned int c_avail_idx_jump(struct vblk *d, struct outcome *o)
{
	sanity_read(d);
	avail(d)->ring[d->avail_idx % QSIZE] = 0;
	d->avail_idx += QSIZE + 7;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	avail(d)->idx = d->avail_idx;
	notify(d);
	wait_done(d, 1, TIMEOUT_MS, o);
	return 0;
}

static unsigned int c_head_out_of_range(struct vblk *d, struct outcome *o)
{
	sanity_read(d);
	run_one(d, QSIZE + 3, o);
	return 0;
}

static unsigned int c_next_out_of_range(struct vblk *d, struct outcome *o)
{
	sanity_read(d)[1].next = 0xffff;
	run_one(d, 0, o);
	return 0;
}
