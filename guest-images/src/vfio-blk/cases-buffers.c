// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile cases, request buffers: data, header and status at addresses
 * that wrap past 2^64 or are not mapped, lengths that are zero, short,
 * not whole sectors or huge, a write past the disk's end and an unknown
 * request type.
 *
 * Each entry: the name, what the case does, the function that does it
 * and the one outcome it must have: how it ends, and the faults iovm
 * reports for it, in order (struct expect in cases.h; run_case() checks
 * every part).
 */
#include "cases.h"

static case_fn c_data_wrap, c_status_wrap, c_read_past_mapping,
	c_header_unmapped, c_status_unmapped, c_status_len0, c_header_short,
	c_data_len_odd, c_data_len_huge, c_past_capacity, c_bad_type;

static const struct hcase cases[] = {
	{ "data-wraps", "data buffer 0xfffffffffffff000 + 8 KiB (wraps past 2^64)",
	  c_data_wrap,
	  { ENDS(BLK_IOERR, 1), NO_FAULT } },
	{ "status-wraps", "status buffer at 0xffffffffffffffff, 2 bytes",
	  c_status_wrap,
	  { ENDS(NO_STATUS, 0), NO_FAULT } },
	{ "data-unmapped", "data buffer at unmapped IOVA",
	  read_unmapped,
	  { ENDS(BLK_IOERR, 1), FAULT(IOVA_HOLE, 'W') } },
	{ "data-past-mapping",
	  "a 1 MiB read into the 256 KiB data buffer (runs into unmapped IOVA)",
	  c_read_past_mapping,
	  { ENDS(BLK_IOERR, 1), FAULT(IOVA_DATA + DATA_SIZE, 'W') } },
	{ "header-unmapped", "request header at unmapped IOVA",
	  c_header_unmapped,
	  { ENDS(BLK_IOERR, 1), FAULT(IOVA_HOLE, 'R') } },
	{ "status-unmapped", "status byte at unmapped IOVA",
	  c_status_unmapped,
	  { ENDS(NO_STATUS, 0), FAULT(IOVA_HOLE, 'W') } },
	{ "status-len-0", "status descriptor of length 0",
	  c_status_len0,
	  { ENDS(NO_STATUS, 0), NO_FAULT } },
	{ "header-short", "an 8-byte request header",
	  c_header_short,
	  { ENDS(BLK_IOERR, 1), NO_FAULT } },
	{ "data-len-odd", "a read of 100 bytes (not a whole sector)",
	  c_data_len_odd,
	  { ENDS(BLK_IOERR, 1), NO_FAULT } },
	{ "data-len-huge", "a read of 0xfffffe00 bytes",
	  c_data_len_huge,
	  { ENDS(BLK_IOERR, 1), NO_FAULT } },
	{ "write-past-capacity", "a 1 KiB write at the last sector",
	  c_past_capacity,
	  { ENDS(BLK_IOERR, 1), NO_FAULT } },
	{ "unknown-type", "request type 0x77",
	  c_bad_type,
	  { ENDS(BLK_UNSUPP, 1), NO_FAULT } },
};

const struct case_list buffer_cases = CASE_LIST(cases);

static unsigned int c_data_wrap(struct vblk *d, struct outcome *o)
{
	return read_into(d, o, 0xfffffffffffff000ULL, 8192);
}

static unsigned int c_status_wrap(struct vblk *d, struct outcome *o)
{
	struct vring_desc *t = sanity_read(d);

	t[2].addr = 0xffffffffffffffffULL;
	t[2].len = 2;
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_read_past_mapping(struct vblk *d, struct outcome *o)
{
	/* 1 MiB from the 256 KiB data buffer: runs into unmapped IOVA. */
	return read_into(d, o, IOVA_DATA, 1024 * 1024);
}

static unsigned int c_header_unmapped(struct vblk *d, struct outcome *o)
{
	sanity_read(d)[0].addr = IOVA_HOLE;
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_status_unmapped(struct vblk *d, struct outcome *o)
{
	sanity_read(d)[2].addr = IOVA_HOLE;
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_status_len0(struct vblk *d, struct outcome *o)
{
	sanity_read(d)[2].len = 0;
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_header_short(struct vblk *d, struct outcome *o)
{
	sanity_read(d)[0].len = 8;
	run_one(d, 0, o);
	return 0;
}

static unsigned int c_data_len_odd(struct vblk *d, struct outcome *o)
{
	return read_into(d, o, iova(d, R_RBUF, 0), 100);
}

static unsigned int c_data_len_huge(struct vblk *d, struct outcome *o)
{
	return read_into(d, o, iova(d, R_RBUF, 0), 0xfffffe00);
}

static unsigned int c_past_capacity(struct vblk *d, struct outcome *o)
{
	run_one(d, build_rw(d, 0, 0, T_OUT, d->capacity - 1,
			    iova(d, R_DATA, 0), 1024), o);
	return 0;
}

static unsigned int c_bad_type(struct vblk *d, struct outcome *o)
{
	sanity_read(d);
	((struct blk_hdr *)cmd(d, CMD_HDR(0)))->type = 0x77;
	run_one(d, 0, o);
	return 0;
}
