/*
 * An image archive being loaded, seen as named members whatever its form:
 * a directory (an OCI layout on disk) or a tar in any compression (an OCI
 * layout tar, a `docker save` archive). A tar is read exactly once: small
 * members stay in memory, large ones stream into blob writers in the store
 * while their digest is computed, so nothing is extracted twice and nothing
 * becomes visible until the loader commits what it verified.
 */
#ifndef ENGINE_IMAGE_ARCHIVE_SOURCE_H
#define ENGINE_IMAGE_ARCHIVE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <engine/context.h>

#include "util/digest.h"

typedef struct engine__source engine__source;

/* Open @path (a directory or a tar). ENGINE_ENOTFOUND when it does not
 * exist, ENGINE_EINVALID for a file that is not a readable tar. */
int engine__source_open(engine_context *ctx, const char *path, engine__source **out);
/* Free the source, discarding every staged blob not committed. */
void engine__source_free(engine__source *src);

/* Clean an archive path ("./a//b" -> "a/b"); ENGINE_EINVALID, naming
 * @what, when it is empty or escapes with "..". */
int engine__source_clean_name(const char *name, const char *what, char **out);

/* Whether member @name (cleaned) exists. */
bool engine__source_has(engine__source *src, const char *name);
/* Parse member @name as JSON (it must be small); errors name the member. */
int engine__source_read_json(engine__source *src, const char *name, json_object **out);

/* Stage @names (NULL-terminated) ahead of engine__source_stage, several at
 * a time where that helps (a directory's large members); failures are
 * left for engine__source_stage to report. */
int engine__source_prefetch(engine__source *src, char *const *names);
/* Make member @name ready to be stored and report its digest and size
 * (a directory member is streamed into a blob writer now). ENGINE_EINVALID
 * when it is missing or not a regular file. */
int engine__source_stage(engine__source *src, const char *name, char digest_out[ENGINE__DIGEST_LEN + 1],
			 int64_t *size_out);
/* Whether a staged member starts with a compression magic (gzip, zstd,
 * xz, bzip2): an uncompressed layer's digest is its diff_id. */
bool engine__source_compressed(engine__source *src, const char *name);
/* A layer copied in while it is unpacked (engine__layer_job_start_copy):
 * for a directory member not staged yet, its open file and a new blob
 * writer (*@fd_out is -1 otherwise: a tar source, a member staged or
 * missing). */
struct engine__blob_writer;
int engine__source_open_blob(engine__source *src, const char *name, int *fd_out,
			     struct engine__blob_writer **w_out);
/* The writer (taken) holds member @name's whole content: staged. */
int engine__source_adopt(engine__source *src, const char *name, struct engine__blob_writer *w);
engine_context *engine__source_context(engine__source *src);
/* Store a staged member as a blob (idempotent). */
int engine__source_commit(engine__source *src, const char *name);

/* The blob member name for a digest: "blobs/sha256/<hex>" (malloc'd). */
char *engine__source_blob_name(const char *digest);

#endif
