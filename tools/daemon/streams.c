/*
 * Output streams of a container: attach (an upgraded connection, opened
 * before start so nothing printed right after start is lost) and logs
 * (chunked, optionally following). Both read the container's stdout and
 * stderr log files (engine_container_log_path) and send Docker's
 * multiplexed frames; inotify on the container's directory wakes them when
 * output is appended, the registry's exit pipe when the container exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"

/* One reader of a container's two log files. */
struct follower {
	struct daemon *d;
	engine_context *ctx;
	struct dctx *dc;
	engine_container *c;
	char id[65];
	char dir[4096];
	int fd[2];    /* stdout.log, stderr.log; -1 until they exist */
	off_t off[2]; /* where to read next */
	bool want[2]; /* stdout, stderr */
	int inotify;
	int exit_fd;
	unsigned exits0; /* exits seen when we started */
	bool was_running, attached;
	bool logs, stream, follow;
	long long tail; /* -1: all */
};

static void open_logs(struct follower *f)
{
	for (int i = 0; i < 2; i++) {
		const char *p;

		if (f->fd[i] >= 0 || !f->want[i])
			continue;
		p = engine_container_log_path(f->c, i + 1);
		if (p)
			f->fd[i] = open(p, O_RDONLY | O_CLOEXEC);
	}
}

/* Offset of the start of the last @n lines of @fd (size @size). */
static off_t tail_offset(int fd, off_t size, long long n)
{
	char buf[4096];
	off_t pos = size;
	long long lines = 0;

	if (n < 0)
		return 0;
	if (n == 0)
		return size;
	/* A final newline ends the last line rather than starting another. */
	while (pos > 0) {
		size_t chunk = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;
		ssize_t r = pread(fd, buf, chunk, pos - (off_t)chunk);

		if (r <= 0)
			return 0;
		for (ssize_t i = r - 1; i >= 0; i--) {
			off_t at = pos - (off_t)chunk + i;

			if (buf[i] == '\n' && at != size - 1 && ++lines == n)
				return at + 1;
		}
		pos -= (off_t)chunk;
	}
	return 0;
}

static void follower_free(struct follower *f)
{
	if (!f)
		return;
	for (int i = 0; i < 2; i++)
		if (f->fd[i] >= 0)
			close(f->fd[i]);
	if (f->inotify >= 0)
		close(f->inotify);
	if (f->exit_fd >= 0)
		close(f->exit_fd);
	if (f->attached) {
		pthread_mutex_lock(&f->d->lock);
		registry_get(f->d, f->id)->attachers--;
		pthread_cond_broadcast(&f->d->cond);
		pthread_mutex_unlock(&f->d->lock);
	}
	engine_container_free(f->c);
	dctx_put(f->d, f->dc);
	free(f);
}

static struct follower *follower_new(struct daemon *d, hs_request *req)
{
	struct follower *f = calloc(1, sizeof(*f));
	json_object *ins, *v;

	if (!f) {
		hs_reply_error(req, 500, "out of memory");
		return NULL;
	}
	f->d = d;
	f->fd[0] = f->fd[1] = f->inotify = f->exit_fd = -1;
	f->dc = dctx_get(d);
	f->ctx = f->dc->ctx;
	f->c = open_container_param(req, f->ctx);
	if (!f->c) {
		follower_free(f);
		return NULL;
	}
	snprintf(f->id, sizeof(f->id), "%s", engine_container_id(f->c));
	f->want[0] = hs_query_bool(req, "stdout", false);
	f->want[1] = hs_query_bool(req, "stderr", false);
	ins = container_inspect_obj(f->c);
	if (ins && json_object_object_get_ex(ins, "LogPath", &v) && json_object_get_string(v)) {
		char tmp[4096];

		snprintf(tmp, sizeof(tmp), "%s", json_object_get_string(v));
		snprintf(f->dir, sizeof(f->dir), "%s", dirname(tmp));
	}
	if (ins)
		json_object_put(ins);
	return f;
}

/* Note where we start: the current ends of the files (or their starts). */
static void follower_begin(struct follower *f, bool from_start)
{
	struct dcont *e;

	pthread_mutex_lock(&f->d->lock);
	e = registry_get(f->d, f->id);
	f->exits0 = e->exits;
	f->was_running = e->running;
	if (f->attached)
		e->attachers++;
	pthread_mutex_unlock(&f->d->lock);
	if (f->dir[0]) {
		f->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (f->inotify >= 0 && inotify_add_watch(f->inotify, f->dir, IN_MODIFY | IN_CREATE) < 0) {
			close(f->inotify);
			f->inotify = -1;
		}
	}
	open_logs(f);
	for (int i = 0; i < 2; i++) {
		struct stat st;

		f->off[i] = 0;
		if (f->fd[i] < 0 || fstat(f->fd[i], &st) < 0)
			continue;
		f->off[i] = from_start ? tail_offset(f->fd[i], st.st_size, f->tail) : st.st_size;
	}
}

/* Send what is new in the files as frames. -1 when the client is gone. */
static int pump(struct follower *f, int (*out)(void *, const void *, size_t), void *arg)
{
	char buf[32768 + 8];

	open_logs(f);
	for (int i = 0; i < 2; i++) {
		for (;;) {
			ssize_t n;

			if (f->fd[i] < 0)
				break;
			n = pread(f->fd[i], buf + 8, sizeof(buf) - 8, f->off[i]);
			if (n <= 0)
				break;
			f->off[i] += n;
			frame_header((unsigned char *)buf, i + 1, (size_t)n);
			if (out(arg, buf, (size_t)n + 8) < 0)
				return -1;
		}
	}
	return 0;
}

/* Has the container ended the run we are following? */
static bool run_over(struct follower *f)
{
	struct dcont *e;
	bool over;

	pthread_mutex_lock(&f->d->lock);
	e = registry_get(f->d, f->id);
	over = e->exits > f->exits0 || e->removed;
	pthread_mutex_unlock(&f->d->lock);
	return over;
}

static void drain_inotify(int fd)
{
	char buf[4096];

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
}

/* Follow until the run is over (or, with @until_exit false, forever) or the
 * client leaves: @client_fd (may be -1) is polled for hang-up. */
static void follow_loop(struct follower *f, int (*out)(void *, const void *, size_t), void *arg,
			int client_fd)
{
	bool client_eof = false;

	for (;;) {
		struct pollfd p[3];
		int n = 0, ci = -1;

		if (pump(f, out, arg) < 0)
			return;
		if (run_over(f)) {
			pump(f, out, arg);
			return;
		}
		if (f->exit_fd < 0)
			f->exit_fd = registry_exit_fd(f->d, f->id);
		if (f->inotify >= 0)
			p[n++] = (struct pollfd){.fd = f->inotify, .events = POLLIN};
		if (f->exit_fd >= 0)
			p[n++] = (struct pollfd){.fd = f->exit_fd, .events = POLLIN};
		if (client_fd >= 0) {
			/* After the client's half-close only a hang-up matters. */
			ci = n;
			p[n++] =
			    (struct pollfd){.fd = client_fd, .events = client_eof ? 0 : POLLIN | POLLRDHUP};
		}
		if (poll(p, (nfds_t)n, f->exit_fd >= 0 ? 1000 : 50) < 0 && errno != EINTR)
			return;
		drain_inotify(f->inotify);
		if (ci >= 0 && p[ci].revents) {
			char junk[4096];
			ssize_t r = 1;

			if (!client_eof && (p[ci].revents & (POLLIN | POLLRDHUP)))
				r = read(client_fd, junk, sizeof(junk));
			/* EOF is the client's half-close (no stdin): keep sending. */
			if (r == 0)
				client_eof = true;
			else if (r < 0 && errno != EINTR && errno != EAGAIN)
				return;
			if (p[ci].revents & (POLLHUP | POLLERR))
				return;
		}
	}
}

/* --- attach ------------------------------------------------------------------ */

static int out_fd(void *arg, const void *buf, size_t len)
{
	return hs_write_all(*(int *)arg, buf, len);
}

static void attach_run(int fd, const char *extra, size_t extra_len, void *data)
{
	struct follower *f = data;

	(void)extra;
	(void)extra_len;
	if (f->logs)
		pump(f, out_fd, &fd);
	if (f->stream)
		follow_loop(f, out_fd, &fd, fd);
}

static void attach_free(void *data)
{
	follower_free(data);
}

static void attach(hs_request *req, void *app)
{
	struct follower *f;

	if (hs_query_bool(req, "stdin", false)) {
		struct dctx *dc = dctx_get(app);
		engine_container *c = open_container_param(req, dc->ctx);

		if (c)
			hs_reply_error(req, 501, "attaching stdin is not available through this daemon yet");
		engine_container_free(c);
		dctx_put(app, dc);
		return;
	}
	f = follower_new(app, req);
	if (!f)
		return;
	f->logs = hs_query_bool(req, "logs", false);
	f->stream = hs_query_bool(req, "stream", false);
	f->tail = -1;
	f->attached = true;
	follower_begin(f, f->logs);
	events_container(f->c, "attach", NULL);
	hs_reply_upgrade(req, "application/vnd.docker.raw-stream", attach_run, f, attach_free);
}

/* --- logs --------------------------------------------------------------------- */

static int out_stream(void *arg, const void *buf, size_t len)
{
	return hs_stream_write(arg, buf, len);
}

static void logs_run(hs_stream *st, void *data)
{
	struct follower *f = data;

	pump(f, out_stream, st);
	if (f->follow && (f->was_running || strcmp(engine_container_status(f->c), "running") == 0))
		follow_loop(f, out_stream, st, -1);
}

static void logs(hs_request *req, void *app)
{
	struct follower *f;
	const char *tail = hs_query(req, "tail");
	long long since, until;

	if (hs_query_int(req, "since", 0, &since) < 0 || hs_query_int(req, "until", 0, &until) < 0) {
		hs_reply_error(req, 400, "since and until must be Unix timestamps");
		return;
	}
	if (hs_query_bool(req, "timestamps", false) || since > 0 || until > 0) {
		hs_reply_error(
		    req, 501,
		    "log timestamps (timestamps, since, until) are not recorded by this engine yet");
		return;
	}
	f = follower_new(app, req);
	if (!f)
		return;
	if (!f->want[0] && !f->want[1]) {
		follower_free(f);
		hs_reply_error(req, 400, "Bad parameters: you must choose at least one stream");
		return;
	}
	f->follow = hs_query_bool(req, "follow", false);
	f->tail = -1;
	if (tail && *tail && strcmp(tail, "all") != 0) {
		char *end;

		f->tail = strtoll(tail, &end, 10);
		if (*end || f->tail < 0)
			f->tail = -1;
	}
	follower_begin(f, true);
	hs_reply_stream(req, 200, NULL, logs_run, f, attach_free);
}

const struct hs_route daemon_stream_routes[] = {
    {"POST", "/containers/{id}/attach", attach, 0},
    {"GET", "/containers/{id}/logs", logs, 0},
    {NULL, NULL, NULL, 0},
};
