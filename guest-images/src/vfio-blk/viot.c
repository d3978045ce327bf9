// SPDX-License-Identifier: GPL-2.0
/*
 * ACPI's VIOT (ACPI 6.5, 5.2.32), as the guest kernel read it: which
 * virtio-iommu endpoint ID a PCI function has. A PCI-range node maps the
 * BDFs [bdf_start, bdf_end] of segments [segment_start, segment_end] to
 * the endpoint IDs from endpoint_start on, a segment spanning 2^16 IDs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "driver.h"

#define VIOT_PATH		"/sys/firmware/acpi/tables/VIOT"
#define VIOT_HEADER		36	/* the standard table header */
#define VIOT_NODE_PCI_RANGE	1

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

int viot_pci_endpoint(unsigned int segment, unsigned int bdf,
		      unsigned int *endpoint)
{
	uint8_t t[4096];
	unsigned int nodes, off, i;
	ssize_t len;
	int fd = open(VIOT_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	len = read(fd, t, sizeof(t));
	close(fd);
	if (len < VIOT_HEADER + 12 || (size_t)len < le32(t + 4))
		return -EINVAL;
	len = le32(t + 4);
	nodes = le16(t + VIOT_HEADER);
	off = le16(t + VIOT_HEADER + 2);
	for (i = 0; i < nodes && off + 4 <= (size_t)len; i++) {
		const uint8_t *n = t + off;
		unsigned int nlen = le16(n + 2);

		if (nlen < 4 || off + nlen > (size_t)len)
			return -EINVAL;
		if (n[0] == VIOT_NODE_PCI_RANGE && nlen >= 20 &&
		    segment >= le16(n + 8) && segment <= le16(n + 10) &&
		    bdf >= le16(n + 12) && bdf <= le16(n + 14)) {
			/* As Linux's drivers/acpi/viot.c counts them. */
			*endpoint = le32(n + 4) + bdf - le16(n + 12) +
				    ((segment - le16(n + 8)) << 16);
			return 0;
		}
		off += nlen;
	}
	return -ENOENT;
}
