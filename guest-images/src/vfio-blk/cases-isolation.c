// SPDX-License-Identifier: GPL-2.0
/*
 * The isolation cases (`vfio-blk DEVICE isolation`): well-formed requests
 * whose data buffer is where the device may not go, or may not write.
 * Around them: a control read that must work, and a check that the
 * refused write left the disk as it was.
 *
 * Each entry: the name, what the case does, the function that does it
 * and the one outcome it must have: how it ends, and the faults iovm
 * reports for it, in order (struct expect in cases.h; run_case() checks
 * every part).
 */
#include <string.h>

#include "cases.h"
#include "report.h"

static case_fn c_read_canary_phys, c_read_into_ro, c_write_from_unmapped;

static const struct hcase cases[] = {
	{ "read-into-unmapped-iova",
	  "a read whose data buffer is at IOVA 0x40080000, never mapped",
	  read_unmapped,
	  { ENDS(BLK_IOERR, 1), FAULT(IOVA_HOLE, 'W') } },
	{ "read-into-canary-phys",
	  "a read whose data buffer IOVA is the guest-physical address of an unmapped canary page (what a device without an IOMMU would write)",
	  c_read_canary_phys,
	  { ENDS(BLK_IOERR, 1), FAULT(AT_CANARY_PHYS, 'W') } },
	{ "read-into-readonly-mapping",
	  "a read (device writes) into the buffer mapped with VFIO_DMA_MAP_FLAG_READ only",
	  c_read_into_ro,
	  { ENDS(BLK_IOERR, 1), FAULT(IOVA_RO, 'W') } },
	{ "write-from-unmapped-iova",
	  "a write whose data the device would read from unmapped IOVA 0x40080000",
	  c_write_from_unmapped,
	  { ENDS(BLK_IOERR, 1), FAULT(IOVA_HOLE, 'R') } },
};

const struct case_list isolation_cases = CASE_LIST(cases);

static unsigned int c_read_canary_phys(struct vblk *d, struct outcome *o)
{
	return read_into(d, o, d->canary_phys, 4096);
}

static unsigned int c_read_into_ro(struct vblk *d, struct outcome *o)
{
	return read_into(d, o, IOVA_RO, 4096);
}

static unsigned int c_write_from_unmapped(struct vblk *d, struct outcome *o)
{
	run_one(d, build_rw(d, 0, 0, T_OUT, SANITY_SECTOR, IOVA_HOLE, 4096),
		o);
	return 0;
}

int cmd_isolation(struct vblk *d, struct fault_log *log)
{
	uint8_t expect[4096];
	unsigned int before;
	uint8_t st;

	prepare_disk(d);
	explain_canary(d);
	/* The control: the same read into a mapped buffer works. */
	st = blk_sync(d, T_IN, SANITY_SECTOR, iova(d, R_RBUF, 0), 4096, NULL);
	if (st == BLK_OK)
		pass("control: a read into the mapped buffer at IOVA 0x%llx succeeds",
		     (unsigned long long)IOVA_RBUF);
	else
		fail("control read failed: status %s", status_name(st));
	before = report_failures();
	run_cases(d, log, &isolation_cases);
	/* The refused write must not have reached the disk either. */
	pattern_fill(expect, sizeof(expect), 0);
	memset(d->r[R_RBUF].base, 0, 4096);
	st = blk_sync(d, T_IN, SANITY_SECTOR, iova(d, R_RBUF, 0), 4096, NULL);
	if (st == BLK_OK && !memcmp(d->r[R_RBUF].base, expect, 4096))
		pass("the disk still holds what was written before: the refused write wrote nothing");
	else
		fail("the disk's reference sector changed");
	if (report_failures() == before)
		pass("isolation held: every DMA outside the mappings or against their permission was refused, and no byte outside them changed");
	else
		fail("isolation did NOT hold");
	return 0;
}
