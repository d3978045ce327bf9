// SPDX-License-Identifier: GPL-2.0
/*
 * iovm-bench stub-kernel FILE: the smallest "kernel" iovm will boot, for
 * figure 4 (iovm's own memory): an ELF vmlinux whose entry point halts
 * with interrupts off. The vCPU then sleeps in KVM for good, so measuring
 * iovm costs no CPU on a busy machine, and it works on any KVM, even one
 * that cannot boot Linux.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define STUB_LOAD	0x1000000ULL	/* 16 MiB, where a vmlinux loads */

int bench_stub_kernel(int argc, char **argv)
{
	/* cli; 1: hlt; jmp 1b */
	static const uint8_t code[] = { 0xfa, 0xf4, 0xeb, 0xfd };
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph;
		uint8_t code[sizeof(code)];
	} __attribute__((packed)) img;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: iovm-bench stub-kernel FILE\n");
		return 2;
	}
	memset(&img, 0, sizeof(img));
	memcpy(img.eh.e_ident, ELFMAG, SELFMAG);
	img.eh.e_ident[EI_CLASS] = ELFCLASS64;
	img.eh.e_ident[EI_DATA] = ELFDATA2LSB;
	img.eh.e_ident[EI_VERSION] = EV_CURRENT;
	img.eh.e_type = ET_EXEC;
	img.eh.e_machine = EM_X86_64;
	img.eh.e_version = EV_CURRENT;
	img.eh.e_entry = STUB_LOAD + offsetof(typeof(img), code);
	img.eh.e_phoff = offsetof(typeof(img), ph);
	img.eh.e_ehsize = sizeof(img.eh);
	img.eh.e_phentsize = sizeof(img.ph);
	img.eh.e_phnum = 1;
	/* One segment: the whole file, headers included, at STUB_LOAD. */
	img.ph.p_type = PT_LOAD;
	img.ph.p_flags = PF_R | PF_X;
	img.ph.p_vaddr = img.ph.p_paddr = STUB_LOAD;
	img.ph.p_filesz = img.ph.p_memsz = sizeof(img);
	img.ph.p_align = 0x1000;
	memcpy(img.code, code, sizeof(code));

	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, &img, sizeof(img)) != sizeof(img)) {
		perror(argv[1]);
		return 1;
	}
	close(fd);
	return 0;
}
