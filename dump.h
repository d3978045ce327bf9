/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing what iovm gives the guest (its device tree, its ACPI tables) to
 * files the user asked for, so that they can be inspected with dtc or
 * iasl. A file is either written whole or not at all.
 */
#ifndef IOVM_DUMP_H
#define IOVM_DUMP_H

#include <stddef.h>

/* Write @len bytes to @path: a temporary file beside it, renamed over it. */
int dump_file(const char *path, const void *data, size_t len);

/* 0 if @dir is a directory this process may write into, else -errno. */
int dump_check_dir(const char *dir);

#endif
