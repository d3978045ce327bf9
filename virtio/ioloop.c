// SPDX-License-Identifier: GPL-2.0
/*
 * A device thread: epoll over the device's eventfds (queue notifications,
 * interrupt resample, backend completions), calling one handler per fd.
 * Stopping is an eventfd too, so a stop never races with a wake-up.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../log.h"
#include "virtio.h"

#define IO_LOOP_MAX_FDS	16

struct io_handler {
	io_loop_fn fn;
	void *opaque;
};

struct io_loop {
	char name[32];
	int epfd;
	int stop_fd;
	pthread_t thread;
	bool running;
	unsigned int nr;
	struct io_handler handlers[IO_LOOP_MAX_FDS];
};

struct io_loop *io_loop_create(const char *name)
{
	struct io_loop *l = calloc(1, sizeof(*l));
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (!l)
		return NULL;
	strncpy(l->name, name, sizeof(l->name) - 1);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (l->epfd < 0 || l->stop_fd < 0 ||
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->stop_fd, &ev)) {
		io_loop_destroy(l);
		return NULL;
	}
	return l;
}

int io_loop_add(struct io_loop *l, int fd, io_loop_fn fn, void *opaque)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct io_handler *h;

	if (l->nr == IO_LOOP_MAX_FDS)
		return -ENOSPC;
	h = &l->handlers[l->nr];
	h->fn = fn;
	h->opaque = opaque;
	ev.data.ptr = h;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	l->nr++;
	return 0;
}

static void *io_loop_thread(void *arg)
{
	struct io_loop *l = arg;
	struct epoll_event evs[IO_LOOP_MAX_FDS + 1];
	int n, i;

	for (;;) {
		n = epoll_wait(l->epfd, evs, IO_LOOP_MAX_FDS + 1, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pr_err("%s: epoll_wait: %s", l->name, strerror(errno));
			return NULL;
		}
		for (i = 0; i < n; i++) {
			struct io_handler *h = evs[i].data.ptr;

			if (!h)
				return NULL;	/* the stop eventfd */
			h->fn(h->opaque);
		}
	}
}

int io_loop_start(struct io_loop *l)
{
	int err = pthread_create(&l->thread, NULL, io_loop_thread, l);

	if (err)
		return -err;
	l->running = true;
	return 0;
}

void io_loop_stop(struct io_loop *l)
{
	uint64_t one = 1;

	if (!l->running)
		return;
	if (write(l->stop_fd, &one, sizeof(one)) < 0)
		pr_err("%s: cannot stop the device thread", l->name);
	pthread_join(l->thread, NULL);
	l->running = false;
}

void io_loop_destroy(struct io_loop *l)
{
	if (!l)
		return;
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->stop_fd >= 0)
		close(l->stop_fd);
	free(l);
}
