// SPDX-License-Identifier: GPL-2.0
/*
 * The DMA regions: this process's buffers, each between two canary pages,
 * and their mappings into the device's IOMMU domain (VFIO type1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/vfio.h>

#include "driver.h"
#include "report.h"

static const struct {
	const char *name, *what;
	size_t size;
	uint64_t iova;
	uint32_t perm;
} layout[NR_REGIONS] = {
	[R_DESC] = { "desc", "descriptor table", PAGE, IOVA_DESC,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_AVAIL] = { "avail", "available ring", PAGE, IOVA_AVAIL,
		      VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_USED] = { "used", "used ring", PAGE, IOVA_USED,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_CMD] = { "cmd", "request headers, status bytes, indirect tables",
		    CMD_SIZE, IOVA_CMD,
		    VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_DATA] = { "data", "data to write", DATA_SIZE, IOVA_DATA,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_RBUF] = { "rbuf", "read buffer", DATA_SIZE, IOVA_RBUF,
		     VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_RO] = { "ro", "buffer the device may only read", 64 * 1024,
		   IOVA_RO, VFIO_DMA_MAP_FLAG_READ },
	[R_SPARE] = { "spare", "buffer no request uses", 64 * 1024,
		      IOVA_SPARE,
		      VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
	[R_VICTIM] = { "victim", "buffer unmapped under the device",
		       VICTIM_SIZE, IOVA_VICTIM,
		       VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE },
};

/* Canary contents depend on the page's address, so no two pages match. */
static uint64_t canary_word(uint64_t seed, size_t i)
{
	return (seed + i) * 0x9e3779b97f4a7c15ULL ^ 0xca11ab1eca11ab1eULL;
}

static void canary_fill(uint8_t *page)
{
	uint64_t *p = (uint64_t *)page, seed = (uintptr_t)page;
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		p[i] = canary_word(seed, i);
}

bool canary_ok(const uint8_t *page)
{
	const uint64_t *p = (const uint64_t *)page;
	uint64_t seed = (uintptr_t)page;
	size_t i;

	for (i = 0; i < PAGE / 8; i++)
		if (p[i] != canary_word(seed, i))
			return false;
	return true;
}

/* Guest-physical address of a locked page, from /proc/self/pagemap. */
static uint64_t phys_of(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	off_t off = (off_t)((uintptr_t)va / PAGE) * 8;

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), off) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e & BIT(63)))
		return 0;
	return (e & (BIT(55) - 1)) * PAGE;
}

int regions_alloc(struct vblk *d)
{
	unsigned int i;

	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &d->r[i];
		size_t total = layout[i].size + 2 * PAGE;
		uint8_t *m;

		m = mmap(NULL, total, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
		if (m == MAP_FAILED)
			return -errno;
		/* Locked, so pagemap's answer stays true for the canaries. */
		if (mlock(m, total))
			return -errno;
		r->name = layout[i].name;
		r->what = layout[i].what;
		r->size = layout[i].size;
		r->iova = layout[i].iova;
		r->perm = layout[i].perm;
		r->lo = m;
		r->base = m + PAGE;
		r->hi = m + PAGE + r->size;
		canary_fill(r->lo);
		canary_fill(r->hi);
	}
	d->canary_phys = phys_of(d->r[R_DATA].hi);
	return 0;
}

int dma_map(struct vblk *d, struct region *r, uint32_t perm)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = perm,
		.vaddr = (uintptr_t)r->base,
		.iova = r->iova,
		.size = r->size,
	};

	if (ioctl(d->container, VFIO_IOMMU_MAP_DMA, &m))
		return -errno;
	r->mapped = true;
	return 0;
}

int dma_unmap(struct vblk *d, struct region *r)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u),
		.iova = r->iova,
		.size = r->size,
	};

	if (ioctl(d->container, VFIO_IOMMU_UNMAP_DMA, &u))
		return -errno;
	r->mapped = false;
	return u.size == r->size ? 0 : -EIO;
}

static const char *perm_str(uint32_t perm)
{
	return perm == VFIO_DMA_MAP_FLAG_READ ? "device may read only" :
	       "device may read and write";
}

/* Every region, with the permission its layout gives it. */
int map_all(struct vblk *d)
{
	unsigned int i;
	int err;

	for (i = 0; i < NR_REGIONS; i++) {
		struct region *r = &d->r[i];

		err = dma_map(d, r, r->perm);
		if (err) {
			fprintf(stderr, "vfio-blk: VFIO_IOMMU_MAP_DMA %s at IOVA 0x%llx: %s\n",
				r->name, (unsigned long long)r->iova,
				strerror(-err));
			return err;
		}
		say("mapped %-6s IOVA 0x%08llx-0x%08llx (%4zu KiB, %s): %s",
		    r->name, (unsigned long long)r->iova,
		    (unsigned long long)(r->iova + r->size - 1), r->size / 1024,
		    perm_str(r->perm), r->what);
	}
	return 0;
}
