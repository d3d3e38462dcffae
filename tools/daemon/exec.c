/*
 * Exec endpoints: create (validated, an engine_exec instance kept in the
 * daemon's table under a new ID), start (an upgraded connection, or
 * detached), resize, inspect. The instance's stdio is the library's pipes
 * or its pty master; one pump loop frames the output (raw with a TTY) and
 * feeds the client's stdin. Its end is recorded for inspect and the
 * instance freed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"

struct dexec {
	struct dexec *next;
	char id[65];
	char container[65];
	engine_strarray cmd;
	char *user, *detach_keys;
	bool attach_stdin, attach_stdout, attach_stderr, tty, privileged;
	bool started, running;
	bool spawned; /* the start was tried (resize waits for it) */
	int exit_code, pid;
	bool has_exit;
	engine_exec *ex; /* until its end */
	struct dctx *dc; /* the context ex lives in */
	struct daemon *d;
	int busy;  /* threads using it: it is freed only at 0 */
	bool gone; /* its container was removed: freed by the last user */
};

/* Finished records kept per container (dockerd's store is bounded too). */
#define EXEC_KEEP_FINISHED 32

static struct dexec *find_exec(struct daemon *d, const char *id)
{
	for (struct dexec *x = d->execs; x; x = x->next)
		if (!x->gone &&
		    (strcmp(x->id, id) == 0 || (strlen(id) >= 12 && strncmp(x->id, id, strlen(id)) == 0)))
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

static void dexec_free(struct dexec *x)
{
	if (!x)
		return;
	engine_strarray_dispose(&x->cmd);
	free(x->user);
	free(x->detach_keys);
	free(x);
}

/* Move the unused records @drop selects from d->execs (d->lock held) onto a
 * list the caller frees with dispose_list once the lock is released. */
static struct dexec *unlink_unused(struct daemon *d,
				   bool (*drop)(struct dexec *x, const char *container, int *n),
				   const char *container)
{
	struct dexec *out = NULL, **pp = &d->execs;
	int n = 0;

	while (*pp) {
		struct dexec *x = *pp;

		if (drop(x, container, &n) && x->busy == 0) {
			*pp = x->next;
			x->next = out;
			out = x;
		} else {
			pp = &x->next;
		}
	}
	return out;
}

/* Free the records (never started ones still hold an instance and a context). */
static void dispose_list(struct daemon *d, struct dexec *x)
{
	while (x) {
		struct dexec *next = x->next;

		engine_exec_free(x->ex);
		dctx_put(d, x->dc);
		dexec_free(x);
		x = next;
	}
}

/* A thread is done with @x: the last one frees it once its container is gone. */
static void release(struct daemon *d, struct dexec *x)
{
	struct dexec *drop = NULL;

	pthread_mutex_lock(&d->lock);
	if (--x->busy == 0 && x->gone) {
		struct dexec **pp = &d->execs;

		while (*pp && *pp != x)
			pp = &(*pp)->next;
		if (*pp)
			*pp = x->next;
		x->next = NULL;
		drop = x;
	}
	pthread_mutex_unlock(&d->lock);
	dispose_list(d, drop);
}

static bool of_container(struct dexec *x, const char *container, int *n)
{
	(void)n;
	if (strcmp(x->container, container) != 0)
		return false;
	x->gone = true; /* one in use is freed by its last user */
	return true;
}

/* The list is newest first: the finished ones past the first few go. */
static bool old_finished(struct dexec *x, const char *container, int *n)
{
	return x->has_exit && strcmp(x->container, container) == 0 && ++*n > EXEC_KEEP_FINISHED;
}

void exec_container_removed(struct daemon *d, const char *container_id)
{
	struct dexec *drop;

	pthread_mutex_lock(&d->lock);
	drop = unlink_unused(d, of_container, container_id);
	pthread_mutex_unlock(&d->lock);
	dispose_list(d, drop);
}

/* ConsoleSize [height, width] into @cfg; replies 400 and returns -1 when bad. */
static int console_size(hs_request *req, json_object *body, engine_exec_config *cfg)
{
	json_object *v;
	int64_t h, w;

	if (!json_object_object_get_ex(body, "ConsoleSize", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2) {
		hs_reply_error(req, 400, "ConsoleSize: expected [height, width]");
		return -1;
	}
	h = json_object_get_int64(json_object_array_get_idx(v, 0));
	w = json_object_get_int64(json_object_array_get_idx(v, 1));
	if (h < 0 || w < 0 || h > 65535 || w > 65535) {
		hs_reply_error(req, 400, "ConsoleSize: each of height and width must be 0 to 65535");
		return -1;
	}
	if (h && w) {
		cfg->tty_rows = (unsigned)h;
		cfg->tty_cols = (unsigned)w;
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
	engine_exec_config cfg = ENGINE_EXEC_CONFIG_INIT;
	engine_strarray env = {NULL, 0};
	engine_container *c = NULL;
	json_object *body = NULL, *v;
	struct dexec *x = NULL;
	const char *s;

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
		bool paused = strcmp(engine_container_status(c), "paused") == 0;

		/* dockerd: the ID when not running, the name as given when paused */
		hs_reply_error(req, 409, "Container %s is %s",
			       paused ? hs_param(req, "id") : engine_container_id(c),
			       paused ? "paused, unpause the container before exec" : "not running");
		goto out;
	}
	x = calloc(1, sizeof(*x));
	if (!x) {
		hs_reply_error(req, 500, "out of memory");
		goto out;
	}
	if (jstrv(req, body, "Cmd", &x->cmd) < 0 || jstrv(req, body, "Env", &env) < 0)
		goto out;
	if (x->cmd.count == 0) {
		hs_reply_error(req, 400, "No exec command specified");
		goto out;
	}
	if (json_object_object_get_ex(body, "DetachKeys", &v) && (s = json_object_get_string(v)) && *s) {
		char keys_buf[32];
		size_t n;

		if (engine_detach_keys_parse(s, keys_buf, sizeof(keys_buf), &n) < 0) {
			hs_reply_error(req, 400, "DetachKeys: %s", engine_error_last()->message);
			goto out;
		}
		x->detach_keys = strdup(s);
	}
	if (console_size(req, body, &cfg) < 0)
		goto out;
	x->tty = jbool(body, "Tty");
	x->privileged = jbool(body, "Privileged");
	x->attach_stdin = jbool(body, "AttachStdin");
	x->attach_stdout = jbool(body, "AttachStdout");
	x->attach_stderr = jbool(body, "AttachStderr");
	if (json_object_object_get_ex(body, "User", &v) && (s = json_object_get_string(v)) && *s)
		x->user = strdup(s);
	cfg.argv = x->cmd;
	cfg.env = env;
	cfg.user = x->user;
	if (json_object_object_get_ex(body, "WorkingDir", &v) && (s = json_object_get_string(v)) && *s)
		cfg.working_dir = s;
	cfg.tty = x->tty;
	cfg.open_stdin = x->attach_stdin;
	cfg.privileged = x->privileged;
	if (engine_exec_create(c, &cfg, &x->ex) < 0) {
		reply_engine_error(req, NULL);
		goto out;
	}
	random_id(x->id);
	snprintf(x->container, sizeof(x->container), "%s", engine_container_id(c));
	x->dc = dc;
	x->d = d;
	dc = NULL;
	{
		/* Once in the table it is the table's: a removal may free it. */
		char id[65], cid[65];
		json_object *o = json_object_new_object();
		struct dcont *e;

		memcpy(id, x->id, sizeof(id));
		memcpy(cid, x->container, sizeof(cid));
		pthread_mutex_lock(&d->lock);
		/* A removal under way would not see it (and never free it). */
		e = registry_get(d, cid);
		if (e && (e->removing || e->removed)) {
			pthread_mutex_unlock(&d->lock);
			json_object_put(o);
			dc = x->dc; /* given back at out */
			hs_reply_error(req, 409, "Container %s is not running", cid);
			goto out;
		}
		x->next = d->execs;
		d->execs = x;
		pthread_mutex_unlock(&d->lock);
		x = NULL;
		events_emit("container", "exec_create", cid, "execID", id, NULL);
		json_object_object_add(o, "Id", json_object_new_string(id));
		hs_reply_json(req, 201, o);
	}
out:
	if (x && x->ex)
		engine_exec_free(x->ex);
	dexec_free(x);
	engine_strarray_dispose(&env);
	if (body)
		json_object_put(body);
	engine_container_free(c);
	if (dc)
		dctx_put(d, dc);
}

/* --- running -------------------------------------------------------------------- */

static void spawned(struct daemon *d, struct dexec *x)
{
	engine_exec_state st = ENGINE_EXEC_STATE_INIT;

	engine_exec_inspect(x->ex, &st);
	pthread_mutex_lock(&d->lock);
	x->spawned = true;
	x->pid = st.pid;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

/* Record the end (@code), free the instance (its pty and pipes close). */
static void finish(struct daemon *d, struct dexec *x, int code)
{
	char num[16];
	struct dexec *drop;
	engine_exec *ex;
	struct dctx *dc;

	snprintf(num, sizeof(num), "%d", code);
	events_emit("container", "exec_die", x->container, "execID", x->id, "exitCode", num, NULL);
	pthread_mutex_lock(&d->lock);
	x->running = false;
	x->exit_code = code;
	x->has_exit = true;
	ex = x->ex;
	dc = x->dc;
	x->ex = NULL;
	x->dc = NULL;
	drop = unlink_unused(d, old_finished, x->container);
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	engine_exec_free(ex);
	if (dc)
		dctx_put(d, dc);
	dispose_list(d, drop);
}

/* The status after the process is gone (or 126/127 when it never ran). */
static int exit_code_of(struct dexec *x)
{
	int code = 126;

	if (engine_exec_wait(x->ex, -1, &code) < 0)
		code = 126;
	return code;
}

struct pump {
	int sock;
	int in, out[2]; /* the instance's ends; with a TTY in == out[0], the master */
	bool tty, stdout_wanted, stderr_wanted;
	char keys[16]; /* the detach keys' bytes */
	size_t nkeys, matched;
	char pending[32768 + 16]; /* a read, and the keys held back before it */
	size_t plen, poff;
};

/* Docker's escape proxy over the client's @n bytes in p->pending: the
 * detach keys are held back while they match and dropped once complete
 * (true), given back when the sequence breaks off. */
static bool detach_filter(struct pump *p, size_t n)
{
	char in[32768];
	size_t o = 0;

	memcpy(in, p->pending, n);
	for (size_t i = 0; i < n; i++) {
		if (p->nkeys && in[i] == p->keys[p->matched]) {
			if (++p->matched == p->nkeys)
				break;
			continue;
		}
		memcpy(p->pending + o, p->keys, p->matched);
		o += p->matched;
		p->matched = 0;
		if (p->nkeys && in[i] == p->keys[0]) {
			if (++p->matched == p->nkeys)
				break;
			continue;
		}
		p->pending[o++] = in[i];
	}
	p->plen = o;
	p->poff = 0;
	return p->nkeys && p->matched == p->nkeys;
}

/* Client bytes to stdin; false once stdin is gone. */
static bool feed(struct pump *p, engine_exec *ex)
{
	ssize_t w = write(p->in, p->pending + p->poff, p->plen - p->poff);

	if (w > 0) {
		p->poff += (size_t)w;
		if (p->poff == p->plen)
			p->plen = p->poff = 0;
		return true;
	}
	if (w < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	/* The process closed its stdin. */
	p->plen = p->poff = 0;
	engine_exec_close_stdin(ex);
	return false;
}

/* What came before the detach keys still reaches stdin (a second at most). */
static void flush_pending(struct pump *p, engine_exec *ex)
{
	for (int tries = 0; p->plen && tries < 10; tries++) {
		struct pollfd pf = {.fd = p->in, .events = POLLOUT};

		if (poll(&pf, 1, 100) == 1 && !feed(p, ex))
			break;
	}
}

/* Output to the client (framed without a TTY); false at its end. */
static bool drain(struct pump *p, int s, bool *client_gone)
{
	char buf[32768 + 8];
	ssize_t r = read(p->out[s], buf + 8, sizeof(buf) - 8);

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (r <= 0)
		return false; /* EOF, or EIO: the pty's other side is closed */
	if (*client_gone || !(s ? p->stderr_wanted : p->stdout_wanted))
		return true;
	if (!p->tty)
		frame_header((unsigned char *)buf, s + 1, (size_t)r);
	if (hs_write_all(p->sock, p->tty ? buf + 8 : buf, (size_t)r + (p->tty ? 0 : 8)) < 0)
		*client_gone = true;
	return true;
}

/* Relay until the output ends, or the process is gone and its output
 * drained (false), or the client typed the detach keys (true). */
static bool pump(struct dexec *x, struct pump *p)
{
	bool sock_eof = p->in < 0, client_gone = false;

	for (int i = 0; i < 2; i++)
		if (p->out[i] >= 0)
			fcntl(p->out[i], F_SETFL, fcntl(p->out[i], F_GETFL) | O_NONBLOCK);
	if (p->in >= 0)
		fcntl(p->in, F_SETFL, fcntl(p->in, F_GETFL) | O_NONBLOCK);
	while (p->out[0] >= 0 || p->out[1] >= 0) {
		struct pollfd pf[4] = {
		    {.fd = p->out[0], .events = POLLIN},
		    {.fd = p->out[1], .events = POLLIN},
		    {.fd = !client_gone && !sock_eof && !p->plen ? p->sock : -1, .events = POLLIN},
		    {.fd = p->plen ? p->in : -1, .events = POLLOUT}};
		engine_exec_state st = ENGINE_EXEC_STATE_INIT;
		int n = poll(pf, 4, 200);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (n == 0) {
			/* What it left behind may hold the pipes or the pty open. */
			if (engine_exec_inspect(x->ex, &st) == 0 && !st.running)
				break;
			continue;
		}
		for (int s = 0; s < 2; s++)
			if (pf[s].revents && !drain(p, s, &client_gone))
				p->out[s] = -1;
		if (pf[2].revents) {
			ssize_t r = read(p->sock, p->pending, 32768);

			if (r > 0) {
				if (detach_filter(p, (size_t)r)) {
					flush_pending(p, x->ex);
					return true;
				}
			} else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
				/* The client's half-close is stdin's EOF; a terminal
				 * stays open, as with dockerd (a client that detached
				 * leaves its shell running). */
				sock_eof = true;
				if (!p->tty)
					engine_exec_close_stdin(x->ex);
			}
		}
		if (pf[3].revents && !feed(p, x->ex))
			sock_eof = true;
	}
	return false;
}

static void *detached_thread(void *arg)
{
	struct dexec *x = arg;

	finish(x->d, x, exit_code_of(x));
	release(x->d, x);
	return NULL;
}

static void exec_upgraded(int sock, const char *extra, size_t extra_len, void *data)
{
	struct dexec *x = data;
	struct daemon *d = x->d;
	struct pump *p = calloc(1, sizeof(*p));
	int r = p ? engine_exec_start(x->ex, NULL) : ENGINE_ENOMEM;
	bool detached = false;

	spawned(d, x);
	if (r < 0 || !p) {
		char msg[1200];
		size_t len;

		char why[1024];

		runc_wording(engine_error_last()->message, why, sizeof(why));
		len =
		    (size_t)snprintf(msg, sizeof(msg),
				     strncmp(why, "unable to find ", 15) == 0
					 ? "%s\r\n"
					 : "OCI runtime exec failed: exec failed: unable to start container "
					   "process: %s: unknown\r\n",
				     why);
		if (len >= sizeof(msg))
			len = sizeof(msg) - 1;
		if (x->tty) {
			hs_write_all(sock, msg, len);
		} else if (x->attach_stdout) {
			/* dockerd writes the error on the stdout stream */
			unsigned char hdr[8];

			frame_header(hdr, 1, len);
			if (hs_write_all(sock, hdr, 8) == 0)
				hs_write_all(sock, msg, len);
		}
		free(p);
		/* dockerd 20.10: 126 for every exec that could not start */
		finish(d, x, 126);
		return;
	}
	p->sock = sock;
	p->tty = x->tty;
	p->stdout_wanted = x->attach_stdout;
	p->stderr_wanted = x->attach_stderr;
	p->in = x->attach_stdin ? engine_exec_fd(x->ex, 0) : -1;
	p->out[0] = engine_exec_fd(x->ex, 1);
	p->out[1] = engine_exec_fd(x->ex, 2);
	/* Docker's default detach keys, for exec as for attach. */
	if (p->in >= 0 && engine_detach_keys_parse(x->detach_keys ? x->detach_keys : "ctrl-p,ctrl-q", p->keys,
						   sizeof(p->keys), &p->nkeys) < 0)
		p->nkeys = 0;
	if (extra_len && p->in >= 0) {
		memcpy(p->pending, extra, extra_len < 32768 ? extra_len : 32768);
		detached = detach_filter(p, extra_len < 32768 ? extra_len : 32768);
		if (detached)
			flush_pending(p, x->ex);
	}
	detached = detached || pump(x, p);
	free(p);
	if (detached) {
		/* It runs on; a thread of ours records its end. */
		pthread_t th;

		pthread_mutex_lock(&d->lock);
		x->busy++;
		pthread_mutex_unlock(&d->lock);
		if (pthread_create(&th, NULL, detached_thread, x) == 0) {
			pthread_detach(th);
			return;
		}
		release(d, x); /* exec_upgrade_done still holds it */
	}
	finish(d, x, exit_code_of(x));
}

/* After the upgraded connection: one whose client left before the upgrade
 * never ran the process, so the instance may be started again. */
static void exec_upgrade_done(void *data)
{
	struct dexec *x = data;
	struct daemon *d = x->d;

	pthread_mutex_lock(&d->lock);
	if (!x->spawned)
		x->started = x->running = false;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	release(d, x);
}

static void exec_start(hs_request *req, void *app)
{
	engine_exec_start_options so = ENGINE_EXEC_START_OPTIONS_INIT;
	struct daemon *d = app;
	struct dexec *x;
	json_object *body = NULL;
	pthread_t th;
	bool detach;

	if (hs_body_json(req, &body) < 0)
		return;
	if (body && !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		hs_reply_error(req, 400, "exec start: expected a JSON object in the request body");
		return;
	}
	detach = jbool(body, "Detach");
	if (body)
		json_object_put(body);
	pthread_mutex_lock(&d->lock);
	x = find_exec(d, hs_param(req, "id"));
	if (x && (x->started || x->running)) {
		pthread_mutex_unlock(&d->lock);
		hs_reply_error(req, 409, "Exec %s has already been started", x->id);
		return;
	}
	if (x) {
		x->started = x->running = true;
		x->busy++; /* until the start's end, or its detached waiter's */
	}
	pthread_mutex_unlock(&d->lock);
	if (!x) {
		hs_reply_error(req, 404, "No such exec instance: %s", hs_param(req, "id"));
		return;
	}
	{
		/* dockerd checks before the upgrade: a 409, not a message in the stream. */
		engine_container *c = NULL;
		int st = -1;

		if (engine_container_open(x->dc->ctx, x->container, &c) == 0)
			engine_container_status_get(c, &st);
		engine_container_free(c);
		if (st != ENGINE_STATUS_RUNNING) {
			char cid[65];

			snprintf(cid, sizeof(cid), "%s", x->container);
			pthread_mutex_lock(&d->lock);
			x->started = x->running = false;
			pthread_mutex_unlock(&d->lock);
			release(d, x);
			hs_reply_error(req, 409, "Container %s is %s", cid,
				       st == ENGINE_STATUS_PAUSED
					   ? "paused, unpause the container before exec"
					   : "not running");
			return;
		}
	}
	events_emit("container", "exec_start", x->container, "execID", x->id, NULL);
	if (!detach) {
		hs_reply_upgrade(req, "application/vnd.docker.raw-stream", exec_upgraded, x,
				 exec_upgrade_done);
		return;
	}
	so.detach = 1;
	if (engine_exec_start(x->ex, &so) < 0) {
		spawned(d, x);
		reply_engine_error(req, "OCI runtime exec failed");
		finish(d, x, exit_code_of(x));
		release(d, x);
		return;
	}
	spawned(d, x);
	if (pthread_create(&th, NULL, detached_thread, x) == 0) {
		pthread_detach(th);
	} else {
		finish(d, x, exit_code_of(x)); /* cannot happen short of memory: wait here */
		release(d, x);
	}
	hs_reply_empty(req, 200);
}

/* Look the instance up for resize: once its start was tried (the CLI
 * resizes right after the start request, dockerd waits up to 10 s too). */
static void exec_resize(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct timespec until;
	struct dexec *x;
	unsigned h, w;
	int r = 0;

	if (resize_params(req, &h, &w) < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	pthread_mutex_lock(&d->lock);
	/* Looked up again after each wait: it may have gone with its container. */
	while ((x = find_exec(d, hs_param(req, "id"))) && x->started && !x->spawned && r == 0)
		r = pthread_cond_timedwait(&d->cond, &d->lock, &until);
	if (!x) {
		pthread_mutex_unlock(&d->lock);
		hs_reply_error(req, 404, "No such exec instance: %s", hs_param(req, "id"));
		return;
	}
	if (!x->spawned) {
		pthread_mutex_unlock(&d->lock);
		hs_reply_error(req, 409, "Exec %s is not running", x->id);
		return;
	}
	/* A finished one, no TTY, or a 0 size: nothing to resize, as dockerd. */
	if (x->ex && h && w && engine_exec_resize(x->ex, h, w) < 0 &&
	    engine_error_last()->code != ENGINE_EINVALID && engine_error_last()->code != ENGINE_EBUSY) {
		pthread_mutex_unlock(&d->lock);
		reply_engine_error(req, "resize");
		return;
	}
	pthread_mutex_unlock(&d->lock);
	hs_reply_empty(req, 200);
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
	json_object_object_add(o, "DetachKeys", json_object_new_string(x->detach_keys ? x->detach_keys : ""));
	/* Its PID on the host while it runs, as dockerd; 0 before and after. */
	json_object_object_add(o, "Pid", json_object_new_int(x->running ? x->pid : 0));
	pthread_mutex_unlock(&d->lock);
	hs_reply_json(req, 200, o);
}

json_object *exec_ids(struct daemon *d, const char *container_id)
{
	json_object *a = NULL;

	pthread_mutex_lock(&d->lock);
	for (struct dexec *x = d->execs; x; x = x->next) {
		if (x->has_exit || x->gone || strcmp(x->container, container_id) != 0)
			continue;
		if (!a)
			a = json_object_new_array();
		json_object_array_add(a, json_object_new_string(x->id));
	}
	pthread_mutex_unlock(&d->lock);
	return a;
}

const struct hs_route daemon_exec_routes[] = {
    {"POST", "/containers/{id}/exec", exec_create, 0},
    {"POST", "/exec/{id}/start", exec_start, 0},
    {"POST", "/exec/{id}/resize", exec_resize, 0},
    {"GET", "/exec/{id}/json", exec_inspect, 0},
    {NULL, NULL, NULL, 0},
};
