/*
 * The monitor's stdio relay (see relay.h): one poll loop over the
 * process's pidfd, its output pipes (or pty master), its stdin, the
 * listening socket and every client. Output is appended to the log and
 * queued to live clients in the same step, so a client that replays the
 * log up to its current end and then goes live sees every byte exactly
 * once. A slow live client holds back reading the process's output (like
 * Docker's attach), never the other clients' replay.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "core/error.h"
#include "runtime/logfile.h"
#include "runtime/relay.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"

/* A live client with this much queued stops the process's output. */
#define HIGH_WATER (1u << 20)
/* Replay reads the log in steps of about this much. */
#define REPLAY_STEP 65536
/* Pending stdin held for a process that is not reading. */
#define STDIN_MAX 65536
/* After the process exits: stop reading output at the first quiet poll. */
#define DRAIN_IDLE_MS 100
/* After exit, how long attachers get to take what is queued for them. */
#define FLUSH_SECONDS 2.0

enum { C_REQ, C_ACTIVE };

typedef struct client {
	int fd;
	int state;
	engine__relay_req req;
	size_t req_got;
	engine__buf out;
	bool live;	  /* gets output as it happens */
	off_t replay_off; /* next log offset to replay, -1 when not replaying */
	int rfd;	  /* replaying a rotated file (to rend), -1: the current one */
	off_t rend;
	int *rq; /* rotated files to replay after rfd, oldest first */
	size_t nrq;
	bool frames;	    /* ATTACH (frames or raw tty bytes); else FOLLOW (records) */
	bool wants_stdin;   /* its bytes go to the process */
	bool in_eof;	    /* it shut its write side */
	bool close_flushed; /* close once its queue is empty */
	bool waiter;
} client;

struct engine__relay {
	engine__relay_config cfg;
	client *clients;
	size_t n_clients;
	off_t log_size;
	engine__buf in_buf;
	bool close_in; /* close the process's stdin once in_buf is written */
	bool exited;
	double deadline;
};

static void set_nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

static bool read_client(engine__relay *r, struct client *c, bool hup);

static int add_client(engine__relay *r, int fd)
{
	client *g = realloc(r->clients, (r->n_clients + 1) * sizeof(*g));

	if (!g) {
		close(fd);
		return engine__error_oom();
	}
	r->clients = g;
	memset(&g[r->n_clients], 0, sizeof(*g));
	g[r->n_clients].fd = fd;
	g[r->n_clients].replay_off = -1;
	g[r->n_clients].rfd = -1;
	r->n_clients++;
	set_nonblock(fd);
	return 0;
}

static void drop_client(engine__relay *r, size_t i)
{
	client *c = &r->clients[i];

	close(c->fd);
	if (c->rfd >= 0)
		close(c->rfd);
	for (size_t k = 0; k < c->nrq; k++)
		close(c->rq[k]);
	free(c->rq);
	engine__buf_free(&c->out);
	r->clients[i] = r->clients[r->n_clients - 1];
	r->n_clients--;
}

int engine__relay_new(const engine__relay_config *cfg, engine__relay **out)
{
	engine__relay *r = calloc(1, sizeof(*r));

	if (!r)
		return engine__error_oom();
	r->cfg = *cfg;
	r->cfg.clients = NULL;
	r->cfg.n_clients = 0;
	for (int i = 0; i < 2; i++)
		set_nonblock(r->cfg.out_fd[i]);
	if (!r->cfg.tty)
		set_nonblock(r->cfg.in_fd);
	set_nonblock(r->cfg.listen_fd);
	if (r->cfg.log_fd >= 0) {
		r->log_size = lseek(r->cfg.log_fd, 0, SEEK_END);
		if (r->log_size < 0)
			r->log_size = 0;
	}
	if (r->cfg.timeout > 0)
		r->deadline = engine__now() + r->cfg.timeout;
	/* Clients from before the start have their request queued already:
	 * take it now, so they are live before the process writes anything. */
	for (size_t i = 0; i < cfg->n_clients; i++)
		if (add_client(r, cfg->clients[i]) == 0)
			read_client(r, &r->clients[r->n_clients - 1], false);
	*out = r;
	return 0;
}

static void close_in(engine__relay *r)
{
	/* A pty has no half-close: its master stays for the output. */
	if (r->cfg.in_fd >= 0 && !r->cfg.tty)
		close(r->cfg.in_fd);
	r->cfg.in_fd = -1;
	r->close_in = false;
	engine__buf_free(&r->in_buf);
}

/* --- output ------------------------------------------------------------- */

static void frame(client *c, int stream, const char *data, size_t len, bool tty)
{
	if (!tty) {
		unsigned char h[8] = {(unsigned char)stream,
				      0,
				      0,
				      0,
				      (unsigned char)(len >> 24),
				      (unsigned char)(len >> 16),
				      (unsigned char)(len >> 8),
				      (unsigned char)len};

		engine__buf_append(&c->out, h, sizeof(h));
	}
	engine__buf_append(&c->out, data, len);
}

static bool wants(const client *c, int stream, bool tty)
{
	/* A TTY has one stream: either flag gets it. */
	if (tty)
		return c->req.flags & (ENGINE__RELAY_STDOUT | ENGINE__RELAY_STDERR);
	return c->req.flags & (stream == 1 ? ENGINE__RELAY_STDOUT : ENGINE__RELAY_STDERR);
}

/* A replaying client keeps the file that was just rotated (its own fd):
 * it goes on to the end of it, then to the files after it. */
static void keep_rotated(client *c, int old, off_t size)
{
	int fd = fcntl(old, F_DUPFD_CLOEXEC, 3);
	int *g;

	if (fd < 0)
		return; /* it goes on in the new file: what is left here is lost */
	if (c->rfd < 0) {
		c->rfd = fd;
		c->rend = size;
		return;
	}
	g = realloc(c->rq, (c->nrq + 1) * sizeof(*g));
	if (!g) {
		close(fd);
		return;
	}
	c->rq = g;
	c->rq[c->nrq++] = fd;
}

/* --log-opt max-size: rotate before appending to a full file (so a file
 * may pass max-size by one batch of records, as with Docker's). */
static void maybe_rotate(engine__relay *r)
{
	int nfd;

	if (r->cfg.log_dirfd < 0 || r->cfg.log_max_size <= 0 || r->log_size < r->cfg.log_max_size)
		return;
	nfd = engine__log_rotate(r->cfg.log_dirfd, r->cfg.log_max_files, r->cfg.log_fd);
	if (nfd < 0) {
		engine_error_clear(); /* the current file goes on growing */
		return;
	}
	for (size_t k = 0; k < r->n_clients; k++)
		if (r->clients[k].replay_off >= 0)
			keep_rotated(&r->clients[k], r->cfg.log_fd, r->log_size);
	close(r->cfg.log_fd);
	r->cfg.log_fd = nfd;
	r->log_size = 0;
}

static void write_records(engine__relay *r, const char *data, size_t len)
{
	ssize_t w;

	do
		w = write(r->cfg.log_fd, data, len);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)len) {
		r->log_size += w;
		return;
	}
	/* A full disk: drop the torn record, keep relaying. */
	if (w > 0 && ftruncate(r->cfg.log_fd, r->log_size) < 0) {
		close(r->cfg.log_fd);
		r->cfg.log_fd = -1;
	}
}

/* Append @rec's records, in one write each run of them that fits before
 * the next rotation (a read of output may hold many lines: Docker checks
 * the size before each one). */
static void log_append(engine__relay *r, const engine__buf *rec)
{
	size_t start = 0, pos = 0;

	while (r->cfg.log_fd >= 0 && pos < rec->len) {
		engine__log_hdr h;

		maybe_rotate(r);
		if (r->cfg.log_fd < 0)
			return;
		/* Records up to the size limit (at least one). */
		do {
			memcpy(&h, rec->data + pos, sizeof(h));
			pos += ENGINE__LOG_HDR + h.len + ENGINE__LOG_TRAILER;
		} while (pos < rec->len && (r->cfg.log_max_size <= 0 || r->cfg.log_dirfd < 0 ||
					    r->log_size + (off_t)(pos - start) < r->cfg.log_max_size));
		write_records(r, rec->data + start, pos - start);
		start = pos;
	}
}

/* Read what the process wrote on @i; false at EOF. */
static bool read_output(engine__relay *r, int i)
{
	char buf[32768];
	engine__buf rec = {0};
	int stream = i + 1;
	ssize_t n;

	n = read(r->cfg.out_fd[i], buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n <= 0)
		return false; /* EOF, or EIO: the pty's last slave is closed */
	if (r->cfg.log_fd >= 0 &&
	    engine__log_encode(&rec, stream, buf, (size_t)n, engine__realtime_ns()) == 0)
		log_append(r, &rec);
	for (size_t k = 0; k < r->n_clients; k++) {
		client *c = &r->clients[k];

		if (c->state != C_ACTIVE || !c->live)
			continue;
		if (c->frames) {
			if (wants(c, stream, r->cfg.tty))
				frame(c, stream, buf, (size_t)n, r->cfg.tty);
		} else if (rec.len) {
			engine__buf_append(&c->out, rec.data, rec.len);
		}
	}
	engine__buf_free(&rec);
	return true;
}

/* At the end of a rotated file: the next one, or the current file. */
static bool next_file(client *c)
{
	struct stat sb;

	if (c->rfd < 0)
		return false;
	close(c->rfd);
	c->rfd = -1;
	c->replay_off = 0;
	if (c->nrq) {
		c->rfd = c->rq[0];
		c->rend = fstat(c->rfd, &sb) == 0 ? sb.st_size : 0;
		memmove(c->rq, c->rq + 1, (c->nrq - 1) * sizeof(*c->rq));
		c->nrq--;
	}
	return true;
}

/* Queue the next part of the log for a replaying client. */
static void replay(engine__relay *r, client *c)
{
	engine__log_hdr h;
	char payload[ENGINE__LOG_MAX_PAYLOAD];

	while (c->replay_off >= 0 && engine__buf_pending(&c->out) < REPLAY_STEP) {
		int fd = c->rfd >= 0 ? c->rfd : r->cfg.log_fd;
		int k = fd >= 0
			    ? engine__log_read_hdr(fd, c->replay_off, c->rfd >= 0 ? c->rend : r->log_size, &h)
			    : 0;
		off_t size = ENGINE__LOG_HDR + (off_t)h.len + ENGINE__LOG_TRAILER;

		if (k <= 0) {
			engine_error_clear();
			if (next_file(c))
				continue;
			/* Caught up: from here on the client gets output as it comes. */
			c->replay_off = -1;
			if (c->req.flags & ENGINE__RELAY_NOSTREAM)
				c->close_flushed = true;
			else
				c->live = true;
			break;
		}
		if (!c->frames) {
			size_t len = (size_t)size;

			if (len > sizeof(payload))
				len = sizeof(payload);
			if (pread(fd, payload, len, c->replay_off) == (ssize_t)len)
				engine__buf_append(&c->out, payload, len);
			if (len < (size_t)size) {
				/* larger than the stack buffer: send in two steps */
				size_t rest = (size_t)size - len;
				char *tmp = malloc(rest);

				if (tmp && pread(fd, tmp, rest, c->replay_off + (off_t)len) == (ssize_t)rest)
					engine__buf_append(&c->out, tmp, rest);
				free(tmp);
			}
		} else if (wants(c, h.stream, r->cfg.tty) &&
			   pread(fd, payload, h.len, c->replay_off + ENGINE__LOG_HDR) == (ssize_t)h.len) {
			frame(c, h.stream, payload, h.len, r->cfg.tty);
		}
		c->replay_off += size;
	}
}

/* Send what is queued; false when the client is gone. */
static bool flush_client(client *c)
{
	while (engine__buf_pending(&c->out)) {
		ssize_t n = send(c->fd, c->out.data + c->out.off, engine__buf_pending(&c->out),
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		if (n <= 0)
			return false;
		engine__buf_consume(&c->out, (size_t)n);
	}
	return !c->close_flushed;
}

/* --- requests and stdin --------------------------------------------------- */

static void reply(client *c, int code, uint32_t flags)
{
	engine__relay_rep rep = {ENGINE__RELAY_MAGIC, code, flags, 0};

	engine__buf_append(&c->out, &rep, sizeof(rep));
}

/* Where a replay starts: the request's offset in the current file, or in
 * the rotated file it names (then through the newer ones); the oldest
 * file's start when the one it names was rotated away. */
static void replay_from(engine__relay *r, client *c)
{
	struct stat sb;
	int fds[64];
	int n = 0, found = -1;

	c->replay_off = (off_t)c->req.offset < r->log_size ? (off_t)c->req.offset : r->log_size;
	if (!c->req.ino || r->cfg.log_dirfd < 0 ||
	    (fstat(r->cfg.log_fd, &sb) == 0 && (uint64_t)sb.st_ino == c->req.ino))
		return;
	/* Newest first: .1, .2, ... */
	for (int k = 1; k < r->cfg.log_max_files && n < 64; k++) {
		int fd = engine__log_open_rotated(r->cfg.log_dirfd, k);

		if (fd < 0)
			break;
		fds[n++] = fd;
		if (fstat(fd, &sb) == 0 && (uint64_t)sb.st_ino == c->req.ino) {
			found = n - 1;
			break;
		}
	}
	c->replay_off = 0;
	if (found >= 0)
		c->replay_off = (off_t)c->req.offset;
	/* The file to start in, then the newer ones. */
	for (int k = n; k-- > 0;) {
		if (c->rfd < 0) {
			c->rfd = fds[k];
			c->rend = fstat(c->rfd, &sb) == 0 ? sb.st_size : 0;
			if (c->replay_off > c->rend)
				c->replay_off = c->rend;
			continue;
		}
		int *g = realloc(c->rq, (c->nrq + 1) * sizeof(*g));

		if (!g) {
			close(fds[k]);
			continue;
		}
		c->rq = g;
		c->rq[c->nrq++] = fds[k];
	}
}

static void start_client(engine__relay *r, client *c)
{
	uint32_t flags =
	    (r->cfg.tty ? ENGINE__RELAY_TTY : 0) | (r->cfg.in_fd >= 0 ? ENGINE__RELAY_HAS_IN : 0);

	c->state = C_ACTIVE;
	if (c->req.magic != ENGINE__RELAY_MAGIC) {
		c->close_flushed = true;
		return;
	}
	switch (c->req.kind) {
	case ENGINE__RELAY_ATTACH:
		/* The reply tells the client it was taken before the monitor's end
		 * (a connection left in the backlog is reset instead). */
		reply(c, 0, flags);
		c->frames = true;
		c->wants_stdin = (c->req.flags & ENGINE__RELAY_STDIN) && r->cfg.in_fd >= 0;
		if ((c->req.flags & ENGINE__RELAY_REPLAY) && r->cfg.log_fd >= 0)
			replay_from(r, c);
		else if (c->req.flags & ENGINE__RELAY_NOSTREAM)
			c->close_flushed = true;
		else
			c->live = true;
		break;
	case ENGINE__RELAY_FOLLOW:
		if (r->cfg.log_fd < 0) {
			reply(c, ENGINE_ENOTSUP, 0);
			c->close_flushed = true;
			break;
		}
		reply(c, 0, flags);
		replay_from(r, c);
		break;
	case ENGINE__RELAY_RESIZE: {
		struct winsize ws = {.ws_row = c->req.rows, .ws_col = c->req.cols};

		if (!r->cfg.tty || r->cfg.out_fd[0] < 0)
			reply(c, ENGINE_EINVALID, 0);
		else
			reply(c, ioctl(r->cfg.out_fd[0], TIOCSWINSZ, &ws) < 0 ? ENGINE_ERROR : 0, flags);
		c->close_flushed = true;
		break;
	}
	case ENGINE__RELAY_WAIT:
		reply(c, 0, flags);
		c->waiter = true;
		break;
	default:
		reply(c, ENGINE_EINVALID, 0);
		c->close_flushed = true;
	}
}

/* Input from a client: its request, then (attachers) stdin. False when
 * gone. @hup: the client hung up entirely, which is not an end of input:
 * only a half-close (shutdown(SHUT_WR)) is, so detaching or a client that
 * vanishes never closes the container's stdin. */
static bool read_client(engine__relay *r, client *c, bool hup)
{
	char buf[32768];
	ssize_t n;

	if (c->state == C_REQ) {
		n = recv(c->fd, (char *)&c->req + c->req_got, sizeof(c->req) - c->req_got, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0)
			return false;
		c->req_got += (size_t)n;
		if (c->req_got == sizeof(c->req))
			start_client(r, c);
		return true;
	}
	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return true;
	if (n < 0)
		return false;
	if (n == 0) {
		c->in_eof = true;
		/* Like Docker, a TTY's input is never closed by an attacher. */
		if (!hup && c->wants_stdin && r->cfg.stdin_once && !r->cfg.tty && r->cfg.in_fd >= 0)
			r->close_in = true;
		return true;
	}
	if (c->wants_stdin && r->cfg.in_fd >= 0)
		engine__buf_append(&r->in_buf, buf, (size_t)n);
	return true;
}

static void write_stdin(engine__relay *r)
{
	while (engine__buf_pending(&r->in_buf) && r->cfg.in_fd >= 0) {
		ssize_t n =
		    write(r->cfg.in_fd, r->in_buf.data + r->in_buf.off, engine__buf_pending(&r->in_buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* The process closed its stdin: nothing more goes in. */
			close_in(r);
			return;
		}
		engine__buf_consume(&r->in_buf, (size_t)n);
	}
	if (r->close_in)
		close_in(r);
}

static void accept_clients(engine__relay *r)
{
	for (;;) {
		int fd = accept4(r->cfg.listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0)
			return;
		add_client(r, fd);
	}
}

/* --- the loop ------------------------------------------------------------- */

static bool backpressure(const engine__relay *r)
{
	for (size_t i = 0; i < r->n_clients; i++)
		if (r->clients[i].live && engine__buf_pending(&r->clients[i].out) > HIGH_WATER)
			return true;
	return false;
}

int engine__relay_run(engine__relay *r)
{
	for (;;) {
		size_t np = 0, nc = r->n_clients;
		struct pollfd *pfd = calloc(nc + 5, sizeof(*pfd));
		int idx_out[2] = {-1, -1}, idx_pid = -1, idx_in = -1, idx_listen = -1, timeout = -1, n;
		bool held = backpressure(r);

		if (!pfd)
			return engine__error_oom();
		if (!r->exited) {
			idx_pid = (int)np;
			pfd[np++] = (struct pollfd){.fd = r->cfg.pidfd, .events = POLLIN};
		}
		for (int i = 0; i < 2; i++)
			if (r->cfg.out_fd[i] >= 0 && !held) {
				idx_out[i] = (int)np;
				pfd[np++] = (struct pollfd){.fd = r->cfg.out_fd[i], .events = POLLIN};
			}
		if (r->cfg.in_fd >= 0 && (engine__buf_pending(&r->in_buf) || r->close_in)) {
			idx_in = (int)np;
			pfd[np++] = (struct pollfd){.fd = r->cfg.in_fd, .events = POLLOUT};
		}
		if (r->cfg.listen_fd >= 0) {
			idx_listen = (int)np;
			pfd[np++] = (struct pollfd){.fd = r->cfg.listen_fd, .events = POLLIN};
		}
		for (size_t i = 0; i < nc; i++) {
			client *c = &r->clients[i];
			short ev = 0;

			if (c->replay_off >= 0)
				replay(r, c);
			if (c->state == C_REQ || (!c->in_eof && engine__buf_pending(&r->in_buf) < STDIN_MAX))
				ev |= POLLIN;
			if (engine__buf_pending(&c->out) || c->close_flushed)
				ev |= POLLOUT;
			pfd[np + i] = (struct pollfd){.fd = c->fd, .events = ev};
		}
		if (r->exited)
			timeout = DRAIN_IDLE_MS;
		else if (r->deadline > 0) {
			double left = r->deadline - engine__now();

			timeout = left <= 0 ? 0 : (int)(left * 1000) + 1;
		}
		n = poll(pfd, np + nc, timeout);
		if (n < 0 && errno == EINTR) {
			free(pfd);
			continue;
		}
		if (n < 0) {
			int e = errno;

			free(pfd);
			return engine__error_errno(e, "poll");
		}
		if (n == 0 && r->exited) {
			/* Quiet after the exit: whatever still holds the pipes is not ours to wait for. */
			free(pfd);
			return 0;
		}
		if (n == 0 && r->deadline > 0 && engine__now() >= r->deadline) {
			free(pfd);
			r->deadline = 0;
			return 1;
		}
		if (idx_pid >= 0 && pfd[idx_pid].revents)
			r->exited = true;
		for (int i = 0; i < 2; i++)
			if (idx_out[i] >= 0 && pfd[idx_out[i]].revents && !read_output(r, i)) {
				if (i == 0 && r->cfg.tty && r->cfg.in_fd == r->cfg.out_fd[0])
					r->cfg.in_fd = -1;
				close(r->cfg.out_fd[i]);
				r->cfg.out_fd[i] = -1;
			}
		if (idx_in >= 0 && pfd[idx_in].revents)
			write_stdin(r);
		if (idx_listen >= 0 && pfd[idx_listen].revents)
			accept_clients(r);
		/* Clients, from the end: dropping one moves the last into its place. */
		for (size_t i = nc; i-- > 0;) {
			client *c = &r->clients[i];
			short re = pfd[np + i].revents;
			bool ok = true;

			if (re & (POLLIN | POLLHUP | POLLERR))
				ok = read_client(r, c, re & POLLHUP);
			if (ok && (re & POLLHUP) && !(re & POLLIN))
				ok = false;
			if (ok)
				ok = flush_client(c);
			if (!ok)
				drop_client(r, i);
		}
		free(pfd);
		if (engine__buf_pending(&r->in_buf) || r->close_in)
			write_stdin(r);
		if (r->exited && r->cfg.out_fd[0] < 0 && r->cfg.out_fd[1] < 0)
			return 0;
	}
}

void engine__relay_close_listener(engine__relay *r)
{
	if (r->cfg.listen_fd >= 0) {
		close(r->cfg.listen_fd);
		r->cfg.listen_fd = -1;
	}
}

void engine__relay_finish(engine__relay *r, const engine__relay_exit *ex, bool keep_waiters)
{
	double deadline = engine__now() + FLUSH_SECONDS;

	engine__relay_close_listener(r);
	close_in(r);
	for (size_t i = 0; i < r->n_clients; i++) {
		client *c = &r->clients[i];

		if (c->waiter)
			engine__buf_append(&c->out, ex, sizeof(*ex));
	}
	/* Attachers and followers get what is queued (replays included), then EOF. */
	for (;;) {
		size_t nc = r->n_clients, busy = 0;
		struct pollfd *pfd = calloc(nc + 1, sizeof(*pfd));
		double left = deadline - engine__now();

		if (!pfd)
			break;
		for (size_t i = nc; i-- > 0;) {
			client *c = &r->clients[i];

			if (c->state == C_REQ && !c->waiter) {
				drop_client(r, i);
				continue;
			}
			if (c->replay_off >= 0)
				replay(r, c);
			if (!c->waiter && c->replay_off < 0 && !engine__buf_pending(&c->out)) {
				drop_client(r, i);
				continue;
			}
		}
		nc = r->n_clients;
		for (size_t i = 0; i < nc; i++) {
			pfd[i] =
			    (struct pollfd){.fd = r->clients[i].fd,
					    .events = engine__buf_pending(&r->clients[i].out) ? POLLOUT : 0};
			if (pfd[i].events)
				busy++;
		}
		if (!busy || left <= 0) {
			free(pfd);
			break;
		}
		if (poll(pfd, nc, (int)(left * 1000) + 1) < 0 && errno != EINTR) {
			free(pfd);
			break;
		}
		for (size_t i = nc; i-- > 0;)
			if (pfd[i].revents) {
				client *c = &r->clients[i];
				bool ok = (pfd[i].revents & (POLLERR | POLLHUP)) ? false : flush_client(c);

				if (!ok)
					drop_client(r, i);
			}
		free(pfd);
	}
	for (size_t i = r->n_clients; i-- > 0;)
		if (!r->clients[i].waiter)
			drop_client(r, i);
	/* Waiters get their record now (it is small: the socket takes it). */
	for (size_t i = r->n_clients; i-- > 0;) {
		client *c = &r->clients[i];

		if (engine__buf_pending(&c->out))
			send(c->fd, c->out.data + c->out.off, engine__buf_pending(&c->out),
			     MSG_NOSIGNAL | MSG_DONTWAIT);
		engine__buf_consume(&c->out, engine__buf_pending(&c->out));
		if (!keep_waiters)
			drop_client(r, i);
	}
}

void engine__relay_rearm(engine__relay *r, const engine__relay_config *cfg)
{
	int log_fd = r->cfg.log_fd;

	engine__relay_close_listener(r);
	for (int i = 0; i < 2; i++)
		if (r->cfg.out_fd[i] >= 0 && !(i == 0 && r->cfg.tty && r->cfg.in_fd == r->cfg.out_fd[0]))
			close(r->cfg.out_fd[i]);
	if (r->cfg.in_fd >= 0)
		close(r->cfg.in_fd);
	engine__buf_free(&r->in_buf);
	{
		int dirfd = r->cfg.log_dirfd, files = r->cfg.log_max_files;
		int64_t size = r->cfg.log_max_size;

		r->cfg = *cfg;
		r->cfg.log_dirfd = dirfd;
		r->cfg.log_max_size = size;
		r->cfg.log_max_files = files;
	}
	r->cfg.log_fd = log_fd;
	r->cfg.clients = NULL;
	r->cfg.n_clients = 0;
	r->exited = false;
	r->close_in = false;
	r->deadline = cfg->timeout > 0 ? engine__now() + cfg->timeout : 0;
	for (int i = 0; i < 2; i++)
		set_nonblock(r->cfg.out_fd[i]);
	if (!r->cfg.tty)
		set_nonblock(r->cfg.in_fd);
	set_nonblock(r->cfg.listen_fd);
}

void engine__relay_free(engine__relay *r)
{
	if (!r)
		return;
	while (r->n_clients)
		drop_client(r, r->n_clients - 1);
	free(r->clients);
	for (int i = 0; i < 2; i++)
		if (r->cfg.out_fd[i] >= 0 && !(i == 0 && r->cfg.tty && r->cfg.in_fd == r->cfg.out_fd[0]))
			close(r->cfg.out_fd[i]);
	if (r->cfg.in_fd >= 0)
		close(r->cfg.in_fd);
	if (r->cfg.log_fd >= 0)
		close(r->cfg.log_fd);
	if (r->cfg.log_dirfd >= 0)
		close(r->cfg.log_dirfd);
	if (r->cfg.listen_fd >= 0)
		close(r->cfg.listen_fd);
	engine__buf_free(&r->in_buf);
	free(r);
}

/* --- the socket ------------------------------------------------------------ */

/* sun_path is 108 bytes; a root under /tmp/... plus a 64-hex ID is longer. */
static int sock_addr(int dirfd, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, ENGINE__RELAY_SOCK);
	return 0;
}

int engine__relay_listen(const char *dir)
{
	cleanup_close int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int fd = -EBADF;
	struct sockaddr_un sa;

	if (dirfd < 0)
		return engine__error_errno(errno, "open %s", dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return engine__error_errno(errno, "create attach socket");
	sock_addr(dirfd, &sa);
	unlinkat(dirfd, ENGINE__RELAY_SOCK, 0);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return engine__error_errno(errno, "bind %s/%s", dir, ENGINE__RELAY_SOCK);
	/* Root only, like the rest of the container's state. */
	if (fchmodat(dirfd, ENGINE__RELAY_SOCK, 0600, 0) < 0 || listen(fd, 128) < 0)
		return engine__error_errno(errno, "listen on %s/%s", dir, ENGINE__RELAY_SOCK);
	return steal_fd(fd);
}

int engine__relay_connect(const char *dir)
{
	cleanup_close int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	cleanup_close int fd = -EBADF;
	struct sockaddr_un sa;

	if (dirfd < 0)
		return engine__error_set(errno == ENOENT ? ENGINE_ENOTFOUND : ENGINE_ERROR, errno,
					 "open %s: %s", dir, strerror(errno));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return engine__error_errno(errno, "create socket");
	sock_addr(dirfd, &sa);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			return engine__error_set(ENGINE_ENOTFOUND, errno,
						 "the container's monitor is not running");
		return engine__error_errno(errno, "connect to %s/%s", dir, ENGINE__RELAY_SOCK);
	}
	return steal_fd(fd);
}
