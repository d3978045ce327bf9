// SPDX-License-Identifier: GPL-2.0
/* The ok/not ok lines and the narration; see report.h. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "report.h"

static bool verbose;
static unsigned int failures;
/* What the watchdog prints: built before each alarm() is set. */
static char alarm_line[256];

void report_verbose(bool on)
{
	verbose = on;
}

unsigned int report_failures(void)
{
	return failures;
}

/*
 * Each line must leave the serial port whole before the next step makes
 * iovm log something of its own (its stderr shares the test's log file):
 * wait until the tty has sent it. Not a tty: nothing to wait for.
 */
static void line_out(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stdout);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	tcdrain(STDOUT_FILENO);
}

void say(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	line_out("vfio-blk: ", fmt, ap);
	va_end(ap);
}

void pass(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	line_out("ok - ", fmt, ap);
	va_end(ap);
}

void fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	va_start(ap, fmt);
	line_out("not ok - ", fmt, ap);
	va_end(ap);
}

/* Async-signal-safe: one write of the line report_step() built. */
static void on_alarm(int sig)
{
	(void)sig;
	if (write(STDOUT_FILENO, alarm_line, strlen(alarm_line)) < 0)
		_exit(2);
	_exit(1);
}

void report_step(const char *what, const char *step)
{
	alarm(0);
	snprintf(alarm_line, sizeof(alarm_line),
		 "not ok - %s: stuck at step '%s' for %d s (vfio-blk watchdog)\n",
		 what, step, WATCHDOG_SECONDS);
	alarm(WATCHDOG_SECONDS);
}

void report_watchdog_start(void)
{
	report_step("vfio-blk", "setting up");
	signal(SIGALRM, on_alarm);
}
