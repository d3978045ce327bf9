// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: one anonymous host mapping, seen by the guest as up to two
 * ranges, [0, low_size) below the MMIO hole and [4 GiB, ...) above it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"

static void mem_layout(struct guest_mem *mem, uint64_t size)
{
	mem->size = size;
	mem->low_size = size < MMIO_HOLE_START ? size : MMIO_HOLE_START;
}

/*
 * KVM maps a 2 MiB guest page with one large nested page table entry only
 * where the guest-physical and the host address agree modulo 2 MiB (and the
 * host backs it with a transparent huge page); otherwise every page of the
 * guest costs its own 4 KiB nested page fault, which is what the guest's
 * kernel pays for unpacking itself. Linux before 6.7 places anonymous
 * mappings at any page boundary, so ask for 2 MiB more than needed, start
 * at the first 2 MiB boundary inside, and give the slack back.
 */
#define GUEST_MEM_ALIGN	SZ_2M

/* RAM above the hole starts at low_size in the mapping, at 4 GiB in the guest. */
_Static_assert(MMIO_HOLE_START % GUEST_MEM_ALIGN == 0 &&
	       SZ_4G % GUEST_MEM_ALIGN == 0,
	       "high RAM must keep its host and guest addresses congruent");

static void *map_aligned(uint64_t len)
{
	uint8_t *p, *start;
	uint64_t head;

	p = mmap(NULL, len + GUEST_MEM_ALIGN, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = -(uintptr_t)p & (GUEST_MEM_ALIGN - 1);
	start = p + head;
	if (head)
		munmap(p, head);
	/* Never empty: p is page-aligned, so head < GUEST_MEM_ALIGN. */
	munmap(start + len, GUEST_MEM_ALIGN - head);
	return start;
}

int guest_mem_init(struct guest_mem *mem, uint64_t size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t len;
	void *p;

	/*
	 * MAP_NORESERVE: a 4 GiB guest that touches 100 MiB costs 100 MiB.
	 * The size was checked against host RAM when parsing -m.
	 */
	if (!size || size > UINT64_MAX - GUEST_MEM_ALIGN - page)
		return -EINVAL;
	len = (size + page - 1) & ~(page - 1);
	p = map_aligned(len);
	if (!p)
		return -errno;
	madvise(p, len, MADV_HUGEPAGE);
	mem->host = p;
	mem_layout(mem, size);
	return 0;
}

void guest_mem_wrap(struct guest_mem *mem, void *host, uint64_t size)
{
	mem->host = host;
	mem_layout(mem, size);
}

void guest_mem_free(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	memset(mem, 0, sizeof(*mem));
}

uint64_t guest_mem_high_size(const struct guest_mem *mem)
{
	return mem->size - mem->low_size;
}

void *guest_mem_ptr(const struct guest_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t high = guest_mem_high_size(mem);

	/* Written so that no sum can wrap: compare lengths, not end addresses. */
	if (gpa < mem->low_size) {
		if (len > mem->low_size - gpa)
			return NULL;
		return mem->host + gpa;
	}
	if (gpa >= SZ_4G && gpa - SZ_4G < high) {
		if (len > high - (gpa - SZ_4G))
			return NULL;
		return mem->host + mem->low_size + (gpa - SZ_4G);
	}
	return NULL;
}
