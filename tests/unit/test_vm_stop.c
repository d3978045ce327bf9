// SPDX-License-Identifier: GPL-2.0
/*
 * vm_stop() against vCPU threads that do not stop at the first kick: it
 * must kick again until they do, and name one that takes too long, with
 * what it was doing. The threads are stand-ins that count kicks, so no
 * KVM is needed. A vm_stop() that kicks once waits forever here: the
 * alarm turns that into a failed test.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../kvm/vcpu.h"
#include "../../log.h"

/* Far longer than any test needs; only a vm_stop() that hangs gets there. */
#define TEST_ALARM_S	30

struct stand_in {
	unsigned int kicks_needed;	/* the thread ends at this kick */
	unsigned int kicks;
	int log_rd;			/* >= 0: or once a log line is read */
	char log[512];
	size_t log_len;
};

static struct stand_in stand_ins[2];

/* True once the log pipe has given a whole line. */
static bool read_log_line(struct stand_in *s)
{
	ssize_t n;

	if (s->log_rd < 0)
		return false;
	n = read(s->log_rd, s->log + s->log_len,
		 sizeof(s->log) - 1 - s->log_len);
	if (n > 0)
		s->log_len += (size_t)n;
	s->log[s->log_len] = 0;
	return strchr(s->log, '\n') != NULL;
}

static void *stand_in_thread(void *arg)
{
	struct stand_in *s = arg;
	sigset_t kick;
	int sig;

	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	while (s->kicks < s->kicks_needed) {
		if (sigwait(&kick, &sig))
			break;
		s->kicks++;
		if (read_log_line(s))
			break;
	}
	return NULL;
}

/* A stopping VM of two stand-in vCPUs, both "in KVM_RUN". */
static struct vm *stopping_vm(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	sigset_t kick;
	unsigned int i;

	assert_non_null(vm);
	vm->nr_cpus = 2;
	vm->vcpus = calloc(vm->nr_cpus, sizeof(*vm->vcpus));
	assert_non_null(vm->vcpus);
	pthread_mutex_init(&vm->park_lock, NULL);
	pthread_cond_init(&vm->park_cond, NULL);
	vm->stop_warn_ms = 60000;
	vm->exit_status = 7;
	atomic_store(&vm->stopping, true);
	/* As vm_create() does: threads inherit the kick blocked. */
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	assert_int_equal(pthread_sigmask(SIG_BLOCK, &kick, NULL), 0);
	for (i = 0; i < vm->nr_cpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].id = i;
		vm->vcpus[i].fd = -1;
		atomic_store(&vm->vcpus[i].where, VCPU_IN_RUN);
		stand_ins[i] = (struct stand_in){ .kicks_needed = 1,
						  .log_rd = -1 };
	}
	return vm;
}

static void start(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_cpus; i++) {
		assert_int_equal(pthread_create(&vm->vcpus[i].thread, NULL,
						stand_in_thread,
						&stand_ins[i]), 0);
		vm->vcpus[i].started = true;
	}
}

static void free_vm(struct vm *vm)
{
	pthread_mutex_destroy(&vm->park_lock);
	pthread_cond_destroy(&vm->park_cond);
	free(vm->vcpus);
	free(vm);
}

static void test_one_kick_is_enough(void **state)
{
	struct vm *vm = stopping_vm();

	(void)state;
	start(vm);
	assert_int_equal(vm_stop(vm), 7);
	assert_false(vm->vcpus[0].started);
	assert_false(vm->vcpus[1].started);
	assert_int_equal(stand_ins[0].kicks, 1);
	free_vm(vm);
}

/* vCPU 1 misses two kicks: vm_stop() must send it more. */
static void test_kicked_until_it_stops(void **state)
{
	struct vm *vm = stopping_vm();

	(void)state;
	stand_ins[1].kicks_needed = 3;
	start(vm);
	assert_int_equal(vm_stop(vm), 7);
	assert_false(vm->vcpus[1].started);
	assert_int_equal(stand_ins[1].kicks, 3);
	free_vm(vm);
}

/* vCPU 1 stops only once vm_stop() has named it and where it is. */
static void test_named_when_it_does_not_stop(void **state)
{
	struct vm *vm = stopping_vm();
	int fds[2], saved = log_fd;

	(void)state;
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	log_fd = fds[1];
	vm->stop_warn_ms = 300;
	stand_ins[1].kicks_needed = UINT32_MAX;
	stand_ins[1].log_rd = fds[0];
	start(vm);
	assert_int_equal(vm_stop(vm), 7);
	log_fd = saved;
	assert_non_null(strstr(stand_ins[1].log, "vcpu1 has not stopped"));
	assert_non_null(strstr(stand_ins[1].log, "in KVM_RUN"));
	assert_null(strstr(stand_ins[1].log, "vcpu0"));
	close(fds[0]);
	close(fds[1]);
	free_vm(vm);
}

static pthread_barrier_t kicked;

/* Counts the kicks that reached it while it was not looking. */
static void *late_looker(void *arg)
{
	unsigned int *n = arg;
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_barrier_wait(&kicked);
	while (sigtimedwait(&kick, NULL, &(struct timespec){ 0 }) > 0)
		(*n)++;
	return NULL;
}

/*
 * Two kicks sent before the thread looks are two: a kick that merged into
 * one already pending would wake nobody, and kicking again would be moot.
 */
static void test_kicks_do_not_merge(void **state)
{
	struct vm *vm = stopping_vm();
	unsigned int n = 0;

	(void)state;
	pthread_barrier_init(&kicked, NULL, 2);
	assert_int_equal(pthread_create(&vm->vcpus[0].thread, NULL,
					late_looker, &n), 0);
	vm->vcpus[0].started = true;
	vcpu_kick(&vm->vcpus[0]);
	vcpu_kick(&vm->vcpus[0]);
	pthread_barrier_wait(&kicked);
	assert_int_equal(vcpu_join_timed(&vm->vcpus[0], 10000), 0);
	assert_int_equal(n, 2);
	pthread_barrier_destroy(&kicked);
	free_vm(vm);
}

/* What a lingering vCPU is said to be doing, from vcpu.where and its run. */
static void test_where_in_words(void **state)
{
	struct kvm_run run = { .exit_reason = KVM_EXIT_MMIO };
	struct vcpu v = { .run = &run };
	char buf[96];

	(void)state;
	atomic_store(&v.where, VCPU_IN_RUN);
	vcpu_where(&v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "in KVM_RUN"));
	atomic_store(&v.where, VCPU_PARKED);
	vcpu_where(&v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "parked"));
	atomic_store(&v.where, VCPU_IN_EXIT);
	run.mmio.phys_addr = 0xd0000200;
	run.mmio.is_write = 1;
	vcpu_where(&v, buf, sizeof(buf));
	assert_string_equal(buf, "handling an MMIO write at 0xd0000200");
	run.exit_reason = KVM_EXIT_IO;
	run.io.direction = KVM_EXIT_IO_OUT;
	run.io.port = 0x501;
	vcpu_where(&v, buf, sizeof(buf));
	assert_string_equal(buf, "handling port I/O (out) at 0x501");
	v.run = NULL;
	vcpu_where(&v, buf, sizeof(buf));
	assert_string_equal(buf, "handling a KVM exit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_kick_is_enough),
		cmocka_unit_test(test_kicked_until_it_stops),
		cmocka_unit_test(test_named_when_it_does_not_stop),
		cmocka_unit_test(test_kicks_do_not_merge),
		cmocka_unit_test(test_where_in_words),
	};

	alarm(TEST_ALARM_S);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
