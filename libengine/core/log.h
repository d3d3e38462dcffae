/* Internal logging through a context's sink; silent when none is set. */
#ifndef ENGINE_CORE_LOG_H
#define ENGINE_CORE_LOG_H

#include <engine/context.h>

void engine__log(engine_context *ctx, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define engine__error_log(ctx, ...) engine__log((ctx), ENGINE_LOG_ERROR, __VA_ARGS__)
#define engine__warn(ctx, ...) engine__log((ctx), ENGINE_LOG_WARN, __VA_ARGS__)
#define engine__info(ctx, ...) engine__log((ctx), ENGINE_LOG_INFO, __VA_ARGS__)
#define engine__debug(ctx, ...) engine__log((ctx), ENGINE_LOG_DEBUG, __VA_ARGS__)

#endif
