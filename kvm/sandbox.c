// SPDX-License-Identifier: GPL-2.0
/*
 * The seccomp sandbox: once the VM is set up (files open, threads started),
 * iovm needs only a short list of system calls to run a guest. Everything
 * else, opening files and making sockets first of all, is refused by a
 * filter on every thread: the calling thread gets SIGSYS, and its handler
 * restores the terminal, names the call and ends iovm with 128 + SIGSYS.
 * Calls only some architectures have (x86's poll, time, unlink) are in
 * the architecture's list, arch_sandbox_calls.
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "../log.h"
#include "arch.h"
#include "kvm.h"

static const int allowed[] = {
	/* I/O on descriptors iovm already holds */
	SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_pread64,
	SYS_pwrite64, SYS_preadv, SYS_pwritev, SYS_lseek, SYS_ioctl,
	SYS_fstat, SYS_newfstatat, SYS_close, SYS_fdatasync, SYS_fsync,
	SYS_fallocate, SYS_io_submit, SYS_io_getevents, SYS_io_pgetevents,
	/* waiting */
	SYS_ppoll, SYS_epoll_pwait, SYS_epoll_ctl,
	SYS_futex, SYS_nanosleep, SYS_clock_nanosleep, SYS_sched_yield,
	SYS_restart_syscall,
	/* time, randomness, identity */
	SYS_clock_gettime, SYS_clock_getres, SYS_gettimeofday,
	SYS_getrandom, SYS_getpid, SYS_gettid, SYS_geteuid,
	/* memory (malloc) */
	SYS_brk, SYS_mmap, SYS_munmap, SYS_mremap, SYS_madvise,
	SYS_mprotect,
	/* signals: kicks, the forced exit, crash handlers */
	SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_rt_sigaction,
	SYS_sigaltstack, SYS_tgkill, SYS_tkill, SYS_rt_sigtimedwait,
	/* the control socket, and removing it at exit */
	SYS_accept4, SYS_setsockopt, SYS_recvfrom, SYS_sendto,
	SYS_recvmsg, SYS_sendmsg, SYS_unlinkat,
	/* thread and process exit */
	SYS_exit, SYS_exit_group, SYS_rseq, SYS_set_robust_list,
};

#define NR_ALLOWED	(sizeof(allowed) / sizeof(allowed[0]))
/* Room for the architecture's own (arch_sandbox_calls). */
#define NR_ARCH_MAX	8

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[96];
	int n;

	(void)uc;
	term_restore();
	n = snprintf(msg, sizeof(msg),
		     "iovm: sandbox: forbidden system call %d; exiting\n",
		     si->si_syscall);
	if (n > 0 && write(STDERR_FILENO, msg, n) < 0)
		n = 0;
	/*
	 * Exit as if killed by the signal, without its core dump: dumping a
	 * process that maps all of guest RAM can take minutes.
	 */
	_exit(128 + sig);
}

int sandbox_install(void)
{
	struct sock_filter prog[4 + NR_ALLOWED + NR_ARCH_MAX + 2];
	struct sock_fprog fprog = { .filter = prog };
	struct sigaction sa = { .sa_sigaction = on_sigsys,
				.sa_flags = SA_SIGINFO };
	unsigned int n = 0, i, nr = NR_ALLOWED + arch_nr_sandbox_calls;
	int nr_call;

	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, arch));
	/* Not the native ABI (x86's int 0x80 from 32-bit code): no exceptions. */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		arch_audit, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		offsetof(struct seccomp_data, nr));
	/*
	 * One test per call, each jumping over the rest and the TRAP to the
	 * final ALLOW; x32 numbers (bit 30 set) never match any of them.
	 */
	if (arch_nr_sandbox_calls > NR_ARCH_MAX)
		return -E2BIG;
	for (i = 0; i < nr; i++) {
		nr_call = i < NR_ALLOWED ? allowed[i] :
			  arch_sandbox_calls[i - NR_ALLOWED];
		prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
			BPF_K, (unsigned int)nr_call, nr - i, 0);
	}
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_TRAP);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		SECCOMP_RET_ALLOW);
	fprog.len = n;

	sigaction(SIGSYS, &sa, NULL);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_TSYNC, &fprog))
		return -errno;
	return 0;
}
