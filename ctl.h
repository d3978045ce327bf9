/* SPDX-License-Identifier: GPL-2.0 */
/* iovm list | stop | pause | resume | stat: talking to running guests. */
#ifndef IOVM_CTL_H
#define IOVM_CTL_H

#include <stdbool.h>

bool ctl_is_command(const char *cmd);
/* argv[0] is the command; returns iovm's exit status. */
int ctl_main(const char *cmd, int argc, char **argv);

#endif
