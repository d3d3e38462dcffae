/*
 * The serving side of the OCI distribution API: a context's store seen as
 * a registry, for `engine registry serve` and any program that wants to
 * serve images (the HTTP layer is the caller's).
 *
 * Repositories are the store's tags: "busybox:latest" is repository
 * "busybox" (also reachable as "library/busybox", the name Docker Hub
 * mirrors are asked for), "quay.io/a/b:1" is "quay.io/a/b"; tags whose
 * name is not a valid repository name (a registry with a port) are not
 * served. With a pull-through upstream, the store's tags of the upstream's
 * registry are served by their path on it ("127.0.0.1:5000/a/b:1" is "a/b"
 * for a mirror of http://127.0.0.1:5000). Manifests pushed under a tag
 * that describe an image become store images with that tag (layers
 * unpacked), so pushed images are runnable where they land; anything else
 * (indexes, manifests pushed by digest only, artifacts, what a pull-through
 * fetched) is kept by the registry's own index under
 * <root>/distribution/, which garbage collection honours.
 *
 * Blobs are content-addressed and shared by every repository, as in the
 * store: a digest is readable under any repository name. Every blob and
 * manifest that comes in is verified against its digest before anything
 * can see it.
 *
 * Every function is safe to call from many threads at once on one handle.
 */
#ifndef ENGINE_DISTRIBUTION_H
#define ENGINE_DISTRIBUTION_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

/** A registry view of a store (opaque). */
typedef struct engine_distribution engine_distribution;

#define ENGINE_DISTRIBUTION_OPTIONS_VERSION 1

typedef struct engine_distribution_options {
	unsigned version;
	const char *mirror_of; /**< pull-through: the upstream registry's URL ("https://registry-1.docker.io",
				    "http://127.0.0.1:5000"); what the store lacks is fetched from it, through
				    the context's registry client (its mirrors, stored credentials, TLS
				    policy and timeouts), verified, stored and served. NULL: none. */
	int read_only;	       /**< refuse uploads and manifest pushes (ENGINE_EPERM) */
	int timeout;	       /**< seconds an upstream transfer may stall; 0: "registry-timeout" or 30 */
} engine_distribution_options;

#define ENGINE_DISTRIBUTION_OPTIONS_INIT                                                                     \
	{                                                                                                    \
		ENGINE_DISTRIBUTION_OPTIONS_VERSION, NULL, 0, 0                                              \
	}

/** Fill @p opts like ENGINE_DISTRIBUTION_OPTIONS_INIT (for bindings). */
ENGINE_EXTERN int engine_distribution_options_init(engine_distribution_options *opts, unsigned version);

/**
 * A registry view of @p ctx's store. @p opts may be NULL. The context must
 * outlive the handle. ENGINE_EINVALID names a malformed mirror_of URL.
 * *@p out is freed with engine_distribution_free().
 */
ENGINE_EXTERN int engine_distribution_new(engine_context *ctx, const engine_distribution_options *opts,
					  engine_distribution **out);

/**
 * Free the handle: unfinished uploads are discarded; waits for upstream
 * fetches in progress to stop. Accepts NULL.
 */
ENGINE_EXTERN void engine_distribution_free(engine_distribution *dist);

/* --- names --------------------------------------------------------------- */

/**
 * Whether @p name is a valid repository name ("a/b-c/d.e", lower case,
 * at most 255 characters): 0, or ENGINE_EINVALID saying what is wrong.
 */
ENGINE_EXTERN int engine_distribution_name_check(const char *name);

/**
 * The repositories, sorted, after @p last (NULL: from the start), at most
 * @p n of them (0: all) into @p out. *@p more (may be NULL) is set to 1
 * when more follow.
 */
ENGINE_EXTERN int engine_distribution_catalog(engine_distribution *dist, const char *last, size_t n,
					      engine_strarray *out, int *more);

/**
 * The tags of repository @p name, sorted, paginated like
 * engine_distribution_catalog(); none for a repository whose tags were all
 * deleted. ENGINE_ENOTFOUND when the repository was never tagged (in
 * pull-through mode: neither here nor upstream).
 */
ENGINE_EXTERN int engine_distribution_tags(engine_distribution *dist, const char *name, const char *last,
					   size_t n, engine_strarray *out, int *more);

/* --- manifests ----------------------------------------------------------- */

/** A manifest's bytes and what they are (opaque). */
typedef struct engine_distribution_manifest engine_distribution_manifest;

/**
 * The manifest repository @p name has under @p reference (a tag or a
 * "sha256:..." digest): the store's tag first, then the registry's index,
 * then (pull-through) the upstream. Errors: ENGINE_ENOTFOUND (unknown
 * repository, tag or manifest), ENGINE_EINVALID (bad name, tag or digest),
 * ENGINE_EIO / ENGINE_ETIMEOUT / ENGINE_EPERM (the upstream failed).
 * *@p out is freed with engine_distribution_manifest_free().
 */
ENGINE_EXTERN int engine_distribution_manifest_get(engine_distribution *dist, const char *name,
						   const char *reference, engine_distribution_manifest **out);
/** "sha256:<hex>" (borrowed). */
ENGINE_EXTERN const char *engine_distribution_manifest_digest(const engine_distribution_manifest *m);
/** Its media type, e.g. "application/vnd.oci.image.manifest.v1+json" (borrowed). */
ENGINE_EXTERN const char *engine_distribution_manifest_media_type(const engine_distribution_manifest *m);
/** Its bytes (borrowed; not NUL-terminated), engine_distribution_manifest_size() of them. */
ENGINE_EXTERN const char *engine_distribution_manifest_data(const engine_distribution_manifest *m);
ENGINE_EXTERN size_t engine_distribution_manifest_size(const engine_distribution_manifest *m);
ENGINE_EXTERN void engine_distribution_manifest_free(engine_distribution_manifest *m);

/**
 * Store the manifest @p data (@p len bytes) in repository @p name under
 * @p reference (a tag, or the manifest's own digest). @p content_type is
 * the request's (may be NULL; the manifest's "mediaType" wins). Every
 * blob and child manifest it references must be stored already. An image
 * manifest under a tag becomes a store image with that tag. *@p digest_out
 * (may be NULL) receives its digest, freed with engine_free().
 * Errors: ENGINE_EINVALID (malformed manifest, a digest reference that is
 * not its digest: the message starts with "digest"), ENGINE_ENOTFOUND (a
 * referenced blob or manifest is missing: the message names it),
 * ENGINE_ENOTSUP (schema 1), ENGINE_EPERM (read-only or pull-through).
 */
ENGINE_EXTERN int engine_distribution_manifest_put(engine_distribution *dist, const char *name,
						   const char *reference, const char *content_type,
						   const char *data, size_t len, char **digest_out);

/**
 * Delete manifest @p reference from repository @p name, as the
 * distribution API's DELETE does: by digest, every tag of the repository
 * that names it (the store's tags of its images, and the registry's own)
 * and the manifest itself from the repository: a GET by digest there is
 * ENGINE_ENOTFOUND until it is pushed again. By tag, that tag alone. The
 * content is shared: other repositories keep serving it, and an image left
 * without tags stays in the store, untagged, until pruned.
 * Errors: ENGINE_ENOTFOUND (the repository has no such tag, or no such
 * manifest or deleted it already), ENGINE_EINVALID (bad name, tag or
 * digest), ENGINE_EPERM (read-only or pull-through).
 */
ENGINE_EXTERN int engine_distribution_manifest_delete(engine_distribution *dist, const char *name,
						      const char *reference);

/* --- blobs --------------------------------------------------------------- */

/** A blob opened for reading (opaque). */
typedef struct engine_distribution_blob engine_distribution_blob;

/**
 * Open blob @p digest for reading (repository @p name only matters to a
 * pull-through fetch, which asks the upstream for it there). In
 * pull-through mode a missing blob is fetched once however many callers
 * ask at the same time; each can read it while it arrives.
 * Errors: ENGINE_ENOTFOUND, ENGINE_EINVALID (bad name or digest),
 * ENGINE_ENOTSUP (not sha256), upstream errors as for manifests.
 */
ENGINE_EXTERN int engine_distribution_blob_open(engine_distribution *dist, const char *name,
						const char *digest, engine_distribution_blob **out);
/** Its size in bytes, or -1 while a fetch has not learnt it yet. */
ENGINE_EXTERN int64_t engine_distribution_blob_size(const engine_distribution_blob *blob);
/**
 * The stored blob's file descriptor (borrowed: valid until the blob is
 * freed; for sendfile, pread or mmap), or -1 while it is being fetched
 * (read it with engine_distribution_blob_read()).
 */
ENGINE_EXTERN int engine_distribution_blob_fd(const engine_distribution_blob *blob);
/**
 * Read up to @p len bytes at @p offset into @p buf; *@p got receives how
 * many (0 at the end). While a fetch is in progress it waits for the
 * bytes. ENGINE_EIO when the fetch failed (a corrupt upstream blob is
 * never stored; a reader may have seen part of it).
 */
ENGINE_EXTERN int engine_distribution_blob_read(engine_distribution_blob *blob, int64_t offset, char *buf,
						size_t len, size_t *got);
/** Wait until the blob is complete (fetched and verified): 0, or the fetch's error. */
ENGINE_EXTERN int engine_distribution_blob_wait(engine_distribution_blob *blob);
ENGINE_EXTERN void engine_distribution_blob_free(engine_distribution_blob *blob);

/**
 * Cross-repository mount: make blob @p digest available in repository
 * @p name. Blobs are shared, so this succeeds whenever the blob is stored
 * and @p from (may be NULL) did not delete it.
 * ENGINE_ENOTFOUND when it is not; ENGINE_EPERM when read-only.
 */
ENGINE_EXTERN int engine_distribution_blob_mount(engine_distribution *dist, const char *name,
						 const char *from, const char *digest);

/**
 * Delete blob @p digest from repository @p name, as Distribution's blob
 * DELETE: the repository's link goes (engine_distribution_blob_open() and
 * manifest pushes referencing it there fail with ENGINE_ENOTFOUND until it
 * is uploaded or mounted again); the content stays for the store's images
 * and other repositories, and for garbage collection once nothing holds it.
 * Errors: ENGINE_ENOTFOUND (not stored, or deleted from @p name already),
 * ENGINE_EINVALID (bad name or digest), ENGINE_EPERM (read-only or
 * pull-through).
 */
ENGINE_EXTERN int engine_distribution_blob_delete(engine_distribution *dist, const char *name,
						  const char *digest);

/* --- uploads ------------------------------------------------------------- */

/** An upload session, held by one request at a time (opaque). */
typedef struct engine_distribution_upload engine_distribution_upload;

/**
 * Start an upload to repository @p name (@p id NULL), or take up session
 * @p id again. The session is held until engine_distribution_upload_free();
 * it then stays open for the next request, and is discarded after an hour
 * without one. Errors: ENGINE_ENOTFOUND (no such session in this
 * repository), ENGINE_EBUSY (another request holds it, or too many
 * sessions are open), ENGINE_EPERM (read-only or pull-through).
 */
ENGINE_EXTERN int engine_distribution_upload_open(engine_distribution *dist, const char *name, const char *id,
						  engine_distribution_upload **out);
/** The session's ID (borrowed). */
ENGINE_EXTERN const char *engine_distribution_upload_id(const engine_distribution_upload *up);
/** Bytes received so far. */
ENGINE_EXTERN int64_t engine_distribution_upload_offset(const engine_distribution_upload *up);
/** Append @p len bytes. ENGINE_EIO on a write error (the session is then unusable). */
ENGINE_EXTERN int engine_distribution_upload_write(engine_distribution_upload *up, const char *data,
						   size_t len);
/**
 * Verify everything received against @p digest and store it as a blob of
 * the session's repository; the session ends either way. ENGINE_EINVALID
 * (the message starts with "digest") on a mismatch: nothing is stored.
 */
ENGINE_EXTERN int engine_distribution_upload_commit(engine_distribution_upload *up, const char *digest);
/** End the session without storing anything. */
ENGINE_EXTERN void engine_distribution_upload_abort(engine_distribution_upload *up);
/** Give the session back (or free an ended one). Accepts NULL. */
ENGINE_EXTERN void engine_distribution_upload_free(engine_distribution_upload *up);

ENGINE_END_DECLS

#endif
