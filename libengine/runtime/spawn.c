/*
 * Spawning: clone3 with the container's namespaces and a pidfd, one sync
 * round trip (the parent places the child in its cgroup and writes the id
 * maps, then releases it), and the child's report of its exec coming back
 * on a CLOEXEC pipe: EOF means the command runs, a record means a setup
 * step failed. Also the exec path that joins a running container.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "net/net.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

static int write_map(pid_t pid, const char *file, uint32_t inside_host, uint32_t count)
{
	char path[64], line[64];
	int fd, len;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	len = snprintf(line, sizeof(line), "0 %u %u\n", inside_host, count);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	if (write(fd, line, (size_t)len) != len) {
		int e = errno;

		close(fd);
		return engine__error_errno(e, "write %s", path);
	}
	close(fd);
	return 0;
}

static int write_file(pid_t pid, const char *file, const char *data)
{
	char path[64];
	size_t len = strlen(data);
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return engine__error_errno(errno, "open %s", path);
	/* The kernel takes a map in one write. */
	if (write(fd, data, len) != (ssize_t)len) {
		int e = errno;

		close(fd);
		return engine__error_errno(e, "write %s", path);
	}
	close(fd);
	return 0;
}

static int write_userns_maps(const engine__plan *p, pid_t pid)
{
	char path[64];
	int fd;

	if (p->oci && p->oci->uid_map)
		return write_file(pid, "uid_map", p->oci->uid_map) < 0 ||
			       write_file(pid, "gid_map",
					  p->oci->gid_map ? p->oci->gid_map : p->oci->uid_map) < 0
			   ? engine_error_last()->code
			   : 0;
	if (write_map(pid, "uid_map", p->userns_uid, p->userns_count) < 0)
		return engine_error_last()->code;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	/* "allow" keeps setgroups usable for the container's user switch. */
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "allow", 5) < 0) {
			/* fine: the kernel's default is allow */
		}
		close(fd);
	}
	return write_map(pid, "gid_map", p->userns_gid, p->userns_count);
}

/* Exec path, first child: join the container's namespaces, then fork so the
 * command is inside its PID namespace; CLONE_PARENT makes it our parent's
 * child, so the caller waits for it directly. */
void engine__child_join(engine__plan *p, int go_fd, int err_fd)
{
	engine__child_error rec;
	int init_fd = p->init_fd;
	char go;
	pid_t pid;

	engine__child_nodump(err_fd);
	{
		/* stdio, and an OCI exec's preserved fds 3..3+N-1. */
		int keep[3 + 48];
		size_t n_keep = 3;

		memcpy(keep, p->stdio_fd, sizeof(p->stdio_fd));
		for (int i = 0; p->oci && i < p->oci->preserve_fds && n_keep < sizeof(keep) / sizeof(keep[0]);
		     i++)
			keep[n_keep++] = 3 + i;
		engine__child_isolate((int *const[]){&err_fd, &go_fd, &p->join_pidfd, &init_fd}, 4, keep,
				      n_keep);
	}
	if (read(go_fd, &go, 1) != 1)
		engine__child_fail(err_fd, errno, 0, "wait for the parent", NULL);
	/* The container's other namespaces belong to the host's user namespace:
	 * join them first, then its user namespace. */
	/* Rootless, they belong to its user namespace: that one first. */
	if (p->rootless && setns(p->join_pidfd, CLONE_NEWUSER) < 0)
		engine__child_fail(err_fd, errno, 0, "join the container's user namespace", NULL);
	if (setns(p->join_pidfd, (int)(p->clone_flags & ~(unsigned long)CLONE_NEWUSER)) < 0)
		engine__child_fail(err_fd, errno, 0, "join the container's namespaces", NULL);
	if (p->userns_count && setns(p->join_pidfd, CLONE_NEWUSER) < 0)
		engine__child_fail(err_fd, errno, 0, "join the container's user namespace", NULL);
	pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
	if (pid < 0)
		engine__child_fail(err_fd, errno, 0, "fork into the container", NULL);
	if (pid == 0) {
		/* Its own session, as the container's first process has. */
		if (setsid() < 0)
			engine__child_fail(err_fd, errno, 0, "setsid", NULL);
		sigset_t none;
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		for (int sig = 1; sig < _NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				sigaction(sig, &sa, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		for (int i = 0; i < 3; i++) {
			int fd = p->stdio_fd[i] >= 0 ? p->stdio_fd[i] : open("/dev/null", O_RDWR);

			if (fd < 0 || (fd != i && dup2(fd, i) < 0) || (fd == i && fcntl(fd, F_SETFD, 0) < 0))
				engine__child_fail(err_fd, errno, 0, "set up stdio", NULL);
		}
		if ((p->userns_count || p->rootless) &&
		    (engine__child_setresgid(0) < 0 || engine__child_setresuid(0) < 0))
			engine__child_fail(err_fd, errno, 0, "become root in the user namespace", NULL);
		if (p->tty)
			engine__child_console(p, go_fd, err_fd, true);
		if (p->working_dir && chdir(p->working_dir) < 0)
			engine__child_fail(err_fd, errno, 0, "chdir to working directory", p->working_dir);
		syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
		for (int i = 0; p->oci && i < p->oci->preserve_fds; i++)
			fcntl(3 + i, F_SETFD, 0);
		if (p->oci)
			umask(p->oci->umask);
		engine__child_drop_privileges(p, err_fd);
		engine__child_exec(p, init_fd, err_fd, -1);
		_exit(127);
	}
	memset(&rec, 0, sizeof(rec));
	rec.exit_code = -1;
	rec.sys_errno = pid;
	if (write(err_fd, &rec, sizeof(rec)) != (ssize_t)sizeof(rec))
		_exit(1);
	_exit(0);
}

/* The terminal, when the spawn does not get as far as handing it over. */
static void close_console(engine__spawning *sp)
{
	if (sp->console >= 0)
		close(sp->console);
	sp->console = -1;
}

/* Undo a begun spawn that will not be finished: kill the child, reap it,
 * and raise the child's own report when it has one (it may have failed
 * first, and made us fail). @r is the parent's error. */
static int spawn_abort(engine__spawning *sp, int r)
{
	engine__error_saved saved;
	engine__child_error rec;
	ssize_t n;

	engine__error_save(&saved);
	syscall(SYS_pidfd_send_signal, sp->pidfd, SIGKILL, NULL, 0);
	n = read(sp->err_r, &rec, sizeof(rec));
	waitpid(sp->pid, NULL, __WALL);
	close(sp->pidfd);
	sp->pidfd = -1;
	engine__spawning_close(sp);
	close_console(sp);
	if (n == (ssize_t)sizeof(rec) && rec.exit_code >= 0) {
		rec.message[sizeof(rec.message) - 1] = '\0';
		return engine__error_errno(rec.sys_errno, "%s", rec.message);
	}
	engine__error_restore(&saved);
	return r;
}

void engine__spawning_close(engine__spawning *sp)
{
	if (sp->go_w >= 0)
		close(sp->go_w);
	if (sp->err_r >= 0)
		close(sp->err_r);
	sp->go_w = sp->err_r = -1;
}

/* The child's request for its id maps, once its user namespace exists. */
static int await_map_request(engine__spawning *sp)
{
	char u;

	if (recv(sp->go_w, &u, 1, 0) != 1)
		return engine__error_set(ENGINE_ERROR, 0,
					 "the container process died before its user namespace was mapped");
	return 0;
}

static int pidns_enter(int fd, int *own)
{
	*own = open("/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	if (*own < 0)
		return engine__error_errno(errno, "open /proc/thread-self/ns/pid_for_children");
	if (setns(fd, CLONE_NEWPID) < 0) {
		int r = engine__error_errno(errno, "join the PID namespace of the other container");

		close(*own);
		*own = -1;
		return r;
	}
	return 0;
}

static int pidns_leave(int own)
{
	int r = setns(own, CLONE_NEWPID) < 0
		    ? engine__error_errno(errno, "return to the caller's PID namespace")
		    : 0;

	close(own);
	return r;
}

int engine__spawn_begin(engine__plan *p, engine__cgroup *cg, engine__spawning *sp)
{
	struct clone_args args;
	cleanup_close int go_r = -EBADF, go_w = -EBADF, err_r = -EBADF, err_w = -EBADF;
	int fds[2], pidfd = -1, r = 0, own_pidns = -1;
	pid_t pid;

	if (engine__spawn_vm_possible(p))
		return engine__spawn_vm(p, cg, sp);
	sp->pid = 0;
	sp->pidfd = sp->go_w = sp->err_r = sp->console = -1;
	/* A socket, so a child that died early gives EPIPE, not SIGPIPE. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
		return engine__error_errno(errno, "create sync socket");
	go_r = fds[0], go_w = fds[1];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return engine__error_errno(errno, "create error pipe");
	err_r = fds[0], err_w = fds[1];

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD | (p->join_pidfd >= 0 ? 0 : p->clone_flags);
	args.pidfd = (uint64_t)(uintptr_t)&pidfd;
	/* No exit signal until exec (which resets it to SIGCHLD): a child that
	 * fails during setup is not auto-reaped by an embedder ignoring SIGCHLD.
	 * After exec, engine__proc_reap falls back to pidfs' exit info. */
	args.exit_signal = 0;
	if (cg && p->join_pidfd < 0 && engine__cgroup_fd(cg) >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)engine__cgroup_fd(cg);
	}
	/* --pid container:<x>: this thread's children go into its PID
	 * namespace for this one clone, then ours again. */
	if (p->join_pidns_fd >= 0 && p->join_pidfd < 0 && (r = pidns_enter(p->join_pidns_fd, &own_pidns)) < 0)
		return r;
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid != 0 && own_pidns >= 0 && pidns_leave(own_pidns) < 0) {
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, __WALL);
			close(pidfd);
		}
		return ENGINE_ERROR;
	}
	if (pid < 0)
		return engine__error_errno(errno, "clone3 (namespaces 0x%llx)",
					   (unsigned long long)args.flags);
	if (pid == 0) {
		close(go_w);
		close(err_r);
		if (p->join_pidfd >= 0)
			engine__child_join(p, go_r, err_w);
		engine__child_main(p, go_r, err_w);
	}
	sp->pid = pid;
	sp->pidfd = pidfd;
	sp->go_w = steal_fd(go_w);
	sp->err_r = steal_fd(err_r);
	/* Only the child may hold the write end: spawn_abort reads to EOF. */
	close(steal_fd(err_w));
	close(steal_fd(go_r));

	/* Rootless: the child asks for its maps before anything else. */
	if (p->rootless && p->join_pidfd < 0 && (r = await_map_request(sp)) == 0 &&
	    engine__idmap_write(&p->idmap, pid) < 0)
		r = engine__error_wrap("map the rootless user namespace");
	if (r == 0 && cg && !(args.flags & CLONE_INTO_CGROUP) && engine__cgroup_attach(cg, pid) < 0)
		r = engine__error_wrap("place the container in its cgroup");
	/* Its network namespace exists now: wire it before the child goes on. */
	if (r == 0 && p->net && p->join_pidfd < 0 && engine__net_attach(p->net, sp->pid) < 0)
		r = engine__error_wrap("connect the container to its network");
	if (r == 0 && send(sp->go_w, "g", 1, MSG_NOSIGNAL) != 1)
		r = engine__error_errno(errno, "release the container process");
	/* An OCI bundle's hooks, while the child waits before pivot_root. */
	if (r == 0 && p->oci && p->oci->before_pivot && p->join_pidfd < 0) {
		char h;

		if (recv(sp->go_w, &h, 1, 0) != 1)
			r = engine__error_set(ENGINE_ERROR, 0,
					      "the container process died before its hooks could run");
		else if ((r = p->oci->before_pivot(p->oci->before_pivot_data, pid)) == 0 &&
			 send(sp->go_w, "g", 1, MSG_NOSIGNAL) != 1)
			r = engine__error_errno(errno, "release the container process");
	}
	/* The terminal comes before the user namespace handshake (child_main's order). */
	if (r == 0 && p->tty && engine__recv_console(sp->go_w, &sp->console) < 0)
		r = engine_error_last()->code;
	if (r == 0 && p->userns_count && p->join_pidfd < 0) {
		/* The child unshared its user namespace: map it, release it again. */
		if ((r = await_map_request(sp)) < 0)
			;
		else if (write_userns_maps(p, pid) < 0)
			r = engine__error_wrap("write user namespace maps");
		else if (send(sp->go_w, "g", 1, MSG_NOSIGNAL) != 1)
			r = engine__error_errno(errno, "release the container process");
	}
	return r < 0 ? spawn_abort(sp, r) : 0;
}

int engine__spawn_end(engine__plan *p, engine__spawning *sp, engine__proc *out, int *exit_code_out)
{
	engine__child_error rec;
	bool got_error = false;
	pid_t pid = sp->pid, joined = 0;
	int pidfd = sp->pidfd;
	ssize_t n;

	/* The process is the caller's through @out now, or reaped here. */
	sp->pidfd = -1;
	sp->pid = 0;
	if (exit_code_out)
		*exit_code_out = 0;
	close(sp->go_w);
	sp->go_w = -1;
	/* Records until EOF: the exec closed the last copy of the pipe. When
	 * joining, the forked command's error may come before the first child's
	 * pid record: read both, or the command stays an unreaped zombie that
	 * keeps the container's PID namespace (and its PID 1) from dying. */
	for (;;) {
		engine__child_error tmp;

		n = read(sp->err_r, &tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(tmp))
			break;
		if (tmp.exit_code == -1) {
			joined = (pid_t)tmp.sys_errno;
		} else if (!got_error) {
			rec = tmp;
			got_error = true;
			if (p->join_pidfd < 0)
				break;
		}
	}
	engine__spawning_close(sp);
	if (p->join_pidfd >= 0) {
		/* The first child only forked the real one. */
		waitpid(pid, NULL, __WALL);
		close(pidfd);
		pidfd = -1;
		pid = joined;
		if (pid > 0) {
			pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
			if (pidfd < 0 && !got_error) {
				int e = errno;

				kill(pid, SIGKILL);
				waitpid(pid, NULL, __WALL);
				return engine__error_errno(e, "pidfd_open %d", (int)pid);
			}
		}
	}
	if (got_error || pid <= 0)
		close_console(sp);
	if (got_error) {
		rec.message[sizeof(rec.message) - 1] = '\0';
		if (pid > 0)
			waitpid(pid, NULL, __WALL);
		if (pidfd >= 0)
			close(pidfd);
		if (exit_code_out)
			*exit_code_out = rec.exit_code;
		if (rec.exit_code == 127)
			return engine__error_set(ENGINE_ENOTFOUND, rec.sys_errno, "%s", rec.message);
		if (rec.exit_code == 126)
			return engine__error_set(ENGINE_EPERM, rec.sys_errno, "%s: %s", rec.message,
						 strerror(rec.sys_errno));
		return engine__error_errno(rec.sys_errno, "%s", rec.message);
	}
	if (pid <= 0)
		return engine__error_set(ENGINE_ERROR, 0, "the container process did not start");
	out->pid = pid;
	out->pidfd = pidfd;
	/* We stay its parent: its endpoints and port forwarder are ours now. */
	if (p->net && engine__net_started(p->net) < 0) {
		engine__error_saved saved;

		engine__error_save(&saved);
		syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
		waitpid(pid, NULL, __WALL);
		close(pidfd);
		close_console(sp);
		engine__error_restore(&saved);
		return engine__error_wrap("start networking");
	}
	out->console_fd = sp->console;
	sp->console = -1;
	return 0;
}

int engine__spawn(engine__plan *p, engine__cgroup *cg, engine__proc *out, int *exit_code_out)
{
	engine__spawning sp;
	int r;

	if (exit_code_out)
		*exit_code_out = 0;
	r = engine__spawn_begin(p, cg, &sp);
	return r < 0 ? r : engine__spawn_end(p, &sp, out, exit_code_out);
}
