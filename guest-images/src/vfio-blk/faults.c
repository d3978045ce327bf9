// SPDX-License-Identifier: GPL-2.0
/*
 * Faults, from the guest kernel's log (/dev/kmsg). The guest's
 * virtio-iommu driver logs each fault event iovm sends:
 * "virtio_iommu virtio0: page fault from EP 2 at 0x40080000 [W]". That is
 * what this side can see of a fault; lines for other endpoints are not
 * ours. The log is ratelimited (10 lines per 5 s), so cases are spaced to
 * stay under that budget, and a fault may still go unseen: then the
 * kernel says it suppressed some.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "faults.h"

/* Only what is logged from now on counts. */
void fault_log_open(struct fault_log *log)
{
	log->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (log->kmsg >= 0)
		lseek(log->kmsg, 0, SEEK_END);
	clock_gettime(CLOCK_MONOTONIC, &log->window);
	log->window_n = 0;
}

static void kmsg_read(struct fault_log *log, struct faults *f)
{
	char rec[1024], dir[8];
	unsigned long long addr;
	unsigned int ep;
	ssize_t n;

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
		if (!msg)
			continue;
		if (strstr(msg, "viommu_fault_handler") &&
		    strstr(msg, "suppressed")) {
			f->suppressed = true;
			continue;
		}
		p = strstr(msg, " fault from EP ");
		if (!p)
			continue;
		dir[0] = 0;
		if (sscanf(p, " fault from EP %u at %llx [%7[RWX]]", &ep, &addr,
			   dir) < 2 || ep != log->endpoint)
			continue;
		if (f->n < MAX_FAULTS) {
			f->f[f->n].addr = addr;
			snprintf(f->f[f->n].dir, sizeof(f->f[f->n].dir), "%s",
				 dir);
		}
		f->n++;
		if (elapsed_ms(&log->window) > 5200) {
			clock_gettime(CLOCK_MONOTONIC, &log->window);
			log->window_n = 0;
		}
		log->window_n++;
	}
}

/*
 * Stay under the kernel's ratelimit (10 lines per 5 s) so each case's
 * faults are seen in the log: wait out the window when it is nearly full.
 */
static void fault_budget(struct fault_log *log, unsigned int need)
{
	long left;

	if (log->window_n + need <= 9)
		return;
	left = 5300 - elapsed_ms(&log->window);
	if (left > 0)
		sleep_ms(left);
	log->window_n = 0;
	clock_gettime(CLOCK_MONOTONIC, &log->window);
}

void faults_begin(struct fault_log *log, unsigned int need)
{
	fault_budget(log, need);
	kmsg_read(log, &(struct faults){ 0 });	/* forget older lines */
}

/* Faults arrive on the IOMMU's event queue a little after the request. */
void faults_collect(struct fault_log *log, struct faults *f, bool expect)
{
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		kmsg_read(log, f);
		if (f->n || !expect)
			break;
		sleep_ms(20);
	} while (elapsed_ms(&t0) < 3000);
	/* Even when none is expected, give a stray one time to show up. */
	if (!expect) {
		sleep_ms(100);
		kmsg_read(log, f);
	}
}

void faults_str(const struct faults *f, char *buf, size_t len)
{
	unsigned int i;
	size_t used;

	if (!f->n) {
		snprintf(buf, len, "no fault%s",
			 f->suppressed ? " logged (log ratelimited)" : "");
		return;
	}
	snprintf(buf, len, "%u fault%s", f->n, f->n == 1 ? "" : "s");
	for (i = 0; i < f->n && i < 2; i++) {
		used = strlen(buf);
		snprintf(buf + used, len - used, "%s0x%llx [%s]",
			 i ? ", " : " at ", (unsigned long long)f->f[i].addr,
			 f->f[i].dir);
	}
	if (f->n > 2) {
		used = strlen(buf);
		snprintf(buf + used, len - used, ", ...");
	}
}
