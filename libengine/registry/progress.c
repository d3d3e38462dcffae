/* Progress delivery. The callback lives in the context's registry slot so
 * every pull and push of that context reports through it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/context.h"
#include "registry/progress.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

struct registry_slot {
	engine_registry_progress_fn fn;
	void *payload;
};

static void *slot_create(engine_context *ctx)
{
	(void)ctx;
	return calloc(1, sizeof(struct registry_slot));
}

static void slot_free(void *data)
{
	free(data);
}

ENGINE_EXTERN void engine_registry_set_progress_callback(engine_context *ctx, engine_registry_progress_fn fn,
							 void *payload)
{
	struct registry_slot *s;

	if (!ctx)
		return;
	s = engine__context_ext(ctx, ENGINE__EXT_REGISTRY, slot_create, slot_free);
	if (!s)
		return;
	pthread_mutex_lock(&ctx->ext_lock);
	s->fn = fn;
	s->payload = payload;
	pthread_mutex_unlock(&ctx->ext_lock);
}

void engine__progress_init(engine__progress *p, engine_context *ctx, int fd)
{
	struct registry_slot *s = engine__context_ext(ctx, ENGINE__EXT_REGISTRY, slot_create, slot_free);

	memset(p, 0, sizeof(*p));
	p->fd = fd;
	if (s) {
		pthread_mutex_lock(&ctx->ext_lock);
		p->fn = s->fn;
		p->payload = s->payload;
		pthread_mutex_unlock(&ctx->ext_lock);
	}
}

const char *engine__progress_short_id(const char *digest, char buf[13])
{
	const char *hex = strchr(digest, ':');

	snprintf(buf, 13, "%.12s", hex ? hex + 1 : digest);
	return buf;
}

void engine__progress_emit(const engine__progress *p, int kind, const char *id, const char *status,
			   int64_t current, int64_t total)
{
	if (p->fn) {
		engine_registry_event ev = {kind, id, status, current, total};
		p->fn(&ev, p->payload);
	}
	if (p->fd >= 0) {
		cleanup_json json_object *o = json_object_new_object();
		const char *s;
		if (!o || engine__json_add_string(o, "status", status) < 0 ||
		    (id && engine__json_add_string(o, "id", id) < 0))
			return;
		if (kind == ENGINE_REGISTRY_EVENT_PROGRESS) {
			json_object *d = json_object_new_object();
			if (!d)
				return;
			json_object_object_add(d, "current", json_object_new_int64(current));
			if (total > 0)
				json_object_object_add(d, "total", json_object_new_int64(total));
			json_object_object_add(o, "progressDetail", d);
		}
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		if (s) {
			size_t len = strlen(s);
			char *line = malloc(len + 2);
			if (line) {
				memcpy(line, s, len);
				line[len] = '\n';
				(void)engine__write_all(p->fd, line, len + 1);
				free(line);
			}
		}
	}
}
