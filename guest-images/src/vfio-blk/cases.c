// SPDX-License-Identifier: GPL-2.0
/*
 * Running the hostile cases and judging them: every case is checked the
 * same way, whatever it did to the device (run_case()).
 */
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "commands.h"
#include "report.h"

uint64_t checksum(const void *buf, size_t len)
{
	const uint64_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len / 8; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Freeze every region but the ones a case may write. */
void freeze(struct vblk *d, uint32_t writable_mask)
{
	unsigned int i;

	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &d->r[i];

		r->frozen = !(writable_mask & (1U << i));
		if (r->frozen)
			r->sum = checksum(r->base, r->size);
	}
}

/*
 * Did anything change that the device had no right to change? Canaries
 * are never mapped for the device; frozen regions were not given to it
 * for writing. Returns the number of damaged places, naming them in @why.
 */
int damage(struct vblk *d, char *why, size_t len)
{
	unsigned int i;
	int n = 0;

	why[0] = 0;
	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &d->r[i];
		size_t at = strlen(why);

		if (!canary_ok(r->lo) || !canary_ok(r->hi)) {
			snprintf(why + at, len - at, " canary-of-%s", r->name);
			n++;
		} else if (r->frozen && checksum(r->base, r->size) != r->sum) {
			snprintf(why + at, len - at, " %s", r->name);
			n++;
		}
	}
	return n;
}

/* How a case ended, in one phrase. */
static void outcome_str(struct vblk *d, const struct outcome *o,
			const struct faults *f, unsigned int slot, char *buf,
			size_t len)
{
	char fs[160];

	faults_str(f, fs, sizeof(fs));
	if (o->accepted)
		snprintf(buf, len, "the device ACCEPTED it");
	else if (o->needs_reset)
		snprintf(buf, len, "device set NEEDS_RESET%s, %s",
			 o->isr & INT_CONFIG ? " (config interrupt)" : "",
			 o->done ? "after completing it" : "no completion");
	else if (o->timed_out)
		snprintf(buf, len, "no completion and no NEEDS_RESET within %d s",
			 TIMEOUT_MS / 1000);
	else
		snprintf(buf, len, "completed: status %s, used len %u",
			 status_name(status_of(d, slot)), o->c[0].len);
	snprintf(buf + strlen(buf), len - strlen(buf), "; %s", fs);
}

/* The expectation, in the same words as outcome_str(). */
static void expect_str(struct vblk *d, const struct expect *e, char *buf,
		       size_t len)
{
	unsigned int i;

	if (e->end == END_STATUS)
		snprintf(buf, len, "completed: status %s, used len %u",
			 status_name(e->status), e->used_len);
	else
		snprintf(buf, len, "device set NEEDS_RESET%s, no completion",
			 e->end == END_RESET ? " (config interrupt)" : "");
	if (!e->nr_faults)
		snprintf(buf + strlen(buf), len - strlen(buf), "; no fault");
	for (i = 0; i < e->nr_faults; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s0x%llx [%c]",
			 i ? ", " : e->nr_faults == 1 ? "; 1 fault at " :
				     "; 2 faults at ",
			 (unsigned long long)(e->f[i].addr == AT_CANARY_PHYS ?
					      d->canary_phys : e->f[i].addr),
			 e->f[i].dir);
}

static bool ending_as_expected(struct vblk *d, const struct outcome *o,
			       unsigned int slot, const struct expect *e)
{
	if (o->accepted || o->timed_out)
		return false;
	switch (e->end) {
	case END_RESET:
		return o->needs_reset && !o->done && (o->isr & INT_CONFIG);
	case END_RESET_SETUP:
		return o->needs_reset && !o->done && !(o->isr & INT_CONFIG);
	case END_STATUS:
		return !o->needs_reset && o->done == 1 &&
		       status_of(d, slot) == e->status &&
		       o->c[0].len == e->used_len;
	}
	return false;
}

static bool faults_as_expected(struct vblk *d, const struct faults *f,
			       const struct expect *e)
{
	unsigned int i;

	if (f->n != e->nr_faults)
		return false;
	for (i = 0; i < e->nr_faults; i++) {
		uint64_t at = e->f[i].addr == AT_CANARY_PHYS ? d->canary_phys :
							      e->f[i].addr;

		if (f->f[i].addr != at || f->f[i].dir != e->f[i].dir)
			return false;
	}
	return true;
}

/*
 * After a case: the device must still work. Reset it if it asked for
 * that, then read a sector whose contents are known.
 */
bool recover(struct vblk *d, const struct outcome *o, char *how, size_t len)
{
	uint8_t *rbuf = d->r[R_RBUF].base;
	uint8_t expect[4096];
	uint8_t st;
	uint32_t status = dev_status(d);

	if (o->needs_reset || o->timed_out || (status & ST_NEEDS_RESET) ||
	    !(status & ST_DRIVER_OK)) {
		if (dev_start(d)) {
			snprintf(how, len, "re-initialising the device failed");
			return false;
		}
		snprintf(how, len, "reset+reinit, ");
	} else {
		how[0] = 0;
	}
	pattern_fill(expect, sizeof(expect), 0);
	memset(rbuf, 0, 4096);
	st = blk_sync(d, T_IN, SANITY_SECTOR, iova(d, R_RBUF, 0), 4096, NULL);
	if (st != BLK_OK || memcmp(rbuf, expect, 4096)) {
		snprintf(how + strlen(how), len - strlen(how),
			 "read after it FAILED (status %s)", status_name(st));
		return false;
	}
	snprintf(how + strlen(how), len - strlen(how), "read ok");
	return true;
}

/*
 * Run one case end to end and print its line: what the device did, what
 * the IOMMU reported, whether anything outside the mappings changed, and
 * whether the device came back. It passes only with exactly the outcome
 * its table entry expects.
 */
static void run_case(struct vblk *d, struct fault_log *log,
		     const struct hcase *h)
{
	char out[320], want[320], dmg[160], how[128];
	struct faults f;
	struct outcome o;
	unsigned int slot;
	bool ok;
	int bad;

	say("--- %s: %s", h->name, h->does);
	report_step(h->name, "running the case");
	faults_begin(log);
	/* No case may change a data buffer; rings and commands are its own. */
	freeze(d, (1U << R_CMD) | (1U << R_DESC) | (1U << R_AVAIL) |
		  (1U << R_USED));
	memset(&o, 0, sizeof(o));
	slot = h->run(d, &o);
	faults_collect(log, &f);
	outcome_str(d, &o, &f, slot, out, sizeof(out));
	bad = damage(d, dmg, sizeof(dmg));
	ok = ending_as_expected(d, &o, slot, &h->expect) &&
	     faults_as_expected(d, &f, &h->expect) && !bad;
	report_step(h->name, "recovering: reset if asked, then a read");
	if (!recover(d, &o, how, sizeof(how)))
		ok = false;
	if (ok) {
		pass("%s: %s; canaries and idle buffers unchanged; %s",
		     h->name, out, how);
		return;
	}
	expect_str(d, &h->expect, want, sizeof(want));
	fail("%s: %s;%s%s; %s (expected: %s)", h->name, out,
	     bad ? " CHANGED:" : " memory unchanged", bad ? dmg : "", how,
	     want);
}

void run_cases(struct vblk *d, struct fault_log *log,
	       const struct case_list *l)
{
	unsigned int i;

	for (i = 0; i < l->n; i++)
		run_case(d, log, &l->cases[i]);
}

/*
 * The well-formed read most cases start from: header, a 512-byte buffer
 * and status in descriptors 0 to 2 (head 0), for a case to spoil.
 */
struct vring_desc *sanity_read(struct vblk *d)
{
	build_rw(d, 0, 0, T_IN, SANITY_SECTOR, iova(d, R_RBUF, 0), 512);
	return desc(d);
}

/* A read of one sector whose data buffer is at @addr (device writes). */
unsigned int read_into(struct vblk *d, struct outcome *o, uint64_t addr,
		       uint32_t len)
{
	run_one(d, build_rw(d, 0, 0, T_IN, SANITY_SECTOR, addr, len), o);
	return 0;
}

unsigned int read_unmapped(struct vblk *d, struct outcome *o)
{
	return read_into(d, o, IOVA_HOLE, 4096);
}

void prepare_disk(struct vblk *d)
{
	uint8_t *data = d->r[R_DATA].base;
	uint8_t st;

	/* The sector every case reads afterwards to prove the device works. */
	pattern_fill(data, 4096, 0);
	st = blk_sync(d, T_OUT, SANITY_SECTOR, iova(d, R_DATA, 0), 4096, NULL);
	if (st != BLK_OK)
		fail("writing the reference sector: status %s",
		     status_name(st));
	memset(d->r[R_RBUF].base, 0xa5, DATA_SIZE);
	memset(d->r[R_RO].base, 0x3c, d->r[R_RO].size);
	memset(d->r[R_SPARE].base, 0x69, d->r[R_SPARE].size);
	memset(d->r[R_VICTIM].base, 0x5a, VICTIM_SIZE);
}

void explain_canary(struct vblk *d)
{
	say("canary pages sit beside every buffer and are never mapped for the device; one of them is at guest-physical 0x%llx",
	    (unsigned long long)d->canary_phys);
}

int cmd_hostile(struct vblk *d, struct fault_log *log)
{
	prepare_disk(d);
	explain_canary(d);
	run_cases(d, log, &chain_cases);
	run_cases(d, log, &index_cases);
	run_cases(d, log, &buffer_cases);
	run_cases(d, log, &queue_cases);
	teardown_cases(d, log);
	return 0;
}
