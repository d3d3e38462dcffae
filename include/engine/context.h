/*
 * The context: the root under which images and containers are stored, the
 * run directory, configuration and logging. Every other handle hangs off one.
 *
 * Threading
 *
 * The library keeps no global state: what it caches hangs off a context,
 * and the last error is the calling thread's (engine_error_last()).
 *
 * - A context may be shared by any number of threads. Every function that
 *   takes an engine_context (engine_run, engine_container_create/open/list/
 *   prune, the image, registry, build, network and volume functions,
 *   engine_pool_new) may run on one context from several threads at once.
 *   The store's and each container's locks (flock on files under the root)
 *   order what must be ordered, between threads as between processes
 *   sharing a root: of two creates of one name, one gets ENGINE_EEXISTS.
 * - The log settings (engine_context_set_log_level/_fd/_callback) may change
 *   while other threads use the context. The callback is called on the
 *   thread that logs, on several at once, and may still be called by one
 *   that picked it just before it was replaced: it must be thread-safe and
 *   its payload must outlive the context.
 * - Every other handle (engine_container, engine_spec, engine_image,
 *   engine_image_list, engine_logs, engine_attach, engine_exec, results)
 *   is used by one thread at a time; share one only under a lock of your
 *   own. Handles of the same container opened on each thread
 *   (engine_container_open) may be used at once: they share only the files.
 *   Exceptions, said on their functions: engine_pool_run (any number of
 *   threads on one pool) and the distribution handle.
 * - Lifetimes: once the context is freed, a handle that refers to it
 *   (containers, exec instances, attachments, log readers, pools,
 *   distribution handles) may only be freed; freeing the context closes
 *   its pools (engine_pool_run then fails with ENGINE_EINVALID). Images,
 *   image lists, specs, run results and strings are copies and stay
 *   usable. Containers started detached keep running without the context,
 *   and without the process.
 * - engine_context_free() must not run while another thread uses the
 *   context or one of its handles.
 * - fork(): the child of a process whose threads use the library may only
 *   exec (POSIX's rule for any threaded process). The library's own
 *   long-lived children, the containers' monitors, drop the locks the
 *   other threads held at the fork.
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

/**
 * Send log lines to @p fn (NULL to stop), on the thread that logs (see
 * "Threading" above: possibly several at once). A callback may be set
 * again and again; each distinct (fn, payload) pair costs a few bytes
 * until the context is freed.
 */
ENGINE_EXTERN void engine_context_set_log_callback(engine_context *ctx, engine_log_fn fn, void *payload);

ENGINE_END_DECLS

#endif
