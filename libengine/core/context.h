/* The context's private struct, shared by the subsystems through accessors. */
#ifndef ENGINE_CORE_CONTEXT_H
#define ENGINE_CORE_CONTEXT_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdbool.h>

#include <engine/context.h>

/* Per-subsystem state hung off a context (caches, open handles), so each
 * subsystem owns its slot and nobody edits another's fields. */
enum engine__ext_slot {
	ENGINE__EXT_RUNTIME,
	ENGINE__EXT_SECURITY,
	ENGINE__EXT_CGROUP,
	ENGINE__EXT_REGISTRY,
	ENGINE__EXT_ATTACH,
	ENGINE__EXT_FEATURES,
	ENGINE__EXT_INIT,
	ENGINE__EXT_BACKSTAGE, /* engine_run's background thread (backstage.c) */
	ENGINE__EXT_POOL,      /* freed first: pools use the runtime's and cgroup's state */
	ENGINE__EXT_MAX
};

struct engine_context {
	char *root;
	char *run_dir;
	char *config_path;
	json_object *config; /* parsed config file, or an empty object */
	bool rootless;	     /* the caller is not root: containers get a user namespace */
	/* The log settings are read by every thread that logs while another
	 * may change them: the level and fd are read and written atomically,
	 * the callback with its payload is one immutable sink swapped
	 * atomically (never a new function with the old payload). Sinks are
	 * kept (and reused) until the context goes, so a reader never sees one
	 * freed; log_lock only orders the setters (log.c). */
	int log_level;
	int log_fd;
	struct engine__log_sink *log_sink;
	struct engine__log_sink *log_sinks; /* every sink made, for reuse and free */
	pthread_mutex_t log_lock;
	/* A slot's data is published once, atomically: lookups of a slot that
	 * exists take no lock (a child forked while another thread held
	 * ext_lock must still find the slots that existed). */
	pthread_mutex_t ext_lock;
	struct {
		void *data;
		void (*free_fn)(void *data);
	} ext[ENGINE__EXT_MAX];
};

/* Free the context's log sinks (context.c frees the context). */
void engine__log_sinks_free(engine_context *ctx);

/* The config file's top-level key, or NULL (borrowed). Threads share it:
 * read it only (json_object_get_string or _to_json_string of a value that
 * is not a string writes the text into the object: check the type first). */
json_object *engine__context_config(engine_context *ctx, const char *key);

/* Get a subsystem's slot, creating it with @create the first time (under the
 * context's lock, so threads sharing a context agree). Returns NULL with the
 * error set when @create fails. */
void *engine__context_ext(engine_context *ctx, enum engine__ext_slot slot,
			  void *(*create)(engine_context *ctx), void (*free_fn)(void *data));

/* Whether containers of @ctx run rootless (the opener was not root). */
bool engine__context_rootless(const engine_context *ctx);

/* In a child forked from a process with several threads, which goes on
 * using @ctx without exec (a container's monitor): the context's own locks
 * start over, since a thread of the parent may have held one at the fork. */
void engine__context_forked(engine_context *ctx);

/* "<root>/<rel>" (malloc'd) or NULL on OOM with the error set. */
char *engine__context_path(const engine_context *ctx, const char *rel);

#endif
