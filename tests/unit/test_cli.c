// SPDX-License-Identifier: GPL-2.0
/* `iovm run` option parsing: values, defaults, and every refusal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../cli.h"

#define HOST_RAM	(16ULL << 30)

static char err[512];
static struct vm_config last;	/* freed before each parse */

static enum cli_result parse(struct vm_config *cfg, ...)
{
	char *argv[32] = { "run" };
	int argc = 1;
	enum cli_result r;
	va_list ap;
	char *a;

	va_start(ap, cfg);
	while ((a = va_arg(ap, char *)) && argc < 31)
		argv[argc++] = a;
	va_end(ap);
	err[0] = 0;
	cli_config_free(&last);
	r = cli_parse_run(argc, argv, cfg, HOST_RAM, err, sizeof(err));
	last = *cfg;
	return r;
}

static void test_sizes(void **state)
{
	uint64_t b;

	assert_int_equal(cli_parse_size("512", &b), 0);
	assert_int_equal(b, 512ULL << 20);
	assert_int_equal(cli_parse_size("512M", &b), 0);
	assert_int_equal(b, 512ULL << 20);
	assert_int_equal(cli_parse_size("2G", &b), 0);
	assert_int_equal(b, 2ULL << 30);
	assert_int_equal(cli_parse_size("2g", &b), 0);
	assert_int_equal(cli_parse_size("2GiB", &b), 0);
	assert_int_equal(b, 2ULL << 30);
	assert_int_equal(cli_parse_size("1T", &b), 0);
	assert_int_equal(b, 1ULL << 40);
	assert_int_equal(cli_parse_size("", &b), -EINVAL);
	assert_int_equal(cli_parse_size("-1", &b), -EINVAL);
	assert_int_equal(cli_parse_size("1X", &b), -EINVAL);
	assert_int_equal(cli_parse_size("1GG", &b), -EINVAL);
	assert_int_equal(cli_parse_size("0x10", &b), -EINVAL);
	assert_int_equal(cli_parse_size("99999999999999999999", &b), -ERANGE);
	assert_int_equal(cli_parse_size("99999999999T", &b), -ERANGE);
}

static void test_full_command_line(void **state)
{
	struct vm_config c;

	assert_int_equal(parse(&c, "-k", "bz", "-i", "rd", "-p", "quiet x=1",
			       "-m", "1G", "-c", "2", "--dt", "--dump-dtb",
			       "o.dtb", "--debug", NULL), CLI_OK);
	assert_string_equal(c.kernel, "bz");
	assert_string_equal(c.initrd, "rd");
	assert_string_equal(c.params, "quiet x=1");
	assert_int_equal(c.mem_size, 1ULL << 30);
	assert_int_equal(c.nr_cpus, 2);
	assert_string_equal(c.dump_dtb, "o.dtb");
	assert_true(c.dt);
	assert_null(c.dump_acpi);
	assert_true(c.debug);

	assert_int_equal(parse(&c, "-k", "bz", "--dump-acpi", "dir", NULL),
			 CLI_OK);
	assert_string_equal(c.dump_acpi, "dir");
	assert_false(c.dt);

	assert_int_equal(parse(&c, "--kernel=bz", "--mem", "256",
			       "--cpus=4", "--initrd", "rd", NULL), CLI_OK);
	assert_string_equal(c.kernel, "bz");
	assert_int_equal(c.mem_size, 256ULL << 20);
	assert_int_equal(c.nr_cpus, 4);
}

static void test_defaults(void **state)
{
	struct vm_config c;

	assert_int_equal(parse(&c, "-k", "bz", NULL), CLI_OK);
	assert_int_equal(c.mem_size, CLI_DEFAULT_MEM);
	assert_int_equal(c.nr_cpus, 1);
	assert_null(c.initrd);
	assert_null(c.params);
	assert_false(c.debug);
	assert_false(c.dt);		/* ACPI, what distribution kernels read */
	/* Parsing twice must not inherit getopt state. */
	assert_int_equal(parse(&c, "-k", "bz", "-c", "3", NULL), CLI_OK);
	assert_int_equal(c.nr_cpus, 3);
}

static void test_help(void **state)
{
	struct vm_config c;

	assert_int_equal(parse(&c, "--help", NULL), CLI_HELP);
	assert_int_equal(parse(&c, "-k", "bz", "-h", NULL), CLI_HELP);
}

#define assert_refused(expect, ...)					\
	do {								\
		struct vm_config c;					\
		assert_int_equal(parse(&c, __VA_ARGS__, NULL), CLI_ERROR); \
		assert_non_null(strstr(err, expect));			\
		assert_null(strchr(err, '\n'));				\
	} while (0)

static void test_refusals(void **state)
{
	assert_refused("no kernel", "-m", "1G");
	assert_refused("-m 0: guest RAM cannot be zero", "-k", "bz", "-m", "0");
	assert_refused("more than this host", "-k", "bz", "-m", "1T");
	assert_refused("at least 32 MiB", "-k", "bz", "-m", "8");
	assert_refused("-m lots", "-k", "bz", "-m", "lots");
	assert_refused("-c 0: a guest needs at least 1 vCPU", "-k", "bz",
		       "-c", "0");
	assert_refused("at most 255", "-k", "bz", "-c", "256");
	assert_refused("-c two", "-k", "bz", "-c", "two");
	assert_refused("-c -1", "-k", "bz", "-c", "-1");
	assert_refused("unknown option --frobnicate", "-k", "bz",
		       "--frobnicate");
	assert_refused("unknown option -z", "-k", "bz", "-z");
	assert_refused("needs a value", "-k");
	assert_refused("unexpected argument 'extra'", "-k", "bz", "extra");
	/* A dump shows what the guest gets: one description, not both. */
	assert_refused("--dump-dtb o.dtb: the guest gets ACPI tables", "-k",
		       "bz", "--dump-dtb", "o.dtb");
	assert_refused("--dump-acpi d: with --dt the guest gets a device tree",
		       "-k", "bz", "--dt", "--dump-acpi", "d");
}

static void test_disks(void **state)
{
	struct vm_config c;

	assert_int_equal(parse(&c, "-k", "bz", "-d", "a.img", "--disk",
			       "b.img,ro,serial=disk-b", "-d", "c.img,ro",
			       "--rng", "--console", "virtio", NULL), CLI_OK);
	assert_int_equal(c.nr_disks, 3);
	assert_string_equal(c.disks[0].path, "a.img");
	assert_false(c.disks[0].read_only);
	assert_string_equal(c.disks[0].name, "blk0");
	assert_string_equal(c.disks[1].path, "b.img");
	assert_true(c.disks[1].read_only);
	assert_string_equal(c.disks[1].serial, "disk-b");
	assert_true(c.rng);
	assert_int_equal(c.console, CONSOLE_VIRTIO);
}

static void test_disk_refusals(void **state)
{
	assert_refused("unknown option 'rw'", "-k", "bz", "-d", "a.img,rw");
	assert_refused("longer than 20", "-k", "bz", "-d",
		       "a.img,serial=123456789012345678901");
	assert_refused("expected FILE", "-k", "bz", "-d", ",ro");
	assert_refused("--console vga", "-k", "bz", "--console", "vga");
}

/* Each device's own transport= wins; --virtio-transport sets the rest. */
static void test_transports(void **state)
{
	struct vm_config c;

	/* virtio-mmio unless asked: the same devices with and without --dt. */
	assert_int_equal(parse(&c, "-k", "bz", "-d", "a.img", "--rng",
			       "--console", "virtio", NULL), CLI_OK);
	assert_int_equal(c.disks[0].transport, VIRTIO_TRANSPORT_MMIO);
	assert_int_equal(c.rng_transport, VIRTIO_TRANSPORT_MMIO);
	assert_int_equal(c.console_transport, VIRTIO_TRANSPORT_MMIO);

	assert_int_equal(parse(&c, "-k", "bz", "-d", "a.img,transport=pci",
			       "-d", "b.img,ro,transport=mmio", "-d", "c.img",
			       "--rng=transport=pci", "--console",
			       "virtio,transport=pci", NULL), CLI_OK);
	assert_int_equal(c.disks[0].transport, VIRTIO_TRANSPORT_PCI);
	assert_int_equal(c.disks[1].transport, VIRTIO_TRANSPORT_MMIO);
	assert_true(c.disks[1].read_only);
	assert_int_equal(c.disks[2].transport, VIRTIO_TRANSPORT_MMIO);
	assert_true(c.rng);
	assert_int_equal(c.rng_transport, VIRTIO_TRANSPORT_PCI);
	assert_int_equal(c.console, CONSOLE_VIRTIO);
	assert_int_equal(c.console_transport, VIRTIO_TRANSPORT_PCI);

	/* The global option, wherever it stands, for those not saying. */
	assert_int_equal(parse(&c, "-k", "bz", "-d", "a.img",
			       "-d", "b.img,transport=mmio", "--rng",
			       "--virtio-transport", "pci", NULL), CLI_OK);
	assert_int_equal(c.disks[0].transport, VIRTIO_TRANSPORT_PCI);
	assert_int_equal(c.disks[1].transport, VIRTIO_TRANSPORT_MMIO);
	assert_int_equal(c.rng_transport, VIRTIO_TRANSPORT_PCI);
	assert_int_equal(c.console_transport, VIRTIO_TRANSPORT_PCI);

	/* --dt with devices on virtio-mmio only: fine. */
	assert_int_equal(parse(&c, "-k", "bz", "--dt", "-d",
			       "a.img,transport=mmio", "--virtio-transport",
			       "mmio", NULL), CLI_OK);
	assert_int_equal(parse(&c, "-k", "bz", "--dt", "--virtio-transport",
			       "pci", NULL), CLI_OK);	/* no device: nothing on PCI */
}

static void test_transport_refusals(void **state)
{
	assert_refused("--disk a.img,transport=usb: transport 'usb': expected mmio or pci",
		       "-k", "bz", "-d", "a.img,transport=usb");
	assert_refused("transport '': expected", "-k", "bz", "-d",
		       "a.img,transport=");
	assert_refused("--virtio-transport ccw: expected mmio or pci", "-k",
		       "bz", "--virtio-transport", "ccw");
	assert_refused("--rng=pci: expected --rng, --rng=transport=mmio", "-k",
		       "bz", "--rng=pci");
	assert_refused("--console virtio,pci: expected virtio,transport=mmio",
		       "-k", "bz", "--console", "virtio,pci");
	assert_refused("--console serial,transport=pci: expected serial or virtio",
		       "-k", "bz", "--console", "serial,transport=pci");
	assert_refused("--console virtio,transport=isa:", "-k", "bz",
		       "--console", "virtio,transport=isa");
	/* A device tree cannot describe PCI to an x86 kernel. */
	assert_refused("--disk a.img is on virtio-pci, but with --dt", "-k",
		       "bz", "--dt", "-d", "a.img,transport=pci");
	assert_refused("--virtio-transport pci: --disk b.img is on virtio-pci",
		       "-k", "bz", "-d", "b.img", "--virtio-transport", "pci",
		       "--dt");
	assert_refused("--rng is on virtio-pci, but with --dt", "-k", "bz",
		       "--dt", "--rng=transport=pci");
	assert_refused("--virtio-transport pci: --console virtio is on virtio-pci",
		       "-k", "bz", "--dt", "--console", "virtio",
		       "--virtio-transport", "pci");
}

static void test_many_disks(void **state)
{
	char *argv[2 + 2 * (VM_MAX_DISKS + 1) + 1] = { "run", "-k", "bz" };
	struct vm_config c;
	int argc = 3, i;

	for (i = 0; i <= VM_MAX_DISKS; i++) {
		argv[argc++] = "-d";
		argv[argc++] = "x.img";
	}
	cli_config_free(&last);
	assert_int_equal(cli_parse_run(argc, argv, &c, HOST_RAM, err,
				       sizeof(err)), CLI_ERROR);
	assert_non_null(strstr(err, "at most 16 disks"));
	last = c;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_full_command_line),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_disks),
		cmocka_unit_test(test_disk_refusals),
		cmocka_unit_test(test_transports),
		cmocka_unit_test(test_transport_refusals),
		cmocka_unit_test(test_many_disks),
	};

	int failed = cmocka_run_group_tests_name("cli", tests, NULL, NULL);

	cli_config_free(&last);
	return failed;
}
