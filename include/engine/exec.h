/*
 * Exec instances, Docker's exec create/start/resize/inspect: a new process
 * in a running container, configured first (nothing runs), then started
 * attached (the caller gets its stdio: pipes, or a pty master from the
 * container's devpts) or detached, resized, inspected (running, PID, exit
 * status) and waited for. engine_container_exec() is the one-call form
 * that runs one and waits for it. The process is a child of the calling
 * process; an instance is one process, started once.
 */
#ifndef ENGINE_EXEC_H
#define ENGINE_EXEC_H

#include "common.h"
#include "container.h"

ENGINE_BEGIN_DECLS

/** An exec instance (one process in a running container). */
typedef struct engine_exec engine_exec;

#define ENGINE_EXEC_CONFIG_VERSION 1

/** What engine_exec_create() runs (the body of Docker's exec create). */
typedef struct engine_exec_config {
	unsigned version;
	engine_strarray argv;	 /**< the command (PATH-searched like docker exec) */
	engine_strarray env;	 /**< extra "KEY=VALUE" on top of the container's env */
	const char *user;	 /**< NULL: the container's user */
	const char *working_dir; /**< NULL: the container's */
	int tty;		 /**< a pty as stdio and controlling terminal (docker exec -t) */
	int open_stdin;		 /**< a stdin the caller feeds (docker exec -i); else /dev/null */
	int privileged;		 /**< every capability (docker exec --privileged) */
	unsigned tty_rows;	 /**< the terminal's first size (both or neither) */
	unsigned tty_cols;
} engine_exec_config;

#define ENGINE_EXEC_CONFIG_INIT                                                                              \
	{                                                                                                    \
		ENGINE_EXEC_CONFIG_VERSION, {NULL, 0}, {NULL, 0}, NULL, NULL, 0, 0, 0, 0, 0                  \
	}

/** Initialise @p config like ENGINE_EXEC_CONFIG_INIT, for bindings. */
ENGINE_EXTERN int engine_exec_config_init(engine_exec_config *config, unsigned version);

/**
 * Make an exec instance in @p container (which must be running) from
 * @p config (copied). Nothing runs until engine_exec_start(). *@p out is
 * freed with engine_exec_free(). Errors: ENGINE_EINVALID (no command, bad
 * options), ENGINE_EBUSY (the container is not running).
 */
ENGINE_EXTERN int engine_exec_create(engine_container *container, const engine_exec_config *config,
				     engine_exec **out);

#define ENGINE_EXEC_START_OPTIONS_VERSION 1

/** Options for engine_exec_start(). */
typedef struct engine_exec_start_options {
	unsigned version;
	int detach;		   /**< run without the caller's stdio: /dev/null (a TTY's master
					stays with the instance), like docker exec -d */
	int stdio;		   /**< ENGINE_STDIO_DEFAULT: pipes (or the pty master) the caller
					reads and writes through engine_exec_fd(); ENGINE_STDIO_FDS:
					in_fd/out_fd/err_fd below (without a TTY); ENGINE_STDIO_INHERIT;
					ENGINE_STDIO_NULL */
	int in_fd, out_fd, err_fd; /**< for ENGINE_STDIO_FDS (borrowed); -1: /dev/null */
} engine_exec_start_options;

#define ENGINE_EXEC_START_OPTIONS_INIT                                                                       \
	{                                                                                                    \
		ENGINE_EXEC_START_OPTIONS_VERSION, 0, ENGINE_STDIO_DEFAULT, -1, -1, -1                       \
	}

/** Initialise @p opts like ENGINE_EXEC_START_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_exec_start_options_init(engine_exec_start_options *opts, unsigned version);

/**
 * Start the process (NULL @p opts: attached, with pipes or the pty). It
 * runs in the container's namespaces, cgroup, capabilities and seccomp
 * profile, as a child of the calling process. When the command cannot be
 * executed the call fails with ENGINE_ENOTFOUND (exit status 127) or
 * ENGINE_EPERM (126) and the instance reports that status. Errors also:
 * ENGINE_EBUSY (already started, or the container stopped), ENGINE_EINVALID.
 */
ENGINE_EXTERN int engine_exec_start(engine_exec *exec, const engine_exec_start_options *opts);

/**
 * The caller's end of a started instance's stdio (borrowed, valid until
 * engine_exec_free() or engine_exec_close_stdin()): @p stream 0 is where
 * stdin is written, 1 where stdout is read, 2 where stderr is read. With a
 * TTY, 0 and 1 are the pty master (reading it fails with EIO once the
 * terminal is closed on the container's side) and 2 is -1. -1 for a
 * stream the caller does not hold (no open stdin, detached, given fds).
 */
ENGINE_EXTERN int engine_exec_fd(const engine_exec *exec, int stream);

/**
 * End of input: closes the stdin pipe; with a TTY writes the terminal's
 * end-of-file character (ctrl-d) instead, as a terminal would.
 */
ENGINE_EXTERN int engine_exec_close_stdin(engine_exec *exec);

/**
 * Resize the instance's terminal (docker exec -t does it at start and on
 * every SIGWINCH). ENGINE_EINVALID without a TTY or with a size of 0,
 * ENGINE_EBUSY when it is not running.
 */
ENGINE_EXTERN int engine_exec_resize(engine_exec *exec, unsigned rows, unsigned cols);

/** Send @p signal to the process. ENGINE_EBUSY when it is not running. */
ENGINE_EXTERN int engine_exec_kill(engine_exec *exec, int signal);

#define ENGINE_EXEC_STATE_VERSION 1

/** What engine_exec_inspect() reports. The caller sets version. */
typedef struct engine_exec_state {
	unsigned version;
	int started;   /**< 1 once engine_exec_start() ran it (or tried) */
	int running;   /**< 1 while the process runs */
	int pid;       /**< its PID in the caller's PID namespace, 0 before the start */
	int exit_code; /**< like a shell (128+signal when killed); -1 before its end */
	int tty;       /**< 1 when it has a TTY */
} engine_exec_state;

#define ENGINE_EXEC_STATE_INIT                                                                               \
	{                                                                                                    \
		ENGINE_EXEC_STATE_VERSION, 0, 0, 0, -1, 0                                                    \
	}

/** Initialise @p state like ENGINE_EXEC_STATE_INIT, for bindings. */
ENGINE_EXTERN int engine_exec_state_init(engine_exec_state *state, unsigned version);

/** The instance's state into *@p out (its version set by the caller). */
ENGINE_EXTERN int engine_exec_inspect(engine_exec *exec, engine_exec_state *out);

/**
 * Wait until the process exits, at most @p timeout seconds (< 0: forever);
 * *@p exit_code (may be NULL) gets its status. Safe to call from another
 * thread than the one pumping its stdio. ENGINE_ETIMEOUT at the deadline,
 * ENGINE_EINVALID before the start.
 */
ENGINE_EXTERN int engine_exec_wait(engine_exec *exec, double timeout, int *exit_code);

/** The container's full ID (borrowed). */
ENGINE_EXTERN const char *engine_exec_container_id(const engine_exec *exec);

/**
 * Free the instance: closes the caller's ends of its stdio (a shell on a
 * TTY then gets SIGHUP, as when a terminal closes). A process still
 * running is neither killed nor waited for. Accepts NULL.
 */
ENGINE_EXTERN void engine_exec_free(engine_exec *exec);

ENGINE_END_DECLS

#endif
