// SPDX-License-Identifier: GPL-2.0
/*
 * The arm64 side of the seccomp sandbox: its audit architecture. arm64 has
 * only the newer forms of the calls x86 keeps old ones of (ppoll for poll,
 * unlinkat for unlink): nothing to add.
 */
#include <linux/audit.h>

#include "../arch.h"

const uint32_t arch_audit = AUDIT_ARCH_AARCH64;
const int arch_sandbox_calls[] = { -1 };	/* never a call number */
const unsigned int arch_nr_sandbox_calls = 0;
