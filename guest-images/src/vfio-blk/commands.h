/* SPDX-License-Identifier: GPL-2.0 */
/* The three commands that drive the device, and what they share. */
#ifndef VFIO_BLK_COMMANDS_H
#define VFIO_BLK_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "driver.h"
#include "faults.h"

/* Sectors used by the tests (the vfio disk is at least 16 MiB). */
#define PATTERN_SECTOR	2048		/* 1 MiB: the host checks it */
#define PATTERN_BYTES	(128 * 1024UL)
#define SANITY_SECTOR	2048
#define VICTIM_SECTOR	8192		/* 4 MiB */

/*
 * The data test's pattern from byte @start on; tests/guest/suite.sh makes
 * the same with yes(1).
 */
void pattern_fill(uint8_t *buf, size_t len, size_t start);

/* data.c: write a pattern, FLUSH, read it back. */
int cmd_data(struct vblk *d);
/* cases-isolation.c: DMA to unmapped and read-only memory. */
int cmd_isolation(struct vblk *d, struct fault_log *log);
/* cases.c: malformed virtqueues, teardown races. */
int cmd_hostile(struct vblk *d, struct fault_log *log);

#endif
