/* Pull/push progress: to the context's callback and to an fd as JSON lines
 * shaped like the Docker Engine API's pull stream. */
#ifndef ENGINE_REGISTRY_PROGRESS_H
#define ENGINE_REGISTRY_PROGRESS_H

#include <stdint.h>

#include <engine/registry.h>

typedef struct engine__progress {
	engine_registry_progress_fn fn;
	void *payload;
	int fd;
} engine__progress;

/* The context's callback plus @fd. */
void engine__progress_init(engine__progress *p, engine_context *ctx, int fd);
void engine__progress_emit(const engine__progress *p, int kind, const char *id, const char *status,
			   int64_t current, int64_t total);
/* The 12-hex short ID Docker shows for a digest (into @buf of 13 bytes). */
const char *engine__progress_short_id(const char *digest, char buf[13]);

#endif
