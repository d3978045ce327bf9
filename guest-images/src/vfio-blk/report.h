/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What vfio-blk prints on stdout: one "ok - ..." or "not ok - ..." line per
 * check, and with -v a "vfio-blk: ..." line narrating each step.
 */
#ifndef VFIO_BLK_REPORT_H
#define VFIO_BLK_REPORT_H

#include <stdbool.h>

void report_verbose(bool on);
/* Narration for -v; otherwise nothing. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pass(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* How many checks have failed so far. */
unsigned int report_failures(void);
/*
 * The watchdog: from now on @what (a case) is at @step. If nothing moves
 * on for WATCHDOG_SECONDS, a "not ok" line names both and the program
 * ends, instead of the whole run timing out without a word.
 */
#define WATCHDOG_SECONDS	180
void report_step(const char *what, const char *step);
void report_watchdog_start(void);

#endif
