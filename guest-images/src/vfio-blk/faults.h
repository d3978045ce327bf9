/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IOMMU faults a case caused, as this side of the guest can see them.
 *
 * Today they are read from the guest kernel's log: its virtio-iommu driver
 * logs each fault event iovm sends, ratelimited, so the count is only as
 * good as a guess at the ratelimit's budget (faults.c). Everything that
 * knows how faults are seen is behind this interface:
 *
 *	fault_log_open()	at start-up, before the device is touched
 *	faults_begin()		before a case: forget older faults
 *	faults_collect()	after it: the ones it caused
 *	faults_str()		them, in one phrase for the case's line
 */
#ifndef VFIO_BLK_FAULTS_H
#define VFIO_BLK_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct fault {
	uint64_t addr;
	char dir[4];
};

#define MAX_FAULTS	32

struct faults {
	unsigned int n;			/* faults seen (may exceed MAX_FAULTS) */
	struct fault f[MAX_FAULTS];
	bool suppressed;		/* some may have gone unseen */
};

struct fault_log {
	unsigned int endpoint;		/* whose faults count; set by the caller */
	int kmsg;
	/* The kernel's fault log is ratelimited: 10 lines per 5 s. */
	struct timespec window;
	unsigned int window_n;
};

void fault_log_open(struct fault_log *log);
/* Before a case that may cause up to @need faults. */
void faults_begin(struct fault_log *log, unsigned int need);
/* After it; @expect: at least one fault is due, wait for it. */
void faults_collect(struct fault_log *log, struct faults *f, bool expect);
void faults_str(const struct faults *f, char *buf, size_t len);

#endif
