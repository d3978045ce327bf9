/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IOMMU faults a case caused, and whether the IOMMU waited for DMA in
 * flight, from iovm's own record: its test device (its report and gate
 * registers, see ../testdev.h and iovm's kvm/testdev.c) reports what the
 * virtio-iommu found on an endpoint. iovm records a fault before the request it belongs to
 * completes, so reading the record once a case has ended (completion or
 * NEEDS_RESET seen) counts exactly, with no time window.
 *
 * The guest kernel's own log of the faults (its virtio-iommu driver logs
 * each fault event, ratelimited to 10 lines per 5 s, a little after the
 * event) is only a witness, shown at the end, never counted on.
 *
 *	fault_log_open()	at start-up, before the device is touched
 *	faults_begin()		before a case: a snapshot to count from
 *	faults_collect()	after it: the faults it caused, in order
 *	fault_log_holds()	requests of the endpoint holding DMA now
 *	fault_log_gate()	hold the endpoint's next batch for an UNMAP
 *	faults_witness()	the kernel's log against iovm's record
 */
#ifndef VFIO_BLK_FAULTS_H
#define VFIO_BLK_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../testdev.h"

struct fault {
	uint64_t addr;
	char dir;			/* 'R': device read, 'W': write */
};

#define MAX_FAULTS	16		/* what iovm's report holds */

struct faults {
	unsigned int n;			/* faults caused (may exceed MAX_FAULTS) */
	struct fault f[MAX_FAULTS];	/* the last ones, in order */
	unsigned int holds_waited;	/* holds an IOMMU request waited for */
};

#define WITNESS_MAX	256

struct fault_log {
	unsigned int endpoint;		/* whose faults count; set by the caller */
	bool ports;			/* the test device is reachable */
	struct testdev dev;
	uint64_t faults;		/* at faults_begin() */
	uint32_t holds_waited;
	int kmsg;
	/* Faults iovm reported to this process, for the witness. */
	unsigned int nr_seen;
	struct fault seen[WITNESS_MAX];
};

/* 0, or -errno when the report ports are out of reach (not iovm, no root). */
int fault_log_open(struct fault_log *log);
void faults_begin(struct fault_log *log);
/* 0, or -ENOENT when iovm knows no such endpoint. */
int faults_collect(struct fault_log *log, struct faults *f);
/* Requests of the endpoint holding DMA now, or -1. */
int fault_log_holds(struct fault_log *log);
void fault_log_gate(struct fault_log *log);
void faults_str(const struct faults *f, char *buf, size_t len);
/*
 * The guest kernel's log lines for the endpoint since fault_log_open():
 * how many, and how many name a fault iovm reported to this process.
 */
void faults_witness(struct fault_log *log, unsigned int *logged,
		    unsigned int *confirmed);

#endif
