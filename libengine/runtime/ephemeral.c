/*
 * Image markers for engine_run. GC and rmi keep an image while some
 * containers/<name>/image-id names it; an ephemeral run has no other state
 * on disk, so instead of creating and removing a directory per run (two
 * journaled metadata updates each way on the start path), a context keeps
 * one marker per image it runs, "containers/ephemeral-<pid>-<n>/image-id",
 * created on first use and removed when the context is freed. Markers of
 * dead processes are swept the first time a context needs one.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/error.h"
#include "runtime/container_int.h"
#include "runtime/runtime.h"
#include "util/cleanup.h"
#include "util/fs.h"
#include "util/str.h"

#define PREFIX "ephemeral-"

typedef struct marker {
	char image_id[80];
	char *dir;
} marker;

typedef struct eph {
	pthread_mutex_t lock;
	pid_t owner; /* a forked child must not remove its parent's markers */
	char *containers;
	marker *marks;
	size_t n;
	bool swept;
} eph;

static void eph_free(void *data)
{
	eph *e = data;

	for (size_t i = 0; i < e->n; i++) {
		if (getpid() == e->owner)
			engine__rm_rf(e->marks[i].dir);
		free(e->marks[i].dir);
	}
	free(e->marks);
	free(e->containers);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static void *eph_new(engine_context *ctx)
{
	eph *e = calloc(1, sizeof(*e));

	if (!e) {
		engine__error_oom();
		return NULL;
	}
	e->containers = engine__context_path(ctx, "containers");
	if (!e->containers) {
		free(e);
		return NULL;
	}
	pthread_mutex_init(&e->lock, NULL);
	e->owner = getpid();
	return e;
}

/* Remove the markers of processes that are gone (a crash, a kill -9). */
static void sweep(eph *e)
{
	cleanup_closedir DIR *d = opendir(e->containers);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		long pid;
		char *end;

		if (strncmp(de->d_name, PREFIX, strlen(PREFIX)) != 0)
			continue;
		pid = strtol(de->d_name + strlen(PREFIX), &end, 10);
		if (*end != '-' || pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		engine__rm_rf_at(dirfd(d), de->d_name);
	}
	engine_error_clear();
}

int engine__ephemeral_mark(engine_context *ctx, const char *image_id)
{
	eph *e;
	marker *grown;
	cleanup_free char *dir = NULL, *file = NULL;
	int r = 0, fd;

	if (!image_id || !*image_id)
		return 0; /* a plain rootfs: nothing for GC to keep */
	e = engine__context_ext(ctx, ENGINE__EXT_RUNTIME, eph_new, eph_free);
	if (!e)
		return engine_error_last()->code ? engine_error_last()->code : ENGINE_ENOMEM;
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->marks[i].image_id, image_id) == 0)
			goto unlock;
	if (!e->swept) {
		sweep(e);
		e->swept = true;
	}
	dir = engine__strdup_printf("%s/" PREFIX "%d-%zu", e->containers, (int)getpid(), e->n);
	file = dir ? engine__path_join(dir, "image-id") : NULL;
	grown = realloc(e->marks, (e->n + 1) * sizeof(*grown));
	if (!file || !grown) {
		r = engine__error_oom();
		goto unlock;
	}
	e->marks = grown;
	r = engine__mkdir_p(dir, 0700);
	if (r < 0) {
		r = engine__error_wrap("create image marker");
		goto unlock;
	}
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || engine__write_all(fd, image_id, strlen(image_id)) < 0) {
		r = fd < 0 ? engine__error_errno(errno, "create %s", file)
			   : engine__error_wrap("write %s", file);
		if (fd >= 0)
			close(fd);
		engine__rm_rf(dir);
		goto unlock;
	}
	close(fd);
	snprintf(e->marks[e->n].image_id, sizeof(e->marks[e->n].image_id), "%s", image_id);
	e->marks[e->n].dir = steal_ptr(dir);
	e->n++;
unlock:
	pthread_mutex_unlock(&e->lock);
	return r;
}
