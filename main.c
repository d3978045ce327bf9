// SPDX-License-Identifier: GPL-2.0
/*
 * iovm's entry point: the command line, wiring the VM together, the main
 * thread's event loop (signals, console input, VM exit), and exit codes.
 * Only this file decides to exit.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli.h"
#include "ctl.h"
#include "kvm/arch.h"
#include "kvm/kvm.h"
#include "iommu/iommu.h"
#include "virtio/virtio.h"
#include "log.h"

#ifndef IOVM_VERSION
#define IOVM_VERSION "unknown"
#endif

#define ESCAPE_CHAR	0x01	/* Ctrl-a, then x to quit, as in QEMU */

struct console_in {
	uint8_t buf[256];
	size_t len, off;	/* bytes read from stdin, not yet taken */
	bool eof;
	bool escape;		/* the previous byte was Ctrl-a */
};

/* Apply the Ctrl-a escape in place; returns true if the user quit. */
static bool console_filter(struct console_in *in)
{
	size_t i, out = 0;

	for (i = 0; i < in->len; i++) {
		uint8_t c = in->buf[i];

		if (in->escape) {
			in->escape = false;
			if (c == 'x' || c == 'X')
				return true;
			if (c != ESCAPE_CHAR)
				in->buf[out++] = ESCAPE_CHAR;
		} else if (c == ESCAPE_CHAR) {
			in->escape = true;
			continue;
		}
		in->buf[out++] = c;
	}
	in->len = out;
	return false;
}

static void console_read(struct vm *vm, struct console_in *in)
{
	ssize_t n = read(STDIN_FILENO, in->buf, sizeof(in->buf));

	if (n <= 0) {
		if (n == 0 || (errno != EINTR && errno != EAGAIN))
			in->eof = true;
		return;
	}
	in->len = n;
	in->off = 0;
	if (term_is_tty() && console_filter(in)) {
		vm_request_exit(vm, IOVM_EXIT_OK, "quit from the console (Ctrl-a x)");
		in->len = 0;
	}
}

static void console_feed(struct vm *vm, struct console_in *in)
{
	uint64_t drain;

	if (read(vm->console_space_fd, &drain, sizeof(drain)) < 0 &&
	    errno != EAGAIN)
		pr_debug("console: eventfd read failed");
	in->off += vm->console_in(vm->console_in_opaque, in->buf + in->off,
				  in->len - in->off);
	if (in->off == in->len)
		in->len = in->off = 0;
}

static int signals_fd(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGQUIT);
	return signalfd(-1, set, SFD_CLOEXEC);
}

/*
 * The main thread waits here while vCPU threads run the guest. Console
 * input is only read while the UART can take it, so nothing typed is lost.
 */
static void main_loop(struct vm *vm, int sfd)
{
	struct console_in in = { .len = 0 };

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = vm->exit_efd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = -1, .events = POLLIN },
			{ .fd = vm->control_fd, .events = POLLIN },
		};

		if (in.len)
			p[2].fd = vm->console_space_fd;
		else if (!in.eof)
			p[2].fd = STDIN_FILENO;
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			vm_request_exit(vm, IOVM_EXIT_ERROR, "poll failed");
			return;
		}
		if (p[0].revents)
			return;
		if (p[1].revents) {
			struct signalfd_siginfo si;
			char why[64];

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				snprintf(why, sizeof(why), "stopped by %s",
					 strsignal(si.ssi_signo));
				vm_request_exit(vm, IOVM_EXIT_SIGNAL +
						si.ssi_signo, why);
			}
			continue;
		}
		if (p[3].revents)
			control_serve(vm);
		if (p[2].revents && !in.len)
			console_read(vm, &in);
		if (in.len)
			console_feed(vm, &in);
	}
}

/* The virtio devices the command line asked for. */
static int devices_create(struct vm *vm, const struct vm_config *cfg,
			  struct viommu **iommu)
{
	unsigned int i;
	int err = 0;

	/* The IOMMU first: devices behind it attach as they are created. */
	if (cfg->iommu) {
		err = viommu_create(vm, iommu);
		if (err)
			return err;
	}
	err = blk_check_unique(cfg->disks, cfg->nr_disks);
	for (i = 0; i < cfg->nr_disks && !err; i++)
		err = blk_create(vm, &cfg->disks[i]);
	if (!err && cfg->rng)
		err = rng_create(vm);
	if (!err && cfg->console == CONSOLE_VIRTIO)
		err = console_create(vm);
	return err;
}

/*
 * Once stopping, a second SIGINT or SIGTERM must not wait for the clean
 * path (in-flight I/O, a flush to a slow disk): restore the terminal and
 * go. Data the guest flushed is already in the image files by then.
 */
static void force_exit(int sig)
{
	static const char msg[] = "iovm: forced exit\n";

	term_restore();
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(IOVM_EXIT_SIGNAL + sig);
	_exit(IOVM_EXIT_SIGNAL + sig);
}

static void allow_forced_exit(void)
{
	struct sigaction sa = { .sa_handler = force_exit };
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static int sandbox(const struct vm_config *cfg)
{
	int err;

	if (cfg->no_sandbox) {
		pr_warn("--no-sandbox: iovm runs without its seccomp filter; a compromised iovm could do anything this user can");
		return 0;
	}
	err = sandbox_install();
	if (err)
		pr_err("cannot install the seccomp sandbox: %s (use --no-sandbox to run without it)",
		       strerror(-err));
	return err;
}

static uint64_t host_ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);

	return pages > 0 && size > 0 ? (uint64_t)pages * size : 0;
}

static int cmd_run(int argc, char **argv)
{
	struct vm_config cfg;
	struct vm *vm = NULL;
	struct viommu *iommu = NULL;
	char err[512], name[32];
	sigset_t set;
	int sfd, status;

	switch (cli_parse_run(argc, argv, &cfg, host_ram_bytes(), err,
			      sizeof(err))) {
	case CLI_HELP:
		fputs(cli_run_usage, stdout);
		cli_config_free(&cfg);
		return IOVM_EXIT_OK;
	case CLI_ERROR:
		pr_err("%s", err);
		cli_config_free(&cfg);
		return IOVM_EXIT_USAGE;
	case CLI_OK:
		break;
	}
	log_debug_enabled = cfg.debug;
	log_trace_mask = cfg.trace;

	/* Every thread inherits these blocked; only signalfd sees them. */
	sfd = signals_fd(&set);
	if (sfd < 0 || pthread_sigmask(SIG_BLOCK, &set, NULL)) {
		pr_err("cannot set up signal handling: %s", strerror(errno));
		return IOVM_EXIT_ERROR;
	}

	snprintf(name, sizeof(name), "guest-%d", (int)getpid());
	if (vm_create(&vm, &cfg) || devices_create(vm, &cfg, &iommu) ||
	    control_open(vm, cfg.name ? cfg.name : name) || vm_prepare(vm)) {
		vm_destroy(vm);
		close(sfd);
		cli_config_free(&cfg);
		return IOVM_EXIT_ERROR;
	}
	pr_debug("guest set up in %.1f ms", vm_elapsed_ms(vm));
	if (term_raw_enable())
		pr_warn("cannot put the terminal in raw mode: %s",
			strerror(errno));
	if (!vm_start(vm) && !sandbox(&cfg))
		main_loop(vm, sfd);
	allow_forced_exit();
	status = vm_stop(vm);
	term_restore();
	if (iommu && cfg.debug)
		viommu_print_stats(iommu, stderr);
	vm_destroy(vm);
	close(sfd);
	cli_config_free(&cfg);
	return status;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	/* A closed stdout is the guest console's problem, not a crash. */
	signal(SIGPIPE, SIG_IGN);

	if (!cmd) {
		fputs(cli_usage, stderr);
		return IOVM_EXIT_USAGE;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1);
	if (ctl_is_command(cmd))
		return ctl_main(cmd, argc - 1, argv + 1);
	if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
		printf("iovm %s (%s)\n", IOVM_VERSION, arch_name);
		return IOVM_EXIT_OK;
	}
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") ||
	    !strcmp(cmd, "-h")) {
		fputs(cli_usage, stdout);
		return IOVM_EXIT_OK;
	}
	pr_err("unknown command '%s' (try iovm --help)", cmd);
	return IOVM_EXIT_USAGE;
}
