/*
 * Attaching to a container's stdio, Docker style: any number of attachers
 * on a running container (or one made before its start, which then sees
 * every byte), stdin forwarded, stdout and stderr kept apart, the log
 * replayed on request, detaching without stopping it. The container's
 * monitor serves the attachments; its exit ends them.
 */
#ifndef ENGINE_ATTACH_H
#define ENGINE_ATTACH_H

#include "common.h"
#include "container.h"

ENGINE_BEGIN_DECLS

/** An attachment to one container's stdio. */
typedef struct engine_attach engine_attach;

#define ENGINE_ATTACH_OPTIONS_VERSION 1

/** Options for engine_container_attach(). */
typedef struct engine_attach_options {
	unsigned version;
	int attach_stdin;  /**< forward what is written to the container's stdin (needs an open stdin) */
	int attach_stdout; /**< receive stdout (default 1) */
	int attach_stderr; /**< receive stderr (default 1) */
	int logs;	   /**< replay the container's log first (Docker's logs=1) */
	int stream;	   /**< live output until the container exits (default 1); 0: only the replay */
	const char *detach_keys; /**< for engine_attach_write(): NULL means "ctrl-p,ctrl-q", "" none */
} engine_attach_options;

#define ENGINE_ATTACH_OPTIONS_INIT                                                                           \
	{                                                                                                    \
		ENGINE_ATTACH_OPTIONS_VERSION, 0, 1, 1, 0, 1, NULL                                           \
	}

/** Initialise @p opts like ENGINE_ATTACH_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_attach_options_init(engine_attach_options *opts, unsigned version);

/**
 * Attach to @p container's stdio. A running container is attached at once.
 * A created or exited one is attached at its next start, by any process:
 * nothing it writes from then on is missed (a start through the same
 * context hands the attachment to the new monitor; otherwise the
 * attachment notices the start when it is read, connects, and has the log
 * replayed from where it stood at the attach; a run that already ended is
 * read from the log). The container must have been created with the
 * engine's stdio (the default): ENGINE_ENOTSUP when it was given fds of its
 * creator's. *@p out is freed with engine_attach_free(), which detaches.
 * Errors: ENGINE_EINVALID (options, detach keys), ENGINE_ENOTSUP,
 * ENGINE_ENOTFOUND (the container is gone), ENGINE_ERROR.
 */
ENGINE_EXTERN int engine_container_attach(engine_container *container, const engine_attach_options *opts,
					  engine_attach **out);

/** Detach and free. The container keeps running. Accepts NULL. */
ENGINE_EXTERN void engine_attach_free(engine_attach *attach);

/**
 * An fd to poll for engine_attach_read() (borrowed; it may change after any
 * call on the attachment, so fetch it again before each poll). Once the
 * container runs it is the attachment's socket, which servers may also copy
 * to a client as is: reading gives Docker's attach stream (without a TTY
 * each chunk comes with an 8-byte header [stream 1|2, 0, 0, 0, u32
 * big-endian length]; with a TTY raw bytes), writing feeds stdin, and
 * shutdown(fd, SHUT_WR) is stdin's EOF; EOF on reading means the container
 * exited (or, without stream, the replay ended). While the attachment waits
 * for a start it is a timer that fires every few milliseconds: keep calling
 * engine_attach_read(). Use either the raw socket or the calls below.
 */
ENGINE_EXTERN int engine_attach_fd(const engine_attach *attach);
/** 1 when the stream is a TTY's raw bytes (no headers), else 0. */
ENGINE_EXTERN int engine_attach_tty(const engine_attach *attach);
/** 1 when what is written reaches the container's stdin (asked for, and the
 * container has an open stdin), else 0. */
ENGINE_EXTERN int engine_attach_stdin(const engine_attach *attach);

/**
 * Read output: up to @p size bytes of one stream, waiting at most
 * @p timeout seconds (< 0: forever). *@p stream (may be NULL) gets 1 for
 * stdout, 2 for stderr (1 with a TTY). Returns the number of bytes, 0 at
 * the end (the container exited), ENGINE_ETIMEOUT, or ENGINE_EIO on a
 * broken stream.
 */
ENGINE_EXTERN int engine_attach_read(engine_attach *attach, void *buf, size_t size, int *stream,
				     double timeout);

/**
 * Write @p len bytes of @p content to the container's stdin (blocking;
 * before the start they are held, up to 1 MiB, ENGINE_EBUSY beyond). The detach keys
 * are watched for: once they are typed the attachment is closed (the
 * container keeps running), engine_attach_detached() turns 1 and the bytes
 * from the sequence on are dropped. Returns 0, ENGINE_EINVALID when the
 * attachment has no stdin, ENGINE_EIO when the container is gone.
 */
ENGINE_EXTERN int engine_attach_write(engine_attach *attach, const void *content, size_t len);
/** End of input: the container's stdin closes if it was created with stdin_once. */
ENGINE_EXTERN int engine_attach_close_stdin(engine_attach *attach);
/** 1 once engine_attach_write() saw the detach keys. */
ENGINE_EXTERN int engine_attach_detached(const engine_attach *attach);

/**
 * Parse Docker's detach-key syntax ("ctrl-p,ctrl-q", "ctrl-a,x") into the
 * bytes it stands for: at most @p size bytes go to @p out, *@p len gets
 * their count. ENGINE_EINVALID names the bad key.
 */
ENGINE_EXTERN int engine_detach_keys_parse(const char *keys, char *out, size_t size, size_t *len);

/**
 * Resize a running container's terminal (Docker's resize, `docker run -t`
 * does it at start and on every SIGWINCH). ENGINE_EBUSY when it is not
 * running, ENGINE_EINVALID when it has no TTY or a size is 0.
 */
ENGINE_EXTERN int engine_container_resize(engine_container *container, unsigned rows, unsigned cols);

ENGINE_END_DECLS

#endif
