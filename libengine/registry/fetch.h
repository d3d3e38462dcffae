/* Downloading an image's layers in parallel while the ones already
 * downloaded are unpacked, lowest first, into the store. */
#ifndef ENGINE_REGISTRY_FETCH_H
#define ENGINE_REGISTRY_FETCH_H

#include <stdbool.h>

#include <engine/context.h>

#include "registry/client.h"
#include "registry/manifest.h"
#include "registry/progress.h"

typedef struct engine__fetch_layer {
	const engine__descriptor *desc;
	const char *diff_id;
	char chain_id[ENGINE__DIGEST_LEN + 1]; /* expected, from the diff IDs */
	bool download;			       /* the blob is not stored yet */
	bool unpack;			       /* the layer is not unpacked yet */
} engine__fetch_layer;

/* Fetch and unpack @layers from repository @path through @c, @parallel
 * transfers at a time, reporting through @prog. Every blob is verified
 * against its digest and size; nothing half-written becomes visible. */
int engine__fetch_layers(engine_context *ctx, engine__regclient *c, const char *path,
			 engine__fetch_layer *layers, size_t n, const engine__progress *prog, int parallel);

#endif
