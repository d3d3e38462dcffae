/*
 * The stdio relay a monitor runs for a detached container or exec: it owns
 * the process's stdio (pipes, or a pty master), appends the output to the
 * log, and serves clients on a unix socket (containers/<id>/attach.sock):
 * attachers (output frames, stdin), log followers (raw records), resizes
 * and waiters (the exit status).
 *
 * The protocol: a client sends one engine__relay_req; the monitor answers
 * one engine__relay_rep, then
 *  - ATTACH: output as Docker's attach stream (non-TTY: 8-byte frame
 *    headers [stream, 0, 0, 0, u32 big-endian length]; TTY: raw bytes);
 *    the client's bytes after its request are stdin, its shutdown(SHUT_WR)
 *    is stdin EOF; with REPLAY the log is replayed first; the monitor
 *    closes the connection when the process exits.
 *  - FOLLOW: log records (logfile.h) from the request's offset, replayed
 *    from the file, then live, until the process exits.
 *  - RESIZE: the pty gets rows x cols, then the connection closes.
 *  - WAIT: an engine__relay_exit record once the process has exited and its
 *    state is written, and EOF when the monitor is gone (after auto-remove).
 */
#ifndef ENGINE_RUNTIME_RELAY_H
#define ENGINE_RUNTIME_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define ENGINE__RELAY_SOCK "attach.sock"
#define ENGINE__RELAY_MAGIC 0x45415454u /* "EATT" */

enum engine__relay_kind {
	ENGINE__RELAY_ATTACH = 1,
	ENGINE__RELAY_FOLLOW = 2,
	ENGINE__RELAY_RESIZE = 3,
	ENGINE__RELAY_WAIT = 4,
};

/* Request flags (ATTACH). */
#define ENGINE__RELAY_STDIN 0x01u
#define ENGINE__RELAY_STDOUT 0x02u
#define ENGINE__RELAY_STDERR 0x04u
#define ENGINE__RELAY_REPLAY 0x08u   /* the log first, from the request's offset */
#define ENGINE__RELAY_NOSTREAM 0x10u /* only the replay, then close */

typedef struct engine__relay_req {
	uint32_t magic;
	uint32_t kind;
	uint32_t flags;
	uint16_t rows, cols;
	uint64_t offset; /* FOLLOW, ATTACH with REPLAY: where to start in the log */
	uint64_t ino;	 /* ... in the log file with this inode (0: the current one); a
			  * rotated one is replayed to its end, then those after it */
} engine__relay_req;

/* Reply flags. */
#define ENGINE__RELAY_TTY 0x01u	   /* the stream is raw pty bytes */
#define ENGINE__RELAY_HAS_IN 0x02u /* stdin is open: the client's bytes reach the process */

typedef struct engine__relay_rep {
	uint32_t magic;
	int32_t code; /* 0 or a negative ENGINE_E* code */
	uint32_t flags;
	uint32_t reserved;
} engine__relay_rep;

typedef struct engine__relay_exit {
	uint32_t magic;
	int32_t exit_code;
	int32_t oom_killed;
	int32_t reserved;
	int64_t finished_ns;
} engine__relay_exit;

/* What the relay serves. fds are owned by the relay once passed in. */
typedef struct engine__relay_config {
	int out_fd[2]; /* stdout/stderr pipe read ends; with a tty out_fd[0] is the master */
	int in_fd;     /* stdin pipe write end (or the master with a tty), -1 when stdin is closed */
	bool tty;
	bool stdin_once;      /* the first attacher's stdin EOF closes the process's stdin */
	int log_fd;	      /* O_APPEND log to write records to, -1: no log */
	int log_dirfd;	      /* the log's directory, for rotation, -1: never rotate */
	int64_t log_max_size; /* rotate when the log has this many bytes (> 0) */
	int log_max_files;    /* files kept in all when rotating */
	int listen_fd;	      /* listening socket, -1: none */
	int *clients;	      /* connections made before the process started (their request is queued) */
	size_t n_clients;
	int pidfd;	/* the process; the relay returns when it has exited and output is drained */
	double timeout; /* kill the process after this many seconds, 0: never */
} engine__relay_config;

typedef struct engine__relay engine__relay;

/* Set up the relay (takes the fds of @cfg). */
int engine__relay_new(const engine__relay_config *cfg, engine__relay **out);
/* Serve until the process exits and its output is drained. Returns 1 when
 * the timeout passed (the caller kills the process and calls again). */
int engine__relay_run(engine__relay *r);
/* Stop accepting clients (before the state says the process has exited,
 * so a new start's socket is never mistaken for this one). */
void engine__relay_close_listener(engine__relay *r);
/* Tell waiters how the process ended, flush what attachers have queued
 * (bounded), and close the clients: all of them, or all but the waiters
 * when @keep_waiters (they hear EOF from engine__relay_free, after an
 * auto-remove). */
void engine__relay_finish(engine__relay *r, const engine__relay_exit *ex, bool keep_waiters);
/* The next run of a restart policy: its process, stdio and listener from
 * @cfg (the log, its rotation and the clients stay). */
void engine__relay_rearm(engine__relay *r, const engine__relay_config *cfg);
/* Close everything. */
void engine__relay_free(engine__relay *r);

/* send(2) all of @data (MSG_NOSIGNAL); ENGINE_EIO naming the monitor. */
int engine__relay_send_all(int fd, const void *data, size_t len);
/* Connect to @dir's monitor and send @req; with @rep, read the reply.
 * Returns the connection. ENGINE_ENOTFOUND when no monitor serves @dir. */
int engine__relay_open(const char *dir, const engine__relay_req *req, engine__relay_rep *rep);
/* Connect to the socket of the container directory @dir (the path may be
 * too long for sun_path: it goes through /proc/self/fd). -errno style
 * failures are raised as engine errors; ENGINE_ENOTFOUND when nobody listens. */
int engine__relay_connect(const char *dir);
/* Create the listening socket in @dir (replacing a stale one). */
int engine__relay_listen(const char *dir);

#endif
