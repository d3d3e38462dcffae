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
/* "<root>/containers" (malloc'd). */
char *engine__context_path_containers(engine_context *ctx);
/* "TERM", "SIGTERM", "15" -> 15. ENGINE_EINVALID otherwise. */
int engine__signal_parse(const char *name, int *out);
/* Start detached under a monitor process (monitor.c). */
int engine__monitor_start(engine_container *c);

#endif
