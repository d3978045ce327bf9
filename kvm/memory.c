// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: one anonymous host mapping, seen by the guest as up to two
 * ranges, [0, low_size) below the MMIO hole and [4 GiB, ...) above it.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "kvm.h"

static void mem_layout(struct guest_mem *mem, uint64_t size)
{
	mem->size = size;
	mem->low_size = size < MMIO_HOLE_START ? size : MMIO_HOLE_START;
}

int guest_mem_init(struct guest_mem *mem, uint64_t size)
{
	void *p;

	/*
	 * MAP_NORESERVE: a 4 GiB guest that touches 100 MiB costs 100 MiB.
	 * The size was checked against host RAM when parsing -m.
	 */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	madvise(p, size, MADV_HUGEPAGE);
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
