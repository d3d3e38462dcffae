/* Logging: a context sends lines to a callback and/or an fd as JSON lines. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/context.h"
#include "core/log.h"

static const char *level_name(int level)
{
	static const char *names[] = {"error", "warn", "info", "debug", "trace"};
	return level >= 0 && level <= ENGINE_LOG_TRACE ? names[level] : "trace";
}

void engine__log(engine_context *ctx, int level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	if (!ctx || level > ctx->log_level || (ctx->log_fd < 0 && !ctx->log_fn))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctx->log_fn)
		ctx->log_fn(level, msg, ctx->log_payload);
	if (ctx->log_fd >= 0) {
		struct timespec ts;
		json_object *o = json_object_new_object();
		const char *line;

		if (!o)
			return;
		clock_gettime(CLOCK_REALTIME, &ts);
		json_object_object_add(o, "level", json_object_new_string(level_name(level)));
		json_object_object_add(o, "msg", json_object_new_string(msg));
		json_object_object_add(o, "time", json_object_new_double(ts.tv_sec + ts.tv_nsec / 1e9));
		line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		if (line) {
			/* One write per line keeps lines whole when fds are shared. */
			char buf[4096];
			int n = snprintf(buf, sizeof(buf), "%s\n", line);
			if (n > 0)
				(void)!write(ctx->log_fd, buf,
					     (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
		}
		json_object_put(o);
	}
}

ENGINE_EXTERN void engine_context_set_log_level(engine_context *ctx, int level)
{
	if (ctx)
		ctx->log_level = level;
}

ENGINE_EXTERN void engine_context_set_log_fd(engine_context *ctx, int fd)
{
	if (ctx)
		ctx->log_fd = fd;
}

ENGINE_EXTERN void engine_context_set_log_callback(engine_context *ctx, engine_log_fn fn, void *payload)
{
	if (!ctx)
		return;
	ctx->log_fn = fn;
	ctx->log_payload = payload;
}
