/*
 * The context: the root under which images and containers are stored, the
 * run directory, configuration and logging. Every other handle hangs off one.
 */
#ifndef ENGINE_CONTEXT_H
#define ENGINE_CONTEXT_H

#include "common.h"

ENGINE_BEGIN_DECLS

typedef struct engine_context engine_context;

/** Log levels, lowest first. A context logs nothing unless a sink is set. */
typedef enum engine_log_level {
	ENGINE_LOG_ERROR = 0,
	ENGINE_LOG_WARN = 1,
	ENGINE_LOG_INFO = 2,
	ENGINE_LOG_DEBUG = 3,
	ENGINE_LOG_TRACE = 4
} engine_log_level;

#define ENGINE_DEFAULT_ROOT "/var/lib/engine"
#define ENGINE_DEFAULT_RUN_DIR "/run/engine"

#define ENGINE_CONTEXT_OPTIONS_VERSION 1

/** Options for engine_context_new(). Initialise with ENGINE_CONTEXT_OPTIONS_INIT. */
typedef struct engine_context_options {
	unsigned version;
	const char *root;	 /**< store and state; NULL means ENGINE_DEFAULT_ROOT, or for a
				      caller that is not root $XDG_DATA_HOME/engine, else
				      ~/.local/share/engine */
	const char *run_dir;	 /**< runtime sockets and pid files; NULL: ENGINE_DEFAULT_RUN_DIR,
				      or "<root>/run" when root is given; not root:
				      $XDG_RUNTIME_DIR/engine, else "<root>/run" */
	const char *config_path; /**< JSON config file (daemon.json style); NULL for none */
	int log_level;		 /**< an engine_log_level */
	int log_fd;		 /**< when >= 0, receives one JSON object per log line */
} engine_context_options;

#define ENGINE_CONTEXT_OPTIONS_INIT                                                                          \
	{                                                                                                    \
		ENGINE_CONTEXT_OPTIONS_VERSION, NULL, NULL, NULL, ENGINE_LOG_WARN, -1                        \
	}

/** Initialise @p opts like ENGINE_CONTEXT_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_context_options_init(engine_context_options *opts, unsigned version);

/**
 * Open a context. Creates the root and run directories when missing.
 * A caller whose effective uid is not 0 gets a rootless context (detected,
 * not configured): its defaults come from the environment (see the options),
 * each container runs in a user namespace that maps the caller to root, and
 * engine_context_has_feature(ctx, "rootless") answers 1.
 * @p opts may be NULL for all defaults. The caller frees *out with
 * engine_context_free(). Errors: ENGINE_EINVALID (bad options or config file),
 * ENGINE_EPERM, ENGINE_EIO, ENGINE_ENOMEM.
 */
ENGINE_EXTERN int engine_context_new(engine_context **out, const engine_context_options *opts);

/** Release a context. Accepts NULL. Containers it started keep running. */
ENGINE_EXTERN void engine_context_free(engine_context *ctx);

/** The root directory (borrowed, valid while the context lives). */
ENGINE_EXTERN const char *engine_context_root(const engine_context *ctx);

/** The run directory (borrowed, valid while the context lives). */
ENGINE_EXTERN const char *engine_context_run_dir(const engine_context *ctx);

/** Change the level below which messages are dropped. */
ENGINE_EXTERN void engine_context_set_log_level(engine_context *ctx, int level);

/**
 * Send log lines to @p fd as JSON objects {"level":..,"msg":..,"time":..},
 * one per line; -1 turns it off. The fd is borrowed, not closed.
 */
ENGINE_EXTERN void engine_context_set_log_fd(engine_context *ctx, int fd);

/**
 * engine_has_feature() for @p ctx: the same names, each probed once per
 * context (the cgroup answers follow the context's cgroup root). 0 for a
 * NULL context.
 */
ENGINE_EXTERN int engine_context_has_feature(engine_context *ctx, const char *name);

/** A log callback; @p message is only valid during the call. */
typedef void (*engine_log_fn)(int level, const char *message, void *payload);

/** Send log lines to @p fn (NULL to stop); called on the logging thread. */
ENGINE_EXTERN void engine_context_set_log_callback(engine_context *ctx, engine_log_fn fn, void *payload);

ENGINE_END_DECLS

#endif
