/*
 * The engine's event log: what containers went through (create, start,
 * die, kill, stop, pause, unpause, destroy), kept under the context's root
 * by every process that uses it, read back as `docker events` shows them.
 */
#ifndef ENGINE_EVENTS_H
#define ENGINE_EVENTS_H

#include <stdint.h>

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

/**
 * Events recorded under @p ctx's root from byte @p *offset of the log on
 * (NULL or 0: the start), one JSON object a line in the Docker Engine
 * API's event shape ({"status", "id", "from", "Type", "Action", "Actor":
 * {"ID", "Attributes"}, "scope", "time", "timeNano"}), those with timeNano
 * in [@p since_ns, @p until_ns] (0: no bound). *@p offset (may be NULL)
 * receives where the next read starts, so a caller can follow the log by
 * reading again. *@p json_out ("" when none) is freed with engine_free().
 * The log keeps the last few MiB (one older generation).
 */
ENGINE_EXTERN int engine_events_read(engine_context *ctx, int64_t since_ns, int64_t until_ns, int64_t *offset,
				     char **json_out);

ENGINE_END_DECLS

#endif
