// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that talk to running guests over their control sockets:
 * iovm list, stop, pause, resume and stat.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctl.h"
#include "kvm/kvm.h"
#include "log.h"

#define ANSWER_MAX	(1 << 20)
#define CTL_TIMEOUT_S	30

/*
 * Why the control socket directory @dir shows no guest to this user, in
 * words, into @why: 0 if it is there and readable, else -errno.
 */
static int ctl_dir_problem(const char *dir, char *why, size_t len)
{
	struct stat st;
	int err;

	if (stat(dir, &st)) {
		err = -errno;
		if (err == -ENOENT)
			snprintf(why, len, "%s does not exist: no guest of this user (with this XDG_RUNTIME_DIR) has a control socket",
				 dir);
		else
			snprintf(why, len, "cannot look into %s: %s (a directory above it is closed to this user)",
				 dir, strerror(-err));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s is not a directory, so no guest can have a control socket in it",
			 dir);
		return -ENOTDIR;
	}
	if (access(dir, R_OK | X_OK)) {
		err = -errno;
		if (st.st_uid != geteuid())
			snprintf(why, len, "%s: %s: it belongs to uid %u, and only its owner can list or control the guests in it",
				 dir, strerror(-err), (unsigned int)st.st_uid);
		else
			snprintf(why, len, "%s: %s: its mode is %03o, iovm makes it 0700",
				 dir, strerror(-err), st.st_mode & 0777);
		return err;
	}
	return 0;
}

/* A connection to @name's socket failed with @err: say why. */
static void ctl_unreachable(const char *name, const char *path, int err)
{
	char dir[PATH_MAX], why[PATH_MAX + 256];

	if (err == -ECONNREFUSED) {
		pr_err("the guest named %s is not running any more; removed its stale socket",
		       name);
		unlink(path);
	} else if (!control_dir(dir, sizeof(dir)) &&
		   ctl_dir_problem(dir, why, sizeof(why))) {
		pr_err("no guest named %s can be reached: %s", name, why);
	} else if (err == -ENOENT) {
		pr_err("no guest named %s (see iovm list)", name);
	} else {
		pr_err("cannot reach the guest named %s at %s: %s", name, path,
		       strerror(-err));
	}
}

/*
 * Send @req to the guest @name; the answer (without its final "ok") goes
 * to @out. Returns an exit status, having said what went wrong.
 */
static int ctl_request(const char *name, const char *req, FILE *out)
{
	char path[PATH_MAX], *buf, *end;
	size_t len = 0;
	ssize_t n;
	int fd, status;

	if (!control_name_valid(name)) {
		pr_err("'%s' is not a guest name (letters, digits, '.', '_', '-')",
		       name);
		return IOVM_EXIT_USAGE;
	}
	if (control_path(name, path, sizeof(path))) {
		pr_err("%s: the control socket path is too long", name);
		return IOVM_EXIT_ERROR;
	}
	fd = control_connect(path);
	if (fd < 0) {
		ctl_unreachable(name, path, fd);
		return IOVM_EXIT_ERROR;
	}
	/* A guest that stopped answering must not hang the command. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO,
		   &(struct timeval){ .tv_sec = CTL_TIMEOUT_S },
		   sizeof(struct timeval));
	if (dprintf(fd, "%s\n", req) < 0) {
		pr_err("%s: cannot send the request: %s", name, strerror(errno));
		close(fd);
		return IOVM_EXIT_ERROR;
	}
	buf = malloc(ANSWER_MAX + 1);
	if (!buf) {
		close(fd);
		return IOVM_EXIT_ERROR;
	}
	while (len < ANSWER_MAX &&
	       (n = read(fd, buf + len, ANSWER_MAX - len)) > 0)
		len += n;
	close(fd);
	buf[len] = 0;

	/* The last line is the verdict. */
	if (len && buf[len - 1] == '\n')
		buf[--len] = 0;
	end = strrchr(buf, '\n');
	end = end ? end + 1 : buf;
	if (!strcmp(end, "ok")) {
		fwrite(buf, 1, end - buf, out);
		status = IOVM_EXIT_OK;
	} else if (!strncmp(end, "error: ", 7)) {
		fwrite(buf, 1, end - buf, out);
		pr_err("%s: %s", name, end + 7);
		status = IOVM_EXIT_ERROR;
	} else {
		pr_err("%s: no answer from the guest (did it just stop?)", name);
		status = IOVM_EXIT_ERROR;
	}
	free(buf);
	return status;
}

static int ctl_list(void)
{
	char dir[PATH_MAX], why[PATH_MAX + 256];
	unsigned int found = 0;
	struct dirent *e;
	DIR *d;
	int err;

	if (control_dir(dir, sizeof(dir))) {
		pr_err("iovm list: XDG_RUNTIME_DIR is longer than a path can be");
		return IOVM_EXIT_ERROR;
	}
	err = ctl_dir_problem(dir, why, sizeof(why));
	d = err ? NULL : opendir(dir);
	if (!err && !d) {
		err = -errno;
		snprintf(why, sizeof(why), "cannot read %s: %s", dir,
			 strerror(errno));
	}
	if (err && err != -ENOENT) {
		pr_err("iovm list: %s", why);
		return IOVM_EXIT_ERROR;
	}
	printf("%-24s %8s  %s\n", "NAME", "PID", "STATE");
	if (!d) {
		pr_info("no guests: %s", why);
		return IOVM_EXIT_OK;
	}
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		char name[CONTROL_NAME_MAX + 1], answer[256] = "";
		FILE *f;

		if (l < 6 || l - 5 > CONTROL_NAME_MAX ||
		    strcmp(e->d_name + l - 5, ".sock"))
			continue;
		memcpy(name, e->d_name, l - 5);
		name[l - 5] = 0;
		f = fmemopen(answer, sizeof(answer) - 1, "w");
		if (!f)
			continue;
		if (ctl_request(name, "ping", f) == IOVM_EXIT_OK) {
			char pid[16] = "?", state[16] = "?";

			fflush(f);
			sscanf(answer, "%*s %15s %15s", pid, state);
			printf("%-24s %8s  %s\n", name, pid, state);
			found++;
		}
		fclose(f);
	}
	closedir(d);
	if (!found)
		pr_info("no guests: no running guest has a control socket in %s",
			dir);
	return IOVM_EXIT_OK;
}

int ctl_main(const char *cmd, int argc, char **argv)
{
	const char *name = NULL;
	bool iommu = false;
	int i;

	if (!strcmp(cmd, "list")) {
		if (argc > 1) {
			pr_err("iovm list takes no arguments");
			return IOVM_EXIT_USAGE;
		}
		return ctl_list();
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iommu") && !strcmp(cmd, "stat")) {
			iommu = true;
		} else if (argv[i][0] == '-') {
			pr_err("iovm %s: unknown option %s", cmd, argv[i]);
			return IOVM_EXIT_USAGE;
		} else if (!name) {
			name = argv[i];
		} else {
			pr_err("iovm %s: one guest name only", cmd);
			return IOVM_EXIT_USAGE;
		}
	}
	if (!name) {
		pr_err("usage: iovm %s NAME%s", cmd,
		       !strcmp(cmd, "stat") ? " [--iommu]" : "");
		return IOVM_EXIT_USAGE;
	}
	if (!strcmp(cmd, "stat") && iommu)
		return ctl_request(name, "stat iommu", stdout);
	return ctl_request(name, cmd, stdout);
}

bool ctl_is_command(const char *cmd)
{
	static const char *const cmds[] = { "list", "stop", "pause", "resume",
					    "stat" };
	unsigned int i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmd, cmds[i]))
			return true;
	return false;
}
