// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

bool log_debug_enabled;
int log_fd = STDERR_FILENO;
unsigned int log_trace_mask;

/*
 * One line per message, built in a buffer and written with a single write()
 * so that lines from vCPU and device threads never interleave mid-line.
 */
void log_msg(const char *level, const char *fmt, ...)
{
	char buf[1024];
	size_t n;
	va_list ap;

	if (log_fd < 0)
		return;
	if (level)
		n = (size_t)snprintf(buf, sizeof(buf), "iovm: %s: ", level);
	else
		n = (size_t)snprintf(buf, sizeof(buf), "iovm: ");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	n = strlen(buf);
	if (n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(log_fd, buf, n) < 0)
		return;
}
