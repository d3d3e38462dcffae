/*
 * Prepared sandboxes for test harnesses: a pool keeps containers of one
 * spec (image, limits, mounts, security) created ahead of time — namespaces
 * made, rootfs mounted, cgroup placed — so a run only hands over the
 * command and waits. Each sandbox is created fresh and used exactly once:
 * nothing of one run can reach the next.
 */
#ifndef ENGINE_POOL_H
#define ENGINE_POOL_H

#include "common.h"
#include "container.h"
#include "context.h"
#include "spec.h"

ENGINE_BEGIN_DECLS

/** A pool of prepared sandboxes (opaque). */
typedef struct engine_pool engine_pool;

#define ENGINE_POOL_OPTIONS_VERSION 1

/** Options of engine_pool_new(). */
typedef struct engine_pool_options {
	unsigned version; /**< ENGINE_POOL_OPTIONS_VERSION */
	unsigned size;	  /**< sandboxes kept ready, 1..64; 0: 2 */
} engine_pool_options;

#define ENGINE_POOL_OPTIONS_INIT                                                                             \
	{                                                                                                    \
		ENGINE_POOL_OPTIONS_VERSION, 0                                                               \
	}

/** Initialise @p opts like ENGINE_POOL_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_pool_options_init(engine_pool_options *opts, unsigned version);

/**
 * Make a pool of sandboxes for @p spec (copied: the caller keeps its own).
 * A background thread prepares @p opts->size of them and replaces each one
 * a run takes; used sandboxes are torn down on that thread, off the
 * caller's path. At most size + 1 sandboxes exist at a time, plus one per
 * run in progress. The spec's stdio mode applies to every run (capture by
 * default); user namespaces are not supported here. *@p out is freed with
 * engine_pool_free(). Errors: those of engine_run() for the spec's image
 * and settings (checked by preparing the first sandbox), ENGINE_EINVALID
 * (bad size, NULL argument), ENGINE_ENOTSUP (a user namespace).
 */
ENGINE_EXTERN int engine_pool_new(engine_context *ctx, const engine_spec *spec,
				  const engine_pool_options *opts, engine_pool **out);

/**
 * Run a command in a fresh sandbox of the pool and wait for it, like
 * engine_run(): @p argv replaces the spec's command (NULL or empty: the
 * spec's), @p env entries ("KEY=value") are added to the spec's
 * environment, replacing the same keys (NULL: none). When no sandbox is
 * ready one is prepared on the spot. Thread-safe. *@p out (freed with
 * engine_run_result_free) is set whenever the command ran; its id is the
 * sandbox's, never seen before. Errors: those of engine_run(),
 * ENGINE_EINVALID (the pool was closed with its context).
 */
ENGINE_EXTERN int engine_pool_run(engine_pool *pool, const engine_strarray *argv, const engine_strarray *env,
				  engine_run_result **out);

/**
 * Close the pool: every prepared sandbox is killed and removed (processes,
 * mounts, cgroups) before this returns. Accepts NULL. Freeing the context
 * closes its pools too; the handle must still be freed.
 */
ENGINE_EXTERN void engine_pool_free(engine_pool *pool);

ENGINE_END_DECLS

#endif
