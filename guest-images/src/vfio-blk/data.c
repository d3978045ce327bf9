// SPDX-License-Identifier: GPL-2.0
/*
 * The data test (`vfio-blk DEVICE data`): the driver's honest use. GET_ID,
 * two writes in flight at once (one through an indirect table), FLUSH, a
 * read back, the disk's last sectors, and completions by interrupt.
 */
#include <string.h>

#include "commands.h"
#include "report.h"

static const char pattern_line[] = "iovm-vfio-pattern\n";

void pattern_fill(uint8_t *buf, size_t len, size_t start)
{
	size_t i, n = sizeof(pattern_line) - 1;

	for (i = 0; i < len; i++)
		buf[i] = (uint8_t)pattern_line[(start + i) % n];
}

int cmd_data(struct vblk *d)
{
	uint8_t *data = d->r[R_DATA].base, *rbuf = d->r[R_RBUF].base;
	uint64_t last;
	struct outcome o;
	uint32_t len;
	uint8_t st;
	char serial[21] = { 0 };
	unsigned int i, h1, h2, irqs;
	struct vring_desc *tab;

	/* GET_ID: the serial iovm was given for this disk. */
	st = blk_sync(d, T_GET_ID, 0, iova(d, R_RBUF, 0), 20, &len);
	memcpy(serial, rbuf, 20);
	if (st == BLK_OK)
		pass("GET_ID: serial '%s' (used len %u)", serial, len);
	else
		fail("GET_ID: status %s", status_name(st));
	say("the disk has %llu sectors (%llu MiB)",
	    (unsigned long long)d->capacity,
	    (unsigned long long)(d->capacity / 2048));

	/*
	 * Two writes in flight at once, one notification: the first with its
	 * data in two descriptors, the second through an indirect table.
	 */
	pattern_fill(data, PATTERN_BYTES, 0);
	set_hdr(d, 0, T_OUT, PATTERN_SECTOR);
	set_desc(d, 0, iova(d, R_CMD, CMD_HDR(0)), 16, D_NEXT, 1);
	set_desc(d, 1, iova(d, R_DATA, 0), 32768, D_NEXT, 2);
	set_desc(d, 2, iova(d, R_DATA, 32768), 32768, D_NEXT, 3);
	set_desc(d, 3, iova(d, R_CMD, CMD_STATUS(0)), 1, D_WRITE, 0);
	h1 = 0;
	set_hdr(d, 1, T_OUT, PATTERN_SECTOR + 128);
	tab = (struct vring_desc *)cmd(d, CMD_TABLE);
	tab[0] = (struct vring_desc){ iova(d, R_CMD, CMD_HDR(1)), 16,
				      D_NEXT, 1 };
	tab[1] = (struct vring_desc){ iova(d, R_DATA, 65536), 65536,
				      D_NEXT, 2 };
	tab[2] = (struct vring_desc){ iova(d, R_CMD, CMD_STATUS(1)), 1,
				      D_WRITE, 0 };
	set_desc(d, 4, iova(d, R_CMD, CMD_TABLE), 3 * 16, D_INDIRECT, 0);
	h2 = 4;
	say("writing 128 KiB of '%.17s' pattern at sector %u: two requests in flight (IOVA 0x%llx, 0x%llx), the second through an indirect table",
	    pattern_line, PATTERN_SECTOR,
	    (unsigned long long)iova(d, R_DATA, 0),
	    (unsigned long long)iova(d, R_DATA, 65536));
	irqs = d->irqs;
	memset(&o, 0, sizeof(o));
	post(d, (uint16_t)h1);
	post(d, (uint16_t)h2);
	notify(d);
	wait_done(d, 2, TIMEOUT_MS, &o);
	if (o.done == 2 && status_of(d, 0) == BLK_OK &&
	    status_of(d, 1) == BLK_OK)
		pass("two writes of 64 KiB completed OK (used ids %u,%u, %u interrupt(s))",
		     o.c[0].id, o.c[1].id, d->irqs - irqs);
	else
		fail("writes: %u of 2 done, status %s/%s%s%s", o.done,
		     status_name(status_of(d, 0)),
		     status_name(status_of(d, 1)),
		     o.needs_reset ? ", NEEDS_RESET" : "",
		     o.timed_out ? ", timed out" : "");

	st = blk_sync(d, T_FLUSH, 0, 0, 0, NULL);
	if (st == BLK_OK)
		pass("FLUSH completed OK");
	else
		fail("FLUSH: status %s", status_name(st));

	memset(rbuf, 0, PATTERN_BYTES);
	st = blk_sync(d, T_IN, PATTERN_SECTOR, iova(d, R_RBUF, 0),
		      PATTERN_BYTES, &len);
	if (st == BLK_OK && len == PATTERN_BYTES + 1 &&
	    !memcmp(rbuf, data, PATTERN_BYTES))
		pass("read back 128 KiB from sector %u into IOVA 0x%llx: identical (used len %u)",
		     PATTERN_SECTOR, (unsigned long long)iova(d, R_RBUF, 0),
		     len);
	else
		fail("read back: status %s, used len %u, data %s",
		     status_name(st), len,
		     memcmp(rbuf, data, PATTERN_BYTES) ? "differs" : "same");

	/* The last 8 sectors: the capacity the device reports is usable. */
	last = d->capacity - 8;
	for (i = 0; i < 4096; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	st = blk_sync(d, T_OUT, last, iova(d, R_DATA, 0), 4096, NULL);
	memset(rbuf, 0, 4096);
	if (st == BLK_OK)
		st = blk_sync(d, T_IN, last, iova(d, R_RBUF, 0), 4096, NULL);
	if (st == BLK_OK && !memcmp(rbuf, data, 4096))
		pass("the last 4 KiB of the disk (sector %llu) written and read back",
		     (unsigned long long)last);
	else
		fail("last 4 KiB of the disk: status %s", status_name(st));

	if (d->irqs)
		pass("completions came through the VFIO interrupt eventfd (%u wake-ups; the guest kernel took the interrupt %lu times, %s)",
		     d->irqs, kernel_irq_count(d) - d->kernel_irqs0,
		     d->t == &transport_pci ? "MSI-X" :
		     d->irq_automasked ? "level, automasked" :
		     "reported as edge: no automask");
	else
		fail("no interrupt arrived through the eventfd");
	return 0;
}
