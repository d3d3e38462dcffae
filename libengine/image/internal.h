/*
 * Private to the image store's own files (blob.c, layer.c, unpack.c, ...):
 * the pieces they share that no other subsystem should depend on. Other
 * subsystems use store.h only.
 */
#ifndef ENGINE_IMAGE_INTERNAL_H
#define ENGINE_IMAGE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend/archive_lib.h"
#include <json-c/json.h>

#include <engine/context.h>

#include "util/digest.h"
#include "util/safepath.h"

/* --- entry names (safepath.c): pure decisions, no I/O ------------------- */

/* Clean a tar entry name lexically: leading "/" and "./" go, "." and empty
 * components go, ".." is resolved. A name that climbs above the root is
 * ENGINE_EPERM ("entry \"..\": escapes the layer root"). The root itself
 * cleans to "". *out is malloc'd. @what is "entry" or "hardlink target". */
int engine__entry_clean(const char *name, const char *what, char **out);

enum engine__whiteout_kind {
	ENGINE__WH_NONE,   /* an ordinary name */
	ENGINE__WH_FILE,   /* ".wh.<name>": <name> is deleted */
	ENGINE__WH_OPAQUE, /* ".wh..wh..opq": the parent directory is opaque */
	ENGINE__WH_META,   /* other ".wh..wh." names (AUFS bookkeeping): ignored */
};

/* Classify a base name; for ENGINE__WH_FILE *target points into @base. A
 * whiteout naming "." or ".." is ENGINE__WH_FILE with that target: the caller
 * rejects it (engine__whiteout_target_ok). */
enum engine__whiteout_kind engine__whiteout_classify(const char *base, const char **target);
bool engine__whiteout_target_ok(const char *target);

#define ENGINE__OVERLAY_OPAQUE_XATTR "trusted.overlay.opaque"
/* xattrs in the overlay namespace steer the kernel (redirects, metacopy):
 * never taken from a tar, only set by the whiteout conversion. */
bool engine__xattr_is_overlay(const char *name);

/* --- decompressing reader (stream.c) ---------------------------------- */

/* A layer blob opened as a tar: decompression (gzip, zstd, xz, bzip2 or
 * none, by magic) runs in its own thread and stops at the limits' max_bytes,
 * or once the output passes ENGINE__UNPACK_RATIO_FLOOR and max_ratio times
 * the blob's size (a decompression bomb); the reading thread hashes the
 * uncompressed bytes (the diff ID). @limits: only max_bytes and max_ratio
 * are read (engine__unpack_limits fills them). */
typedef struct engine__layer_stream engine__layer_stream;
struct engine__unpack_options;

int engine__layer_stream_open(const char *path, const struct engine__unpack_options *limits,
			      engine__layer_stream **out);
/* The same on an open blob, read from its current offset (the stream owns
 * @fd, failure included). With @tee (borrowed, may be NULL) every byte
 * read is written to it as well, up to the end of the file (finish reads
 * what the decompressor left): a blob copied into the store and unpacked
 * in one pass. */
struct engine__blob_writer;
int engine__layer_stream_open_fd(int fd, struct engine__blob_writer *tee,
				 const struct engine__unpack_options *limits, engine__layer_stream **out);
/* The tar reader (borrowed). */
struct archive *engine__layer_stream_archive(engine__layer_stream *s);
/* Read the rest of the stream and produce the diff ID of everything read;
 * a decompression failure or the size cap surfaces here too. */
int engine__layer_stream_finish(engine__layer_stream *s, char diff_id[ENGINE__DIGEST_LEN + 1]);
/* The error the decompressing thread hit, if any (0 otherwise): raised in
 * place of libarchive's generic "read callback failed". */
int engine__layer_stream_error(engine__layer_stream *s);
/* "gzip", "zstd", "xz", "bzip2" or "none"; valid after the first header. */
const char *engine__layer_stream_compression(engine__layer_stream *s);
void engine__layer_stream_free(engine__layer_stream *s);
/* "isa-l" when gzip goes through ISA-L's igzip, else "libarchive". */
const char *engine__layer_stream_inflater(engine__layer_stream *s);
/* Tests: AUTO (ISA-L for gzip where it loads) or LIBARCHIVE always. */
enum { ENGINE__INFLATER_AUTO, ENGINE__INFLATER_LIBARCHIVE };
void engine__layer_stream_force_inflater(int which);

/* --- extraction (unpack.c) --------------------------------------------- */

enum engine__unpack_mode {
	/* One layer into its own directory: OCI whiteouts become overlay
	 * whiteouts (0/0 char device, opaque xattr). */
	ENGINE__UNPACK_LAYER,
	/* Layers applied in turn onto one tree: whiteouts delete. */
	ENGINE__UNPACK_APPLY,
	/* Any tar (docker cp): ".wh." names are plain files. */
	ENGINE__UNPACK_PLAIN,
};

typedef struct engine__unpack_options {
	int mode;		 /* enum engine__unpack_mode */
	char *const *lower_dirs; /* LAYER mode: the layers below, topmost first,
				    for the metadata of parents the tar omits */
	uint64_t max_entries;
	uint64_t max_bytes; /* also caps the sum of entry sizes (sparse files) */
	uint64_t max_ratio; /* uncompressed:compressed, past the floor; 0: none */
	/* ADD --chown / --chmod: every entry gets these instead of the tar's. */
	bool owner_override;
	uid_t uid;
	gid_t gid;
	bool perm_override; /* not for symlinks */
	mode_t perm;
	bool no_chown; /* the caller owns what is created (docker cp to the host) */
	/* A container's files landing on the host (docker cp out): no device
	 * nodes are made, no set-user/group-id bits kept on files. */
	bool to_host;
	/* LAYER mode while the layers below are still being unpacked (layers
	 * of one image in parallel): parents the tar omits are listed in
	 * implicit_dirs instead of copying metadata from lower_dirs. */
	bool defer_implicit;
	const int *cancel; /* set (atomically) by another thread: stop, ENGINE_ECANCELED */
} engine__unpack_options;

typedef struct engine__unpack_result {
	uint64_t entries;
	uint64_t size;		  /* bytes of regular files */
	uint64_t devices_skipped; /* rootless: device nodes not made */
	char **implicit_dirs;	  /* defer_implicit: the caller frees (engine__strv_free) */
} engine__unpack_result;

/* --- rootless ownership (owners.c) ------------------------------------- */

/* Entries whose owner the caller could not give (it is not root): after
 * the unpack, a child that is root of a user namespace mapped by the
 * caller's subordinate ranges chowns them (container ids, so they land on
 * the mapped host ids) and restores their modes (chown drops setuid); an
 * id the mapping cannot hold is recorded in the user.containers.
 * override_stat xattr instead ("uid:gid:0mode", as rootless podman's
 * fuse-overlayfs keeps it). Without ranges every such entry gets the
 * xattr and stays the caller's. */
typedef struct engine__owner {
	char *rel;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	bool link;
} engine__owner;
typedef struct engine__owners {
	engine__owner *v;
	size_t n, cap;
} engine__owners;
int engine__owners_note(engine__owners *o, const char *rel, uid_t uid, gid_t gid, mode_t mode, bool link);
int engine__owners_apply(int rootfd, const engine__owners *o);
void engine__owners_free(engine__owners *o);

/* Open @path as a layer stream, extract it beneath @rootfd and read it to
 * its end: @diff_id (may be NULL) receives the digest of the uncompressed
 * stream, @compression (may be NULL) what it was compressed with. The
 * decompressing thread's reason for a failure (a limit, corrupt data) is
 * the error reported, not libarchive's "read callback failed". */
int engine__unpack_file(const char *path, int rootfd, const engine__unpack_options *opts,
			engine__unpack_result *res, char diff_id[ENGINE__DIGEST_LEN + 1],
			const char **compression);
/* The same on an open blob (owned, closed), copied into @tee as it is
 * read (engine__layer_stream_open_fd). */
int engine__unpack_fd(int fd, struct engine__blob_writer *tee, int rootfd, const engine__unpack_options *opts,
		      engine__unpack_result *res, char diff_id[ENGINE__DIGEST_LEN + 1],
		      const char **compression);

/* Extract every entry of @a beneath @rootfd. Nothing is created, changed or
 * followed outside it. Errors name the entry; the caller adds the layer. */
int engine__unpack_archive(struct archive *a, int rootfd, const engine__unpack_options *opts,
			   engine__unpack_result *res);
/* The directories a defer_implicit unpack listed take the owner, mode and
 * times of the same directory in @lower_dirs (topmost first), now there. */
int engine__unpack_implicit_dirs(int rootfd, char *const *rels, char *const *lower_dirs);

/* --- limits and paths (store.c) ---------------------------------------- */

/* The configured limits (max_bytes, max_entries, max_ratio) into @opts. */
void engine__unpack_limits(engine_context *ctx, engine__unpack_options *opts);
#define ENGINE__DEFAULT_UNPACK_MAX_BYTES (32ULL << 30)
#define ENGINE__DEFAULT_UNPACK_MAX_ENTRIES 2000000ULL
#define ENGINE__DEFAULT_UNPACK_MAX_RATIO 100ULL
/* A layer may repeat paths it already wrote (later entries win) up to this
 * many times, or as many times as it has distinct paths if that is more:
 * beyond, it is a flood of entries that each cost a file creation. */
#define ENGINE__UNPACK_MAX_REPEATS 10000ULL
/* Below this many uncompressed bytes no ratio is too high. */
#define ENGINE__UNPACK_RATIO_FLOOR (1ULL << 30)

/* Hand a vector to the caller as an engine_strarray; an empty one becomes
 * {NULL, 0}, so a caller that only disposes non-empty lists leaks nothing. */
void engine__strv_to_report(char **strv, engine_strarray *out);

/* Remove a temp tree on a failure path, keeping the thread's error. */
void engine__discard_tmp(const char *path);

/* "<root>/<dir>/<hex of digest><suffix>" (malloc'd, error set on failure). */
char *engine__store_path(engine_context *ctx, const char *dir, const char *digest, const char *suffix);

/* --- layer records (layer.c) -------------------------------------------- */

/* ChainID(parent, diff) = sha256(parent + " " + diff), or @diff_id itself
 * for a base layer. */
int engine__chain_id(const char *parent_chain_id, const char *diff_id, char out[ENGINE__DIGEST_LEN + 1]);
/* The parsed layers/<hex>/layer.json. */
int engine__layer_record(engine_context *ctx, const char *chain_id, json_object **out);
/* Diff dirs of a chain, topmost first (NULL-terminated, malloc'd). */
int engine__layer_chain_dirs(engine_context *ctx, const char *chain_id, char ***out);

/* --- image records (images.c) ------------------------------------------- */

/* images/<hex>.json. */
int engine__image_record(engine_context *ctx, const char *image_id, json_object **out);
/* Every image ID in the store (NULL-terminated, malloc'd). */
int engine__image_ids(engine_context *ctx, char ***out);
/* An image config's "created" (RFC 3339) as Unix seconds; 0 when absent or unparsable. */
int64_t engine__image_parse_created(const char *s);
/* The parsed config blob of an image. */
int engine__image_config(engine_context *ctx, const char *image_id, json_object **out);

/* --- tags (tags.c) ------------------------------------------------------ */

/* Tags pointing at @image_id, sorted (NULL-terminated, malloc'd). */
int engine__tags_of(engine_context *ctx, const char *image_id, char ***out);
/* The flock serialising repositories.json rewrites (fd to release with
 * engine__lock_release). Taken after the store lock, never before it. */
int engine__tags_lock(engine_context *ctx);
/* Remove every tag of @image_id; the removed ones go to @removed if given. */
int engine__tags_remove_image(engine_context *ctx, const char *image_id, char ***removed);

/* --- garbage collection (gc.c) ------------------------------------------- */

/* Remove blobs and layers no image needs (and, with @tmp, temp files).
 * Caller holds the exclusive lock. Removed layer chain IDs go to @removed. */
int engine__gc_sweep(engine_context *ctx, bool tmp, int64_t *reclaimed, char ***removed_layers);
/* Image IDs that containers record in containers/<id>/image-id. */
int engine__container_image_ids(engine_context *ctx, char ***out);

#endif
