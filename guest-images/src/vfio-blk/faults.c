// SPDX-License-Identifier: GPL-2.0
/*
 * Faults from iovm's record, read through its test device; the guest
 * kernel's log as a witness. See faults.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"

#define ALL_ONES	0xffffffffU
#define FAULT_F_READ	1		/* VIRTIO_IOMMU_FAULT_F_READ */

struct report {
	uint64_t faults;
	uint32_t holds, holds_waited, nr;
	struct fault recent[MAX_FAULTS];
};

/* The report's next word. */
static uint32_t next(struct fault_log *log)
{
	return testdev_read32(&log->dev, TESTDEV_REPORT);
}

static int report_read(struct fault_log *log, struct report *r)
{
	uint32_t lo, hi, flags, i;

	if (!log->ports)
		return -ENODEV;
	testdev_write32(&log->dev, TESTDEV_REPORT, log->endpoint);
	lo = next(log);
	hi = next(log);
	r->holds = next(log);
	r->holds_waited = next(log);
	r->nr = next(log);
	if (r->nr == ALL_ONES || r->nr > MAX_FAULTS)
		return -ENOENT;
	r->faults = (uint64_t)hi << 32 | lo;
	for (i = 0; i < r->nr; i++) {
		lo = next(log);
		hi = next(log);
		flags = next(log);
		(void)next(log);		/* reason */
		r->recent[i].addr = (uint64_t)hi << 32 | lo;
		r->recent[i].dir = flags & FAULT_F_READ ? 'R' : 'W';
	}
	return 0;
}

int fault_log_open(struct fault_log *log)
{
	int err = 0;

	memset(log, 0, sizeof(*log));
	err = testdev_open(&log->dev, "vfio-blk");
	log->ports = !err;
	/* Only what the kernel logs from now on is ours to witness. */
	log->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (log->kmsg >= 0)
		lseek(log->kmsg, 0, SEEK_END);
	return err;
}

void faults_begin(struct fault_log *log)
{
	struct report r;

	if (report_read(log, &r))
		return;
	log->faults = r.faults;
	log->holds_waited = r.holds_waited;
}

int faults_collect(struct fault_log *log, struct faults *f)
{
	struct report r;
	unsigned int i, shown;
	int err = report_read(log, &r);

	memset(f, 0, sizeof(*f));
	if (err)
		return err;
	f->n = (unsigned int)(r.faults - log->faults);
	f->holds_waited = r.holds_waited - log->holds_waited;
	shown = f->n < r.nr ? f->n : r.nr;
	for (i = 0; i < shown; i++) {
		f->f[i] = r.recent[r.nr - shown + i];
		if (log->nr_seen < WITNESS_MAX)
			log->seen[log->nr_seen++] = f->f[i];
	}
	log->faults = r.faults;
	log->holds_waited = r.holds_waited;
	return 0;
}

int fault_log_holds(struct fault_log *log)
{
	struct report r;

	return report_read(log, &r) ? -1 : (int)r.holds;
}

void fault_log_gate(struct fault_log *log)
{
	if (log->ports)
		testdev_write32(&log->dev, TESTDEV_GATE, log->endpoint);
}

void faults_str(const struct faults *f, char *buf, size_t len)
{
	unsigned int i, shown = f->n < MAX_FAULTS ? f->n : MAX_FAULTS;
	size_t used;

	if (!f->n) {
		snprintf(buf, len, "no fault");
		return;
	}
	snprintf(buf, len, "%u fault%s", f->n, f->n == 1 ? "" : "s");
	for (i = 0; i < shown && i < 2; i++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s0x%llx [%c]",
			 i ? ", " : " at ", (unsigned long long)f->f[i].addr,
			 f->f[i].dir);
	}
	if (f->n > 2) {
		used = strlen(buf);
		snprintf(buf + used, len - used, ", ...");
	}
}

static bool reported(const struct fault_log *log, uint64_t addr, char dir)
{
	unsigned int i;

	for (i = 0; i < log->nr_seen; i++)
		if (log->seen[i].addr == addr && log->seen[i].dir == dir)
			return true;
	return false;
}

void faults_witness(struct fault_log *log, unsigned int *logged,
		    unsigned int *confirmed)
{
	char rec[1024], dir[8];
	unsigned long long addr;
	unsigned int ep;
	ssize_t n;

	*logged = *confirmed = 0;
	if (log->kmsg < 0)
		return;
	for (;;) {
		char *msg, *p;

		n = read(log->kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* records were overwritten: go on */
		if (n <= 0)
			break;
		rec[n] = 0;
		msg = strchr(rec, ';');
		p = msg ? strstr(msg, " fault from EP ") : NULL;
		dir[0] = 0;
		if (!p || sscanf(p, " fault from EP %u at %llx [%7[RWX]]", &ep,
				 &addr, dir) < 3 || ep != log->endpoint)
			continue;
		(*logged)++;
		if (reported(log, addr, dir[0]))
			(*confirmed)++;
	}
}
