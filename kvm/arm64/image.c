// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 Image boot protocol (Linux's Documentation/arch/arm64/
 * booting.rst): a 64-byte header with the magic "ARM\x64", the offset of
 * the image from a 2 MiB-aligned base and the size the kernel needs there
 * (BSS included). The image is copied to that place and entered at its
 * first byte with the DTB's address in x0; the DTB and initrd are put
 * where the kernel will not overwrite them.
 */
#include <errno.h>
#include <string.h>

#include "../../log.h"
#include "arm64.h"

#define HDR_TEXT_OFFSET		0x08
#define HDR_IMAGE_SIZE		0x10
#define HDR_FLAGS		0x18
#define HDR_MAGIC		0x38
#define FLAG_BIG_ENDIAN		(1ULL << 0)
/* Before Linux 3.17 the header gave no size: text_offset was this. */
#define OLD_TEXT_OFFSET		0x80000ULL
#define DTB_MAX_SIZE		SZ_2M	/* booting.rst */

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

int arm64_image_parse(const char *name, const uint8_t *buf, size_t len,
		      struct arm64_image *k)
{
	uint32_t magic;

	memset(k, 0, sizeof(*k));
	if (len < ARM64_IMAGE_HDR_SIZE) {
		pr_err("kernel %s: %zu bytes, shorter than an arm64 Image header (64)",
		       name, len);
		return -ENOEXEC;
	}
	magic = (uint32_t)le64_at(buf + HDR_MAGIC);
	if (magic != ARM64_IMAGE_MAGIC) {
		pr_err("kernel %s: not an arm64 Image (no \"ARM\\x64\" magic at 0x38; a compressed vmlinuz must be decompressed first)",
		       name);
		return -ENOEXEC;
	}
	k->image_size = le64_at(buf + HDR_IMAGE_SIZE);
	if (!k->image_size) {
		k->text_offset = OLD_TEXT_OFFSET;
		k->image_size = len;
	} else {
		k->text_offset = le64_at(buf + HDR_TEXT_OFFSET);
		if (le64_at(buf + HDR_FLAGS) & FLAG_BIG_ENDIAN) {
			pr_err("kernel %s: a big-endian arm64 Image; iovm runs little-endian guests",
			       name);
			return -ENOEXEC;
		}
	}
	if (k->text_offset >= SZ_2M || k->text_offset % 4096) {
		pr_err("kernel %s: text_offset 0x%llx is not a page-aligned offset below 2 MiB",
		       name, (unsigned long long)k->text_offset);
		return -ENOEXEC;
	}
	if (k->image_size < len) {
		pr_err("kernel %s: the header's image_size (%llu bytes) is smaller than the file (%zu bytes)",
		       name, (unsigned long long)k->image_size, len);
		return -ENOEXEC;
	}
	return 0;
}

int arm64_image_load(struct guest_mem *mem, const char *name,
		     const uint8_t *buf, size_t len, struct arm64_image *k)
{
	uint8_t *dst;
	int err = arm64_image_parse(name, buf, len, k);

	if (err)
		return err;
	k->load_addr = ARM64_KERNEL_BASE + k->text_offset;
	k->end = k->load_addr + k->image_size;
	dst = guest_mem_ptr(mem, k->load_addr, k->image_size);
	if (!dst || k->end > mem->low_size) {
		pr_err("kernel %s: needs RAM up to %llu MiB, the guest has %llu MiB below the device hole; use a larger -m",
		       name, (unsigned long long)(k->end >> 20),
		       (unsigned long long)(mem->low_size >> 20));
		return -E2BIG;
	}
	memcpy(dst, buf, len);
	return 0;
}

int arm64_place(const struct guest_mem *mem, const struct arm64_image *k,
		uint64_t dtb_size, uint64_t initrd_size, uint64_t *dtb_gpa,
		uint64_t *initrd_gpa)
{
	uint64_t floor = (k->end + SZ_4K - 1) & ~(SZ_4K - 1);
	uint64_t top = mem->low_size & ~(SZ_2M - 1);

	if (dtb_size > DTB_MAX_SIZE || top < SZ_2M || top - SZ_2M < floor)
		return -ENOSPC;
	*dtb_gpa = top - SZ_2M;
	if (!initrd_size)
		return 0;
	if (initrd_size > *dtb_gpa - floor)
		return -ENOSPC;
	*initrd_gpa = (*dtb_gpa - initrd_size) & ~(SZ_4K - 1);
	return 0;
}
