/*
 * Exec endpoints: create (validated, kept in the daemon's table under a
 * new ID), start (an upgraded connection, or detached), inspect. The
 * process runs through engine_container_exec() with pipes for its stdio;
 * one pump loop frames its output and feeds the client's stdin.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"

struct dexec {
	struct dexec *next;
	char id[65];
	char container[65];
	engine_strarray cmd, env;
	char *user, *workdir;
	bool attach_stdin, attach_stdout, attach_stderr, tty, privileged;
	bool started, running;
	int exit_code;
	bool has_exit;
};

static struct dexec *find_exec(struct daemon *d, const char *id)
{
	for (struct dexec *x = d->execs; x; x = x->next)
		if (strcmp(x->id, id) == 0 || (strlen(id) >= 12 && strncmp(x->id, id, strlen(id)) == 0))
			return x;
	return NULL;
}

static void random_id(char out[65])
{
	unsigned char b[32];
	FILE *f = fopen("/dev/urandom", "re");

	if (!f || fread(b, 1, 32, f) != 32)
		for (int i = 0; i < 32; i++)
			b[i] = (unsigned char)(rand() & 0xff);
	if (f)
		fclose(f);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static bool jbool(json_object *o, const char *k)
{
	json_object *v;

	return o && json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static int jstrv(hs_request *req, json_object *o, const char *k, engine_strarray *out)
{
	json_object *v;

	out->strings = NULL;
	out->count = 0;
	if (!json_object_object_get_ex(o, k, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		out->strings = calloc(2, sizeof(char *));
		out->strings[0] = strdup(json_object_get_string(v));
		out->count = 1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array)) {
		hs_reply_error(req, 400, "%s: expected an array of strings", k);
		return -1;
	}
	out->count = json_object_array_length(v);
	out->strings = calloc(out->count + 1, sizeof(char *));
	for (size_t i = 0; i < out->count; i++) {
		json_object *s = json_object_array_get_idx(v, i);

		if (!json_object_is_type(s, json_type_string)) {
			engine_strarray_dispose(out);
			hs_reply_error(req, 400, "%s: expected an array of strings", k);
			return -1;
		}
		out->strings[i] = strdup(json_object_get_string(s));
	}
	return 0;
}

static void exec_create(hs_request *req, void *app)
{
	static const char *const keys[] = {
	    "User",	  "Privileged", "Tty",	      "AttachStdin", "AttachStderr", "AttachStdout", "Detach",
	    "DetachKeys", "Env",	"WorkingDir", "Cmd",	     "ConsoleSize",  "Container",    NULL};
	struct daemon *d = app;
	struct dctx *dc = dctx_get(d);
	engine_container *c = NULL;
	json_object *body = NULL, *v;
	struct dexec *x = NULL;

	if (hs_body_json(req, &body) < 0)
		goto out;
	if (!body || !json_object_is_type(body, json_type_object)) {
		hs_reply_error(req, 400, "exec config: expected a JSON object in the request body");
		goto out;
	}
	json_object_object_foreach(body, k, unused)
	{
		bool ok = false;

		(void)unused;
		for (size_t i = 0; keys[i]; i++)
			ok = ok || strcmp(keys[i], k) == 0;
		if (!ok) {
			hs_reply_error(req, 400, "unknown field \"%s\" in the exec config", k);
			goto out;
		}
	}
	c = open_container_param(req, dc->ctx);
	if (!c)
		goto out;
	if (strcmp(engine_container_status(c), "running") != 0) {
		hs_reply_error(req, 409, "Container %s is %s", engine_container_id(c),
			       strcmp(engine_container_status(c), "paused") == 0
				   ? "paused, unpause the container before exec"
				   : "not running");
		goto out;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		hs_reply_error(req, 500, "out of memory");
		goto out;
	}
	if (jstrv(req, body, "Cmd", &x->cmd) < 0 || jstrv(req, body, "Env", &x->env) < 0)
		goto out;
	if (x->cmd.count == 0) {
		hs_reply_error(req, 400, "No exec command specified");
		goto out;
	}
	x->tty = jbool(body, "Tty");
	if (x->tty) {
		hs_reply_error(req, 501, "Tty: terminals are not available through the daemon yet");
		goto out;
	}
	x->privileged = jbool(body, "Privileged");
	if (x->privileged) {
		hs_reply_error(req, 400, "Privileged: not supported by this engine");
		goto out;
	}
	x->attach_stdin = jbool(body, "AttachStdin");
	x->attach_stdout = jbool(body, "AttachStdout");
	x->attach_stderr = jbool(body, "AttachStderr");
	if (json_object_object_get_ex(body, "User", &v) && json_object_get_string(v) &&
	    *json_object_get_string(v))
		x->user = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(body, "WorkingDir", &v) && json_object_get_string(v) &&
	    *json_object_get_string(v))
		x->workdir = strdup(json_object_get_string(v));
	random_id(x->id);
	snprintf(x->container, sizeof(x->container), "%s", engine_container_id(c));
	pthread_mutex_lock(&d->lock);
	x->next = d->execs;
	d->execs = x;
	pthread_mutex_unlock(&d->lock);
	events_emit("container", "exec_create", x->container, "execID", x->id, NULL);
	{
		json_object *o = json_object_new_object();

		json_object_object_add(o, "Id", json_object_new_string(x->id));
		hs_reply_json(req, 201, o);
	}
	x = NULL;
out:
	if (x) {
		engine_strarray_dispose(&x->cmd);
		engine_strarray_dispose(&x->env);
		free(x->user);
		free(x->workdir);
		free(x);
	}
	if (body)
		json_object_put(body);
	engine_container_free(c);
	dctx_put(d, dc);
}

/* --- running -------------------------------------------------------------------- */

struct exec_job {
	struct daemon *d;
	struct dexec *x;
	struct dctx *dc;
	int in[2], out[2], err[2];
	int code;
	char errmsg[1024 + 2];
	pthread_t th;
};

static void *exec_thread(void *arg)
{
	struct exec_job *j = arg;
	engine_exec_options opts = ENGINE_EXEC_OPTIONS_INIT;
	engine_container *c = NULL;
	engine_run_result *res = NULL;
	int r;

	opts.argv = j->x->cmd;
	opts.env = j->x->env;
	opts.user = j->x->user;
	opts.working_dir = j->x->workdir;
	opts.stdio = ENGINE_STDIO_FDS;
	opts.in_fd = j->in[0];
	opts.out_fd = j->out[1];
	opts.err_fd = j->err[1];
	r = engine_container_open(j->dc->ctx, j->x->container, &c);
	if (r == 0)
		r = engine_container_exec(c, &opts, &res);
	if (r < 0)
		snprintf(j->errmsg, sizeof(j->errmsg) - 2, "OCI runtime exec failed: %s",
			 engine_error_last()->message);
	j->code = res ? res->exit_code : (r == ENGINE_ENOTFOUND ? 127 : 126);
	engine_run_result_free(res);
	engine_container_free(c);
	/* Our copies of the child's ends: the pump sees EOF once it is gone. */
	if (j->in[0] >= 0)
		close(j->in[0]);
	close(j->out[1]);
	close(j->err[1]);
	j->in[0] = j->out[1] = j->err[1] = -1;
	return NULL;
}

static void job_free(struct exec_job *j)
{
	int *fds[] = {&j->in[0], &j->in[1], &j->out[0], &j->out[1], &j->err[0], &j->err[1]};

	for (size_t i = 0; i < 6; i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
	dctx_put(j->d, j->dc);
	free(j);
}

static void finish(struct exec_job *j)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", j->code);
	events_emit("container", "exec_die", j->x->container, "execID", j->x->id, "exitCode", num, NULL);
	pthread_mutex_lock(&j->d->lock);
	j->x->running = false;
	j->x->exit_code = j->code;
	j->x->has_exit = true;
	pthread_cond_broadcast(&j->d->cond);
	pthread_mutex_unlock(&j->d->lock);
}

/* Frame the output to @sock, feed @sock's bytes to stdin, until the
 * process's output closes. */
static void pump(struct exec_job *j, int sock, const char *extra, size_t extra_len)
{
	char buf[32768 + 8], pending[32768];
	size_t plen = 0, poff = 0;
	bool sock_eof = !j->x->attach_stdin, out_eof = false, err_eof = false, client_gone = false;

	if (j->in[1] >= 0)
		fcntl(j->in[1], F_SETFL, O_NONBLOCK);
	if (extra_len && j->in[1] >= 0) {
		plen = extra_len < sizeof(pending) ? extra_len : sizeof(pending);
		memcpy(pending, extra, plen);
	}
	while (!out_eof || !err_eof) {
		struct pollfd p[4];
		int n = 0, io = -1, ie = -1, is = -1, iw = -1;

		if (!out_eof)
			io = n, p[n++] = (struct pollfd){.fd = j->out[0], .events = POLLIN};
		if (!err_eof)
			ie = n, p[n++] = (struct pollfd){.fd = j->err[0], .events = POLLIN};
		if (!client_gone && !sock_eof && plen == 0)
			is = n, p[n++] = (struct pollfd){.fd = sock, .events = POLLIN};
		if (plen > 0 && j->in[1] >= 0)
			iw = n, p[n++] = (struct pollfd){.fd = j->in[1], .events = POLLOUT};
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int s = 0; s < 2; s++) {
			int idx = s ? ie : io, fd = s ? j->err[0] : j->out[0];
			ssize_t r;

			if (idx < 0 || !p[idx].revents)
				continue;
			r = read(fd, buf + 8, sizeof(buf) - 8);
			if (r <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				*(s ? &err_eof : &out_eof) = true;
				continue;
			}
			if (client_gone || !(s ? j->x->attach_stderr : j->x->attach_stdout))
				continue;
			frame_header((unsigned char *)buf, s + 1, (size_t)r);
			if (hs_write_all(sock, buf, (size_t)r + 8) < 0)
				client_gone = true;
		}
		if (is >= 0 && p[is].revents) {
			ssize_t r = read(sock, pending, sizeof(pending));

			if (r > 0) {
				plen = (size_t)r;
				poff = 0;
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				sock_eof = true;
				/* The client's half-close is stdin's EOF. */
				if (j->in[1] >= 0) {
					close(j->in[1]);
					j->in[1] = -1;
				}
			}
		}
		if (iw >= 0 && p[iw].revents) {
			ssize_t w = write(j->in[1], pending + poff, plen - poff);

			if (w > 0) {
				poff += (size_t)w;
				if (poff == plen)
					plen = poff = 0;
			} else if (w < 0 && errno != EAGAIN && errno != EINTR) {
				close(j->in[1]); /* the process closed its stdin */
				j->in[1] = -1;
				plen = poff = 0;
			}
		}
	}
}

static void exec_upgraded(int sock, const char *extra, size_t extra_len, void *data)
{
	struct exec_job *j = data;

	pump(j, sock, extra, extra_len);
	pthread_join(j->th, NULL);
	if (j->errmsg[0] && j->x->attach_stderr) {
		unsigned char hdr[8];
		size_t len = strlen(j->errmsg);

		j->errmsg[len++] = '\n';
		frame_header(hdr, 2, len);
		if (hs_write_all(sock, hdr, 8) == 0)
			hs_write_all(sock, j->errmsg, len);
	}
	finish(j);
}

static void exec_job_free(void *data)
{
	job_free(data);
}

static void *detached_thread(void *arg)
{
	struct exec_job *j = arg;
	char buf[4096];

	/* Nobody reads the output of a detached exec: discard it. */
	for (int s = 0; s < 2; s++)
		while (read(s ? j->err[0] : j->out[0], buf, sizeof(buf)) > 0)
			;
	pthread_join(j->th, NULL);
	finish(j);
	job_free(j);
	return NULL;
}

static void exec_start(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct exec_job *j;
	struct dexec *x;
	json_object *body = NULL;
	bool detach;

	if (hs_body_json(req, &body) < 0)
		return;
	detach = jbool(body, "Detach");
	if (jbool(body, "Tty")) {
		if (body)
			json_object_put(body);
		hs_reply_error(req, 501, "Tty: terminals are not available through the daemon yet");
		return;
	}
	if (body)
		json_object_put(body);
	pthread_mutex_lock(&d->lock);
	x = find_exec(d, hs_param(req, "id"));
	if (x && (x->started || x->running)) {
		pthread_mutex_unlock(&d->lock);
		hs_reply_error(req, 409, "Exec %s has already been started", x->id);
		return;
	}
	if (x)
		x->started = x->running = true;
	pthread_mutex_unlock(&d->lock);
	if (!x) {
		hs_reply_error(req, 404, "No such exec instance: %s", hs_param(req, "id"));
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	j->d = d;
	j->x = x;
	j->dc = dctx_get(d);
	j->in[0] = j->in[1] = -1;
	if (pipe2(j->out, O_CLOEXEC) < 0 || pipe2(j->err, O_CLOEXEC) < 0 ||
	    (x->attach_stdin && !detach && pipe2(j->in, O_CLOEXEC) < 0)) {
		hs_reply_error(req, 500, "create pipes: %s", strerror(errno));
		j->code = 126;
		finish(j);
		job_free(j);
		return;
	}
	if (pthread_create(&j->th, NULL, exec_thread, j) != 0) {
		hs_reply_error(req, 500, "start exec thread: %s", strerror(errno));
		j->code = 126;
		finish(j);
		job_free(j);
		return;
	}
	if (detach) {
		pthread_t th;

		if (pthread_create(&th, NULL, detached_thread, j) == 0)
			pthread_detach(th);
		hs_reply_empty(req, 200);
		return;
	}
	hs_reply_upgrade(req, "application/vnd.docker.raw-stream", exec_upgraded, j, exec_job_free);
}

static void exec_inspect(hs_request *req, void *app)
{
	struct daemon *d = app;
	json_object *o, *pc, *args;
	struct dexec *x;

	pthread_mutex_lock(&d->lock);
	x = find_exec(d, hs_param(req, "id"));
	if (!x) {
		pthread_mutex_unlock(&d->lock);
		hs_reply_error(req, 404, "No such exec instance: %s", hs_param(req, "id"));
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "ID", json_object_new_string(x->id));
	json_object_object_add(o, "Running", json_object_new_boolean(x->running));
	json_object_object_add(o, "ExitCode", x->has_exit ? json_object_new_int(x->exit_code) : NULL);
	pc = json_object_new_object();
	json_object_object_add(pc, "tty", json_object_new_boolean(x->tty));
	json_object_object_add(pc, "entrypoint", json_object_new_string(x->cmd.strings[0]));
	args = json_object_new_array();
	for (size_t i = 1; i < x->cmd.count; i++)
		json_object_array_add(args, json_object_new_string(x->cmd.strings[i]));
	json_object_object_add(pc, "arguments", args);
	json_object_object_add(pc, "privileged", json_object_new_boolean(x->privileged));
	if (x->user)
		json_object_object_add(pc, "user", json_object_new_string(x->user));
	json_object_object_add(o, "ProcessConfig", pc);
	json_object_object_add(o, "OpenStdin", json_object_new_boolean(x->attach_stdin));
	json_object_object_add(o, "OpenStderr", json_object_new_boolean(x->attach_stderr));
	json_object_object_add(o, "OpenStdout", json_object_new_boolean(x->attach_stdout));
	json_object_object_add(o, "CanRemove", json_object_new_boolean(!x->running && x->started));
	json_object_object_add(o, "ContainerID", json_object_new_string(x->container));
	json_object_object_add(o, "DetachKeys", json_object_new_string(""));
	json_object_object_add(o, "Pid", json_object_new_int(0));
	pthread_mutex_unlock(&d->lock);
	hs_reply_json(req, 200, o);
}

const struct hs_route daemon_exec_routes[] = {
    {"POST", "/containers/{id}/exec", exec_create, 0},
    {"POST", "/exec/{id}/start", exec_start, 0},
    {"GET", "/exec/{id}/json", exec_inspect, 0},
    {NULL, NULL, NULL, 0},
};
