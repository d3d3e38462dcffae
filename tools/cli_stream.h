/* Attached sessions for run, start -a, attach and exec: the terminal in raw
 * mode for a TTY, stdin forwarded (ctrl-p,ctrl-q detaches), output to
 * stdout/stderr, window-size changes, signals proxied to a container
 * without a TTY, and the exit status from a wait started before the
 * container runs, as docker's CLI does. */
#ifndef ENGINE_TOOLS_CLI_STREAM_H
#define ENGINE_TOOLS_CLI_STREAM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>

#include <engine.h>

struct cli_session {
	engine_container *container;
	engine_attach *attach;
	int use_stdin; /* read our stdin and forward it */
	int sig_proxy; /* forward signals (containers without a TTY) */
	/* resize the TTY (the container's, or an exec's) */
	int (*resize)(void *arg, unsigned rows, unsigned cols);
	void *resize_arg;
	/* the exit-status waiter */
	pthread_t waiter;
	int waiting;
	int cancel_fd;
	int wait_rc;
	engine_wait_result result;
	int condition;
};

/* Our stdout and stderr as a container may have them: a terminal is never
 * handed over (the container could read what the user types through it,
 * change its modes, or TIOCSTI into it with CAP_SYS_ADMIN), nor a file or
 * a device, a pipe or a socket (reopened through /proc/self/fd, a file we
 * only append to is read and truncated, a pipe's read end stolen), so each
 * one but /dev/null becomes a pipe copied to it by a thread of ours until
 * cli_tty_relay_end(); stdout and stderr that are one file share one.
 * Once our reader is gone (EPIPE), the thread closes its end: the
 * container's next write fails as if it had the pipe itself. */
struct cli_tty_relay {
	int fd[3];	 /* what the container gets for 0..2 (fd[0] unused) */
	int read_end[3]; /* our ends of the pipes, -1 where no relay */
	pthread_t thread[3];
	bool closed[3];	   /* the thread closed read_end[i] (its reader went away) */
	atomic_int ending; /* the run is over: stop at the first idle poll */
};
/* Fill @r for stdout and stderr; -1 (error printed) on failure. */
int cli_tty_relay_start(struct cli_tty_relay *r);
/* Once the container is gone: close our write ends, let the threads copy
 * what is left, join them. */
void cli_tty_relay_end(struct cli_tty_relay *r);

/* write(2) all of @p, retrying on EINTR; -1 on failure. */
int cli_write_all(int fd, const char *p, size_t n);
/* The terminal's size (rows, cols of stdout or stdin); 0 when not a terminal. */
int cli_terminal_size(unsigned *rows, unsigned *cols);
/* Start waiting for @condition (an engine_wait_condition) in a thread. */
int cli_session_wait(struct cli_session *s, int condition);
/* Copy between the terminal and the attachment until the output ends (0),
 * the user detaches (1), or something fails (-1, error printed). */
int cli_session_pump(struct cli_session *s);
/* The container's exit status from the waiter (after the pump ended), or
 * 0 when @detached (the waiter is cancelled). Frees nothing else. */
int cli_session_finish(struct cli_session *s, int detached);

#endif
