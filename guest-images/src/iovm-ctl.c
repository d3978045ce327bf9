// SPDX-License-Identifier: GPL-2.0
/*
 * iovm-ctl: talk to iovm's test device from inside the guest.
 *
 *   iovm-ctl exit N   iovm exits with status N (0-255): pass/fail for CI
 *   iovm-ctl mark     iovm logs the time since its own start
 *
 * Built with `gcc -static -O2` and run as root from the initramfs.
 *
 * The test device is a pair of x86 I/O ports. arm64 has no I/O ports: there
 * iovm's test device will be an MMIO window described in the device tree.
 * TODO (issue 14): reach it through that window; until then, on any other
 * architecture this says so and fails, and the guest's /init falls back to
 * a reboot or power-off for its verdict.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __x86_64__
#include <sys/io.h>
#endif

/*
 * iovm's test device: two write-only I/O ports; must match the host side.
 * Writing byte N to the exit port makes iovm exit with status N; writing any
 * byte to the mark port makes iovm log the wall-clock time since it started.
 */
#define IOVM_PORT_EXIT	0x501
#define IOVM_PORT_MARK	0x502

static int usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s exit N   make iovm exit with status N (0-255)\n"
		"       %s mark     make iovm log the time since its start\n",
		prog, prog);
	return 2;
}

#ifdef __x86_64__
static int write_port(unsigned short port, unsigned char value)
{
	if (ioperm(port, 1, 1)) {
		int err = errno;

		fprintf(stderr, "iovm-ctl: ioperm(0x%x): %s (%s)\n", port,
			strerror(err), err == ENOSYS ?
			"the kernel lacks CONFIG_X86_IOPL_IOPERM" :
			"must run as root");
		return -1;
	}
	outb(value, port);
	return 0;
}
#else
static int write_port(unsigned short port, unsigned char value)
{
	fprintf(stderr, "iovm-ctl: iovm's test device (I/O port 0x%x) is not supported on this architecture yet: it has no I/O ports\n",
		port);
	(void)value;
	return -1;
}
#endif

/* Parse a decimal exit status; 0-255 only, as a process exit status. */
static int parse_status(const char *s, unsigned char *status)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 255)
		return -1;
	*status = (unsigned char)v;
	return 0;
}

int main(int argc, char **argv)
{
	const char *prog = argv[0] ? argv[0] : "iovm-ctl";
	unsigned char status;

	if (argc == 2 && !strcmp(argv[1], "mark"))
		return write_port(IOVM_PORT_MARK, 0) ? 1 : 0;

	if (argc == 3 && !strcmp(argv[1], "exit")) {
		if (parse_status(argv[2], &status)) {
			fprintf(stderr,
				"iovm-ctl: exit status '%s' is not a number from 0 to 255\n",
				argv[2]);
			return 2;
		}
		if (write_port(IOVM_PORT_EXIT, status))
			return 1;
		/*
		 * iovm handles the port write before this vCPU runs again, so
		 * getting here means the VMM is not iovm (or ignored the port).
		 */
		fprintf(stderr, "iovm-ctl: the VM is still running after the exit "
			"request: not running under iovm?\n");
		return 1;
	}

	return usage(prog);
}
