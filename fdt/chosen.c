// SPDX-License-Identifier: GPL-2.0
/*
 * /chosen, filled in once the tree exists: the boot loader's part of an
 * arm64 boot (command line, initrd, early entropy), which depends on where
 * the loader put things, not on the machine.
 */
#include <errno.h>
#include <string.h>

#include <libfdt.h>

#include "fdt.h"

static int set_chosen(void *fdt, const struct fdt_chosen *c)
{
	int node = fdt_path_offset(fdt, "/chosen"), err = 0;

	if (node == -FDT_ERR_NOTFOUND)
		node = fdt_add_subnode(fdt, 0, "chosen");
	if (node < 0)
		return node;
	if (c->bootargs)
		err = fdt_setprop_string(fdt, node, "bootargs", c->bootargs);
	if (!err && c->initrd_end > c->initrd_start) {
		err = fdt_setprop_u64(fdt, node, "linux,initrd-start",
				      c->initrd_start);
		if (!err)
			err = fdt_setprop_u64(fdt, node, "linux,initrd-end",
					      c->initrd_end);
	}
	if (!err && c->rng_seed_size)
		err = fdt_setprop(fdt, node, "rng-seed", c->rng_seed,
				  (int)c->rng_seed_size);
	return err;
}

int fdt_set_chosen(void *buf, size_t bufsize, const struct fdt_chosen *c)
{
	int err;

	if (bufsize > INT32_MAX || fdt_check_header(buf))
		return -EINVAL;
	err = fdt_open_into(buf, buf, (int)bufsize);
	if (!err)
		err = set_chosen(buf, c);
	if (!err)
		err = fdt_pack(buf);
	if (err == -FDT_ERR_NOSPACE)
		return -ENOSPC;
	if (err < 0)
		return -EINVAL;
	return (int)fdt_totalsize(buf);
}
