// SPDX-License-Identifier: GPL-2.0
/*
 * The commands that talk to running guests over their control sockets:
 * iovm list, stop, pause, resume and stat.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ctl.h"
#include "kvm/kvm.h"
#include "log.h"

#define ANSWER_MAX	(1 << 20)
#define CTL_TIMEOUT_S	30

/*
 * Send @req to the guest @name; the answer (without its final "ok") goes
 * to @out. Returns an exit status, having said what went wrong.
 */
static int ctl_request(const char *name, const char *req, FILE *out)
{
	char path[256], *buf, *end;
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
	if (fd == -ENOENT) {
		pr_err("no guest named %s (see iovm list)", name);
		return IOVM_EXIT_ERROR;
	}
	if (fd == -ECONNREFUSED) {
		pr_err("the guest named %s is not running any more; removed its stale socket",
		       name);
		unlink(path);
		return IOVM_EXIT_ERROR;
	}
	if (fd < 0) {
		pr_err("cannot reach the guest named %s at %s: %s", name, path,
		       strerror(-fd));
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
	char dir[256];
	struct dirent *e;
	DIR *d;

	if (control_dir(dir, sizeof(dir)))
		return IOVM_EXIT_ERROR;
	d = opendir(dir);
	printf("%-24s %8s  %s\n", "NAME", "PID", "STATE");
	if (!d)
		return IOVM_EXIT_OK;	/* no guest ever ran */
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
		}
		fclose(f);
	}
	closedir(d);
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
