/*
 * Waiting for a container, Docker's three conditions (not-running,
 * next-exit, removed), with a deadline and a cancel fd. A running
 * container's monitor tells its waiters the exit status over the attach
 * socket (so the status survives an auto-remove) and hangs up when it is
 * done; a container that is not running is watched through its state file,
 * for a start by any process or its removal. Also the status enum.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/abi.h"
#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/relay.h"
#include "util/fs.h"

/* How often a container that is not running is looked at again. */
#define IDLE_POLL_MS 25

static const char *const status_names[] = {"created",  "running", "paused", "restarting",
					   "removing", "exited",  "dead"};

ENGINE_EXTERN const char *engine_status_name(int status)
{
	if (status < 0 || status >= (int)(sizeof(status_names) / sizeof(status_names[0])))
		return "unknown";
	return status_names[status];
}

ENGINE_EXTERN int engine_status_parse(const char *name, int *out)
{
	if (!name || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_status_parse: NULL argument");
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (strcmp(name, status_names[i]) == 0) {
			*out = (int)i;
			return 0;
		}
	return engine__error_set(ENGINE_EINVALID, 0, "invalid container status \"%s\"", name);
}

int engine__status_code(const char *status)
{
	int code = ENGINE_STATUS_DEAD;

	engine_status_parse(status, &code);
	engine_error_clear();
	return code;
}

ENGINE_EXTERN int engine_container_status_get(engine_container *c, int *out)
{
	engine__cstate st;
	int r;

	if (!c || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_status_get: NULL argument");
	if (!engine__path_exists(c->dir))
		return engine__error_set(ENGINE_ENOTFOUND, 0, "no such container: %.12s", c->id);
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	engine__state_refresh(&st);
	*out = engine__status_code(st.status);
	return 0;
}

ENGINE_EXTERN int engine_wait_options_init(engine_wait_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_wait_options, opts, version, ENGINE_WAIT_OPTIONS_INIT);
}

ENGINE_EXTERN int engine_wait_result_init(engine_wait_result *result, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_wait_result, result, version, ENGINE_WAIT_RESULT_INIT);
}

static bool running(const engine__cstate *st)
{
	return strcmp(st->status, "running") == 0 || strcmp(st->status, "paused") == 0;
}

/* Wait until @fd (may be -1) is readable, the cancel fd fires, or @ms pass.
 * 1: @fd is readable, 0: @ms passed, negative: cancelled or deadline. */
static int wait_event(int fd, int cancel_fd, int ms, double deadline, double timeout)
{
	struct pollfd pfd[2];
	int n = 0, r;

	if (deadline > 0) {
		double left = deadline - engine__now();
		int lms = left <= 0 ? 0 : (int)(left * 1000) + 1;

		if (ms < 0 || lms < ms)
			ms = lms;
	}
	if (fd >= 0)
		pfd[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
	if (cancel_fd >= 0)
		pfd[n++] = (struct pollfd){.fd = cancel_fd, .events = POLLIN};
	do
		r = poll(pfd, (nfds_t)n, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return engine__error_errno(errno, "poll");
	if (cancel_fd >= 0 && pfd[n - 1].revents)
		return engine__error_set(ENGINE_ECANCELED, 0, "wait cancelled");
	if (r == 0 && deadline > 0 && engine__now() >= deadline)
		return engine__error_set(ENGINE_ETIMEOUT, 0, "container still running after %gs", timeout);
	return fd >= 0 && pfd[0].revents ? 1 : 0;
}

/* Read a waiter's connection (its reply first when @need_rep): *@ex gets
 * the exit record. 1 once the monitor hung up: it is done, the state is
 * final and an auto-remove has happened. */
static int follow(int fd, bool need_rep, const engine_wait_options *o, double deadline,
		  engine__relay_exit *ex, bool *got_exit)
{
	char buf[sizeof(engine__relay_rep) + sizeof(engine__relay_exit)];
	size_t skip = need_rep ? sizeof(engine__relay_rep) : 0, got = 0;

	for (;;) {
		ssize_t n;
		int r = wait_event(fd, o->cancel_fd, -1, deadline, o->timeout);

		if (r < 0)
			return r;
		n = recv(fd, buf + got, skip + sizeof(*ex) - got, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 1;
		got += (size_t)n;
		if (got == skip + sizeof(*ex)) {
			memcpy(ex, buf + skip, sizeof(*ex));
			*got_exit = ex->magic == ENGINE__RELAY_MAGIC;
			got = skip = 0;
		}
	}
}

/* A waiter queued for the container's next start through this context:
 * the start hands it to the new monitor, so even a container that runs and
 * is removed between two looks at its state is not missed. */
int engine__wait_queue(engine_container *c, int *fd, unsigned long *token)
{
	engine__relay_req req = {ENGINE__RELAY_MAGIC, ENGINE__RELAY_WAIT, 0, 0, 0, 0, 0};
	int sp[2], r;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return engine__error_errno(errno, "create wait socket");
	if (send(sp[0], &req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req)) {
		r = engine__error_errno(errno, "queue the wait");
		goto fail;
	}
	r = engine__attach_register(c->ctx, c->id, sp[1], token);
	if (r < 0)
		goto fail;
	*fd = sp[0];
	return 0;
fail:
	close(sp[0]);
	close(sp[1]);
	return r;
}

ENGINE_EXTERN int engine_container_wait_until(engine_container *c, const engine_wait_options *opts,
					      engine_wait_result *out)
{
	engine_wait_options o = ENGINE_WAIT_OPTIONS_INIT;
	engine_wait_result res = ENGINE_WAIT_RESULT_INIT;
	engine__cstate st;
	int64_t first_finished;
	unsigned long token = 0;
	int queued = -1, r;
	double deadline;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	if ((r = engine__abi_read(ENGINE__ABI(engine_wait_options), &o, opts)) < 0)
		return r;
	opts = &o;
	if (out && (r = engine__abi_check(ENGINE__ABI(engine_wait_result), out->version)) < 0)
		return r;
	if (opts->condition < ENGINE_WAIT_NOT_RUNNING || opts->condition > ENGINE_WAIT_REMOVED)
		return engine__error_set(ENGINE_EINVALID, 0, "invalid wait condition %d", opts->condition);
	deadline = opts->timeout >= 0 ? engine__now() + opts->timeout : 0;
	/* Our start of an auto-removed container: its exit comes after the
	 * removal, so it answers every condition, even once it is gone. The
	 * first wait takes it (the handle may be shared between threads). */
	queued = __atomic_exchange_n(&c->exit_fd, -1, __ATOMIC_ACQ_REL);
	if (queued >= 0) {
		engine__relay_exit ex;
		bool got_exit = false;

		r = follow(queued, true, opts, deadline, &ex, &got_exit);
		if (r < 0) {
			__atomic_store_n(&c->exit_fd, queued, __ATOMIC_RELEASE);
			return r;
		}
		close(queued);
		queued = -1;
		if (got_exit) {
			res = (engine_wait_result){ENGINE_WAIT_RESULT_VERSION, ex.exit_code,
						   ex.oom_killed != 0, ex.finished_ns};
			return out ? engine__abi_write(ENGINE__ABI(engine_wait_result), out, &res) : 0;
		}
	}
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		return r;
	first_finished = st.finished_ns;
	for (;;) {
		bool gone = !engine__path_exists(c->dir), got_exit = false;
		engine__relay_exit ex;
		int fd = -1;

		if (!gone) {
			r = engine__state_read(c->dir, &st);
			if (r < 0)
				goto out;
			engine__state_refresh(&st);
			gone = !engine__path_exists(c->dir);
		}
		if (gone) {
			r = opts->condition == ENGINE_WAIT_REMOVED
				? 0
				: engine__error_set(ENGINE_ENOTFOUND, 0, "no such container: %.12s", c->id);
			goto out;
		}
		res = (engine_wait_result){ENGINE_WAIT_RESULT_VERSION, st.exit_code, st.oom_killed,
					   st.finished_ns};
		if (!running(&st)) {
			if (opts->condition == ENGINE_WAIT_NOT_RUNNING ||
			    (opts->condition == ENGINE_WAIT_NEXT_EXIT && st.finished_ns != first_finished)) {
				r = 0;
				goto out;
			}
			/* Waiting for a start (next-exit) or a removal. */
			if (queued < 0) {
				r = engine__wait_queue(c, &queued, &token);
				if (r < 0)
					goto out;
			}
			r = wait_event(queued, opts->cancel_fd, IDLE_POLL_MS, deadline, opts->timeout);
			if (r < 0)
				goto out;
			if (r == 0)
				continue;
			/* A start of ours took the queued waiter. */
			fd = queued;
			queued = -1;
			token = 0;
			r = follow(fd, true, opts, deadline, &ex, &got_exit);
		} else {
			if (queued >= 0 && !engine__attach_unregister(c->ctx, token)) {
				fd = queued;
				r = follow(fd, true, opts, deadline, &ex, &got_exit);
			} else {
				engine__relay_req req = {
				    ENGINE__RELAY_MAGIC, ENGINE__RELAY_WAIT, 0, 0, 0, 0, 0};
				engine__relay_rep rep;

				if (queued >= 0)
					close(queued);
				fd = engine__relay_open(c->dir, &req, &rep);
				if (fd < 0 && engine_error_last()->code != ENGINE_ENOTFOUND) {
					r = fd;
					goto out;
				}
				engine_error_clear();
				r = fd < 0 ? 0 : follow(fd, false, opts, deadline, &ex, &got_exit);
			}
			queued = -1;
			token = 0;
		}
		if (fd >= 0)
			close(fd);
		if (r < 0)
			goto out;
		if (got_exit) {
			res = (engine_wait_result){ENGINE_WAIT_RESULT_VERSION, ex.exit_code,
						   ex.oom_killed != 0, ex.finished_ns};
			if (opts->condition != ENGINE_WAIT_REMOVED) {
				r = 0;
				goto out;
			}
		}
		if (!got_exit) {
			/* No monitor although the state says running: it is being
			 * started or has just died; the state settles it. */
			r = wait_event(-1, opts->cancel_fd, IDLE_POLL_MS, deadline, opts->timeout);
			if (r < 0)
				goto out;
		}
	}
out:
	if (queued >= 0) {
		engine__attach_unregister(c->ctx, token);
		close(queued);
	}
	if (r == 0 && out)
		r = engine__abi_write(ENGINE__ABI(engine_wait_result), out, &res);
	return r;
}

ENGINE_EXTERN int engine_container_wait(engine_container *c, double timeout, int *exit_code)
{
	engine_wait_options o = ENGINE_WAIT_OPTIONS_INIT;
	engine_wait_result res = ENGINE_WAIT_RESULT_INIT;
	int r;

	o.timeout = timeout < 0 ? -1 : timeout;
	r = engine_container_wait_until(c, &o, &res);
	if (r == 0 && exit_code)
		*exit_code = res.exit_code;
	return r;
}
