// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile cases, request buffers: data, header and status at addresses
 * that wrap past 2^64 or are not mapped, lengths that are zero, short,
 * not whole sectors or huge, a write past the disk's end and an unknown
 * request type.
 *
 * Each entry: the name, what the case does, the function that does it
 * and what it must show (enum expect in cases.h; checked by run_case()).
 * Its "seen" comment is what iovm's device did in recorded runs
 * (issue 5's closing note and the run before this file was split out of
 * vfio-blk.c); it is not checked.
 */
#include "cases.h"

static case_fn c_data_wrap, c_status_wrap, c_read_past_mapping,
	c_header_unmapped, c_status_unmapped, c_status_len0, c_header_short,
	c_data_len_odd, c_data_len_huge, c_past_capacity, c_bad_type;

static const struct hcase cases[] = {
	{ "data-wraps", "data buffer 0xfffffffffffff000 + 8 KiB (wraps past 2^64)",
	  c_data_wrap, REFUSED,
	  /* seen: completed: status IOERR, used len 1; no fault */ },
	{ "status-wraps", "status buffer at 0xffffffffffffffff, 2 bytes",
	  c_status_wrap, REFUSED,
	  /* seen: completed: status none, used len 0; no fault */ },
	{ "data-unmapped", "data buffer at unmapped IOVA",
	  read_unmapped, REFUSED_FAULT,
	  /* seen: completed: status IOERR, used len 1;
	   *       1 fault at IOVA_HOLE [W] */ },
	{ "data-past-mapping",
	  "a 1 MiB read into the 256 KiB data buffer (runs into unmapped IOVA)",
	  c_read_past_mapping, REFUSED_FAULT,
	  /* seen: completed: status IOERR, used len 1;
	   *       1 fault at IOVA_DATA + 256 KiB [W] */ },
	{ "header-unmapped", "request header at unmapped IOVA",
	  c_header_unmapped, REFUSED_FAULT,
	  /* seen: completed: status IOERR, used len 1;
	   *       1 fault at IOVA_HOLE [R] */ },
	{ "status-unmapped", "status byte at unmapped IOVA",
	  c_status_unmapped, REFUSED_FAULT,
	  /* seen: completed: status none, used len 0;
	   *       1 fault at IOVA_HOLE [W] */ },
	{ "status-len-0", "status descriptor of length 0",
	  c_status_len0, REFUSED,
	  /* seen: completed: status none, used len 0; no fault */ },
	{ "header-short", "an 8-byte request header",
	  c_header_short, REFUSED,
	  /* seen: completed: status IOERR, used len 1; no fault */ },
	{ "data-len-odd", "a read of 100 bytes (not a whole sector)",
	  c_data_len_odd, REFUSED,
	  /* seen: completed: status IOERR, used len 1; no fault */ },
	{ "data-len-huge", "a read of 0xfffffe00 bytes",
	  c_data_len_huge, REFUSED,
	  /* seen: completed: status IOERR, used len 1; no fault */ },
	{ "write-past-capacity", "a 1 KiB write at the last sector",
	  c_past_capacity, REFUSED,
	  /* seen: completed: status IOERR, used len 1; no fault */ },
	{ "unknown-type", "request type 0x77",
	  c_bad_type, REFUSED,
	  /* seen: completed: status UNSUPP, used len 1; no fault */ },
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
