// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>

#include "dma.h"

void dma_space_identity(struct dma_space *s, const struct guest_mem *mem)
{
	s->mem = mem;
	s->translate = NULL;
	s->hold = s->release = NULL;
	s->opaque = NULL;
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
 * The common case first: the whole range is one host-contiguous piece (a
 * ring entry, a request header, a buffer inside one mapping). Returns 0
 * with *host set, 1 if the range must be taken piece by piece, or -EFAULT
 * (the translator has reported the fault: do not translate again).
 */
static int dma_one(const struct dma_space *s, uint64_t addr, uint64_t len,
		   enum dma_dir dir, void **host)
{
	uint64_t gpa = addr, contig = len;

	if (!len || addr + len - 1 < addr)
		return 1;
	if (!s->translate) {
		*host = guest_mem_ptr(s->mem, addr, len);
		return *host ? 0 : 1;
	}
	if (s->translate(s->opaque, addr, len, dir, &gpa, &contig))
		return -EFAULT;
	if (contig != len)
		return 1;
	*host = guest_mem_ptr(s->mem, gpa, len);
	return *host ? 0 : -EFAULT;
}

int dma_map(const struct dma_space *s, uint64_t addr, uint64_t len,
	    enum dma_dir dir, struct iovec *iov, int max)
{
	int n = 0, fast;
	void *one;

	fast = dma_one(s, addr, len, dir, &one);
	if (fast < 0)
		return -EFAULT;
	if (!fast) {
		if (!max)
			return -E2BIG;
		iov[0].iov_base = one;
		iov[0].iov_len = len;
		return 1;
	}
	/* A range that wraps the address space is never valid. */
	if (len && addr + len - 1 < addr)
		return -EFAULT;
	while (len) {
		uint64_t gpa, contig;
		void *host;
		int err;

		if (s->translate)
			err = s->translate(s->opaque, addr, len, dir, &gpa,
					   &contig);
		else
			err = identity_translate(s->mem, addr, len, &gpa,
						 &contig);
		if (err)
			return -EFAULT;
		if (!contig || contig > len)
			return -EFAULT;
		/* Translated ranges are checked against RAM like any other. */
		host = guest_mem_ptr(s->mem, gpa, contig);
		if (!host)
			return -EFAULT;
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
	}
	return n;
}

#define DMA_COPY_IOV	16

static int dma_copy(const struct dma_space *s, uint64_t addr, void *buf,
		    size_t len, enum dma_dir dir)
{
	struct iovec iov[DMA_COPY_IOV];
	uint8_t *p = buf;
	void *one;
	int n, i;

	n = dma_one(s, addr, len, dir, &one);
	if (n < 0)
		return -EFAULT;
	if (n == 0) {
		if (dir == DMA_FROM_GUEST)
			memcpy(buf, one, len);
		else
			memcpy(one, buf, len);
		return 0;
	}
	n = dma_map(s, addr, len, dir, iov, DMA_COPY_IOV);
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
