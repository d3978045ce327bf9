// SPDX-License-Identifier: GPL-2.0
/*
 * The zero page (struct boot_params): the setup header, the e820 memory map,
 * the command line, the initrd, the setup_data chain that carries the
 * device tree to the kernel (SETUP_DTB, protocol 2.09+), and the address
 * of the ACPI tables' root pointer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../log.h"
#include "boot.h"

#define E820_RAM	1
#define E820_RESERVED	2
#define PAGE_MASK_4K	(~(SZ_4K - 1))

unsigned int boot_e820_build(const struct guest_mem *mem,
			     struct boot_e820_entry *table, unsigned int max)
{
	struct boot_e820_entry e[4];
	unsigned int n = 0, i;

	/* Conventional memory, then the EBDA/VGA/BIOS area the kernel skips. */
	e[n++] = (struct boot_e820_entry){ 0, BOOT_EBDA_GPA, E820_RAM };
	e[n++] = (struct boot_e820_entry){ BOOT_EBDA_GPA,
					   BOOT_HIGH_GPA - BOOT_EBDA_GPA,
					   E820_RESERVED };
	if (mem->low_size > BOOT_HIGH_GPA)
		e[n++] = (struct boot_e820_entry){
			BOOT_HIGH_GPA, mem->low_size - BOOT_HIGH_GPA, E820_RAM };
	if (guest_mem_high_size(mem))
		e[n++] = (struct boot_e820_entry){
			SZ_4G, guest_mem_high_size(mem), E820_RAM };
	for (i = 0; i < n && i < max; i++)
		table[i] = e[i];
	return i;
}

int initrd_place(const struct guest_mem *mem, const struct kernel_image *k,
		 uint64_t size, uint64_t *gpa)
{
	uint64_t limit = (uint64_t)k->hdr.initrd_addr_max + 1;
	uint64_t floor = (k->end + SZ_4K - 1) & PAGE_MASK_4K;
	uint64_t addr;

	if (!k->hdr.initrd_addr_max)	/* protocol < 2.03 default */
		limit = 0x38000000;
	if (limit > mem->low_size)
		limit = mem->low_size;
	if (!size || size > limit || limit - size < floor)
		return -ENOSPC;
	addr = (limit - size) & PAGE_MASK_4K;
	if (addr < floor)
		return -ENOSPC;
	*gpa = addr;
	return 0;
}

int initrd_load(struct guest_mem *mem, const struct kernel_image *k,
		const char *path, uint64_t *gpa, uint64_t *size)
{
	struct stat st;
	uint64_t done = 0;
	uint8_t *dst;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		pr_err("initrd %s: %s", path, strerror(errno));
		return err;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
		pr_err("initrd %s: not a regular, non-empty file", path);
		err = -EINVAL;
		goto out;
	}
	if (initrd_place(mem, k, st.st_size, gpa)) {
		pr_err("initrd %s: %llu MiB does not fit in guest RAM between the kernel (ends at %llu MiB) and %llu MiB; use a larger -m",
		       path, (unsigned long long)(st.st_size >> 20),
		       (unsigned long long)(k->end >> 20),
		       (unsigned long long)((mem->low_size <
					     (uint64_t)k->hdr.initrd_addr_max ?
					     mem->low_size :
					     k->hdr.initrd_addr_max) >> 20));
		err = -E2BIG;
		goto out;
	}
	dst = guest_mem_ptr(mem, *gpa, st.st_size);
	while (done < (uint64_t)st.st_size) {
		ssize_t n = read(fd, dst + done, st.st_size - done);

		if (n <= 0) {
			err = n ? -errno : -EIO;
			pr_err("initrd %s: read failed: %s", path,
			       strerror(-err));
			goto out;
		}
		done += n;
	}
	*size = done;
out:
	close(fd);
	return err;
}

/*
 * Append one setup_data node at *cursor and patch its address into the
 * 64-bit field at guest address *link_gpa (the header's setup_data, then
 * the previous node's next), so nodes chain in the order they were added.
 */
static int setup_data_append(struct guest_mem *mem, uint64_t *cursor,
			     uint64_t *link_gpa, uint32_t type,
			     const void *data, size_t len)
{
	uint64_t at = (*cursor + 7) & ~7ULL;
	struct setup_data *sd;
	void *link;

	if (at > BOOT_SETUP_DATA_END || len > BOOT_SETUP_DATA_END - at ||
	    BOOT_SETUP_DATA_END - at - len < sizeof(*sd))
		return -ENOSPC;
	sd = guest_mem_ptr(mem, at, sizeof(*sd) + len);
	link = guest_mem_ptr(mem, *link_gpa, sizeof(uint64_t));
	if (!sd || !link)
		return -ENOSPC;
	sd->next = 0;
	sd->type = type;
	sd->len = len;
	memcpy(sd->data, data, len);
	memcpy(link, &at, sizeof(at));
	*link_gpa = at + offsetof(struct setup_data, next);
	*cursor = at + sizeof(*sd) + len;
	return 0;
}

static int cmdline_write(struct guest_mem *mem, struct boot_params *bp,
			 const char *cmdline)
{
	size_t len = strlen(cmdline);
	uint32_t max = bp->hdr.cmdline_size ? bp->hdr.cmdline_size : 255;
	char *dst;

	if (len > max || len >= BOOT_CMDLINE_MAX) {
		pr_err("kernel command line is %zu bytes; this kernel accepts at most %u",
		       len, max);
		return -E2BIG;
	}
	dst = guest_mem_ptr(mem, BOOT_CMDLINE_GPA, len + 1);
	if (!dst)
		return -ENOMEM;
	memcpy(dst, cmdline, len + 1);
	bp->hdr.cmd_line_ptr = BOOT_CMDLINE_GPA;
	return 0;
}

int boot_params_build(struct guest_mem *mem, const struct kernel_image *k,
		      const struct boot_setup *setup)
{
	struct boot_params *bp;
	uint64_t cursor = BOOT_SETUP_DATA_GPA, link;
	int err;

	bp = guest_mem_ptr(mem, BOOT_PARAMS_GPA, sizeof(*bp));
	if (!bp)
		return -ENOMEM;
	memset(bp, 0, sizeof(*bp));
	bp->hdr = k->hdr;
	bp->hdr.type_of_loader = 0xff;	/* "undefined" boot loader */
	bp->hdr.vid_mode = 0xffff;	/* "normal" */
	bp->hdr.setup_data = 0;
	bp->e820_entries = boot_e820_build(mem, bp->e820_table,
					   E820_MAX_ENTRIES_ZEROPAGE);
	/* After the RAM: the kernel sorts the map before it reads it. */
	if (setup->reserved_size &&
	    bp->e820_entries < E820_MAX_ENTRIES_ZEROPAGE)
		bp->e820_table[bp->e820_entries++] = (struct boot_e820_entry){
			setup->reserved_gpa, setup->reserved_size,
			E820_RESERVED };

	err = cmdline_write(mem, bp, setup->cmdline);
	if (err)
		return err;

	bp->hdr.ramdisk_image = (uint32_t)setup->initrd_gpa;
	bp->hdr.ramdisk_size = (uint32_t)setup->initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(setup->initrd_gpa >> 32);
	bp->ext_ramdisk_size = (uint32_t)(setup->initrd_size >> 32);
	/* Protocol 2.14; older kernels find the RSDP by scanning for it. */
	bp->acpi_rsdp_addr = setup->acpi_rsdp;

	link = BOOT_PARAMS_GPA + offsetof(struct boot_params, hdr) +
	       offsetof(struct setup_header, setup_data);
	if (setup->dtb_size) {
		err = setup_data_append(mem, &cursor, &link, SETUP_DTB,
					setup->dtb, setup->dtb_size);
		if (err) {
			pr_err("device tree of %zu bytes does not fit in the setup_data area",
			       setup->dtb_size);
			return err;
		}
	}
	if (setup->rng_seed_size) {
		err = setup_data_append(mem, &cursor, &link, SETUP_RNG_SEED,
					setup->rng_seed, setup->rng_seed_size);
		if (err)
			return err;
	}
	return 0;
}
