/* The container handle and the lifecycle's shared helpers. */
#ifndef ENGINE_RUNTIME_LIFECYCLE_H
#define ENGINE_RUNTIME_LIFECYCLE_H

#include <json-c/json.h>

#include "runtime/runtime.h"
#include "runtime/state.h"

struct engine_container {
	engine_context *ctx;
	char id[65];
	char *name;
	char *dir;
	engine_spec *spec;   /* from config.json (+ the creator's fds) */
	json_object *config; /* config.json */
	char *log_path[2];
};

/* IDs of the containers with a config.json (lifecycle containers). */
int engine__container_ids(engine_context *ctx, char ***out);
/* ENGINE_EEXISTS when another container than @except_id (may be NULL) is
 * named @name. Callers hold containers.lock. */
int engine__container_name_free(engine_context *ctx, const char *name, const char *except_id);
/* Re-read config.json into the handle (after another process changed it). */
int engine__container_reload(engine_container *c);
/* "TERM", "SIGTERM", "15" -> 15. ENGINE_EINVALID otherwise. */
int engine__signal_parse(const char *name, int *out);
/* The container's labels over its image's, as a new JSON object. */
json_object *engine__container_labels(engine_container *c);
/* "starting", "healthy", "unhealthy", or "none" without a healthcheck. */
const char *engine__container_health(engine_container *c);
/* Docker's status text: "Up 3 seconds (healthy)", "Exited (0) 2 minutes ago". */
void engine__container_status_text(engine_container *c, const engine__cstate *st, char *buf, size_t len);
/* Bytes the container's writable layer holds. */
int64_t engine__container_size(engine_container *c);
/* Start detached under a monitor process (monitor.c). */
int engine__monitor_start(engine_container *c);

#endif
