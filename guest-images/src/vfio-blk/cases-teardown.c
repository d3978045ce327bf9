// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile cases, teardown races: a mapping or the whole domain taken away
 * while requests into it are in flight. Each case judges itself (its
 * outcome has more parts than run_case() knows).
 *
 * The race happens every time: iovm's test gate (fault_log_gate()) holds
 * the endpoint's next batch of requests, translated and holding their
 * buffers, before any data moves, until an IOMMU request waits for them;
 * the case sends its UNMAP or DETACH only once iovm reports the requests
 * held. Each case has one outcome:
 *
 * unmap-in-flight
 *   8 reads of 256 KiB into the victim buffer held at the gate, then
 *   VFIO_IOMMU_UNMAP_DMA of it, then 8 more reads into it. The UNMAP
 *   waits for the reads in flight (iovm counts at least one hold waited
 *   for); all 8 complete OK with their data before it returns; the 8 sent
 *   after it fail with IOERR, each with 1 fault at its chunk [W], and
 *   leave their chunks untouched; the buffer never changes after the
 *   UNMAP returned; nothing else changed; the device reads afterwards.
 *
 * detach-in-flight
 *   16 reads posted, the first 8 held at the gate; then the device is
 *   closed and the group leaves its container, which moves the endpoint
 *   to the kernel's default domain (an ATTACH that waits like an UNMAP).
 *   The ATTACH waits for the held reads; once it returned, none of them
 *   can complete: their status and used-ring writes fault, the device
 *   sets NEEDS_RESET, no completion reaches this process, and no byte of
 *   its buffers changes after the detach returned (checked once iovm
 *   reports no request of the endpoint holding DMA). VFIO set up again,
 *   the device reads.
 */
#include <stdio.h>
#include <string.h>

#include "cases.h"
#include "clock.h"
#include "report.h"

#define VICTIM_READS	16
#define VICTIM_CHUNK	(VICTIM_SIZE / VICTIM_READS)
/* What iovm's virtio-blk submits at once (BLK_SUBMIT_BATCH): the gate's. */
#define BATCH_AT_GATE	8

/* Read @i of the victim buffer's chunks into chunk @i, from slot @i. */
static void post_victim_read(struct vblk *d, unsigned int i)
{
	struct region *v = &d->r[R_VICTIM];

	post(d, (uint16_t)build_rw(d, i, 3 * i, T_IN,
				   VICTIM_SECTOR + i * (VICTIM_CHUNK / 512),
				   v->iova + i * VICTIM_CHUNK, VICTIM_CHUNK));
}

/* Before each race: the victim filled, everything else frozen. */
static void victim_prepare(struct vblk *d, struct fault_log *log)
{
	faults_begin(log);
	memset(d->r[R_VICTIM].base, 0x5a, VICTIM_SIZE);
	freeze(d, (1U << R_VICTIM) | (1U << R_CMD) | (1U << R_DESC) |
		  (1U << R_AVAIL) | (1U << R_USED));
}

/* Until iovm reports @n requests of the endpoint holding DMA (or none). */
static bool wait_holds(struct fault_log *log, int n, bool at_least)
{
	for (;;) {
		int h = fault_log_holds(log);

		if (h < 0)
			return false;
		if (at_least ? h >= n : h <= n)
			return true;
		sleep_ms(1);
	}
}

/* Arm the gate, post the first @n reads and wait until iovm holds them. */
static bool race_set_up(struct vblk *d, struct fault_log *log,
			const char *name, unsigned int posted)
{
	unsigned int i;

	report_step(name, "arming iovm's test gate, posting the reads");
	fault_log_gate(log);
	for (i = 0; i < posted; i++)
		post_victim_read(d, i);
	notify(d);
	report_step(name, "waiting for iovm to hold 8 reads at the gate");
	return wait_holds(log, BATCH_AT_GATE, true);
}

static bool chunk_untouched(struct vblk *d, unsigned int i)
{
	const uint8_t *p = d->r[R_VICTIM].base + i * VICTIM_CHUNK;

	return p[0] == 0x5a && p[VICTIM_CHUNK - 1] == 0x5a;
}

/* The faults of the reads sent after the UNMAP: one each, at its chunk. */
static bool late_faults_ok(const struct faults *f, unsigned int first)
{
	unsigned int i;

	if (f->n != VICTIM_READS - first)
		return false;
	for (i = 0; i < f->n; i++)
		if (f->f[i].addr != IOVA_VICTIM + (first + i) * VICTIM_CHUNK ||
		    f->f[i].dir != 'W')
			return false;
	return true;
}

static void case_unmap_in_flight(struct vblk *d, struct fault_log *log)
{
	static const char name[] = "unmap-in-flight";
	struct region *v = &d->r[R_VICTIM];
	const unsigned int n = VICTIM_READS, half = VICTIM_READS / 2;
	unsigned int i, okc = 0, errc = 0;
	struct faults f;
	struct timespec t0;
	uint64_t after_unmap;
	struct outcome o;
	char fs[160], dmg[160], how[128];
	bool held, back;
	long ms;
	int err, bad;

	say("--- %s: 8 reads of 256 KiB into the victim buffer held in flight by iovm's test gate, VFIO_IOMMU_UNMAP_DMA of it, then 8 more reads into it",
	    name);
	victim_prepare(d, log);
	memset(&o, 0, sizeof(o));
	held = race_set_up(d, log, name, half);
	report_step(name, "VFIO_IOMMU_UNMAP_DMA of the victim buffer");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = dma_unmap(d, v);
	ms = elapsed_ms(&t0);
	after_unmap = checksum(v->base, VICTIM_SIZE);
	for (i = half; i < n; i++)
		post_victim_read(d, i);
	notify(d);
	report_step(name, "waiting for the 16 reads to end");
	wait_done(d, n, TIMEOUT_MS, &o);
	faults_collect(log, &f);
	for (i = 0; i < n; i++) {
		uint8_t st = status_of(d, i);

		if (i < half && st == BLK_OK && !chunk_untouched(d, i))
			okc++;
		else if (i >= half && st == BLK_IOERR && chunk_untouched(d, i))
			errc++;
	}
	faults_str(&f, fs, sizeof(fs));
	bad = damage(d, dmg, sizeof(dmg));
	if (checksum(v->base, VICTIM_SIZE) != after_unmap) {
		bad++;
		snprintf(dmg + strlen(dmg), sizeof(dmg) - strlen(dmg),
			 " victim-after-unmap");
	}
	report_step(name, "re-mapping the victim, recovering");
	if (!v->mapped && dma_map(d, v, v->perm))
		fail("re-mapping the victim buffer failed");
	back = recover(d, &o, how, sizeof(how));
	if (held && !err && !bad && !o.timed_out && !o.needs_reset &&
	    okc == half && errc == n - half && f.holds_waited >= 1 &&
	    late_faults_ok(&f, half) && back)
		pass("%s: UNMAP waited for the reads in flight (%u hold%s waited for) and returned after %ld ms; the 8 reads completed before it with their data; the 8 sent after it failed with IOERR, untouched; %s; the buffer did not change after UNMAP returned; %s",
		     name, f.holds_waited, f.holds_waited == 1 ? "" : "s", ms,
		     fs, how);
	else
		fail("%s: %sunmap %s after %ld ms; %u hold%s waited for; of the first 8, %u OK with data; of the last 8, %u IOERR untouched%s%s; %s;%s%s; %s (expected: the gate held 8, at least 1 hold waited for, 8 OK, 8 IOERR, 8 faults at their chunks [W], nothing changed)",
		     name, held ? "" : "the reads never reached the gate; ",
		     err ? strerror(-err) : "returned", ms, f.holds_waited,
		     f.holds_waited == 1 ? "" : "s", okc, errc,
		     o.needs_reset ? ", NEEDS_RESET" : "",
		     o.timed_out ? ", timed out" : "", fs,
		     bad ? " CHANGED:" : "", bad ? dmg : "", how);
}

static void case_detach_in_flight(struct vblk *d, struct fault_log *log)
{
	static const char name[] = "detach-in-flight";
	unsigned int i, done;
	uint64_t sums[NR_REGIONS];
	struct faults f;
	struct timespec t0;
	struct outcome o;
	char dmg[160], how[128], fs[160];
	bool changed = false, nr, held, quiet, back;
	long ms;
	int err, bad;

	say("--- %s: 16 reads posted, 8 held in flight by iovm's test gate, then the device closed and VFIO_GROUP_UNSET_CONTAINER",
	    name);
	victim_prepare(d, log);
	held = race_set_up(d, log, name, VICTIM_READS);
	report_step(name, "closing the device, VFIO_GROUP_UNSET_CONTAINER");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = vfio_detach(d);
	ms = elapsed_ms(&t0);
	for (i = 0; i < NR_REGIONS; i++)
		sums[i] = checksum(d->r[i].base, d->r[i].size);
	/* Any late DMA happens before iovm lets go of the last request. */
	report_step(name, "waiting for iovm to hold no request of the endpoint");
	quiet = wait_holds(log, 0, false);
	for (i = 0; i < NR_REGIONS; i++)
		if (checksum(d->r[i].base, d->r[i].size) != sums[i])
			changed = true;
	done = (uint16_t)(used(d)->idx - d->last_used);
	memset(&o, 0, sizeof(o));
	faults_collect(log, &f);
	faults_str(&f, fs, sizeof(fs));
	bad = damage(d, dmg, sizeof(dmg));

	report_step(name, "setting VFIO up again");
	if (err || vfio_reattach(d)) {
		fail("%s: UNSET_CONTAINER %s; rebuilding VFIO failed", name,
		     err ? strerror(-err) : "ok");
		return;
	}
	nr = dev_status(d) & ST_NEEDS_RESET;
	o.needs_reset = true;	/* the device is reset in any case */
	report_step(name, "recovering");
	back = recover(d, &o, how, sizeof(how));
	if (held && quiet && !changed && !bad && nr && !done &&
	    f.holds_waited >= 1 && f.n >= BATCH_AT_GATE && back)
		pass("%s: the detach waited for the reads in flight (%u hold%s waited for) and returned after %ld ms; none completed, device set NEEDS_RESET; %s; nothing changed after the detach; re-attached, %s",
		     name, f.holds_waited, f.holds_waited == 1 ? "" : "s", ms,
		     fs, how);
	else
		fail("%s: %s%u of 16 done, %u hold%s waited for%s;%s%s%s%s; %s; %s (expected: the gate held 8, at least 1 hold waited for, none done, NEEDS_RESET, a fault for each held read at least, nothing changed)",
		     name, held ? "" : "the reads never reached the gate; ",
		     done, f.holds_waited, f.holds_waited == 1 ? "" : "s",
		     nr ? ", NEEDS_RESET" : ", no NEEDS_RESET",
		     quiet ? "" : " requests still held",
		     changed ? " memory changed after the detach" : "",
		     bad ? " CHANGED:" : "", bad ? dmg : "", fs, how);
}

void teardown_cases(struct vblk *d, struct fault_log *log)
{
	case_unmap_in_flight(d, log);
	case_detach_in_flight(d, log);
}
