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
	ENGINE__EXT_POOL, /* freed first: pools use the runtime's and cgroup's state */
	ENGINE__EXT_MAX
};

struct engine_context {
	char *root;
	char *run_dir;
	char *config_path;
	json_object *config; /* parsed config file, or an empty object */
	bool rootless;	     /* the caller is not root: containers get a user namespace */
	int log_level;
	int log_fd;
	engine_log_fn log_fn;
	void *log_payload;
	pthread_mutex_t ext_lock;
	struct {
		void *data;
		void (*free_fn)(void *data);
	} ext[ENGINE__EXT_MAX];
};

/* The config file's top-level key, or NULL (borrowed). */
json_object *engine__context_config(engine_context *ctx, const char *key);

/* Get a subsystem's slot, creating it with @create the first time (under the
 * context's lock, so threads sharing a context agree). Returns NULL with the
 * error set when @create fails. */
void *engine__context_ext(engine_context *ctx, enum engine__ext_slot slot,
			  void *(*create)(engine_context *ctx), void (*free_fn)(void *data));

/* Whether containers of @ctx run rootless (the opener was not root). */
bool engine__context_rootless(const engine_context *ctx);

/* "<root>/<rel>" (malloc'd) or NULL on OOM with the error set. */
char *engine__context_path(const engine_context *ctx, const char *rel);

#endif
