/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command-line parsing, apart from main() so that it is unit-tested. The
 * parser never prints or exits: it fills a config or an error message.
 */
#ifndef IOVM_CLI_H
#define IOVM_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "kvm/kvm.h"

#define CLI_DEFAULT_MEM		(512ULL << 20)
#define CLI_MIN_MEM		(32ULL << 20)
#define CLI_MAX_CPUS		255

enum cli_result {
	CLI_OK = 0,
	CLI_HELP = 1,		/* --help was asked for */
	CLI_ERROR = -1,		/* message in err */
};

/* "512", "512M", "2G", "1T": MiB unless suffixed. */
int cli_parse_size(const char *s, uint64_t *bytes);

/*
 * Parse `iovm run` options (argv[0] is "run"). @host_ram bounds -m.
 * Strings in @cfg point into @argv, except disk paths: free those with
 * cli_config_free().
 */
enum cli_result cli_parse_run(int argc, char **argv, struct vm_config *cfg,
			      uint64_t host_ram, char *err, size_t errlen);

/* Free what cli_parse_run() allocated (disk paths). */
void cli_config_free(struct vm_config *cfg);

extern const char cli_run_usage[];
extern const char cli_usage[];

#endif
