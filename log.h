/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Logging: everything iovm says goes to stderr, so that stdout carries only
 * the guest's console. Debug output costs one predictable branch when off.
 */
#ifndef IOVM_LOG_H
#define IOVM_LOG_H

#include <stdbool.h>

extern bool log_debug_enabled;

/*
 * Where messages go: stderr. A fuzz harness that provokes a device error
 * a million times a minute points it elsewhere (-1: nowhere).
 */
extern int log_fd;

/* --trace SUBSYSTEM: one line per event, off by default. */
enum log_trace {
	TRACE_IOMMU = 1 << 0,
};
extern unsigned int log_trace_mask;

void log_msg(const char *level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(...)	log_msg("error", __VA_ARGS__)
#define pr_warn(...)	log_msg("warning", __VA_ARGS__)
#define pr_info(...)	log_msg(NULL, __VA_ARGS__)
#define pr_debug(...)						\
	do {							\
		if (__builtin_expect(log_debug_enabled, 0))	\
			log_msg("debug", __VA_ARGS__);		\
	} while (0)

#define pr_trace(bit, ...)					\
	do {							\
		if (__builtin_expect(log_trace_mask & (bit), 0))	\
			log_msg("trace", __VA_ARGS__);		\
	} while (0)

#endif
