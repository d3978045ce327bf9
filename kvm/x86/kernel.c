// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel images: a bzImage entered through its 64-bit entry point, or an
 * uncompressed ELF vmlinux entered at e_entry (phys_startup_64). Both get a
 * setup header, so the rest of the boot path treats them the same.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../log.h"
#include "boot.h"

#define BZ_HDR_OFFSET		0x1f1
#define BZ_BOOT_FLAG		0xaa55
#define BZ_HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BZ_DEFAULT_SETUP_SECTS	4
#define KERNEL_MAX_SIZE		(512ULL << 20)

static int load_bzimage(struct guest_mem *mem, const char *name,
			const uint8_t *buf, size_t len, struct kernel_image *k)
{
	struct setup_header *hdr = &k->hdr;
	uint64_t setup_len, code_len;
	uint8_t *dst;

	/* The header ends where the 2-byte jump at 0x200 says it does. */
	size_t hdr_end = 0x202 + (size_t)buf[0x201];

	if (hdr_end > BZ_HDR_OFFSET + sizeof(*hdr))
		hdr_end = BZ_HDR_OFFSET + sizeof(*hdr);
	if (hdr_end > len) {
		pr_err("kernel %s: truncated bzImage (%zu bytes)", name, len);
		return -ENOEXEC;
	}
	memset(hdr, 0, sizeof(*hdr));
	memcpy(hdr, buf + BZ_HDR_OFFSET, hdr_end - BZ_HDR_OFFSET);

	if (hdr->version < BOOT_PROTOCOL_MIN ||
	    !(hdr->xloadflags & XLF_KERNEL_64)) {
		pr_err("kernel %s: boot protocol %u.%02u has no 64-bit entry point; iovm needs 2.12 or later (Linux 3.8+, x86_64)",
		       name, hdr->version >> 8, hdr->version & 0xff);
		return -ENOEXEC;
	}
	setup_len = (uint64_t)((hdr->setup_sects ? hdr->setup_sects :
				BZ_DEFAULT_SETUP_SECTS) + 1) * 512;
	if (setup_len >= len) {
		pr_err("kernel %s: truncated bzImage (%zu bytes, setup alone is %llu)",
		       name, len, (unsigned long long)setup_len);
		return -ENOEXEC;
	}
	code_len = len - setup_len;

	/*
	 * pref_address is where a non-relocatable kernel must run and where a
	 * relocatable one would move itself anyway; init_size is how much RAM
	 * it needs from there while decompressing and booting.
	 */
	k->load_addr = hdr->pref_address;
	if (k->load_addr < BOOT_HIGH_GPA)
		k->load_addr = BOOT_HIGH_GPA;
	k->end = k->load_addr + (hdr->init_size > code_len ? hdr->init_size :
				 code_len);
	dst = guest_mem_ptr(mem, k->load_addr, k->end - k->load_addr);
	if (!dst || k->end > mem->low_size) {
		pr_err("kernel %s: needs RAM up to %llu MiB, the guest has %llu MiB below the MMIO hole; use a larger -m",
		       name, (unsigned long long)(k->end >> 20),
		       (unsigned long long)(mem->low_size >> 20));
		return -ENOMEM;
	}
	memcpy(dst, buf + setup_len, code_len);
	k->kind = KERNEL_BZIMAGE;
	k->entry = k->load_addr + 0x200;	/* startup_64 */
	return 0;
}

static int elf_fail(const char *name, const char *what)
{
	pr_err("kernel %s: %s", name, what);
	return -ENOEXEC;
}

/* A header for an ELF kernel, as a bzImage of the same era would carry. */
static void elf_fake_header(struct setup_header *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->boot_flag = BZ_BOOT_FLAG;
	hdr->header = BZ_HDRS_MAGIC;
	hdr->version = BOOT_PROTOCOL_MIN;
	hdr->xloadflags = XLF_KERNEL_64;
	hdr->initrd_addr_max = 0x7fffffff;
	hdr->kernel_alignment = SZ_2M;
	hdr->cmdline_size = 2048;	/* x86 COMMAND_LINE_SIZE */
}

static int load_elf(struct guest_mem *mem, const char *name,
		    const uint8_t *buf, size_t len, struct kernel_image *k)
{
	const Elf64_Ehdr *eh = (const void *)buf;
	bool entry_loaded = false;
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int i;

	if (len < sizeof(*eh) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return elf_fail(name, "ELF file is not 64-bit little-endian");
	if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
		return elf_fail(name, "ELF file is not an x86_64 executable");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || !eh->e_phnum ||
	    eh->e_phoff > len ||
	    (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return elf_fail(name, "ELF program headers are missing or truncated");

	for (i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		uint8_t *dst;

		memcpy(&ph, buf + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len ||
		    len - ph.p_offset < ph.p_filesz)
			return elf_fail(name, "ELF segment lies outside the file");
		dst = guest_mem_ptr(mem, ph.p_paddr, ph.p_memsz);
		if (!dst || ph.p_paddr < BOOT_HIGH_GPA) {
			pr_err("kernel %s: ELF segment at 0x%llx (%llu bytes) is not in guest RAM above 1 MiB; use a larger -m",
			       name, (unsigned long long)ph.p_paddr,
			       (unsigned long long)ph.p_memsz);
			return -ENOMEM;
		}
		memcpy(dst, buf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr < lo)
			lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > hi)
			hi = ph.p_paddr + ph.p_memsz;
		if (eh->e_entry >= ph.p_paddr &&
		    eh->e_entry - ph.p_paddr < ph.p_filesz)
			entry_loaded = true;
	}
	if (!entry_loaded)
		return elf_fail(name, "ELF entry point is not inside a loaded segment (is this a vmlinux?)");

	elf_fake_header(&k->hdr);
	k->kind = KERNEL_ELF;
	k->entry = eh->e_entry;
	k->load_addr = lo;
	k->end = hi;
	return 0;
}

int kernel_load_buf(struct guest_mem *mem, const char *name,
		    const uint8_t *buf, size_t len, struct kernel_image *k)
{
	uint16_t boot_flag;
	uint32_t magic;

	memset(k, 0, sizeof(*k));
	if (len >= SELFMAG && !memcmp(buf, ELFMAG, SELFMAG))
		return load_elf(mem, name, buf, len, k);
	if (len >= 0x206) {
		memcpy(&boot_flag, buf + 0x1fe, sizeof(boot_flag));
		memcpy(&magic, buf + 0x202, sizeof(magic));
		if (boot_flag == BZ_BOOT_FLAG && magic == BZ_HDRS_MAGIC)
			return load_bzimage(mem, name, buf, len, k);
		if (boot_flag == BZ_BOOT_FLAG) {
			pr_err("kernel %s: a boot sector without a Linux setup header (zImage or older than boot protocol 2.00); iovm needs a bzImage with protocol 2.12+",
			       name);
			return -ENOEXEC;
		}
	}
	pr_err("kernel %s: not a bzImage or an ELF vmlinux (no boot signature, no ELF magic)",
	       name);
	return -ENOEXEC;
}

int kernel_load(struct guest_mem *mem, const char *path,
		struct kernel_image *k)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int err;

	err = file_read_all("kernel", path, KERNEL_MAX_SIZE, &buf, &len);
	if (err)
		return err;
	err = kernel_load_buf(mem, path, buf, len, k);
	free(buf);
	return err;
}
