// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile cases, descriptor chains: loops, chains and indirect tables
 * longer than any device should walk, indirect tables that are nested,
 * empty, huge, unmapped or wrap past 2^64, and a device-readable
 * descriptor after a device-writable one.
 *
 * Each entry: the name, what the case does, the function that does it
 * and the one outcome it must have: how it ends, and the faults iovm
 * reports for it, in order (struct expect in cases.h; run_case() checks
 * every part).
 */
#include "cases.h"

static case_fn c_loop, c_chain_too_long, c_indirect_too_long,
	c_nested_indirect, c_indirect_next, c_indirect_len0,
	c_indirect_huge, c_indirect_unmapped, c_indirect_wrap,
	c_readable_after_writable;

static const struct hcase cases[] = {
	{ "desc-loop", "descriptor 0 -> 1 -> 0",
	  c_loop,
	  { ENDS_RESET, NO_FAULT } },
	{ "chain-longer-than-queue",
	  "all 64 descriptors chained, the last pointing back to the first",
	  c_chain_too_long,
	  { ENDS_RESET, NO_FAULT } },
	{ "indirect-too-long", "an indirect table of 2048 chained entries",
	  c_indirect_too_long,
	  { ENDS_RESET, NO_FAULT } },
	{ "nested-indirect", "an indirect table inside an indirect table",
	  c_nested_indirect,
	  { ENDS_RESET, NO_FAULT } },
	{ "indirect-with-next", "a descriptor with both INDIRECT and NEXT",
	  c_indirect_next,
	  { ENDS_RESET, NO_FAULT } },
	{ "indirect-len-0", "an indirect table of length 0",
	  c_indirect_len0,
	  { ENDS_RESET, NO_FAULT } },
	{ "indirect-len-huge", "an indirect table of length 0xfffffff0",
	  c_indirect_huge,
	  { ENDS_RESET, NO_FAULT } },
	{ "indirect-unmapped", "an indirect table at unmapped IOVA",
	  c_indirect_unmapped,
	  { ENDS_RESET, FAULT(IOVA_HOLE, 'R') } },
	{ "indirect-wraps", "an indirect table at 0xfffffffffffffff8 (wraps past 2^64)",
	  c_indirect_wrap,
	  { ENDS_RESET, NO_FAULT } },
	{ "readable-after-writable",
	  "a device-readable descriptor after a device-writable one",
	  c_readable_after_writable,
	  { ENDS_RESET, NO_FAULT } },
};

const struct case_list chain_cases = CASE_LIST(cases);

/* A loop: 0 -> 1 -> 0. */
static unsigned int c_loop(struct vblk *d, struct outcome *o)
{
	set_hdr(d, 0, T_IN, SANITY_SECTOR);
	set_desc(d, 0, iova(d, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	set_desc(d, 1, iova(d, R_RBUF, 0), 512, D_WRITE | D_NEXT, 0);
	run_one(d, 0, o);
	return 0;
}

/* Every descriptor of the table in one chain, and then one more. */
static unsigned int c_chain_too_long(struct vblk *d, struct outcome *o)
{
	unsigned int i;

	set_hdr(d, 0, T_IN, SANITY_SECTOR);
	set_desc(d, 0, iova(d, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	for (i = 1; i < QSIZE; i++)
		set_desc(d, i, iova(d, R_RBUF, 512 * (i - 1)), 512,
			 D_WRITE | D_NEXT, (i + 1) % QSIZE);
	run_one(d, 0, o);
	return 0;
}

/* Descriptor 0 points at a table (at @addr, @len bytes), 1 is a status. */
static unsigned int indirect(struct vblk *d, struct outcome *o,
			     uint64_t addr, uint32_t len, uint16_t flags)
{
	set_desc(d, 0, addr, len, D_INDIRECT | flags, 1);
	set_desc(d, 1, iova(d, R_CMD, CMD_STATUS(0)), 1, D_WRITE, 0);
	run_one(d, 0, o);
	return 0;
}

/* A well-formed read in the indirect table at @off. */
static void fill_table(struct vblk *d, size_t off)
{
	struct vring_desc *t = (struct vring_desc *)cmd(d, off);

	set_hdr(d, 0, T_IN, SANITY_SECTOR);
	t[0] = (struct vring_desc){ iova(d, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1 };
	t[1] = (struct vring_desc){ iova(d, R_RBUF, 0), 512,
				    D_WRITE | D_NEXT, 2 };
	t[2] = (struct vring_desc){ iova(d, R_CMD, CMD_STATUS(0)), 1,
				    D_WRITE, 0 };
}

static unsigned int c_indirect_too_long(struct vblk *d, struct outcome *o)
{
	struct vring_desc *t = (struct vring_desc *)cmd(d, CMD_TABLE);
	unsigned int i, n = 2048;

	/* 2048 entries, all chained: beyond any chain a device accepts. */
	set_hdr(d, 0, T_IN, SANITY_SECTOR);
	t[0] = (struct vring_desc){ iova(d, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1 };
	for (i = 1; i < n; i++)
		t[i] = (struct vring_desc){ iova(d, R_RBUF, 0), 512,
					    D_WRITE | D_NEXT, (uint16_t)(i + 1) };
	t[n - 1].flags = D_WRITE;
	t[n - 1].addr = iova(d, R_CMD, CMD_STATUS(0));
	t[n - 1].len = 1;
	set_desc(d, 0, iova(d, R_CMD, CMD_TABLE), n * 16, D_INDIRECT, 0);
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_nested_indirect(struct vblk *d, struct outcome *o)
{
	struct vring_desc *t = (struct vring_desc *)cmd(d, CMD_TABLE2);

	fill_table(d, CMD_TABLE);
	t[0] = (struct vring_desc){ iova(d, R_CMD, CMD_TABLE), 3 * 16,
				    D_INDIRECT, 0 };
	set_desc(d, 0, iova(d, R_CMD, CMD_TABLE2), 16, D_INDIRECT, 0);
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_indirect_next(struct vblk *d, struct outcome *o)
{
	fill_table(d, CMD_TABLE);
	return indirect(d, o, iova(d, R_CMD, CMD_TABLE), 3 * 16, D_NEXT);
}

static unsigned int c_indirect_len0(struct vblk *d, struct outcome *o)
{
	fill_table(d, CMD_TABLE);
	set_desc(d, 0, iova(d, R_CMD, CMD_TABLE), 0, D_INDIRECT, 0);
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_indirect_huge(struct vblk *d, struct outcome *o)
{
	fill_table(d, CMD_TABLE);
	set_desc(d, 0, iova(d, R_CMD, CMD_TABLE), 0xfffffff0, D_INDIRECT, 0);
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_indirect_unmapped(struct vblk *d, struct outcome *o)
{
	set_desc(d, 0, IOVA_HOLE, 3 * 16, D_INDIRECT, 0);
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_indirect_wrap(struct vblk *d, struct outcome *o)
{
	/* A table whose second entry would be at 2^64 + 8. */
	set_desc(d, 0, 0xfffffffffffffff8ULL, 3 * 16, D_INDIRECT, 0);
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_readable_after_writable(struct vblk *d,
					      struct outcome *o)
{
	set_hdr(d, 0, T_OUT, SANITY_SECTOR);
	set_desc(d, 0, iova(d, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	set_desc(d, 1, iova(d, R_CMD, CMD_STATUS(0)), 1, D_WRITE | D_NEXT, 2);
	set_desc(d, 2, iova(d, R_DATA, 0), 512, 0, 0);
	run_one(d, 0, o);
	return 0;
}
