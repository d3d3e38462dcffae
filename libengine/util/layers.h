/*
 * A read-only view of a stack of overlay layer directories (an image's
 * layers, plus a container's upper dir on top) as the merged filesystem
 * the container sees, without mounting it: whiteouts (0/0 character
 * devices) hide what is below, an opaque directory (trusted.overlay.opaque
 * "y") hides the lower directories of the same name, symlinks are followed
 * inside the view (an absolute target restarts at the view's root, never
 * the host's). Every step is an openat/fstatat relative to a directory fd
 * with O_NOFOLLOW, so nothing a layer contains can lead the host outside it.
 */
#ifndef ENGINE_UTIL_LAYERS_H
#define ENGINE_UTIL_LAYERS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

typedef struct engine__layers engine__layers;

/* Open the view of @dirs (NULL-terminated; @top_first says the order).
 * Directories that do not exist are skipped (an upper dir not created
 * yet). Returns 0 or an ENGINE_E* code. */
int engine__layers_open(char *const *dirs, bool top_first, engine__layers **out);
void engine__layers_free(engine__layers *l);

typedef struct engine__layers_entry {
	int dirfd;  /* the directory holding it, in the layer that provides it (owned) */
	char *name; /* its name in @dirfd ("." for a directory reached at its end) */
	char *path; /* the resolved absolute path in the view */
	struct stat st;
} engine__layers_entry;

/* Look @path (absolute) up. Intermediate symlinks are followed inside the
 * view, the last one when @follow. Returns 1 (found, *@out filled), 0 (not
 * there: missing, whited out, or a file on the way; out->path still holds
 * the path with the existing prefix resolved and the rest appended) or a
 * negative ENGINE_E* code (error set; ELOOP after 40 links). */
int engine__layers_lookup(engine__layers *l, const char *path, bool follow, engine__layers_entry *out);
void engine__layers_entry_clear(engine__layers_entry *e);

/* The regular file @path (symlinks followed in the view), at most @max
 * bytes, NUL-terminated. A FIFO, device or socket is refused without being
 * opened. ENGINE_ENOTFOUND when missing; ENGINE_EINVALID when not a regular
 * file or larger than @max. */
int engine__layers_read(engine__layers *l, const char *path, size_t max, char **out, size_t *len);

#endif
