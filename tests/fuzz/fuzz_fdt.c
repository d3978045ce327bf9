// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the device tree's inputs from the top: an `iovm run` command line
 * (cli.c), the machine model iovm lays out from it, and the tree fdt/
 * builds from that model.
 *
 * The parser must accept the command line or refuse it with a message,
 * the same way when it parses it again, without leaking, and hand over a
 * config within the limits it documents. An accepted config is laid out
 * as iovm lays it out (vm_init_devices(), then devices_create(), each
 * virtio device through virtio_mmio_init()'s steps, with the same
 * allocators): the model must be valid, hold one window per device the
 * command line asked for, and its tree pass fuzz_fdt_check(). So every
 * command line iovm accepts gets a tree, and a sound one.
 *
 * Models beyond what a command line makes (any address, pin, endpoint,
 * PCI host) are the acpi harness's inputs; it checks their trees with
 * fuzz_fdt_check() too.
 *
 * Input: one mode byte (bits 0-1: the host's RAM for -m; bits 2-3: the
 * size of the error buffer), then the arguments, separated by NUL bytes;
 * bytes 0x01-0x1f stand for the words in words[].
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli.h"
#include "../../iommu/state.h"
#include "../../log.h"
#include "fuzz.h"

const char fuzz_name[] = "fdt";

#define MAX_ARGS	48
#define MAX_ARG_LEN	256

/*
 * Bytes 0x01-0x1f stand for these: getopt_long() matches option names in
 * glibc, where libFuzzer cannot see the comparisons.
 */
static const char *const words[31] = {
	"-k", "-i", "-p", "-m", "-c", "-d", "--rng", "--iommu", "--name",
	"--no-sandbox", "--trace", "--console", "--dump-dtb", "--dump-acpi",
	"--dt", "--debug", "--help", "--disk=", "--mem=", "--cpus=",
	"--kernel=", "--console=", "disk.img", ",ro", ",serial=",
	",iommu=off", ",test-bogus-iova=", "virtio", "iommu",
	"18446744073709551616", "0123456789abcdefghijk",
};

static struct vm vm;

/* The next argument, words expanded; NULL when the input has run out. */
static char *next_arg(struct fuzz_cursor *c)
{
	char buf[MAX_ARG_LEN + 1];
	size_t n = 0;

	if (!c->left)
		return NULL;
	while (c->left) {
		uint8_t b = fuzz_take(c);
		const char *w;
		size_t len;

		if (!b)
			break;
		w = b < 0x20 ? words[b - 1] : (const char *)&b;
		len = b < 0x20 ? strlen(w) : 1;
		if (len > MAX_ARG_LEN - n)
			len = MAX_ARG_LEN - n;
		memcpy(buf + n, w, len);
		n += len;
	}
	buf[n] = '\0';
	return strdup(buf);	/* exactly its size: ASan sees overreads */
}

/* A config the parser accepted: within the limits it documents. */
static void check_config(const struct vm_config *cfg, uint64_t host_ram)
{
	unsigned int i;

	fuzz_assert(cfg->kernel);
	fuzz_assert(cfg->nr_cpus >= 1 && cfg->nr_cpus <= CLI_MAX_CPUS);
	fuzz_assert(cfg->mem_size >= CLI_MIN_MEM);
	fuzz_assert(!host_ram || cfg->mem_size <= host_ram);
	fuzz_assert(cfg->nr_disks <= VM_MAX_DISKS);
	fuzz_assert(cfg->console == CONSOLE_SERIAL ||
		    cfg->console == CONSOLE_VIRTIO);
	fuzz_assert(!(cfg->trace & ~TRACE_IOMMU));
	fuzz_assert(!cfg->name || control_name_valid(cfg->name));
	/* A dump of what the guest does not get is refused. */
	fuzz_assert(!cfg->dump_dtb || cfg->dt);
	fuzz_assert(!cfg->dump_acpi || !cfg->dt);
	for (i = 0; i < cfg->nr_disks; i++) {
		const struct disk_config *d = &cfg->disks[i];

		fuzz_assert(d->path && *d->path && !strchr(d->path, ','));
		fuzz_assert(strlen(d->serial) <= DISK_SERIAL_MAX);
	}
}

/* Parsing the same arguments twice gives the same config. */
static void check_same(const struct vm_config *a, const struct vm_config *b)
{
	unsigned int i;

	fuzz_assert(a->kernel == b->kernel && a->initrd == b->initrd &&
		    a->params == b->params && a->dump_dtb == b->dump_dtb &&
		    a->dump_acpi == b->dump_acpi && a->name == b->name);
	fuzz_assert(a->mem_size == b->mem_size && a->nr_cpus == b->nr_cpus &&
		    a->dt == b->dt && a->debug == b->debug &&
		    a->console == b->console && a->rng == b->rng &&
		    a->iommu == b->iommu && a->no_sandbox == b->no_sandbox &&
		    a->trace == b->trace);
	fuzz_assert(a->nr_disks == b->nr_disks);
	for (i = 0; i < a->nr_disks; i++) {
		const struct disk_config *x = &a->disks[i], *y = &b->disks[i];

		fuzz_assert(!strcmp(x->path, y->path) &&
			    !strcmp(x->name, y->name) &&
			    !strcmp(x->serial, y->serial) &&
			    x->read_only == y->read_only &&
			    x->no_iommu == y->no_iommu &&
			    x->test_bogus_sector == y->test_bogus_sector);
	}
}

/* A virtio device, as virtio_mmio_init() lists it. */
static int add_virtio(struct viommu_state *st, bool is_iommu, bool behind)
{
	struct machine_dev dev = { .kind = MACHINE_DEV_VIRTIO_MMIO,
				   .size = SZ_4K, .is_iommu = is_iommu,
				   .iommu_endpoint = -1 };
	unsigned int irq;
	int err;

	if (behind) {
		dev.iommu_endpoint = viommu_state_add_endpoint(st, "fuzz");
		if (dev.iommu_endpoint < 0)
			return dev.iommu_endpoint;
	}
	err = vm_alloc_device(&vm, &dev.base, &irq);
	if (err)
		return err;
	dev.irq = (int)irq;
	return machine_add_dev(&vm.machine, &dev);
}

/*
 * The model iovm builds for @cfg, in the order it builds it (the power
 * registers, which no tree describes, left out).
 */
static int lay_out(const struct vm_config *cfg, struct viommu_state *st)
{
	struct machine_dev panic = { .kind = MACHINE_DEV_PVPANIC, .irq = -1,
				     .iommu_endpoint = -1, .size = SZ_4K };
	unsigned int i;
	int err;

	memset(&vm, 0, sizeof(vm));
	vm.cfg = cfg;
	vm.nr_cpus = cfg->nr_cpus;
	vm.next_mmio = DEVICE_MMIO_BASE;
	vm.next_irq = FIRST_DEVICE_IRQ;
	machine_init_pc(&vm.machine, cfg->nr_cpus);
	err = vm_alloc_device(&vm, &panic.base, NULL);
	if (!err)
		err = machine_add_dev(&vm.machine, &panic);
	if (!err && cfg->iommu)
		err = add_virtio(st, true, false);
	for (i = 0; i < cfg->nr_disks && !err; i++)
		err = add_virtio(st, false,
				 cfg->iommu && !cfg->disks[i].no_iommu);
	if (!err && cfg->rng)
		err = add_virtio(st, false, cfg->iommu);
	if (!err && cfg->console == CONSOLE_VIRTIO)
		err = add_virtio(st, false, cfg->iommu);
	return err;
}

/* Whatever the parser accepts, iovm can lay out and describe. */
static void describe(const struct vm_config *cfg)
{
	struct viommu_state st;
	unsigned int virtio = cfg->iommu + cfg->nr_disks + cfg->rng +
			      (cfg->console == CONSOLE_VIRTIO);

	viommu_state_init(&st);
	fuzz_assert(lay_out(cfg, &st) == 0);
	fuzz_assert(vm.machine.nr_devs == 1 + virtio);
	fuzz_assert(machine_validate(&vm.machine) == 0);
	fuzz_assert(fuzz_fdt_check(&vm.machine) > 0);
	viommu_state_destroy(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t rams[4] = { 0, 512ULL << 20, 24ULL << 30, ~0ULL };
	static const size_t errlens[4] = { 512, 64, 8, 1 };
	char *args[MAX_ARGS + 1], *argv[MAX_ARGS + 1], *again[MAX_ARGS + 1];
	struct fuzz_cursor c = { data, size };
	uint8_t mode = fuzz_take(&c);
	size_t errlen = errlens[(mode >> 2) & 3];
	uint64_t host_ram = rams[mode & 3];
	struct vm_config cfg, cfg2;
	enum cli_result r, r2;
	char *err = malloc(errlen);	/* exactly: ASan sees overruns */
	int argc = 1, i;

	args[0] = strdup("run");
	if (!err || !args[0])
		abort();
	while (argc < MAX_ARGS && (args[argc] = next_arg(&c)))
		argc++;
	args[argc] = NULL;
	/* getopt permutes argv: each parse gets its own copy of the array. */
	memcpy(argv, args, sizeof(argv));
	memcpy(again, args, sizeof(again));

	r = cli_parse_run(argc, argv, &cfg, host_ram, err, errlen);
	fuzz_assert(r == CLI_OK || r == CLI_HELP || r == CLI_ERROR);
	if (r == CLI_ERROR)
		fuzz_assert(memchr(err, '\0', errlen) &&
			    (errlen == 1 || err[0]));	/* it says why */
	r2 = cli_parse_run(argc, again, &cfg2, host_ram, err, errlen);
	fuzz_assert(r2 == r);
	if (r == CLI_OK) {
		check_config(&cfg, host_ram);
		check_same(&cfg, &cfg2);
		describe(&cfg);
	}
	cli_config_free(&cfg);
	cli_config_free(&cfg2);
	for (i = 0; i < argc; i++)
		free(args[i]);
	free(err);
	return 0;
}

/* ---- seeds: command lines ---- */

size_t fuzz_seed(unsigned int n, uint8_t *buf, size_t max)
{
	static const char *const lines[][48] = {
		{ "-k", "bzImage", NULL },
		/* Everything that reaches the model, and everything else. */
		{ "-k", "bzImage", "-i", "initrd", "-p", "quiet", "-m", "2G",
		  "-c", "4", "-d", "a.img,ro,serial=0123", "-d",
		  "b.img,iommu=off", "--iommu", "--rng", "--console", "virtio",
		  "--name", "guest-1", "--trace", "iommu", "--debug",
		  "--no-sandbox", "--dt", "--dump-dtb", "out.dtb", NULL },
		/* The largest machine: every pin and endpoint in use. */
		{ "--kernel=k", "-c", "255", "-m", "16G", "--iommu", "--rng",
		  "--console=virtio", "-d", "0", "-d", "1", "-d", "2", "-d",
		  "3", "-d", "4", "-d", "5", "-d", "6", "-d", "7", "-d", "8",
		  "-d", "9", "-d", "10", "-d", "11", "-d", "12", "-d", "13",
		  "-d", "14", "-d", "15,iommu=off", "--dump-acpi", "d", NULL },
		/* Refused: each for a different reason. */
		{ "-k", "k", "-m", "0x10", "-c", "256", NULL },
		{ "-k", "k", "-d", ",ro", "--name", ".x", NULL },
		{ "-k", "k", "-d", "x,serial=0123456789abcdefghijk", "-m",
		  "18446744073709551616G", "extra", NULL },
		{ "-k", "k", "--dt", "--dump-acpi", "d", NULL },
		{ "--bogus", "-k", NULL },
	};
	struct script s = { buf, 0, max };
	const char *const *arg;

	if (n >= sizeof(lines) / sizeof(lines[0]))
		return 0;
	/* Host RAM 24 GiB (mode bits 0-1), an error buffer of 64 bytes. */
	emit(&s, 1, 2 | 1 << 2);
	for (arg = lines[n]; *arg; arg++)
		emit_mem(&s, *arg, strlen(*arg) + 1);
	return s.len;
}
