/*
 * Builds: an image from a Dockerfile and a context directory, step by step
 * like Docker's classic builder, with its layer cache (a step is reused only
 * when the parent image and the instruction — and for COPY/ADD the content
 * of the copied files — are the same).
 */
#ifndef ENGINE_BUILD_H
#define ENGINE_BUILD_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

#define ENGINE_BUILD_OPTIONS_VERSION 1

/** Options for engine_build(). Initialise with ENGINE_BUILD_OPTIONS_INIT. */
typedef struct engine_build_options {
	unsigned version;
	const char *dockerfile;	    /**< the Dockerfile's path, relative to the context directory
					 unless absolute; NULL: "Dockerfile" in the context */
	engine_strarray tags;	    /**< "name:tag" references pointed at the result */
	engine_strarray build_args; /**< "KEY=VALUE" values for ARG instructions */
	const char *target;	    /**< the stage to build (FROM ... AS name); NULL: the last */
	int no_cache;		    /**< 1: run every step, reuse nothing */
	const char *network;	    /**< network of RUN steps: NULL or "none" (default), "host" */
	int event_fd;		    /**< when >= 0, receives each event as one JSON line:
					 {"event":"step","step":1,"total":3,"text":"FROM busybox"} */
} engine_build_options;

#define ENGINE_BUILD_OPTIONS_INIT                                                                            \
	{                                                                                                    \
		ENGINE_BUILD_OPTIONS_VERSION, NULL, {NULL, 0}, {NULL, 0}, NULL, 0, NULL, -1                  \
	}

/** Initialise @p opts like ENGINE_BUILD_OPTIONS_INIT, for bindings. */
ENGINE_EXTERN int engine_build_options_init(engine_build_options *opts, unsigned version);

/** What happened during a build, in order. JSON names in parentheses. */
typedef enum engine_build_event_kind {
	ENGINE_BUILD_EVENT_STEP = 0,	  /**< ("step") a step starts: text is the instruction as written */
	ENGINE_BUILD_EVENT_CACHED = 1,	  /**< ("cached") the step's result comes from the cache */
	ENGINE_BUILD_EVENT_RUNNING = 2,	  /**< ("running") a RUN container started: text is its ID */
	ENGINE_BUILD_EVENT_OUTPUT = 3,	  /**< ("output") one line of a RUN's stdout/stderr, no newline */
	ENGINE_BUILD_EVENT_REMOVED = 4,	  /**< ("removed") the RUN container was removed: text is its ID */
	ENGINE_BUILD_EVENT_STEP_DONE = 5, /**< ("step_done") text is the step's image ID ("" for scratch) */
	ENGINE_BUILD_EVENT_BUILT = 6,	  /**< ("built") text is the final image ID */
	ENGINE_BUILD_EVENT_TAGGED = 7,	  /**< ("tagged") text is a tag now naming it */
	ENGINE_BUILD_EVENT_WARNING = 8	  /**< ("warning") text is the message */
} engine_build_event_kind;

/** One event; valid only during the callback. */
typedef struct engine_build_event {
	int kind;	  /**< an engine_build_event_kind */
	int step;	  /**< 1-based step number (0 for BUILT, TAGGED and build-wide warnings) */
	int total;	  /**< number of steps in the build */
	const char *text; /**< see engine_build_event_kind; never NULL */
} engine_build_event;

/** An event callback, called on the building thread. */
typedef void (*engine_build_event_fn)(const engine_build_event *event, void *payload);

/**
 * Build the Dockerfile in @p context_dir. Each step yields an image (a layer
 * too for RUN, COPY, ADD, and WORKDIR creating a directory); RUN steps run
 * in containers of this library's runtime, network "none" by default.
 * Events go to @p fn (may be NULL) and to opts->event_fd. *@p id_out (may
 * be NULL) receives the final image ID, freed with engine_free(). A failed
 * build tags nothing; the steps that succeeded stay in the cache.
 * Errors: ENGINE_EINVALID (Dockerfile syntax: "Dockerfile:3: unknown
 * instruction: RUNN"; bad --target; a COPY source outside the context),
 * ENGINE_ENOTFOUND (base image, Dockerfile, COPY source, a RUN command that
 * does not exist: "... returned a non-zero code: 127"), ENGINE_ERROR (a RUN
 * failed: "The command '/bin/sh -c false' returned a non-zero code: 1"),
 * ENGINE_ENOTSUP (ADD of a URL: there is no network), runtime and store errors.
 */
ENGINE_EXTERN int engine_build(engine_context *ctx, const char *context_dir, const engine_build_options *opts,
			       engine_build_event_fn fn, void *payload, char **id_out);

/**
 * Read and parse the Dockerfile @p opts names in @p context_dir without
 * building, so a caller can refuse a bad one before it starts (as dockerd
 * answers 400). Errors: those of engine_build() for a Dockerfile's syntax
 * (ENGINE_EINVALID, "Dockerfile:3: unknown instruction: RUNN") or its
 * absence (ENGINE_ENOTFOUND).
 */
ENGINE_EXTERN int engine_build_check(const char *context_dir, const engine_build_options *opts);

/**
 * Drop build cache entries whose result image no longer exists (after image
 * removal or prune). *@p removed (may be NULL) receives how many.
 */
ENGINE_EXTERN int engine_build_cache_prune(engine_context *ctx, int64_t *removed);

ENGINE_END_DECLS

#endif
