/*
 * The image store's internal interface, for the subsystems that write into
 * it (image formats, registry pulls, builds) or read from it (runtime).
 *
 * Layout under the context root (see DESIGN.md "Storage"):
 *   blobs/sha256/<hex>        content-addressed blobs, verified on write
 *   layers/<chainid-hex>/     one unpacked layer: diff/ (the overlay lower dir)
 *                             and layer.json {chain_id, diff_id, parent, blob,
 *                             media_type, compression, blob_size, size, entries}
 *   images/<id-hex>.json      image record {id, manifest, layers (blob digests),
 *                             diff_ids, chain_ids, created, size, registered}
 *   repositories.json         tags, Docker's shape: {"Repositories": {repo: {"repo:tag": id}}}
 *   tmp/                      temp dirs and files, renamed into place; GC empties it
 *   lock                      flock: shared for readers/writers of content,
 *                             exclusive for GC and image deletion
 *   tags.lock                 flock serialising rewrites of repositories.json
 * Limits for unpacking come from the context's config file:
 * "image-unpack-max-bytes" (bytes or "64g", default 32 GiB uncompressed per
 * layer), "image-unpack-max-entries" (default 2,000,000) and
 * "image-unpack-max-ratio" (default 100: a layer that expands past 1 GiB
 * and more than 100 times its compressed size is a decompression bomb and
 * refused; 0 turns the check off).
 * Containers record the image ID they use in containers/<id>/image-id so GC
 * and rmi keep that image's layers.
 * The registry view (libengine/distribution) keeps what it holds beyond the
 * store's images in ENGINE__DISTRIBUTION_REPOS/<repository>/
 * ENGINE__DISTRIBUTION_INDEX files: JSON objects whose "manifests" and
 * "blobs" arrays of digests are GC roots too.
 */
#ifndef ENGINE_IMAGE_STORE_H
#define ENGINE_IMAGE_STORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include <engine/context.h>

#include "util/digest.h"

#define ENGINE__DISTRIBUTION_REPOS "distribution/repositories"
#define ENGINE__DISTRIBUTION_INDEX "_index.json"

/* --- blobs ------------------------------------------------------------ */

/* A blob being written: bytes go to a temp file in the store, the digest is
 * computed on the fly, commit verifies and renames into blobs/sha256/. */
typedef struct engine__blob_writer engine__blob_writer;

/* @expected may be NULL (digest computed, e.g. for save/import/build). */
int engine__blob_writer_new(engine_context *ctx, const char *expected, engine__blob_writer **out);
/* The digest of what was written so far, without committing; no write
 * may follow (commit reuses it: the bytes are hashed once). */
int engine__blob_writer_digest(engine__blob_writer *w, char digest_out[ENGINE__DIGEST_LEN + 1]);
int engine__blob_writer_write(engine__blob_writer *w, const void *data, size_t len);
/* Verify against @expected (mismatch: ENGINE_EINVALID naming both digests,
 * nothing stored) and make the blob visible; its digest goes to @digest_out. */
int engine__blob_writer_commit(engine__blob_writer *w, char digest_out[ENGINE__DIGEST_LEN + 1]);
/* Discard (also frees a committed writer). Accepts NULL. */
void engine__blob_writer_free(engine__blob_writer *w);
/* A writer for content that arrives over many requests (registry uploads,
 * pull-through fetches): its temp file is unnamed, so it holds no store
 * lock (a GC can run meanwhile) until commit, which takes the shared lock
 * and keeps it until the writer is freed: whatever the caller records
 * about the new blob between commit and free is safe from a GC. */
int engine__blob_writer_new_detached(engine_context *ctx, engine__blob_writer **out);
/* The digest commit must verify (known only at the end of an upload). */
int engine__blob_writer_expect(engine__blob_writer *w, const char *digest);
/* The temp file (readable: bytes written so far can be served with pread). */
int engine__blob_writer_fd(const engine__blob_writer *w);
/* Bytes written so far. */
int64_t engine__blob_writer_size(const engine__blob_writer *w);

int engine__blob_put_buf(engine_context *ctx, const void *data, size_t len, const char *expected,
			 char digest_out[ENGINE__DIGEST_LEN + 1]);
int engine__blob_put_fd(engine_context *ctx, int fd, const char *expected,
			char digest_out[ENGINE__DIGEST_LEN + 1]);
bool engine__blob_exists(engine_context *ctx, const char *digest);
/* Absolute path of a stored blob (malloc'd), ENGINE_ENOTFOUND when absent. */
int engine__blob_path(engine_context *ctx, const char *digest, char **out);
int engine__blob_read(engine_context *ctx, const char *digest, char **out, size_t *len);

/* --- layers ----------------------------------------------------------- */

/* Unpack a stored layer blob (tar, tar+gzip or tar+zstd, detected by magic)
 * on top of @parent_chain_id (NULL for a base layer) unless that chain is
 * already unpacked. Verifies the uncompressed digest against @diff_id when
 * given (the image config's rootfs.diff_ids). Returns the chain ID. */
int engine__layer_unpack_blob(engine_context *ctx, const char *blob_digest, const char *diff_id,
			      const char *parent_chain_id, char chain_id_out[ENGINE__DIGEST_LEN + 1]);
struct engine__layer_job;
/* The layers of one image, @blobs[i] with @diff_ids[i] (both required), on
 * top of @parent_chain_id: unpacked several at a time, published in order;
 * @chains gets each chain ID. @started (may be NULL): jobs already under
 * way for some of the layers (engine__layer_job_start_copy), taken over
 * (the entries set to NULL). A layer that fails stops the ones above it
 * (none of them is published); those below stay. */
int engine__layer_unpack_chain(engine_context *ctx, size_t n, char *const *blobs, char *const *diff_ids,
			       const char *parent_chain_id, struct engine__layer_job **started,
			       char (*chains)[ENGINE__DIGEST_LEN + 1]);
/* The same one layer at a time, for pipelines that learn of layers one by
 * one (pull): start unpacks on a thread of its own (@parent_pending: the
 * parent is a job not finished yet); finish, in order, gives the layer
 * the metadata of the layers below, publishes it and frees the job; free
 * cancels an unfinished one and removes what it wrote. */
typedef struct engine__layer_job engine__layer_job;
/* How many layers to have in flight at once. */
size_t engine__layer_parallelism(void);
int engine__layer_job_start(engine_context *ctx, const char *blob_digest, const char *diff_id,
			    const char *parent_chain_id, bool parent_pending, engine__layer_job **out);
int engine__layer_job_finish(engine__layer_job *j, char chain_id_out[ENGINE__DIGEST_LEN + 1]);
void engine__layer_job_free(engine__layer_job *j);
/* A layer unpacked while its blob is copied into the store, from one read
 * of the source (a load from a directory): @fd is the source blob, @w the
 * writer it is copied into (both taken, failure included), @blob_digest
 * what it should be and @diff_id (required) what it unpacks to. It starts
 * whether or not the chain is already unpacked (the caller looks first).
 * Wait hands the writer back (*@w_out NULL when the copy stopped short
 * with a failed unpack, whose error finish reports); the caller verifies
 * and commits the blob before finish publishes the layer — finish refuses
 * one whose blob is not stored — and free discards everything. */
int engine__layer_job_start_copy(engine_context *ctx, int fd, engine__blob_writer *w, const char *blob_digest,
				 const char *diff_id, const char *parent_chain_id, bool parent_pending,
				 engine__layer_job **out);
int engine__layer_job_wait(engine__layer_job *j, engine__blob_writer **w_out);
/* Whether a chain is unpacked and recorded. */
bool engine__layer_exists(engine_context *ctx, const char *chain_id);
/* Absolute path of the layer's diff directory (the overlay lower dir). */
int engine__layer_dir(engine_context *ctx, const char *chain_id, char **out);

/* Make a layer from a directory tree in OCI diff form (the upper dir of a
 * container: overlay whiteouts become .wh. entries): writes a gzip tar blob,
 * records the layer on top of @parent_chain_id. For builds and commits. */
int engine__layer_create_from_dir(engine_context *ctx, const char *dir, const char *parent_chain_id,
				  char blob_digest_out[ENGINE__DIGEST_LEN + 1],
				  char diff_id_out[ENGINE__DIGEST_LEN + 1],
				  char chain_id_out[ENGINE__DIGEST_LEN + 1]);

/* --- local archives (Dockerfile ADD) ------------------------------------- */

/* Whether @path is a tar archive, plain or compressed with gzip, bzip2, xz
 * or zstd (Docker's test for ADD: the first header reads). */
bool engine__archive_is_tar(const char *path);

typedef struct engine__extract_options {
	bool owner_override; /* --chown: every entry gets uid:gid */
	uid_t uid;
	gid_t gid;
	bool perm_override; /* --chmod: every entry but symlinks gets these bits */
	mode_t perm;
} engine__extract_options;

/* Extract the archive @path beneath the directory @dirfd with the store's
 * unpacker: no entry can create, change or follow anything outside @dirfd,
 * and the store's limits (bytes, entries, ratio) apply. Whiteout entries
 * delete, as when layers are applied. Errors name the entry. */
int engine__archive_extract(engine_context *ctx, const char *path, int dirfd,
			    const engine__extract_options *o);

/* The same, leaving out the regular files named in @skip (paths relative to
 * @dir, "etc/hosts"): what the runtime writes into every container. */
int engine__layer_create_from_dir_skip(engine_context *ctx, const char *dir, const char *parent_chain_id,
				       char *const *skip, char blob_digest_out[ENGINE__DIGEST_LEN + 1],
				       char diff_id_out[ENGINE__DIGEST_LEN + 1],
				       char chain_id_out[ENGINE__DIGEST_LEN + 1]);

/* --- images and tags ---------------------------------------------------- */

/* Record an image whose config blob and layer blobs are already stored and
 * whose layers are unpacked: the image ID is @config_digest. @manifest_digest
 * may be NULL (one is synthesised as an OCI manifest). */
int engine__image_register(engine_context *ctx, const char *config_digest, const char *manifest_digest);
/* Point @ref (normalised like Docker: "busybox" -> "busybox:latest") at @image_id. */
int engine__image_tag(engine_context *ctx, const char *image_id, const char *ref);
/* Resolve a tag, a full or short ID ("sha256:ab12..", "ab12") to an image ID. */
int engine__image_lookup(engine_context *ctx, const char *ref, char id_out[ENGINE__DIGEST_LEN + 1]);
/* The manifest digest the image's record names (every registered image has one). */
int engine__image_manifest_digest(engine_context *ctx, const char *image_id,
				  char digest_out[ENGINE__DIGEST_LEN + 1]);
/* The whole tag map {"name:tag": "sha256:.."} (owned by caller). */
int engine__tags_load(engine_context *ctx, json_object **out);
/* Remove @ref (normalised) from the tag map; ENGINE_ENOTFOUND when absent. */
int engine__tag_remove(engine_context *ctx, const char *ref);

/* What a container needs to run an image. */
typedef struct engine__image_rootfs {
	char id[ENGINE__DIGEST_LEN + 1]; /* the image ID */
	char **layer_dirs;		 /* absolute diff dirs, lowest first, NULL-terminated */
	json_object *config;		 /* the config's "config" object (Env, Cmd, ...), owned */
} engine__image_rootfs;

/* A container records the ID in containers/<id>/image-id, which keeps the
 * image's layers from rmi and GC; hold engine__store_lock(shared) from this
 * call until that file is written to exclude a concurrent GC. */
int engine__image_rootfs_get(engine_context *ctx, const char *ref, engine__image_rootfs **out);
void engine__image_rootfs_free(engine__image_rootfs *r);

/* --- plain tar streams of trees (tree_tar.c) ------------------------------ */

typedef struct engine__tar_options {
	bool root_owner;  /* entries owned by 0:0 (docker cp without -a) */
	bool skip_pseudo; /* list /proc, /sys, ... mounts but not what is in them */
} engine__tar_options;

/* Write the node @fd (an O_PATH fd, never followed) as a tar stream into
 * @out_fd, named @aname ("etc", "." ...) and its children "@aname/x"; an
 * @aname of "" writes a directory's children without an entry for it. A
 * socket @out_fd that the reader closed is an error, not a SIGPIPE. */
int engine__tar_write_tree(int out_fd, int fd, const char *aname, const engine__tar_options *opts);
/* Extract the tar stream @in_fd (plain, gzip, bzip2 or xz) beneath the
 * directory @dirfd: nothing outside it is created, changed or followed;
 * ".wh." names are plain files. @no_chown: a container's files copied to
 * the host: the caller owns what is made, device nodes are skipped and
 * files lose their set-user/group-id bits. */
int engine__tar_extract(engine_context *ctx, int in_fd, int dirfd, bool no_chown);

/* Store-wide lock (see the layout above). Returns the fd to release.
 * Every function above takes the shared lock itself for its own step; a
 * caller that stores blobs, unpacks layers and then registers the image
 * (a load, a pull, a build) holds the shared lock across all of it, so that
 * a concurrent GC cannot collect the not-yet-referenced blobs in between.
 * Shared locks nest; never request the exclusive lock while holding one. */
int engine__store_lock(engine_context *ctx, bool exclusive);
void engine__store_unlock(int fd);
/* "<root>/tmp", created on first use (malloc'd). */
int engine__store_tmpdir(engine_context *ctx, char **out);

#endif
