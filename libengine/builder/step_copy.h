/*
 * COPY and ADD without a container: resolve the sources (context paths,
 * wildcards, .dockerignore, or another image's rootfs for --from), hash what
 * would be copied (content, mode, owner — not mtime) for the cache key, and
 * on a miss write it into a directory that becomes the step's layer.
 */
#ifndef ENGINE_BUILD_COPY_H
#define ENGINE_BUILD_COPY_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <engine/context.h>

#include "builder/dockerfile.h"

typedef struct engine__copy_req {
	engine_context *ctx;	      /* the store: ADD extracts with its unpacker and limits */
	const char *kw;		      /* "COPY" or "ADD", for messages */
	int line;		      /* Dockerfile line, for messages */
	const char *src_root;	      /* the context directory, or a --from image's rootfs */
	const engine__ignore *ignore; /* .dockerignore (NULL for --from) */
	char *const *srcs;	      /* expanded sources */
	const char *dest;	      /* expanded destination, absolute */
	bool add;		      /* ADD: local tar archives are extracted */
	bool preserve_owner;	      /* --from without --chown keeps the owners */
	bool in_image;		      /* src_root is an image's files: its links resolve inside it */
	bool chown;		      /* --chown given (archives keep their owners otherwise) */
	uid_t uid;		      /* owner otherwise (0:0 unless --chown) */
	gid_t gid;
	int chmod;	     /* --chmod bits, or -1 */
	char *const *layers; /* the parent image's layer dirs, lowest first */
} engine__copy_req;

typedef struct engine__copy_plan engine__copy_plan;

/* Resolve the sources and hash them. Errors: ENGINE_EINVALID (a source
 * outside the context, several sources into a non-directory), ENGINE_ENOTFOUND
 * (missing or excluded source), ENGINE_ENOTSUP (a URL: no network). */
int engine__copy_plan_new(const engine__copy_req *req, engine__copy_plan **out);
/* "file:<hex>", "dir:<hex>" or "multi:<hex>" (borrowed), as in Docker's history. */
const char *engine__copy_plan_hash(const engine__copy_plan *plan);
/* Write the files into @root (an empty directory: the layer being made). */
int engine__copy_plan_write(const engine__copy_req *req, const engine__copy_plan *plan, const char *root);
void engine__copy_plan_free(engine__copy_plan *plan);

/* Look a path up in an image's layers (top first, whiteouts honoured). */
int engine__image_path_stat(char *const *layers, const char *path, struct stat *st);
/* @path (absolute) with the symlinks on the way resolved inside the image,
 * as Docker resolves a COPY destination in the container's root. */
int engine__image_path_resolve(char *const *layers, const char *path, char **out);
/* Make the directory @path (absolute, its symlinks already resolved in the
 * image) in the layer directory @root: the ancestors it needs take the
 * image's metadata where the image has them, what is new is 0755 root's.
 * Nothing is followed in @root. */
int engine__image_mkdir(char *const *layers, const char *path, const char *root);
/* "user[:group]" (names from the image's /etc/passwd and /etc/group, or
 * numbers) to ids, like Docker's --chown. */
int engine__chown_resolve(char *const *layers, const char *spec, uid_t *uid, gid_t *gid);

#endif
