/*
 * Store maintenance: disk usage, garbage collection and a consistency check
 * of blobs and unpacked layers.
 */
#ifndef ENGINE_STORE_H
#define ENGINE_STORE_H

#include "common.h"
#include "context.h"

ENGINE_BEGIN_DECLS

#define ENGINE_STORE_USAGE_VERSION 1

/**
 * Disk usage, like `docker system df`. The caller sets version
 * (ENGINE_STORE_USAGE_INIT or engine_store_usage_init()); the library fills
 * the fields that version has and nothing past them.
 */
typedef struct engine_store_usage {
	unsigned version;
	int64_t images;		 /**< number of images */
	int64_t images_size;	 /**< bytes of their unpacked layers (shared layers once) */
	int64_t layers;		 /**< unpacked layers */
	int64_t blobs;		 /**< stored blobs */
	int64_t blobs_size;	 /**< bytes */
	int64_t containers;	 /**< containers (any state) */
	int64_t containers_size; /**< bytes of their writable layers */
	int64_t reclaimable;	 /**< bytes prune would free */
} engine_store_usage;

#define ENGINE_STORE_USAGE_INIT                                                                              \
	{                                                                                                    \
		ENGINE_STORE_USAGE_VERSION, 0, 0, 0, 0, 0, 0, 0, 0                                           \
	}

/** Initialise @p usage like ENGINE_STORE_USAGE_INIT, for bindings. */
ENGINE_EXTERN int engine_store_usage_init(engine_store_usage *usage, unsigned version);

/**
 * Measure the store into @p out, whose version the caller set. Takes the
 * store's shared lock. ENGINE_EINVALID for a version this library does not
 * know.
 */
ENGINE_EXTERN int engine_store_usage_get(engine_context *ctx, engine_store_usage *out);

/**
 * Remove what nothing references: blobs and layers of no image, temp files
 * left by interrupted writes, and (with @p all_untagged) images without a
 * tag that no container uses. *reclaimed (may be NULL) receives bytes freed.
 * Takes the store's exclusive lock.
 */
ENGINE_EXTERN int engine_store_prune(engine_context *ctx, int all_untagged, int64_t *reclaimed);

/**
 * Remove images that no container uses — only untagged ("dangling") ones,
 * or with @p all every unused image, tagged or not (`docker image prune
 * [-a]`) — then collect what nothing references, like engine_store_prune().
 * @p report (may be NULL) receives Docker's lines ("untagged: busybox:latest",
 * "deleted: sha256:..."); *reclaimed (may be NULL) the bytes freed.
 */
ENGINE_EXTERN int engine_store_prune_images(engine_context *ctx, int all, engine_strarray *report,
					    int64_t *reclaimed);

/**
 * Verify every blob against its digest, every layer directory against its
 * record, every image against its blobs and layers. Each problem found is one
 * line in @p problems ("blob sha256:ab..: digest mismatch"); none means the
 * store is clean. Returns 0 whether or not problems are found.
 */
ENGINE_EXTERN int engine_store_check(engine_context *ctx, engine_strarray *problems);

ENGINE_END_DECLS

#endif
