/* Container filters for listings and prunes (container_filter.c). */
#ifndef ENGINE_RUNTIME_CONTAINER_FILTER_H
#define ENGINE_RUNTIME_CONTAINER_FILTER_H

#include <stdbool.h>

#include "runtime/lifecycle.h"
#include "util/filters.h"

typedef struct engine__cfilter {
	engine_context *ctx;
	engine__filters f;
	int64_t before, since, until; /* creation times, ns */
	bool has_before, has_since, has_until;
} engine__cfilter;

/* Parse @filters (NULL: none) for a listing, or with @prune for a prune
 * (until, label, label!). ENGINE_EINVALID for an unknown key or value,
 * ENGINE_ENOTFOUND for a before/since container that does not exist. */
int engine__cfilter_init(engine_context *ctx, const engine_strarray *filters, bool prune, engine__cfilter *f);
void engine__cfilter_clear(engine__cfilter *f);
/* A status or exited filter lists stopped containers without "all". */
bool engine__cfilter_wants_stopped(const engine__cfilter *f);
bool engine__cfilter_match(engine__cfilter *f, engine_container *c, const engine__cstate *st);

#endif
