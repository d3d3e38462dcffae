/* Logging: a context sends lines to a callback and/or an fd as JSON lines. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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

struct engine__log_sink {
	engine_log_fn fn;
	void *payload;
	struct engine__log_sink *next;
};

void engine__log(engine_context *ctx, int level, const char *fmt, ...)
{
	const struct engine__log_sink *sink;
	char msg[2048];
	va_list ap;
	int fd;

	if (!ctx || level > __atomic_load_n(&ctx->log_level, __ATOMIC_RELAXED))
		return;
	sink = __atomic_load_n(&ctx->log_sink, __ATOMIC_ACQUIRE);
	fd = __atomic_load_n(&ctx->log_fd, __ATOMIC_RELAXED);
	if (fd < 0 && !sink)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (sink)
		sink->fn(level, msg, sink->payload);
	if (fd >= 0) {
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
				(void)!write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
		}
		json_object_put(o);
	}
}

ENGINE_EXTERN void engine_context_set_log_level(engine_context *ctx, int level)
{
	if (ctx)
		__atomic_store_n(&ctx->log_level, level, __ATOMIC_RELAXED);
}

ENGINE_EXTERN void engine_context_set_log_fd(engine_context *ctx, int fd)
{
	if (ctx)
		__atomic_store_n(&ctx->log_fd, fd, __ATOMIC_RELAXED);
}

ENGINE_EXTERN void engine_context_set_log_callback(engine_context *ctx, engine_log_fn fn, void *payload)
{
	struct engine__log_sink *sink = NULL;

	if (!ctx)
		return;
	pthread_mutex_lock(&ctx->log_lock);
	if (fn) {
		/* A pair set before is reused: switching back and forth costs nothing. */
		for (sink = ctx->log_sinks; sink; sink = sink->next)
			if (sink->fn == fn && sink->payload == payload)
				break;
		if (!sink && (sink = malloc(sizeof(*sink)))) {
			*sink = (struct engine__log_sink){fn, payload, ctx->log_sinks};
			ctx->log_sinks = sink;
		}
	}
	/* Without memory for a new sink the context logs to no callback. */
	__atomic_store_n(&ctx->log_sink, sink, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&ctx->log_lock);
}

void engine__log_sinks_free(engine_context *ctx)
{
	while (ctx->log_sinks) {
		struct engine__log_sink *next = ctx->log_sinks->next;

		free(ctx->log_sinks);
		ctx->log_sinks = next;
	}
	ctx->log_sink = NULL;
}
