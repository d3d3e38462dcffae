/*
 * OCI hooks: each one a fork and exec of its path with its args and env,
 * the container's state JSON on its stdin, its stdout and stderr the
 * runtime's, within its timeout. createContainer and startContainer hooks
 * run in the container's namespaces (joined through a pidfd of its
 * process before the exec); the others in the runtime's. Everything the
 * forked child uses is prepared before the fork: the caller may have
 * threads.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "oci/oci.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/json.h"
#include "util/strv.h"

static int run_one(json_object *hook, const char *name, size_t idx, const char *state, pid_t ns_pid)
{
	cleanup_strv char **argv = NULL, **env = NULL;
	const char *path = engine__json_get_string(hook, "path");
	int64_t timeout = engine__json_get_int(hook, "timeout", 0);
	int in[2], pidfd = -1, nsfd = -1, status = 0, r;
	siginfo_t si;
	pid_t pid;

	if (engine__json_to_strv(engine__json_get_type(hook, "args", json_type_array), &argv) < 0 ||
	    engine__json_to_strv(engine__json_get_type(hook, "env", json_type_array), &env) < 0)
		return engine_error_last()->code;
	if (!argv[0] && engine__strv_push(&argv, path) < 0)
		return ENGINE_ENOMEM;
	if (ns_pid > 0 && (nsfd = (int)syscall(SYS_pidfd_open, ns_pid, 0)) < 0)
		return engine__error_errno(errno, "hook %s[%zu]: the container's process", name, idx);
	if (pipe2(in, O_CLOEXEC) < 0) {
		r = engine__error_errno(errno, "hook %s[%zu]: pipe", name, idx);
		goto close_ns;
	}
	pid = fork();
	if (pid < 0) {
		r = engine__error_errno(errno, "hook %s[%zu]: fork", name, idx);
		close(in[0]);
		close(in[1]);
		goto close_ns;
	}
	if (pid == 0) {
		/* The container's mount, uts, ipc, net and cgroup namespaces;
		 * joining one we are already in is fine. */
		if (nsfd >= 0 && setns(nsfd, CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET |
						 CLONE_NEWCGROUP) < 0)
			_exit(126);
		if (dup2(in[0], 0) < 0)
			_exit(126);
		execve(path, argv, env);
		_exit(127);
	}
	close(in[0]);
	/* A hook that does not read its stdin must not block us: ignore EPIPE. */
	{
		size_t len = strlen(state), off = 0;
		struct sigaction ign = {.sa_handler = SIG_IGN}, old;

		sigaction(SIGPIPE, &ign, &old);
		while (off < len) {
			ssize_t w = write(in[1], state + off, len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		sigaction(SIGPIPE, &old, NULL);
	}
	close(in[1]);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (timeout > 0 && pidfd >= 0) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		int n;

		do
			n = poll(&pfd, 1, (int)(timeout * 1000));
		while (n < 0 && errno == EINTR);
		if (n == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(pidfd);
			r = engine__error_set(ENGINE_ETIMEOUT, 0, "hook %s[%zu] %s: timed out after %llds",
					      name, idx, path, (long long)timeout);
			goto close_ns;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	memset(&si, 0, sizeof(si));
	while (waitid(P_PID, (id_t)pid, &si, WEXITED) < 0 && errno == EINTR)
		;
	status = si.si_status;
	r = 0;
	if (si.si_code != CLD_EXITED)
		r = engine__error_set(ENGINE_ERROR, 0, "hook %s[%zu] %s: killed by signal %d", name, idx,
				      path, status);
	else if (status == 127 || status == 126)
		r = engine__error_set(ENGINE_ENOTFOUND, 0,
				      "hook %s[%zu] %s: could not be executed (status %d)", name, idx, path,
				      status);
	else if (status != 0)
		r = engine__error_set(ENGINE_ERROR, 0, "hook %s[%zu] %s: exit status %d", name, idx, path,
				      status);
close_ns:
	if (nsfd >= 0)
		close(nsfd);
	return r;
}

int engine__oci_hooks_run(json_object *hooks, const char *name, const char *state, pid_t ns_pid)
{
	json_object *list = hooks ? engine__json_get_type(hooks, name, json_type_array) : NULL;
	int r;

	for (size_t i = 0; list && i < json_object_array_length(list); i++)
		if ((r = run_one(json_object_array_get_idx(list, i), name, i, state, ns_pid)) < 0)
			return r;
	return 0;
}

void engine__oci_hooks_run_all(engine_context *ctx, json_object *hooks, const char *name, const char *state)
{
	json_object *list = hooks ? engine__json_get_type(hooks, name, json_type_array) : NULL;

	for (size_t i = 0; list && i < json_object_array_length(list); i++)
		if (run_one(json_object_array_get_idx(list, i), name, i, state, 0) < 0)
			engine__log(ctx, ENGINE_LOG_WARN, "oci: %s", engine_error_last()->message);
	engine_error_clear();
}
