/*
 * Volumes as the runtime sees them: a container's mount of a named or
 * anonymous volume takes a reference on it (creating it when missing), its
 * removal drops the reference. The store layout:
 *
 *   volumes/lock                 serialises every change below
 *   volumes/<name>/volume.json   Driver, Labels, Options, CreatedAt
 *   volumes/<name>/_data/        the files (the Mountpoint)
 *   volumes/<name>/refs/<owner>  one per container using it: empty for a
 *                                stored container (in use while
 *                                containers/<owner> exists), "pid"
 *                                for an engine_run() (while that runs)
 */
#ifndef ENGINE_VOLUME_INTERNAL_H
#define ENGINE_VOLUME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <engine/context.h>

/* The label Docker puts on anonymous volumes (prune takes only those). */
#define ENGINE__VOLUME_ANON_LABEL "com.docker.volume.anonymous"

typedef struct engine__volume_mount {
	char *name;
	char *src;  /* the host directory to bind; NULL for a tmpfs */
	char *data; /* tmpfs options of a type=tmpfs volume, or NULL */
	bool tmpfs;
	bool empty; /* a directory of ours with nothing in it: the image's content goes in */
} engine__volume_mount;

/* Take a reference for @owner (a container ID) on volume @name, creating it
 * (anonymous: a random name and the anonymous label) when missing. @pid
 * not 0: the reference lasts while that process lives rather than while
 * the container does. A NULL @name is a new anonymous volume. */
int engine__volume_use(engine_context *ctx, const char *name, const char *owner, pid_t pid,
		       engine__volume_mount *out);
void engine__volume_mount_clear(engine__volume_mount *m);

/* Drop @owner's reference on @name; with @remove_anonymous an anonymous
 * volume nobody else uses goes too (docker rm -v, --rm). Missing volumes
 * are not an error. */
int engine__volume_release(engine_context *ctx, const char *name, const char *owner, bool remove_anonymous);

#endif
