/*
 * Exec instances (include/engine/exec.h): the configuration is kept until
 * the start, which builds the plan through engine__exec_plan (the same as
 * engine_container_exec) and spawns with pipes, the caller's fds, or a pty
 * the child opens in the container's devpts and hands back. The process is
 * the caller's child, so the instance reaps it through its pidfd; a lock
 * lets one thread wait while another pumps its stdio or inspects it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <engine/exec.h>

#include "core/abi.h"
#include "core/error.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "util/strv.h"

struct engine_exec {
	pthread_mutex_t lock;
	engine_container *c; /* a handle of our own */
	char **argv, **env;
	char *user, *working_dir;
	bool tty, open_stdin, privileged;
	uint16_t rows, cols;
	bool started, exited;
	pid_t pid;
	int pidfd;
	int exit_code;
	int fds[3]; /* the caller's ends: stdin's writer, stdout's and stderr's readers */
};

ENGINE_EXTERN int engine_exec_config_init(engine_exec_config *config, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_exec_config, config, version, ENGINE_EXEC_CONFIG_INIT);
}

ENGINE_EXTERN int engine_exec_start_options_init(engine_exec_start_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_exec_start_options, opts, version,
					  ENGINE_EXEC_START_OPTIONS_INIT);
}

ENGINE_EXTERN int engine_exec_state_init(engine_exec_state *state, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_exec_state, state, version, ENGINE_EXEC_STATE_INIT);
}

static char **strv_from_array(const engine_strarray *a)
{
	char **v = calloc(a->count + 1, sizeof(char *));

	for (size_t i = 0; v && i < a->count; i++) {
		if (!a->strings[i] || !(v[i] = strdup(a->strings[i]))) {
			engine__strv_free(v);
			return NULL;
		}
	}
	return v;
}

ENGINE_EXTERN int engine_exec_create(engine_container *c, const engine_exec_config *config, engine_exec **out)
{
	engine_exec_config cfg = ENGINE_EXEC_CONFIG_INIT;
	engine_exec *x;
	int r, status;

	if (!c || !config || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_exec_create: NULL argument");
	*out = NULL;
	if ((r = engine__abi_read(ENGINE__ABI(engine_exec_config), &cfg, config)) < 0)
		return r;
	if (!cfg.argv.count || !cfg.argv.strings || !cfg.argv.strings[0] || !*cfg.argv.strings[0])
		return engine__error_set(ENGINE_EINVALID, 0, "exec: no command given");
	if ((cfg.tty_rows == 0) != (cfg.tty_cols == 0) || cfg.tty_rows > UINT16_MAX ||
	    cfg.tty_cols > UINT16_MAX)
		return engine__error_set(ENGINE_EINVALID, 0,
					 "exec: terminal size %ux%u: give both, each 1 to 65535",
					 cfg.tty_rows, cfg.tty_cols);
	if ((r = engine_container_status_get(c, &status)) < 0)
		return r;
	if (status != ENGINE_STATUS_RUNNING)
		return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is %s", c->id,
					 status == ENGINE_STATUS_PAUSED
					     ? "paused, unpause the container before exec"
					     : "not running");
	x = calloc(1, sizeof(*x));
	if (!x)
		return engine__error_oom();
	pthread_mutex_init(&x->lock, NULL);
	x->pidfd = x->fds[0] = x->fds[1] = x->fds[2] = -1;
	x->exit_code = -1;
	x->tty = cfg.tty;
	x->open_stdin = cfg.open_stdin;
	x->privileged = cfg.privileged;
	x->rows = (uint16_t)cfg.tty_rows;
	x->cols = (uint16_t)cfg.tty_cols;
	x->argv = strv_from_array(&cfg.argv);
	x->env = strv_from_array(&cfg.env);
	if (!x->argv || !x->env || (cfg.user && !(x->user = strdup(cfg.user))) ||
	    (cfg.working_dir && !(x->working_dir = strdup(cfg.working_dir)))) {
		engine_exec_free(x);
		return engine__error_oom();
	}
	r = engine_container_open(c->ctx, c->id, &x->c);
	if (r < 0) {
		engine_exec_free(x);
		return r;
	}
	*out = x;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Pipes between the caller (x->fds) and the child (@owned, plan stdio). */
static int make_pipes(engine_exec *x, engine__plan *plan, int owned[3])
{
	for (int i = 0; i < 3; i++) {
		int p[2];

		if (i == 0 && !x->open_stdin)
			continue;
		if (pipe2(p, O_CLOEXEC) < 0)
			return engine__error_errno(errno, "create stdio pipe");
		owned[i] = p[i == 0 ? 0 : 1];
		x->fds[i] = p[i == 0 ? 1 : 0];
		plan->stdio_fd[i] = owned[i];
	}
	return 0;
}

static int stdio_prepare(engine_exec *x, const engine_exec_start_options *o, engine__plan *plan, int owned[3])
{
	int mode = o->detach ? ENGINE_STDIO_NULL : o->stdio;

	switch (mode) {
	case ENGINE_STDIO_DEFAULT:
		/* A TTY is the whole stdio: the master comes back from the child. */
		return x->tty ? 0 : make_pipes(x, plan, owned);
	case ENGINE_STDIO_NULL:
		return 0;
	case ENGINE_STDIO_INHERIT:
		if (x->tty)
			break;
		plan->stdio_fd[0] = x->open_stdin ? 0 : -1, plan->stdio_fd[1] = 1, plan->stdio_fd[2] = 2;
		return 0;
	case ENGINE_STDIO_FDS:
		if (x->tty)
			break;
		plan->stdio_fd[0] = x->open_stdin ? o->in_fd : -1;
		plan->stdio_fd[1] = o->out_fd;
		plan->stdio_fd[2] = o->err_fd;
		return 0;
	default:
		return engine__error_set(ENGINE_EINVALID, 0, "exec start: unknown stdio mode %d", mode);
	}
	return engine__error_set(
	    ENGINE_EINVALID, 0, "exec start: a TTY exec's stdio is its pty (ENGINE_STDIO_DEFAULT or detach)");
}

ENGINE_EXTERN int engine_exec_start(engine_exec *x, const engine_exec_start_options *opts)
{
	engine_exec_start_options o = ENGINE_EXEC_START_OPTIONS_INIT;
	engine__exec_req req;
	engine_strarray argv, env;
	engine__plan *plan = NULL;
	engine__cgroup *cg = NULL;
	engine__proc proc;
	int owned[3] = {-1, -1, -1}, r, exit_code = 0;

	if (!x)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_exec_start: NULL exec");
	if ((r = engine__abi_read(ENGINE__ABI(engine_exec_start_options), &o, opts)) < 0)
		return r;
	pthread_mutex_lock(&x->lock);
	if (x->started) {
		pthread_mutex_unlock(&x->lock);
		return engine__error_set(ENGINE_EBUSY, 0, "exec has already been started");
	}
	x->started = true;
	pthread_mutex_unlock(&x->lock);
	engine__strv_to_array(x->argv, &argv);
	engine__strv_to_array(x->env, &env);
	memset(&req, 0, sizeof(req));
	req.argv = &argv;
	req.env = &env;
	req.user = x->user;
	req.working_dir = x->working_dir;
	req.tty = x->tty;
	req.privileged = x->privileged;
	req.tty_rows = x->rows;
	req.tty_cols = x->cols;
	r = engine__exec_plan(x->c, &req, &plan, &cg);
	if (r == 0)
		r = stdio_prepare(x, &o, plan, owned);
	if (r == 0)
		r = engine__spawn(plan, cg, &proc, &exit_code);
	engine__stdio_close(owned);
	if (plan)
		close(plan->join_pidfd);
	engine__plan_free(plan);
	engine__cgroup_free(cg);
	pthread_mutex_lock(&x->lock);
	if (r < 0) {
		for (int i = 0; i < 3; i++)
			close_fd(&x->fds[i]);
		/* Like docker: an exec whose command could not run has exited. */
		x->exited = true;
		x->exit_code = exit_code ? exit_code : 126;
	} else {
		x->pid = proc.pid;
		x->pidfd = proc.pidfd;
		if (proc.console_fd >= 0)
			x->fds[0] = x->fds[1] = proc.console_fd;
	}
	pthread_mutex_unlock(&x->lock);
	return r;
}

ENGINE_EXTERN int engine_exec_fd(const engine_exec *x, int stream)
{
	if (!x || stream < 0 || stream > 2)
		return -1;
	return x->fds[stream];
}

ENGINE_EXTERN int engine_exec_close_stdin(engine_exec *x)
{
	int r = 0;

	if (!x)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_exec_close_stdin: NULL exec");
	pthread_mutex_lock(&x->lock);
	if (x->tty && x->fds[0] >= 0) {
		struct termios t;
		char eof = 4; /* ctrl-d */

		if (tcgetattr(x->fds[0], &t) == 0 && t.c_cc[VEOF])
			eof = (char)t.c_cc[VEOF];
		if (write(x->fds[0], &eof, 1) < 0 && errno != EIO)
			r = engine__error_errno(errno, "write end-of-file to the exec's terminal");
	} else if (!x->tty) {
		close_fd(&x->fds[0]);
	}
	pthread_mutex_unlock(&x->lock);
	return r;
}

/* Reap the process if it exited; the caller holds the lock. */
static void reap_if_done(engine_exec *x, bool block)
{
	engine__proc proc = {.pid = x->pid, .pidfd = x->pidfd, .console_fd = -1};
	engine_run_result res;
	struct pollfd p = {.fd = x->pidfd, .events = POLLIN};

	if (!x->started || x->exited || x->pidfd < 0)
		return;
	if (!block && poll(&p, 1, 0) <= 0)
		return;
	memset(&res, 0, sizeof(res));
	x->exit_code = engine__proc_reap(&proc, &res) < 0 ? 255 : res.exit_code;
	x->exited = true;
}

ENGINE_EXTERN int engine_exec_resize(engine_exec *x, unsigned rows, unsigned cols)
{
	struct winsize ws;
	int r = 0;

	if (!x)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_exec_resize: NULL exec");
	if (!rows || !cols || rows > UINT16_MAX || cols > UINT16_MAX)
		return engine__error_set(ENGINE_EINVALID, 0, "resize: bad terminal size %ux%u", rows, cols);
	pthread_mutex_lock(&x->lock);
	reap_if_done(x, false);
	if (!x->tty)
		r = engine__error_set(ENGINE_EINVALID, 0, "resize: the exec has no TTY");
	else if (!x->started || x->exited || x->fds[1] < 0)
		r = engine__error_set(ENGINE_EBUSY, 0, "resize: the exec is not running");
	if (r == 0) {
		memset(&ws, 0, sizeof(ws));
		ws.ws_row = (unsigned short)rows;
		ws.ws_col = (unsigned short)cols;
		if (ioctl(x->fds[1], TIOCSWINSZ, &ws) < 0)
			r = engine__error_errno(errno, "resize the exec's terminal");
	}
	pthread_mutex_unlock(&x->lock);
	return r;
}

ENGINE_EXTERN int engine_exec_kill(engine_exec *x, int sig)
{
	int r = 0;

	if (!x)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_exec_kill: NULL exec");
	pthread_mutex_lock(&x->lock);
	reap_if_done(x, false);
	if (!x->started || x->exited)
		r = engine__error_set(ENGINE_EBUSY, 0, "the exec is not running");
	else if (syscall(SYS_pidfd_send_signal, x->pidfd, sig, NULL, 0) < 0)
		r = engine__error_errno(errno, "signal %d to the exec", sig);
	pthread_mutex_unlock(&x->lock);
	return r;
}

ENGINE_EXTERN int engine_exec_inspect(engine_exec *x, engine_exec_state *out)
{
	engine_exec_state st = ENGINE_EXEC_STATE_INIT;
	int r;

	if (!x || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_exec_inspect: NULL argument");
	if ((r = engine__abi_check(ENGINE__ABI(engine_exec_state), out->version)) < 0)
		return r;
	pthread_mutex_lock(&x->lock);
	reap_if_done(x, false);
	st.started = x->started;
	st.running = x->started && !x->exited;
	st.pid = x->pid;
	st.exit_code = x->exited ? x->exit_code : -1;
	st.tty = x->tty;
	pthread_mutex_unlock(&x->lock);
	return engine__abi_write(ENGINE__ABI(engine_exec_state), out, &st);
}

ENGINE_EXTERN int engine_exec_wait(engine_exec *x, double timeout, int *exit_code)
{
	double deadline = timeout >= 0 ? engine__now() + timeout : 0;

	if (!x)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_exec_wait: NULL exec");
	for (;;) {
		struct pollfd p;
		int ms = -1, n;

		pthread_mutex_lock(&x->lock);
		if (!x->started) {
			pthread_mutex_unlock(&x->lock);
			return engine__error_set(ENGINE_EINVALID, 0, "exec wait: the exec was not started");
		}
		reap_if_done(x, false);
		if (x->exited) {
			if (exit_code)
				*exit_code = x->exit_code;
			pthread_mutex_unlock(&x->lock);
			return 0;
		}
		p = (struct pollfd){.fd = x->pidfd, .events = POLLIN};
		pthread_mutex_unlock(&x->lock);
		if (timeout >= 0) {
			double left = deadline - engine__now();

			if (left <= 0)
				return engine__error_set(ENGINE_ETIMEOUT, 0,
							 "exec still running after %.1f s", timeout);
			ms = (int)(left * 1000) + 1;
		}
		n = poll(&p, 1, ms);
		if (n < 0 && errno != EINTR)
			return engine__error_errno(errno, "wait for the exec");
	}
}

ENGINE_EXTERN const char *engine_exec_container_id(const engine_exec *x)
{
	return x ? engine_container_id(x->c) : NULL;
}

ENGINE_EXTERN void engine_exec_free(engine_exec *x)
{
	if (!x)
		return;
	if (x->fds[1] == x->fds[0])
		x->fds[1] = -1; /* one pty master */
	for (int i = 0; i < 3; i++)
		close_fd(&x->fds[i]);
	close_fd(&x->pidfd);
	engine_container_free(x->c);
	engine__strv_free(x->argv);
	engine__strv_free(x->env);
	free(x->user);
	free(x->working_dir);
	pthread_mutex_destroy(&x->lock);
	free(x);
}
