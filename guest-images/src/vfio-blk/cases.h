/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hostile cases: experiments on the device that a correct device and
 * IOMMU must refuse. Each cases-*.c file holds one group of them as a
 * table: the case's name, what it does, the function that does it and
 * the outcome it expects. cases.c runs a table and judges every entry the
 * same way (run_case()).
 */
#ifndef VFIO_BLK_CASES_H
#define VFIO_BLK_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "commands.h"
#include "driver.h"
#include "faults.h"

/*
 * What a case must show: exactly one ending, and exactly these faults
 * from iovm's record (address and direction, in order). Every case must
 * also leave all memory outside its own rings and commands unchanged
 * (canaries, idle buffers), and the device must read correctly
 * afterwards (after a reset if it asked for one).
 */
enum ending {
	/* Completed: this status byte (NO_STATUS: none) and used length. */
	END_STATUS,
	/* No completion; NEEDS_RESET, with the config interrupt. */
	END_RESET,
	/* NEEDS_RESET while being set up (no DRIVER_OK: no interrupt). */
	END_RESET_SETUP,
};

#define MAX_WANT_FAULTS	2
#define AT_CANARY_PHYS	1ULL	/* the canary page's guest-physical address */

struct want_fault {
	uint64_t addr;
	char dir;
};

struct expect {
	enum ending end;
	uint8_t status;
	uint32_t used_len;
	unsigned int nr_faults;
	struct want_fault f[MAX_WANT_FAULTS];
};

/* The parts of a table entry's expectation, spelled as they read. */
#define ENDS_RESET		.end = END_RESET
#define ENDS_RESET_AT_SETUP	.end = END_RESET_SETUP
#define ENDS(st, len)		.end = END_STATUS, .status = (st), .used_len = (len)
#define NO_FAULT		.nr_faults = 0
#define FAULT(a, d)		.nr_faults = 1, .f = { { (a), (d) } }
#define FAULTS2(a, d, b, e)	.nr_faults = 2, .f = { { (a), (d) }, { (b), (e) } }

/* Build and submit the case; fill @o. Returns the status slot to inspect. */
typedef unsigned int case_fn(struct vblk *d, struct outcome *o);

struct hcase {
	const char *name;
	const char *does;		/* for the narration */
	case_fn *run;
	struct expect expect;
};

struct case_list {
	const struct hcase *cases;
	unsigned int n;
};

#define CASE_LIST(table)	{ (table), ARRAY_SIZE(table) }

/* The isolation command's cases; then the hostile command's, in order. */
extern const struct case_list isolation_cases;
extern const struct case_list chain_cases;
extern const struct case_list index_cases;
extern const struct case_list buffer_cases;
extern const struct case_list queue_cases;

void run_cases(struct vblk *d, struct fault_log *log,
	       const struct case_list *l);
/* cases-teardown.c: unmap and detach with requests in flight. */
void teardown_cases(struct vblk *d, struct fault_log *log);

/* The well-formed read most cases start from, for a case to spoil. */
struct vring_desc *sanity_read(struct vblk *d);
/* A read of the reference sector whose data buffer is at @addr. */
unsigned int read_into(struct vblk *d, struct outcome *o, uint64_t addr,
		       uint32_t len);
/* That read into IOVA_HOLE, never mapped: in both isolation and hostile. */
case_fn read_unmapped;

/* The checks, for the cases that judge themselves. */
uint64_t checksum(const void *buf, size_t len);
void freeze(struct vblk *d, uint32_t writable_mask);
int damage(struct vblk *d, char *why, size_t len);
bool recover(struct vblk *d, const struct outcome *o, char *how, size_t len);

/* Before a run of cases: known contents on the disk and in the buffers. */
void prepare_disk(struct vblk *d);
void explain_canary(struct vblk *d);

#endif
