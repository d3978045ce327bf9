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

#ifdef __x86_64__
#include <sys/io.h>
#else
/*
 * iovm's test device is a set of x86 I/O ports; arm64 has none. TODO (issue
 * 14): read the same report through its MMIO window on arm64. Until then
 * the ports are never granted (fault_log_open() fails), so these are never
 * reached; they only let the rest build.
 */
static inline uint32_t inl(unsigned short port) { (void)port; return ~0U; }
static inline void outl(uint32_t v, unsigned short port) { (void)v; (void)port; }
#endif

/* iovm's test device; must match its kvm/testdev.c. */
#define PORT_REPORT	0x504
#define PORT_GATE	0x508
#define ALL_ONES	0xffffffffU
#define FAULT_F_READ	1		/* VIRTIO_IOMMU_FAULT_F_READ */

struct report {
	uint64_t faults;
	uint32_t holds, holds_waited, nr;
	struct fault recent[MAX_FAULTS];
};

static int report_read(struct fault_log *log, struct report *r)
{
	uint32_t lo, hi, flags, i;

	if (!log->ports)
		return -ENODEV;
	outl(log->endpoint, PORT_REPORT);
	lo = inl(PORT_REPORT);
	hi = inl(PORT_REPORT);
	r->holds = inl(PORT_REPORT);
	r->holds_waited = inl(PORT_REPORT);
	r->nr = inl(PORT_REPORT);
	if (r->nr == ALL_ONES || r->nr > MAX_FAULTS)
		return -ENOENT;
	r->faults = (uint64_t)hi << 32 | lo;
	for (i = 0; i < r->nr; i++) {
		lo = inl(PORT_REPORT);
		hi = inl(PORT_REPORT);
		flags = inl(PORT_REPORT);
		(void)inl(PORT_REPORT);		/* reason */
		r->recent[i].addr = (uint64_t)hi << 32 | lo;
		r->recent[i].dir = flags & FAULT_F_READ ? 'R' : 'W';
	}
	return 0;
}

int fault_log_open(struct fault_log *log)
{
	int err = 0;

	memset(log, 0, sizeof(*log));
#ifdef __x86_64__
	if (ioperm(PORT_REPORT, PORT_GATE + 4 - PORT_REPORT, 1))
		err = -errno;
#else
	fprintf(stderr, "vfio-blk: iovm's test device (I/O ports 0x%x-0x%x) is not supported on this architecture yet: it has no I/O ports\n",
		PORT_REPORT, PORT_GATE + 3);
	err = -EOPNOTSUPP;
#endif
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
		outl(log->endpoint, PORT_GATE);
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
