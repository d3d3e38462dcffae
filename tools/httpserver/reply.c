/*
 * Replies: whole bodies (JSON, raw, empty, errors), streamed bodies fed by
 * a worker thread through a socketpair (so the worker notices a client that
 * left: its writes fail), and upgraded connections handed to a thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

void hs_reply_header(hs_request *req, const char *name, const char *value)
{
	if (req->nextra >= HS_MAX_EXTRA_HEADERS)
		return;
	req->extra[req->nextra][0] = strdup(name);
	req->extra[req->nextra][1] = strdup(value);
	if (req->extra[req->nextra][0] && req->extra[req->nextra][1])
		req->nextra++;
	else {
		free(req->extra[req->nextra][0]);
		free(req->extra[req->nextra][1]);
	}
}

void hs__queue(hs_request *req, int status, struct MHD_Response *resp, bool default_headers)
{
	const char *const *h = req->listener->server->cfg.headers;

	if (!resp) {
		hs__log(req->listener->server, 0, "cannot create a response (out of memory)");
		return;
	}
	if (req->queued) {
		MHD_destroy_response(resp);
		return;
	}
	for (size_t i = 0; default_headers && h && h[i] && h[i + 1]; i += 2)
		MHD_add_response_header(resp, h[i], h[i + 1]);
	for (size_t i = 0; i < req->nextra; i++)
		MHD_add_response_header(resp, req->extra[i][0], req->extra[i][1]);
	if (MHD_queue_response(req->conn, (unsigned)status, resp) == MHD_YES) {
		req->queued = true;
		req->status = status;
	} else {
		hs__log(req->listener->server, 1, "%s %s: could not queue a %d reply", req->method,
			req->path ? req->path : "?", status);
	}
	MHD_destroy_response(resp);
}

void hs_reply_raw(hs_request *req, int status, const char *content_type, const void *data, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);

	if (resp && content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	hs__queue(req, status, resp, true);
}

void hs_reply_json(hs_request *req, int status, json_object *body)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(
	    body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	char *copy = malloc(len + 2);

	if (!copy) {
		json_object_put(body);
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	memcpy(copy, s, len);
	copy[len] = '\n';
	hs_reply_raw(req, status, "application/json", copy, len + 1);
	free(copy);
	json_object_put(body);
}

void hs_reply_empty(hs_request *req, int status)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);

	hs__queue(req, status, resp, true);
}

void hs_reply_error(hs_request *req, int status, const char *fmt, ...)
{
	char msg[2048];
	json_object *o = json_object_new_object();
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (status >= 500)
		hs__log(req->listener->server, 1, "%s %s: %d %s", req->method, req->path ? req->path : "?",
			status, msg);
	if (req->listener->server->cfg.error) {
		json_object_put(o);
		req->listener->server->cfg.error(req, status, msg, req->listener->server->cfg.app);
		return;
	}
	if (!o)
		return;
	json_object_object_add(o, "message", json_object_new_string(msg));
	hs_reply_json(req, status, o);
}

struct reader {
	long (*read)(void *data, uint64_t pos, char *buf, size_t max);
	void *data;
	void (*free_fn)(void *data);
};

static ssize_t reader_cb(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct reader *r = cls;
	long n = r->read(r->data, pos, buf, max);

	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n;
}

static void reader_done(void *cls)
{
	struct reader *r = cls;

	if (r->free_fn)
		r->free_fn(r->data);
	free(r);
}

void hs_reply_reader(hs_request *req, int status, const char *content_type, uint64_t len, size_t block,
		     long (*read)(void *data, uint64_t pos, char *buf, size_t max), void *data,
		     void (*free_fn)(void *data))
{
	struct reader *r = calloc(1, sizeof(*r));
	struct MHD_Response *resp;

	if (!r) {
		if (free_fn)
			free_fn(data);
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	r->read = read;
	r->data = data;
	r->free_fn = free_fn;
	resp = MHD_create_response_from_callback(len == UINT64_MAX ? MHD_SIZE_UNKNOWN : len,
						 block ? block : 64 * 1024, reader_cb, r, reader_done);
	if (!resp) {
		reader_done(r);
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	if (content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	hs__queue(req, status, resp, true);
}

/* --- streams ------------------------------------------------------------- */

/* A worker feeding one reply: it writes to app_fd; MHD reads http_fd. Freed
 * when both the worker and MHD are done with it. */
struct hs_stream {
	int app_fd, http_fd, conn_fd;
	atomic_int refs;
	hs_stream_fn fn;
	hs_upgrade_fn upfn; /* for a plain request to an upgrade endpoint */
	void *data;
	void (*free_fn)(void *data);
};

static void stream_unref(hs_stream *st)
{
	if (atomic_fetch_sub(&st->refs, 1) == 1)
		free(st);
}

static void *stream_thread(void *arg)
{
	hs_stream *st = arg;

	if (st->fn)
		st->fn(st, st->data);
	else
		st->upfn(st->app_fd, NULL, 0, st->data);
	close(st->app_fd);
	st->app_fd = -1;
	if (st->free_fn)
		st->free_fn(st->data);
	stream_unref(st);
	return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	hs_stream *st = cls;
	struct pollfd p[2] = {{.fd = st->http_fd, .events = POLLIN},
			      {.fd = st->conn_fd, .events = POLLRDHUP}};

	(void)pos;
	for (;;) {
		ssize_t n;
		int r = poll(p, st->conn_fd >= 0 ? 2 : 1, -1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (p[0].revents) {
			n = read(st->http_fd, buf, max);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n == 0)
				return MHD_CONTENT_READER_END_OF_STREAM;
			return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
		}
		if (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR))
			return MHD_CONTENT_READER_END_WITH_ERROR; /* the client left */
	}
}

static void stream_done(void *cls)
{
	hs_stream *st = cls;

	close(st->http_fd);
	stream_unref(st);
}

static void start_stream(hs_request *req, int status, const char *content_type, hs_stream_fn fn,
			 hs_upgrade_fn upfn, void *data, void (*free_fn)(void *data))
{
	hs_stream *st = calloc(1, sizeof(*st));
	int sv[2] = {-1, -1};
	struct MHD_Response *resp;
	pthread_attr_t attr;
	pthread_t th;

	if (!st || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(st);
		if (free_fn)
			free_fn(data);
		hs_reply_error(req, 500, "create stream: %s", strerror(errno));
		return;
	}
	st->app_fd = sv[0];
	st->http_fd = sv[1];
	st->conn_fd = hs_conn_fd(req);
	st->fn = fn;
	st->upfn = upfn;
	st->data = data;
	st->free_fn = free_fn;
	atomic_init(&st->refs, 2);
	/* A plain request to an upgrade endpoint has no stdin: reads see EOF. */
	if (upfn)
		shutdown(sv[1], SHUT_WR);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, stream_read, st, stream_done);
	if (!resp) {
		close(sv[0]);
		close(sv[1]);
		free(st);
		if (free_fn)
			free_fn(data);
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	if (content_type)
		MHD_add_response_header(resp, "Content-Type", content_type);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	if (pthread_create(&th, &attr, stream_thread, st) != 0) {
		pthread_attr_destroy(&attr);
		close(sv[0]);
		st->app_fd = -1;
		if (free_fn)
			free_fn(data);
		stream_unref(st); /* the worker's reference */
		MHD_destroy_response(resp);
		hs_reply_error(req, 500, "start stream thread: %s", strerror(errno));
		return;
	}
	pthread_attr_destroy(&attr);
	hs__queue(req, status, resp, true);
}

void hs_reply_stream(hs_request *req, int status, const char *content_type, hs_stream_fn fn, void *data,
		     void (*free_fn)(void *data))
{
	start_stream(req, status, content_type, fn, NULL, data, free_fn);
}

int hs_stream_write(hs_stream *st, const void *buf, size_t len)
{
	if (st->app_fd < 0)
		return -1;
	return hs_write_all(st->app_fd, buf, len);
}

int hs_stream_printf(hs_stream *st, const char *fmt, ...)
{
	char stack[1024], *buf = stack;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(stack, sizeof(stack), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n >= sizeof(stack)) {
		buf = malloc((size_t)n + 1);
		if (!buf)
			return -1;
		va_start(ap, fmt);
		vsnprintf(buf, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	r = hs_stream_write(st, buf, (size_t)n);
	if (buf != stack)
		free(buf);
	return r;
}

int hs_stream_json(hs_stream *st, json_object *o)
{
	size_t len = 0;
	const char *s;
	char *line;
	int r;

	if (!o)
		return -1;
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
					      &len);
	/* One write, so the newline never travels alone in a chunk of its own
	 * (docker-py's JSON-stream splitter chokes on a lone trailing "\n"). */
	line = malloc(len + 1);
	if (!line) {
		json_object_put(o);
		return -1;
	}
	memcpy(line, s, len);
	line[len] = '\n';
	r = hs_stream_write(st, line, len + 1);
	free(line);
	json_object_put(o);
	return r;
}

int hs_stream_gone_fd(const hs_stream *st)
{
	return st->app_fd;
}

bool hs_stream_gone(const hs_stream *st)
{
	struct pollfd p = {.fd = st->app_fd, .events = 0};

	return st->app_fd < 0 || (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR)));
}

/* --- upgrades ------------------------------------------------------------ */

struct upgrade {
	hs_upgrade_fn fn;
	void *data;
	void (*free_fn)(void *data);
	MHD_socket sock;
	struct MHD_UpgradeResponseHandle *urh;
	char *extra;
	size_t extra_len;
};

static void *upgrade_thread(void *arg)
{
	struct upgrade *u = arg;
	int fl = fcntl(u->sock, F_GETFL);

	/* MHD's sockets are non-blocking; the handler wants plain blocking I/O. */
	if (fl >= 0)
		fcntl(u->sock, F_SETFL, fl & ~O_NONBLOCK);
	u->fn(u->sock, u->extra, u->extra_len, u->data);
	MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	if (u->free_fn)
		u->free_fn(u->data);
	free(u->extra);
	free(u);
	return NULL;
}

static void upgrade_cb(void *cls, struct MHD_Connection *conn, void *con_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct upgrade *u = cls;
	pthread_attr_t attr;
	pthread_t th;

	(void)conn;
	(void)con_cls;
	u->sock = sock;
	u->urh = urh;
	if (extra_in_size) {
		u->extra = malloc(extra_in_size);
		if (u->extra) {
			memcpy(u->extra, extra_in, extra_in_size);
			u->extra_len = extra_in_size;
		}
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1024 * 1024);
	if (pthread_create(&th, &attr, upgrade_thread, u) != 0) {
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		if (u->free_fn)
			u->free_fn(u->data);
		free(u->extra);
		free(u);
	}
	pthread_attr_destroy(&attr);
}

/* MHD calls upgrade_cb only once the 101 is sent; when queueing fails the
 * struct would leak, so keep it until then through the response's life. */
void hs_reply_upgrade(hs_request *req, const char *content_type, hs_upgrade_fn fn, void *data,
		      void (*free_fn)(void *data))
{
	struct upgrade *u;
	struct MHD_Response *resp;

	if (!hs_wants_upgrade(req)) {
		start_stream(req, 200, content_type, NULL, fn, data, free_fn);
		return;
	}
	u = calloc(1, sizeof(*u));
	if (!u) {
		if (free_fn)
			free_fn(data);
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	u->fn = fn;
	u->data = data;
	u->free_fn = free_fn;
	resp = MHD_create_response_for_upgrade(upgrade_cb, u);
	if (!resp) {
		free(u);
		if (free_fn)
			free_fn(data);
		hs_reply_error(req, 500, "out of memory");
		return;
	}
	MHD_add_response_header(resp, "Content-Type", content_type);
	MHD_add_response_header(resp, "Upgrade", "tcp");
	MHD_add_response_header(resp, "Connection", "Upgrade");
	hs__queue(req, 101, resp, false);
	if (!req->queued) {
		free(u);
		if (free_fn)
			free_fn(data);
	}
}
