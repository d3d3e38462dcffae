/*
 * The daemon's view of containers: the Docker create body each came from
 * (kept under <data-root>/daemon/containers/<id>.json, since the library's
 * spec does not carry every Docker field), and a watcher thread per running
 * container that records its exit, wakes waiters and attached streams, and
 * does AutoRemove. The containers themselves belong to their monitors, so
 * a restarted daemon finds them running and watches them again.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"

static void meta_path(struct daemon *d, const char *id, char *buf, size_t len)
{
	snprintf(buf, len, "%s/containers/%s.json", d->state_dir, id);
}

struct dcont *registry_get(struct daemon *d, const char *id)
{
	struct dcont *e;
	char path[4200];

	for (e = d->containers; e; e = e->next)
		if (strcmp(e->id, id) == 0)
			return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	snprintf(e->id, sizeof(e->id), "%s", id);
	e->exit_pipe[0] = e->exit_pipe[1] = -1;
	meta_path(d, id, path, sizeof(path));
	e->meta = json_object_from_file(path);
	e->next = d->containers;
	d->containers = e;
	return e;
}

int registry_store_meta(struct daemon *d, const char *id, json_object *meta)
{
	char path[4200], tmp[4300];
	struct dcont *e;

	meta_path(d, id, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, meta, JSON_C_TO_STRING_PLAIN) < 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return -1;
	}
	pthread_mutex_lock(&d->lock);
	e = registry_get(d, id);
	if (e) {
		if (e->meta)
			json_object_put(e->meta);
		e->meta = json_object_get(meta);
	}
	pthread_mutex_unlock(&d->lock);
	return 0;
}

json_object *registry_meta(struct daemon *d, const char *id, const char *key)
{
	struct dcont *e = registry_get(d, id);
	json_object *v;

	if (!e || !e->meta)
		return NULL;
	if (!key)
		return e->meta;
	return json_object_object_get_ex(e->meta, key, &v) ? v : NULL;
}

static bool auto_remove(struct dcont *e)
{
	json_object *hc, *v;

	return e->meta && json_object_object_get_ex(e->meta, "HostConfig", &hc) &&
	       json_object_object_get_ex(hc, "AutoRemove", &v) && json_object_get_boolean(v);
}

void registry_removed(struct daemon *d, const char *id)
{
	char path[4200];
	struct dcont *e;

	meta_path(d, id, path, sizeof(path));
	unlink(path);
	pthread_mutex_lock(&d->lock);
	e = registry_get(d, id);
	if (e) {
		e->removed = true;
		if (e->meta)
			json_object_put(e->meta);
		e->meta = NULL;
	}
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	exec_container_removed(d, id);
}

int registry_remove_container(struct daemon *d, engine_container *c, bool force, bool volumes)
{
	char id[65];
	int r;

	snprintf(id, sizeof(id), "%s", engine_container_id(c));
	pthread_mutex_lock(&d->lock);
	{
		struct dcont *e = registry_get(d, id);

		if (e && e->removing) {
			pthread_mutex_unlock(&d->lock);
			return 0;
		}
		if (e)
			e->removing = true;
	}
	pthread_mutex_unlock(&d->lock);
	events_container(c, "destroy", NULL);
	r = volumes ? engine_container_remove_volumes(c, force) : engine_container_remove(c, force);
	if (r < 0) {
		pthread_mutex_lock(&d->lock);
		registry_get(d, id)->removing = false;
		pthread_mutex_unlock(&d->lock);
		return r;
	}
	registry_removed(d, id);
	dlog(3, "container %.12s removed", id);
	return 0;
}

/* The pipe the watcher closes when the current (or next) run ends; made
 * ahead of the start so a client attached before it is woken at once. */
static void ensure_exit_pipe(struct dcont *e)
{
	if (e->exit_pipe[1] >= 0)
		return;
	if (e->exit_pipe[0] >= 0)
		close(e->exit_pipe[0]);
	if (pipe2(e->exit_pipe, O_CLOEXEC) < 0)
		e->exit_pipe[0] = e->exit_pipe[1] = -1;
}

int registry_exit_fd(struct daemon *d, const char *id)
{
	struct dcont *e;
	int fd = -1;

	pthread_mutex_lock(&d->lock);
	e = registry_get(d, id);
	if (e && !e->running)
		ensure_exit_pipe(e);
	if (e && e->exit_pipe[0] >= 0)
		fd = fcntl(e->exit_pipe[0], F_DUPFD_CLOEXEC, 0);
	pthread_mutex_unlock(&d->lock);
	return fd;
}

static void *watch_thread(void *arg)
{
	struct daemon *d = the_daemon;
	char *id = arg;
	struct dctx *dc = dctx_get(d);
	engine_container *c = NULL;
	struct dcont *e;
	int code = 0, r;
	bool rm;

	r = engine_container_open(dc->ctx, id, &c);
	if (r == 0) {
		do
			r = engine_container_wait(c, -1, &code);
		while (r == ENGINE_ETIMEOUT);
	}
	pthread_mutex_lock(&d->lock);
	e = registry_get(d, id);
	e->exits++;
	e->exit_code = r == 0 ? code : e->exit_code;
	e->running = false;
	e->watching = false;
	if (e->exit_pipe[1] >= 0) {
		close(e->exit_pipe[1]);
		e->exit_pipe[1] = -1;
	}
	pthread_cond_broadcast(&d->cond);
	rm = auto_remove(e) && c;
	if (rm) {
		/* Let attached clients drain the output before it goes. */
		struct timespec dl;

		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 30;
		while (e->attachers > 0)
			if (pthread_cond_timedwait(&d->cond, &d->lock, &dl) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&d->lock);
	dlog(3, "container %.12s exited with %d", id, code);
	if (c) {
		char num[16];

		snprintf(num, sizeof(num), "%d", code);
		events_container(c, "die", "exitCode", num);
		events_resources(c, false);
	}
	if (rm && registry_remove_container(d, c, true, true) < 0)
		dlog(1, "auto-remove %.12s: %s", id, engine_error_last()->message);
	engine_container_free(c);
	dctx_put(d, dc);
	free(id);
	return NULL;
}

void registry_started(struct daemon *d, const char *id)
{
	struct dcont *e;
	pthread_attr_t attr;
	pthread_t th;
	char *copy;

	pthread_mutex_lock(&d->lock);
	e = registry_get(d, id);
	if (!e || e->watching) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	ensure_exit_pipe(e);
	e->running = true;
	e->watching = true;
	copy = strdup(id);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	if (!copy || pthread_create(&th, &attr, watch_thread, copy) != 0) {
		e->watching = false;
		free(copy);
		dlog(0, "cannot watch container %.12s", id);
	}
	pthread_attr_destroy(&attr);
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

int registry_restore(struct daemon *d, engine_context *ctx)
{
	engine_strarray ids = {NULL, 0};
	int r = engine_container_list_ids(ctx, 1, &ids);
	size_t running = 0;

	if (r < 0)
		return r;
	for (size_t i = 0; i < ids.count; i++) {
		engine_container *c = NULL;
		const char *st;
		struct dcont *e;
		bool rm;

		if (engine_container_open(ctx, ids.strings[i], &c) < 0)
			continue;
		st = engine_container_status(c);
		if (strcmp(st, "running") == 0 || strcmp(st, "paused") == 0) {
			registry_started(d, ids.strings[i]);
			running++;
		} else {
			pthread_mutex_lock(&d->lock);
			e = registry_get(d, ids.strings[i]);
			rm = e && strcmp(st, "exited") == 0 && auto_remove(e);
			pthread_mutex_unlock(&d->lock);
			/* It exited while no daemon was watching: finish its --rm. */
			if (rm && registry_remove_container(d, c, true, true) == 0)
				dlog(2,
				     "removed auto-remove container %.12s that exited while the daemon was "
				     "down",
				     ids.strings[i]);
		}
		engine_container_free(c);
	}
	dlog(2, "Loaded containers: %zu, %zu running (live restore)", ids.count, running);
	engine_strarray_dispose(&ids);
	return 0;
}
