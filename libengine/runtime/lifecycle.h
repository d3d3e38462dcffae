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
	/* An auto-removed container's exit reaches this handle's waits through a
	 * waiter its start queued (engine__wait_queue), or -1: nothing of it is
	 * left to read afterwards. */
	int exit_fd;
};

/* Queue a waiter for @c's next start through its context: *@fd then reads
 * the new monitor's reply and the exit record (wait.c). */
int engine__wait_queue(engine_container *c, int *fd, unsigned long *token);
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
/* health.c: health.json as inspect's State.Health (NULL: none), and the
 * check in effect as inspect's Config.Healthcheck (NULL: none). */
json_object *engine__container_health_json(engine_container *c);
json_object *engine__container_healthcheck(engine_container *c);
/* Docker's status text: "Up 3 seconds (healthy)", "Exited (0) 2 minutes ago". */
void engine__container_status_text(engine_container *c, const engine__cstate *st, char *buf, size_t len);
/* Bytes the container's writable layer holds. */
int64_t engine__container_size(engine_container *c);
/* Connections to @id's next monitor made through @ctx before it started
 * (attach.c): attachments and waiters put the monitor's end of a socket
 * pair (their request already queued in it) here, and the start hands them
 * to the new monitor. *@fds is malloc'd (NULL when none). */
int engine__attach_register(engine_context *ctx, const char *id, int fd, unsigned long *token);
/* Drop an entry: true when it was still waiting (its fd is closed now),
 * false when a start took it. */
bool engine__attach_unregister(engine_context *ctx, unsigned long token);
int engine__attach_take_pending(engine_context *ctx, const char *id, int **fds, size_t *n);
/* engine_status of a state.json status string. */
int engine__status_code(const char *status);
/* Start detached under a monitor process (monitor.c). */
int engine__monitor_start(engine_container *c);

#endif
