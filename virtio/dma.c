// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "dma.h"

void dma_space_identity(struct dma_space *s, const struct guest_mem *mem)
{
	s->mem = mem;
	s->translate = NULL;
	s->hold = NULL;
	s->record = NULL;
	s->release = NULL;
	s->gate = NULL;
	s->view = NULL;
	s->opaque = NULL;
	s->msi_base = MSI_WINDOW_GPA;
	s->msi_size = MSI_WINDOW_SIZE;
	s->bus_master = NULL;
}

bool dma_view_take(const struct dma_space *s, uint64_t addr, uint64_t len,
		   struct dma_view *v)
{
	unsigned int dirs = DMA_FROM_GUEST | DMA_TO_GUEST;	/* identity */
	uint64_t gpa = addr;

	memset(v, 0, sizeof(*v));
	if (!len || addr + len - 1 < addr || !s->mem)
		return false;
	if (s->translate &&
	    (!s->view || s->view(s->opaque, addr, len, &gpa, &dirs, &v->gen,
				 &v->seen)))
		return false;
	v->host = guest_mem_ptr(s->mem, gpa, len);
	if (v->host)
		v->dirs = dirs;
	return v->host != NULL;
}

/* Identity: the largest chunk from @addr that one RAM range holds. */
static int identity_translate(const struct guest_mem *mem, uint64_t addr,
			      uint64_t len, uint64_t *gpa, uint64_t *contig)
{
	uint64_t room;

	if (addr < mem->low_size)
		room = mem->low_size - addr;
	else if (addr >= SZ_4G && addr - SZ_4G < guest_mem_high_size(mem))
		room = guest_mem_high_size(mem) - (addr - SZ_4G);
	else
		return -EFAULT;
	*gpa = addr;
	*contig = len < room ? len : room;
	return 0;
}

/*
 * The first piece of [addr, addr + len): the longest run from @addr that
 * one translation covers, as a host address and a length (1..len). A
 * miss or a permission failure is -EFAULT (the translator has reported
 * it), and so is a range that wraps the address space.
 */
static int dma_piece(const struct dma_space *s, uint64_t addr, uint64_t len,
		     enum dma_dir dir, void **host, uint64_t *contig)
{
	uint64_t gpa;
	int err;

	if (addr + len - 1 < addr)
		return -EFAULT;
	/* Bus mastering off: nothing leaves the device, nothing faults. */
	if (!dma_enabled(s))
		return -EFAULT;
	if (s->translate) {
		err = s->translate(s->opaque, addr, len, dir, &gpa, contig);
	} else {
		/* Identity, all of it in one RAM range: one check does. */
		*host = guest_mem_ptr(s->mem, addr, len);
		if (*host) {
			*contig = len;
			return 0;
		}
		err = identity_translate(s->mem, addr, len, &gpa, contig);
	}
	if (err || !*contig || *contig > len)
		return -EFAULT;
	/* Translated ranges are checked against RAM like any other. */
	*host = guest_mem_ptr(s->mem, gpa, *contig);
	return *host ? 0 : -EFAULT;
}

/*
 * The iovecs of [addr, addr + len) (len > 0) whose first piece, already
 * translated, is @host and @contig: each piece is translated once.
 */
static int map_from(const struct dma_space *s, uint64_t addr, uint64_t len,
		    enum dma_dir dir, struct iovec *iov, int max, void *host,
		    uint64_t contig)
{
	int n = 0;

	for (;;) {
		/* Merge with the previous iovec when host-contiguous. */
		if (n && (uint8_t *)iov[n - 1].iov_base + iov[n - 1].iov_len ==
			 (uint8_t *)host) {
			iov[n - 1].iov_len += contig;
		} else {
			if (n == max)
				return -E2BIG;
			iov[n].iov_base = host;
			iov[n].iov_len = contig;
			n++;
		}
		addr += contig;
		len -= contig;
		if (!len)
			return n;
		if (dma_piece(s, addr, len, dir, &host, &contig))
			return -EFAULT;
	}
}

int dma_map(const struct dma_space *s, uint64_t addr, uint64_t len,
	    enum dma_dir dir, struct iovec *iov, int max)
{
	uint64_t contig;
	void *host;

	if (!len)
		return 0;
	if (dma_piece(s, addr, len, dir, &host, &contig))
		return -EFAULT;
	/* The common case: one piece (a buffer inside one mapping). */
	if (contig == len && max) {
		iov[0].iov_base = host;
		iov[0].iov_len = len;
		return 1;
	}
	return map_from(s, addr, len, dir, iov, max, host, contig);
}

#define DMA_COPY_IOV	16

static int dma_copy(const struct dma_space *s, uint64_t addr, void *buf,
		    size_t len, enum dma_dir dir)
{
	struct iovec iov[DMA_COPY_IOV];
	uint8_t *p = buf;
	uint64_t contig;
	void *host;
	int n, i;

	if (!len)
		return 0;
	if (dma_piece(s, addr, len, dir, &host, &contig))
		return -EFAULT;
	/* The common case: one piece (a ring entry, a request header). */
	if (contig == len) {
		if (dir == DMA_FROM_GUEST)
			memcpy(buf, host, len);
		else
			memcpy(host, buf, len);
		return 0;
	}
	/* Several: all translated before any byte moves. */
	n = map_from(s, addr, len, dir, iov, DMA_COPY_IOV, host, contig);
	if (n < 0)
		return -EFAULT;
	for (i = 0; i < n; i++) {
		if (dir == DMA_FROM_GUEST)
			memcpy(p, iov[i].iov_base, iov[i].iov_len);
		else
			memcpy(iov[i].iov_base, p, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return 0;
}

int dma_read(const struct dma_space *s, uint64_t addr, void *buf, size_t len)
{
	return dma_copy(s, addr, buf, len, DMA_FROM_GUEST);
}

int dma_write(const struct dma_space *s, uint64_t addr, const void *buf,
	      size_t len)
{
	return dma_copy(s, addr, (void *)buf, len, DMA_TO_GUEST);
}
