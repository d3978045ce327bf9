// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kvm/arch.h"
#include "log.h"

const char cli_usage[] =
	"usage: iovm COMMAND [OPTIONS]\n"
	"\n"
	"A KVM virtual machine monitor with a built-in virtio-iommu.\n"
	"\n"
	"commands:\n"
	"  run                  boot a Linux guest (iovm run --help for options)\n"
	"  list                 the running guests of this user\n"
	"  stop NAME            stop a guest (its disks are flushed)\n"
	"  pause NAME           stop a guest's vCPUs until resume\n"
	"  resume NAME          let a paused guest run again\n"
	"  stat NAME [--iommu]  a guest's vCPUs, memory, devices and counters;\n"
	"                       --iommu: its domains, endpoints and mappings\n"
	"  version              print the version\n"
	"  help                 print this help\n"
	"\n"
	"Guests are reached through sockets in $XDG_RUNTIME_DIR/iovm (or\n"
	"/run/iovm as root), which only their owner can open.\n";

const char cli_run_usage[] =
	"usage: iovm run -k KERNEL [OPTIONS]\n"
	"\n"
	"Boot a Linux guest. Its console is this terminal (Ctrl-a x quits).\n"
	"\n"
	"  -k, --kernel FILE   bzImage or ELF vmlinux (x86_64, boot protocol 2.12+);\n"
	"                      an uncompressed Image for arm64 iovm\n"
	"  -i, --initrd FILE   initial ramdisk\n"
	"  -p, --params ARGS   appended to the default kernel command line\n"
	"  -m, --mem SIZE      guest RAM: MiB, or with M/G/T suffix (default 512M)\n"
	"  -c, --cpus N        vCPUs (default 1)\n"
	"  -d, --disk FILE[,ro][,serial=ID][,iommu=off][,queues=N][,transport=mmio|pci]\n"
	"                      a virtio-blk disk on a raw image (repeatable, up to 16);\n"
	"                      iommu=off keeps it outside the virtio-iommu; queues=N\n"
	"                      request queues, 1 to 4 (default one per vCPU)\n"
	"      --iommu         put every virtio device behind a virtio-iommu that\n"
	"                      enforces the guest's DMA mappings\n"
	"      --rng[=transport=mmio|pci]\n"
	"                      a virtio-rng device (the guest's /dev/hwrng)\n"
	"      --console serial|virtio[,transport=mmio|pci]\n"
	"                      the guest console: ttyS0 (default) or virtio hvc0\n"
	"      --virtio-transport mmio|pci\n"
	"                      how virtio devices reach the guest unless their own\n"
	"                      transport= says: virtio-mmio windows (the default)\n"
	"                      or virtio-pci functions with MSI-X (not with --dt\n"
	"                      on x86)\n"
	"      --dt            give the guest a device tree instead of ACPI tables;\n"
	"                      needed by kernels that read a DT on x86 (CONFIG_OF and\n"
	"                      guest-images/x86-of-early-flattree.patch), such as\n"
	"                      the one guest-images/ builds. Distribution kernels\n"
	"                      read ACPI and need no option. Implied on arm64,\n"
	"                      where the device tree is the only description\n"
	"      --dump-dtb FILE write the guest's device tree blob to FILE (--dt)\n"
	"      --dump-acpi DIR write the guest's ACPI tables to DIR/NAME.dat,\n"
	"                      for iasl -d (not with --dt)\n"
	"      --debug         log set-up details, unhandled exits, and at exit the\n"
	"                      IOMMU's domains, endpoints and counters, to stderr\n"
	"      --trace iommu   log every IOMMU request and fault, one line each\n"
	"      --name NAME     the guest's name for list/stop/stat (default guest-PID)\n"
	"      --no-sandbox    run without the seccomp filter iovm installs once\n"
	"                      the guest is set up (not recommended)\n"
	"  -h, --help          this help\n"
	"\n"
	"exit status:\n"
	"  0    the guest rebooted or powered off\n"
	"  1    iovm could not start the guest, or failed while it ran\n"
	"  2    bad command line\n"
	"  3    the guest kernel panicked\n"
	"  4    the guest reset by a triple fault (a crash, or reboot=t)\n"
	"  N    the guest wrote N to the test device (port 0x501)\n"
	"  128+S  iovm was stopped by signal S\n";

int cli_parse_size(const char *s, uint64_t *bytes)
{
	unsigned long long v;
	unsigned int shift = 20;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	switch (*end) {
	case '\0':
		break;
	case 'M': case 'm':
		end++;
		break;
	case 'G': case 'g':
		shift = 30;
		end++;
		break;
	case 'T': case 't':
		shift = 40;
		end++;
		break;
	default:
		return -EINVAL;
	}
	if (*end == 'i' && end[1] == 'B')	/* accept "2GiB" too */
		end += 2;
	else if (*end == 'B')
		end++;
	if (*end)
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)v << shift;
	return 0;
}

static enum cli_result fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static enum cli_result fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return CLI_ERROR;
}

static enum cli_result parse_mem(const char *arg, struct vm_config *cfg,
				 uint64_t host_ram, char *err, size_t errlen)
{
	uint64_t bytes;

	if (cli_parse_size(arg, &bytes))
		return fail(err, errlen,
			    "-m %s: expected a size in MiB, or with an M, G or T suffix",
			    arg);
	if (bytes == 0)
		return fail(err, errlen, "-m %s: guest RAM cannot be zero", arg);
	if (bytes < CLI_MIN_MEM)
		return fail(err, errlen, "-m %s: a guest needs at least %llu MiB",
			    arg, CLI_MIN_MEM >> 20);
	if (host_ram && bytes > host_ram)
		return fail(err, errlen,
			    "-m %s: %llu MiB is more than this host's %llu MiB of RAM",
			    arg, (unsigned long long)(bytes >> 20),
			    (unsigned long long)(host_ram >> 20));
	cfg->mem_size = bytes;
	return CLI_OK;
}

static enum cli_result parse_cpus(const char *arg, struct vm_config *cfg,
				  char *err, size_t errlen)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || *end || errno)
		return fail(err, errlen, "-c %s: expected a number of vCPUs",
			    arg);
	if (v == 0)
		return fail(err, errlen, "-c %s: a guest needs at least 1 vCPU",
			    arg);
	if (v > CLI_MAX_CPUS)
		return fail(err, errlen, "-c %s: iovm supports at most %d vCPUs",
			    arg, CLI_MAX_CPUS);
	cfg->nr_cpus = (unsigned int)v;
	return CLI_OK;
}

/* "mmio" or "pci"; -EINVAL for anything else. */
static int transport_of(const char *s, enum virtio_transport *t)
{
	if (!strcmp(s, "mmio"))
		*t = VIRTIO_TRANSPORT_MMIO;
	else if (!strcmp(s, "pci"))
		*t = VIRTIO_TRANSPORT_PCI;
	else
		return -EINVAL;
	return 0;
}

/* FILE[,ro][,serial=ID][,iommu=off][,queues=N][,transport=mmio|pci] */
static enum cli_result parse_disk(const char *arg, struct vm_config *cfg,
				  char *err, size_t errlen)
{
	struct disk_config *d;
	char *opts, *opt, *save = NULL;

	if (cfg->nr_disks == VM_MAX_DISKS)
		return fail(err, errlen, "--disk %s: at most %d disks", arg,
			    VM_MAX_DISKS);
	d = &cfg->disks[cfg->nr_disks];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "blk%u", cfg->nr_disks);
	d->test_bogus_sector = -1;
	/* The path keeps pointing into argv; options are split off a copy. */
	opts = strchr(arg, ',');
	if (opts == arg || !*arg)
		return fail(err, errlen, "--disk %s: expected FILE[,ro][,serial=ID]",
			    arg);
	d->path = strndup(arg, opts ? (size_t)(opts - arg) : strlen(arg));
	if (!d->path)
		return fail(err, errlen, "out of memory");
	cfg->nr_disks++;
	if (!opts)
		return CLI_OK;
	opts = strdup(opts + 1);
	if (!opts)
		return fail(err, errlen, "out of memory");
	for (opt = strtok_r(opts, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		if (!strcmp(opt, "ro")) {
			d->read_only = true;
		} else if (!strcmp(opt, "iommu=off")) {
			d->no_iommu = true;
		} else if (!strcmp(opt, "iommu=on")) {
			d->no_iommu = false;
		} else if (!strncmp(opt, "test-bogus-iova=", 16)) {
			char *end;

			errno = 0;
			d->test_bogus_sector = (int64_t)strtoll(opt + 16, &end,
								10);
			if (errno || *end || end == opt + 16 ||
			    d->test_bogus_sector < 0) {
				enum cli_result r = fail(err, errlen,
					"--disk %s: test-bogus-iova= takes a sector number",
					arg);
				free(opts);
				return r;
			}
		} else if (!strncmp(opt, "queues=", 7)) {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(opt + 7, &end, 10);
			if (errno || *end || end == opt + 7 || opt[7] == '-' ||
			    n < 1 || n > DISK_MAX_QUEUES) {
				enum cli_result r = fail(err, errlen,
					"--disk %s: queues '%s': expected a number from 1 to %d",
					arg, opt + 7, DISK_MAX_QUEUES);
				free(opts);
				return r;
			}
			d->queues = (unsigned int)n;
		} else if (!strncmp(opt, "transport=", 10)) {
			if (transport_of(opt + 10, &d->transport)) {
				enum cli_result r = fail(err, errlen,
					"--disk %s: transport '%s': expected mmio or pci",
					arg, opt + 10);
				free(opts);
				return r;
			}
			d->transport_set = true;
		} else if (!strncmp(opt, "serial=", 7)) {
			if (strlen(opt + 7) > DISK_SERIAL_MAX) {
				enum cli_result r = fail(err, errlen,
					"--disk %s: serial '%s' is longer than %d bytes",
					arg, opt + 7, DISK_SERIAL_MAX);
				free(opts);
				return r;
			}
			strcpy(d->serial, opt + 7);
		} else {
			enum cli_result r = fail(err, errlen,
				"--disk %s: unknown option '%s' (expected ro, serial=ID, iommu=off, queues=N or transport=mmio|pci)",
				arg, opt);
			free(opts);
			return r;
		}
	}
	free(opts);
	return CLI_OK;
}

/* serial, or virtio[,transport=mmio|pci] */
static enum cli_result parse_console(const char *arg, struct vm_config *cfg,
				     char *err, size_t errlen)
{
	const char *opt = strchr(arg, ',');
	size_t kind = opt ? (size_t)(opt - arg) : strlen(arg);

	if (kind == 6 && !strncmp(arg, "serial", 6) && !opt) {
		cfg->console = CONSOLE_SERIAL;
		return CLI_OK;
	}
	if (kind != 6 || strncmp(arg, "virtio", 6))
		return fail(err, errlen,
			    "--console %s: expected serial or virtio[,transport=mmio|pci]",
			    arg);
	cfg->console = CONSOLE_VIRTIO;
	if (!opt)
		return CLI_OK;
	if (strncmp(opt + 1, "transport=", 10) ||
	    transport_of(opt + 11, &cfg->console_transport))
		return fail(err, errlen,
			    "--console %s: expected virtio,transport=mmio or virtio,transport=pci after virtio",
			    arg);
	cfg->console_transport_set = true;
	return CLI_OK;
}

/* --rng, or --rng=transport=mmio|pci */
static enum cli_result parse_rng(const char *arg, struct vm_config *cfg,
				 char *err, size_t errlen)
{
	cfg->rng = true;
	if (!arg)
		return CLI_OK;
	if (strncmp(arg, "transport=", 10) ||
	    transport_of(arg + 10, &cfg->rng_transport))
		return fail(err, errlen,
			    "--rng=%s: expected --rng, --rng=transport=mmio or --rng=transport=pci",
			    arg);
	cfg->rng_transport_set = true;
	return CLI_OK;
}

static enum cli_result parse_trace(const char *arg, struct vm_config *cfg,
				   char *err, size_t errlen)
{
	if (strcmp(arg, "iommu"))
		return fail(err, errlen, "--trace %s: expected iommu", arg);
	cfg->trace |= TRACE_IOMMU;
	return CLI_OK;
}

/* @what is on PCI under --dt: say which option put it there. */
static enum cli_result pci_under_dt(bool own, const char *what, char *err,
				    size_t errlen)
{
	return fail(err, errlen,
		    "%s%s is on virtio-pci, but with --dt the guest gets a device tree, which cannot describe PCI to an x86 kernel: drop --dt (ACPI) or use transport=mmio",
		    own ? "" : "--virtio-transport pci: ", what);
}

/*
 * Each device's transport: its own, or --virtio-transport's. With --dt on
 * x86 none may be PCI: an x86 kernel finds a PCI host only through ACPI
 * (DESIGN.md), and by probing could not tell which devices are behind
 * the IOMMU. arm64's device tree describes PCI.
 */
static enum cli_result resolve_transports(struct vm_config *cfg, char *err,
					  size_t errlen)
{
	bool dt_no_pci = cfg->dt && !arch_dt_always;
	char what[256];
	unsigned int i;

	for (i = 0; i < cfg->nr_disks; i++) {
		struct disk_config *d = &cfg->disks[i];

		if (!d->transport_set)
			d->transport = cfg->virtio_transport;
		if (!dt_no_pci || d->transport != VIRTIO_TRANSPORT_PCI)
			continue;
		snprintf(what, sizeof(what), "--disk %s", d->path);
		return pci_under_dt(d->transport_set, what, err, errlen);
	}
	if (!cfg->rng_transport_set)
		cfg->rng_transport = cfg->virtio_transport;
	if (!cfg->console_transport_set)
		cfg->console_transport = cfg->virtio_transport;
	if (dt_no_pci && cfg->rng && cfg->rng_transport == VIRTIO_TRANSPORT_PCI)
		return pci_under_dt(cfg->rng_transport_set, "--rng", err,
				    errlen);
	if (dt_no_pci && cfg->console == CONSOLE_VIRTIO &&
	    cfg->console_transport == VIRTIO_TRANSPORT_PCI)
		return pci_under_dt(cfg->console_transport_set,
				    "--console virtio", err, errlen);
	return CLI_OK;
}

void cli_config_free(struct vm_config *cfg)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_disks; i++)
		free((char *)cfg->disks[i].path);
	cfg->nr_disks = 0;
}

enum cli_result cli_parse_run(int argc, char **argv, struct vm_config *cfg,
			      uint64_t host_ram, char *err, size_t errlen)
{
	enum { OPT_DUMP_DTB = 256, OPT_DEBUG, OPT_RNG, OPT_CONSOLE, OPT_IOMMU,
	       OPT_TRACE, OPT_NAME, OPT_NO_SANDBOX, OPT_DT, OPT_DUMP_ACPI,
	       OPT_TRANSPORT };
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "params", required_argument, NULL, 'p' },
		{ "mem", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "disk", required_argument, NULL, 'd' },
		{ "rng", optional_argument, NULL, OPT_RNG },
		{ "virtio-transport", required_argument, NULL, OPT_TRANSPORT },
		{ "iommu", no_argument, NULL, OPT_IOMMU },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "trace", required_argument, NULL, OPT_TRACE },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "dt", no_argument, NULL, OPT_DT },
		{ "dump-dtb", required_argument, NULL, OPT_DUMP_DTB },
		{ "dump-acpi", required_argument, NULL, OPT_DUMP_ACPI },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum cli_result r = CLI_OK;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_size = CLI_DEFAULT_MEM;
	cfg->nr_cpus = 1;

	optind = 0;	/* full reset of getopt's state: we may parse twice */
	opterr = 0;
	while (r == CLI_OK &&
	       (c = getopt_long(argc, argv, ":k:i:p:m:c:d:h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			cfg->kernel = optarg;
			break;
		case 'i':
			cfg->initrd = optarg;
			break;
		case 'p':
			cfg->params = optarg;
			break;
		case 'm':
			r = parse_mem(optarg, cfg, host_ram, err, errlen);
			break;
		case 'c':
			r = parse_cpus(optarg, cfg, err, errlen);
			break;
		case 'd':
			r = parse_disk(optarg, cfg, err, errlen);
			break;
		case OPT_RNG:
			r = parse_rng(optarg, cfg, err, errlen);
			break;
		case OPT_TRANSPORT:
			if (transport_of(optarg, &cfg->virtio_transport))
				return fail(err, errlen,
					    "--virtio-transport %s: expected mmio or pci",
					    optarg);
			break;
		case OPT_IOMMU:
			cfg->iommu = true;
			break;
		case OPT_NO_SANDBOX:
			cfg->no_sandbox = true;
			break;
		case OPT_NAME:
			if (!control_name_valid(optarg))
				return fail(err, errlen,
					    "--name %s: use 1 to %d letters, digits, '.', '_' or '-', not starting with '.'",
					    optarg, CONTROL_NAME_MAX);
			cfg->name = optarg;
			break;
		case OPT_TRACE:
			r = parse_trace(optarg, cfg, err, errlen);
			break;
		case OPT_CONSOLE:
			r = parse_console(optarg, cfg, err, errlen);
			break;
		case OPT_DT:
			cfg->dt = true;
			break;
		case OPT_DUMP_DTB:
			cfg->dump_dtb = optarg;
			break;
		case OPT_DUMP_ACPI:
			cfg->dump_acpi = optarg;
			break;
		case OPT_DEBUG:
			cfg->debug = true;
			break;
		case 'h':
			return CLI_HELP;
		case ':':
			return fail(err, errlen, "option %s needs a value",
				    argv[optind - 1]);
		default:
			return fail(err, errlen,
				    "unknown option %s (see iovm run --help)",
				    argv[optind - 1]);
		}
	}
	if (r != CLI_OK)
		return r;
	if (optind < argc)
		return fail(err, errlen,
			    "unexpected argument '%s' (the kernel goes after -k)",
			    argv[optind]);
	if (!cfg->kernel)
		return fail(err, errlen, "no kernel given: use -k FILE");
	if (arch_dt_always)
		cfg->dt = true;
	/* Dumps show what the guest gets, and it gets one of the two. */
	if (cfg->dump_dtb && !cfg->dt)
		return fail(err, errlen,
			    "--dump-dtb %s: the guest gets ACPI tables, not a device tree, unless --dt is given",
			    cfg->dump_dtb);
	if (cfg->dump_acpi && cfg->dt)
		return fail(err, errlen,
			    "--dump-acpi %s: with --dt the guest gets a device tree, not ACPI tables",
			    cfg->dump_acpi);
	return resolve_transports(cfg, err, errlen);
}
