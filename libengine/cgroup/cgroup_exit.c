/*
 * A process placing itself in its cgroup, and leaving and removing it.
 * Leaving: a prepared sandbox whose owner died (runtime/pool.c) cannot be
 * cleaned up by anyone else, so it moves itself to the parent cgroup of
 * each hierarchy and removes the empty dirs before it exits. Entering: a
 * child spawned with CLONE_VFORK (runtime/spawn_vm.c) whose parent waits
 * for its exec. The parent prepares paths and fds; the child only makes
 * system calls.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup_internal.h"
#include "core/error.h"
#include "util/cleanup.h"
#include "util/str.h"

static int add(const char *path, char paths[][200], size_t *n)
{
	if (!path)
		return 0;
	if (*n >= ENGINE__CGROUP_EXIT_MAX || strlen(path) >= sizeof(paths[0]))
		return engine__error_set(ENGINE_ERROR, 0, "cgroup path too long: %s", path);
	strcpy(paths[(*n)++], path);
	return 0;
}

int engine__cgroup_exit_prepare(engine__cgroup *cg, engine__cgroup_exit *x)
{
	char abs[ENGINE__CGROUP_EXIT_MAX][200];
	size_t n = 0, common;
	int r = 0;

	memset(x, 0, sizeof(*x));
	x->root_fd = -1;
	for (size_t i = 0; i < ENGINE__CGROUP_EXIT_MAX; i++)
		x->procs_fd[i] = -1;
	if (cg->v2_fd >= 0)
		r = add(cg->v2_path, abs, &n);
	for (int c = 0; r == 0 && c < CG_V1_MAX; c++)
		if (cg->v1_fd[c] >= 0)
			r = add(cg->v1_path[c], abs, &n);
	if (r < 0 || n == 0)
		return r;
	/* The longest directory above every cgroup's parent: each relative
	 * path then names the parent and the cgroup. */
	common = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		const char *last = strrchr(abs[i], '/');
		size_t gp = 0, k = 0;

		for (const char *q = abs[i]; last && q < last; q++)
			if (*q == '/')
				gp = (size_t)(q - abs[i]) + 1; /* just after the grandparent */
		while (k < gp && k < common && abs[i][k] == abs[0][k])
			k++;
		common = k < common ? k : common;
	}
	while (common > 0 && abs[0][common - 1] != '/')
		common--;
	if (common == 0)
		return engine__error_set(ENGINE_ERROR, 0, "cgroup %s: no parent", abs[0]);
	for (size_t i = 0; i < n; i++) {
		const char *rel = abs[i] + common;
		const char *slash = strrchr(rel, '/');

		if (!slash)
			return engine__error_set(ENGINE_ERROR, 0, "cgroup %s: no parent", abs[i]);
		snprintf(x->dir[i], sizeof(x->dir[i]), "%s", rel);
		if ((size_t)snprintf(x->procs[i], sizeof(x->procs[i]), "%.*s/cgroup.procs",
				     (int)(slash - rel), rel) >= sizeof(x->procs[i]))
			return engine__error_set(ENGINE_ERROR, 0, "cgroup path too long: %s", abs[i]);
	}
	{
		char root[200];

		snprintf(root, sizeof(root), "%.*s", (int)(common > 1 ? common - 1 : common), abs[0]);
		x->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (x->root_fd < 0)
			return engine__error_errno(errno, "open %s", root);
	}
	x->n = n;
	return 0;
}

void engine__cgroup_exit_close(engine__cgroup_exit *x)
{
	if (x->root_fd >= 0)
		close(x->root_fd);
	x->root_fd = -1;
	x->n = 0;
}

void engine__cgroup_leave_open(engine__cgroup_exit *x)
{
	for (size_t i = 0; i < x->n; i++)
		x->procs_fd[i] = openat(x->root_fd, x->procs[i], O_WRONLY | O_CLOEXEC);
}

void engine__cgroup_leave(const engine__cgroup_exit *x)
{
	for (size_t i = 0; i < x->n; i++) {
		int fd = x->procs_fd[i] >= 0 ? x->procs_fd[i]
					     : openat(x->root_fd, x->procs[i], O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (write(fd, "0", 1) < 0) {
				/* best effort: the rmdir below then fails (EBUSY) */
			}
			close(fd);
		}
	}
	for (size_t i = 0; i < x->n; i++)
		unlinkat(x->root_fd, x->dir[i], AT_REMOVEDIR);
}

int engine__cgroup_self_attach_fds(engine__cgroup *cg, int *v2_fd, int *fds, size_t max, size_t *n)
{
	*n = 0;
	*v2_fd = cg->v2_fd;
	for (int c = 0; c < CG_V1_MAX; c++) {
		int fd;

		if (cg->v1_fd[c] < 0)
			continue;
		fd = *n < max ? openat(cg->v1_fd[c], "tasks", O_WRONLY | O_CLOEXEC) : -1;
		if (fd < 0) {
			int e = *n < max ? errno : E2BIG;

			for (size_t i = 0; i < *n; i++)
				close(fds[i]);
			*n = 0;
			return engine__error_errno(e, "cgroup %s: open %s/tasks", cg->id, cg->v1_path[c]);
		}
		fds[(*n)++] = fd;
	}
	return 0;
}
