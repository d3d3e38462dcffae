/*
 * engine_container_logs: the log's records (logfile.h) as entries, from
 * its files oldest first (logset.c), filtered by stream, time and tail.
 * Following a running container finds where to start in the files, then
 * asks the monitor for the records from there on (relay.h FOLLOW): it
 * replays the files, rotated ones included, and sends new records as they
 * are written, and hangs up when the container has exited, so a follower
 * never polls and never misses or repeats a record.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <engine/logs.h>

#include "core/abi.h"
#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/logfile.h"
#include "runtime/relay.h"
#include "util/cleanup.h"
#include "util/fs.h"

struct engine_logs {
	engine_logs_options o;
	char *dir;
	engine__log_files files; /* file phase: the log's files as opened */
	bool follow;		 /* still to follow through the monitor */
	int sock;		 /* follow phase: the monitor's connection */
	engine__buf in;		 /* follow phase: received bytes */
	bool sock_eof;
	bool done;
	bool mid_line[3]; /* per stream: the last entry was partial */
	engine__buf out;  /* the current entry's bytes */
	engine_log_entry entry;
	bool has_entry;
};

ENGINE_EXTERN int engine_logs_options_init(engine_logs_options *opts, unsigned version)
{
	return ENGINE__INIT_FROM_TEMPLATE(engine_logs_options, opts, version, ENGINE_LOGS_OPTIONS_INIT);
}

ENGINE_EXTERN void engine_logs_free(engine_logs *l)
{
	if (!l)
		return;
	engine__log_files_close(&l->files);
	if (l->sock >= 0)
		close(l->sock);
	engine__buf_free(&l->in);
	engine__buf_free(&l->out);
	free(l->dir);
	free(l);
}

static int streams(const engine_logs *l)
{
	return (l->o.show_stdout ? 1 : 0) | (l->o.show_stderr ? 2 : 0);
}

ENGINE_EXTERN int engine_container_logs(engine_container *c, const engine_logs_options *opts,
					engine_logs **out)
{
	engine_logs_options o = ENGINE_LOGS_OPTIONS_INIT;
	int r;
	engine_logs *l;
	engine__cstate st;

	if (!c || !out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_container_logs: NULL argument");
	if ((r = engine__abi_read(ENGINE__ABI(engine_logs_options), &o, opts)) < 0)
		return r;
	opts = &o;
	if (opts->since < 0 || opts->until < 0 || (opts->until && opts->since > opts->until))
		return engine__error_set(ENGINE_EINVALID, 0, "logs: since must come before until");
	l = calloc(1, sizeof(*l));
	if (!l)
		return engine__error_oom();
	l->o = *opts;
	l->sock = -1;
	l->dir = strdup(c->dir);
	if (!l->dir) {
		engine_logs_free(l);
		return engine__error_oom();
	}
	if (engine__state_read(c->dir, &st) == 0) {
		engine__state_refresh(&st);
		l->follow =
		    opts->follow && (strcmp(st.status, "running") == 0 || strcmp(st.status, "paused") == 0);
	}
	if (c->spec && c->spec->log_driver && strcmp(c->spec->log_driver, "none") == 0) {
		engine_logs_free(l);
		return engine__error_set(ENGINE_ENOTSUP, 0,
					 "configured logging driver does not support reading");
	}
	if ((r = engine__log_files_open(c->dir, &l->files)) < 0) {
		engine_logs_free(l);
		return r;
	}
	engine__log_files_tail(&l->files, streams(l), opts->tail);
	*out = l;
	return 0;
}

ENGINE_EXTERN const engine_log_entry *engine_logs_entry(const engine_logs *l)
{
	return l && l->has_entry ? &l->entry : NULL;
}

ENGINE_EXTERN int engine_logs_fd(const engine_logs *l)
{
	return l ? l->sock : -1;
}

/* Turn a record into the current entry; false when the filters drop it. */
static bool make_entry(engine_logs *l, const engine__log_hdr *h, const char *payload)
{
	bool start = !l->mid_line[h->stream];

	l->mid_line[h->stream] = h->flags & ENGINE__LOG_PARTIAL;
	if (!(streams(l) & h->stream) || (l->o.since && h->time_ns < l->o.since))
		return false;
	l->out.len = l->out.off = 0;
	if (l->o.timestamps && start) {
		char ts[64];

		engine__format_time(ts, sizeof(ts), h->time_ns);
		strcat(ts, " ");
		engine__buf_append(&l->out, ts, strlen(ts));
	}
	engine__buf_append(&l->out, payload, h->len);
	l->entry = (engine_log_entry){h->stream, h->time_ns, l->out.data ? l->out.data : "", l->out.len,
				      (h->flags & ENGINE__LOG_PARTIAL) != 0};
	l->has_entry = true;
	return true;
}

static bool past_until(const engine_logs *l, int64_t t)
{
	return l->o.until && t > l->o.until;
}

/* The next record from the file: 1, 0 at the end of the snapshot, < 0. */
static int next_from_file(engine_logs *l)
{
	char payload[ENGINE__LOG_MAX_PAYLOAD];
	engine__log_hdr h;

	for (;;) {
		int r = engine__log_files_next(&l->files, &h, payload);

		if (r <= 0)
			return r; /* a torn record ends the file */
		if (past_until(l, h.time_ns)) {
			l->done = true;
			return 0;
		}
		if (make_entry(l, &h, payload))
			return 1;
	}
	return 0;
}

/* A complete record from what the monitor sent: 1, or 0 when more is needed. */
static int next_from_buf(engine_logs *l)
{
	engine__log_hdr h;
	size_t total;

	while (engine__buf_pending(&l->in) >= ENGINE__LOG_HDR) {
		memcpy(&h, l->in.data + l->in.off, sizeof(h));
		if (h.magic != ENGINE__LOG_MAGIC || (h.stream != 1 && h.stream != 2) ||
		    h.len > ENGINE__LOG_MAX_PAYLOAD)
			return engine__error_set(ENGINE_EIO, 0, "corrupt log record from the monitor");
		total = ENGINE__LOG_HDR + h.len + ENGINE__LOG_TRAILER;
		if (engine__buf_pending(&l->in) < total)
			return 0;
		if (past_until(l, h.time_ns)) {
			l->done = true;
			return 0;
		}
		{
			bool keep = make_entry(l, &h, l->in.data + l->in.off + ENGINE__LOG_HDR);

			engine__buf_consume(&l->in, total);
			if (keep)
				return 1;
		}
	}
	return 0;
}

static int start_follow(engine_logs *l)
{
	engine__relay_req req = {ENGINE__RELAY_MAGIC, ENGINE__RELAY_FOLLOW, 0, 0, 0, 0, 0};
	engine__relay_rep rep;
	off_t off;

	/* Where the file phase ended: the monitor goes on from there, through
	 * the files rotated since if there are any. */
	engine__log_files_pos(&l->files, &req.ino, &off);
	req.offset = (uint64_t)off;
	l->follow = false;
	l->sock = engine__relay_open(l->dir, &req, &rep);
	if (l->sock < 0) {
		l->sock = -1;
		if (engine_error_last()->code != ENGINE_ENOTFOUND)
			return engine_error_last()->code;
		/* It exited meanwhile: the file has all of it now. */
		engine_error_clear();
		{
			engine__log_files now;

			if (engine__log_files_open(l->dir, &now) == 0) {
				engine__log_files_close(&l->files);
				l->files = now;
				engine__log_files_seek(&l->files, req.ino, (off_t)req.offset);
			}
		}
		return 0;
	}
	if (rep.code < 0) {
		close(l->sock);
		l->sock = -1;
		return engine__error_set(rep.code, 0, "follow the log");
	}
	return 0;
}

ENGINE_EXTERN int engine_logs_next(engine_logs *l, double timeout)
{
	double deadline = timeout >= 0 ? engine__now() + timeout : 0;
	int r;

	if (!l)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_logs_next: NULL argument");
	l->has_entry = false;
	for (;;) {
		struct pollfd pfd;
		char buf[65536];
		ssize_t n;
		int ms = -1;

		if (l->done)
			return 0;
		if (l->sock < 0 && l->follow) {
			/* The monitor replays from the start position on, rotated
			 * files included: it holds each file it rotates until
			 * its replays are through with it, where a reader of the
			 * files could find the next one rotated away. */
			r = start_follow(l);
			if (r < 0)
				return r;
			continue;
		}
		if (l->sock < 0)
			return next_from_file(l);
		r = next_from_buf(l);
		if (r != 0 || l->done)
			return r;
		if (l->sock_eof)
			return 0;
		if (l->o.until) {
			/* Following stops when until has passed. */
			int64_t left = l->o.until - engine__realtime_ns();

			if (left <= 0)
				return 0;
			ms = (int)(left / 1000000) + 1;
		}
		if (timeout >= 0) {
			double tl = deadline - engine__now();
			int tms = tl <= 0 ? 0 : (int)(tl * 1000) + 1;

			if (ms < 0 || tms < ms)
				ms = tms;
		}
		pfd = (struct pollfd){.fd = l->sock, .events = POLLIN};
		n = poll(&pfd, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return engine__error_errno(errno, "poll the log");
		if (n == 0) {
			if (timeout >= 0 && engine__now() >= deadline)
				return engine__error_set(ENGINE_ETIMEOUT, 0, "no log entry within %gs",
							 timeout);
			continue;
		}
		n = recv(l->sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			l->sock_eof = true;
			continue;
		}
		if (engine__buf_append(&l->in, buf, (size_t)n) < 0)
			return ENGINE_ENOMEM;
	}
}
