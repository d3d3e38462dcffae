/*
 * The event log (include/engine/events.h): one JSON line per container
 * event appended to <root>/events.jsonl with a single O_APPEND write, so
 * the CLI, embedders and monitors can all record into it; past 4 MiB it
 * moves to events.jsonl.1. Recording is best effort: a full disk must not
 * fail a container operation, and the caller's last error stays as it was.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <engine/events.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/lifecycle.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/json.h"

#define EVENTS_FILE "events.jsonl"
#define EVENTS_MAX (4 << 20)

void engine__event(engine_context *ctx, const char *type, const char *action, const char *id, ...)
{
	cleanup_free char *path = engine__context_path(ctx, EVENTS_FILE);
	cleanup_json json_object *o = json_object_new_object();
	json_object *actor = json_object_new_object(), *attrs = json_object_new_object();
	engine__error_saved saved;
	int64_t ns = engine__realtime_ns();
	const char *k, *line;
	struct stat st;
	va_list ap;
	int fd;

	if (!path || !o || !actor || !attrs) {
		json_object_put(actor);
		json_object_put(attrs);
		return;
	}
	engine__error_save(&saved);
	va_start(ap, id);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);

		if (v)
			engine__json_add_string(attrs, k, v);
	}
	va_end(ap);
	if (!strcmp(type, "container")) {
		engine__json_add_string(o, "status", action);
		engine__json_add_string(o, "id", id);
		if (json_object_object_get(attrs, "image"))
			engine__json_add_string(
			    o, "from", json_object_get_string(json_object_object_get(attrs, "image")));
	}
	engine__json_add_string(o, "Type", type);
	engine__json_add_string(o, "Action", action);
	engine__json_add_string(actor, "ID", id);
	json_object_object_add(actor, "Attributes", attrs);
	json_object_object_add(o, "Actor", actor);
	engine__json_add_string(o, "scope", "local");
	json_object_object_add(o, "time", json_object_new_int64(ns / 1000000000));
	json_object_object_add(o, "timeNano", json_object_new_int64(ns));
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > EVENTS_MAX) {
		cleanup_free char *old = engine__context_path(ctx, EVENTS_FILE ".1");

		/* Another writer may rotate at once: the rename then just moves a
		 * fresh file; no line is ever split. */
		close(fd);
		fd = -1;
		if (old && rename(path, old) == 0)
			fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	}
	if (fd >= 0) {
		size_t n = strlen(line);
		char *buf = malloc(n + 1);

		if (buf) {
			memcpy(buf, line, n);
			buf[n] = '\n';
			if (write(fd, buf, n + 1) < 0) {
				/* best effort: see the top of the file */
			}
			free(buf);
		}
		close(fd);
	}
	engine__error_restore(&saved);
}

void engine__container_event(engine_container *c, const char *action, const char *key, const char *value)
{
	engine__event(c->ctx, "container", action, c->id, "image",
		      engine__json_get_string(c->config, "Image"), "name", c->name, key, value, NULL);
}

ENGINE_EXTERN int engine_events_read(engine_context *ctx, int64_t since_ns, int64_t until_ns, int64_t *offset,
				     char **json_out)
{
	cleanup_free char *path = NULL, *data = NULL;
	cleanup_close int fd = -EBADF;
	char *out, *o;
	struct stat st;
	int64_t from = offset && *offset > 0 ? *offset : 0;
	size_t len = 0;

	if (!ctx || !json_out)
		return engine__error_set(ENGINE_EINVALID, 0, "engine_events_read: NULL argument");
	path = engine__context_path(ctx, EVENTS_FILE);
	if (!path)
		return engine__error_oom();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT)
		return engine__error_errno(errno, "open %s", path);
	if (fd >= 0 && fstat(fd, &st) == 0) {
		/* Rotated since the caller's last read: start over in the new file. */
		if (from > st.st_size)
			from = 0;
		len = (size_t)(st.st_size - from);
		data = malloc(len + 1);
		if (!data)
			return engine__error_oom();
		if (len && pread(fd, data, len, from) != (ssize_t)len)
			return engine__error_errno(errno ? errno : EIO, "read %s", path);
		data[len] = '\0';
		/* Only whole lines: a line being appended waits for the next read. */
		while (len && data[len - 1] != '\n')
			len--;
		data[len] = '\0';
	}
	out = o = malloc(len + 1);
	if (!out)
		return engine__error_oom();
	for (char *line = data, *next; line && *line; line = next) {
		cleanup_json json_object *e = NULL;
		int64_t t;

		next = strchr(line, '\n');
		*next++ = '\0';
		e = json_tokener_parse(line);
		t = e ? engine__json_get_int(e, "timeNano", 0) : 0;
		if (!e || (since_ns && t < since_ns) || (until_ns && t > until_ns))
			continue;
		o += sprintf(o, "%s\n", line);
	}
	*o = '\0';
	if (offset)
		*offset = from + (int64_t)len;
	*json_out = out;
	return 0;
}
