// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket of a running guest: a Unix stream socket named after
 * the guest, in a directory only its owner can enter. One request per
 * connection, one line ("stop", "pause", "resume", "stat", "stat iommu",
 * "ping"); the answer is text lines ending with "ok" or "error: ...".
 * Served on the main thread with a short receive timeout, so a slow or
 * malicious client can delay an answer but never the guest.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "../log.h"
#include "kvm.h"

#define CONTROL_REQUEST_MAX	128

int control_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	size_t base;
	int n;

	if (xdg && *xdg) {
		/* No trailing slash: the socket directory's parent is the XDG one. */
		base = strlen(xdg);
		while (base > 1 && xdg[base - 1] == '/')
			base--;
		n = snprintf(buf, len, "%.*s/iovm", (int)base, xdg);
	} else if (geteuid() == 0) {
		n = snprintf(buf, len, "/run/iovm");
	} else {
		n = snprintf(buf, len, "/tmp/iovm-%u", (unsigned int)geteuid());
	}
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int control_path(const char *name, char *buf, size_t len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int n, err = control_dir(dir, sizeof(dir));

	if (err)
		return err;
	n = snprintf(buf, len, "%s/%s.sock", dir, name);
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

bool control_name_valid(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > CONTROL_NAME_MAX || name[0] == '.')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
			return false;
	return true;
}

int control_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Create what is missing of @dir, as mkdir -p would, so that iovm also
 * starts where /run or $XDG_RUNTIME_DIR do not exist (a minimal initramfs,
 * a container): the directories above it 0755 less the umask, @dir itself
 * 0700, and $XDG_RUNTIME_DIR 0700 too, as the XDG spec asks of it.
 */
static int control_make_dirs(char *dir, char *why, size_t len)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char *last = strrchr(dir, '/'), *p = dir;
	mode_t mode;
	int err;

	do {
		p = strchr(p + 1, '/');
		if (p)
			*p = 0;
		mode = !p || (p == last && xdg && *xdg) ? 0700 : 0755;
		err = mkdir(dir, mode) && errno != EEXIST ? -errno : 0;
		if (err)
			snprintf(why, len, "cannot create %s: %s", dir,
				 strerror(-err));
		if (p)
			*p = '/';
	} while (p && !err);
	return err;
}

/* The socket directory, new or not, must be ours alone. */
static int control_check_dir(const char *dir, char *why, size_t len)
{
	struct stat st;

	if (lstat(dir, &st) || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077)) {
		snprintf(why, len, "%s is not a directory owned by this user with mode 0700",
			 dir);
		return -EPERM;
	}
	return 0;
}

/* A socket left by a guest that died is stale: nobody answers it. */
static int control_claim_name(const char *path, const char *name)
{
	int fd = control_connect(path);

	if (fd >= 0) {
		close(fd);
		pr_err("--name %s: a guest with that name is already running",
		       name);
		return -EADDRINUSE;
	}
	if (fd == -ECONNREFUSED) {
		pr_info("removed the stale control socket of a guest named %s that is gone",
			name);
		unlink(path);
	}
	return 0;
}

static int control_listen(struct vm *vm, const char *name, char *why,
			  size_t len)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX];
	mode_t old;
	int fd, n, err;

	if (control_dir(dir, sizeof(dir))) {
		snprintf(why, len, "XDG_RUNTIME_DIR is longer than a path can be");
		return -ENAMETOOLONG;
	}
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir,
		     name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		snprintf(why, len, "its socket path %s/%s.sock is longer than the %zu bytes a Unix socket address holds",
			 dir, name, sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	err = control_make_dirs(dir, why, len);
	if (!err)
		err = control_check_dir(dir, why, len);
	if (!err)
		err = control_claim_name(sa.sun_path, name);
	if (err)
		return err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		err = -errno;
		snprintf(why, len, "cannot make a Unix socket: %s",
			 strerror(errno));
		return err;
	}
	old = umask(077);	/* the socket is created 0600 */
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (err || listen(fd, 8)) {
		err = -errno;
		snprintf(why, len, "cannot create the socket %s: %s",
			 sa.sun_path, strerror(errno));
		close(fd);
		return err;
	}
	vm->control_fd = fd;
	snprintf(vm->control_path, sizeof(vm->control_path), "%s",
		 sa.sun_path);
	return 0;
}

int control_open(struct vm *vm, const char *name)
{
	char why[PATH_MAX + 128];
	int err;

	snprintf(vm->name, sizeof(vm->name), "%s", name);
	err = control_listen(vm, name, why, sizeof(why));
	if (err == -EADDRINUSE)
		return err;
	if (err)
		pr_warn("the control commands (iovm list/stop/pause/resume/stat) will not reach this guest: %s",
			why);
	return 0;
}

void control_close(struct vm *vm)
{
	if (vm->control_fd < 0)
		return;
	close(vm->control_fd);
	unlink(vm->control_path);
	vm->control_fd = -1;
}

static void stat_vm(struct vm *vm, FILE *f)
{
	unsigned int i;

	fprintf(f, "name: %s\npid: %d\nstate: %s\nvcpus: %u\nmemory: %llu MiB\nuptime: %.1f s\n",
		vm->name, (int)getpid(),
		atomic_load(&vm->paused) ? "paused" : "running", vm->nr_cpus,
		(unsigned long long)(vm->mem.size >> 20),
		vm_elapsed_ms(vm) / 1000);
	fprintf(f, "devices:\n");
	for (i = 0; i < vm->nr_devices; i++)
		if (vm->devices[i].stat)
			vm->devices[i].stat(vm->devices[i].opaque, f);
}

/* Run one request; the answer goes to @f, ending with ok or error. */
static void control_request(struct vm *vm, const char *req, FILE *f)
{
	if (!strcmp(req, "ping")) {
		fprintf(f, "%s %d %s\n", vm->name, (int)getpid(),
			atomic_load(&vm->paused) ? "paused" : "running");
	} else if (!strcmp(req, "stop")) {
		vm_request_exit(vm, IOVM_EXIT_OK, "stopped by iovm stop");
	} else if (!strcmp(req, "pause")) {
		if (vm_pause(vm)) {
			fprintf(f, "error: the guest is already paused\n");
			return;
		}
		pr_info("paused by iovm pause");
	} else if (!strcmp(req, "resume")) {
		if (vm_resume(vm)) {
			fprintf(f, "error: the guest is not paused\n");
			return;
		}
		pr_info("resumed by iovm resume");
	} else if (!strcmp(req, "stat")) {
		stat_vm(vm, f);
	} else if (!strcmp(req, "stat iommu")) {
		if (!vm->iommu_stat) {
			fprintf(f, "error: this guest has no virtio-iommu (start it with --iommu)\n");
			return;
		}
		vm->iommu_stat(vm->iommu, f);
	} else if (!strcmp(req, "test-forbidden-syscall")) {
		/* For the sandbox test only: a call the filter forbids. */
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		fprintf(f, "error: the sandbox let a forbidden call through (fd %d)\n",
			fd);
		return;
	} else {
		fprintf(f, "error: unknown request (expected ping, stop, pause, resume, stat or stat iommu)\n");
		return;
	}
	fprintf(f, "ok\n");
}

/* Read one line; false if it is not a well-formed request. */
static bool read_request(int fd, char *buf, size_t len)
{
	size_t got = 0, i;
	ssize_t n;

	while (got < len - 1) {
		n = recv(fd, buf + got, len - 1 - got, 0);
		if (n <= 0)
			return false;
		got += n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = 0;
	if (!strchr(buf, '\n'))
		return false;	/* too long, or no end of line */
	*strchr(buf, '\n') = 0;
	for (i = 0; buf[i]; i++)
		if (!isprint((unsigned char)buf[i]))
			return false;
	return true;
}

void control_serve(struct vm *vm)
{
	struct timeval tv = { .tv_sec = 1 };
	char req[CONTROL_REQUEST_MAX], *answer = NULL;
	size_t len = 0, done = 0;
	FILE *f;
	int fd;

	fd = accept4(vm->control_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	f = open_memstream(&answer, &len);
	if (!f) {
		close(fd);
		return;
	}
	if (read_request(fd, req, sizeof(req)))
		control_request(vm, req, f);
	else
		fprintf(f, "error: malformed request (one line of printable text, at most %d bytes)\n",
			CONTROL_REQUEST_MAX - 2);
	fclose(f);
	while (done < len) {
		ssize_t n = send(fd, answer + done, len - done, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		done += n;
	}
	free(answer);
	close(fd);
}
