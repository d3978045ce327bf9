// SPDX-License-Identifier: GPL-2.0
/*
 * The x86-64 side of the seccomp sandbox: its audit architecture, and the
 * system calls glibc uses here that newer architectures (arm64) only have
 * in their later forms (ppoll, epoll_pwait, clock_gettime, unlinkat).
 */
#include <sys/syscall.h>

#include <linux/audit.h>

#include "../arch.h"

const uint32_t arch_audit = AUDIT_ARCH_X86_64;
const int arch_sandbox_calls[] = {
	SYS_poll, SYS_epoll_wait, SYS_time, SYS_unlink,
};
const unsigned int arch_nr_sandbox_calls =
	sizeof(arch_sandbox_calls) / sizeof(arch_sandbox_calls[0]);
