/*
 * Output streams of a container: attach (an upgraded connection, usually
 * opened before the start; the library's attachment misses nothing the
 * container writes from its start, also when the starter process starts
 * it) with stdin, its end and detach keys; and logs (chunked, optionally
 * following, since/until/timestamps/tail), from the library's log reader.
 * Without a TTY both send Docker's multiplexed frames; with one, raw bytes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"

struct stream {
	struct daemon *d;
	struct dctx *dc;
	engine_container *c;
	char id[65];
	engine_attach *attach;
	engine_logs *logs;
	bool tty, counted;
};

static void stream_free(void *data)
{
	struct stream *s = data;

	if (!s)
		return;
	if (s->counted) {
		pthread_mutex_lock(&s->d->lock);
		registry_get(s->d, s->id)->attachers--;
		pthread_cond_broadcast(&s->d->cond);
		pthread_mutex_unlock(&s->d->lock);
	}
	engine_attach_free(s->attach);
	engine_logs_free(s->logs);
	engine_container_free(s->c);
	dctx_put(s->d, s->dc);
	free(s);
}

static struct stream *stream_new(struct daemon *d, hs_request *req)
{
	struct stream *s = calloc(1, sizeof(*s));
	json_object *ins, *cfg, *v;

	if (!s) {
		hs_reply_error(req, 500, "out of memory");
		return NULL;
	}
	s->d = d;
	s->dc = dctx_get(d);
	s->c = open_container_param(req, s->dc->ctx);
	if (!s->c) {
		stream_free(s);
		return NULL;
	}
	snprintf(s->id, sizeof(s->id), "%s", engine_container_id(s->c));
	ins = container_inspect_obj(s->c);
	s->tty = ins && json_object_object_get_ex(ins, "Config", &cfg) &&
		 json_object_object_get_ex(cfg, "Tty", &v) && json_object_get_boolean(v);
	if (ins)
		json_object_put(ins);
	return s;
}

/* One chunk of output as the client gets it: a frame, or raw with a TTY. */
static int send_chunk(struct stream *s, int stream, const char *data, size_t len,
		      int (*out)(void *, const void *, size_t), void *arg)
{
	unsigned char hdr[8];

	if (!s->tty) {
		frame_header(hdr, stream, len);
		if (out(arg, hdr, sizeof(hdr)) < 0)
			return -1;
	}
	return out(arg, data, len);
}

/* --- attach ------------------------------------------------------------------ */

static int out_fd(void *arg, const void *buf, size_t len)
{
	return hs_write_all(*(int *)arg, buf, len);
}

/* Copy the container's output to the client and the client's bytes to its
 * stdin until the container exits, the client leaves or detaches. */
static void attach_run(int fd, const char *extra, size_t extra_len, void *data)
{
	struct stream *s = data;
	bool client_eof = !engine_attach_stdin(s->attach);
	char buf[32768];

	if (extra_len && engine_attach_stdin(s->attach) &&
	    engine_attach_write(s->attach, extra, extra_len) < 0)
		return;
	for (;;) {
		struct pollfd p[2] = {{.fd = engine_attach_fd(s->attach), .events = POLLIN},
				      {.fd = fd, .events = client_eof ? 0 : POLLIN | POLLRDHUP}};
		int n = poll(p, 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;
		if (p[0].revents) {
			int stream = 1, r = engine_attach_read(s->attach, buf, sizeof(buf), &stream, 0);

			if (r == 0)
				return; /* the container exited */
			if (r < 0 && r != ENGINE_ETIMEOUT)
				return;
			if (r > 0 && send_chunk(s, stream, buf, (size_t)r, out_fd, &fd) < 0)
				return;
		}
		if (p[1].revents & (POLLERR | POLLHUP))
			return; /* gone: the container keeps its stdin */
		if (p[1].revents & (POLLIN | POLLRDHUP)) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r < 0)
				return;
			if (r == 0) {
				/* The client's half-close: the end of stdin; output goes on. */
				client_eof = true;
				if (engine_attach_stdin(s->attach))
					engine_attach_close_stdin(s->attach);
				continue;
			}
			if (!engine_attach_stdin(s->attach))
				continue;
			if (engine_attach_write(s->attach, buf, (size_t)r) < 0 ||
			    engine_attach_detached(s->attach))
				return;
		}
	}
}

static void attach(hs_request *req, void *app)
{
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	struct stream *s = stream_new(app, req);

	if (!s)
		return;
	o.attach_stdin = hs_query_bool(req, "stdin", false);
	o.attach_stdout = hs_query_bool(req, "stdout", false);
	o.attach_stderr = hs_query_bool(req, "stderr", false);
	o.logs = hs_query_bool(req, "logs", false);
	o.stream = hs_query_bool(req, "stream", false);
	o.detach_keys = hs_query(req, "detachKeys");
	if (o.detach_keys && !*o.detach_keys)
		o.detach_keys = NULL;
	if (!o.logs && !o.stream) {
		stream_free(s);
		hs_reply_error(req, 400,
			       "Bad parameters: you must choose at least one stream (logs or stream)");
		return;
	}
	if (engine_container_attach(s->c, &o, &s->attach) < 0) {
		reply_engine_error(req, "attach");
		stream_free(s);
		return;
	}
	pthread_mutex_lock(&s->d->lock);
	registry_get(s->d, s->id)->attachers++;
	s->counted = true;
	pthread_mutex_unlock(&s->d->lock);
	events_container(s->c, "attach", NULL);
	hs_reply_upgrade(req, "application/vnd.docker.raw-stream", attach_run, s, stream_free);
}

/* --- logs --------------------------------------------------------------------- */

static int out_stream(void *arg, const void *buf, size_t len)
{
	return hs_stream_write(arg, buf, len);
}

static void logs_run(hs_stream *st, void *data)
{
	struct stream *s = data;

	for (;;) {
		/* In slices, so a client that left is noticed while nothing is written. */
		int r = engine_logs_next(s->logs, 1.0);
		const engine_log_entry *e;

		if (r == ENGINE_ETIMEOUT) {
			if (hs_stream_gone(st))
				return;
			continue;
		}
		if (r <= 0)
			return;
		e = engine_logs_entry(s->logs);
		if (send_chunk(s, e->stream, e->data, e->len, out_stream, st) < 0)
			return;
	}
}

/* Docker's since/until: Unix seconds with an optional fraction. */
static int time_param(hs_request *req, const char *key, int64_t *out)
{
	const char *v = hs_query(req, key);

	*out = 0;
	if (!v || !*v || strcmp(v, "0") == 0)
		return 0;
	if (strspn(v, "0123456789.") != strlen(v) || engine_time_parse(v, 0, out) < 0) {
		hs_reply_error(req, 400, "invalid value for \"%s\": %s", key, v);
		return -1;
	}
	return 0;
}

static void logs(hs_request *req, void *app)
{
	engine_logs_options o = ENGINE_LOGS_OPTIONS_INIT;
	const char *tail = hs_query(req, "tail");
	struct stream *s;

	o.show_stdout = hs_query_bool(req, "stdout", false);
	o.show_stderr = hs_query_bool(req, "stderr", false);
	o.follow = hs_query_bool(req, "follow", false);
	o.timestamps = hs_query_bool(req, "timestamps", false);
	if (time_param(req, "since", &o.since) < 0 || time_param(req, "until", &o.until) < 0)
		return;
	if (tail && *tail && strcmp(tail, "all") != 0) {
		char *end;

		o.tail = strtoll(tail, &end, 10);
		if (*end || o.tail < 0)
			o.tail = -1;
	}
	s = stream_new(app, req);
	if (!s)
		return;
	if (!o.show_stdout && !o.show_stderr) {
		stream_free(s);
		hs_reply_error(req, 400, "Bad parameters: you must choose at least one stream");
		return;
	}
	if (engine_container_logs(s->c, &o, &s->logs) < 0) {
		/* --log-driver none: dockerd's words alone */
		reply_engine_error(req, engine_error_last()->code == ENGINE_ENOTSUP ? NULL : "logs");
		stream_free(s);
		return;
	}
	hs_reply_stream(req, 200, NULL, logs_run, s, stream_free);
}

/* --- resize ------------------------------------------------------------------ */

int resize_params(hs_request *req, unsigned *h, unsigned *w)
{
	long long hh, ww;

	if (hs_query_int(req, "h", 0, &hh) < 0 || hs_query_int(req, "w", 0, &ww) < 0 || hh < 0 || ww < 0 ||
	    hh > 65535 || ww > 65535) {
		hs_reply_error(req, 400, "resize: h and w must be integers from 0 to 65535");
		return -1;
	}
	*h = (unsigned)hh;
	*w = (unsigned)ww;
	return 0;
}

static void resize(hs_request *req, void *app)
{
	struct daemon *d = app;
	struct dctx *dc = dctx_get(d);
	engine_container *c = open_container_param(req, dc->ctx);
	unsigned h, w;
	int st = -1;

	if (!c || resize_params(req, &h, &w) < 0)
		goto out;
	if (engine_container_status_get(c, &st) < 0 || st != ENGINE_STATUS_RUNNING) {
		hs_reply_error(req, 409, "Container %s is not running", engine_container_id(c));
		goto out;
	}
	/* Like dockerd: a container without a TTY, or a 0 size, has nothing to resize. */
	if (h && w && engine_container_resize(c, h, w) < 0 && engine_error_last()->code != ENGINE_EINVALID) {
		reply_engine_error(req, "resize");
		goto out;
	}
	hs_reply_empty(req, 200);
out:
	engine_container_free(c);
	dctx_put(d, dc);
}

const struct hs_route daemon_stream_routes[] = {
    {"POST", "/containers/{id}/attach", attach, 0},
    {"POST", "/containers/{id}/resize", resize, 0},
    {"GET", "/containers/{id}/logs", logs, 0},
    {NULL, NULL, NULL, 0},
};
