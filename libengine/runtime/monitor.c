/*
 * Detached start: the caller prepares everything (plan, cgroup, the
 * container's stdio pipes, its log and attach socket), then forks a monitor
 * that double-forks away from it, spawns the container as its own child,
 * reports the start back over a pipe, and stays as the container's parent:
 * it relays the container's stdio (relay.c: the log, attachers, its pty
 * master), waits on the pidfd, records the exit status and OOM in
 * state.json, removes the cgroup, applies the restart policy (a fresh
 * cgroup, plan and stdio for every run, Docker's back-off between runs), and
 * removes the container when it was created with auto-remove. glibc's fork
 * keeps malloc usable in the child, and the monitor touches nothing the
 * caller's other threads might hold (the plan and cgroup handle are
 * ready-made for the first run; later runs are prepared in the monitor,
 * which is single-threaded).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "net/net.h"
#include "runtime/container_int.h"
#include "runtime/lifecycle.h"
#include "runtime/logfile.h"
#include "runtime/relay.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"
#include "util/lock.h"
#include "util/strv.h"

/* Docker's restart back-off: 100 ms, doubled per restart, at most a
 * minute, back to the start once a run lasted 10 seconds. */
#define BACKOFF_FIRST 0.1
#define BACKOFF_MAX 60.0
#define BACKOFF_RESET_AFTER 10.0

typedef struct report {
	int code;
	int sys_errno;
	int exit_code;
	char message[1024];
} report;

/* What one run of the container needs, prepared before its process exists. */
typedef struct launch {
	engine__cinfo ci;
	engine__plan *plan;
	engine__net_sandbox *net;
	engine__cgroup *cg;
	int owned[3]; /* the container's ends of its stdio (closed once it runs) */
	int out[2];   /* engine-owned stdio: our ends of its stdout/stderr pipes */
	int in;	      /* ... and of its stdin pipe (-1 without an open stdin) */
} launch;

/* What the monitor serves across runs, set up by the starter. */
typedef struct serve {
	int log_fd;    /* container.log, -1 when the stdio is not the engine's */
	int log_dirfd; /* its directory when it rotates (--log-opt max-size), or -1 */
	engine__log_policy log;
	int listen_fd; /* attach.sock */
	int *clients;  /* attachments and waiters queued before the start */
	size_t n_clients;
} serve;

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The engine owns the stdio of a container started with the default,
 * capture or log mode (and always with a tty): pipes (or the pty the child
 * allocates), relayed and logged by the monitor. */
static bool engine_stdio(const engine_spec *s, int mode)
{
	return s->tty || mode == ENGINE_STDIO_LOG;
}

/* Give back what one run held (its network endpoints included). */
static void launch_release(launch *l)
{
	engine__net_release(l->net);
	l->net = NULL;
	engine__stdio_close(l->owned);
	close_fd(&l->out[0]);
	close_fd(&l->out[1]);
	close_fd(&l->in);
	engine__plan_free(l->plan);
	l->plan = NULL;
	free(l->ci.dir);
	engine__strv_free(l->ci.layers);
	if (l->ci.config)
		json_object_put(l->ci.config);
	free(l->ci.image_id);
	memset(&l->ci, 0, sizeof(l->ci));
}

static int make_pipes(const engine_spec *s, launch *l)
{
	for (int i = 0; i < 3; i++) {
		int fds[2];

		if (i == 0 && !s->open_stdin)
			continue;
		if (pipe2(fds, O_CLOEXEC) < 0)
			return engine__error_errno(errno, "create stdio pipe");
		/* stdin: the container reads fds[0]; stdout/stderr: it writes fds[1]. */
		l->owned[i] = fds[i == 0 ? 0 : 1];
		if (i == 0)
			l->in = fds[1];
		else
			l->out[i - 1] = fds[0];
		l->plan->stdio_fd[i] = l->owned[i];
	}
	return 0;
}

/* Image layers, plan, stdio (@mode) and a fresh cgroup for one run. */
static int launch_prepare(engine_container *c, int mode, launch *l)
{
	engine__cgroup *stale = NULL;
	engine__cgroup_limits limits;
	engine_spec tmp;
	const char *image_id;
	int capture[2], r;

	memset(l, 0, sizeof(*l));
	l->owned[0] = l->owned[1] = l->owned[2] = -1;
	l->out[0] = l->out[1] = l->in = -1;
	tmp = *c->spec;
	/* The image the container was created from, even if the tag moved. */
	image_id = engine__json_get_string(c->config, "ImageID");
	if (image_id && *image_id)
		tmp.image = (char *)image_id;
	r = engine__cinfo_load_image(c->ctx, &tmp, &l->ci);
	if (r == 0)
		r = engine__plan_build(c->ctx, c->spec, l->ci.config, l->ci.layers, c->dir, c->id, &l->plan);
	if (r == 0 && c->spec->storage_tmpfs) {
		/* --storage-opt type=tmpfs: the writable layer in the child's mount
		 * namespace, sized, gone when the container stops. */
		cleanup_free char *dir = engine__path_join(c->dir, "tmpfs-layer");

		r = dir ? engine__plan_tmpfs_upper(c->ctx, c->spec, l->plan, l->ci.layers, dir)
			: ENGINE_ENOMEM;
	}
	if (r == 0)
		r = engine__net_prepare(c->ctx, c->spec, l->ci.config, c->id, c->name, l->plan->hostname,
					&l->net);
	if (r == 0)
		r = engine__plan_use_net(l->plan, l->net);
	if (r == 0)
		r = engine__plan_ns_join(c->ctx, l->plan, c->spec);
	if (r == 0 && engine_stdio(c->spec, mode))
		r = c->spec->tty ? 0 : make_pipes(c->spec, l);
	else if (r == 0)
		r = engine__stdio_setup(c->spec, mode, c->dir, l->plan, capture, l->owned);
	if (r < 0)
		goto release;
	/* A cgroup is never reused: OOM counters and page cache cannot be reset. */
	if (engine__cgroup_open(c->ctx, c->id, &stale) == 0)
		engine__cgroup_destroy(stale);
	engine_error_clear();
	engine__spec_limits(c->spec, &limits);
	r = engine__cgroup_create(c->ctx, c->id, &limits, &l->cg);
	if (r == 0)
		return 0;
release:
	launch_release(l);
	return r;
}

static void serve_release(serve *s)
{
	close_fd(&s->log_fd);
	close_fd(&s->log_dirfd);
	close_fd(&s->listen_fd);
	for (size_t i = 0; i < s->n_clients; i++)
		close(s->clients[i]);
	free(s->clients);
	s->clients = NULL;
	s->n_clients = 0;
}

/* The log, the attach socket and the connections queued for this start. */
static int serve_prepare(engine_container *c, int mode, serve *s)
{
	s->log_fd = s->log_dirfd = s->listen_fd = -1;
	s->clients = NULL;
	s->n_clients = 0;
	if (engine__log_policy_get(c->spec->log_driver, c->spec->log_opts, &s->log) < 0)
		return engine_error_last()->code;
	if (engine_stdio(c->spec, mode)) {
		cleanup_free char *log = engine__path_join(c->dir, ENGINE__LOG_FILE);

		if (!log)
			return ENGINE_ENOMEM;
		s->log_fd = open(log, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (s->log_fd < 0)
			return engine__error_errno(errno, "open log %s", log);
		if (s->log.max_size > 0 &&
		    (s->log_dirfd = open(c->dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			return engine__error_errno(errno, "open %s", c->dir);
	}
	s->listen_fd = engine__relay_listen(c->dir);
	if (s->listen_fd < 0)
		return s->listen_fd;
	return engine__attach_take_pending(c->ctx, c->id, &s->clients, &s->n_clients);
}

static void unlink_socket(engine_container *c)
{
	cleanup_free char *sock = engine__path_join(c->dir, ENGINE__RELAY_SOCK);

	if (sock)
		unlink(sock);
}

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

/* Record a running process in state.json. A @fresh start (its starter
 * holds the container's lock until our report) starts the record anew; a
 * restart keeps what the lifecycle set (manual stop) and counts itself. */
static int record_running(engine_container *c, const engine__proc *proc, bool fresh)
{
	cleanup_close int lock = fresh ? -EBADF : engine__container_lock(c->ctx, c->id);
	engine__cstate st;

	if (fresh || engine__state_read(c->dir, &st) < 0) {
		memset(&st, 0, sizeof(st));
	} else {
		st.restart_count++;
		st.error[0] = '\0';
	}
	strcpy(st.status, "running");
	st.pid = proc->pid;
	st.pid_start = engine__proc_start_time(proc->pid);
	st.monitor = getpid();
	st.monitor_start = engine__proc_start_time(st.monitor);
	st.started_ns = engine__realtime_ns();
	st.finished_ns = fresh ? 0 : st.finished_ns;
	return engine__state_write(c->dir, &st);
}

/* Record the end of a run (@res), or a start that failed (@error). */
static void record_exit(engine_container *c, const engine_run_result *res, bool oom, const char *error,
			engine__cstate *st)
{
	cleanup_close int lock = engine__container_lock(c->ctx, c->id);

	if (engine__state_read(c->dir, st) < 0)
		memset(st, 0, sizeof(*st));
	strcpy(st->status, "exited");
	st->exit_code = res->exit_code;
	st->oom_killed = oom;
	st->finished_ns = engine__realtime_ns();
	st->pid = 0;
	snprintf(st->error, sizeof(st->error), "%.255s", error ? error : "");
	engine__state_write(c->dir, st);
	{
		char code[16];

		snprintf(code, sizeof(code), "%d", res->exit_code);
		engine__container_event(c, "die", "exitCode", code);
	}
}

static bool should_restart(const engine_spec *s, const engine__cstate *st)
{
	if (st->manual_stop || !s->restart[0] || strcmp(s->restart, "no") == 0)
		return false;
	if (strcmp(s->restart, "on-failure") == 0)
		return st->exit_code != 0 && (s->restart_max == 0 || st->restart_count < s->restart_max);
	return true; /* always, unless-stopped */
}

/* "restarting" for @delay seconds; false when a stop came meanwhile. */
static bool backoff(engine_container *c, double delay)
{
	double end = engine__now() + delay;
	engine__cstate st;

	{
		cleanup_close int lock = engine__container_lock(c->ctx, c->id);

		if (engine__state_read(c->dir, &st) < 0 || st.manual_stop)
			return false;
		strcpy(st.status, "restarting");
		engine__state_write(c->dir, &st);
	}
	while (engine__now() < end) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		nanosleep(&ts, NULL);
		if (engine__state_read(c->dir, &st) < 0 || st.manual_stop)
			return false;
	}
	return true;
}

static void kill_run(engine__cgroup *cg, int pidfd)
{
	/* PID 1 dying takes its whole PID namespace with it. */
	engine__cgroup_kill(cg, SIGKILL);
	syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

/* Relay the run's stdio until it ends (killing it at the spec's timeout). */
static void wait_exit(engine__relay *relay, launch *l, engine__proc *proc, engine_run_result *res)
{
	memset(res, 0, sizeof(*res));
	while (engine__relay_run(relay) == 1)
		kill_run(l->cg, proc->pidfd);
	if (engine__proc_reap(proc, res) < 0)
		res->exit_code = 255;
}

/* The relay's view of a run: the process and the stdio the engine owns. */
static void relay_config(engine_container *c, launch *l, const engine__proc *proc, int listen_fd,
			 engine__relay_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->out_fd[0] = l->out[0];
	cfg->out_fd[1] = l->out[1];
	cfg->in_fd = l->in;
	cfg->tty = proc->console_fd >= 0;
	if (cfg->tty) {
		cfg->out_fd[0] = proc->console_fd;
		cfg->in_fd = c->spec->open_stdin ? proc->console_fd : -1;
	}
	cfg->stdin_once = c->spec->stdin_once;
	cfg->listen_fd = listen_fd;
	cfg->pidfd = proc->pidfd;
	cfg->timeout = c->spec->timeout;
	cfg->log_fd = cfg->log_dirfd = -1;
	/* Handed over to the relay. */
	l->out[0] = l->out[1] = l->in = -1;
}

/* The runs after the first: the engine's stdio (the starter's fds belong
 * to the first run only). */
static int restart_mode(const engine_spec *s)
{
	return s->stdio == ENGINE_STDIO_NULL ? ENGINE_STDIO_NULL : ENGINE_STDIO_LOG;
}

/* Close what the caller left inheritable (no FD_CLOEXEC: its pipes, a
 * terminal, a client's socket, fds it meant for a child it execs): the
 * monitor outlives the caller, and whoever reads their other end waits for
 * every copy to close. The library's own fds are all close-on-exec; the
 * context's log fd is the caller's but still ours to write to. */
static void close_inherited(int keep)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int fds[256];
	size_t n = 0;

	if (!d)
		return;
	while ((e = readdir(d)) && n < sizeof(fds) / sizeof(fds[0])) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		int flags;

		if (*end || end == e->d_name || fd < 3 || fd == dirfd(d) || fd == keep)
			continue;
		flags = fcntl((int)fd, F_GETFD);
		if (flags >= 0 && !(flags & FD_CLOEXEC))
			fds[n++] = (int)fd;
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

__attribute__((noreturn)) static void monitor_main(engine_container *c, launch *l, serve *srv, int report_fd,
						   int lock_fd)
{
	engine__relay_config cfg;
	engine__relay *relay = NULL;
	engine__proc proc;
	engine__cstate st;
	engine_run_result res;
	double delay = BACKOFF_FIRST;
	pid_t health = 0;
	int exit_code = 0, null_fd;
	bool failed = false, oom;
	char error[256] = "";

	/* Our copy of the starter's lock must not outlive its own, nor those of
	 * the locks other threads of the starter's process held at the fork. */
	close(lock_fd);
	engine__lock_drop_inherited();
	engine__context_forked(c->ctx);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (engine__spawn(l->plan, l->cg, &proc, &exit_code) < 0) {
		send_report(report_fd, engine_error_last()->code, exit_code);
		_exit(1);
	}
	engine__stdio_close(l->owned);
	relay_config(c, l, &proc, srv->listen_fd, &cfg);
	cfg.log_fd = srv->log_fd;
	cfg.log_dirfd = srv->log_dirfd;
	cfg.log_max_size = srv->log.max_size;
	cfg.log_max_files = srv->log.max_files;
	cfg.clients = srv->clients;
	cfg.n_clients = srv->n_clients;
	if (engine__relay_new(&cfg, &relay) < 0 || record_running(c, &proc, true) < 0) {
		siginfo_t si;

		kill_run(l->cg, proc.pidfd);
		waitid(P_PIDFD, (id_t)proc.pidfd, &si, WEXITED | __WALL);
		send_report(report_fd, engine_error_last()->code, 0);
		_exit(1);
	}
	/* The relay owns them now. */
	free(srv->clients);
	srv->clients = NULL;
	srv->n_clients = 0;
	srv->log_fd = srv->log_dirfd = srv->listen_fd = -1;
	/* "starting" is there before the caller hears of the start */
	engine__health_reset(c);
	send_report(report_fd, 0, 0);
	close(report_fd);
	/* Nobody reads the starter's stdio through us (think `ID=$(engine run -d ...)`). */
	null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int i = 0; i < 3 && null_fd >= 0; i++)
		dup2(null_fd, i);
	/* The container has its stdio (the caller's fds, in some stdio modes). */
	close_inherited(c->ctx->log_fd);
	/* the checker holds none of the caller's fds either */
	health = engine__health_start(c, proc.pidfd);

	for (;;) {
		double started = engine__now();
		engine__relay_exit ex;

		if (failed) {
			memset(&res, 0, sizeof(res));
			res.exit_code = exit_code;
		} else {
			wait_exit(relay, l, &proc, &res);
			engine__health_stop(health);
			health = 0;
			close(proc.pidfd);
		}
		/* A later start makes its own socket and cgroup (at the same
		 * path): ours must be gone before the state says it may start. */
		engine__relay_close_listener(relay);
		unlink_socket(c);
		oom = l->cg && engine__cgroup_oom_killed(l->cg);
		engine__cgroup_destroy(l->cg);
		l->cg = NULL;
		record_exit(c, &res, oom, failed ? error : NULL, &st);
		ex =
		    (engine__relay_exit){ENGINE__RELAY_MAGIC, st.exit_code, st.oom_killed, 0, st.finished_ns};
		/* Waiters of an auto-removed container hear the end after the removal. */
		engine__relay_finish(relay, &ex, c->spec->auto_remove);
		launch_release(l);
		if (!should_restart(c->spec, &st))
			break;
		delay = engine__now() - started >= BACKOFF_RESET_AFTER ? BACKOFF_FIRST : delay;
		if (!backoff(c, delay)) {
			record_exit(c, &res, st.oom_killed, failed ? error : NULL, &st);
			break;
		}
		delay = delay * 2 > BACKOFF_MAX ? BACKOFF_MAX : delay * 2;
		/* config.json may have changed (engine_container_update). */
		engine__container_reload(c);
		exit_code = 0;
		failed = launch_prepare(c, restart_mode(c->spec), l) < 0 ||
			 engine__spawn(l->plan, l->cg, &proc, &exit_code) < 0;
		if (failed) {
			snprintf(error, sizeof(error), "%.255s", engine_error_last()->message);
			exit_code = exit_code ? exit_code : 255;
			continue;
		}
		engine__stdio_close(l->owned);
		relay_config(c, l, &proc, engine__relay_listen(c->dir), &cfg);
		engine_error_clear();
		engine__relay_rearm(relay, &cfg);
		record_running(c, &proc, false);
		health = engine__health_start(c, proc.pidfd);
	}
	if (c->spec->auto_remove) {
		engine__rm_rf(c->dir);
		/* --rm takes the anonymous volumes along, as Docker's does */
		engine__mounts_release(c->ctx, c->spec, c->id, true);
	}
	/* Waiters see EOF now: the container is gone when it was auto-removed. */
	engine__relay_free(relay);
	_exit(0);
}

static int run_monitor(engine_container *c, launch *l, serve *srv, int lock_fd, int *exit_code)
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
		monitor_main(c, l, srv, fds[1], lock_fd);
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

static void drop_exit_waiter(engine_container *c, int fd, unsigned long token)
{
	if (fd < 0)
		return;
	engine__attach_unregister(c->ctx, token);
	close(fd);
}

ENGINE_EXTERN int engine_container_start(engine_container *c)
{
	cleanup_close int lock = -EBADF;
	engine__error_saved saved;
	engine__cstate st;
	launch l;
	serve srv;
	int mode, r, exit_code = 0, exit_fd = -1;
	unsigned long exit_token = 0;

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
	if (strcmp(st.status, "restarting") == 0)
		return engine__error_set(ENGINE_EBUSY, 0,
					 "container %.12s is restarting (its restart policy runs it again)",
					 c->id);
	/* An auto-removed container may be gone before its starter waits. */
	if (c->spec->auto_remove && (r = engine__wait_queue(c, &exit_fd, &exit_token)) < 0)
		return r;
	mode = c->spec->stdio;
	if (mode == ENGINE_STDIO_DEFAULT || mode == ENGINE_STDIO_CAPTURE)
		mode = ENGINE_STDIO_LOG;
	r = launch_prepare(c, mode, &l);
	if (r < 0) {
		drop_exit_waiter(c, exit_fd, exit_token);
		return r;
	}
	r = serve_prepare(c, mode, &srv);
	if (r == 0)
		r = run_monitor(c, &l, &srv, lock, &exit_code);
	if (r < 0) {
		engine__error_save(&saved);
		engine__cgroup_destroy(l.cg);
		if (srv.listen_fd >= 0)
			unlink_socket(c);
		/* Like Docker: a container whose command could not run has exited. */
		strcpy(st.status, exit_code ? "exited" : "created");
		st.exit_code = exit_code;
		if (exit_code)
			st.finished_ns = engine__realtime_ns();
		snprintf(st.error, sizeof(st.error), "%.255s", saved.message);
		engine__state_write(c->dir, &st);
		drop_exit_waiter(c, exit_fd, exit_token);
		engine__error_restore(&saved);
	} else {
		drop_exit_waiter(c, __atomic_exchange_n(&c->exit_fd, exit_fd, __ATOMIC_ACQ_REL), 0);
		engine__container_event(c, "start", NULL, NULL);
		engine__cgroup_free(l.cg);
		/* The monitor has its own copy of the network side and gives it back. */
		engine__net_sandbox_free(l.net);
		l.net = NULL;
	}
	serve_release(&srv);
	launch_release(&l);
	return r;
}
