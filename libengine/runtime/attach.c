/*
 * engine_container_attach and friends, the client side of the monitor's
 * relay (relay.h). A running container is attached at once. One that is
 * not running waits for its start in two ways at once: a socket pair whose
 * other end is queued in the context (a start through the same context
 * hands it to the new monitor), and, for a start by any other process, a
 * look at the state whenever the caller reads; then it connects and has
 * the monitor replay the log from where it stood at the attach, so nothing
 * written after the start is missed either way. A container that ran and
 * exited between two looks is read from its log file. Also demultiplexed
 * reads, stdin with detach keys, and resize.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <engine/attach.h>

#include "core/abi.h"
#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/logfile.h"
#include "runtime/relay.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* How often a waiting attachment looks at the container's state. */
#define PENDING_POLL_NS (20 * 1000 * 1000)
/* Input buffered for a container that has not started yet. */
#define PENDING_STDIN_MAX (1u << 20)

enum { A_PENDING, A_CONNECTED, A_FILE, A_DONE };

struct engine_attach {
	engine_context *ctx;
	char *dir;
	char id[65];
	int state;
	int fd;	   /* A_CONNECTED: the monitor's connection */
	int timer; /* A_PENDING, A_FILE: what engine_attach_fd() gives to poll */
	bool tty;
	bool has_stdin;
	bool detached;
	char keys[16];
	size_t n_keys, matched;
	/* demultiplexing: what is left of the current frame */
	unsigned char hdr[8];
	size_t hdr_got;
	size_t frame_left;
	int frame_stream;
	/* A_PENDING */
	engine__relay_req req; /* for a connection of our own */
	unsigned long token;   /* the queued socket pair's registry entry */
	int queued;	       /* our end of it */
	int64_t finished0;     /* FinishedAt when attached: a later one means it ran */
	engine__buf in;	       /* stdin written before the start */
	bool in_eof;
	/* A_FILE: a run that ended before we connected, read from the log */
	engine__log_files files;
};

ENGINE_EXTERN int engine_attach_options_init(engine_attach_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_attach_options, opts, version, ENGINE_ATTACH_OPTIONS_INIT);
}

ENGINE_EXTERN int engine_detach_keys_parse(const char *keys, char *out, size_t size, size_t *len)
{
	const char *p = keys;
	size_t n = 0;

	if (!keys || !out || !len)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_detach_keys_parse: NULL argument");
	while (*p) {
		const char *end = strchr(p, ',');
		size_t klen = end ? (size_t)(end - p) : strlen(p);
		int c;

		if (klen == 1) {
			c = (unsigned char)*p;
		} else if (klen == 6 && strncmp(p, "ctrl-", 5) == 0) {
			char k = p[5];

			if (k >= 'a' && k <= 'z')
				c = k - 'a' + 1;
			else if (k == '@')
				c = 0;
			else if (k >= '[' && k <= '_')
				c = k - '[' + 27;
			else
				goto bad;
		} else {
			goto bad;
		}
		if (n >= size)
			return engine__error_set(ENGINE_EINVALID, 0, "detach keys \"%s\": too many keys",
						 keys);
		out[n++] = (char)c;
		p += klen;
		if (*p == ',') {
			p++;
			if (!*p)
				return engine__error_set(ENGINE_EINVALID, 0, "detach keys \"%s\": empty key",
							 keys);
		}
		continue;
	bad:
		return engine__error_set(ENGINE_EINVALID, 0, "detach keys \"%s\": invalid key \"%.*s\"", keys,
					 (int)klen, p);
	}
	*len = n;
	return 0;
}

/* --- attach ------------------------------------------------------------------- */

/* Where a replay starts: the log's first record (all of it, rotated files
 * included) or its end. */
static void log_pos(const char *dir, bool all, engine__relay_req *req)
{
	engine__log_files f;
	off_t off = 0;

	req->ino = 0;
	req->offset = 0;
	if (engine__log_files_open(dir, &f) < 0) {
		engine_error_clear();
		return;
	}
	engine__log_files_tail(&f, 3, all ? -1 : 0);
	engine__log_files_pos(&f, &req->ino, &off);
	req->offset = (uint64_t)off;
	engine__log_files_close(&f);
}

static int make_pending(engine_attach *a, engine_container *c, const engine__cstate *st, bool logs)
{
	struct itimerspec its = {{0, PENDING_POLL_NS}, {0, PENDING_POLL_NS}};
	int sp[2], r;

	a->state = A_PENDING;
	a->finished0 = st->finished_ns;
	/* Whatever the log holds now is from before: replay from its end. */
	a->req.flags |= ENGINE__RELAY_REPLAY;
	log_pos(c->dir, logs, &a->req);
	a->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (a->timer < 0 || timerfd_settime(a->timer, 0, &its, NULL) < 0)
		return engine__error_errno(errno, "create the attachment's timer");
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		return engine__error_errno(errno, "create attach socket");
	a->queued = sp[0];
	/* The request waits in the socket for a monitor to read it. */
	r = engine__relay_send_all(sp[0], &a->req, sizeof(a->req));
	if (r == 0)
		r = engine__attach_register(c->ctx, c->id, sp[1], &a->token);
	if (r < 0)
		close(sp[1]);
	return r;
}

ENGINE_EXTERN int engine_container_attach(engine_container *c, const engine_attach_options *opts,
					  engine_attach **out)
{
	engine_attach_options o = ENGINE_ATTACH_OPTIONS_INIT;
	engine_attach *a;
	engine__cstate st;
	int mode, r;

	if (!c || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_attach: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_attach_options), &o, opts)) < 0)
		return r;
	mode = c->spec->stdio;
	if (!c->spec->tty && mode != ENGINE_STDIO_DEFAULT && mode != ENGINE_STDIO_CAPTURE &&
	    mode != ENGINE_STDIO_LOG)
		return engine__error_set(
		    ENGINE_ENOTSUP, 0,
		    "container %.12s: its stdio was handed to fds, the engine has none to attach to", c->id);
	a = calloc(1, sizeof(*a));
	if (!a)
		return engine__error_oom();
	a->ctx = c->ctx;
	a->fd = a->timer = a->queued = -1;
	a->tty = c->spec->tty;
	a->has_stdin = o.attach_stdin && c->spec->open_stdin;
	snprintf(a->id, sizeof(a->id), "%s", c->id);
	a->dir = strdup(c->dir);
	if (!a->dir) {
		r = engine__error_oom();
		goto fail;
	}
	r = engine_detach_keys_parse(o.detach_keys ? o.detach_keys : "ctrl-p,ctrl-q", a->keys,
				     sizeof(a->keys), &a->n_keys);
	if (r < 0)
		goto fail;
	a->req.magic = ENGINE__RELAY_MAGIC;
	a->req.kind = ENGINE__RELAY_ATTACH;
	a->req.flags = (o.attach_stdin ? ENGINE__RELAY_STDIN : 0) |
		       (o.attach_stdout ? ENGINE__RELAY_STDOUT : 0) |
		       (o.attach_stderr ? ENGINE__RELAY_STDERR : 0) | (o.logs ? ENGINE__RELAY_REPLAY : 0) |
		       (o.stream ? 0 : ENGINE__RELAY_NOSTREAM);
	r = engine__state_read(c->dir, &st);
	if (r < 0)
		goto fail;
	engine__state_refresh(&st);
	if (strcmp(st.status, "running") == 0 || strcmp(st.status, "paused") == 0) {
		engine__relay_rep rep;

		a->fd = engine__relay_open(c->dir, &a->req, &rep);
		if (a->fd >= 0) {
			a->state = A_CONNECTED;
			*out = a;
			return 0;
		}
		if (engine_error_last()->code != ENGINE_ENOTFOUND) {
			r = engine_error_last()->code;
			goto fail;
		}
		/* It exited meanwhile: wait for its next start like a stopped one. */
		engine_error_clear();
		engine__state_read(c->dir, &st);
	}
	r = make_pending(a, c, &st, o.logs);
	if (r < 0)
		goto fail;
	*out = a;
	return 0;
fail:
	engine_attach_free(a);
	return r;
}

static void stop_pending(engine_attach *a)
{
	if (a->token)
		engine__attach_unregister(a->ctx, a->token);
	a->token = 0;
	if (a->queued >= 0)
		close(a->queued);
	a->queued = -1;
}

ENGINE_EXTERN void engine_attach_free(engine_attach *a)
{
	if (!a)
		return;
	stop_pending(a);
	if (a->fd >= 0)
		close(a->fd);
	if (a->timer >= 0)
		close(a->timer);
	engine__log_files_close(&a->files);
	engine__buf_free(&a->in);
	free(a->dir);
	free(a);
}

ENGINE_EXTERN int engine_attach_fd(const engine_attach *a)
{
	if (!a)
		return -1;
	return a->state == A_CONNECTED ? a->fd : a->timer;
}

ENGINE_EXTERN int engine_attach_tty(const engine_attach *a)
{
	return a && a->tty;
}

ENGINE_EXTERN int engine_attach_stdin(const engine_attach *a)
{
	return a && a->has_stdin;
}

ENGINE_EXTERN int engine_attach_detached(const engine_attach *a)
{
	return a && a->detached;
}

/* Connected: what the caller wrote meanwhile goes first. */
static int connected(engine_attach *a, int fd)
{
	int r = 0;

	a->fd = fd;
	a->state = A_CONNECTED;
	if (engine__buf_pending(&a->in))
		r = engine__relay_send_all(fd, a->in.data + a->in.off, engine__buf_pending(&a->in));
	if (r == 0 && a->in_eof)
		shutdown(fd, SHUT_WR);
	engine__buf_free(&a->in);
	if (a->timer >= 0)
		close(a->timer);
	a->timer = -1;
	engine_error_clear();
	return 0;
}

/* The monitor's reply on a queued connection (it comes right after the
 * start), 0 when it is there. */
static int recv_reply(int fd)
{
	engine__relay_rep rep;
	size_t got = 0;

	while (got < sizeof(rep)) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		ssize_t n;

		if (poll(&pfd, 1, 60 * 1000) <= 0)
			return -1;
		n = recv(fd, (char *)&rep + got, sizeof(rep) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return rep.magic == ENGINE__RELAY_MAGIC && rep.code == 0 ? 0 : -1;
}

/* A waiting attachment: has the container started (or run) meanwhile? */
static int settle(engine_attach *a)
{
	engine__cstate st;
	bool ran, running;
	int fd;

	if (!engine__path_exists(a->dir)) {
		/* Removed (--rm): a start that took our socket may have run
		 * and ended before we looked, what it wrote is queued there. */
		running = ran = false;
	} else {
		if (engine__state_read(a->dir, &st) < 0)
			return engine_error_last()->code;
		engine__state_refresh(&st);
		running = strcmp(st.status, "running") == 0 || strcmp(st.status, "paused") == 0;
		ran = st.finished_ns != a->finished0 && strcmp(st.status, "created") != 0;
		if (!running && !ran)
			return 0;
	}
	if (a->token && !engine__attach_unregister(a->ctx, a->token)) {
		/* A start through our context took the queued socket: its monitor
		 * replies once it serves it (a start that failed closes it). */
		a->token = 0;
		fd = a->queued;
		a->queued = -1;
		if (recv_reply(fd) == 0) {
			stop_pending(a);
			return connected(a, fd);
		}
		close(fd);
		running = false;
	}
	a->token = 0;
	if (running) {
		engine__relay_rep rep;

		fd = engine__relay_open(a->dir, &a->req, &rep);
		if (fd >= 0) {
			stop_pending(a);
			return connected(a, fd);
		}
		if (engine_error_last()->code != ENGINE_ENOTFOUND)
			return engine_error_last()->code;
		engine_error_clear();
	}
	/* It ran and is gone again: what it wrote is in the log. */
	stop_pending(a);
	a->state = A_FILE;
	if (engine__log_files_open(a->dir, &a->files) < 0 || !a->files.n) {
		engine_error_clear();
		a->state = A_DONE;
	} else {
		engine__log_files_seek(&a->files, a->req.ino, (off_t)a->req.offset);
	}
	return 0;
}

/* A_FILE: the next record of a wanted stream, 0 at the end. */
static int read_file(engine_attach *a, void *buf, size_t size, int *stream)
{
	engine__log_hdr h;

	if (a->req.flags & ENGINE__RELAY_NOSTREAM && !(a->req.flags & ENGINE__RELAY_REPLAY))
		return 0;
	for (;;) {
		engine__log_files *f = &a->files;
		size_t len;
		int r = engine__log_read_hdr(f->fd[f->i], f->off, f->end[f->i], &h);

		if (r <= 0 && f->i + 1 < f->n) {
			/* The end of a rotated file: the next one. */
			engine_error_clear();
			f->i++;
			f->off = 0;
			continue;
		}
		if (r <= 0) {
			a->state = A_DONE;
			return r < 0 ? r : 0;
		}
		if (!a->tty &&
		    !(a->req.flags & (h.stream == 1 ? ENGINE__RELAY_STDOUT : ENGINE__RELAY_STDERR))) {
			f->off += ENGINE__LOG_HDR + (off_t)h.len + ENGINE__LOG_TRAILER;
			continue;
		}
		/* A record bigger than @size is read in parts: the header stays. */
		len = h.len - (size_t)a->frame_left;
		if (len > size)
			len = size;
		if (pread(f->fd[f->i], buf, len, f->off + ENGINE__LOG_HDR + (off_t)a->frame_left) !=
		    (ssize_t)len)
			return engine__error_errno(errno, "read the log");
		a->frame_left += len;
		if (a->frame_left == h.len) {
			a->frame_left = 0;
			f->off += ENGINE__LOG_HDR + (off_t)h.len + ENGINE__LOG_TRAILER;
		}
		if (stream)
			*stream = a->tty ? 1 : h.stream;
		return (int)len;
	}
}

static int wait_readable(int fd, double deadline)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};

	for (;;) {
		int ms = -1, n;

		if (deadline >= 0) {
			double left = deadline - engine__now();

			ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		n = poll(&pfd, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "poll the attachment");
		return n;
	}
}

static ssize_t read_some(engine_attach *a, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(a->fd, buf, len, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return -EAGAIN;
		if (n < 0)
			return engine__error_set(ENGINE_EIO, errno, "read the attachment: %s",
						 strerror(errno));
		return n;
	}
}

/* A_CONNECTED: one read of what is there (-EAGAIN when nothing is). */
static int read_stream(engine_attach *a, void *buf, size_t size, int *stream)
{
	ssize_t n;

	if (a->tty) {
		n = read_some(a, buf, size);
		if (n >= 0 && stream)
			*stream = 1;
		return (int)n;
	}
	while (a->frame_left == 0) {
		n = read_some(a, a->hdr + a->hdr_got, sizeof(a->hdr) - a->hdr_got);
		if (n <= 0) {
			if (n == 0 && a->hdr_got)
				return engine__error_set(ENGINE_EIO, 0,
							 "the attach stream ended inside a frame header");
			return (int)n;
		}
		a->hdr_got += (size_t)n;
		if (a->hdr_got < sizeof(a->hdr))
			continue;
		a->hdr_got = 0;
		a->frame_stream = a->hdr[0];
		a->frame_left =
		    (size_t)a->hdr[4] << 24 | (size_t)a->hdr[5] << 16 | (size_t)a->hdr[6] << 8 | a->hdr[7];
	}
	n = read_some(a, buf, size < a->frame_left ? size : a->frame_left);
	if (n == 0)
		return engine__error_set(ENGINE_EIO, 0, "the attach stream ended inside a frame");
	if (n > 0) {
		a->frame_left -= (size_t)n;
		if (stream)
			*stream = a->frame_stream;
	}
	return (int)n;
}

ENGINE_EXTERN int engine_attach_read(engine_attach *a, void *buf, size_t size, int *stream, double timeout)
{
	double deadline = timeout >= 0 ? engine__now() + timeout : -1;

	if (!a || (!buf && size))
		return engine__error_set(ENGINE_EINVALID, 0, "engine_attach_read: NULL argument");
	if (size > INT32_MAX)
		size = INT32_MAX;
	for (;;) {
		int r;

		if (a->state == A_DONE)
			return 0;
		if (a->state == A_PENDING) {
			r = settle(a);
			if (r < 0)
				return r;
			if (a->state == A_PENDING) {
				uint64_t ticks;

				r = wait_readable(a->timer, deadline);
				if (r < 0)
					return r;
				if (r == 0)
					return engine__error_set(ENGINE_ETIMEOUT, 0, "no output within %gs",
								 timeout);
				if (read(a->timer, &ticks, sizeof(ticks)) < 0) {
					/* EAGAIN: someone else read the tick */
				}
			}
			continue;
		}
		if (a->state == A_FILE)
			return read_file(a, buf, size, stream);
		r = read_stream(a, buf, size, stream);
		if (r != -EAGAIN)
			return r;
		r = wait_readable(a->fd, deadline);
		if (r < 0)
			return r;
		if (r == 0)
			return engine__error_set(ENGINE_ETIMEOUT, 0, "no output within %gs", timeout);
	}
}

/* Bytes of stdin: to the monitor, or held until the container starts. */
static int send_in(engine_attach *a, const char *p, size_t len)
{
	if (a->state == A_PENDING) {
		if (engine__buf_pending(&a->in) + len > PENDING_STDIN_MAX)
			return engine__error_set(ENGINE_EBUSY, 0,
						 "container %.12s has not started: its stdin buffer is full",
						 a->id);
		return engine__buf_append(&a->in, p, len);
	}
	if (a->state != A_CONNECTED)
		return engine__error_set(ENGINE_EIO, 0, "container %.12s is gone", a->id);
	return engine__relay_send_all(a->fd, p, len);
}

ENGINE_EXTERN int engine_attach_write(engine_attach *a, const void *content, size_t len)
{
	const char *p = content;
	size_t start = 0;

	if (!a || (!content && len))
		return engine__error_set(ENGINE_EINVALID, 0, "engine_attach_write: NULL argument");
	if (a->detached)
		return 0;
	if (!a->has_stdin)
		return engine__error_set(
		    ENGINE_EINVALID, 0,
		    "the attachment has no stdin (not requested, or the container was created "
		    "without an open stdin)");
	if (a->state == A_PENDING && settle(a) < 0)
		return engine_error_last()->code;
	/* Bytes matching the detach keys are held back until the sequence
	 * completes (detach) or breaks (they are sent after all). */
	for (size_t i = 0; i < len; i++) {
		if (a->n_keys && p[i] == a->keys[a->matched]) {
			if (a->matched == 0 && i > start) {
				int r = send_in(a, p + start, i - start);

				if (r < 0)
					return r;
			}
			if (++a->matched == a->n_keys) {
				a->detached = true;
				stop_pending(a);
				if (a->fd >= 0)
					shutdown(a->fd, SHUT_RDWR);
				a->state = A_DONE;
				return 0;
			}
			start = i + 1;
			continue;
		}
		if (a->matched) {
			/* A broken sequence: what was held back is ordinary input. */
			size_t held = a->matched;
			int r;

			a->matched = 0;
			r = send_in(a, a->keys, held);
			if (r < 0)
				return r;
			start = i;
			i--; /* the byte may start a new sequence */
		}
	}
	if (!a->matched && len > start)
		return send_in(a, p + start, len - start);
	return 0;
}

ENGINE_EXTERN int engine_attach_close_stdin(engine_attach *a)
{
	if (!a)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_attach_close_stdin: NULL argument");
	if (a->state == A_PENDING) {
		a->in_eof = true;
		return 0;
	}
	if (a->state == A_CONNECTED && !a->detached && shutdown(a->fd, SHUT_WR) < 0 && errno != ENOTCONN)
		return engine__error_errno(errno, "close the attachment's stdin");
	return 0;
}

/* --- resize --------------------------------------------------------------------- */

ENGINE_EXTERN int engine_container_resize(engine_container *c, unsigned rows, unsigned cols)
{
	engine__relay_req req;
	engine__relay_rep rep;
	int fd;

	if (!c)
		return engine__error_set(ENGINE_EINVALID, 0, "container is NULL");
	if (!rows || !cols || rows > 65535 || cols > 65535)
		return engine__error_set(ENGINE_EINVALID, 0, "terminal size %ux%u: out of range", rows, cols);
	if (!c->spec->tty)
		return engine__error_set(ENGINE_EINVALID, 0, "container %.12s has no TTY", c->id);
	memset(&req, 0, sizeof(req));
	req.magic = ENGINE__RELAY_MAGIC;
	req.kind = ENGINE__RELAY_RESIZE;
	req.rows = (uint16_t)rows;
	req.cols = (uint16_t)cols;
	fd = engine__relay_open(c->dir, &req, &rep);
	if (fd < 0) {
		if (engine_error_last()->code == ENGINE_ENOTFOUND)
			return engine__error_set(ENGINE_EBUSY, 0, "container %.12s is not running", c->id);
		return fd;
	}
	close(fd);
	if (rep.code < 0)
		return engine__error_set(rep.code, 0, "resize the terminal of container %.12s", c->id);
	return 0;
}
