/*
 * Detached start: the caller prepares everything (plan, cgroup, log files),
 * then forks a monitor that double-forks away from it, spawns the container
 * as its own child, reports the start back over a pipe, and stays as the
 * container's parent: it waits on the pidfd, records the exit status and OOM
 * in state.json, removes the cgroup, and removes the container when it was
 * created with auto-remove. glibc's fork keeps malloc usable in the child,
 * and the monitor touches nothing the caller's other threads might hold
 * (the plan and cgroup handle are ready-made).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/strv.h"

typedef struct report {
	int code;
	int sys_errno;
	int exit_code;
	char message[1024];
} report;

static void send_report(int fd, int code, int exit_code)
{
	report rep;

	memset(&rep, 0, sizeof(rep));
	rep.code = code;
	rep.exit_code = exit_code;
	if (code < 0) {
		rep.sys_errno = engine_error_last()->sys_errno;
		snprintf(rep.message, sizeof(rep.message), "%s", engine_error_last()->message);
	}
	if (write(fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep)) {
		/* the starter is gone: nothing to tell */
	}
}

__attribute__((noreturn)) static void monitor_main(engine_container *c, engine__plan *plan,
						   engine__cgroup *cg, int report_fd, int lock_fd,
						   int owned[3])
{
	engine__proc proc;
	engine__cstate st;
	engine_run_result res;
	siginfo_t si;
	int exit_code = 0, null_fd, lock;

	/* Our copy of the starter's lock must not outlive its own. */
	close(lock_fd);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (engine__spawn(plan, cg, &proc, &exit_code) < 0) {
		send_report(report_fd, engine_error_last()->code, exit_code);
		_exit(1);
	}
	engine__stdio_close(owned);
	memset(&st, 0, sizeof(st));
	strcpy(st.status, "running");
	st.pid = proc.pid;
	st.pid_start = engine__proc_start_time(proc.pid);
	st.monitor = getpid();
	st.monitor_start = engine__proc_start_time(st.monitor);
	st.started_ns = engine__realtime_ns();
	if (engine__state_write(c->dir, &st) < 0) {
		syscall(SYS_pidfd_send_signal, proc.pidfd, SIGKILL, NULL, 0);
		waitid(P_PIDFD, (id_t)proc.pidfd, &si, WEXITED | __WALL);
		send_report(report_fd, engine_error_last()->code, 0);
		_exit(1);
	}
	send_report(report_fd, 0, 0);
	close(report_fd);
	/* Nobody reads the starter's stdio through us (think `ID=$(engine run -d ...)`). */
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null_fd >= 0; i++)
		dup2(null_fd, i);

	memset(&res, 0, sizeof(res));
	if (c->spec->timeout > 0) {
		struct pollfd pfd = {.fd = proc.pidfd, .events = POLLIN};
		int r;

		do
			r = poll(&pfd, 1, (int)(c->spec->timeout * 1000));
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			engine__cgroup_kill(cg, SIGKILL);
			syscall(SYS_pidfd_send_signal, proc.pidfd, SIGKILL, NULL, 0);
		}
	}
	if (engine__proc_reap(&proc, &res) < 0)
		res.exit_code = 255;

	lock = engine__container_lock(c->ctx, c->id);
	if (engine__state_read(c->dir, &st) < 0) {
		memset(&st, 0, sizeof(st));
	}
	strcpy(st.status, "exited");
	st.exit_code = res.exit_code;
	st.oom_killed = engine__cgroup_oom_killed(cg);
	st.finished_ns = engine__realtime_ns();
	st.pid = 0;
	engine__state_write(c->dir, &st);
	engine__cgroup_destroy(cg);
	if (c->spec->auto_remove)
		engine__rm_rf(c->dir);
	if (lock >= 0)
		close(lock);
	_exit(0);
}

static int run_monitor(engine_container *c, engine__plan *plan, engine__cgroup *cg, int lock_fd, int owned[3],
		       int *exit_code)
{
	report rep;
	int fds[2];
	pid_t m;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return engine__error_errno(errno, "create monitor pipe");
	m = fork();
	if (m < 0) {
		close(fds[0]);
		close(fds[1]);
		return engine__error_errno(errno, "fork monitor");
	}
	if (m == 0) {
		pid_t m2;

		close(fds[0]);
		setsid();
		m2 = fork();
		if (m2 != 0)
			_exit(m2 < 0 ? 1 : 0);
		monitor_main(c, plan, cg, fds[1], lock_fd, owned);
	}
	close(fds[1]);
	while (waitpid(m, NULL, 0) < 0 && errno == EINTR)
		;
	do
		n = read(fds[0], &rep, sizeof(rep));
	while (n < 0 && errno == EINTR);
	close(fds[0]);
	if (n != (ssize_t)sizeof(rep))
		return engine__error_set(ENGINE_ERROR, 0,
					 "container monitor exited before starting the container");
	*exit_code = rep.exit_code;
	if (rep.code < 0) {
		rep.message[sizeof(rep.message) - 1] = '\0';
		return engine__error_set(rep.code, rep.sys_errno, "%s", rep.message);
	}
	return 0;
}

ENGINE_EXTERN int engine_container_start(engine_container *c)
{
	cleanup_close int lock = -EBADF;
	engine__cinfo ci;
	engine_spec tmp;
	engine__plan *plan = NULL;
	engine__cgroup *cg = NULL, *stale = NULL;
	engine__cgroup_limits limits;
	engine__error_saved saved;
	engine__cstate st;
	const char *image_id;
	int capture[2], owned[3] = {-1, -1, -1}, mode, r, exit_code = 0;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	lock = engine__container_lock(c->ctx, c->id);
	if (lock < 0)
		return lock;
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	if (strcmp(st.status, "running") == 0 || strcmp(st.status, "paused") == 0)
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is already running", c->id);

	memset(&ci, 0, sizeof(ci));
	tmp = *c->spec;
	/* The image the container was created from, even if the tag moved. */
	image_id = engine__json_get_string(c->config, "ImageID");
	if (image_id && *image_id)
		tmp.image = (char *)image_id;
	r = engine__cinfo_load_image(c->ctx, &tmp, &ci);
	if (r < 0)
		goto free_ci;
	r = engine__plan_build(c->ctx, c->spec, ci.config, ci.layers, c->dir, c->id, &plan);
	if (r < 0)
		goto free_ci;
	mode = c->spec->stdio;
	if (mode == ENGINE_STDIO_DEFAULT || mode == ENGINE_STDIO_CAPTURE)
		mode = ENGINE_STDIO_LOG;
	r = engine__stdio_setup(c->spec, mode, c->dir, plan, capture, owned);
	if (r < 0)
		goto close_stdio;
	if (engine__cgroup_open(c->ctx, c->id, &stale) == 0)
		engine__cgroup_destroy(stale);
	engine_error_clear();
	engine__spec_limits(c->spec, &limits);
	r = engine__cgroup_create(c->ctx, c->id, &limits, &cg);
	if (r < 0)
		goto close_stdio;
	r = run_monitor(c, plan, cg, lock, owned, &exit_code);
	if (r < 0) {
		engine__error_save(&saved);
		engine__cgroup_destroy(cg);
		/* Like Docker: a container whose command could not run has exited. */
		strcpy(st.status, exit_code ? "exited" : "created");
		st.exit_code = exit_code;
		snprintf(st.error, sizeof(st.error), "%.255s", saved.message);
		engine__state_write(c->dir, &st);
		engine__error_restore(&saved);
	} else {
		engine__cgroup_free(cg);
	}
close_stdio:
	engine__stdio_close(owned);
free_ci:
	engine__plan_free(plan);
	free(ci.dir);
	engine__strv_free(ci.layers);
	if (ci.config)
		json_object_put(ci.config);
	free(ci.image_id);
	return r;
}
