/*
 * A prepared sandbox's child between its rootfs and its job (pool.c): it
 * blocks on the sync socket until the pool hands it a command, takes the
 * engine-init argv (with the command's), env and stdio it was sent, and
 * goes on to exec like any container. Or (job->pre_exec) it drops its
 * privileges and execs engine-init right away, which waits for the job in
 * its place (engine-init --job) and then execs the command: the exec that
 * frees this copy of the caller's memory happens before the job. Both
 * async-signal-safe like the rest of the child: the buffers were
 * allocated by the parent before the clone.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "init/init.h"
#include "runtime/runtime.h"

/* The owner is gone (or closed the pool): nobody else will remove our
 * cgroup, so leave it and remove it, then exit. */
static void orphaned(engine__plan *p)
{
	engine__cgroup_leave(&p->job->cg_exit);
	_exit(0);
}

void engine__child_pool_wait_parent(engine__plan *p, int go_fd, int err_fd)
{
	char go;
	ssize_t n;

	do
		n = read(go_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		orphaned(p);
	if (n != 1)
		engine__child_fail(err_fd, errno, 0, "wait for the parent", NULL);
}

static void read_all(int go_fd, int err_fd, char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = read(go_fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			engine__child_fail(err_fd, n < 0 ? errno : EPIPE, 0, "read the job", NULL);
		buf += n;
		len -= (size_t)n;
	}
}

/* Point @out[0..count) at the next @count strings of @buf (each ends
 * inside it), NULL after them. */
static char *take(int err_fd, char *s, const char *end, char **out, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++) {
		char *nul = memchr(s, '\0', (size_t)(end - s));

		if (!nul)
			engine__child_fail(err_fd, EINVAL, 0, "malformed job", NULL);
		out[i] = s;
		s = nul + 1;
	}
	out[count] = NULL;
	return s;
}

static char *decimal(unsigned v, char *out)
{
	char num[12];
	int n = 0, k = 0;

	do
		num[n++] = (char)('0' + v % 10);
	while (v /= 10);
	while (n > 0)
		out[k++] = num[--n];
	out[k] = '\0';
	return out;
}

/* @fd copied to 10 or above without close-on-exec, in decimal to @out. */
static char *pass_fd(int err_fd, int fd, char *out)
{
	fd = fcntl(fd, F_DUPFD, 10);
	if (fd < 0)
		engine__child_fail(err_fd, errno, 0, "hand an fd to engine-init", NULL);
	return decimal((unsigned)fd, out);
}

/* engine-init --job SOCK INIT ROOT N PROCS_1 DIR_1 ... PROCS_N DIR_N: it
 * waits on the socket, and leaves and removes the cgroup (the fds opened
 * before the cgroup namespace, with this process's credentials) if EOF
 * comes instead of a job; INIT, its own memfd, for a re-exec as PID 1 of a
 * --init container (a fresh command line). */
static void exec_init_early(engine__plan *p, int go_fd, int err_fd, int init_fd)
{
	engine__cgroup_exit *x = &p->job->cg_exit;
	char nums[4 + ENGINE__CGROUP_EXIT_MAX][12];
	char *argv[7 + 2 * ENGINE__CGROUP_EXIT_MAX], *env[1] = {NULL};
	size_t a = 0;

	engine__child_drop_privileges(p, err_fd);
	argv[a++] = (char *)ENGINE__INIT_NAME;
	argv[a++] = (char *)"--job";
	argv[a++] = pass_fd(err_fd, go_fd, nums[0]);
	argv[a++] = pass_fd(err_fd, init_fd, nums[1]);
	argv[a++] = pass_fd(err_fd, x->root_fd, nums[2]);
	argv[a++] = decimal((unsigned)x->n, nums[3]);
	for (size_t i = 0; i < x->n; i++) {
		if (x->procs_fd[i] < 0)
			engine__child_fail(err_fd, EBADF, 0, "open the parent cgroup's cgroup.procs", NULL);
		argv[a++] = pass_fd(err_fd, x->procs_fd[i], nums[4 + i]);
		argv[a++] = x->dir[i];
	}
	argv[a] = NULL;
	p->init_argv = argv;
	p->env = env;
	engine__child_exec(p, init_fd, err_fd, -1);
}

void engine__child_wait_job(engine__plan *p, int go_fd, int err_fd, int init_fd)
{
	engine__pool_job *job = p->job;
	engine__pool_job_header h;
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(3 * sizeof(int))];
	} ctl;
	struct iovec iov = {&h, sizeof(h)};
	struct msghdr m = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
	int fds[3] = {-1, -1, -1}, nfds = 0;
	ssize_t n;
	char *s, *end;

	if (job->pre_exec)
		exec_init_early(p, go_fd, err_fd, init_fd);
	/* Ready: the pool hands us out only now, with the rootfs built and
	 * everything before the job done (not while it is still being done). */
	do
		n = send(go_fd, "r", 1, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		orphaned(p);
	do
		n = recvmsg(go_fd, &m, MSG_WAITALL | MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		orphaned(p);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			if (nfds > 3)
				nfds = 3;
			memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
		}
	if (n != (ssize_t)sizeof(h) || (m.msg_flags & MSG_CTRUNC) || h.len > job->cap ||
	    (size_t)h.argc + h.envc + 2 > job->n_ptrs || h.argc < 3)
		engine__child_fail(err_fd, EINVAL, 0, "malformed job", NULL);
	read_all(go_fd, err_fd, job->buf, h.len);
	end = job->buf + h.len;
	s = take(err_fd, job->buf, end, job->ptrs, h.argc);
	take(err_fd, s, end, job->ptrs + h.argc + 1, h.envc);
	p->init_argv = job->ptrs;
	p->argv = job->ptrs + 2;
	p->env = job->ptrs + h.argc + 1;
	/* The stdio that came along replaces the /dev/null it was built with. */
	for (int i = 0, k = 0; i < 3; i++) {
		if (!(h.stdio_mask & (1u << i)))
			continue;
		if (k >= nfds)
			engine__child_fail(err_fd, EINVAL, 0, "malformed job", NULL);
		if (dup2(fds[k++], i) < 0)
			engine__child_fail(err_fd, errno, 0, "dup2 stdio", NULL);
	}
	for (int k = 0; k < nfds; k++)
		if (fds[k] > 2)
			close(fds[k]);
}
